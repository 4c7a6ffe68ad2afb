"""Pose errors (MPJPE, P-MPJPE, N-MPJPE, per level, PCK / AUC), per-action tables and the four
hypothesis aggregations, checked on hand-computed cases."""
import math
import re

import numpy as np
import pytest
import torch

from ddhpose_lite.bones import rest_pose
from ddhpose_lite.camera import H36M_CAMERAS, normalize_screen, project
from ddhpose_lite.metrics import (
    AUC_THRESHOLDS,
    PCK_JOINTS,
    auc,
    format_action_table,
    j_agg,
    j_agg_weak_perspective,
    j_best,
    joint_errors,
    mpjpe,
    mpjpe_by_level,
    n_mpjpe,
    p_agg,
    p_best,
    p_best_batch,
    p_mpjpe,
    pck,
    per_action_errors,
    procrustes_align,
    scale_align,
    weak_perspective_fit,
)


def random_rotation(generator):
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    return q if torch.linalg.det(q) > 0 else -q


def test_mpjpe_hand_values():
    target = np.zeros((2, 17, 3))
    pred = target.copy()
    pred[0, 3] = [0.03, 0.04, 0.0]  # one joint 5 cm off in one of 34 joints
    assert mpjpe(pred, target) == pytest.approx(0.05 / 34)
    np.testing.assert_allclose(joint_errors(pred, target)[0, 3], 0.05)


def test_mpjpe_by_level_averages_the_joints_of_each_level():
    target = torch.zeros(17, 3, dtype=torch.float64)
    pred = target.clone()
    pred[13, 0] = 0.1  # LWrist, level 5 (with RWrist): level mean 0.05
    pred[2, 1] = 0.3  # RKnee, level 2 (with LKnee, Thorax): level mean 0.1
    np.testing.assert_allclose(mpjpe_by_level(pred, target), [0, 0, 0.1, 0, 0, 0.05])


def test_p_mpjpe_is_zero_for_a_similarity_transform_and_finds_it():
    g = torch.Generator().manual_seed(0)
    target = rest_pose().double() + 0.05 * torch.randn(4, 17, 3, generator=g, dtype=torch.float64)
    rotation = random_rotation(g)
    pred = 1.7 * target @ rotation + torch.tensor([0.3, -2.0, 5.0], dtype=torch.float64)
    assert mpjpe(pred, target) > 0.5
    assert p_mpjpe(pred, target) < 1e-10
    np.testing.assert_allclose(procrustes_align(pred, target), target, atol=1e-10)


def test_p_mpjpe_never_exceeds_mpjpe_and_rejects_reflections():
    g = torch.Generator().manual_seed(1)
    target = torch.randn(8, 17, 3, generator=g, dtype=torch.float64)
    pred = target + 0.2 * torch.randn(8, 17, 3, generator=g, dtype=torch.float64)
    assert p_mpjpe(pred, target) <= mpjpe(pred, target)
    mirrored = target * torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)
    aligned = procrustes_align(mirrored, target)
    assert p_mpjpe(mirrored, target) > 0.1  # a mirror image is not a rotation
    # the result is a proper rotation + scale of the prediction: pairwise distances scale uniformly
    d_pred = torch.cdist(mirrored, mirrored)
    d_aligned = torch.cdist(aligned, aligned)
    for pose in range(8):  # one scale per pose
        mask = d_pred[pose] > 0
        ratio = d_aligned[pose][mask] / d_pred[pose][mask]
        assert torch.allclose(ratio, ratio[0])


def test_pck_and_auc_hand_values():
    target = np.zeros((1, 17, 3))
    pred = target.copy()
    pred[0, list(PCK_JOINTS[:7]), 0] = 0.1  # half of the 14 scored joints off by 100 mm
    pred[0, 0, 0] = 5.0  # pelvis is not scored
    assert pck(pred, target) == pytest.approx(100.0)
    assert pck(pred, target, threshold=0.05) == pytest.approx(50.0)
    # thresholds 0..150 mm: the exact joints pass from 5 mm on (30 of 31), the others above 100 mm (10 of 31)
    expected = (30 / 31 + 10 / 31) / 2 * 100
    assert auc(pred, target) == pytest.approx(expected)
    assert len(PCK_JOINTS) == 14 and len(AUC_THRESHOLDS) == 31 and math.isclose(AUC_THRESHOLDS[-1], 0.15)


@pytest.mark.parametrize("pred, target, message", [
    pytest.param(np.zeros((17, 3)), np.zeros((16, 3)), r"same shape as pred \[17, 3\], got \[16, 3\]",
                 id="16-joint-target"),
    pytest.param(np.zeros((17, 2)), np.zeros((17, 2)), r"pred of shape \[\.\.\., J, 3\]", id="2d-poses"),
    pytest.param(np.zeros((17, 3)), np.full((17, 3), np.nan), "finite target", id="nan-target"),
])
def test_errors_name_the_problem(pred, target, message):
    with pytest.raises(ValueError, match=message):
        mpjpe(pred, target)


# ---------------------------------------------------------------- N-MPJPE, tables, aggregations



# --------------------------------------------------------------------------------------------
# N-MPJPE
# --------------------------------------------------------------------------------------------
def test_n_mpjpe_hand_values():
    target = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    pred = np.array([[2.0, 0, 0], [0, 0, 1.0]])
    # s = <pred, target> / <pred, pred> = 2 / 5: aligned (0.8, 0, 0), (0, 0, 0.4)
    aligned = scale_align(pred, target)
    assert isinstance(aligned, np.ndarray)
    np.testing.assert_allclose(aligned, [[0.8, 0, 0], [0, 0, 0.4]])
    assert n_mpjpe(pred, target) == pytest.approx((0.2 + math.sqrt(1 + 0.16)) / 2)


def test_n_mpjpe_removes_scale_per_pose_only():
    target = rest_pose().double().expand(3, 17, 3).clone()
    pred = target * torch.tensor([0.5, 2.0, 1.3], dtype=torch.float64)[:, None, None]
    assert float(n_mpjpe(pred, target)) == pytest.approx(0, abs=1e-12)
    assert float(mpjpe(pred, target)) > 0.05
    shifted = target + torch.tensor([0.1, 0.0, 0.0], dtype=torch.float64)  # a translation stays
    assert float(n_mpjpe(shifted, target)) > 0.01
    with pytest.raises(ValueError, match="same shape"):
        n_mpjpe(pred, target[:2])


# --------------------------------------------------------------------------------------------
# Per-action tables
# --------------------------------------------------------------------------------------------
def offset_poses(frames, error):
    target = np.zeros((frames, 17, 3))
    return target + [error, 0, 0], target


def test_per_action_errors_pool_frames_within_an_action_and_average_actions():
    a_pred, a_tgt = offset_poses(1, 1.0)  # "Directions", 1 frame, 1 m
    b_pred, b_tgt = offset_poses(3, 2.0)  # "Directions 1", 3 frames, 2 m
    c_pred, c_tgt = offset_poses(2, 3.0)  # S1's spelling of Photo
    table = per_action_errors([c_pred, a_pred, b_pred], [c_tgt, a_tgt, b_tgt],
                              ["TakingPhoto", "Directions", "Directions 1"])
    assert list(table) == ["Directions", "Photo", "Average"]  # Table 1 order
    assert table["Directions"] == pytest.approx((1 * 1 + 3 * 2) / 4)  # frame-weighted
    assert table["Photo"] == pytest.approx(3.0)
    assert table["Average"] == pytest.approx((1.75 + 3.0) / 2)  # mean of actions, not of frames
    raw = per_action_errors([a_pred, b_pred], [a_tgt, b_tgt], ["Directions", "Directions 1"], group=False)
    assert raw == {"Directions": 1.0, "Directions 1": 2.0, "Average": 1.5}


def test_per_action_errors_metrics_and_checks():
    target = rest_pose().double().expand(4, 17, 3).clone()
    pred = 1.2 * target
    assert per_action_errors(pred, target, "Walking", metric="p_mpjpe")["Walking"] == pytest.approx(0, abs=1e-6)
    assert per_action_errors(pred, target, "Walking", metric="n_mpjpe")["Average"] == pytest.approx(0, abs=1e-9)
    assert per_action_errors(pred, target, "Walking")["Walking"] == pytest.approx(float(mpjpe(pred, target)))
    custom = per_action_errors(pred, target, "Walking", metric=lambda p, t: 7.0)
    assert custom == {"Walking": 7.0, "Average": 7.0}


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda pred, target: per_action_errors([pred, pred], [target], ["Walking", "Eating"]),
                 "expected one target and one action per prediction, got 2 predictions, 1 targets and 2 actions",
                 id="one-target-for-two"),
    pytest.param(lambda pred, target: per_action_errors(pred, target, "Walking", metric="mpjpe3"),
                 "expected metric as one of ['mpjpe', 'n_mpjpe', 'p_mpjpe'] or a function, got 'mpjpe3'",
                 id="unknown-metric"),
])
def test_per_action_errors_checks(call, message):
    target = rest_pose().double().expand(4, 17, 3).clone()
    with pytest.raises(ValueError, match=re.escape(message)):
        call(1.2 * target, target)


def test_format_action_table_layout():
    ours = {"Directions": 0.0375, "Photo": 0.04, "Average": 0.03875}
    table = format_action_table({"DDHPose-lite": ours, "baseline": {"Directions": 0.05, "Average": 0.05}})
    lines = table.splitlines()
    assert lines[0] == "| | Dir. | Photo | Avg |"
    assert lines[2] == "| DDHPose-lite | 37.5 | 40.0 | 38.8 |"
    assert lines[3] == "| baseline | 50.0 | - | 50.0 |"
    rows = format_action_table({"ours": ours}, transpose=True).splitlines()
    assert rows[2] == "| Dir. | 37.5 |" and rows[-1] == "| Avg | 38.8 |"


# --------------------------------------------------------------------------------------------
# Aggregation: hand-computed case with three hypotheses, one frame, two joints
# --------------------------------------------------------------------------------------------
HYPOTHESES = np.array([
    [[0.1, 0.0, 0.0], [0.5, 0.0, 0.0]],  # A: joint errors 0.1, 0.5 -> MPJPE 0.30
    [[-0.4, 0.0, 0.0], [-0.1, 0.0, 0.0]],  # B: 0.4, 0.1 -> 0.25 (the best whole pose)
    [[0.0, 0.3, 0.0], [0.0, -0.3, 0.0]],  # C: 0.3, 0.3 -> 0.30
])[:, None]  # [H=3, F=1, J=2, 3]
TARGET = np.zeros((1, 2, 3))


def test_hand_case_p_agg_j_best_p_best():
    agg = p_agg(HYPOTHESES)
    np.testing.assert_allclose(agg, [[[-0.1, 0.1, 0.0], [0.4 / 3, -0.1, 0.0]]])
    assert isinstance(agg, np.ndarray) and agg.shape == (1, 2, 3)
    best_joint = j_best(HYPOTHESES, TARGET)
    np.testing.assert_allclose(best_joint, [[[0.1, 0, 0], [-0.1, 0, 0]]])  # A's joint 0, B's joint 1
    best_pose = p_best(HYPOTHESES, TARGET)
    np.testing.assert_allclose(best_pose, HYPOTHESES[1])
    assert mpjpe(best_joint, TARGET) == pytest.approx(0.1)
    assert mpjpe(best_pose, TARGET) == pytest.approx(0.25)
    # P-Agg beats the oracle P-Best here: J-Best <= P-Best always, P-Best <= P-Agg not always
    assert mpjpe(agg, TARGET) == pytest.approx((math.hypot(0.1, 0.1) + math.hypot(0.4 / 3, 0.1)) / 2)
    assert mpjpe(agg, TARGET) < mpjpe(best_pose, TARGET)


def test_oracle_orderings_on_random_hypotheses():
    g = torch.Generator().manual_seed(0)
    target = torch.randn(4, 3, 17, 3, generator=g, dtype=torch.float64)  # [B, F, J, 3]
    hyps = target + 0.1 * torch.randn(6, 4, 3, 17, 3, generator=g, dtype=torch.float64)
    jb, pb = mpjpe(j_best(hyps, target), target), mpjpe(p_best(hyps, target), target)
    each = torch.stack([mpjpe(h, target) for h in hyps])
    batch = mpjpe(p_best_batch(hyps, target), target)
    assert jb <= pb <= batch <= each.max()
    assert batch == pytest.approx(float(each.min()))  # one batch: the hypothesis best on average
    for size in (1, 2, 3):
        assert pb <= mpjpe(p_best_batch(hyps, target, batch_size=size), target) <= batch + 1e-12


def test_p_best_batch_depends_on_the_batch_size():
    target = np.zeros((2, 1, 17, 3))  # B = 2 samples
    hyps = np.zeros((2, 2, 1, 17, 3))
    hyps[0, 1] += [1.0, 0, 0]  # hypothesis 0: perfect on sample 0, 1 m off on sample 1
    hyps[1] += [0.4, 0, 0]  # hypothesis 1: 0.4 m off on both
    whole = p_best_batch(hyps, target)  # mean errors 0.5 vs 0.4: hypothesis 1 for both samples
    np.testing.assert_allclose(whole, hyps[1])
    assert mpjpe(whole, target) == pytest.approx(0.4)
    single = p_best_batch(hyps, target, batch_size=1)  # per sample: 0 then 1
    assert mpjpe(single, target) == pytest.approx(0.2)
    assert mpjpe(p_best(hyps, target), target) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="batch_size >= 1"):
        p_best_batch(hyps, target, batch_size=0)


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: p_agg(np.zeros((17, 3))), "expected hypotheses of shape [H, ..., J, 3], got [17, 3]",
                 id="p_agg-one-pose"),
    pytest.param(lambda: j_best(HYPOTHESES, np.zeros((1, 3, 3))),
                 "expected target of shape [1, 2, 3] ([..., J, 3]), got [1, 3, 3]", id="j_best-3-joints"),
])
def test_shape_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# --------------------------------------------------------------------------------------------
# J-Agg
# --------------------------------------------------------------------------------------------
def split_hypotheses(gt, seed=0):
    """Two hypotheses, each right on half the joints and 0.15-0.25 m off (in x/y) elsewhere."""
    g = torch.Generator().manual_seed(seed)
    angle = torch.rand(gt.shape[:-1], generator=g, dtype=gt.dtype) * 2 * math.pi
    size = 0.15 + 0.1 * torch.rand(gt.shape[:-1], generator=g, dtype=gt.dtype)
    error = torch.stack([angle.cos(), angle.sin(), torch.zeros_like(angle)], -1) * size[..., None]
    first = torch.zeros(17, 1, dtype=gt.dtype)
    first[:9] = 1
    return torch.stack([gt + (1 - first) * error, gt + first * error])


def camera_pose(frames=3):
    """Root-relative poses in a camera frame (x right, y down, z forward) and their trajectory."""
    world = (rest_pose() - rest_pose()[:1]).double()  # z-up, facing +y
    to_camera = torch.tensor([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=torch.float64)  # y<-(-z), z<-y
    pose = world @ to_camera.T
    poses = pose.expand(frames, 17, 3).clone()
    trajectory = torch.tensor([[0.1 * f, 0.2, 4.0 + 0.1 * f] for f in range(frames)], dtype=torch.float64)
    return poses, trajectory


def test_j_agg_with_a_perfect_camera_picks_the_matching_hypothesis_per_joint():
    camera = H36M_CAMERAS["54138969"]
    gt, trajectory = camera_pose()
    keypoints = normalize_screen(project(gt + trajectory[:, None], camera), camera.res_w, camera.res_h)
    hyps = split_hypotheses(gt)
    chosen = j_agg(hyps, keypoints, camera, trajectory)
    torch.testing.assert_close(chosen, gt)
    assert float(mpjpe(p_agg(hyps), gt)) > 0.05  # the mean would not recover it
    # NumPy in, NumPy out; a whole hypothesis equal to the truth is picked everywhere
    exact = np.stack([hyps[0].numpy(), gt.numpy()])
    out = j_agg(exact, keypoints.numpy(), camera, trajectory.numpy(), distort=True)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, gt.numpy())


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda hyps, kp, camera, gt, trajectory: j_agg(hyps, kp, camera, gt), ValueError,
                 r"trajectory of shape \[3, 3\] \(\[\.\.\., F, 3\]\), got \[3, 17, 3\]", id="poses-as-trajectory"),
    pytest.param(lambda hyps, kp, camera, gt, trajectory: j_agg(hyps, kp[:, :16], camera, trajectory), ValueError,
                 r"keypoints_2d of shape \[3, 17, 2\]", id="16-keypoints"),
    pytest.param(lambda hyps, kp, camera, gt, trajectory: j_agg(hyps, kp, "54138969", trajectory), TypeError,
                 "expected camera", id="camera-name"),
    pytest.param(lambda hyps, kp, camera, gt, trajectory: j_agg(hyps, kp, camera, -trajectory), ValueError,
                 "in front of the camera", id="behind-the-camera"),
])
def test_j_agg_input_checks(call, error, message):
    gt, trajectory = camera_pose()
    with pytest.raises(error, match=message):
        call(split_hypotheses(gt), torch.zeros(3, 17, 2, dtype=torch.float64), H36M_CAMERAS["54138969"], gt, trajectory)


def test_weak_perspective_fit_recovers_scale_and_translation():
    pose, _ = camera_pose(frames=2)
    keypoints = 0.3 * pose[..., :2] + torch.tensor([0.05, -0.1], dtype=torch.float64)
    scale, shift = weak_perspective_fit(pose, keypoints)
    assert scale.shape == (2, 1, 1) and shift.shape == (2, 1, 2)
    torch.testing.assert_close(scale, torch.full((2, 1, 1), 0.3, dtype=torch.float64))
    torch.testing.assert_close(shift, torch.tensor([0.05, -0.1], dtype=torch.float64).expand(2, 1, 2))


def test_j_agg_weak_perspective_picks_the_matching_hypothesis_without_a_camera():
    gt, _ = camera_pose()
    keypoints = 0.28 * gt[..., :2] + torch.tensor([0.02, -0.05], dtype=torch.float64)
    hyps = split_hypotheses(gt, seed=1)
    torch.testing.assert_close(j_agg_weak_perspective(hyps, keypoints), gt)
    out = j_agg_weak_perspective(hyps.numpy(), keypoints.numpy())
    assert isinstance(out, np.ndarray) and out.shape == (3, 17, 3)
    # on a perspective projection it agrees with j_agg for this well-separated case
    camera = H36M_CAMERAS["55011271"]
    _, trajectory = camera_pose()
    perspective = normalize_screen(project(gt + trajectory[:, None], camera), camera.res_w, camera.res_h)
    torch.testing.assert_close(j_agg_weak_perspective(hyps, perspective), j_agg(hyps, perspective, camera, trajectory))
