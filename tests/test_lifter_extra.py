"""Lesson 06 / issue 6: LiftResult aggregations, input handling, COCO -> H36M, windows, seeds."""
import json

import numpy as np
import pytest
import torch

from ddhpose_lite import load_pretrained
from ddhpose_lite.camera import Camera, normalize_screen
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.lifter import (COCO_NAMES, EXAMPLE_COCO, Lifter, LiftResult, blend, coco_to_h36m,
                                 load_keypoints_json)
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser

TINY = DenoiserConfig(frames=9, width=16, depth=2, heads=2)


@pytest.fixture(scope="module")
def lifter():
    torch.manual_seed(0)
    return Lifter(HSTDenoiser(TINY))


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained()


# ---------------------------------------------------------------- lifting


@pytest.mark.parametrize("length, hypotheses, iterations", [(2, 1, 2), (17, 4, 1), (40, 2, 3)])
def test_shapes_with_the_default_flip(lifter, length, hypotheses, iterations):
    kp = torch.randn(length, 17, 2) * 0.3
    result = lifter.lift(kp, hypotheses=hypotheses, iterations=iterations)
    assert (result.iterations, result.hypotheses, result.frames) == (iterations, hypotheses, length)
    assert result.poses.shape == (iterations, hypotheses, length, 17, 3)
    assert torch.equal(result.poses, lifter.lift(kp, hypotheses, iterations, flip=True).poses)  # flip is the default
    assert result.p_agg().shape == result.uncertainty().shape[:1] + (17, 3)
    assert result.uncertainty().shape == (length, 17)
    assert result.reproject().shape == (iterations, hypotheses, length, 17, 2)
    assert torch.all(result.poses[..., 0, :] == 0)  # root-relative


def test_seeds_give_the_same_or_different_hypotheses(lifter):
    kp = torch.randn(12, 17, 2) * 0.3
    a = lifter.lift(kp, 3, 2, seed=5)
    assert torch.equal(a.poses, lifter.lift(kp, 3, 2, seed=5).poses)
    b = lifter.lift(kp, 3, 2, seed=6)
    assert not torch.allclose(a.poses, b.poses)
    assert not torch.allclose(a.poses[-1, 0], a.poses[-1, 1])  # hypotheses differ within one lift


def test_pixels_with_image_size_equal_normalised_input(lifter):
    w, h = 1280, 720
    pixels = torch.rand(10, 17, 2, dtype=torch.float64) * torch.tensor([w, h])
    from_pixels = lifter.lift(pixels, 2, 2, seed=1, image_size=(w, h))
    normalised = normalize_screen(pixels, w, h)
    direct = lifter.lift(normalised.float(), 2, 2, seed=1)
    torch.testing.assert_close(from_pixels.poses, direct.poses)
    torch.testing.assert_close(from_pixels.keypoints_2d, normalised.float())
    assert from_pixels.image_size == (w, h) and direct.image_size is None
    pixels_np = pixels.numpy().astype(np.float32)  # NumPy works too
    assert lifter.lift(pixels_np, 1, 1, image_size=(w, h)).poses.shape == (1, 1, 10, 17, 3)


@pytest.mark.parametrize("image_size", [(0, 100), (100,), "1920x1080", (100.5, 50), (-1, 5)])
def test_bad_image_size(lifter, image_size):
    with pytest.raises(ValueError, match="image_size as \\(width, height\\)"):
        lifter.lift(torch.zeros(5, 17, 2), 1, 1, image_size=image_size)


@pytest.mark.parametrize("bad", [True, 1.5, "2"])
def test_counts_must_be_ints(lifter, bad):
    with pytest.raises(ValueError, match="as an int >= 1"):
        lifter.lift(torch.zeros(5, 17, 2), hypotheses=bad)


def test_bad_keypoint_inputs(lifter):
    with pytest.raises(ValueError, match=r"\[F, 17, 2\] with F >= 1, got \[5, 17, 3\]"):
        lifter.lift(torch.zeros(5, 17, 3))
    with pytest.raises(ValueError, match=r"got \[17, 2\]"):
        lifter.lift(torch.zeros(17, 2))
    kp = torch.zeros(5, 17, 2)
    kp[2, 3, 0] = float("nan")
    with pytest.raises(ValueError, match="finite keypoints_2d, got 1 NaN"):
        lifter.lift(kp)
    with pytest.raises(TypeError, match="torch.Tensor or numpy.ndarray"):
        lifter.lift([[0.0, 0.0]] * 17)


@pytest.mark.parametrize("length", [1, 9, 10, 26, 81, 100])
@pytest.mark.parametrize("overlap", [0, None, 4, 8])
def test_windows_blend_to_weights_summing_to_one(lifter, length, overlap):
    rows, weights = lifter.windows(length, overlap)
    assert rows.shape == weights.shape and rows.shape[1] == lifter.frames
    assert set(rows[weights > 0].tolist()) == set(range(length))  # every frame covered
    norm = torch.zeros(length, dtype=torch.float64).index_add_(0, rows.flatten(), weights.flatten().double())
    per_frame = torch.zeros(length, dtype=torch.float64)
    per_frame.index_add_(0, rows.flatten(), (weights.double() / norm[rows]).flatten())
    torch.testing.assert_close(per_frame, torch.ones(length, dtype=torch.float64))  # exactly once after blending
    signal = torch.randn(length, 17, 3)
    torch.testing.assert_close(blend(signal[rows], rows, weights, length), signal)


def test_back_to_back_windows_use_each_frame_once(lifter):
    rows, weights = lifter.windows(81, overlap=0)
    assert rows.shape == (9, 9)
    assert sorted(rows.flatten().tolist()) == list(range(81))
    rows, _ = lifter.windows(243, overlap=None)  # default overlap frames // 8 = 1 for 9 frames
    assert rows.shape[0] == 31


@pytest.mark.parametrize("overlap", [-1, 9, 2.0, True])
def test_bad_overlap(lifter, overlap):
    with pytest.raises(ValueError, match="overlap as an int in 0..8"):
        lifter.windows(20, overlap)


# ---------------------------------------------------------------- aggregations by hand


def hand_result() -> tuple[LiftResult, torch.Tensor]:
    """3 hypotheses of one frame that differ only at the left wrist (13) and the head (10)."""
    base = torch.zeros(17, 3)
    base[1:, 1] = -torch.arange(1, 17, dtype=torch.float32) * 0.05  # a vertical line of joints
    hyps = base.repeat(3, 1, 1)
    hyps[0, 13, 0], hyps[1, 13, 0], hyps[2, 13, 0] = 0.3, 0.0, -0.3  # wrist x: right, centre, left
    hyps[0, 10, 2], hyps[1, 10, 2], hyps[2, 10, 2] = 0.0, 0.6, 0.25  # head depth
    target = base.clone()
    target[13, 0] = -0.2  # the wrist is really on the left
    target[10, 2] = 0.5
    kp = base[:, :2].clone() * 0.5
    kp[13, 0] = -0.2 * 0.5
    return LiftResult(poses=hyps[None, :, None], keypoints_2d=kp[None]), target[None]


def test_aggregations_against_hand_computed_values():
    result, target = hand_result()
    p_agg = result.p_agg()[0]
    assert p_agg[13, 0].item() == pytest.approx(0.0) and p_agg[10, 2].item() == pytest.approx(0.85 / 3)
    j_best = result.j_best(target)[0]
    assert j_best[13, 0].item() == pytest.approx(-0.3) and j_best[10, 2].item() == pytest.approx(0.6)
    p_best = result.p_best(target)[0]
    # per-pose errors (sum over joints): h0 = 0.5 + 0.5, h1 = 0.2 + 0.1, h2 = 0.1 + 0.25 -> h1
    torch.testing.assert_close(p_best, result.poses[-1, 1, 0])
    spread = result.uncertainty()[0]
    assert spread[13].item() == pytest.approx((0.3 + 0.0 + 0.3) / 3)
    assert spread[10].item() == pytest.approx((0.85 / 3 + (0.6 - 0.85 / 3) + (0.85 / 3 - 0.25)) / 3)
    assert torch.count_nonzero(spread) == 2
    errors = result.errors(target)
    assert set(errors) == {"P-Agg", "J-Agg (weak persp.)", "J-Best", "P-Best"}
    assert errors["J-Best"] <= errors["P-Best"]
    assert errors["J-Best"] == pytest.approx((0.1 + 0.1) / 17)


def test_camera_free_j_agg_picks_the_reprojection_closest_to_the_input():
    result, _ = hand_result()
    # weak perspective: the fitted scale is about 0.5 (input = pose_xy / 2), the wrist seen at x = -0.1
    pick = result.j_agg_weak_perspective()[0]
    assert pick[13, 0].item() == pytest.approx(-0.3)  # hypothesis 2, whose wrist projects to the left
    assert pick[10, 2].item() == pytest.approx(0.0)  # depth is invisible in 2D: the tie keeps hypothesis 0


def test_j_agg_with_a_camera():
    result, _ = hand_result()
    camera = Camera(1000, 1000, (1000.0, 1000.0), (500.0, 500.0))
    trajectory = torch.tensor([[0.0, 0.0, 5.0]])
    reproj = result.reproject(camera, trajectory)
    assert reproj.shape == (1, 3, 1, 17, 2)
    # put the input exactly where hypothesis 2 projects: J-Agg then returns hypothesis 2 for every joint
    result.keypoints_2d = reproj[0, 2].clone()
    torch.testing.assert_close(result.j_agg(camera, trajectory)[0, 13], result.poses[0, 2, 0, 13])
    with pytest.raises(ValueError, match="trajectory"):
        result.reproject(camera)
    with pytest.raises(ValueError, match="camera"):
        result.reproject(None, trajectory)
    with pytest.raises(ValueError, match=r"trajectory of shape \[1, 3\]"):
        result.reproject(camera, torch.zeros(2, 3))


def test_iteration_argument_and_subset():
    poses = torch.randn(3, 4, 2, 17, 3)
    result = LiftResult(poses, torch.zeros(2, 17, 2))
    torch.testing.assert_close(result.p_agg(0), poses[0].mean(0))
    torch.testing.assert_close(result.p_agg(-2), poses[1].mean(0))
    assert torch.equal(result.hypotheses_at(1), poses[1])
    for bad in (3, -4, 1.0, True):
        with pytest.raises(ValueError, match="iteration as an int in 0..2"):
            result.p_agg(bad)
    assert result.subset(2).poses.shape == (3, 2, 2, 17, 3)
    with pytest.raises(ValueError, match="hypotheses as an int in 1..4"):
        result.subset(5)
    with pytest.raises(ValueError, match=r"target of shape \[2, 17, 3\]"):
        result.j_best(torch.zeros(3, 17, 3))


def test_j_best_with_twenty_hypotheses_is_not_worse_than_one(pretrained):
    seq = synthetic_sequences("test", 300, seed=1, noise_2d=2.0)[0]
    kp, truth = seq.keypoints_2d[:27], seq.poses_3d[:27]
    many = pretrained.lift(kp, hypotheses=20, iterations=1, seed=0, flip=False)
    one = pretrained.lift(kp, hypotheses=1, iterations=1, seed=1, flip=False)
    best_of_20 = float((many.j_best(truth) - truth).norm(dim=-1).mean())
    assert best_of_20 <= float((many.subset(1).j_best(truth) - truth).norm(dim=-1).mean())  # a superset: always
    assert best_of_20 <= float((one.j_best(truth) - truth).norm(dim=-1).mean())  # an independent single draw
    errors = many.errors(truth, seq.camera, seq.trajectory[:27])
    assert errors["J-Best"] <= errors["P-Best"] <= errors["P-Agg"] + 0.05


# ---------------------------------------------------------------- COCO -> H36M


def coco_hand_example() -> np.ndarray:
    """One frame of COCO-17 keypoints (pixels) that are easy to check by hand."""
    points = {
        "nose": (100, 40), "left_eye": (104, 36), "right_eye": (96, 36), "left_ear": (110, 38),
        "right_ear": (90, 38), "left_shoulder": (120, 70), "right_shoulder": (80, 70),
        "left_elbow": (130, 100), "right_elbow": (70, 100), "left_wrist": (135, 130),
        "right_wrist": (65, 130), "left_hip": (112, 150), "right_hip": (88, 150),
        "left_knee": (114, 200), "right_knee": (86, 200), "left_ankle": (115, 250), "right_ankle": (85, 250),
    }
    return np.array([[points[name] for name in COCO_NAMES]], dtype=np.float32)


def test_coco_to_h36m_on_a_hand_example():
    h36m, confidence = coco_to_h36m(coco_hand_example())
    assert isinstance(h36m, np.ndarray) and h36m.dtype == np.float32 and h36m.shape == (1, 17, 2)
    expected = {
        0: (100, 150),  # pelvis = mid-hips
        1: (88, 150), 2: (86, 200), 3: (85, 250), 4: (112, 150), 5: (114, 200), 6: (115, 250),
        7: (100, 110),  # spine = midpoint of pelvis (100, 150) and thorax (100, 70)
        8: (100, 70),  # thorax = mid-shoulders
        9: (100, 40),  # nose
        10: (100, 37),  # head = centre of eyes and ears
        11: (120, 70), 12: (130, 100), 13: (135, 130), 14: (80, 70), 15: (70, 100), 16: (65, 130),
    }
    for joint, xy in expected.items():
        np.testing.assert_allclose(h36m[0, joint], xy, err_msg=f"joint {joint}")
    np.testing.assert_allclose(confidence, 1.0)


def test_coco_confidence_and_profile_head():
    kp = coco_hand_example()
    scores = np.full((1, 17), 0.9, np.float32)
    scores[0, [2, 4]] = 0.1  # right eye and ear hidden (a profile view)
    scores[0, 11] = 0.5  # left hip unsure
    h36m, confidence = coco_to_h36m(torch.from_numpy(kp), torch.from_numpy(scores))
    assert isinstance(h36m, torch.Tensor)
    torch.testing.assert_close(h36m[0, 10], torch.tensor([107.0, 37.0]))  # mean of left eye and left ear
    assert confidence[0, 10].item() == pytest.approx(0.9)
    assert confidence[0, 0].item() == pytest.approx(0.5)  # pelvis: the lowest of its hips
    assert confidence[0, 7].item() == pytest.approx(0.5)
    assert confidence[0, 1].item() == pytest.approx(0.9)


def test_coco_missing_joints_error_or_interpolate():
    kp = np.repeat(coco_hand_example(), 5, 0)
    kp[:, :, 0] += np.arange(5)[:, None] * 10  # the person walks 10 px per frame to the right
    scores = np.ones((5, 17), np.float32)
    scores[1:3, 9] = 0.05  # left wrist lost in frames 1 and 2
    kp[1:3, 9] = np.nan
    with pytest.raises(ValueError, match=r"2 missing: LWrist in 2 frame\(s\) \(1, 2\); pass missing='interpolate'"):
        coco_to_h36m(kp, scores, missing="error")
    h36m, confidence = coco_to_h36m(kp, scores)  # interpolate is the default
    np.testing.assert_allclose(h36m[:, 13, 0], 135 + np.arange(5) * 10)
    assert confidence[1:3, 13].tolist() == [0.0, 0.0] and confidence[0, 13] == 1.0
    # missing at the start: held constant until the first seen frame
    scores[:, 9], scores[3:, 9] = 0.0, 1.0
    h36m, _ = coco_to_h36m(np.nan_to_num(kp), scores)
    np.testing.assert_allclose(h36m[:4, 13, 0], [165, 165, 165, 165])


def test_coco_joint_never_seen_and_bad_inputs():
    kp = np.repeat(coco_hand_example(), 3, 0)
    scores = np.ones((3, 17), np.float32)
    scores[:, 0] = 0.0
    with pytest.raises(ValueError, match=r"none for \['Nose'\]"):
        coco_to_h36m(kp, scores)
    with pytest.raises(ValueError, match=r"COCO keypoints of shape \[F, 17, 2\] with F >= 1, got \[3, 16, 2\]"):
        coco_to_h36m(kp[:, :16])
    with pytest.raises(ValueError, match=r"got \[0, 17, 2\]"):
        coco_to_h36m(kp[:0])
    with pytest.raises(ValueError, match=r"scores of shape \[3, 17\]"):
        coco_to_h36m(kp, scores[:2])
    with pytest.raises(ValueError, match="missing='interpolate' or 'error'"):
        coco_to_h36m(kp, missing="drop")
    with pytest.raises(ValueError, match="min_score"):
        coco_to_h36m(kp, min_score=2)
    inf = kp.copy()
    inf[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        coco_to_h36m(inf)


# ---------------------------------------------------------------- the shipped example


def test_shipped_example_file():
    assert EXAMPLE_COCO.stat().st_size < 200_000
    data = load_keypoints_json()
    frames = data["keypoints"].shape[0]
    assert data["layout"] == "coco17" and data["joint_names"] == list(COCO_NAMES)
    assert data["keypoints"].shape == (frames, 17, 2) and data["scores"].shape == (frames, 17)
    w, h = data["image_size"]
    assert (data["keypoints"] >= 0).all() and (data["keypoints"][..., 0] <= w).all()
    assert (data["keypoints"][..., 1] <= h).all()
    assert 0 < int((data["scores"] < 0.3).sum()) < 30  # a few low-confidence points to handle
    with pytest.raises(ValueError, match="LWrist"):
        coco_to_h36m(data["keypoints"], data["scores"], missing="error")
    h36m, _ = coco_to_h36m(data["keypoints"], data["scores"])
    truth = np.asarray(data["ground_truth"]["poses_3d"])
    assert truth.shape == (frames, 17, 3)
    assert np.isfinite(h36m).all()


def test_load_keypoints_json_requires_its_keys(tmp_path):
    path = tmp_path / "kp.json"
    path.write_text(json.dumps({"keypoints": [[[0, 0]] * 17]}))
    with pytest.raises(ValueError, match="key 'scores'"):
        load_keypoints_json(path)


def test_lifting_the_example_with_the_pretrained_model(pretrained):
    data = load_keypoints_json()
    h36m, _ = coco_to_h36m(data["keypoints"][:30], data["scores"][:30])
    result = pretrained.lift(h36m, hypotheses=2, iterations=1, image_size=data["image_size"])
    truth = torch.tensor(data["ground_truth"]["poses_3d"][:30], dtype=torch.float32)
    assert float((result.p_agg() - truth).norm(dim=-1).mean()) < 0.3  # metres: a sensible pose, not noise
