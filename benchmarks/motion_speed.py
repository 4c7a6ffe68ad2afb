"""Time the embedded synthetic dataset: 50,000 frames (3D + cameras + 2D), a few repeats.

Run: ``python benchmarks/motion_speed.py [--frames 50000] [--repeats 3] [--noise 3.0]``.
Prints seconds and frames per second for each repeat and the best one. The target is
<= 10 s for 50k frames on two CPU cores.
"""
from __future__ import annotations

import argparse
import time

import torch

from ddhpose_lite.datasets import synthetic_sequences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--noise", type=float, default=3.0, help="2D noise in pixels (0: clean)")
    parser.add_argument("--outliers", type=float, default=0.002)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads available "
          f"(generation uses 1), {args.frames} frames, noise {args.noise} px")
    timings = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        data = synthetic_sequences("train", args.frames, seed=repeat, noise_2d=args.noise, outliers=args.outliers)
        seconds = time.perf_counter() - start
        timings.append(seconds)
        print(f"repeat {repeat}: {seconds:6.2f} s  {args.frames / seconds:10,.0f} frames/s  "
              f"({len(data)} sequences)")
    best = min(timings)
    print(f"best: {best:.2f} s, {args.frames / best:,.0f} frames/s")


if __name__ == "__main__":
    main()
