"""Synthetic people: body proportions around Human3.6M's, a stature, and a way of moving.

``sample_subject(id, seed)`` gives the same person for the same (id, seed). The default
population has 40 subjects: ``TRAIN_SUBJECTS`` (32) and ``TEST_SUBJECTS`` (8, never trained on).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._tensors import check_int, numpy_rng
from ..bones import H36M_BONE_LENGTHS, rest_pose

__all__ = ["Style", "Subject", "sample_subject", "stature", "TRAIN_SUBJECTS", "TEST_SUBJECTS"]

TEST_SUBJECTS = tuple(range(32, 40))
TRAIN_SUBJECTS = tuple(range(0, 32))
"""Subject ids of the default population: 32 for training, 8 held out for testing."""

_DTYPE = torch.float64  # generation runs in float64; outputs are float32

# Subjects
@dataclass(frozen=True)
class Style:
    """A person's way of moving: multipliers and neutral-posture offsets (degrees)."""

    tempo: float  # x cadence / speed of cyclic actions
    amplitude: float  # x size of movements
    lean: float  # forward lean of the pelvis when standing
    head_forward: float  # neck flexion when standing
    slouch: float  # upper-spine flexion when standing
    arm_out: float  # shoulder abduction of hanging arms
    elbow_rest: float  # elbow flexion of hanging arms
    knee_rest: float  # knee flexion when standing
    stance: float  # hip abduction when standing
    toe_out: float  # hip external rotation
    asymmetry: float  # -1..1, how much the right side moves more than the left (fraction)


@dataclass(frozen=True)
class Subject:
    """A synthetic person: id, stature (m), bone lengths [16, 1] (m, float32) and style."""

    id: int
    height: float
    bone_lengths: torch.Tensor
    style: Style

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Subject)
            and (self.id, self.height, self.style) == (other.id, other.height, other.style)
            and torch.equal(self.bone_lengths, other.bone_lengths)
        )

    def __hash__(self) -> int:
        return hash((self.id, self.height, self.style))


_REFERENCE_LENGTHS = torch.tensor(H36M_BONE_LENGTHS, dtype=_DTYPE).unsqueeze(-1)
# Bone groups that vary together (index = bone k - 1) and their relative spread (1 sigma).
_PROPORTIONS = (
    ((1, 2, 4, 5), 0.03),  # thighs and shins
    ((0, 3), 0.06),  # hip width
    ((6, 7), 0.03),  # spine and neck
    ((8, 9), 0.05),  # head
    ((10, 13), 0.06),  # shoulder width
    ((11, 12, 14, 15), 0.03),  # arms
)


def stature(lengths: torch.Tensor) -> float:
    """Approximate standing height: 1.1 x (head joint - ankle) in the rest pose (the head joint
    sits below the crown and the ankle above the floor; 1.1 gives ~1.75 m for H36M lengths)."""
    pose = rest_pose(lengths)
    return 1.1 * float(pose[10, 2] - pose[[3, 6], 2].min())


def sample_subject(subject_id: int = 0, seed: int = 0) -> Subject:
    """A random person, determined by (subject_id, seed): stature 1.50-1.95 m, per-part
    proportions within a few % of Human3.6M's, and a movement style."""
    subject_id = check_int(subject_id, "subject_id", low=0)
    rng = numpy_rng(seed, subject_id, 7)
    height = rng.uniform(1.50, 1.95)
    lengths = _REFERENCE_LENGTHS.clone()
    for bones, spread in _PROPORTIONS:
        lengths[list(bones)] *= float(np.clip(rng.normal(1.0, spread), 1 - 2.5 * spread, 1 + 2.5 * spread))
    lengths = lengths * (height / stature(lengths))
    style = Style(
        tempo=rng.uniform(0.85, 1.15),
        amplitude=rng.uniform(0.8, 1.2),
        lean=rng.uniform(-3.0, 6.0),
        head_forward=rng.uniform(0.0, 12.0),
        slouch=rng.uniform(0.0, 8.0),
        arm_out=rng.uniform(2.0, 10.0),
        elbow_rest=rng.uniform(5.0, 20.0),
        knee_rest=rng.uniform(0.0, 6.0),
        stance=rng.uniform(0.0, 5.0),
        toe_out=rng.uniform(0.0, 12.0),
        asymmetry=rng.uniform(-0.1, 0.1),
    )
    return Subject(int(subject_id), float(height), lengths.float(), style)
