"""How much temporal smoothing of 2D keypoints the lifter needs (lesson 08).

Run: ``python benchmarks/smoothing.py [--sequences N]``. The captured test subjects are filmed
with detector-like noise (``keypoints.detector_noise``: jitter, drift and rare gross errors) at
several strengths, the 2D keypoints are smoothed in time by a Gaussian of sigma 0 (none) to 4
frames at 50 fps, and the shipped checkpoint lifts them (H = K = 1). It prints MPJPE per noise
level and smoothing: where smoothing stops helping is as much as the lifter needs. The model was
trained with 3 px of such noise (``train.TrainConfig.noise_2d``).
"""
from __future__ import annotations

import argparse

from ddhpose_lite import load_pretrained, metrics
from ddhpose_lite.datasets import mocap_sequences
from ddhpose_lite.keypoints import smooth_in_time

NOISE_PX = (0.0, 3.0, 8.0, 15.0)
SIGMAS = (0.0, 1.0, 2.0, 4.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=None, help="only the first N test sequences")
    args = parser.parse_args()
    lifter = load_pretrained()
    print("| detector noise (px) | " + " | ".join(f"smoothing σ = {s:g} frames" for s in SIGMAS) + " |")
    print("|---:|" + "---:|" * len(SIGMAS))
    for noise in NOISE_PX:
        sequences = mocap_sequences("test", seed=0, noise_2d=noise, outliers=0.002 if noise else 0.0)[:args.sequences]
        frames = sum(len(s) for s in sequences)
        cells = []
        for sigma in SIGMAS:
            total = sum(len(s) * float(metrics.mpjpe(lifter.lift(smooth_in_time(s.keypoints_2d, sigma), 1, 1, seed=0).p_agg(),
                                                     s.poses_3d)) for s in sequences)
            cells.append(f"{1000 * total / frames:.1f}")
        print(f"| {noise:g} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
