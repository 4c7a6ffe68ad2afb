"""Time lifting a 243-frame clip with H = 5 hypotheses and K = 5 DDIM iterations (issue 6), and
the hypothesis scrubber's callback.

Run: ``python benchmarks/lift_speed.py [--frames 243] [--threads 2] [--repeats 3]``.
Prints the load average (the machine may be shared), the windows used, seconds per lift with
and without test-time flip (best of the repeats), and the scrubber's callback time (median).
Targets: <= 3 s per lift on two CPU cores; <= 50 ms per scrubber callback.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=243)
    parser.add_argument("--hypotheses", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--overlap", type=int, default=None, help="window overlap in frames (default frames // 8)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from ddhpose_lite import load_pretrained, widgets
    from ddhpose_lite.datasets import synthetic_sequences

    lifter = load_pretrained()
    sequence = next(s for s in synthetic_sequences("test", 4 * args.frames, seed=0) if len(s) >= args.frames)
    kp = sequence.keypoints_2d[: args.frames]
    rows, _ = lifter.windows(args.frames, args.overlap)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min), {os.cpu_count()} CPUs")
    print(f"model: {lifter.frames} frames per window, {rows.shape[0]} windows for {args.frames} frames "
          f"(overlap {lifter.frames - (rows[1, 0] - rows[0, 0]).item() if rows.shape[0] > 1 else 0})")
    lifter.lift(kp[: lifter.frames], 1, 1)  # warm-up
    result = None
    for flip in (True, False):
        timings = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = lifter.lift(kp, args.hypotheses, args.iterations, seed=0, flip=flip, overlap=args.overlap)
            timings.append(time.perf_counter() - start)
        clips = rows.shape[0] * args.hypotheses * (2 if flip else 1)
        print(f"lift {args.frames} frames, H={args.hypotheses}, K={args.iterations}, flip={flip}: best "
              f"{min(timings):.2f} s, all {[round(t, 2) for t in timings]} ({clips} clips per forward pass)")
    start = time.perf_counter()
    scrubber = widgets.hypothesis_scrubber(result, camera=sequence.camera, trajectory=sequence.trajectory[: args.frames],
                                           truth=sequence.poses_3d[: args.frames])
    print(f"scrubber built in {time.perf_counter() - start:.2f} s (all views precomputed, no model call when scrubbing)")
    timings = []
    for n in range(60):
        start = time.perf_counter()
        scrubber.update(iteration=n % args.iterations, hypothesis="all" if n % 4 == 0 else n % args.hypotheses,
                        frame=(37 * n) % args.frames)
        timings.append(time.perf_counter() - start)
    print(f"scrubber callback: median {1000 * statistics.median(timings):.1f} ms, "
          f"max {1000 * max(timings):.1f} ms over {len(timings)} updates")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
