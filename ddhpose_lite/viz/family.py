"""Figures for lesson 07: the family's forward processes side by side, learning curves, errors by
hierarchy level, ablation differences against the paper's, and accuracy against speed.

Every function takes plain numbers (poses, or the dicts ``ablations`` returns) and returns a
figure; nothing here trains or reads files.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..skeleton import H36M, Skeleton
from .core import OVERLAY_COLORS, _check_frame, _polyline, _to_numpy, base_layout, level_color, to_display

__all__ = ["noising_grid", "learning_curves_figure", "level_error_bars", "ablation_deltas", "speed_accuracy"]

_REFERENCE = "rgba(150, 150, 150, 0.6)"


def _series_color(index: int) -> str:
    return level_color(1 + index) if index < 5 else OVERLAY_COLORS[(index - 5) % len(OVERLAY_COLORS)]


def _title_then_legend(layout: dict, rows: int = 1) -> dict:
    """Top down: the title, a row of legend (or of a note) under it, then the plot; none overlaps.
    ``rows``: how many lines of legend or note go between the title and the plot."""
    layout["margin"] = dict(layout["margin"], t=(44 if layout.get("title") else 10) + 22 * rows)
    if layout.get("title"):
        layout["title"].update(y=1, yref="container", yanchor="top", pad=dict(t=10))
    if layout.get("showlegend"):
        layout["legend"] = dict(orientation="h", x=0, xanchor="left", y=1, yanchor="bottom", yref="paper")
    return layout


def noising_grid(poses: Mapping[str, Sequence], ts: Sequence[int], *, reference=None, frame: str = "world",
                 skeleton: Skeleton = H36M, half_width: float = 1.2, title: str | None = None,
                 processes_in: str = "columns", panel: int = 160) -> go.Figure:
    """Forward processes (name -> one noisy pose [J, 3] per time in ``ts``) against the times:
    one process per column and one time per row (``processes_in="rows"``: the other way round).
    Each panel (``panel`` px square) draws the pose from the front (display x against display up),
    with the clean ``reference`` pose [J, 3] in grey behind it. Axes are fixed at ±``half_width``
    metres around the reference's root, so growing noise shows as a spreading skeleton. At the
    default size, four processes at three times fit a notebook's view (about 750 × 600 px)."""
    _check_frame(frame)
    if processes_in not in ("rows", "columns"):
        raise ValueError(f"expected processes_in 'rows' or 'columns', got {processes_in!r}")
    names, ts = list(poses), [int(t) for t in ts]
    if not names or not ts:
        raise ValueError(f"expected at least one process and one time, got {len(names)} and {len(ts)}")
    arrays = {}
    for name in names:
        stack = _to_numpy(poses[name], f"poses[{name!r}]")
        if stack.shape != (len(ts), skeleton.num_joints, 3):
            raise ValueError(f"expected poses[{name!r}] of shape [{len(ts)}, {skeleton.num_joints}, 3] (one pose "
                             f"per time), got {list(stack.shape)}")
        arrays[name] = to_display(stack, frame)[..., [0, 2]]
    ref = None if reference is None else to_display(_to_numpy(reference, "reference"), frame)[..., [0, 2]]
    centre = np.zeros(2) if ref is None else ref[0]
    time_titles = [f"t = {t}" for t in ts]
    by_columns = processes_in == "columns"
    rows, cols = (len(ts), len(names)) if by_columns else (len(names), len(ts))
    h_space, v_space = 0.02, 0.03
    margin = dict(l=10, r=30, t=64 if title else 30, b=10)  # r: the row titles; t: the title and column titles
    # square panels: the plot area holds cols (rows) panels, the spaces between them and, at its right,
    # 2 % for the row titles (make_subplots keeps that room when there are row titles)
    width = round(margin["l"] + margin["r"] + cols * panel / (0.98 - (cols - 1) * h_space))
    height = round(margin["t"] + margin["b"] + rows * panel / (1 - (rows - 1) * v_space))
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=h_space, vertical_spacing=v_space,
                        column_titles=names if by_columns else time_titles,
                        row_titles=time_titles if by_columns else names)
    for p, name in enumerate(names):
        for c in range(len(ts)):
            r_, c_ = (c + 1, p + 1) if by_columns else (p + 1, c + 1)
            if ref is not None:
                fig.add_trace(go.Scatter(mode="lines", line=dict(color=_REFERENCE, width=2), hoverinfo="skip",
                                         name="clean", **_polyline(ref, skeleton.bones, 3)), r_, c_)
            for level in range(1, skeleton.num_levels):
                pairs = [(parent, j) for parent, j in skeleton.bones if skeleton.levels[j] == level]
                fig.add_trace(go.Scatter(mode="lines", line=dict(color=level_color(level), width=2.5),
                                         hoverinfo="skip", name=f"level {level}",
                                         **_polyline(arrays[name][c], pairs, 3)), r_, c_)
    axis = dict(showticklabels=False, showgrid=False, zeroline=False, showline=True, linecolor="#ddd", mirror=True)
    fig.update_xaxes(range=[centre[0] - half_width, centre[0] + half_width], **axis)
    fig.update_yaxes(range=[centre[1] - half_width, centre[1] + half_width], scaleanchor=None, **axis)
    layout = base_layout(width, height, title, margin=margin)
    if title:
        layout["title"].update(y=1, yref="container", yanchor="top", pad=dict(t=10))
    fig.update_layout(**layout)
    fig.update_annotations(font_size=12)
    return fig


def learning_curves_figure(curves: Mapping[str, Mapping], *, title: str | None = None, ytitle: str = "validation MPJPE (mm)",
                           width: int = 760, height: int = 360) -> go.Figure:
    """One line per variant (name -> {"epoch", "mean", "std"}, as ``ablations.learning_curves``)
    with a band of ± one standard deviation over seeds."""
    data = []
    for index, (name, curve) in enumerate(curves.items()):
        epochs = [int(e) for e in curve["epoch"]]
        mean, std = np.asarray(curve["mean"], float), np.asarray(curve["std"], float)
        if not (len(epochs) == len(mean) == len(std)) or not epochs:
            raise ValueError(f"expected epoch, mean and std of one non-zero length for {name!r}, got "
                             f"{len(epochs)}, {len(mean)}, {len(std)}")
        color = _series_color(index)
        band_x = epochs + epochs[::-1]
        band_y = np.round(np.concatenate([mean + std, (mean - std)[::-1]]), 2).tolist()
        data.append(dict(type="scatter", x=band_x, y=band_y, fill="toself", mode="lines", line=dict(width=0),
                         fillcolor=color, opacity=0.15, hoverinfo="skip", showlegend=False, name=f"{name} ± std"))
        data.append(dict(type="scatter", x=epochs, y=np.round(mean, 2).tolist(), mode="lines+markers", name=name,
                         line=dict(color=color, width=2.5)))
    layout = base_layout(width, height, title, showlegend=True, xaxis=dict(title="epoch", dtick=1),
                         yaxis=dict(title=ytitle))
    return go.Figure(data=data, layout=_title_then_legend(layout))


def level_error_bars(levels: Mapping[str, Sequence[float]], *, title: str | None = None, width: int = 760,
                     height: int = 340) -> go.Figure:
    """Grouped bars: MPJPE (mm) per hierarchy level 1.. for each variant (name -> values per level
    0..L, level 0 being the root, which is left out)."""
    data = []
    count = None
    for index, (name, values) in enumerate(levels.items()):
        values = np.asarray(values, float)
        if values.ndim != 1 or values.size < 2 or (count is not None and values.size != count):
            raise ValueError(f"expected one error per level 0..L (the same L for all) for {name!r}, got "
                             f"{list(values.shape)}")
        count = values.size
        data.append(dict(type="bar", name=name, x=[f"level {i}" for i in range(1, values.size)],
                         y=np.round(values[1:], 2).tolist(), marker=dict(color=_series_color(index))))
    layout = base_layout(width, height, title, barmode="group", showlegend=True, yaxis=dict(title="MPJPE (mm)"))
    return go.Figure(data=data, layout=_title_then_legend(layout))


def ablation_deltas(rows: Sequence[Mapping], *, title: str | None = None, width: int = 820,
                    height: int | None = None) -> go.Figure:
    """Each row's difference to the reference (DDHPose): left ours, Δ ± the seed-to-seed spread,
    filled when it exceeds the spread; right the paper's Δ. Rows are dicts with ``label``,
    ``delta``, ``spread``, ``exceeds`` and ``paper_delta`` (as ``ablations.comparisons``)."""
    if not rows:
        raise ValueError("expected at least one comparison row, got none")
    labels = [row["label"] for row in rows]
    height = height or 90 + 46 * len(rows)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("ours: Δ vs DDHPose (mm), ± seed spread", "paper (Human3.6M): Δ (mm)"))
    filled = ["#D55E00" if row["exceeds"] else "white" for row in rows]
    fig.add_trace(go.Scatter(x=[round(row["delta"], 2) for row in rows], y=labels, mode="markers",
                             error_x=dict(type="data", array=[round(row["spread"], 2) for row in rows], color="#555"),
                             marker=dict(size=11, color=filled, line=dict(color="#D55E00", width=2)),
                             name="ours"), 1, 1)
    paper = [row.get("paper_delta") for row in rows]
    fig.add_trace(go.Bar(x=[0 if p is None else round(p, 2) for p in paper], y=labels, orientation="h",
                         marker=dict(color="#0072B2"), name="paper"), 1, 2)
    for col in (1, 2):
        fig.add_vline(x=0, line=dict(color="#999", width=1), row=1, col=col)
    layout = base_layout(width, height, title)
    if title:  # the title above the subplot titles, not on them
        layout["margin"]["t"] = 62
        layout["title"].update(y=1, yref="container", yanchor="top", pad=dict(t=10))
    fig.update_layout(**layout)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def speed_accuracy(rows: Sequence[Mapping], *, title: str | None = None, xtitle: str = "seconds per lift",
                   ytitle: str = "MPJPE (mm)", width: int = 700, height: int = 400) -> go.Figure:
    """One labelled bubble per family member: ``seconds`` against ``error`` (mm); the bubble grows
    with the hypotheses' ``spread`` (mm), so a deterministic member is a small dot (a note under
    the title says so). Each name goes above, below, right or left of its bubble, wherever it
    covers no other name or bubble, and the axes leave room for every name."""
    if not rows:
        raise ValueError("expected at least one member, got none")
    xs = np.array([float(row["seconds"]) for row in rows])
    ys = np.array([float(row["error"]) for row in rows])
    names = [str(row["variant"]) for row in rows]
    sizes = [10 + min(30.0, float(row.get("spread", 0.0))) for row in rows]
    positions, x_range, y_range = _label_layout(xs, ys, sizes, names, plot=(width - 80, height - 125))
    data = [dict(type="scatter", mode="markers+text", x=np.round(xs, 3).tolist(), y=np.round(ys, 2).tolist(),
                 text=names, textposition=positions,
                 marker=dict(size=sizes, color=[_series_color(i) for i in range(len(rows))], opacity=0.8),
                 hovertext=[f"{row['variant']}: spread {float(row.get('spread', 0)):.1f} mm" for row in rows],
                 hoverinfo="text")]
    layout = base_layout(width, height, title, xaxis=dict(title=xtitle, range=x_range),
                         yaxis=dict(title=ytitle, range=y_range))
    layout = _title_then_legend(layout)
    layout["annotations"] = [dict(text="bubble size: the spread of the hypotheses (mm); a dot: none",
                                  x=0, xref="paper", xanchor="left", y=1, yref="paper", yanchor="bottom",
                                  yshift=4, showarrow=False, font=dict(size=11, color="#555"))]
    return go.Figure(data=data, layout=layout)


_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def _label_box(px: float, py: float, radius: float, text: str, position: str, font: float = 12) -> tuple:
    """The pixel box (left, top, right, bottom; y down) of a data label at ``position`` of a
    marker of ``radius`` px at (px, py), as plotly places it (a character is about 0.6 em wide)."""
    w, h, gap = 0.6 * font * len(text) + 2, 1.3 * font, 3
    if position == "top center":
        return px - w / 2, py - radius - gap - h, px + w / 2, py - radius - gap
    if position == "bottom center":
        return px - w / 2, py + radius + gap, px + w / 2, py + radius + gap + h
    if position == "middle right":
        return px + radius + gap, py - h / 2, px + radius + gap + w, py + h / 2
    return px - radius - gap - w, py - h / 2, px - radius - gap, py + h / 2


def _label_layout(xs, ys, sizes, names, plot: tuple[float, float]):
    """(a textposition per point, x range, y range): each label where it covers no label or
    marker placed before it (the first free of ``_POSITIONS``, else above), and ranges that hold
    every marker and label. ``plot``: the plot area's estimated size in px. The x axis starts at
    zero (unless a value is negative): a label that would cross it goes elsewhere."""
    def ranges(positions):
        x0 = min(0.0, float(xs.min()))
        x1 = float(xs.max()) if xs.max() > x0 else x0 + 1.0
        y0, y1 = float(ys.min()), float(ys.max())
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 1.0, y1 + 1.0
        for _ in range(4):  # grow the ranges until every label and marker fits (a few rounds converge)
            sx, sy = plot[0] / (x1 - x0), plot[1] / (y1 - y0)
            boxes = [] if positions is None else [
                _label_box((x - x0) * sx, (y1 - y) * sy, s / 2, n, p) for x, y, s, n, p in zip(xs, ys, sizes, names, positions)]
            need_left = max([0.0] + [-b[0] for b in boxes] + [s / 2 - (x - x0) * sx for x, s in zip(xs, sizes)])
            need_right = max([0.0] + [b[2] - plot[0] for b in boxes] + [(x - x0) * sx + s / 2 - plot[0] for x, s in zip(xs, sizes)])
            need_top = max([0.0] + [-b[1] for b in boxes] + [s / 2 - (y1 - y) * sy for y, s in zip(ys, sizes)])
            need_bottom = max([0.0] + [b[3] - plot[1] for b in boxes] + [(y1 - y) * sy + s / 2 - plot[1] for y, s in zip(ys, sizes)])
            x0, x1 = x0 - (need_left + 4) / sx * (need_left > 0), x1 + (need_right + 4) / sx * (need_right > 0)
            y0, y1 = y0 - (need_bottom + 4) / sy * (need_bottom > 0), y1 + (need_top + 4) / sy * (need_top > 0)
        return [round(v, 4) for v in (x0, x1)], [round(v, 4) for v in (y0, y1)]

    positions = ["top center"] * len(xs)
    x_range, y_range = ranges(None)  # the markers' room first; the labels' is added at the end
    sx = plot[0] / (x_range[1] - x_range[0])
    sy = plot[1] / (y_range[1] - y_range[0])
    pixels = [((x - x_range[0]) * sx, (y_range[1] - y) * sy) for x, y in zip(xs, ys)]
    markers = [(px - s / 2, py - s / 2, px + s / 2, py + s / 2) for (px, py), s in zip(pixels, sizes)]
    placed: list[tuple] = []
    for i, ((px, py), s, name) in enumerate(zip(pixels, sizes, names)):
        for position in _POSITIONS:
            box = _label_box(px, py, s / 2, name, position)
            others = placed + [m for j, m in enumerate(markers) if j != i]
            crosses_zero = x_range[0] >= 0 and box[0] < 0
            if not crosses_zero and not any(_overlaps(box, other) for other in others):
                break
        else:
            position = "top center"
        positions[i] = position
        placed.append(_label_box(px, py, s / 2, name, position))
    return positions, *ranges(positions)


def _overlaps(a, b, margin: float = 2.0) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > -margin and min(a[3], b[3]) - max(a[1], b[1]) > -margin
