"""Tests of the hypothesis figures of lesson 06 (viz.hypotheses), run headless."""
import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from conftest import HYPOTHESIS_SHAPE, make_result

from ddhpose_lite import metrics, viz
from ddhpose_lite.camera import Camera

K, H, F = HYPOTHESIS_SHAPE


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
    (dict(hypothesis=4), r"hypothesis as an int in 0..3 or 'all', got 4"),
    (dict(hypothesis="mean"), "hypothesis as an int in 0..3 or 'all'"),
    (dict(iteration=3), "iteration as an int in 0..2"),
    (dict(iteration=-4), "iteration as an int in 0..2"),
    (dict(frame=6), "frame as an int in 0..5"),
])
def test_view_rejects_bad_choices(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.hypothesis_view(make_result(), **kwargs)


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda r: viz.hypothesis_view(r.poses, r.keypoints_2d[:5]),
                 "expected keypoints_2d of shape [6, 17, 2], got [5, 17, 2]", id="5-frames-of-keypoints"),
    pytest.param(lambda r: viz.hypothesis_view(r.poses[0], r.keypoints_2d),
                 "expected poses of shape [K, H, F, 17, 3], got [4, 6, 17, 3]", id="poses-without-iterations"),
    pytest.param(lambda r: viz.hypothesis_view(r.poses),
                 "expected keypoints_2d [F, 17, 2] with poses given as an array, got None", id="no-keypoints"),
    pytest.param(lambda r: viz.hypothesis_view(r.poses, r.keypoints_2d, reprojections=np.zeros((3, 4, 6, 17, 3))),
                 "expected reprojections of shape [3, 4, 6, 17, 2], got [3, 4, 6, 17, 3]", id="3d-reprojections"),
    pytest.param(lambda r: viz.hypothesis_view(r.poses * float("nan"), r.keypoints_2d),
                 f"expected finite poses, got {K * H * F * 17 * 3} NaN or infinite values", id="nan-poses"),
])
def test_view_rejects_bad_shapes(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call(make_result())


def test_default_reprojection_is_the_weak_perspective_fit_of_metrics():
    result = make_result()
    arrays = viz.hypothesis_arrays(result.poses, result.keypoints_2d)
    p_agg = result.poses.double().mean(1)  # [K, F, J, 3]
    scale, shift = metrics.weak_perspective_fit(p_agg, result.keypoints_2d.double().expand(K, F, 17, 2))
    expected = scale[:, None] * result.poses.double()[..., :2] + shift[:, None]
    np.testing.assert_allclose(arrays.reproj, expected.numpy(), atol=1e-9)
    assert (arrays.K, arrays.H, arrays.F) == (K, H, F)


def test_hypothesis_update_turns_one_view_into_another():
    result = make_result()
    arrays = viz.hypothesis_arrays(result, truth=result.poses[-1, 0])
    first = viz.hypothesis_state(arrays)
    worst = int(result.uncertainty()[:, 1:].mean(-1).argmax())
    assert first == dict(iteration=K - 1, hypothesis="all", frame=worst)  # where they disagree most
    fig = viz.hypothesis_figure(arrays, first)
    other = dict(iteration=0, hypothesis=2, frame=4)
    viz.apply_update(fig, viz.hypothesis_update(arrays, other))
    assert fig.to_json() == viz.hypothesis_figure(arrays, other).to_json()
    assert [trace.name for trace in fig.data] == list(viz.HYPOTHESIS_TRACES)
    with pytest.raises(ValueError, match="frame as an int in 0..5, got 6"):
        viz.hypothesis_update(arrays, dict(other, frame=6))


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


def test_3d_panel_is_seen_from_far_enough_for_its_axis_labels():
    """Lesson 06 (issue 27): seen from the usual distance × 1.15 the tall box of a camera-frame pose
    filled the 3D panel, and its left axis was cut ("0.5" showed as "5", "-y (m, up)" was gone; in
    the kernel-free twin, 320 px tall above its sliders, "x (m, right)"). Measured in Chromium
    (tests/helpers/figure_labels.scene_edges): from × 1.45 nothing reaches the panel's edges."""
    from ddhpose_lite.viz.core import _EYES
    for fig in (viz.hypothesis_view(make_result()), viz.hypothesis_explorer(make_result(), frames=[0, 3])):
        eye = fig.layout.scene.camera.eye
        ratio = np.linalg.norm([eye.x, eye.y, eye.z]) / np.linalg.norm(list(_EYES["camera"].values()))
        assert ratio == pytest.approx(1.45, abs=0.01)
