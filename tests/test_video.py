"""Your own video, first step (issue 18): MediaPipe Pose's 33 landmarks -> Human3.6M-17, and the
optional `[video]` extra that brings the detector."""
from __future__ import annotations

import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from ddhpose_lite.keypoints import MEDIAPIPE_NAMES, mediapipe_to_h36m
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.video import VIDEO_EXTRA, require_video_extra

ROOT = Path(__file__).resolve().parents[1]


def landmark_hand_example() -> np.ndarray:
    """One frame of MediaPipe landmarks [1, 33, 2] (pixels, the person facing the camera, so their
    left is on the image's right), a little asymmetric so that every derived joint is checkable."""
    points = {
        "nose": (100, 40),
        "left_eye_inner": (102, 30), "left_eye": (104, 36), "left_eye_outer": (106, 30),
        "right_eye_inner": (98, 30), "right_eye": (96, 34), "right_eye_outer": (94, 30),
        "left_ear": (112, 38), "right_ear": (90, 40), "mouth_left": (103, 50), "mouth_right": (97, 50),
        "left_shoulder": (122, 70), "right_shoulder": (80, 72),
        "left_elbow": (130, 100), "right_elbow": (70, 100), "left_wrist": (135, 130), "right_wrist": (65, 130),
        "left_pinky": (138, 140), "right_pinky": (62, 140), "left_index": (137, 142), "right_index": (63, 142),
        "left_thumb": (133, 138), "right_thumb": (67, 138),
        "left_hip": (114, 150), "right_hip": (88, 152),
        "left_knee": (114, 200), "right_knee": (86, 200), "left_ankle": (115, 250), "right_ankle": (85, 250),
        "left_heel": (113, 258), "right_heel": (87, 258), "left_foot_index": (122, 262), "right_foot_index": (78, 262),
    }
    assert set(points) == set(MEDIAPIPE_NAMES)
    return np.array([[points[name] for name in MEDIAPIPE_NAMES]], dtype=np.float32)


def test_the_public_landmark_indices():
    index = MEDIAPIPE_NAMES.index
    assert len(MEDIAPIPE_NAMES) == 33
    assert (index("nose"), index("left_eye"), index("right_eye"), index("left_ear"), index("right_ear")) == (0, 2, 5, 7, 8)
    assert (index("left_shoulder"), index("right_shoulder"), index("left_wrist"), index("right_wrist")) == (11, 12, 15, 16)
    assert (index("left_hip"), index("right_hip"), index("left_ankle"), index("right_foot_index")) == (23, 24, 27, 32)


def test_mediapipe_to_h36m_on_a_hand_example():
    h36m, confidence = mediapipe_to_h36m(landmark_hand_example())
    assert isinstance(h36m, np.ndarray) and h36m.dtype == np.float32 and h36m.shape == (1, 17, 2)
    assert isinstance(confidence, np.ndarray) and confidence.shape == (1, 17)
    expected = {
        "Pelvis": (101, 151),  # mid-hips: (114 + 88) / 2, (150 + 152) / 2
        "RHip": (88, 152), "RKnee": (86, 200), "RAnkle": (85, 250),  # the person's right: image left
        "LHip": (114, 150), "LKnee": (114, 200), "LAnkle": (115, 250),
        "Spine": (101, 111),  # midpoint of pelvis (101, 151) and thorax (101, 71)
        "Thorax": (101, 71),  # mid-shoulders: (122 + 80) / 2, (70 + 72) / 2
        "Nose": (100, 40),
        "Head": (100.5, 37),  # eyes and ears, not eye corners or mouth: (104 + 96 + 112 + 90) / 4, (36 + 34 + 38 + 40) / 4
        "LShoulder": (122, 70), "LElbow": (130, 100), "LWrist": (135, 130),
        "RShoulder": (80, 72), "RElbow": (70, 100), "RWrist": (65, 130),
    }
    for name, xy in expected.items():
        np.testing.assert_allclose(h36m[0, H36M.index(name)], xy, err_msg=name)
    np.testing.assert_allclose(confidence, 1.0)


def test_visibility_gives_confidence_and_a_profile_head():
    landmarks = torch.from_numpy(landmark_hand_example())
    visibility = torch.full((1, 33), 0.9)
    visibility[0, [MEDIAPIPE_NAMES.index("right_eye"), MEDIAPIPE_NAMES.index("right_ear")]] = 0.2  # profile
    visibility[0, MEDIAPIPE_NAMES.index("left_hip")] = 0.6
    h36m, confidence = mediapipe_to_h36m(landmarks, visibility)
    assert isinstance(h36m, torch.Tensor) and h36m.dtype == torch.float32
    torch.testing.assert_close(h36m[0, H36M.index("Head")], torch.tensor([108.0, 37.0]))  # left eye and ear
    assert confidence[0, H36M.index("Head")].item() == pytest.approx(0.9)  # the highest seen face point
    assert confidence[0, H36M.index("Pelvis")].item() == pytest.approx(0.6)  # the lowest of its hips
    assert confidence[0, H36M.index("Spine")].item() == pytest.approx(0.6)
    assert confidence[0, H36M.index("RHip")].item() == pytest.approx(0.9)


TWIN = [MEDIAPIPE_NAMES.index(n.replace("left", "@").replace("right", "left").replace("@", "right"))
        for n in MEDIAPIPE_NAMES]
"""Each landmark's mirror twin: the name with "left" and "right" swapped (the nose is its own)."""


def mirror_landmarks(landmarks: np.ndarray, width: float) -> np.ndarray:
    """The image flipped left to right: x -> width - x, and each landmark trades places with its twin."""
    mirrored = landmarks[:, TWIN].copy()
    mirrored[..., 0] = width - mirrored[..., 0]
    return mirrored


def test_mirrored_input_gives_the_mirrored_output():
    rng = np.random.default_rng(0)
    landmarks = rng.uniform(0, 640, size=(4, 33, 2))
    visibility = rng.uniform(0.6, 1.0, size=(4, 33))
    h36m, confidence = mediapipe_to_h36m(landmarks, visibility)
    mirrored, mirrored_confidence = mediapipe_to_h36m(mirror_landmarks(landmarks, 640), visibility[:, TWIN])
    expected = h36m[:, list(H36M.flip_permutation)].copy()
    expected[..., 0] = 640 - expected[..., 0]
    np.testing.assert_allclose(mirrored, expected, atol=1e-9)
    np.testing.assert_allclose(mirrored_confidence, confidence[:, list(H36M.flip_permutation)])
    assert H36M.flip_permutation[H36M.index("LHip")] == H36M.index("RHip")  # the swap is real
    assert [TWIN[t] for t in TWIN] == list(range(33)) and TWIN[0] == 0 and TWIN[23] == 24


def test_a_low_visibility_gap_is_interpolated():
    landmarks = np.repeat(landmark_hand_example(), 5, 0)
    landmarks[:, :, 0] += np.arange(5)[:, None] * 4  # the person walks 4 px per frame to the right
    knee = MEDIAPIPE_NAMES.index("left_knee")
    landmarks[2, knee] = (999, -999)  # garbage where the detector is unsure
    visibility = np.ones((5, 33), np.float32)
    visibility[2, knee] = 0.3
    with pytest.raises(ValueError, match=r"LKnee in 1 frame\(s\) \(2\)"):
        mediapipe_to_h36m(landmarks, visibility, missing="error")
    h36m, confidence = mediapipe_to_h36m(landmarks, visibility)
    np.testing.assert_allclose(h36m[:, H36M.index("LKnee")], [(114 + 4 * f, 200) for f in range(5)])
    assert confidence[:, H36M.index("LKnee")].tolist() == [1, 1, 0, 1, 1]
    visibility[2, knee] = 0.5  # the threshold itself counts as seen
    h36m, _ = mediapipe_to_h36m(landmarks, visibility)
    np.testing.assert_allclose(h36m[2, H36M.index("LKnee")], (999, -999))


def test_wrong_inputs_say_what_was_expected():
    landmarks = np.repeat(landmark_hand_example(), 2, 0)
    with pytest.raises(ValueError, match=r"MediaPipe Pose landmarks of shape \[F, 33, 2\] with F >= 1, got \[2, 17, 2\]"):
        mediapipe_to_h36m(landmarks[:, :17])
    with pytest.raises(ValueError, match=r"got \[2, 33, 3\]"):
        mediapipe_to_h36m(np.concatenate([landmarks, landmarks[..., :1]], -1))  # x, y, z
    with pytest.raises(ValueError, match=r"visibility of shape \[2, 33\] \(\[F, 33\]\), got \[2, 32\]"):
        mediapipe_to_h36m(landmarks, np.ones((2, 32), np.float32))
    with pytest.raises(ValueError, match=r"min_visibility as a number in 0..1, got 50"):
        mediapipe_to_h36m(landmarks, min_visibility=50)
    with pytest.raises(ValueError, match="missing='interpolate' or 'error', got 'drop'"):
        mediapipe_to_h36m(landmarks, missing="drop")
    with pytest.raises(TypeError, match="landmarks as a torch.Tensor or numpy.ndarray, got list"):
        mediapipe_to_h36m(landmarks.tolist())


def test_a_missing_video_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # makes `import mediapipe` fail
    with pytest.raises(ImportError, match=r'pip install "ddhpose_lite\[video\]".*heavy'):
        require_video_extra()
    fake = types.ModuleType("mediapipe")
    monkeypatch.setitem(sys.modules, "mediapipe", fake)
    assert require_video_extra() is fake


def test_the_video_extra_is_optional():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["optional-dependencies"]["video"] == ["mediapipe==0.10.14"]
    assert VIDEO_EXTRA == 'pip install "ddhpose_lite[video]"'
    for requirements in (project["dependencies"], project["optional-dependencies"]["dev"]):
        assert not any(r.startswith("mediapipe") for r in requirements)
