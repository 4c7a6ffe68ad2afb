"""Tests of what every figure shares (viz.core), run headless: the building blocks of interactive
views (FigureUpdate, apply_update, update_frame), the input checks, and default sizes that fit
JupyterLab's output area."""
from __future__ import annotations

import inspect
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from conftest import FIGURE_WIDTH, make_result

from ddhpose_lite import viz
from ddhpose_lite.diffusion import forward_path

def two_traces() -> go.Figure:
    return go.Figure([go.Scatter(name="a", x=[0], y=[0]), go.Scatter(name="b", x=[1], y=[1], line=dict(width=3))],
                     layout=dict(title=dict(text="before")))


def test_apply_update_writes_traces_by_name_and_layout_paths():
    update = viz.FigureUpdate({"b": dict(x=[5], line=dict(color="red"))}, {"title.text": "after", "xaxis.range": [0, 9]})
    for figure in (two_traces(), go.FigureWidget(two_traces())):
        viz.apply_update(figure, update)
        b = figure.data[1]
        assert b.x == (5,) and b.line.color == "red" and b.line.width == 3  # nested props merge
        assert figure.data[0].x == (0,)
        assert figure.layout.title.text == "after" and figure.layout.xaxis.range == (0, 9)


def test_update_frame_is_the_kernel_free_twin_of_apply_update():
    update = viz.FigureUpdate({"b": dict(x=[5])}, {"title.text": "after"})
    frame = viz.update_frame(two_traces(), update, "7")
    assert frame.name == "7" and list(frame.traces) == [1]
    assert frame.data[0].type == "scatter" and frame.data[0].x == (5,)
    assert frame.layout.title.text == "after"
    with pytest.raises(ValueError, match="without list indices"):
        viz.update_frame(two_traces(), viz.FigureUpdate(layout={"shapes[0].y0": 1}), "0")


def test_traces_are_found_by_a_unique_name():
    assert viz.trace_indices(two_traces(), ["b", "a"]) == [1, 0]


def _with_a_second_a(figure: go.Figure) -> go.Figure:
    figure.add_trace(go.Scatter(name="a"))
    return figure


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: viz.apply_update(two_traces(), viz.FigureUpdate({"c": dict(x=[1])})),
                 "expected one trace named 'c', got 0 among ['a', 'b']", id="no-trace-c"),
    pytest.param(lambda: viz.trace_indices(_with_a_second_a(two_traces()), ["a"]),
                 "expected one trace named 'a', got 2 among ['a', 'b']", id="two-traces-a"),
])
def test_a_missing_or_repeated_trace_name_is_refused(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


@pytest.mark.parametrize("value, kwargs, expected", [
    (3, {}, 3), (np.int64(0), {}, 0), ("mean", dict(words=("mean",)), "mean"), (-1, dict(low=-1), -1),
])
def test_check_index_accepts(value, kwargs, expected):
    assert viz.check_index(value, "head", 4, **kwargs) == expected


@pytest.mark.parametrize("value, kwargs, message", [
    (4, {}, r"expected head as an int in 0..3, got 4"),
    (True, {}, "got True"),
    (1.0, {}, "got 1.0"),
    ("max", dict(words=("mean",)), r"expected head as an int in 0..3 or 'mean', got 'max'"),
    (-2, dict(low=-1), r"in -1..3, got -2"),
])
def test_check_index_rejects(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.check_index(value, "head", 4, **kwargs)


def test_joint_index_from_names_and_indices():
    assert viz.joint_index("RWrist") == viz.joint_index(16) == 16


@pytest.mark.parametrize("bad, message", [
    *(pytest.param(bad, f"expected a joint index in 0..16 or a joint name, got {bad!r}", id=repr(bad))
      for bad in (17, -1, True, 2.0)),
    pytest.param("Tail", "expected one of the joint names ('Pelvis', 'RHip', 'RKnee', 'RAnkle', 'LHip', 'LKnee', "
                 "'LAnkle', 'Spine', 'Thorax', 'Nose', 'Head', 'LShoulder', 'LElbow', 'LWrist', 'RShoulder', 'RElbow', "
                 "'RWrist'), got 'Tail'", id="'Tail'"),
])
def test_joint_index_rejects(bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.joint_index(bad)


# ---------------------------------------------------------------- sizes


def default_widths() -> dict[str, int]:
    """Public viz function -> the default of its ``width`` argument (base_layout has none)."""
    widths = {}
    for name in viz.__all__:
        function = getattr(viz, name)
        parameter = inspect.signature(function).parameters.get("width") if inspect.isfunction(function) else None
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            widths[name] = parameter.default
    return widths


def test_every_figure_function_has_a_default_width_that_fits_the_output_area():
    widths = default_widths()
    assert len(widths) >= 20, widths
    too_wide = {name: width for name, width in widths.items() if not width <= FIGURE_WIDTH}
    assert too_wide == {}


def test_default_layout_widths_of_the_built_figures(pose, schedule, capture):
    maps, prediction = capture
    path = forward_path(pose, [0, 500], schedule)
    result = make_result()
    figures = {
        "skeleton_3d": viz.skeleton_3d(pose),
        "kinematic_tree": viz.kinematic_tree(),
        "joint_explorer": viz.joint_explorer(pose),
        "noising_view": viz.noising_view(path.bones_pose[1], path.joints[1], schedule.alpha_bar, 500),
        "noising_explorer": viz.noising_explorer(path.bones_pose, path.joints, path.t, schedule.alpha_bar),
        "schedule_curves": viz.schedule_curves({"cosine": schedule}),
        "hrst_before_after": viz.hrst_before_after(maps.spatial_logits[1][0, 0]),
        "attention_explorer_figure": viz.attention_explorer_figure(maps),
        "attention_browser": viz.attention_browser(maps, heads=["mean"]),
        "hypothesis_view": viz.hypothesis_view(result),
        "hypothesis_explorer": viz.hypothesis_explorer(result),
        "perturbation_explorer": viz.perturbation_explorer(pose, {"a": (pose, {"s": np.zeros(6)})}),
    }
    assert {name: fig.layout.width for name, fig in figures.items() if not fig.layout.width <= FIGURE_WIDTH} == {}
