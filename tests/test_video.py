"""Your own video (lesson 08): MediaPipe Pose's 33 landmarks -> Human3.6M-17, detections -> a
track at 50 fps (gaps, occlusions, segments) -> lifted segments, files that load back, the video
behind the 2D panel; and, with the optional `[video]` extra, the real detector on OpenCV's sample
photo and video (skipped with the reason without them, failed with DDHPOSE_VIDEO_TESTS=required)."""
from __future__ import annotations

import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import skip_or_fail
from ddhpose_lite import viz
from ddhpose_lite.camera import normalize_screen
from ddhpose_lite.keypoints import MEDIAPIPE_NAMES, mediapipe_to_h36m, smooth_in_time
from ddhpose_lite.lifter import load_pretrained
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.video import (
    SAMPLE_BOX, SAMPLE_DETECTIONS, SAMPLE_START, SAMPLE_VIDEO, SMOOTH, TYPICAL_HEIGHT, VIDEO_EXTRA, Detections,
    VideoLift, detect_image, detect_landmarks, find_person, lift_track, lift_video, read_frames, require_video_extra,
    saved_upload, video_info, video_keypoints, zoomed,
)

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


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda lm: mediapipe_to_h36m(lm[:, :17]), ValueError,
                 r"MediaPipe Pose landmarks of shape \[F, 33, 2\] with F >= 1, got \[2, 17, 2\]", id="17-landmarks"),
    pytest.param(lambda lm: mediapipe_to_h36m(np.concatenate([lm, lm[..., :1]], -1)), ValueError,  # x, y, z
                 r"got \[2, 33, 3\]", id="xyz"),
    pytest.param(lambda lm: mediapipe_to_h36m(lm, np.ones((2, 32), np.float32)), ValueError,
                 r"visibility of shape \[2, 33\] \(\[F, 33\]\), got \[2, 32\]", id="32-visibilities"),
    pytest.param(lambda lm: mediapipe_to_h36m(lm, min_visibility=50), ValueError,
                 r"min_visibility as a number in 0..1, got 50", id="min-visibility-50"),
    pytest.param(lambda lm: mediapipe_to_h36m(lm, missing="drop"), ValueError,
                 "missing='interpolate' or 'error', got 'drop'", id="missing-drop"),
    pytest.param(lambda lm: mediapipe_to_h36m(lm.tolist()), TypeError,
                 "landmarks as a torch.Tensor or numpy.ndarray, got list", id="a-list"),
])
def test_wrong_inputs_say_what_was_expected(call, error, message):
    with pytest.raises(error, match=message):
        call(np.repeat(landmark_hand_example(), 2, 0))


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
    pin = project["optional-dependencies"]["video"][0]
    for place in ("binder/postBuild", "notebooks/08_your_own_video.py"):  # Binder and Colab install it too
        assert f'"{pin}"' in (ROOT / place).read_text(), f"{place} does not install {pin}"
    assert "opencv-doc" in (ROOT / "binder" / "apt.txt").read_text().split()  # the sample clip on Binder


# ---------------------------------------------------------------- detections -> track -> lift (no extra needed)

FOUND_ALL = np.ones(33, np.float32)


def walking_detections(frames: int = 20, fps: float = 10.0, start: float = 0.0) -> Detections:
    """The hand-made person walking right at 20 px per second (2 px per frame at 10 fps)."""
    landmarks = np.repeat(landmark_hand_example(), frames, 0).astype(np.float64)
    landmarks[:, :, 0] += np.arange(frames)[:, None] * 20.0 / fps
    return Detections(landmarks, np.ones((frames, 33), np.float32), fps, (640, 480), start, "walk.mp4")


def pelvis_x(seconds) -> np.ndarray:
    return 101.0 + 20.0 * np.asarray(seconds)  # the hand example's pelvis, moving 20 px/s


def test_a_track_is_resampled_to_the_model_rate_on_time():
    track = video_keypoints(walking_detections(frames=11, start=2.0))  # 1 s at 10 fps
    assert track.fps == 50 and track.frames == 51 and track.image_size == (640, 480)
    np.testing.assert_allclose(track.times, 2.0 + np.arange(51) / 50)
    np.testing.assert_allclose(track.keypoints[:, H36M.index("Pelvis"), 0], pelvis_x(np.arange(51) / 50), atol=1e-4)
    np.testing.assert_allclose(track.keypoints[:, H36M.index("RAnkle"), 1], 250)
    assert track.source_frame.tolist() == np.round(np.arange(51) / 5).astype(int).tolist()
    assert track.segment.tolist() == [0] * 51 and track.dropped == [] and not track.guessed.any()
    np.testing.assert_allclose(track.confidence, 1.0)


def test_a_short_gap_without_a_person_is_filled_in_and_a_long_one_is_cut_out():
    detections = walking_detections(frames=30)
    detections.landmarks[5:8] = np.nan  # 0.3 s: filled in
    detections.visibility[5:8] = 0
    detections.landmarks[15:19] = np.nan  # 0.4 s: not lifted
    detections.visibility[15:19] = 0
    with pytest.warns(UserWarning, match=r"no person \(for more than 0.3 s\) at 1.5-1.9 s of walk.mp4"):
        track = video_keypoints(detections)
    assert track.dropped == [(1.5, 1.9)]
    first, second = track.segments()
    assert track.segment[first].tolist() == [0] * 71 and track.segment[second].tolist() == [1] * 51  # 1.4 s, 1.0 s
    np.testing.assert_allclose(track.times[second], 1.9 + np.arange(51) / 50)
    assert not np.any((track.times > 1.41) & (track.times < 1.89))
    np.testing.assert_allclose(track.keypoints[:, H36M.index("Pelvis"), 0], pelvis_x(track.times), atol=1e-4)
    gap = (track.times > 0.49) & (track.times < 0.71)  # from filled frame 5 to filled frame 7
    np.testing.assert_allclose(track.confidence[gap], 0.0)
    np.testing.assert_allclose(track.confidence[np.isclose(track.times, 0.44)], 0.6)  # linear: 1 at 0.4 s, 0 at 0.5 s
    np.testing.assert_allclose(track.confidence[track.times < 0.39], 1.0)


def test_a_barely_visible_joint_is_filled_in_for_a_short_while_and_a_guess_beyond():
    detections = walking_detections(frames=30)
    knee = MEDIAPIPE_NAMES.index("left_knee")
    wrist = MEDIAPIPE_NAMES.index("left_wrist")
    detections.landmarks[10:12, knee] = (999, -999)  # 0.2 s of garbage: filled in from frames 9 and 12
    detections.visibility[10:12, knee] = 0.2
    detections.visibility[5:20, wrist] = 0.3  # 1.5 s hidden behind the body: the detector's guess stays
    track = video_keypoints(detections)
    at = np.round(track.times * 10, 6)  # in detection frames
    knee_h36m, wrist_h36m = H36M.index("LKnee"), H36M.index("LWrist")
    np.testing.assert_allclose(track.keypoints[:, knee_h36m], np.stack([114 + 2 * at, np.full_like(at, 200)], 1),
                               atol=1e-4)
    inside = (at >= 10) & (at <= 11)
    np.testing.assert_allclose(track.confidence[inside, knee_h36m], 0.0, atol=1e-6)
    guessed = (at >= 5) & (at <= 19)
    assert track.guessed[guessed, wrist_h36m].all() and not track.guessed[~((at > 4) & (at < 20)), wrist_h36m].any()
    np.testing.assert_allclose(track.confidence[guessed, wrist_h36m], 0.3)
    np.testing.assert_allclose(track.keypoints[:, wrist_h36m, 0], 135 + 2 * at, atol=1e-4)  # kept, not moved


@pytest.mark.parametrize("blank, message", [
    pytest.param(np.full(10, True), "expected a person seen for at least 0.2 s in walk.mp4, got 0 of 10",
                 id="nobody"),
    pytest.param(np.arange(10) != 4, "got 1 of 10 frames with one, in shorter pieces",
                 id="one-frame-0.1-s"),  # one frame with a person, 0.1 s
])
def test_nothing_usable_says_so(blank, message):
    detections = walking_detections(frames=10)
    detections.landmarks[blank] = np.nan
    with pytest.raises(ValueError, match=message):
        video_keypoints(detections)


@pytest.mark.parametrize("landmarks, visibility, fps, image_size, pictures, message", [
    pytest.param((3, 17, 2), (3, 17), 10, (640, 480), None,
                 r"landmarks of shape \[F, 33, 2\] with F >= 1, got \[3, 17, 2\]", id="17-landmarks"),
    pytest.param((3, 33, 2), (3, 32), 10, (640, 480), None, r"visibility of shape \[3, 33\], got \[3, 32\]",
                 id="32-visibilities"),
    pytest.param((3, 33, 2), (3, 33), 10, (640, 0), None,
                 "image_size as \\(width, height\\) in whole pixels > 0, got \\(640, 0\\)", id="zero-height"),
    pytest.param((3, 33, 2), (3, 33), float("nan"), (640, 480), None, "fps as a finite number >= 0, got nan",
                 id="nan-fps"),
    pytest.param((3, 33, 2), (3, 33), 10, (640, 480), ["a", "b"], "one picture per frame \\(3\\), got 2",
                 id="2-pictures-3-frames"),
])
def test_detections_refuse_bad_input(landmarks, visibility, fps, image_size, pictures, message):
    extra = {} if pictures is None else {"pictures": pictures}
    with pytest.raises(ValueError, match=message):
        Detections(np.zeros(landmarks), np.ones(visibility), fps, image_size, **extra)


@pytest.fixture(scope="module")
def walking_lift(lifter):
    """12 frames of the walking person, one of them unseen, and their lift (computed once)."""
    detections = walking_detections(frames=12)
    detections.landmarks[3] = np.nan
    return detections, lift_track(video_keypoints(detections), lifter, hypotheses=2, iterations=2)


def test_detections_and_lifts_save_and_load_back(tmp_path, walking_lift):
    detections, lifted = walking_lift
    back = Detections.load(detections.save(tmp_path / "detections.npz"))
    np.testing.assert_array_equal(back.landmarks, detections.landmarks)
    np.testing.assert_array_equal(back.visibility, detections.visibility)
    assert (back.fps, back.image_size, back.start, back.source) == (10.0, (640, 480), 0.0, "walk.mp4")
    path = lifted.save(tmp_path / "lift.npz")
    loaded = VideoLift.load(path)
    np.testing.assert_array_equal(loaded.poses, lifted.poses)
    for name in ("keypoints", "confidence", "times", "segment", "source_frame"):
        np.testing.assert_array_equal(getattr(loaded.track, name), getattr(lifted.track, name), err_msg=name)
    assert (loaded.track.image_size, loaded.track.fps, loaded.track.dropped) == ((640, 480), 50.0, [])
    with np.load(path) as raw:  # what other tools read: the final hypotheses and their aggregate
        np.testing.assert_allclose(raw["hypotheses"], lifted.poses[-1])
        np.testing.assert_allclose(raw["aggregate"], lifted.poses[-1].mean(0), atol=1e-6)
        assert raw["keypoints_2d"].shape == (lifted.track.frames, 17, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["detections.npz", "lift.npz"]


@pytest.mark.parametrize("refused, message", [
    pytest.param(lambda lifted, folder: VideoLift.load(folder / "detections.npz"),
                 "expected a lift file of format ddhpose_lite.video/1, got 'detections'", id="detections-as-a-lift"),
    pytest.param(lambda lifted, folder: lifted.save(folder / "lift.json"),
                 "expected a file name ending in .npz, got 'lift.json'", id="saved-as-json"),
])
def test_lift_files_refuse_what_is_not_a_lift(tmp_path, walking_lift, refused, message):
    detections, lifted = walking_lift
    detections.save(tmp_path / "detections.npz")
    with pytest.raises(ValueError, match=message):
        refused(lifted, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["detections.npz"]  # no partial files left


@pytest.fixture(scope="module")
def lifter():
    return load_pretrained()


def test_each_segment_is_lifted_on_its_own_in_pixels_of_the_image(lifter):
    detections = walking_detections(frames=30)
    detections.landmarks[12:17] = np.nan
    with pytest.warns(UserWarning, match="not lifted"):
        track = video_keypoints(detections)
    lifted = lift_track(track, lifter, hypotheses=2, iterations=2, seed=3)
    assert lifted.poses.shape == (2, 2, track.frames, 17, 3) and lifted.poses.dtype == np.float32
    unzoomed = lift_track(track, lifter, hypotheses=2, iterations=2, seed=3, zoom=False)
    for part in track.segments():  # independently: the normalised keypoints of one segment, lifted alone
        screen = normalize_screen(torch.from_numpy(track.keypoints[part]).double(), 640, 480)
        alone = lifter.lift(screen.float(), hypotheses=2, iterations=2, seed=3)
        np.testing.assert_allclose(unzoomed.poses[:, :, part], alone.poses.numpy(), atol=1e-5)
        alone = lifter.lift(torch.from_numpy(zoomed(screen.numpy())).float(), hypotheses=2, iterations=2, seed=3)
        np.testing.assert_allclose(lifted.poses[:, :, part], alone.poses.numpy(), atol=1e-5)
    result = lifted.result()
    assert result.image_size == (640, 480)
    np.testing.assert_allclose(result.keypoints_2d[:, H36M.index("Pelvis")],
                               np.stack([pelvis_x(track.times) / 640 * 2 - 1, np.full(track.frames, 151 / 640 * 2 - 0.75)],
                                        1), atol=1e-5)
    np.testing.assert_allclose(lifted.aggregate, lifted.poses[-1].mean(0), atol=1e-6)
    assert lifted.uncertainty().shape == (track.frames, 17)
    with pytest.warns(UserWarning, match="not lifted"):
        at_25 = video_keypoints(detections, fps=25)
    with pytest.raises(ValueError, match="expected a track at the model's 50 fps, got 25.0 fps"):
        lift_track(at_25, lifter)


def test_zoom_gives_the_typical_height_about_the_same_centre():
    rng = np.random.default_rng(0)
    small = rng.uniform(-0.05, 0.05, size=(9, 17, 2)) + (0.3, -0.1)
    out = zoomed(small)
    heights = (out.max(1) - out.min(1))[:, 1] / 2
    assert np.median(heights) == pytest.approx(TYPICAL_HEIGHT)
    centre = lambda k: ((k.max(1) + k.min(1)) / 2).mean(0)  # noqa: E731
    np.testing.assert_allclose(centre(out), centre(small), atol=1e-12)
    ratio = (out - centre(out)) / (small - centre(small))
    np.testing.assert_allclose(ratio, ratio.flat[0])  # one scale for every frame, joint and axis
    np.testing.assert_allclose(zoomed(out), out, atol=1e-12)  # already typical: unchanged
    with pytest.raises(ValueError, match="all joints at one height"):
        zoomed(np.zeros((3, 17, 2)))


def test_the_typical_height_is_the_training_median():
    from ddhpose_lite.datasets.coverage import person_scale
    from ddhpose_lite.datasets.embedded import mixed_sequences
    heights = torch.cat([person_scale(s.keypoints_2d)[0] for s in mixed_sequences("train", frames=10_000)])
    assert float(heights.median()) == pytest.approx(TYPICAL_HEIGHT, abs=0.01)


def test_the_shipped_sample_detections():
    detections = Detections.load(SAMPLE_DETECTIONS)
    assert (detections.frames, detections.fps, detections.image_size) == (100, 10.0, (768, 576))
    assert detections.start == SAMPLE_START and detections.source == "vtest.avi"
    assert detections.found.mean() > 0.9
    seen = detections.landmarks[detections.found]
    x0, y0, x1, y1 = SAMPLE_BOX  # the followed man starts inside the box
    assert x0 - 20 < np.nanmedian(seen[0, :, 0]) < x1 + 20 and y0 - 20 < np.nanmedian(seen[0, :, 1]) < y1 + 20
    track = video_keypoints(detections)
    head, ankle = H36M.index("Head"), H36M.index("RAnkle")
    assert (track.keypoints[:, head, 1] < track.keypoints[:, ankle, 1]).all()  # upright the whole time


BACKDROPS = ["data:image/jpeg;base64,AAA", "data:image/jpeg;base64,BBB", "data:image/jpeg;base64,CCC"]
"""One picture per frame of the three-frame backdrop example."""


def backdrop_example() -> tuple[np.ndarray, np.ndarray]:
    """Poses [1, 2, 3, 17, 3] and 2D keypoints [3, 17, 2] of three frames, random."""
    poses = np.random.default_rng(0).normal(0, 0.2, size=(1, 2, 3, 17, 3))
    kp = np.random.default_rng(1).uniform(-0.5, 0.5, size=(3, 17, 2))
    return poses, kp


def test_a_video_backdrop_is_drawn_behind_the_2d_panel():
    poses, kp = backdrop_example()
    pictures = list(BACKDROPS)
    figure = viz.hypothesis_view(poses, kp, backgrounds=pictures, image_size=(640, 480), frame=1)
    (image,) = figure.layout.images
    assert image.source == pictures[1] and (image.xref, image.yref, image.layer) == ("x", "y", "below")
    assert (image.x, image.y, image.sizex, image.sizey) == (-1.0, -0.75, 2.0, 1.5)  # the image in normalised screen
    assert (image.xanchor, image.yanchor, image.sizing) == ("left", "top", "stretch")
    update = viz.hypothesis_update(viz.hypothesis_arrays(poses, kp, backgrounds=pictures, image_size=(640, 480)),
                                   dict(frame=2))
    assert update.layout["images"][0]["source"] == pictures[2]
    assert viz.hypothesis_view(poses, kp).layout.images == ()


@pytest.mark.parametrize("backdrop, message", [
    pytest.param(dict(backgrounds=BACKDROPS[:2], image_size=(640, 480)),
                 r"backgrounds as 3 picture URLs \(one per frame\), got 2", id="2-pictures-3-frames"),
    pytest.param(dict(backgrounds=BACKDROPS), "expected image_size \\(width, height\\) with backgrounds, got None",
                 id="no-image-size"),
])
def test_a_video_backdrop_refuses_pictures_it_cannot_place(backdrop, message):
    poses, kp = backdrop_example()
    with pytest.raises(ValueError, match=message):
        viz.hypothesis_view(poses, kp, **backdrop)


# ---------------------------------------------------------------- with the extra: the real detector on real media


def extra_or_skip():
    """The detector, or a skip with the reason (a failure with DDHPOSE_VIDEO_TESTS=required, as in CI)."""
    try:
        require_video_extra()
    except ImportError as error:
        skip_or_fail(str(error), "DDHPOSE_VIDEO_TESTS")


def media_or_skip(path: Path) -> Path:
    if not path.is_file():
        skip_or_fail(f"{path} is missing: apt install opencv-doc (Debian / Ubuntu) brings OpenCV's sample media",
                     "DDHPOSE_VIDEO_TESTS")
    return path


OPENCV_DATA = SAMPLE_VIDEO.parent


def test_a_real_photo_of_a_person_gives_17_plausible_joints():
    extra_or_skip()
    import cv2
    image = cv2.cvtColor(cv2.imread(str(media_or_skip(OPENCV_DATA / "messi5.jpg"))), cv2.COLOR_BGR2RGB)
    landmarks, visibility = detect_image(image)
    assert landmarks.shape == (33, 2) and visibility.shape == (33,)
    joints, confidence = mediapipe_to_h36m(landmarks[None], visibility[None])
    joints = joints[0]
    h, w = image.shape[:2]
    assert np.isfinite(joints).all() and (joints >= -0.05 * w).all() and (joints[:, 0] <= 1.05 * w).all()
    y = {name: joints[H36M.index(name), 1] for name in H36M.names}
    assert y["Head"] < y["Thorax"] < y["Spine"] < y["Pelvis"]  # upright: image y grows downwards
    assert y["RHip"] < y["RKnee"] < y["RAnkle"] and y["LHip"] < y["LKnee"] < y["LAnkle"]
    shoulders = np.linalg.norm(joints[H36M.index("LShoulder")] - joints[H36M.index("RShoulder")])
    assert 0.3 < shoulders / (y["Pelvis"] - y["Thorax"]) < 1.5  # a torso, not a point cloud
    assert detect_image(np.zeros((240, 320, 3), np.uint8)) is None  # nobody in a black picture


def test_the_whole_path_on_a_second_of_the_sample_video(lifter):
    extra_or_skip()
    path = media_or_skip(SAMPLE_VIDEO)
    info = video_info(path)
    assert info == dict(fps=10.0, frames=795, image_size=(768, 576), rotation=0)
    frames = list(read_frames(path, SAMPLE_START, 0.3))
    assert len(frames) == 3 and frames[0].shape == (576, 768, 3) and frames[0].dtype == np.uint8
    detections, lifted = lift_video(path, lifter, SAMPLE_START, 1.0, SAMPLE_BOX, hypotheses=2, iterations=1,
                                    progress=False)
    assert detections.frames == 10 and detections.found.all()
    assert len(detections.pictures) == 10 and detections.pictures[0].startswith("data:image/jpeg;base64,")
    shipped = Detections.load(SAMPLE_DETECTIONS)  # the same detector on the same frames
    np.testing.assert_allclose(detections.landmarks, shipped.landmarks[:10], atol=2.0)
    assert lifted.poses.shape == (1, 2, 46, 17, 3) and np.isfinite(lifted.poses).all()
    np.testing.assert_allclose(lifted.track.times, SAMPLE_START + np.arange(46) / 50)
    thigh = np.linalg.norm(lifted.aggregate[:, 2] - lifted.aggregate[:, 1], axis=-1)  # RHip-RKnee, metres
    assert (0.25 < thigh).all() and (thigh < 0.6).all()  # a grown-up's thigh (Human3.6M: about 0.45 m)


def a_missing_video(folder: Path):
    return lambda: video_info(folder / "nothing.mp4")


def text_as_a_video(folder: Path):
    text = folder / "notes.mp4"
    text.write_text("not a video")
    return lambda: video_info(text)


def a_box_outside_the_sample_video(folder: Path):
    path = media_or_skip(SAMPLE_VIDEO)
    return lambda: detect_landmarks(path, 0, 0.1, box=(700, 100, 800, 200), progress=False)


@pytest.mark.parametrize("prepare, error, message", [
    pytest.param(a_missing_video, FileNotFoundError,
                 "expected a video file, got '.*nothing.mp4', which does not exist", id="missing-file"),
    pytest.param(text_as_a_video, ValueError, "expected a video OpenCV can read .*, got notes.mp4", id="text-file"),
    pytest.param(a_box_outside_the_sample_video, ValueError,
                 r"box as \(x0, y0, x1, y1\) pixels inside the 768 x 576 image", id="box-outside-the-image"),
])
def test_reading_video_refuses_what_it_cannot_read(tmp_path, prepare, error, message):
    extra_or_skip()
    read = prepare(tmp_path)
    with pytest.raises(error, match=message):
        read()


def test_a_joint_timeline_leaves_time_that_was_not_lifted_blank():
    values = np.arange(4 * 17, dtype=np.float64).reshape(4, 17)
    figure = viz.joint_timeline(values, np.array([0.0, 0.02, 0.5, 0.52]), label="mm")
    (heatmap,) = figure.data
    assert heatmap.x == (0.0, 0.02, 0.04, 0.5, 0.52)  # one empty column after the jump
    z = np.array(heatmap.z, dtype=float)
    assert z.shape == (17, 5) and np.isnan(z[:, 2]).all()
    np.testing.assert_allclose(z[:, [0, 1, 3, 4]], values.T)
    assert list(heatmap.y) == list(H36M.names) and figure.layout.xaxis.title.text == "time (s)"


@pytest.mark.parametrize("arguments, message", [
    pytest.param(lambda values: (values[:, :16],), r"values", id="16-joints"),
    pytest.param(lambda values: (values, np.zeros(3)), r"times", id="3-times-for-4-frames"),
])
def test_a_joint_timeline_refuses_values_or_times_of_the_wrong_shape(arguments, message):
    values = np.arange(4 * 17, dtype=np.float64).reshape(4, 17)
    with pytest.raises(ValueError, match=message):
        viz.joint_timeline(*arguments(values))


def test_smoothing_in_time_keeps_steady_motion_and_damps_jitter():
    frames = np.arange(40, dtype=np.float64)
    steady = np.stack([3.0 + 2.0 * frames, np.full(40, -7.0)], -1)[:, None, :].repeat(17, 1)  # [40, 17, 2]
    np.testing.assert_allclose(smooth_in_time(steady, 2.0), steady, atol=1e-9)  # ends included
    assert smooth_in_time(steady, 0.0) is not None and np.array_equal(smooth_in_time(steady, 0.0), steady)
    spike = np.zeros((21, 1, 1))
    spike[10] = 1.0
    weights = np.exp(-0.5 * (np.arange(-3, 4) / 1.0) ** 2)
    np.testing.assert_allclose(smooth_in_time(spike, 1.0)[7:14, 0, 0], weights / weights.sum(), atol=1e-12)
    noise = np.random.default_rng(0).normal(size=(2000, 17, 2))
    assert smooth_in_time(noise, 2.0).std() < 0.5 * noise.std()  # white noise: std / sqrt(2 sqrt(pi) sigma) ~ 0.4
    out = smooth_in_time(torch.from_numpy(noise).float(), 2.0)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_allclose(smooth_in_time(noise[:1], 2.0), noise[:1])  # one frame: nothing to smooth


@pytest.mark.parametrize("keypoints, sigma, message", [
    pytest.param(lambda noise: noise[0], 1.0, r"keypoints of shape \[F, J, C\] with F >= 1, got \[17, 2\]",
                 id="no-frame-axis"),
    pytest.param(lambda noise: noise, -1, "sigma as a finite number >= 0, got -1", id="negative-sigma"),
])
def test_smoothing_in_time_refuses_keypoints_or_sigma_it_cannot_use(keypoints, sigma, message):
    noise = np.random.default_rng(0).normal(size=(2000, 17, 2))
    with pytest.raises(ValueError, match=message):
        smooth_in_time(keypoints(noise), sigma)


def test_a_track_is_smoothed_by_40_ms_unless_asked_not_to():
    detections = walking_detections(frames=20)
    detections.landmarks[:, :, 1] += np.where(np.arange(20) % 2, 3.0, -3.0)[:, None]  # 3 px of flicker per frame
    rough = video_keypoints(detections, smooth=0)
    track = video_keypoints(detections)
    flicker = lambda t: np.ptp(t.keypoints[20:-20, H36M.index("Head"), 1])  # noqa: E731
    assert flicker(rough) == pytest.approx(6.0)
    assert flicker(track) < 0.6 * flicker(rough)  # a 5 Hz flicker through a 40 ms Gaussian: gain about 0.45
    np.testing.assert_allclose(track.keypoints[:, :, 0], rough.keypoints[:, :, 0], atol=1e-3)  # steady x kept
    assert SMOOTH == 0.04


def test_an_upload_is_saved_under_its_own_name(tmp_path):
    assert saved_upload((), tmp_path) is None
    value = ({"name": "../../clip.mp4", "type": "video/mp4", "size": 3, "content": memoryview(b"abc")},)
    path = saved_upload(value, tmp_path)
    assert path == tmp_path / "clip.mp4" and path.read_bytes() == b"abc"  # never outside the folder


@pytest.mark.parametrize("value, message", [
    pytest.param(({"content": b"abc"},), "expected a FileUpload value", id="no-name-key"),
    pytest.param(({"name": "", "content": b"abc"},), "expected an uploaded file with a name", id="empty-name"),
])
def test_an_upload_refuses_what_is_not_a_named_file(tmp_path, value, message):
    with pytest.raises(ValueError, match=message):
        saved_upload(value, tmp_path)


def test_a_25_fps_video_of_a_large_person_without_a_box(tmp_path, lifter):
    """Any frame rate, the whole frame: a clip written from OpenCV's photo of a footballer."""
    extra_or_skip()
    import cv2
    photo = cv2.imread(str(media_or_skip(OPENCV_DATA / "messi5.jpg")))
    path = tmp_path / "still.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (photo.shape[1], photo.shape[0]))
    for shift in range(10):  # the camera pans 2 px per frame
        writer.write(np.roll(photo, 2 * shift, axis=1))
    writer.release()
    assert video_info(path) == dict(fps=25.0, frames=10, image_size=(548, 342), rotation=0)
    assert video_info(path, fps=12.5)["fps"] == 12.5  # a header that lies can be overruled
    detections = detect_landmarks(path, seconds=None, progress=False)
    assert detections.frames == 10 and detections.found.all() and detections.fps == 25.0
    track = video_keypoints(detections)
    assert track.frames == 19 and track.image_size == (548, 342)  # 0.36 s at 50 fps
    pelvis = track.keypoints[:, H36M.index("Pelvis"), 0]
    assert abs(pelvis[-1] - pelvis[0] - 18) < 6  # follows the 9 x 2 px pan
    lifted = lift_track(track, lifter, hypotheses=1, iterations=1)
    assert np.isfinite(lifted.poses).all()
    slow = detect_landmarks(path, seconds=None, progress=False, fps=12.5, picture_width=0)
    assert slow.fps == 12.5 and slow.pictures is None and video_keypoints(slow).frames == 37


def test_a_person_too_small_for_the_pose_detector_is_found_and_followed():
    extra_or_skip()
    path = media_or_skip(SAMPLE_VIDEO)
    first = next(read_frames(path, SAMPLE_START, 0.1))
    assert detect_image(first) is None  # the whole wide shot: MediaPipe sees nobody
    x0, y0, x1, y1 = find_person(first)
    assert 0 <= x0 < x1 <= 768 and 0 <= y0 < y1 <= 576 and 1.5 < (y1 - y0) / (x1 - x0) < 3  # a standing person
    detections = detect_landmarks(path, SAMPLE_START, 1.0, progress=False, picture_width=0)  # box="auto"
    assert detections.found.mean() >= 0.9
    found = detections.landmarks[detections.found][0]
    assert x0 - 30 < np.median(found[:, 0]) < x1 + 30 and y0 - 30 < np.median(found[:, 1]) < y1 + 30  # that person
    assert find_person(np.zeros((240, 320, 3), np.uint8)) is None
    with pytest.raises(ValueError, match=r"RGB image \[h, w, 3\] of uint8, got float64"):
        find_person(np.zeros((240, 320, 3)))


def test_the_detector_starts_without_c_log_lines_on_stderr(capfd):
    """MediaPipe's TensorFlow Lite and absl start-up messages would be red text in every notebook."""
    extra_or_skip()
    capfd.readouterr()
    assert detect_image(np.zeros((120, 160, 3), np.uint8)) is None
    err = capfd.readouterr().err
    assert "Feedback manager" not in err and "W0000" not in err and "XNNPACK" not in err, err
    print("still works", file=sys.stderr)  # Python's stderr afterwards
    assert "still works" in capfd.readouterr().err


def test_the_landmarks_to_joints_picture():
    landmarks = landmark_hand_example()[0].astype(np.float64)
    joints, _ = mediapipe_to_h36m(landmarks[None])
    figure = viz.landmarks_to_joints(landmarks, joints[0], picture="data:image/png;base64,AAA", image_size=(640, 480))
    ties = next(t for t in figure.data if t.name == "derived from")
    segments = [(ties.x[i], ties.y[i], ties.x[i + 1], ties.y[i + 1]) for i in range(0, len(ties.x), 3)]
    assert len(segments) == 2 + 4 + 2 + 4  # pelvis, spine, thorax, head (eyes and ears)
    head = tuple(np.round(joints[0, H36M.index("Head")], 1))
    assert sum((s[0], s[1]) == head for s in segments) == 4
    assert ((101.0, 151.0, 114.0, 150.0) in segments) and ((101.0, 151.0, 88.0, 152.0) in segments)  # pelvis to hips
    dots = next(t for t in figure.data if t.name == "33 landmarks")
    assert len(dots.x) == 33 and dots.text[0] == "nose" and dots.x[0] == 100.0
    (image,) = figure.layout.images
    assert (image.x, image.y, image.sizex, image.sizey, image.layer) == (0, 0, 640, 480, "below")
    assert figure.layout.yaxis.range[0] > figure.layout.yaxis.range[1]  # y down


@pytest.mark.parametrize("joint_count, options, message", [
    pytest.param(17, dict(picture="data:image/png;base64,AAA"),
                 "expected image_size \\(width, height\\) with a picture, got None", id="picture-without-image-size"),
    pytest.param(16, {}, r"joints", id="16-joints"),
])
def test_the_landmarks_to_joints_picture_refuses_what_it_cannot_draw(joint_count, options, message):
    landmarks = landmark_hand_example()[0].astype(np.float64)
    joints, _ = mediapipe_to_h36m(landmarks[None])
    with pytest.raises(ValueError, match=message):
        viz.landmarks_to_joints(landmarks, joints[0, :joint_count], **options)


@pytest.mark.parametrize("info, start, seconds, expected", [
    (dict(fps=10.0, frames=30), 0.0, 10.0, 30),     # issue 27: a 3 s clip asked for 10 s: 30 frames, not 100
    (dict(fps=10.0, frames=300), 0.0, 10.0, 100),   # a long clip: what was asked
    (dict(fps=10.0, frames=300), 25.0, 10.0, 50),   # from 25 s: the 5 s left
    (dict(fps=25.0, frames=10), 0.0, None, 10),     # to the end
    (dict(fps=25.0, frames=0), 0.0, 2.0, 50),       # no frame count in the header: what was asked
    (dict(fps=25.0, frames=0), 0.0, None, None),    # nor a length: unknown
])
def test_the_detection_bar_counts_the_frames_the_clip_has(info, start, seconds, expected):
    from ddhpose_lite.video import expected_frames
    assert expected_frames(info, start, seconds) == expected
