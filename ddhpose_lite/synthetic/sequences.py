"""Sequences of actions with smooth transitions, and the population of synthetic motion.

``generate_sequence`` cross-fades consecutive actions over ~0.4 s by blending their joint-angle
channels (rotation space, never joint space), clamps every channel to its joint limit and runs
the kinematics. ``synthetic_motion`` draws the sequences of a split: random actions of the
default mix (``catalogue.MIX``) by the split's subjects. Cameras and 2D keypoints are added by
``datasets.film``.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from .._tensors import check_int, check_number, numpy_rng, single_thread
from .catalogue import ACTIONS, MIX, SCRIPTS
from .channels import ALL_CHANNELS, NOT_ANGLES, clamp
from .kinematics import poses_from_channels
from .subjects import TEST_SUBJECTS, TRAIN_SUBJECTS, Subject, sample_subject
from .timing import Span, smoothstep

__all__ = ["Motion", "generate_sequence", "generate_motion", "synthetic_motion"]

log = logging.getLogger(__name__)
_DTYPE = torch.float64


@dataclass(frozen=True, eq=False)
class Motion:
    """A generated sequence: world poses [F, 17, 3] (float32, metres, z-up) and action labels [F]
    (int64 indices into ACTIONS: the action with the largest blend weight in each frame).

    ``subject`` is the person, ``fps`` the frame rate and ``seed`` the seed the sequence was made
    with (``datasets.film`` derives the camera and the 2D noise from it)."""

    poses_world: torch.Tensor
    labels: torch.Tensor
    subject: Subject
    fps: float = 50.0
    seed: int | None = None

    @property
    def num_frames(self) -> int:
        return int(self.poses_world.shape[0])

    @property
    def action_names(self) -> tuple[str, ...]:
        """The actions in order of appearance."""
        return tuple(ACTIONS[i] for i in torch.unique_consecutive(self.labels).tolist())


def _check_frames(frames, fps) -> None:
    check_int(frames, "frames", low=1)
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)) or not fps > 0:
        raise ValueError(f"expected fps > 0, got {fps!r}")


def _check_action(action) -> None:
    if action not in SCRIPTS:
        raise ValueError(f"expected an action in {ACTIONS}, got {action!r}")


def generate_sequence(
    actions: Sequence[str] | str,
    frames: int | Sequence[int],
    subject: Subject | None = None,
    seed: int = 0,
    fps: float = 50,
    transition: float = 0.4,
    start: tuple[float, float] = (0.0, 0.0),
) -> Motion:
    """A sequence of actions with smooth transitions: world poses [F, 17, 3] and labels [F].

    ``frames`` is the total length (split between the actions at random, each at least
    ~``transition`` long) or one length per action. Consecutive actions are cross-faded over
    ``transition`` seconds by blending joint-angle channels (rotation space); each action's
    script learns its ``timing.Span`` (floor actions get down after the previous action and up
    before the next; the first action starts, and the last ends, in the action's own posture
    with probability 1/2). The pelvis starts at ``start`` (x, y) with a random heading; the
    lowest point of the body touches the floor z = 0 (for upright actions the lowest ankle)
    except in the flight of a jump or a run. ``subject`` defaults to ``sample_subject(0, seed)``.
    """
    if isinstance(actions, str):
        actions = (actions,)
    actions = tuple(actions)
    if not actions:
        raise ValueError("expected at least one action, got none")
    for action in actions:
        _check_action(action)
    if isinstance(transition, bool) or not isinstance(transition, (int, float)) or transition < 0:
        raise ValueError(f"expected transition >= 0 seconds, got {transition!r}")
    rng = numpy_rng(seed)
    if subject is None:
        subject = sample_subject(0, seed)
    if not isinstance(subject, Subject):
        raise TypeError(f"expected subject as a Subject (see sample_subject), got {type(subject).__name__}")
    blend = max(1, int(round(transition * fps)))
    lengths = _split_frames(frames, len(actions), blend, fps, rng)
    total = int(sum(lengths))
    frame = torch.arange(total, dtype=_DTYPE)

    # 1. Each action's channels on the whole timeline (its own clock starts at its first frame),
    #    weighted by a partition of unity with smooth ramps of `blend` frames at each boundary.
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    ramps = [smoothstep((frame - b) / blend + 0.5) for b in starts[1:]]
    ones, zeros = torch.ones(total, dtype=_DTYPE), torch.zeros(total, dtype=_DTYPE)
    bounds = [ones] + ramps + [zeros]
    weights = torch.stack([bounds[i] - bounds[i + 1] for i in range(len(actions))])  # [A, F]
    channels = {name: torch.zeros(total, dtype=_DTYPE) for name in ALL_CHANNELS}
    spans = _spans(lengths, blend, fps, rng)
    for action, begin, weight, span in zip(actions, starts, weights, spans):
        script = SCRIPTS[action]((frame - float(begin)) / fps, subject, rng, span)
        for name in ALL_CHANNELS:
            channels[name] = channels[name] + weight * script[name]
    labels = torch.tensor([ACTIONS.index(a) for a in actions])[weights.argmax(0)]

    # 2. Joint limits, then angles to radians; 3. rotations, forward kinematics and the root.
    channels = clamp(channels)
    radians = {n: v if n in NOT_ANGLES else torch.deg2rad(v) for n, v in channels.items()}
    heading0 = rng.uniform(-math.pi, math.pi)
    poses_world = poses_from_channels(radians, subject.bone_lengths, heading0, fps, start)
    return Motion(poses_world, labels, subject, float(fps), int(seed) if isinstance(seed, (int, np.integer)) else None)


def _spans(lengths: list[int], blend: int, fps: float, rng: np.random.Generator) -> list[Span]:
    """Each action's ``Span``: from its first frame to where the cross-fade into the next one
    begins. Inner actions start and end standing; the first (last) one does with probability 1/2,
    otherwise the recording starts (ends) with the person in the action, e.g. lying."""
    count = len(lengths)
    enter_first, leave_last = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    return [Span(duration=(n - (blend / 2 if i < count - 1 else 0)) / fps,
                 enter=i > 0 or enter_first, leave=i < count - 1 or leave_last)
            for i, n in enumerate(lengths)]


def _split_frames(frames, count: int, blend: int, fps: float, rng: np.random.Generator) -> list[int]:
    if isinstance(frames, (int, np.integer)) and not isinstance(frames, bool):
        _check_frames(frames, fps)
        if frames < count:
            raise ValueError(f"expected at least one frame per action ({count}), got frames={frames}")
        if count == 1:
            return [int(frames)]
        shares = rng.dirichlet(np.full(count, 4.0))
        minimum = min(blend, frames // count)
        lengths = np.maximum(minimum, np.floor(shares * frames)).astype(int)
        lengths[-1] = frames - lengths[:-1].sum()
        if lengths[-1] < 1:
            lengths = np.full(count, frames // count)
            lengths[-1] = frames - lengths[:-1].sum()
        return [int(n) for n in lengths]
    lengths = list(frames)
    if len(lengths) != count:
        raise ValueError(f"expected one length per action ({count}), got {len(lengths)} lengths")
    for n in lengths:
        _check_frames(n, fps)
    return [int(n) for n in lengths]


def generate_motion(
    action: str, frames: int, subject: Subject | None = None, seed: int = 0, fps: float = 50
) -> torch.Tensor:
    """One action clip: world poses [F, 17, 3], float32, metres, z-up, resting on the floor."""
    _check_action(action)
    _check_frames(frames, fps)
    return generate_sequence((action,), frames, subject, seed, fps).poses_world


_PROBABILITIES = np.array([MIX[a][0] for a in ACTIONS])


def _mix_lengths(names: list[str], total: int, fps: float, rng: np.random.Generator) -> list[int]:
    """Frames per action in a sequence of the default mix: each action gets its minimum duration
    plus a share of the rest in proportion to Dirichlet(4) shares x its typical duration
    (``catalogue.MIX``). Trailing actions are dropped while the minimums do not fit."""
    count = len(names)
    while count > 1 and sum(MIX[a][2] for a in names[:count]) * fps > total:
        count -= 1
    minimum = np.array([MIX[a][2] for a in names[:count]]) * fps
    minimum = minimum * min(1.0, total / minimum.sum())
    weights = rng.dirichlet(np.full(count, 4.0)) * np.array([MIX[a][1] for a in names[:count]])
    lengths = np.floor(minimum + (total - minimum.sum()) * weights / weights.sum()).astype(int)
    lengths = np.maximum(lengths, 1)
    lengths[-1] = total - lengths[:-1].sum()
    return [int(n) for n in lengths]


def synthetic_motion(
    split: str = "train",
    frames: int = 50_000,
    seed: int = 0,
    *,
    fps: float = 50,
    sequence_seconds: tuple[float, float] = (5.0, 15.0),
    actions_per_sequence: tuple[int, int] = (1, 4),
) -> tuple[Motion, ...]:
    """``frames`` frames of procedural motion for ``split`` ("train" or "test"), in sequences.

    Each sequence of ``sequence_seconds`` holds 1-4 random actions by one subject of the split
    (train: ``TRAIN_SUBJECTS``, test: ``TEST_SUBJECTS``; bodies from ``sample_subject(id, seed)``),
    drawn from the default mix (``catalogue.MIX``: everyday upright motion, exercise, lying and
    floor actions, inverted movements and random exploration; about 1/3 of the frames have the
    torso tipped more than 45 deg).
    The same arguments always give identical tensors; train and test use different streams.
    Runs torch on one thread (small tensors: a second thread only adds synchronisation).
    """
    if split not in ("train", "test"):
        raise ValueError(f"expected split 'train' or 'test', got {split!r}")
    _check_frames(frames, fps)
    low, high = (max(1, int(round(check_number(s, "sequence_seconds", low=0) * fps))) for s in sequence_seconds)
    if not 1 <= low <= high:
        raise ValueError(f"expected sequence_seconds as (min, max) with 0 < min <= max, got {sequence_seconds}")
    fewest, most = actions_per_sequence
    if not 1 <= fewest <= most:
        raise ValueError(f"expected actions_per_sequence as (min, max) with 1 <= min <= max, got {actions_per_sequence}")
    subjects = [sample_subject(i, seed) for i in (TRAIN_SUBJECTS if split == "train" else TEST_SUBJECTS)]
    rng = numpy_rng(seed, 0 if split == "train" else 1, 11)
    motions = []
    remaining = frames
    with single_thread():
        while remaining > 0:
            length = int(rng.integers(low, high + 1))
            if remaining - length < low:  # no stub at the end
                length = remaining
            remaining -= length
            subject = subjects[int(rng.integers(len(subjects)))]
            count = int(rng.integers(fewest, most + 1))
            count = max(1, min(count, length // max(1, int(fps))))  # at least ~1 s per action
            names = [str(a) for a in rng.choice(ACTIONS, size=count, p=_PROBABILITIES)]
            lengths = _mix_lengths(names, length, fps, rng)
            motions.append(generate_sequence(names[:len(lengths)], lengths, subject, seed=int(rng.integers(2**62)),
                                             fps=fps))
    log.debug("synthetic %s split: %d sequences, %d frames", split, len(motions), frames)
    return tuple(motions)
