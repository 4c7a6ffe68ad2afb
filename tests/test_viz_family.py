"""Lesson 07's figures, headless: what each trace carries, sizes that fit an 848 px output area, bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ddhpose_lite import viz
from ddhpose_lite.bones import rest_pose


def test_noising_grid_draws_one_panel_per_process_and_time():
    pose = rest_pose()
    noisy = {"joints": torch.stack([pose + 0.1 * k for k in range(3)]), "bones": torch.stack([pose] * 3)}
    fig = viz.noising_grid(noisy, [100, 500, 900], reference=pose)
    assert fig.layout.width <= 840
    assert [a.text for a in fig.layout.annotations if a.textangle != 90] == ["joints", "bones"]  # processes: columns
    assert len(fig.layout.annotations) == 5 and "xaxis6" in fig.layout.to_plotly_json() and "xaxis7" not in fig.layout.to_plotly_json()
    panels = 2 * 3
    assert len(fig.data) == panels * (1 + 5)  # the clean pose + one trace per level 1..5
    titles = [a.text for a in fig.layout.annotations]
    assert {"t = 100", "t = 500", "t = 900", "joints", "bones"} <= set(titles)
    shifted = [t for t in fig.data if t.name == "level 1"][2]  # joints at the third time: shifted by 0.2 m
    xs = np.array([v for v in shifted.x if v is not None], float)
    assert np.allclose(sorted(set(np.round(xs - 0.2, 3))), sorted(set(np.round(pose[[0, 1, 4, 7], 0].numpy(), 3))))
    with pytest.raises(ValueError, match=r"poses\['joints'\] of shape \[2, 17, 3\]"):
        viz.noising_grid({"joints": noisy["joints"]}, [1, 2])


def test_noising_grid_of_four_processes_fits_a_notebook_view_with_square_panels():
    pose = rest_pose()
    noisy = {name: torch.stack([pose] * 3) for name in ("joints", "bones", "GMM", "refine")}
    for processes_in, (rows, cols) in {"columns": (3, 4), "rows": (4, 3)}.items():
        fig = viz.noising_grid(noisy, [100, 500, 900], reference=pose, title="One pose, four forward processes",
                               processes_in=processes_in)
        layout = fig.layout
        assert layout.height <= 600 if processes_in == "columns" else layout.height <= 800
        assert layout.width <= 840
        plot_w = layout.width - layout.margin.l - layout.margin.r
        plot_h = layout.height - layout.margin.t - layout.margin.b
        panel_w = plot_w * (layout.xaxis.domain[1] - layout.xaxis.domain[0])
        panel_h = plot_h * (layout.yaxis.domain[1] - layout.yaxis.domain[0])
        assert abs(panel_w - panel_h) <= 2, f"{processes_in}: panels {panel_w:.0f} x {panel_h:.0f} px are not square"
        assert len(fig.data) == rows * cols * 6
        # the title sits above the column titles: anchored at its top, 10 px from the figure's top
        assert layout.title.yanchor == "top" and layout.title.yref == "container" and layout.margin.t >= 60
    with pytest.raises(ValueError, match="processes_in 'rows' or 'columns'"):
        viz.noising_grid(noisy, [100, 500, 900], processes_in="diagonal")


@pytest.mark.parametrize("make", [
    lambda: viz.learning_curves_figure({"a": {"epoch": [1, 2], "mean": [1.0, 2.0], "std": [0.1, 0.1]}}, title="T"),
    lambda: viz.level_error_bars({"x": [0, 10, 20, 30, 40, 50], "y": [0, 1, 2, 3, 4, 5]}, title="T"),
])
def test_legend_lies_between_the_title_and_the_plot(make):
    """The title at the top, the legend in a row of its own under it (not on it), then the plot."""
    layout = make().layout
    assert (layout.title.y, layout.title.yref, layout.title.yanchor, layout.title.pad.t) == (1, "container", "top", 10)
    assert (layout.legend.orientation, layout.legend.y, layout.legend.yanchor) == ("h", 1, "bottom")
    title_bottom = 10 + 1.4 * layout.title.font.size  # px from the top: pad + one line of the title
    assert layout.margin.t - title_bottom >= 22, "no room for a legend row between the title and the plot"


def test_learning_curves_have_a_band_and_a_line_per_variant():
    curves = {"a": {"epoch": [1, 2], "mean": [100.0, 80.0], "std": [5.0, 2.0]},
              "b": {"epoch": [1, 2], "mean": [90.0, 85.0], "std": [1.0, 1.0]}}
    fig = viz.learning_curves_figure(curves)
    assert [t.name for t in fig.data] == ["a ± std", "a", "b ± std", "b"]
    assert list(fig.data[0].y) == [105.0, 82.0, 78.0, 95.0]
    assert fig.layout.width <= 840
    with pytest.raises(ValueError, match="one non-zero length for 'a'"):
        viz.learning_curves_figure({"a": {"epoch": [1], "mean": [1.0, 2.0], "std": [0.0]}})


def test_level_bars_leave_out_the_root():
    fig = viz.level_error_bars({"x": [0, 10, 20, 30, 40, 50]})
    assert list(fig.data[0].x) == [f"level {i}" for i in range(1, 6)] and list(fig.data[0].y) == [10, 20, 30, 40, 50]
    with pytest.raises(ValueError, match="the same L for all"):
        viz.level_error_bars({"x": [0, 1, 2], "y": [0, 1]})


def test_ablation_deltas_fill_only_what_exceeds_the_spread():
    rows = [{"label": "a", "delta": 5.0, "spread": 1.0, "exceeds": True, "paper_delta": 0.5},
            {"label": "b", "delta": -0.5, "spread": 2.0, "exceeds": False, "paper_delta": None}]
    fig = viz.ablation_deltas(rows)
    ours, paper = fig.data
    assert list(ours.marker.color) == ["#D55E00", "white"] and list(ours.error_x.array) == [1.0, 2.0]
    assert list(paper.x) == [0.5, 0]
    assert fig.layout.width <= 840
    with pytest.raises(ValueError, match="at least one comparison row"):
        viz.ablation_deltas([])


def test_speed_accuracy_grows_markers_with_the_spread():
    fig = viz.speed_accuracy([{"variant": "r", "seconds": 0.1, "error": 90.0, "spread": 0.0},
                              {"variant": "d", "seconds": 1.0, "error": 80.0, "spread": 20.0}])
    assert list(fig.data[0].marker.size) == [10.0, 30.0] and list(fig.data[0].text) == ["r", "d"]


# lesson 07's five members on the captured subjects (the shipped run): "joints" and "ddhpose" lie close
# together, "regression" next to the y axis
FAMILY = [{"variant": "regression", "seconds": 0.829, "error": 167.45, "spread": 0.0},
          {"variant": "joints", "seconds": 18.356, "error": 173.62, "spread": 17.7},
          {"variant": "ddhpose", "seconds": 17.253, "error": 172.35, "spread": 73.2},
          {"variant": "refine", "seconds": 11.608, "error": 150.09, "spread": 38.4},
          {"variant": "gmm", "seconds": 12.601, "error": 196.29, "spread": 86.1}]


@pytest.mark.parametrize("rows", [FAMILY, FAMILY[:1], [dict(r, seconds=1.0, error=100.0) for r in FAMILY[:3]]],
                         ids=["lesson 07", "one member", "three on one spot"])
def test_speed_accuracy_labels_cover_no_label_or_bubble_and_stay_inside_the_axes(rows):
    from ddhpose_lite.viz.family import _label_box, _overlaps

    fig = viz.speed_accuracy(rows, title="T")
    trace, layout = fig.data[0], fig.layout
    (x0, x1), (y0, y1) = layout.xaxis.range, layout.yaxis.range
    assert x0 <= min(0.0, min(r["seconds"] for r in rows)), "the seconds axis starts at zero"
    plot_w, plot_h = layout.width - 80, layout.height - 125  # the plot area the layout was made for
    sx, sy = plot_w / (x1 - x0), plot_h / (y1 - y0)
    boxes, bubbles = [], []
    for x, y, size, name, position in zip(trace.x, trace.y, trace.marker.size, trace.text, trace.textposition):
        px, py = (x - x0) * sx, (y1 - y) * sy
        boxes.append(_label_box(px, py, size / 2, name, position))
        bubbles.append((px - size / 2, py - size / 2, px + size / 2, py + size / 2))
    spread_out = len({(r["seconds"], r["error"]) for r in rows}) == len(rows)
    for i, box in enumerate(boxes):
        assert box[0] >= -1 and box[1] >= -1 and box[2] <= plot_w + 1 and box[3] <= plot_h + 1, (
            f"the label {trace.text[i]!r} reaches outside the axes: {box} in {plot_w} x {plot_h}")
        if spread_out:
            others = boxes[:i] + boxes[i + 1:] + bubbles[:i] + bubbles[i + 1:]
            assert not any(_overlaps(box, other, margin=0) for other in others), f"the label {trace.text[i]!r} covers another"
    if rows is FAMILY:
        assert trace.textposition[0] != "top center" or boxes[0][0] >= 0, "regression's name crosses the y axis"
    note = [a.text for a in layout.annotations]
    assert note and "bubble size" in note[0] and "spread" in note[0], "the figure says what a bubble's size means"
    assert layout.margin.t >= 44 + 22, "the note has a row of its own under the title"
