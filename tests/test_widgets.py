"""Tests of the interactive controls (widgets), run headless: every ``Explorer`` redraws its
FigureWidgets in place through ``viz``'s update functions, from ``update(...)`` and from its
controls alike, and ``widgets.py`` uses only public names of ``viz``."""
from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from conftest import (
    ATTENTION_CONFIG,
    FIGURE_WIDTH,
    HYPOTHESIS_SHAPE,
    expected_noisy,
    joints_of,
    make_result,
    random_inputs,
    sizes_by_joint,
    z_of,
)

from ddhpose_lite import viz, widgets
from ddhpose_lite.camera import Camera
from ddhpose_lite.model import capture_attention

LSHOULDER, LELBOW, LWRIST, RWRIST = 11, 12, 13, 16
K, H, F = HYPOTHESIS_SHAPE
FRAMES = ATTENTION_CONFIG.frames
PAIR = viz.PAIR_TRACES
LEFT_JOINTS, RIGHT_JOINTS, MARKER = PAIR["left"][-1], PAIR["right"][-1], PAIR["marker"]
T = viz.ATTENTION_EXPLORER_TRACES


def test_widgets_use_only_public_names_of_viz():
    tree = ast.parse(Path(widgets.__file__).read_text())
    reached = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "viz":
            reached.append(node.attr)
        if isinstance(node, ast.ImportFrom) and "viz" in (node.module or ""):
            reached += [alias.name for alias in node.names]
    assert reached, "widgets.py no longer uses viz?"
    private = sorted({name for name in reached if name not in viz.__all__})
    assert private == [], f"widgets.py reaches into viz: {private}"


# ---------------------------------------------------------------- the Explorer base


def _picker(pose):
    return widgets.joint_picker(pose=pose)


def _scrubber(pose):
    return widgets.hypothesis_scrubber(make_result())


@pytest.mark.parametrize("make, act, error, message, state", [
    pytest.param(_picker, lambda e: e.update(joint=3), ValueError, "expected changes to ['dropdown'], got ['joint']",
                 {"dropdown": LELBOW}, id="picker-unknown-control"),
    pytest.param(_picker, lambda e: e.update(17), ValueError, "expected a joint index in 0..16 or a joint name, got 17",
                 {"dropdown": LELBOW}, id="picker-joint-17"),
    pytest.param(_scrubber, lambda e: e.update(1), TypeError,
                 "expected one value for a single control, or keywords ['iteration', 'hypothesis', 'frame']", None,
                 id="scrubber-one-value-for-three-controls"),
    pytest.param(_scrubber, lambda e: e.slider, AttributeError, "Explorer has no attribute 'slider'", None,
                 id="scrubber-no-control-slider"),
])
def test_explorer_checks_before_changing_anything(pose, make, act, error, message, state):
    explorer = make(pose)
    state = state or dict(explorer.state)  # None: the state it started in
    before = explorer.figure.to_dict()
    with pytest.raises(error, match=re.escape(message)):
        act(explorer)
    assert explorer.state == state and explorer.figure.to_dict() == before


def test_default_sizes_fit_jupyterlab_output_area(pose, schedule, oracle_run, capture):
    """JupyterLab's output area is 848 px wide at a 1280 px window with the file browser open, less
    the notebook's scrollbar (conftest.OUTPUT_AREA): at 840 px the figures overflowed it."""
    trajectory, x0_poses, xt_poses = oracle_run
    maps, _ = capture
    picker = widgets.joint_picker(pose=pose)
    explorers = [
        picker,
        widgets.timestep_scrubber(pose, schedule),
        widgets.ddim_scrubber(x0_poses, xt_poses, trajectory.times, schedule.alpha_bar),
        widgets.attention_explorer(maps),
        widgets.hypothesis_scrubber(make_result()),
    ]
    assert picker.figure.layout.width + picker.tree.layout.width <= FIGURE_WIDTH  # side by side
    for explorer in explorers:
        for output in explorer.outputs.values():
            if isinstance(output, go.FigureWidget):
                assert output.layout.width <= FIGURE_WIDTH
        widths = [int(control.layout.width.removesuffix("px")) for control in explorer.controls.values()]
        assert sum(widths) <= FIGURE_WIDTH, widths


def test_a_refused_control_move_puts_the_control_back(pose):
    """A control whose new value the callback refuses (as the 'mean' head once was) must not keep
    showing a choice the figures do not show: it moves back, and the error still surfaces."""
    picker = widgets.joint_picker(pose=pose)
    picker.dropdown.options = [*picker.dropdown.options, ("17 Tail", 17)]  # an option the check refuses
    picker.update("LWrist")  # (new options reset the dropdown to its first one)
    before = picker.figure.to_dict()
    with pytest.raises(ValueError, match="joint index in 0..16"):
        picker.dropdown.value = 17  # what choosing it in the browser does
    assert picker.dropdown.value == LWRIST and picker.state == {"dropdown": LWRIST}
    assert picker.figure.to_dict() == before
    picker.dropdown.value = LELBOW  # the control still works
    assert picker.state == {"dropdown": LELBOW}


# ---------------------------------------------------------------- joint picker (lesson 01)


def test_joint_picker_callback_updates_the_figures_in_place(pose):
    picker = widgets.joint_picker(pose=pose)
    assert isinstance(picker.figure, go.FigureWidget) and isinstance(picker.tree, go.FigureWidget)
    assert picker.dropdown.value == LELBOW
    assert set(sizes_by_joint(picker.figure.data[-1])) == {0, 7, 8, LSHOULDER, LELBOW, LWRIST}
    figure_before = picker.figure

    picker.update("RWrist")
    assert picker.figure is figure_before  # updated in place, not replaced
    assert set(sizes_by_joint(picker.figure.data[-1])) == {0, 7, 8, 14, 15, RWRIST}
    assert set(sizes_by_joint(picker.tree.data[0])) == {0, 7, 8, 14, 15, RWRIST}
    assert picker.dropdown.value == RWRIST
    assert "RWrist (16)" in picker.info.value and "(RShoulder, RElbow, RWrist)" in picker.info.value
    np.testing.assert_allclose(picker.figure.data[-1].x[-2], float(pose[RWRIST, 0]), atol=5e-4)

    picker.dropdown.value = 0  # what a click in the dropdown does
    assert set(sizes_by_joint(picker.figure.data[-1])) == {0, 1, 4, 7}
    assert "none (the root)" in picker.info.value
    assert "application/vnd.jupyter.widget-view+json" in picker._repr_mimebundle_()


def test_joint_picker_without_the_tree(pose):
    picker = widgets.joint_picker(pose=pose, show_tree=False, joint="RKnee")
    assert list(picker.outputs) == ["figure", "info"]
    picker.update(LWRIST)
    assert set(sizes_by_joint(picker.figure.data[-1])) == {0, 7, 8, LSHOULDER, LELBOW, LWRIST}


# ---------------------------------------------------------------- diffusion scrubbers (lesson 03)


def test_timestep_scrubber_updates_the_figure_in_place(pose, schedule):
    scrubber = widgets.timestep_scrubber(pose, schedule, seed=2, t=100)
    assert isinstance(scrubber.figure, go.FigureWidget)
    traces = list(scrubber.figure.data)
    bones, joints = expected_noisy(pose, 100, schedule, seed=2)
    np.testing.assert_allclose(joints_of(traces[LEFT_JOINTS]), bones, atol=6e-4)
    scrubber.update(700)
    assert scrubber.slider.value == 700
    assert all(a is b for a, b in zip(scrubber.figure.data, traces))  # the same traces, new data
    bones, joints = expected_noisy(pose, 700, schedule, seed=2)
    np.testing.assert_allclose(joints_of(scrubber.figure.data[LEFT_JOINTS]), bones, atol=6e-4)
    np.testing.assert_allclose(joints_of(scrubber.figure.data[RIGHT_JOINTS]), joints, atol=6e-4)
    assert scrubber.figure.data[MARKER].x == (700,)
    assert "t = 700" in scrubber.figure.layout.title.text
    scrubber.slider.value = 0  # moving the slider runs the same callback
    assert scrubber.figure.data[MARKER].x == (0,) and scrubber.state == {"slider": 0}
    with pytest.raises(ValueError, match="expected t as an int in 0..999, got 1000"):
        scrubber.update(1000)


def test_ddim_scrubber_steps_to_the_sample(pose, schedule, oracle_run):
    trajectory, x0_poses, xt_poses = oracle_run
    scrubber = widgets.ddim_scrubber(x0_poses, xt_poses, trajectory.times, schedule.alpha_bar, truth=pose)
    assert scrubber.slider.max == 5 and not scrubber.figure.frames
    np.testing.assert_allclose(joints_of(scrubber.figure.data[LEFT_JOINTS]), xt_poses[0].numpy(), atol=6e-4)
    scrubber.update(2)
    np.testing.assert_allclose(joints_of(scrubber.figure.data[LEFT_JOINTS]), xt_poses[2].numpy(), atol=6e-4)
    assert scrubber.figure.data[MARKER].x == (599,)
    scrubber.update(5)
    np.testing.assert_allclose(joints_of(scrubber.figure.data[LEFT_JOINTS]), pose.numpy(), atol=6e-4)
    assert scrubber.figure.layout.title.text.startswith("done")


# ---------------------------------------------------------------- attention explorer (lesson 04)


def test_attention_explorer_updates_the_figure_in_place(capture):
    maps, prediction = capture
    explorer = widgets.attention_explorer(maps, pose=prediction[1], sample=1, layer=1, head=0, joint=LELBOW, frame=0)
    assert isinstance(explorer.figure, go.FigureWidget)
    traces = list(explorer.figure.data)
    explorer.update(layer=2, head=3, joint="RWrist", frame=6)
    assert all(a is b for a, b in zip(explorer.figure.data, traces))  # the same traces, new data
    assert (explorer.layer.value, explorer.head.value, explorer.joint.value, explorer.frame.value) == (2, 3, RWRIST, 6)
    np.testing.assert_allclose(z_of(explorer.figure.data[T["spatial"]]),
                               maps.spatial[2][FRAMES + 6, 3].numpy(), atol=5e-5)
    np.testing.assert_allclose(z_of(explorer.figure.data[T["temporal"]]), maps.temporal[2][17 + RWRIST, 3].numpy(),
                               atol=5e-5)
    joints = explorer.figure.data[T["joints"]]
    np.testing.assert_allclose(np.c_[joints.x, joints.y, joints.z], viz.to_display(prediction[1, 6], "camera"), atol=6e-4)
    assert [(s.y0 + s.y1) / 2 for s in explorer.figure.layout.shapes] == [RWRIST, 6]
    explorer.update(head="mean")  # the other choices stay
    assert explorer.state == dict(layer=2, head="mean", joint=RWRIST, frame=6)
    np.testing.assert_allclose(z_of(explorer.figure.data[T["spatial"]]),
                               maps.spatial[2][FRAMES + 6].mean(0).numpy(), atol=5e-5)
    explorer.frame.value = 1  # moving a control runs the same callback
    assert explorer.state["frame"] == 1 and "frame 1" in explorer.figure.layout.title.text
    explorer.joint.value = 0
    np.testing.assert_allclose(explorer.figure.data[T["joints"]].marker.color,
                               maps.spatial[2][FRAMES + 1].mean(0)[0].numpy(), atol=5e-5)
    with pytest.raises(ValueError, match=r"layer as an int in 0..2, got 7"):
        explorer.update(layer=7)
    assert explorer.state["layer"] == 2  # a bad choice changes nothing
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_attention_explorer_mean_option_of_the_head_dropdown(capture):
    """The bug seen in JupyterLab: the dropdown's 'mean' option had the value 4 (= the number of
    heads), which the callback refused, so the figure stayed on the previous head."""
    maps, _ = capture
    explorer = widgets.attention_explorer(maps, layer=1, head=2, joint=LELBOW, frame=3)
    labels = [label for label, _ in explorer.head.options]
    explorer.head.index = labels.index("mean")  # what the browser sends when the option is picked
    assert explorer.head.value == "mean" and explorer.state["head"] == "mean"
    mean = maps.spatial[1][3].mean(0).numpy()
    np.testing.assert_allclose(z_of(explorer.figure.data[T["spatial"]]), mean, atol=5e-5)
    np.testing.assert_allclose(explorer.figure.data[T["joints"]].marker.color, mean[LELBOW], atol=5e-5)
    assert "mean of heads" in explorer.figure.layout.title.text
    explorer.head.value = 0
    explorer.head.value = "mean"  # the value itself works too
    np.testing.assert_allclose(z_of(explorer.figure.data[T["spatial"]]), mean, atol=5e-5)


def test_attention_explorer_runs_the_model_once(attention_model):
    calls = []
    hook = attention_model.register_forward_hook(lambda *args: calls.append(1))
    try:
        keypoints, bones, _ = random_inputs(1, seed=4)
        explorer = widgets.attention_explorer(attention_model, keypoints[0], bones[0], t=300, head="mean")
        for frame in range(3):
            explorer.update(frame=frame, joint=frame)
    finally:
        hook.remove()
    assert len(calls) == 1  # maps are precomputed: no model call on a control move
    with torch.no_grad(), capture_attention(attention_model) as maps:
        expected = attention_model(keypoints, bones, torch.tensor([300]))
    torch.testing.assert_close(explorer.prediction, expected[0])
    np.testing.assert_allclose(explorer.arrays.temporal[1, 2, 5], maps.temporal[1][5, 2].numpy(), atol=1e-6)
    assert explorer.frame.value == 2 and explorer.frame.max == FRAMES - 1


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda model, maps: widgets.attention_explorer(model),
                 "expected keypoints_2d [F, 17, 2] to run the model on, got None", id="model-without-keypoints"),
    pytest.param(lambda model, maps: widgets.attention_explorer(model, torch.zeros(8, 17, 2)),
                 "expected keypoints_2d of shape [9, 17, 2], got [1, 8, 17, 2]", id="8-frames"),
    pytest.param(lambda model, maps: widgets.attention_explorer(model, torch.zeros(9, 17, 2), torch.zeros(9, 17, 4)),
                 "expected noisy_bones of shape [9, 16, 4], got [1, 9, 17, 4]", id="17-bones"),
    pytest.param(lambda model, maps: widgets.attention_explorer(model, torch.zeros(9, 17, 2), t=1000),
                 "expected t as an int in 0..999, got 1000", id="t-1000"),
    pytest.param(lambda model, maps: widgets.attention_explorer(maps, torch.zeros(9, 17, 2)),
                 "expected keypoints_2d and noisy_bones only with a model, got captured maps", id="maps-and-keypoints"),
])
def test_attention_explorer_bad_input(attention_model, capture, call, message):
    maps, _ = capture
    with pytest.raises(ValueError, match=re.escape(message)):
        call(attention_model, maps)


# ---------------------------------------------------------------- hypothesis scrubber (lesson 06)


def test_hypothesis_scrubber_updates_in_place_without_the_model():
    result = make_result()
    scrubber = widgets.hypothesis_scrubber(result.poses, result.keypoints_2d, frame=1)
    assert scrubber.state == dict(iteration=K - 1, hypothesis="all", frame=1)
    figure, traces = scrubber.figure, list(scrubber.figure.data)
    scrubber.update(iteration=0, hypothesis=2, frame=4)
    assert scrubber.figure is figure and list(figure.data) == traces  # the same objects, new data
    assert scrubber.state == dict(iteration=0, hypothesis=2, frame=4)
    assert (scrubber.iteration.value, scrubber.hypothesis.value, scrubber.frame.value) == (0, 2, 4)
    assert (scrubber.iteration.label, scrubber.hypothesis.label) == ("1", "3")  # the labels count from 1
    expected = viz.hypothesis_view(result, iteration=0, hypothesis=2, frame=4)
    for got, want in zip(figure.data, expected.data):
        assert got.x == want.x
    assert figure.layout.title.text == expected.layout.title.text
    scrubber.update(hypothesis="all")  # the others keep their value
    assert scrubber.state == dict(iteration=0, hypothesis="all", frame=4)
    scrubber.iteration.value = 2  # moving a slider runs the callback
    assert scrubber.state["iteration"] == 2
    scrubber.hypothesis.value = 0
    scrubber.frame.value = 0
    assert scrubber.state == dict(iteration=2, hypothesis=0, frame=0)
    scrubber.update(iteration=-2)  # from the end, as in viz.hypothesis_view
    assert scrubber.state["iteration"] == 1 and scrubber.iteration.value == 1
    with pytest.raises(ValueError, match="frame as an int in 0..5"):
        scrubber.update(frame=6)


def test_hypothesis_scrubber_with_a_lift_result_and_camera():
    result = make_result()
    camera = Camera(1000, 1000, (1000.0, 1000.0), (500.0, 500.0))
    trajectory = torch.tensor([[0.0, 0.0, 4.0]]).repeat(F, 1)
    scrubber = widgets.hypothesis_scrubber(result, camera=camera, trajectory=trajectory)
    worst = int(result.uncertainty()[:, 1:].mean(-1).argmax())
    assert scrubber.state["frame"] == worst
    np.testing.assert_allclose(scrubber.arrays.reproj, result.reproject(camera, trajectory).numpy())
    with pytest.raises(ValueError, match="camera and trajectory only with a LiftResult"):
        widgets.hypothesis_scrubber(result.poses, result.keypoints_2d, camera=camera, trajectory=trajectory)


def test_hypothesis_scrubber_callback_is_fast():
    scrubber = widgets.hypothesis_scrubber(make_result())
    timings = []
    for k in range(12):
        start = time.perf_counter()
        scrubber.update(iteration=k % K, hypothesis="all" if k % 3 == 0 else k % H, frame=k % F)
        timings.append(time.perf_counter() - start)
    assert float(np.median(timings)) < 0.2  # seconds; the target is 50 ms (benchmarks/lift_speed.py), with slack for a busy CI
