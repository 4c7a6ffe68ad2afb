"""Sequences and the windowed clips the model trains and lifts on.

A ``Sequence`` is one recording seen by one camera: 2D keypoints in normalised screen
coordinates and root-relative 3D poses in the camera frame (metres). ``sliding_windows`` cuts a
sequence into windows of N frames (edge frames replicated where a window overhangs) so that
every frame lies in at least one window; ``ClipDataset`` (training, evaluation) and
``Lifter.lift`` (inference) both use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .._tensors import check_finite, check_int

__all__ = ["Sequence", "ClipDataset", "window_starts", "sliding_windows", "chunk_windows"]


@dataclass
class Sequence:
    """One continuous recording seen by one camera (tensors share the frame axis T)."""

    keypoints_2d: torch.Tensor  # [T, J, 2] normalised screen coordinates
    poses_3d: torch.Tensor  # [T, J, 3] root-relative, camera frame, metres
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
    check_int(length, "length", low=1)
    check_int(frames, "frames", low=1)
    check_int(stride, "stride", low=1)
    if length <= frames:
        return [-((frames - length) // 2)]  # one centred, padded window
    starts = list(range(0, length - frames + 1, stride))
    if starts[-1] != length - frames:
        starts.append(length - frames)
    return starts


def sliding_windows(length: int, frames: int, stride: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Windows of ``frames`` frames over a sequence of ``length``, every ``stride`` frames.

    Returns (rows [W, N]: frame indices, edge frames replicated where a window overhangs;
    real [W, N]: True on frames inside the sequence; starts [W]: each window's first frame).
    """
    starts = torch.tensor(window_starts(length, frames, stride))
    positions = starts.unsqueeze(1) + torch.arange(frames)
    real = (positions >= 0) & (positions < length)
    return positions.clamp(0, length - 1), real, starts


def chunk_windows(length: int, frames: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The official evaluation's windows: back-to-back chunks of ``frames`` from frame 0, then one
    chunk aligned to the sequence end; nothing is blended, each frame takes the prediction of ONE
    window, the end-aligned one where it overlaps the chunk before (which the official code
    overwrites). A sequence shorter than ``frames`` is one window padded at the end by repeating its
    last frame.

    Returns (rows [W, N]: frame indices; weights [W, N]: 1 where a window's prediction is used,
    0 elsewhere, so every frame's weights sum to exactly 1). length 10, frames 4: windows at 0, 4, 6;
    the window at 4 gives frames 4, 5, the last one frames 6..9.
    """
    check_int(length, "length", low=1)
    check_int(frames, "frames", low=1)
    if length <= frames:
        rows = torch.arange(frames).clamp(max=length - 1).unsqueeze(0)
        return rows, (torch.arange(frames) < length).float().unsqueeze(0)
    count = -(-length // frames)  # ceil: the chunks before the last one, plus the last
    starts = torch.tensor([i * frames for i in range(count - 1)] + [length - frames])
    rows = starts.unsqueeze(1) + torch.arange(frames)
    weights = torch.ones(len(starts), frames)
    weights[:-1] = (rows[:-1] < length - frames).float()  # the end-aligned window overwrites these
    return rows, weights


class ClipDataset(torch.utils.data.Dataset):
    """Windows of ``frames`` frames over sequences (stride defaults to ``frames``).

    Item i (or ``batch(indices)`` for many at once, one gather) is a dict: keypoints_2d
    [(B,) N, J, 2], poses_3d [(B,) N, J, 3], mask [(B,) N] (True on real frames, False on
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
            seq_rows, real, starts = sliding_windows(len(seq), frames, stride)
            rows.append(offsets[index] + seq_rows)
            masks.append(real)
            windows.append(torch.stack([torch.full_like(starts, index), starts], 1))
        self.frame_index = torch.cat(rows)  # [W, N] rows into the concatenated frames
        self.mask = torch.cat(masks)
        self.windows = torch.cat(windows)  # [W, 2]: sequence, start

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
