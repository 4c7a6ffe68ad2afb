"""Lesson 06: the hypothesis views (viz.hypothesis_view / hypothesis_explorer) and the scrubber widget."""
import time

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from ddhpose_lite import viz, widgets
from ddhpose_lite.bones import rest_pose
from ddhpose_lite.camera import Camera
from ddhpose_lite.lifter import LiftResult

K, H, F = 3, 4, 6


def make_result(seed: int = 0) -> LiftResult:
    generator = torch.Generator().manual_seed(seed)
    pose = rest_pose()[:, [0, 2, 1]] * torch.tensor([1.0, -1.0, 1.0])  # upright in camera axes (y down)
    poses = pose + 0.04 * torch.randn(K, H, F, 17, 3, generator=generator)
    poses = poses - poses[..., :1, :]
    keypoints = pose[None, :, :2].repeat(F, 1, 1) / 4 + 0.01 * torch.randn(F, 17, 2, generator=generator)
    return LiftResult(poses, keypoints)


def test_view_traces_and_selection():
    result = make_result()
    fig = viz.hypothesis_view(result, iteration=-1, hypothesis="all", frame=2)
    assert isinstance(fig, go.Figure) and len(fig.data) == len(viz.HYPOTHESIS_TRACES) == 8
    others = fig.data[viz.HYPOTHESIS_TRACES["others"]]
    assert sum(v is None for v in others.x) == H * 16  # every hypothesis' 16 bones, thin
    selected = np.array([v for v in fig.data[viz.HYPOTHESIS_TRACES["selected"]].x if v is not None])
    mean_display = viz.to_display(result.p_agg()[2].numpy(), "camera")
    np.testing.assert_allclose(selected[:2], mean_display[[0, 1], 0], atol=1e-3)  # the aggregate, thick
    assert "iteration 3 of 3" in fig.layout.title.text and "all hypotheses" in fig.layout.title.text
    one = viz.hypothesis_view(result.poses, result.keypoints_2d, iteration=0, hypothesis=1, frame=2)
    assert sum(v is None for v in one.data[0].x) == (H - 1) * 16  # the others, faint
    joints = one.data[viz.HYPOTHESIS_TRACES["joints"]]
    np.testing.assert_allclose(joints.x, viz.to_display(result.poses[0, 1, 2].numpy(), "camera")[:, 0], atol=1e-3)
    spread_mm = result.uncertainty(0)[2].numpy() * 1000
    np.testing.assert_allclose(joints.marker.color, spread_mm, atol=0.06)  # coloured by uncertainty
    assert "hypothesis 2 of 4" in one.layout.title.text
    assert len(one.data[viz.HYPOTHESIS_TRACES["truth"]].x) == 0  # no ground truth given


def test_view_with_truth_and_camera_reprojections():
    result = make_result()
    camera = Camera(1000, 1000, (1000.0, 1000.0), (500.0, 500.0))
    trajectory = torch.tensor([[0.0, 0.0, 4.0]]).repeat(F, 1)
    fig = viz.hypothesis_view(result.poses, result.keypoints_2d, reprojections=result.reproject(camera, trajectory),
                              truth=result.poses[0, 0], hypothesis=0)
    assert len(fig.data[viz.HYPOTHESIS_TRACES["truth"]].x) == 16 * 3
    reprojected = [v for v in fig.data[viz.HYPOTHESIS_TRACES["reprojected"]].x if v is not None]
    expected = result.reproject(camera, trajectory)[-1, 0, 0].numpy()
    np.testing.assert_allclose(reprojected[:2], expected[[0, 1], 0], atol=1e-4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(hypothesis=4), "hypothesis 'all' or an int in 0..3"),
    (dict(hypothesis="mean"), "hypothesis 'all'"),
    (dict(iteration=3), "iteration as an int in 0..2"),
    (dict(iteration=-4), "iteration as an int in 0..2"),
    (dict(frame=6), "frame as an int in 0..5"),
])
def test_view_rejects_bad_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.hypothesis_view(make_result(), **kwargs)


def test_view_rejects_bad_shapes():
    result = make_result()
    with pytest.raises(ValueError, match=r"keypoints_2d of shape \[6, 17, 2\]"):
        viz.hypothesis_view(result.poses, result.keypoints_2d[:5])
    with pytest.raises(ValueError, match=r"poses of shape \[K, H, F, 17, 3\]"):
        viz.hypothesis_view(result.poses[0], result.keypoints_2d)
    with pytest.raises(ValueError, match="keypoints_2d \\[F, 17, 2\\]"):
        viz.hypothesis_view(result.poses)
    with pytest.raises(ValueError, match=r"reprojections of shape \[3, 4, 6, 17, 2\]"):
        viz.hypothesis_view(result.poses, result.keypoints_2d, reprojections=np.zeros((3, 4, 6, 17, 3)))
    with pytest.raises(ValueError, match="finite poses"):
        viz.hypothesis_view(result.poses * float("nan"), result.keypoints_2d)


def test_explorer_frames_and_sliders():
    result = make_result()
    fig = viz.hypothesis_explorer(result, truth=result.poses[-1, 0], frames=[0, 3, 5])
    assert len(fig.layout.sliders) == 2
    combos, clip = fig.layout.sliders
    assert len(combos.steps) == K * (H + 1) and len(clip.steps) == 3
    names = {frame.name for frame in fig.frames}
    assert {step.args[0][0] for step in combos.steps} | {step.args[0][0] for step in clip.steps} == names
    assert all(len(frame.data) == len(viz.HYPOTHESIS_TRACES) for frame in fig.frames)
    assert combos.steps[0].label == "1·all" and combos.steps[-1].label == f"{K}·{H}"
    worst = int(result.uncertainty()[:, 1:].mean(-1).argmax())
    assert f"frame {worst}" in combos.currentvalue.prefix  # default: where the hypotheses disagree most
    assert len(fig.to_json()) < 400_000
    with pytest.raises(ValueError, match="at least one clip frame"):
        viz.hypothesis_explorer(result, frames=[])


def test_scrubber_updates_in_place_without_the_model():
    result = make_result()
    scrubber = widgets.hypothesis_scrubber(result.poses, result.keypoints_2d, frame=1)
    assert scrubber.state == dict(iteration=K - 1, hypothesis="all", frame=1)
    figure, traces = scrubber.figure, list(scrubber.figure.data)
    scrubber.update(iteration=0, hypothesis=2, frame=4)
    assert scrubber.figure is figure and list(figure.data) == traces  # the same objects, new data
    assert scrubber.state == dict(iteration=0, hypothesis=2, frame=4)
    assert (scrubber.iteration.value, scrubber.hypothesis.value, scrubber.frame.value) == (1, 2, 4)
    expected = viz.hypothesis_view(result, iteration=0, hypothesis=2, frame=4)
    for got, want in zip(figure.data, expected.data):
        assert got.x == want.x
    assert figure.layout.title.text == expected.layout.title.text
    scrubber.update(hypothesis="all")  # the others keep their value
    assert scrubber.state == dict(iteration=0, hypothesis="all", frame=4)
    scrubber.iteration.value = 3  # moving a slider runs the callback (1-based on the slider)
    assert scrubber.state["iteration"] == 2
    scrubber.hypothesis.value = 0
    scrubber.frame.value = 0
    assert scrubber.state == dict(iteration=2, hypothesis=0, frame=0)
    with pytest.raises(ValueError, match="frame as an int in 0..5"):
        scrubber.update(frame=6)


def test_scrubber_with_a_lift_result_and_camera():
    result = make_result()
    camera = Camera(1000, 1000, (1000.0, 1000.0), (500.0, 500.0))
    trajectory = torch.tensor([[0.0, 0.0, 4.0]]).repeat(F, 1)
    scrubber = widgets.hypothesis_scrubber(result, camera=camera, trajectory=trajectory)
    worst = int(result.uncertainty()[:, 1:].mean(-1).argmax())
    assert scrubber.state["frame"] == worst
    np.testing.assert_allclose(scrubber.arrays["reproj"], result.reproject(camera, trajectory).numpy())
    with pytest.raises(ValueError, match="camera and trajectory only with a LiftResult"):
        widgets.hypothesis_scrubber(result.poses, result.keypoints_2d, camera=camera, trajectory=trajectory)


def test_scrubber_callback_is_fast():
    scrubber = widgets.hypothesis_scrubber(make_result())
    timings = []
    for k in range(12):
        start = time.perf_counter()
        scrubber.update(iteration=k % K, hypothesis="all" if k % 3 == 0 else k % H, frame=k % F)
        timings.append(time.perf_counter() - start)
    assert float(np.median(timings)) < 0.2  # seconds; the target is 50 ms (benchmarks/lift_speed.py), with slack for a busy CI
