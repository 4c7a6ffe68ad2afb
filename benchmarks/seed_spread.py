"""How much DDHPose's answer depends on its noise, and on H and K, on captured test people.

    .venv/bin/python benchmarks/seed_spread.py [--checkpoint PATH] [--frames 2000] [--seeds 5]

The captured CMU test subjects (``mocap_sequences("test", seed=0)``, 3 px detector noise, the same
frames for every row) are lifted with H = K = 5 at seeds 0..seeds-1, then with H = K = 1 and
H = 20, K = 10 at seed 0. Prints MPJPE / P-MPJPE (mm, P-Agg) per row and the seed spread
(max - min) as a share of the mean.
"""
from __future__ import annotations

import argparse

from ddhpose_lite.datasets import mocap_sequences
from ddhpose_lite.evaluate import evaluate
from ddhpose_lite.lifter import load_pretrained


def errors(lifter, sequences, hypotheses: int, iterations: int, seed: int) -> tuple[float, float]:
    row = evaluate(lifter, sequences, hypotheses, iterations, seed).summary()["P-Agg"]
    return 1000 * row["MPJPE"], 1000 * row["P-MPJPE"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=None, help="default: the shipped DDHPose")
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    lifter = load_pretrained(args.checkpoint)
    sequences = mocap_sequences("test", 0, frames=args.frames, noise_2d=3.0, outliers=0.002)
    by_seed = [errors(lifter, sequences, 5, 5, seed) for seed in range(args.seeds)]
    for seed, (m, p) in enumerate(by_seed):
        print(f"H = K = 5, seed {seed}: {m:6.1f} / {p:5.1f}", flush=True)
    for index, name in ((0, "MPJPE"), (1, "P-MPJPE")):
        values = [row[index] for row in by_seed]
        mean = sum(values) / len(values)
        print(f"{name} seed spread (max - min): {max(values) - min(values):.2f} mm = "
              f"{100 * (max(values) - min(values)) / mean:.2f} % of the mean {mean:.1f}")
    for h, k in ((1, 1), (20, 10)):
        m, p = errors(lifter, sequences, h, k, 0)
        print(f"H = {h}, K = {k}, seed 0: {m:6.1f} / {p:5.1f}", flush=True)


if __name__ == "__main__":
    main()
