"""The procedural motion generator (``ddhpose_lite.synthetic``): deterministic, anatomically
plausible (bone lengths, joint limits, bend directions, feet on the floor) and varied."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddhpose_lite.bones import disentangle
from ddhpose_lite.synthetic import (
    ACTIONS,
    TEST_SUBJECTS,
    TRAIN_SUBJECTS,
    Subject,
    generate_motion,
    generate_sequence,
    sample_subject,
    synthetic_motion,
)


FRAMES = 250  # 5 s at 50 fps: at least one full cycle of every action


SEEDS = (0, 1, 2)


@lru_cache(maxsize=None)
def clip(action: str, seed: int) -> torch.Tensor:
    return generate_motion(action, FRAMES, sample_subject(seed, seed), seed=seed).double()


def unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True)


def angle_deg(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.rad2deg(torch.acos((unit(a) * unit(b)).sum(-1).clamp(-1, 1)))


def body_axes(pose: torch.Tensor):
    """The body's right (hip to hip), up (pelvis to thorax) and forward (up x right) per frame."""
    right = unit(pose[:, 1] - pose[:, 4])
    up = unit(pose[:, 8] - pose[:, 0])
    return right, up, unit(torch.linalg.cross(up, right))


all_clips = pytest.mark.parametrize("action", ACTIONS)


def test_same_seed_same_motion_different_seed_different():
    subject = sample_subject(1, 0)
    a = generate_motion("walk", 100, subject, seed=4)
    assert torch.equal(a, generate_motion("walk", 100, subject, seed=4))
    assert not torch.allclose(a, generate_motion("walk", 100, subject, seed=5))
    assert a.shape == (100, 17, 3) and a.dtype == torch.float32
    assert sample_subject(1, 0) == subject
    assert sample_subject(2, 0) != subject and sample_subject(1, 1) != subject
    assert not torch.equal(sample_subject(2, 0).bone_lengths, subject.bone_lengths)


@all_clips
def test_every_action_is_finite_with_constant_bones(action):
    for seed in SEEDS:
        pose = clip(action, seed)
        assert torch.isfinite(pose).all()
        lengths, _ = disentangle(pose)
        subject = sample_subject(seed, seed).bone_lengths.double()
        assert (lengths - subject).abs().max() < 1e-5, "bone lengths must match the subject in every frame"


@all_clips
def test_knees_and_elbows_stay_within_limits_and_bend_the_right_way(action):
    for seed in SEEDS:
        pose = clip(action, seed)
        right, up, forward = body_axes(pose)
        for hip, knee, ankle in ((1, 2, 3), (4, 5, 6)):
            thigh, shin = pose[:, knee] - pose[:, hip], pose[:, ankle] - pose[:, knee]
            flexion = angle_deg(thigh, shin)
            assert flexion.max() <= 150.5
            # A bent knee folds the shin backwards: thigh x shin points to the body's left.
            bent = flexion > 10
            fold = (torch.linalg.cross(thigh, shin) * right).sum(-1)
            assert (fold[bent] < 0).all(), f"{action}: a knee bends the wrong way"
        for shoulder, elbow, wrist in ((11, 12, 13), (14, 15, 16)):
            upper, fore = pose[:, elbow] - pose[:, shoulder], pose[:, wrist] - pose[:, elbow]
            flexion = angle_deg(upper, fore)
            assert flexion.max() <= 150.5
            # With the upper arm hanging, a bent elbow moves the forearm forward of the upper arm.
            axis = unit(upper)
            bend = fore - (fore * axis).sum(-1, keepdim=True) * axis
            hanging = (angle_deg(upper, -up) < 45) & (flexion > 20)
            assert ((bend * forward).sum(-1)[hanging] > 0).all(), f"{action}: an elbow bends backwards"


@all_clips
def test_arms_stay_out_of_the_torso(action):
    for seed in SEEDS:
        pose = clip(action, seed)
        right, up, forward = body_axes(pose)
        torso = (pose[:, 8] - pose[:, 0]).norm(dim=-1)
        for joint in (12, 13, 15, 16):  # elbows and wrists
            offset = pose[:, joint] - pose[:, 0]
            x, y, z = ((offset * axis).sum(-1) for axis in (right, forward, up))
            inside = (x.abs() < 0.10) & (y.abs() < 0.06) & (z > 0) & (z < torso)
            assert not inside.any(), f"{action}: joint {joint} passes through the torso"


@all_clips
def test_feet_on_the_floor(action):
    for seed in SEEDS:
        pose = clip(action, seed)
        lowest_ankle = pose[:, [3, 6], 2].min(-1).values
        assert lowest_ankle.min() > -1e-4, "the feet never go below the floor"
        assert pose[..., 2].min() > -0.05, "no joint sinks into the floor"
        if action == "jump":
            assert lowest_ankle.max() > 0.08  # real flight
            assert (lowest_ankle < 1e-4).float().mean() > 0.3  # and real ground contact
        elif action == "run":
            assert lowest_ankle.max() < 0.12
            assert (lowest_ankle < 1e-4).float().mean() > 0.3
        else:
            assert lowest_ankle.abs().max() < 1e-4


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31), count=st.integers(2, 4))
def test_sequences_are_smooth_and_plausible(seed, count):
    rng = np.random.default_rng(seed)
    actions = [str(a) for a in rng.choice(ACTIONS, size=count)]
    motion = generate_sequence(actions, 300, sample_subject(seed % 40, 0), seed=seed)
    pose = motion.poses_world.double()
    assert pose.shape == (300, 17, 3) and motion.labels.shape == (300,)
    assert set(motion.labels.tolist()) <= {ACTIONS.index(a) for a in actions}
    step = (pose[1:] - pose[:-1]).norm(dim=-1)  # metres per frame (50 fps)
    assert step.max() < 0.3, "no joint jumps more than 15 m/s"
    assert step[:, 0].max() < 0.15, "the pelvis moves at most 7.5 m/s"
    lengths, _ = disentangle(pose)
    assert (lengths - lengths[:1]).abs().max() < 1e-5
    assert pose[:, [3, 6], 2].min() > -1e-4


def test_transition_blends_smoothly():
    # Joint accelerations at an action boundary stay in the range of those inside the actions.
    motion = generate_sequence(["idle", "squat"], [150, 150], sample_subject(0, 0), seed=1)
    pose = motion.poses_world.double()
    relative = pose - pose[:, :1]
    accel = (relative[2:] - 2 * relative[1:-1] + relative[:-2]).norm(dim=-1).amax(-1)
    boundary = accel[140:160].max()
    assert boundary < 3 * accel[160:].max() + 1e-4
    assert motion.labels[:140].eq(ACTIONS.index("idle")).all()
    assert motion.labels[160:].eq(ACTIONS.index("squat")).all()


def describe(pose: torch.Tensor) -> torch.Tensor:
    """Mean root-relative pose in the body frame and mean joint speeds (m/s)."""
    right, up, forward = body_axes(pose)
    frame = torch.stack((right, forward, torch.linalg.cross(right, forward)), -2)  # [F, 3, 3]
    local = torch.einsum("fij,fkj->fki", frame, pose - pose[:, :1])
    speed = (local[1:] - local[:-1]).norm(dim=-1).mean(0) * 50
    return torch.cat((local.mean(0).flatten(), local.std(0).flatten(), speed))


def test_actions_are_different():
    descriptors = {a: torch.stack([describe(clip(a, s)) for s in SEEDS]).mean(0) for a in ACTIONS}
    for i, a in enumerate(ACTIONS):
        for b in ACTIONS[i + 1:]:
            distance = (descriptors[a] - descriptors[b]).norm()
            assert distance > 0.05, f"{a} and {b} look the same ({distance:.3f})"


def test_subjects_vary_in_size_and_proportion():
    subjects = [sample_subject(i, 0) for i in range(40)]
    heights = np.array([s.height for s in subjects])
    assert 1.5 <= heights.min() and heights.max() <= 1.95 and heights.std() > 0.08
    ratios = torch.stack([s.bone_lengths[:, 0] / s.bone_lengths[1, 0] for s in subjects])  # per thigh
    assert ratios.std(0).max() > 0.02  # proportions differ, not just the scale
    for s in subjects:
        assert isinstance(s, Subject) and s.bone_lengths.shape == (16, 1)
        left, right = s.bone_lengths[[3, 4, 5, 10, 11, 12]], s.bone_lengths[[0, 1, 2, 13, 14, 15]]
        torch.testing.assert_close(left, right)  # left and right limbs match


@lru_cache(maxsize=None)
def motions(split: str, frames: int = 3000, seed: int = 0):
    return synthetic_motion(split, frames, seed)


def test_synthetic_motion_is_deterministic_and_sized():
    one, two, other = motions("test", 800, 3), synthetic_motion("test", 800, 3), motions("test", 800, 4)
    assert sum(m.num_frames for m in one) == 800
    for a, b in zip(one, two):
        assert torch.equal(a.poses_world, b.poses_world) and torch.equal(a.labels, b.labels)
        assert a.seed == b.seed and a.subject == b.subject
    assert not torch.equal(one[0].poses_world, other[0].poses_world)


def test_train_and_test_subjects_are_disjoint():
    assert not set(TRAIN_SUBJECTS) & set(TEST_SUBJECTS)
    assert {m.subject.id for m in motions("train")} <= set(TRAIN_SUBJECTS)
    assert {m.subject.id for m in motions("test")} <= set(TEST_SUBJECTS)


def test_motion_covers_every_action():
    labels = torch.cat([m.labels for m in motions("train", 20_000, 1)])
    assert len(labels.unique()) == len(ACTIONS)
    for motion in motions("train"):
        assert 0 <= motion.labels.min() and motion.labels.max() < len(ACTIONS)
        assert set(motion.action_names) <= set(ACTIONS)


def test_bad_inputs():
    with pytest.raises(ValueError, match="walk"):
        generate_motion("moonwalk", 10)
    with pytest.raises(ValueError, match="frames"):
        generate_motion("walk", 0)
    with pytest.raises(ValueError, match="one length per action"):
        generate_sequence(["walk", "run"], [10, 10, 10])
    with pytest.raises(ValueError, match="at least one frame per action"):
        generate_sequence(["walk", "run", "jump"], 2)
    with pytest.raises(ValueError, match="split"):
        synthetic_motion("val")
    with pytest.raises(ValueError, match="subject_id"):
        sample_subject(-1)
    with pytest.raises(TypeError, match="Subject"):
        generate_motion("walk", 10, subject="S1")
    assert generate_motion("jump", 1).shape == (1, 17, 3)
