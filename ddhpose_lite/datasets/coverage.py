"""Coverage of a pose dataset: which body orientations, joint angles and image placements it visits.

A lifter only knows the poses it was trained on. These statistics say what a dataset holds, so
that two datasets (our procedural motion, captured motion, a real benchmark) can be compared at
a glance. Every statistic is a pure function with a definition that can be checked by hand:

- ``torso_tilt``: the angle between the torso (pelvis -> thorax) and the world's up axis +z,
  acos(v_z / |v|) in degrees: 0 upright, 90 lying, 180 upside down.
- ``knee_flexion``: per side, the angle between the thigh (hip -> knee) and the shin (knee ->
  ankle): 0 for a straight leg, ~90 sitting on a chair, ~150 in a full squat.
- ``hip_flexion``: per side, the angle between the thigh (hip -> knee) and the downward torso
  axis (thorax -> pelvis): 0 standing, ~90 sitting, ~120 in a squat (unsigned: a leg swung back
  also counts as positive).
- ``person_scale``: from 2D keypoints in normalised screen coordinates (x spans [-1, 1] across
  the image width, y spans [-h/w, h/w]): the keypoints' bounding-box height and its longer
  side, as fractions of the image width ((max - min) / 2).
- ``person_position``: the bounding box's centre, in normalised screen coordinates.

``coverage(sequences)`` gathers them over ``datasets.Sequence``s: the torso tilt needs world
poses (``extra["poses_world"]``, which ``film`` and ``synthetic_sequences`` store, or a camera
with extrinsics, as Human3.6M's, to rotate the camera-frame poses back to the world); sequences
with neither (MPI-INF-3DHP's test files hold camera-frame poses only) count for the joint
angles and the image statistics only. The joint angles do not depend on the frame.
"""
from __future__ import annotations

import torch

from .._tensors import as_torch, check_finite, check_tail
from ..camera import Camera, camera_to_world
from .clips import Sequence

__all__ = ["torso_tilt", "knee_flexion", "hip_flexion", "person_scale", "person_position", "coverage",
           "TILT_BINS", "TILT_EDGES", "ANGLE_EDGES"]

TILT_BINS = ((0.0, 30.0), (30.0, 60.0), (60.0, 90.0), (90.0, 180.0))
"""Torso-tilt classes of ``coverage``: upright, leaning, low, beyond lying (degrees, [low, high))."""
TILT_EDGES = tuple(float(e) for e in range(0, 181, 10))
"""Bin edges of the torso-tilt histogram: 0, 10, ..., 180 degrees."""
ANGLE_EDGES = tuple(float(e) for e in range(0, 181, 15))
"""Bin edges of the knee and hip flexion histograms: 0, 15, ..., 180 degrees."""

_PELVIS, _THORAX = 0, 8
_LEGS = ((1, 2, 3), (4, 5, 6))  # (hip, knee, ankle): right, left


def _poses(poses, name: str, dims: int = 3):
    tensor, back = as_torch(poses, name)
    check_tail(tensor, name, (17, dims), f"..., 17, {dims}")
    check_finite(tensor, name)
    return tensor, back


def _angle(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Degrees between vectors a and b along the last axis (0 where either is zero)."""
    cos = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1)).clamp_min(1e-12)
    return torch.rad2deg(torch.acos(cos.clamp(-1.0, 1.0)))


def torso_tilt(poses_world):
    """World poses [..., 17, 3] (z up) -> tilt [...] in degrees: the angle between pelvis ->
    thorax and +z, acos(v_z / |v|). 0 upright, 90 lying, 180 upside down."""
    poses, back = _poses(poses_world, "poses_world")
    torso = poses[..., _THORAX, :] - poses[..., _PELVIS, :]
    return back(_angle(torso, torch.tensor([0.0, 0.0, 1.0], dtype=poses.dtype)))


def knee_flexion(poses):
    """Poses [..., 17, 3] (any frame) -> knee flexion [..., 2] (right, left) in degrees: the
    angle between hip -> knee and knee -> ankle; 0 for a straight leg."""
    poses, back = _poses(poses, "poses")
    out = [_angle(poses[..., k, :] - poses[..., h, :], poses[..., a, :] - poses[..., k, :]) for h, k, a in _LEGS]
    return back(torch.stack(out, -1))


def hip_flexion(poses):
    """Poses [..., 17, 3] (any frame) -> hip flexion [..., 2] (right, left) in degrees: the
    angle between hip -> knee and thorax -> pelvis (the torso axis pointing down); 0 standing,
    ~90 sitting."""
    poses, back = _poses(poses, "poses")
    down = poses[..., _PELVIS, :] - poses[..., _THORAX, :]
    out = [_angle(poses[..., k, :] - poses[..., h, :], down) for h, k, _ in _LEGS]
    return back(torch.stack(out, -1))


def person_scale(keypoints_2d):
    """2D keypoints [..., 17, 2] in normalised screen coordinates -> (height [...], longer
    side [...]) of their bounding box as fractions of the image width: (max - min) / 2, since
    x spans [-1, 1] across the width."""
    points, back = _poses(keypoints_2d, "keypoints_2d", dims=2)
    extent = (points.amax(-2) - points.amin(-2)) / 2
    return back(extent[..., 1]), back(extent.amax(-1))


def person_position(keypoints_2d):
    """2D keypoints [..., 17, 2] in normalised screen coordinates -> the bounding box's centre
    [..., 2], (min + max) / 2 per axis (0, 0 is the image centre)."""
    points, back = _poses(keypoints_2d, "keypoints_2d", dims=2)
    return back((points.amax(-2) + points.amin(-2)) / 2)


def _histogram(values: torch.Tensor, edges) -> list[float]:
    """Fraction of values in each bin [edges[i], edges[i + 1]) (the last bin includes its top)."""
    counts = torch.histc(values.double().clamp(edges[0], edges[-1]), bins=len(edges) - 1, min=edges[0], max=edges[-1])
    return (counts / max(1, values.numel())).tolist()


def _summary(values: torch.Tensor) -> dict[str, float]:
    """Mean and the 5th, 50th and 95th percentiles."""
    values = values.double().flatten()
    q = torch.quantile(values, torch.tensor([0.05, 0.5, 0.95], dtype=torch.float64))
    return {"mean": float(values.mean()), "p5": float(q[0]), "p50": float(q[1]), "p95": float(q[2])}


def _world(sequence: Sequence) -> torch.Tensor | None:
    world = sequence.extra.get("poses_world") if isinstance(sequence.extra, dict) else None
    if world is not None:
        return torch.as_tensor(world).double()
    camera = sequence.camera
    if isinstance(camera, Camera) and (camera.orientation != (1.0, 0.0, 0.0, 0.0) or any(camera.translation)):
        return camera_to_world(sequence.poses_3d.double(), camera)  # only the rotation matters for the tilt
    return None  # camera-frame poses only: no up axis


def coverage(sequences) -> dict:
    """Coverage statistics of ``Sequence``s (every frame counts once).

    Returns a dict: ``frames``; ``tilt_frames`` (frames with world poses, which the tilt
    statistics use); ``tilt_bins`` {"0-30", "30-60", "60-90", ">90"} -> fraction of frames
    (``TILT_BINS``); ``beyond_45`` and ``beyond_90``: fractions tipped more than 45 and 90 deg;
    ``tilt_histogram``: fractions in the 10-deg bins of ``TILT_EDGES``; ``knee_histogram`` and
    ``hip_histogram``: fractions of legs (both sides pooled) in the bins of ``ANGLE_EDGES``;
    ``scale`` {"height", "longer_side"} and ``position`` {"x", "y"}: summaries (mean, p5, p50,
    p95) of ``person_scale`` and ``person_position``.
    """
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Sequence) for s in sequences):
        kinds = sorted({type(s).__name__ for s in sequences}) or ["nothing"]
        raise ValueError(f"expected one or more datasets.Sequence, got {', '.join(kinds)}")
    tilts, knees, hips, heights, sides, centres = [], [], [], [], [], []
    for sequence in sequences:
        world = _world(sequence)
        if world is not None:
            tilts.append(torso_tilt(world))
        knees.append(knee_flexion(sequence.poses_3d.double()).flatten())
        hips.append(hip_flexion(sequence.poses_3d.double()).flatten())
        height, side = person_scale(sequence.keypoints_2d.double())
        heights.append(height)
        sides.append(side)
        centres.append(person_position(sequence.keypoints_2d.double()))
    tilt = torch.cat(tilts) if tilts else torch.zeros(0, dtype=torch.float64)
    frames = sum(len(s) for s in sequences)
    share = (lambda mask: float(mask.double().mean()) if tilt.numel() else float("nan"))
    names = ("0-30", "30-60", "60-90", ">90")
    centre = torch.cat(centres)
    return {
        "frames": frames,
        "tilt_frames": int(tilt.numel()),
        "tilt_bins": {n: share((tilt >= lo) & ((tilt < hi) | (hi == 180.0))) for n, (lo, hi) in zip(names, TILT_BINS)},
        "beyond_45": share(tilt > 45),
        "beyond_90": share(tilt > 90),
        "tilt_histogram": _histogram(tilt, TILT_EDGES) if tilt.numel() else [],
        "knee_histogram": _histogram(torch.cat(knees), ANGLE_EDGES),
        "hip_histogram": _histogram(torch.cat(hips), ANGLE_EDGES),
        "scale": {"height": _summary(torch.cat(heights)), "longer_side": _summary(torch.cat(sides))},
        "position": {"x": _summary(centre[:, 0]), "y": _summary(centre[:, 1])},
    }
