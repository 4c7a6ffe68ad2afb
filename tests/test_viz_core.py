"""Tests of what every figure shares (viz.core), run headless: the building blocks of interactive
views (FigureUpdate, apply_update, update_frame) and the input checks."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from ddhpose_lite import viz


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
    figure = two_traces()
    assert viz.trace_indices(figure, ["b", "a"]) == [1, 0]
    with pytest.raises(ValueError, match="expected one trace named 'c', got 0"):
        viz.apply_update(figure, viz.FigureUpdate({"c": dict(x=[1])}))
    figure.add_trace(go.Scatter(name="a"))
    with pytest.raises(ValueError, match="expected one trace named 'a', got 2"):
        viz.trace_indices(figure, ["a"])


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
    for bad in (17, -1, True, "Tail", 2.0):
        with pytest.raises(ValueError, match="joint"):
            viz.joint_index(bad)
