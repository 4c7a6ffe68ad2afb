"""Peak memory of lifting, for growing numbers of hypotheses H and frames F (issue 17).

Run: ``python benchmarks/lift_memory.py [--iterations 1] [--quick]``. Each lift runs in a fresh
process with the shipped checkpoint; the script prints its peak resident memory (RSS), the size of
the result [K, H, F, 17, 3] and the difference, the working memory. ``Lifter.lift`` hands the
sampler chunks of at most ``LIFT_TOKENS_PER_CHUNK`` tokens, so the working memory should stay flat
while the result grows with H x F.
"""
from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = """
import resource, sys, time, torch
from ddhpose_lite import load_pretrained
torch.set_num_threads(2)
hypotheses, frames, iterations = (int(v) for v in sys.argv[1:4])
lifter = load_pretrained()
keypoints = torch.rand(frames, 17, 2) * 0.6 - 0.3
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = lifter.lift(keypoints, hypotheses, iterations, seed=0)
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - start)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="two small settings only (for the smoke test)")
    args = parser.parse_args()
    settings = [(5, 243), (50, 243)] if args.quick else [(5, 243), (50, 243), (200, 243), (5, 2430), (5, 24300), (20, 24300)]
    print(f"{'H':>5} {'F':>7} {'seconds':>8} {'peak RSS MB':>12} {'result MB':>10} {'working MB':>11} {'after load MB':>14}")
    for hypotheses, frames in settings:
        out = subprocess.run([sys.executable, "-c", CHILD, str(hypotheses), str(frames), str(args.iterations)],
                             capture_output=True, text=True, check=True).stdout.split()
        loaded, peak, seconds = int(out[0]) / 1024, int(out[1]) / 1024, float(out[2])  # ru_maxrss is in kB
        result = args.iterations * hypotheses * frames * 17 * 3 * 4 / 2**20
        print(f"{hypotheses:>5} {frames:>7} {seconds:>8.1f} {peak:>12.0f} {result:>10.1f} {peak - loaded - result:>11.0f} "
              f"{loaded:>14.0f}")


if __name__ == "__main__":
    main()
