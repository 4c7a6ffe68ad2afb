"""2D keypoints as detectors give them: COCO-17 -> Human3.6M-17, keypoint files, detector noise."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from conftest import DETECTOR_JOINT_WEIGHTS
from ddhpose_lite.keypoints import COCO_NAMES, EXAMPLE_COCO, coco_to_h36m, detector_noise, load_keypoints_json


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


def with_inf(kp: np.ndarray) -> np.ndarray:
    kp = kp.copy()
    kp[0, 0, 0] = np.inf
    return kp


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda kp, scores: coco_to_h36m(kp, scores), r"none for \['Nose'\]", id="nose-never-seen"),
    pytest.param(lambda kp, scores: coco_to_h36m(kp[:, :16]),
                 r"COCO keypoints of shape \[F, 17, 2\] with F >= 1, got \[3, 16, 2\]", id="16-joints"),
    pytest.param(lambda kp, scores: coco_to_h36m(kp[:0]), r"got \[0, 17, 2\]", id="no-frames"),
    pytest.param(lambda kp, scores: coco_to_h36m(kp, scores[:2]), r"scores of shape \[3, 17\]", id="2-score-rows"),
    pytest.param(lambda kp, scores: coco_to_h36m(kp, missing="drop"), "missing='interpolate' or 'error'",
                 id="missing-drop"),
    pytest.param(lambda kp, scores: coco_to_h36m(kp, min_score=2), "min_score", id="min-score-2"),
    pytest.param(lambda kp, scores: coco_to_h36m(with_inf(kp)), "infinite", id="infinite"),
])
def test_coco_joint_never_seen_and_bad_inputs(call, message):
    kp = np.repeat(coco_hand_example(), 3, 0)
    scores = np.ones((3, 17), np.float32)
    scores[:, 0] = 0.0  # the nose: never seen
    with pytest.raises(ValueError, match=message):
        call(kp, scores)


# ---------------------------------------------------------------- the shipped example


def test_shipped_example_file_layout_ranges_and_root_relative_truth():
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
    assert truth.shape == (frames, 17, 3) and np.asarray(data["ground_truth"]["trajectory"]).shape == (frames, 3)
    assert np.abs(truth[:, 0]).max() == 0  # root-relative
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
    truth = np.asarray(data["ground_truth"]["poses_3d"][:30], dtype=np.float32)
    assert isinstance(result.p_agg(), np.ndarray)  # NumPy keypoints in, NumPy poses out
    assert float(np.linalg.norm(result.p_agg() - truth, axis=-1).mean()) < 0.3  # metres: a sensible pose, not noise


# ---------------------------------------------------------------- detector noise


def test_detector_noise_is_seeded_sized_and_keeps_the_kind():
    clean = torch.rand(200, 17, 2, dtype=torch.float64) * torch.tensor([800.0, 600.0]) + 100
    noisy = detector_noise(clean, 3.0, 0.0, seed=1)
    assert noisy.shape == clean.shape and noisy.dtype == clean.dtype
    assert torch.equal(noisy, detector_noise(clean, 3.0, 0.0, seed=1))
    assert not torch.equal(noisy, detector_noise(clean, 3.0, 0.0, seed=2))
    scale = float(((noisy - clean) / (3.0 * DETECTOR_JOINT_WEIGHTS[:, None])).square().mean().sqrt())
    assert 0.45 < scale < 1.55  # sigma x a per-sequence factor in [0.5, 1.5] x the joint's weight, per coordinate
    assert torch.equal(detector_noise(clean, 0.0, 0.0, seed=1), clean)
    as_numpy = detector_noise(clean.numpy(), 3.0, 0.0, seed=1)
    assert isinstance(as_numpy, np.ndarray)
    np.testing.assert_allclose(as_numpy, noisy.numpy())


def test_detector_noise_size_per_joint_and_per_sequence():
    """Per coordinate the noise has sd sigma · s · w_j: half of its variance smoothed over time and
    renormalised, half fresh, so the variance is exactly (sigma s w_j)² in expectation, with s drawn
    uniformly from [0.5, 1.5] per sequence. Over 40 seeds (400 frames each) the estimated s stays in
    [0.5, 1.5] up to the estimate's error (measured within 0.03), spans it and averages 1 (uniform: sd of
    the mean of 40 draws 0.046); within a sequence every joint shows the same s (measured within 12 %)."""
    clean = torch.rand(400, 17, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 500 + 100
    factors = []
    for seed in range(40):
        noise = (detector_noise(clean, 3.0, 0.0, seed=seed) - clean) / (3.0 * DETECTOR_JOINT_WEIGHTS[:, None])
        factor = float(noise.square().mean().sqrt())
        per_joint = noise.square().mean((0, 2)).sqrt()
        assert float((per_joint / factor - 1).abs().max()) < 0.2, seed
        factors.append(factor)
    assert 0.45 < min(factors) < 0.7 and 1.3 < max(factors) < 1.55
    assert sum(factors) / 40 == pytest.approx(1.0, abs=0.15)


def test_detector_outliers_jump_or_swap_left_and_right():
    clean = torch.zeros(400, 17, 2, dtype=torch.float64)
    clean[:, :, 0] = torch.arange(17, dtype=torch.float64) * 10  # every joint at its own x
    clean[:, :, 1] = torch.arange(17, dtype=torch.float64) * 20
    noisy = detector_noise(clean, 0.0, 0.05, seed=0)
    moved = (noisy - clean).norm(dim=-1) > 1e-9
    assert 0.03 < float(moved.double().mean()) < 0.07  # about 5 % of the points
    lying = clean.flip(-1)  # a person lying down: wide, not tall; jumps still scale with the body
    assert float((detector_noise(lying, 0.0, 0.05, seed=0) - lying).norm(dim=-1).max()) > 20


@pytest.mark.parametrize("shape, sigma, outliers, message", [
    pytest.param((5, 16, 2), 1.0, 0.0, r"pixels of shape \[F, 17, 2\], got \[5, 16, 2\]", id="16-joints"),
    pytest.param((5, 17, 2), -1.0, 0.0, "sigma as a finite number >= 0", id="negative-sigma"),
    pytest.param((5, 17, 2), 1.0, 1.5, r"outliers as a finite number in \[0, 1\]", id="outliers-past-1"),
])
def test_detector_noise_bad_inputs(shape, sigma, outliers, message):
    with pytest.raises(ValueError, match=message):
        detector_noise(torch.zeros(shape), sigma, outliers)
