"""Windowed clips for seq2seq training and evaluation, with the paper's flip augmentation.

A ``Sequence`` is one subject, action and camera: 2D keypoints in normalised screen coordinates
and root-relative 3D poses in the camera frame (metres). ``ClipDataset`` cuts sequences into
windows of N frames (edge frames replicated where a window overhangs) so that every frame is the
target of at least one clip; ``flip`` mirrors a clip (x -> -x in 2D and 3D, left/right swapped).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ._tensors import check_finite
from .skeleton import H36M, Skeleton

__all__ = ["Sequence", "ClipDataset", "flip", "window_starts", "synthetic_sequences"]


@dataclass
class Sequence:
    """One continuous recording seen by one camera (tensors share the frame axis T)."""

    keypoints_2d: torch.Tensor  # [T, 17, 2] normalised screen coordinates
    poses_3d: torch.Tensor  # [T, 17, 3] root-relative, camera frame, metres
    subject: str = ""
    action: str = ""
    camera: object | None = None
    trajectory: torch.Tensor | None = None  # [T, 3] root position in the camera frame
    valid: torch.Tensor | None = None  # [T] bool, frames to evaluate (MPI-INF-3DHP)
    image_size: tuple[int, int] | None = None  # (width, height) in pixels
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        frames = self.keypoints_2d.shape[0]
        if self.keypoints_2d.ndim != 3 or self.keypoints_2d.shape[-1] != 2:
            raise ValueError(f"expected keypoints_2d of shape [T, J, 2], got {list(self.keypoints_2d.shape)}")
        expected = (frames, self.keypoints_2d.shape[1], 3)
        if tuple(self.poses_3d.shape) != expected:
            raise ValueError(f"expected poses_3d of shape {list(expected)}, got {list(self.poses_3d.shape)}")
        if frames < 1:
            raise ValueError("expected a sequence with at least one frame, got 0")
        check_finite(self.keypoints_2d, "keypoints_2d")
        check_finite(self.poses_3d, "poses_3d")

    def __len__(self) -> int:
        return self.keypoints_2d.shape[0]


def window_starts(length: int, frames: int, stride: int) -> list[int]:
    """Start frames of the windows over a sequence: every `stride` frames, and a last window that
    ends on the last frame, so every frame is covered. Starts may be < 0 or the window may overhang
    the end only when the sequence is shorter than a window (edge frames are then replicated)."""
    if frames < 1 or stride < 1:
        raise ValueError(f"expected frames >= 1 and stride >= 1, got frames={frames}, stride={stride}")
    if length <= frames:
        return [-((frames - length) // 2)]  # one centred, padded window
    starts = list(range(0, length - frames + 1, stride))
    if starts[-1] != length - frames:
        starts.append(length - frames)
    return starts


class ClipDataset(torch.utils.data.Dataset):
    """Windows of ``frames`` frames over sequences (stride defaults to ``frames``).

    Item i (or ``batch(indices)`` for many at once, one gather) is a dict: keypoints_2d
    [(B,) N, 17, 2], poses_3d [(B,) N, 17, 3], mask [(B,) N] (True on real frames, False on
    replicated edge frames), sequence and start [(B,)].
    """

    def __init__(self, sequences: list[Sequence], frames: int, stride: int | None = None) -> None:
        if not sequences:
            raise ValueError("expected at least one sequence, got none")
        self.sequences, self.frames = sequences, frames
        stride = frames if stride is None else stride
        self.keypoints_2d = torch.cat([s.keypoints_2d for s in sequences])
        self.poses_3d = torch.cat([s.poses_3d for s in sequences])
        offsets = torch.tensor([0] + [len(s) for s in sequences]).cumsum(0)
        rows, masks, windows = [], [], []
        for index, seq in enumerate(sequences):
            for start in window_starts(len(seq), frames, stride):
                positions = torch.arange(start, start + frames)
                masks.append((positions >= 0) & (positions < len(seq)))
                rows.append(offsets[index] + positions.clamp(0, len(seq) - 1))  # edge frames replicated
                windows.append((index, start))
        self.frame_index = torch.stack(rows)  # [W, N] rows into the concatenated frames
        self.mask = torch.stack(masks)
        self.windows = torch.tensor(windows)  # [W, 2]: sequence, start

    def __len__(self) -> int:
        return self.frame_index.shape[0]

    def batch(self, indices) -> dict:
        indices = torch.as_tensor(indices)
        rows = self.frame_index[indices]
        return {
            "keypoints_2d": self.keypoints_2d[rows],
            "poses_3d": self.poses_3d[rows],
            "mask": self.mask[indices],
            "sequence": self.windows[indices, 0],
            "start": self.windows[indices, 1],
        }

    def __getitem__(self, index: int) -> dict:
        return self.batch(int(index))


def flip(keypoints_2d=None, poses_3d=None, skeleton: Skeleton = H36M):
    """Mirror horizontally (x -> -x) and swap left/right joints; either argument may be None.

    Normalised screen coordinates are centred on the image, so mirroring the image is x -> -x.
    """
    perm = list(skeleton.flip_permutation)
    out = []
    for x in (keypoints_2d, poses_3d):
        if x is None:
            out.append(None)
            continue
        mirrored = x[..., perm, :].clone()
        mirrored[..., 0] = -mirrored[..., 0]
        out.append(mirrored)
    return tuple(out)


def synthetic_sequences(split: str = "train", frames: int = 50_000, seed: int = 0, **options) -> list[Sequence]:
    """The embedded synthetic dataset (``motion.synthetic_dataset``) as root-relative Sequences.

    ``options`` go to ``synthetic_dataset`` (noise_2d in px, outliers, ...).
    """
    from .motion import ACTIONS, synthetic_dataset

    data = synthetic_dataset(split, frames, seed, **options)
    sequences = []
    for seq in data:
        root = seq.poses_camera[:, :1]
        sequences.append(Sequence(
            keypoints_2d=seq.keypoints_2d, poses_3d=seq.poses_camera - root, subject=f"synthetic-{seq.subject_id}",
            action="+".join(seq.action_names), camera=seq.camera, trajectory=root[:, 0],
            image_size=(seq.res_w, seq.res_h), extra={"labels": seq.labels, "actions": ACTIONS},
        ))
    return sequences
