"""Tests of the figures added for lesson 02: pose_gallery, bone_lengths_over_time and
perturbation_explorer (viz), run headless."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from ddhpose_lite import viz
from ddhpose_lite.bones import disentangle, rest_pose
from ddhpose_lite.skeleton import H36M

RHIP, LHIP = 1, 4


def turned(pose: torch.Tensor, degrees: float) -> torch.Tensor:
    """The pose turned about the vertical (z) axis through the origin."""
    a = np.radians(degrees)
    rotation = torch.tensor([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]],
                            dtype=pose.dtype)
    return pose @ rotation.T


def points(trace) -> np.ndarray:
    return np.array([p for p in zip(trace.x, trace.y, trace.z) if p[0] is not None], dtype=float)


# ---------------------------------------------------------------- pose_gallery


def test_gallery_is_one_scene_with_few_traces():
    poses = {f"pose {i}": rest_pose() for i in range(7)}
    fig = viz.pose_gallery(poses, columns=3)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [f"level {k} bones" for k in range(1, 6)] + ["joints", "labels"]
    assert all(t.type == "scatter3d" for t in fig.data)
    assert "scene2" not in fig.layout  # one WebGL context, however many poses
    assert len(fig.data[-2].x) == 7 * 17
    assert list(fig.data[-1].text) == list(poses)


def test_gallery_places_poses_on_a_grid_and_faces_them_front():
    base = rest_pose() + torch.tensor([3.0, -2.0, 1.0])  # anywhere, pelvis 1 m up
    poses = {"a": base, "b": turned(base, 90.0), "c": turned(base, -135.0)}
    fig = viz.pose_gallery(poses, columns=2, spacing=1.5)
    joints = points(fig.data[-2]).reshape(3, 17, 3)
    heights = [float(p[:, 2].max() - p[:, 2].min()) for p in joints]
    row_height = max(heights) + 0.45
    expected_roots = [(0.0, 0.0, 1.0), (-1.5, 0.0, 1.0), (0.0, 0.0, 1.0 - row_height)]
    np.testing.assert_allclose(joints[:, 0], expected_roots, atol=2e-3)
    for pose in joints:  # each faces +y: hips along +x, right hip on +x
        right = pose[RHIP] - pose[LHIP]
        assert right[0] > 0.2 and abs(right[1]) < 2e-3
        np.testing.assert_allclose(pose - pose[0], joints[0] - joints[0, 0], atol=3e-3)  # same shape


def test_gallery_keeps_heading_when_asked():
    pose = turned(rest_pose(), 90.0)
    joints = points(viz.pose_gallery({"a": pose}, face_front=False).data[-2])
    np.testing.assert_allclose(joints, pose.numpy(), atol=1e-3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(poses={}), "at least one pose"),
    (dict(columns=0), "columns"),
    (dict(spacing=-1.0), "spacing"),
    (dict(poses={"bad": torch.zeros(16, 3)}), r"\[17, 3\]"),
])
def test_gallery_bad_input(kwargs, message):
    args = dict(poses={"a": rest_pose()}) | kwargs
    poses = args.pop("poses")
    with pytest.raises(ValueError, match=message):
        viz.pose_gallery(poses, **args)


# ---------------------------------------------------------------- bone_lengths_over_time


def test_bone_lengths_over_time_draws_one_line_per_series_and_bone():
    clip = rest_pose().expand(30, 17, 3)
    length, _ = disentangle(clip)  # [30, 16, 1]
    fig = viz.bone_lengths_over_time({"clean": length, "flat": length[..., 0].numpy()},
                                     bones=("RKnee", 13), fps=10)
    assert [t.name for t in fig.data] == ["RHip→RKnee: clean", "LElbow→LWrist: clean",
                                          "RHip→RKnee: flat", "LElbow→LWrist: flat"]
    assert fig.data[0].x[-1] == pytest.approx(2.9)  # 30 frames at 10 fps
    assert fig.data[0].y[0] == pytest.approx(45.0, abs=0.01)  # centimetres
    assert fig.data[1].y[5] == pytest.approx(25.0, abs=0.01)
    assert fig.data[0].line.width > fig.data[2].line.width  # the first series stands out
    assert fig.data[0].line.color == fig.data[2].line.color  # one colour per bone


@pytest.mark.parametrize("lengths, bones, message", [
    ({}, ("RKnee",), "non-empty"),
    ({"a": torch.ones(5, 15, 1)}, ("RKnee",), r"\[F, 16, 1\]"),
    ({"a": torch.ones(5, 16, 1), "b": torch.ones(6, 16, 1)}, ("RKnee",), "same number of frames"),
    ({"a": torch.ones(5, 16, 1)}, ("Pelvis",), "root"),
    ({"a": torch.ones(5, 16, 1)}, (), "at least one bone"),
])
def test_bone_lengths_over_time_bad_input(lengths, bones, message):
    with pytest.raises(ValueError, match=message):
        viz.bone_lengths_over_time(lengths, bones=bones)


# ---------------------------------------------------------------- perturbation_explorer


def steps_for(pose: torch.Tensor, scales=(0.01, 0.05)) -> dict:
    generator = torch.Generator().manual_seed(0)
    steps = {}
    for s in scales:
        noisy = pose + s * torch.randn(17, 3, generator=generator)
        steps[f"{s}"] = (noisy, {"a": [0, 1, 2, 3, 4, 5 * s], "b": np.full(6, s)})
    return steps


def test_explorer_with_one_step_is_static():
    pose = rest_pose()
    fig = viz.perturbation_explorer(pose, steps_for(pose, (0.02,)))
    names = [t.name for t in fig.data]
    assert names[:2] == ["clean: bones", "clean"] and names[-2:] == ["a", "b"]
    assert names[7] == "noisy" and len(fig.data) == 2 + 6 + 2
    assert not fig.frames and not fig.layout.sliders
    assert fig.layout.scene.domain.x == (0.0, 0.5)
    assert fig.layout.yaxis.range[1] == pytest.approx(1.1 * 4)  # 10 % above the largest value


def test_explorer_slider_swaps_noisy_pose_and_values():
    pose = rest_pose()
    steps = steps_for(pose)
    fig = viz.perturbation_explorer(pose, steps, ymax=3.0)
    assert len(fig.frames) == 2
    assert [s.label for s in fig.layout.sliders[0].steps] == list(steps)
    assert fig.layout.yaxis.range[1] == 3.0
    last = fig.frames[1]
    assert list(last.traces) == list(range(2, 10))  # the noisy pose (6 traces) and both series
    noisy = steps["0.05"][0].numpy()
    np.testing.assert_allclose(np.array([last.data[5].x, last.data[5].y, last.data[5].z]).T, noisy, atol=1e-3)
    assert list(last.data[7].y) == pytest.approx([0.05] * 6)
    clean = points(fig.data[1])
    np.testing.assert_allclose(clean, pose.numpy(), atol=1e-3)  # the clean pose never moves


def test_explorer_camera_frame_draws_upright():
    pose = torch.stack([rest_pose()[:, 0], -rest_pose()[:, 2], 3 - rest_pose()[:, 1]], -1)  # camera coords
    fig = viz.perturbation_explorer(pose, steps_for(pose, (0.02,)), frame="camera")
    head, ankle = fig.data[1].z[10], fig.data[1].z[3]
    assert head > ankle


@pytest.mark.parametrize("steps, message", [
    ({}, "non-empty"),
    ({"x": rest_pose()}, r"\(noisy pose"),
    ({"x": (rest_pose(), {"a": [1, 2, 3]})}, r"\[6\]"),
    ({"x": (rest_pose(), {"a": np.zeros(6)}), "y": (rest_pose(), {"b": np.zeros(6)})}, "same series|series"),
])
def test_explorer_bad_input(steps, message):
    with pytest.raises(ValueError, match=message):
        viz.perturbation_explorer(rest_pose(), steps)
