"""The procedural motion generator (``ddhpose_lite.synthetic``): deterministic, anatomically
plausible (bone lengths, joint limits, bend directions, nothing below the floor, feet on the
floor when upright, human speeds), varied, and covering lying, kneeling and inverted bodies."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ddhpose_lite._tensors import numpy_rng
from ddhpose_lite.bones import disentangle
from ddhpose_lite.datasets.coverage import knee_flexion, torso_tilt
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
from ddhpose_lite.synthetic.catalogue import GROUPS, MIX, SCRIPTS, UPRIGHT
from ddhpose_lite.synthetic.channels import ALL_CHANNELS, limits
from ddhpose_lite.synthetic.timing import Span, keyframes, schedule


FRAMES = 250  # 5 s at 50 fps: at least one full cycle of every upright action
LONG = 500  # 10 s: getting down, a while on the floor (or a few cartwheels), getting up


SEEDS = (0, 1, 2)


@lru_cache(maxsize=None)
def clip(action: str, seed: int) -> torch.Tensor:
    frames = FRAMES if action in UPRIGHT else LONG
    return generate_motion(action, frames, sample_subject(seed, seed), seed=seed).double()


@lru_cache(maxsize=None)
def middle(action: str, seed: int, seconds: float = 10.0) -> torch.Tensor:
    """``action`` between two seconds of standing: it must get there from standing and back."""
    lengths = (100, int(seconds * 50), 100)
    return generate_sequence(("idle", action, "idle"), lengths, sample_subject(seed, 0), seed=seed).poses_world.double()


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
def test_nothing_goes_below_the_floor_and_something_touches_it(action):
    for seed in SEEDS:
        pose = clip(action, seed)
        lowest = pose[..., 2].min(-1).values
        assert lowest.min() > -1e-4, "no joint goes below the floor"
        if action not in ("run", "jump", "jumping_jacks"):
            assert lowest.max() < 0.11, "the body rests on the floor (joint centres sit a body radius above it)"


@pytest.mark.parametrize("action", UPRIGHT)
def test_upright_actions_stand_on_their_feet(action):
    for seed in SEEDS:
        pose = clip(action, seed)
        lowest_ankle = pose[:, [3, 6], 2].min(-1).values
        assert lowest_ankle.min() > -1e-4, "the feet never go below the floor"
        if action == "jump":
            assert lowest_ankle.max() > 0.08  # real flight
            assert (lowest_ankle < 1e-4).float().mean() > 0.3  # and real ground contact
        elif action in ("run", "jumping_jacks"):
            assert lowest_ankle.max() < 0.12
            assert (lowest_ankle < 1e-4).float().mean() > 0.3
        else:
            assert lowest_ankle.abs().max() < 1e-4, "the lowest ankle is on the floor"
        assert torso_tilt(pose).min() < 30, "upright at some point"


@pytest.mark.parametrize("action, support", [("idle", (3, 6)), ("squat", (3, 6)), ("toe_touch", (3, 6)),
                                             ("clap", (3, 6))])
def test_planted_feet_do_not_slide(action, support):
    for seed in SEEDS:
        pose = clip(action, seed)
        feet = pose[:, list(support), :2].mean(1)
        assert (feet[1:] - feet[:-1]).norm(dim=-1).max() < 1e-3, f"{action}: the feet slide"


def test_planted_hands_do_not_slide_in_push_ups():
    pose = middle("push_up", 0)
    hands = pose[:, [13, 16]]
    down = (hands[..., 2] < 0.08).all(-1) & (torso_tilt(pose) > 60)
    assert down.float().mean() > 0.4
    middle_of_hands = hands[..., :2].mean(1)
    step = (middle_of_hands[1:] - middle_of_hands[:-1]).norm(dim=-1)
    assert step[down[1:] & down[:-1]].max() < 1e-3


@all_clips
def test_human_speeds(action):
    """Joints move at human speeds (exploration, cartwheels, handstands < 10 m/s; kicks and
    sprints a little more) and bones turn at most 1,800 deg/s (a kick's knee snap; exploration
    900 deg/s)."""
    for seed in SEEDS:
        pose = clip(action, seed)
        speed = (pose[1:] - pose[:-1]).norm(dim=-1) * 50
        assert speed.max() < (10.0 if action in ("explore", "cartwheel", "handstand") else 13.0), f"{action}: too fast"
        _, directions = disentangle(pose)
        turn = torch.rad2deg(torch.acos((directions[1:] * directions[:-1]).sum(-1).clamp(-1, 1))) * 50
        assert turn.max() < (900 if action == "explore" else 1800), f"{action}: a bone turns too fast"


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "explore"])
def test_scripts_stay_within_the_joint_limits(action):
    """Scripts write angles inside the joint limits themselves (clamping is a safety net, not
    how a posture is made): at most 2 deg past a limit."""
    t = torch.arange(500, dtype=torch.float64) / 50
    for seed in SEEDS:
        for span in (Span(10.0, True, True), Span(10.0, False, False)):
            script = SCRIPTS[action](t, sample_subject(seed, 0), numpy_rng(seed), span)
            for name in ALL_CHANNELS:
                _, low, high = limits(name)
                value = torch.as_tensor(script[name], dtype=torch.float64)
                assert low - 2 <= value.min() and value.max() <= high + 2, f"{action}: {name} outside [{low}, {high}]"


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
    labels = torch.cat([m.labels for m in motions("train", 40_000, 1)])
    assert len(labels.unique()) == len(ACTIONS)
    for motion in motions("train"):
        assert 0 <= motion.labels.min() and motion.labels.max() < len(ACTIONS)
        assert set(motion.action_names) <= set(ACTIONS)


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda: generate_motion("moonwalk", 10), ValueError, "walk", id="unknown-action"),
    pytest.param(lambda: generate_motion("walk", 0), ValueError, "frames", id="no-frames"),
    pytest.param(lambda: generate_sequence(["walk", "run"], [10, 10, 10]), ValueError, "one length per action",
                 id="three-lengths-two-actions"),
    pytest.param(lambda: generate_sequence(["walk", "run", "jump"], 2), ValueError, "at least one frame per action",
                 id="two-frames-three-actions"),
    pytest.param(lambda: synthetic_motion("val"), ValueError, "split", id="split-val"),
    pytest.param(lambda: sample_subject(-1), ValueError, "subject_id", id="negative-subject"),
    pytest.param(lambda: generate_motion("walk", 10, subject="S1"), TypeError, "Subject", id="subject-name"),
])
def test_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_one_frame_is_enough():
    assert generate_motion("jump", 1).shape == (1, 17, 3)


# ---------------------------------------------------------------- what the new actions promise


def body_front(pose: torch.Tensor) -> torch.Tensor:
    """The direction the chest faces, per frame (world)."""
    return body_axes(pose)[2]


@pytest.mark.parametrize("action, facing", [("lie_back", 1.0), ("lie_front", -1.0), ("lie_side", 0.0)])
def test_lying_down_from_standing_and_getting_up(action, facing):
    for seed in SEEDS:
        pose = middle(action, seed)
        tilt = torso_tilt(pose)
        assert tilt[:100].max() < 30 and tilt[-60:].max() < 30, "standing before and after"
        lying = tilt > 70
        assert lying[100:-100].float().mean() > 0.3, f"{action}: lying for a good part of the action"
        front, right = body_front(pose)[lying], body_axes(pose)[0][lying]
        if facing:  # the chest faces up (on the back) or down (on the front)
            assert (front[:, 2] * facing > 0.7).float().mean() > 0.8
        else:  # the hips are stacked: the body's right axis is about vertical
            assert (right[:, 2].abs() > 0.7).float().mean() > 0.6
        on_floor = lying & (pose[:, 0, 2] < 0.3)  # not on all fours on the way
        assert on_floor[100:-100].float().mean() > 0.25, "the pelvis is down on the floor"


@pytest.mark.parametrize("action", ["cartwheel", "handstand"])
def test_inverted_actions_turn_upside_down(action):
    for seed in SEEDS:
        tilt = torso_tilt(middle(action, seed))
        assert tilt.max() > 150 and (tilt > 120).float().mean() > 0.05
        assert tilt[:100].max() < 30 and tilt[-60:].max() < 30


def test_handstand_stands_on_the_hands():
    for seed in SEEDS:
        pose = middle("handstand", seed)
        inverted = torso_tilt(pose) > 150
        assert (pose[inverted][:, [13, 16], 2].max(-1).values < 0.06).all(), "both hands on the floor"
        assert (pose[inverted][:, [3, 6], 2].min(-1).values > 1.0).all(), "the feet up in the air"


def test_kneeling_puts_a_knee_on_the_floor():
    for seed in SEEDS:
        pose = middle("kneel", seed)
        knee_down = pose[:, [2, 5], 2].min(-1).values < 0.1
        assert knee_down[100:-100].float().mean() > 0.4
        assert torso_tilt(pose)[knee_down].max() < 35, "kneeling upright"


def test_crawling_on_hands_and_knees_moves_forward():
    for seed in SEEDS:
        pose = middle("crawl", seed)
        four = ((pose[:, [13, 16], 2].min(-1).values < 0.1) & (pose[:, [2, 5], 2].min(-1).values < 0.12)
                & (torso_tilt(pose) > 60) & (torso_tilt(pose) < 100))
        assert four[100:-100].float().mean() > 0.3
        pelvis = pose[four, 0, :2]
        assert (pelvis[-1] - pelvis[0]).norm() > 0.5, "crawling goes somewhere"


def test_push_ups_bend_the_elbows_and_sit_ups_curl_the_trunk():
    for seed in SEEDS:
        pose = middle("push_up", seed)
        plank = (torso_tilt(pose) > 55) & (torso_tilt(pose) < 85) & (pose[:, [2, 5], 2].min(-1).values > 0.12)
        elbows = torch.stack([torch.rad2deg(torch.acos(torch.nn.functional.cosine_similarity(
            pose[:, e] - pose[:, s], pose[:, w] - pose[:, e], dim=-1).clamp(-1, 1))) for s, e, w in ((11, 12, 13), (14, 15, 16))], -1)
        assert elbows[plank].amax() > 70 and elbows[plank].amin() < 15
        assert pose[plank][:, [3, 6], 2].min(-1).values.max() < 0.05, "on the toes"
        sit_up = middle("sit_up", seed, 16.0)[300:-300]  # the repetitions, after lying down
        tilt = torso_tilt(sit_up)
        assert tilt.max() > 80 and tilt.min() < 60, "the trunk curls up from lying"
        assert sit_up[:, 0, 2].max() < 0.2, "the pelvis stays on the floor"


def test_crouch_sit_and_bend_over():
    for seed in SEEDS:
        crouch = middle("crouch", seed)
        knees = knee_flexion(crouch).amax(-1)
        assert (knees > 120).float().mean() > 0.3 and crouch[knees > 120, 0, 2].max() < 0.5
        sit = middle("sit_floor", seed)
        seated = sit[:, 0, 2] < 0.2
        assert seated.float().mean() > 0.3 and torso_tilt(sit)[seated].max() < 70  # reaching to the toes
        fold = clip("toe_touch", seed)
        assert torso_tilt(fold).max() > 90, "the trunk goes past horizontal, legs straight"
        assert knee_flexion(fold)[torso_tilt(fold) > 90].max() < 15


def test_lunges_reach_high_and_jumping_jacks():
    for seed in SEEDS:
        lunge = clip("lunge", seed)
        knees = knee_flexion(lunge)
        low = lunge[:, [2, 5], 2].min(-1).values < 0.25
        assert low.any() and knees[low].amax() > 60, "the back knee comes down, the front knee bends"
        reach = clip("reach_high", seed)
        assert (reach[:, [13, 16], 2].max(-1).values - reach[:, 10, 2]).max() > 0.3, "a hand above the head"
        jacks = clip("jumping_jacks", seed)
        assert (jacks[:, 3, :2] - jacks[:, 6, :2]).norm(dim=-1).max() > 0.5, "feet apart"
        assert (jacks[:, [13, 16], 2].min(-1).values - jacks[:, 10, 2]).max() > 0.1, "hands above the head"


def test_exploration_covers_orientations_and_joint_ranges():
    tilts, knees = [], []
    for seed in range(8):
        pose = generate_motion("explore", 750, sample_subject(seed, 0), seed=seed).double()
        tilts.append(torso_tilt(pose))
        knees.append(knee_flexion(pose).flatten())
    tilt, knee = torch.cat(tilts), torch.cat(knees)
    for low, high in ((0, 30), (30, 60), (60, 90), (90, 120), (120, 180)):
        assert ((tilt >= low) & (tilt < high)).float().mean() > 0.03, f"exploration rarely tilts {low}-{high} deg"
    assert knee.max() > 120 and (knee < 20).float().mean() > 0.05


def test_default_mix_tips_a_third_of_the_frames_over():
    assert abs(sum(p for p, _, _ in MIX.values()) - 1) < 1e-9
    tilt = torch.cat([torso_tilt(m.poses_world.double()) for m in motions("train", 40_000, 1)])
    beyond_45, beyond_90, upright = ((tilt > 45).double().mean(), (tilt > 90).double().mean(), (tilt < 30).double().mean())
    assert 0.25 < beyond_45 < 0.45, f"{beyond_45:.2f} of the frames tipped beyond 45 deg"
    assert 0.05 < beyond_90 < 0.2
    assert upright > 0.45, "plenty of upright motion"
    labels = torch.cat([m.labels for m in motions("train", 40_000, 1)])
    everyday = torch.isin(labels, torch.tensor([ACTIONS.index(a) for a in GROUPS["everyday"]]))
    assert everyday.double().mean() > 0.25


def test_keyframes_blend_postures_with_a_partition_of_unity():
    t = torch.linspace(-1, 3, 81, dtype=torch.float64)
    base = {"a": 0.0, "b": 5.0}
    out = keyframes(t, [(0.0, {"a": 10.0}), (1.0, {"a": 20.0}), (2.0, {"a": 20.0, "b": 7.0})], base)
    assert set(out) == {"a", "b"}
    assert torch.equal(out["a"][t <= 0], torch.full_like(t[t <= 0], 10.0))
    assert torch.allclose(out["a"][t >= 1], torch.full_like(t[t >= 1], 20.0))
    assert torch.allclose(out["b"][t <= 1], torch.full_like(t[t <= 1], 5.0)) and out["b"][-1] == 7.0
    assert torch.allclose(out["a"][t == 0.5], torch.tensor([15.0], dtype=torch.float64))  # smoothstep(0.5) = 0.5


def test_schedule_fits_getting_down_and_up_into_the_span():
    assert schedule(Span(10.0), 3.0, 3.0) == (1.0, 3.0, 7.0)
    scale, start, end = schedule(Span(5.0), 3.0, 3.0)  # squeezed, at most to 0.6x
    assert scale == pytest.approx(4 / 6) and start == pytest.approx(2.0) and end == pytest.approx(3.0)
    assert schedule(Span(10.0, enter=False), 3.0, 3.0) == (1.0, 0.0, 7.0)
    assert schedule(Span(10.0, leave=False), 3.0, 3.0) == (1.0, 3.0, math.inf)
