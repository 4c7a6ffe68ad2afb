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


def noising_grid(poses: Mapping[str, Sequence], ts: Sequence[int], *, reference=None, frame: str = "world",
                 skeleton: Skeleton = H36M, half_width: float = 1.2, title: str | None = None, width: int = 820,
                 row_height: int = 190) -> go.Figure:
    """Rows: forward processes (name -> one noisy pose [J, 3] per time in ``ts``); columns: the
    times. Each panel draws the pose from the front (display x against display up), with the
    clean ``reference`` pose [J, 3] in grey behind it. Axes are fixed at ±``half_width`` metres
    around the reference's root, so growing noise shows as a spreading skeleton."""
    _check_frame(frame)
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
    fig = make_subplots(rows=len(names), cols=len(ts), horizontal_spacing=0.02, vertical_spacing=0.03,
                        column_titles=[f"t = {t}" for t in ts], row_titles=names)
    for r, name in enumerate(names, start=1):
        for c in range(len(ts)):
            if ref is not None:
                fig.add_trace(go.Scatter(mode="lines", line=dict(color=_REFERENCE, width=2), hoverinfo="skip",
                                         name="clean", **_polyline(ref, skeleton.bones, 3)), r, c + 1)
            for level in range(1, skeleton.num_levels):
                pairs = [(p, j) for p, j in skeleton.bones if skeleton.levels[j] == level]
                fig.add_trace(go.Scatter(mode="lines", line=dict(color=level_color(level), width=2.5),
                                         hoverinfo="skip", name=f"level {level}",
                                         **_polyline(arrays[name][c], pairs, 3)), r, c + 1)
    axis = dict(showticklabels=False, showgrid=False, zeroline=False, showline=True, linecolor="#ddd", mirror=True)
    fig.update_xaxes(range=[centre[0] - half_width, centre[0] + half_width], **axis)
    fig.update_yaxes(range=[centre[1] - half_width, centre[1] + half_width], scaleanchor=None, **axis)
    fig.update_layout(**base_layout(width, 40 + row_height * len(names), title))
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
                         yaxis=dict(title=ytitle), legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return go.Figure(data=data, layout=layout)


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
    layout = base_layout(width, height, title, barmode="group", showlegend=True, yaxis=dict(title="MPJPE (mm)"),
                         legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return go.Figure(data=data, layout=layout)


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
    fig.update_layout(**base_layout(width, height, title))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def speed_accuracy(rows: Sequence[Mapping], *, title: str | None = None, xtitle: str = "seconds per lift",
                   ytitle: str = "MPJPE (mm)", width: int = 700, height: int = 380) -> go.Figure:
    """One labelled point per family member: ``seconds`` against ``error`` (mm); the marker grows
    with the hypotheses' ``spread`` (mm), so a deterministic member is a small dot."""
    if not rows:
        raise ValueError("expected at least one member, got none")
    sizes = [10 + min(30.0, float(row.get("spread", 0.0))) for row in rows]
    data = [dict(type="scatter", mode="markers+text", x=[round(float(row["seconds"]), 3) for row in rows],
                 y=[round(float(row["error"]), 2) for row in rows], text=[row["variant"] for row in rows],
                 textposition="top center", marker=dict(size=sizes, color=[_series_color(i) for i in range(len(rows))],
                                                         opacity=0.8),
                 hovertext=[f"{row['variant']}: spread {float(row.get('spread', 0)):.1f} mm" for row in rows],
                 hoverinfo="text")]
    layout = base_layout(width, height, title, xaxis=dict(title=xtitle, rangemode="tozero"), yaxis=dict(title=ytitle))
    return go.Figure(data=data, layout=layout)
