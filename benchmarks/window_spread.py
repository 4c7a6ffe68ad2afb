"""How much blending overlapping windows shrinks the hypotheses' spread (issue 14, item 8).

Run: ``python benchmarks/window_spread.py [--sequences 3] [--hypotheses 10]``. Lifts 243-frame
test sequences with the shipped checkpoint (windows overlapping by 8 frames, H hypotheses,
K = 5) twice: with every window drawing its own noise, and with overlapping windows sharing their
noise per frame (what ``Lifter.lift`` does). For every frame that two windows lift, it prints the
blended spread (mean distance of the hypotheses to their mean) as a multiple of the windows' own
spread: 1.0 would mean blending keeps the hypotheses apart; independent draws averaged with
equal weights would give about 0.71.
"""
from __future__ import annotations

import argparse

import torch

from ddhpose_lite import load_pretrained
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.lifter import blend
from ddhpose_lite.sampling import sample_poses


def spread(hypotheses: torch.Tensor) -> torch.Tensor:
    """[H, ..., J, 3] -> [...]: mean distance of the hypotheses to their mean, over the non-root joints."""
    return (hypotheses - hypotheses.mean(0)).norm(dim=-1).mean(0)[..., 1:].mean(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=3)
    parser.add_argument("--hypotheses", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lifter = load_pretrained()
    frames = 243
    sequences = [s for s in synthetic_sequences("test", 3000, 0, noise_2d=3.0) if len(s) >= frames][: args.sequences]
    rows, weights = lifter.windows(frames, overlap=8)
    for shared in (False, True):
        ratios = []
        for sequence in sequences:
            poses = sample_poses(lifter.model, sequence.keypoints_2d[:frames][rows], lifter.schedule,
                                 args.hypotheses, 5, seed=0, flip=True, frame_index=rows if shared else None)[-1]
            blended, own = spread(blend(poses, rows, weights, frames)), spread(poses)
            for frame in range(frames):
                where = (rows == frame) & (weights > 0)
                if int(where.sum()) > 1:
                    ratios.append(float(blended[frame] / own[where].mean()))
        label = "shared noise per frame" if shared else "independent noise per window"
        print(f"{label}: blended spread {torch.tensor(ratios).mean():.2f}x the windows' own ({len(ratios)} frames)")


if __name__ == "__main__":
    main()
