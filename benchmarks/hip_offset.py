"""What a detector's hips cost the lifter (lesson 08): captured test motion with the hips moved.

Run: ``python benchmarks/hip_offset.py [--hypotheses 1] [--iterations 1] [--sequences N]``. Detectors learn hips
from annotators' clicks on the body's surface; motion-capture hips (Human3.6M's and ours) are the
centres of the hip joints inside the pelvis. This moves both hips of the captured test subjects
in 3D before projecting them with each sequence's camera: ``out`` metres outwards along the hip
axis (pelvis to hip) and ``up`` metres along the spine (pelvis to thorax); the pelvis is then
re-derived in 2D as the mapping does (mid-hips). It lifts every variant with the shipped
checkpoint and prints MPJPE and P-MPJPE against the unchanged truth, and the change from no
offset. With the video extra and opencv-doc it also prints the detector's hip width over
shoulder width on OpenCV's photos of standing people, beside the same ratio of the test bodies
(frontal photos only: a rough check of which way the real offset goes).
"""
from __future__ import annotations

import argparse
import itertools

import numpy as np
import torch

from ddhpose_lite import load_pretrained, metrics
from ddhpose_lite.datasets import mocap_sequences, with_moved_hips
from ddhpose_lite.skeleton import H36M

RHIP, LHIP = H36M.index("RHip"), H36M.index("LHip")
RSHOULDER, LSHOULDER = H36M.index("RShoulder"), H36M.index("LShoulder")


def photo_ratios() -> list[tuple[str, float]]:
    """The detector's hip width / shoulder width on OpenCV's photos of standing people (if available)."""
    try:
        import cv2

        from ddhpose_lite import video
        video.require_video_extra()
    except ImportError:
        return []
    found = []
    for name in ("messi5.jpg", "basketball1.png"):
        path = video.SAMPLE_VIDEO.parent / name
        if not path.is_file():
            continue
        detected = video.detect_image(cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB))
        if detected is not None:
            p = detected[0]  # MediaPipe order: 11/12 shoulders, 23/24 hips
            found.append((name, float(np.linalg.norm(p[23] - p[24]) / np.linalg.norm(p[11] - p[12]))))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hypotheses", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--sequences", type=int, default=None, help="only the first N test sequences")
    args = parser.parse_args()
    lifter = load_pretrained()
    sequences = mocap_sequences("test", seed=0)[:args.sequences]
    frames = sum(len(s) for s in sequences)
    unchanged = with_moved_hips(sequences[0], 0.0, 0.0).keypoints_2d
    assert torch.allclose(unchanged, sequences[0].keypoints_2d, atol=2e-3), "the projection does not reproduce the data"
    print(f"{len(sequences)} captured test sequences, {frames} frames; H = {args.hypotheses}, K = {args.iterations}")
    results = {}
    for out, up in itertools.product((-0.04, 0.0, 0.04), (-0.05, 0.0, 0.05, 0.10)):
        total = torch.zeros(2, dtype=torch.float64)
        for sequence in sequences:
            pose = lifter.lift(with_moved_hips(sequence, out, up).keypoints_2d, args.hypotheses, args.iterations, seed=0).p_agg()
            total += len(sequence) * torch.tensor([float(metrics.mpjpe(pose, sequence.poses_3d)),
                                                   float(metrics.p_mpjpe(pose, sequence.poses_3d))])
        results[out, up] = (1000 * total / frames).tolist()
    base = results[0.0, 0.0]
    print("| hips moved out (cm) | up (cm) | MPJPE (mm) | change | P-MPJPE (mm) | change |")
    print("|---:|---:|---:|---:|---:|---:|")
    for (out, up), (mpjpe, p_mpjpe) in results.items():
        print(f"| {100 * out:.0f} | {100 * up:.0f} | {mpjpe:.1f} | {mpjpe - base[0]:+.1f} | {p_mpjpe:.1f} "
              f"| {p_mpjpe - base[1]:+.1f} |")
    ratios = photo_ratios()
    if ratios:
        bodies = torch.cat([s.poses_3d for s in sequences])
        body_ratio = float(((bodies[:, RHIP] - bodies[:, LHIP]).norm(dim=-1)
                            / (bodies[:, RSHOULDER] - bodies[:, LSHOULDER]).norm(dim=-1)).median())
        print(f"hip width / shoulder width: test bodies (3D) {body_ratio:.2f}; MediaPipe on photos: "
              + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios))


if __name__ == "__main__":
    main()
