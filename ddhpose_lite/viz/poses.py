"""Skeletons (lesson 01): 3D poses and overlays with a highlighted joint, the kinematic tree in 2D,
animated clips, and per-level charts. ``_scene`` (fixed 3D axes) and ``_animation_controls`` (play
button and slider) are shared by the other 3D figures of the subpackage."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..bones import rest_pose
from ..skeleton import H36M, Skeleton
from .core import (
    HIGHLIGHT_COLOR,
    OVERLAY_COLORS,
    FigureUpdate,
    PoseLike,
    _AXIS_TITLES,
    _CENTERS,
    _EYES,
    _FADED,
    _ROLE_SIZE_3D,
    _ROLE_SIZE_TREE,
    _as_named,
    _bones_by_level,
    _check_clip,
    _check_frame,
    _check_pose,
    _checked,
    _coords,
    _facts_text,
    _flatten,
    _highlight_props,
    _joint_label,
    _level_key,
    _opacities,
    _polyline,
    _pose_coords,
    _pose_styles,
    _pose_traces,
    base_layout,
    joint_index,
    level_color,
    to_display,
    trace_indices,
)

__all__ = [
    "animate_clip", "default_joint", "highlight_update", "joint_explorer", "kinematic_tree", "line_by_level",
    "skeleton_3d", "skeletons_3d", "tree_highlight_update", "tree_positions",
]

# ---------------------------------------------------------------- 3D skeletons


def _scene(points: np.ndarray, frame: str, distance: float = 1.0) -> dict:
    """Fixed axis ranges around all ``points`` [..., 3] (display axes) with equal scale, seen from
    ``distance`` times the usual distance."""
    flat = points.reshape(-1, 3)
    low, high = flat.min(axis=0), flat.max(axis=0)
    pad = max(0.1 * float((high - low).max()), 0.05)
    low, high = low - pad, high + pad
    ratio = (high - low) / (high - low).max()
    axes = {
        f"{key}axis": dict(range=[round(float(lo), 3), round(float(hi), 3)], title=dict(text=title),
                           nticks=4, showspikes=False, zeroline=False)
        for key, lo, hi, title in zip("xyz", low, high, _AXIS_TITLES[frame])
    }
    return dict(
        **axes,
        aspectmode="manual",
        aspectratio={key: round(float(r), 3) for key, r in zip("xyz", ratio)},
        camera=dict(eye={key: round(value * distance, 3) for key, value in _EYES[frame].items()},
                    center=dict(_CENTERS[frame]), up=dict(x=0, y=0, z=1)),
    )


def skeletons_3d(poses: Mapping[str, PoseLike], skeleton: Skeleton = H36M, *, frame: str = "world",
                 colors: Mapping[str, str] | None = None, opacity=None, highlight=None,
                 title: str | None = None, width: int = 420, height: int = 480) -> go.Figure:
    """Several [J, 3] poses overlaid in one 3D scene, e.g. {"ground truth": gt, "hypothesis": h}.

    ``colors`` maps a name to 'level' or a CSS colour (default: the first pose by level, the
    others in ``OVERLAY_COLORS``); ``opacity`` is one number or a mapping name -> number
    (default: 1 for the first pose, 0.6 for the others).
    ``highlight`` (a joint index or name, or a collection of joints) is drawn on the first pose.

    Traces, in order, per pose: bones (one per level 1..5 when coloured by level, else one), then
    the joints; then, with ``highlight``, one trace of the highlighted bones and joints.
    """
    _check_frame(frame)
    poses = _as_named(poses, "pose")
    names = list(poses)
    points = {name: to_display(_check_pose(p, skeleton, f"pose {name!r}" if len(names) > 1 else "pose"), frame)
              for name, p in poses.items()}
    styles, alphas = _pose_styles(names, colors), _opacities(names, opacity)
    if highlight is not None:  # fade everything else so the highlighted part stands out
        alphas = {name: round(alpha * _FADED, 3) for name, alpha in alphas.items()}
    overlay = len(names) > 1
    data = []
    for name in names:
        data += _pose_traces(points[name], skeleton, name, styles[name], alphas[name], overlay, 3)
    if highlight is not None:
        data.append(_highlight_trace_3d(points[names[0]], skeleton, highlight))
    # seen from 1.25 times the usual distance: the axes' tick labels and titles stay inside the scene
    # (issue 27: from 1.0 the bottom axes of lesson 01's skeletons were cut, by up to 46 px)
    layout = base_layout(width, height, title, scene=_scene(np.stack(list(points.values())), frame, distance=1.25),
                         showlegend=overlay)
    if overlay:
        layout["legend"] = dict(x=0.99, y=0.99, xanchor="right", bgcolor="rgba(255,255,255,0.6)")
    if "level" in styles.values():
        layout["annotations"] = [_level_key(skeleton)]
    return go.Figure(data=data, layout=layout)


def _highlight_trace_3d(points: np.ndarray, skeleton: Skeleton, highlight) -> dict:
    props = _highlight_props(points, skeleton, highlight, _ROLE_SIZE_3D, None, 3)
    props["line"]["width"] = 9
    return dict(type="scatter3d", mode="lines+markers", name="highlight", hoverinfo="text",
                showlegend=False, **props)


def skeleton_3d(pose: PoseLike, skeleton: Skeleton = H36M, *, frame: str = "world", highlight=None,
                title: str | None = None, width: int = 420, height: int = 480) -> go.Figure:
    """One [J, 3] pose in 3D, bones coloured by their child's hierarchy level.

    ``frame``: 'world' (z-up metres) or 'camera' (x right, y down, z forward; drawn upright).
    ``highlight``: a joint (index or name) to emphasise with its parent, children and chain, or
    a collection of joints; the rest of the skeleton is faded. Traces: 5 bone traces (levels
    1..5), 1 joints trace, and with a highlight 1 more, drawn thick, whose ``customdata`` holds
    the joint index of every vertex and whose marker sizes grow with the role: ancestor < parent
    = child < the joint itself (a diamond).
    """
    return skeletons_3d({"pose": pose}, skeleton, frame=frame, highlight=highlight, title=title,
                        width=width, height=height)


def highlight_update(pose: PoseLike, joint, skeleton: Skeleton = H36M, *, frame: str = "world") -> FigureUpdate:
    """What changes in ``skeleton_3d(pose, highlight=...)`` when the highlight moves to ``joint``:
    the data of its "highlight" trace (``apply_update`` writes it into the figure)."""
    points = to_display(_check_pose(pose, skeleton), frame)
    props = _highlight_props(points, skeleton, joint_index(joint, skeleton), _ROLE_SIZE_3D, None, 3)
    return FigureUpdate(traces={"highlight": props})


def joint_explorer(pose: PoseLike | None = None, skeleton: Skeleton = H36M, *, joint=None,
                   frame: str = "world", title: str | None = None, width: int = 560,
                   height: int = 520) -> go.Figure:
    """The joint picker without a kernel: a 3D skeleton with a plotly dropdown of joint names.

    Each dropdown entry restyles the highlight trace (``highlight_update``) and rewrites the text
    line at the top (level, parent, children, chain, triplets), so it works in static HTML and on
    Colab. ``pose`` defaults to ``bones.rest_pose()``; ``joint`` is the initial selection.
    """
    if pose is None:
        pose = rest_pose()
    first = joint_index(joint if joint is not None else default_joint(skeleton), skeleton)
    fig = skeleton_3d(pose, skeleton, frame=frame, highlight=first, title=title, width=width,
                      height=height)
    info_index = len(fig.layout.annotations)
    fig.add_annotation(text=_facts_text(skeleton, first), x=0.0, y=1.0, xref="paper", yref="paper",
                       xanchor="left", yanchor="bottom", align="left", showarrow=False,
                       font=dict(size=11))
    buttons = []
    for j, name in enumerate(skeleton.names):
        update = highlight_update(pose, j, skeleton, frame=frame)
        update.layout[f"annotations[{info_index}].text"] = _facts_text(skeleton, j)
        (props,) = update.traces.values()
        restyle = {key: [value] for key, value in _flatten(props).items()}  # [value] = one trace's value
        buttons.append(dict(label=f"{j} {name}", method="update",
                            args=[restyle, update.layout, trace_indices(fig, list(update.traces))]))
    fig.update_layout(
        margin=dict(t=100 if title else 60),
        updatemenus=[dict(type="dropdown", buttons=buttons, active=first, x=1.0, y=1.0,
                          xanchor="right", yanchor="bottom", showactive=True)],
    )
    return fig


def default_joint(skeleton: Skeleton = H36M) -> int:
    """A joint with a parent and a child, so the first view shows every role (LElbow for H36M)."""
    if "LElbow" in skeleton.names:
        return skeleton.index("LElbow")
    return skeleton.triplets[0][1] if skeleton.triplets else 0


# ---------------------------------------------------------------- the kinematic tree (2D)


def tree_positions(skeleton: Skeleton = H36M) -> np.ndarray:
    """[J, 2] (x, level) node positions: leaves spaced 1 apart in depth-first order, every other
    joint centred above its children."""
    x = np.zeros(skeleton.num_joints)
    next_leaf = [0.0]

    def place(j: int) -> None:
        kids = skeleton.children[j]
        for c in kids:
            place(c)
        if kids:
            x[j] = np.mean([x[c] for c in kids])
        else:
            x[j], next_leaf[0] = next_leaf[0], next_leaf[0] + 1

    place(0)
    return np.stack([x, np.asarray(skeleton.levels, dtype=np.float64)], axis=-1)


def _tree_highlight_props(highlight, skeleton: Skeleton) -> dict:
    return _highlight_props(tree_positions(skeleton), skeleton, highlight, _ROLE_SIZE_TREE, HIGHLIGHT_COLOR, 3)


def tree_highlight_update(joint, skeleton: Skeleton = H36M) -> FigureUpdate:
    """What changes in ``kinematic_tree(highlight=...)`` when the highlight moves to ``joint``."""
    return FigureUpdate(traces={"highlight": _tree_highlight_props(joint_index(joint, skeleton), skeleton)})


def kinematic_tree(skeleton: Skeleton = H36M, *, highlight=None, title: str | None = None,
                   width: int = 620, height: int = 400) -> go.Figure:
    """The kinematic tree as a 2D diagram (paper Fig. 1, left): one row per level, top to bottom.

    Nodes show the joint index (name beside it), edges run parent -> child coloured by the
    child's level. ``highlight`` as in ``skeleton_3d`` (drawn as a glow under the nodes).
    Traces: the highlight glow first (when highlighting), then 5 edge traces (levels 1..5), the
    nodes, and the name labels.
    """
    points = tree_positions(skeleton)
    data = []
    if highlight is not None:
        props = _tree_highlight_props(highlight, skeleton)
        props["line"]["width"] = 16
        data.append(dict(type="scatter", mode="lines+markers", name="highlight", hoverinfo="skip", **props))
    for level, pairs in _bones_by_level(skeleton):
        data.append(dict(type="scatter", mode="lines", name=f"level {level} bones",
                         line=dict(color=level_color(level), width=3), hoverinfo="skip",
                         meta=dict(level=level, bones=[list(b) for b in pairs]),
                         **_polyline(points, pairs, 3)))
    data.append(dict(
        type="scatter", mode="markers+text", name="joints", **_coords(points, range(skeleton.num_joints), 3),
        marker=dict(size=24, color=[level_color(lv) for lv in skeleton.levels]),
        text=[str(j) for j in range(skeleton.num_joints)], textfont=dict(color="white", size=11),
        hovertext=[_joint_label(skeleton, j) for j in range(skeleton.num_joints)], hoverinfo="text",
    ))
    data.append(dict(
        type="scatter", mode="text", name="names", hoverinfo="skip", textposition="middle right",
        x=[round(float(x) + 0.13, 3) for x in points[:, 0]], y=points[:, 1].tolist(),
        text=list(skeleton.names), textfont=dict(size=11),
    ))
    ticks = [f"<span style='color:{level_color(k)}'>level {k}</span>" for k in range(skeleton.num_levels)]
    layout = base_layout(
        width, height, title,
        xaxis=dict(visible=False, range=[-0.5, float(points[:, 0].max()) + 1.0]),
        yaxis=dict(tickvals=list(range(skeleton.num_levels)), ticktext=ticks, showgrid=False,
                   zeroline=False, range=[skeleton.num_levels - 0.5, -0.5]),
    )
    layout["margin"]["l"] = 60
    return go.Figure(data=data, layout=layout)


# ---------------------------------------------------------------- animation


def _animation_controls(labels: Sequence[str], duration_ms: float, redraw: bool) -> dict:
    """A slider (one step per frame) and play/pause buttons, as layout entries."""
    def timing(duration):
        return dict(mode="immediate", frame=dict(duration=duration, redraw=redraw),
                    transition=dict(duration=0))

    steps = [dict(method="animate", label=label, args=[[str(k)], timing(0)])
             for k, label in enumerate(labels)]
    play = dict(label="\u25b6", method="animate",
                args=[None, dict(timing(duration_ms), fromcurrent=True)])
    pause = dict(label="\u275a\u275a", method="animate", args=[[None], timing(0)])
    return dict(
        # the slider spans the width from the buttons' left edge; its rail starts 95 px in, right of
        # the two buttons (about 85 px), whatever the figure's width (a fraction of it would not)
        sliders=[dict(steps=steps, active=0, x=0.01, len=0.99, y=0.02, yanchor="top",
                      currentvalue=dict(prefix="frame ", xanchor="right", font=dict(size=12)),
                      pad=dict(t=10, l=95))],
        updatemenus=[dict(type="buttons", buttons=[play, pause], direction="left", showactive=False,
                          x=0.01, y=0.02, xanchor="left", yanchor="top", pad=dict(t=10, r=5))],
    )


def _frame_names(num_frames: int, stride: int) -> list[int]:
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"expected stride as a positive integer, got {stride!r}")
    return list(range(0, num_frames, int(stride)))


def _check_fps(fps: float) -> float:
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise ValueError(f"expected fps as a positive number, got {fps!r}")
    return float(fps)


def animate_clip(poses, skeleton: Skeleton = H36M, *, fps: float = 50, stride: int = 1,
                 frame: str = "world", colors: Mapping[str, str] | None = None, opacity=None,
                 title: str | None = None, width: int = 480, height: int = 540) -> go.Figure:
    """An animated 3D clip: plotly frames, a slider and play/pause buttons (no kernel needed).

    ``poses`` is [F, J, 3] or a mapping name -> [F, J, 3] (all the same F) to overlay clips.
    Every ``stride``-th frame is kept (ceil(F / stride) frames, named '0', '1', ...; the slider
    labels give the original frame index); playback runs at ``fps`` of the original clip.
    Axis ranges are fixed over the whole clip, so the view does not jump.
    """
    _check_frame(frame)
    fps = _check_fps(fps)
    clips = _as_named(poses, "pose")
    names = list(clips)
    arrays = {name: to_display(_check_clip(c, skeleton, f"poses {name!r}" if len(names) > 1 else "poses"), frame)
              for name, c in clips.items()}
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"expected clips with the same number of frames, got {lengths}")
    kept = _frame_names(next(iter(lengths.values())), stride)
    styles, alphas = _pose_styles(names, colors), _opacities(names, opacity)
    overlay = len(names) > 1
    data = []
    for name in names:
        data += _pose_traces(arrays[name][0], skeleton, name, styles[name], alphas[name], overlay, 3)
    frames = []
    for k, f in enumerate(kept):
        coords = []
        for name in names:
            coords += _pose_coords(arrays[name][f], skeleton, styles[name] == "level", 3)
        frames.append(go.Frame(name=str(k), data=[dict(type="scatter3d", **c) for c in coords],
                               traces=list(range(len(coords)))))
    all_points = np.stack([a[kept] for a in arrays.values()])
    # seen from 1.3 times the usual distance: the axes' tick labels and titles stay inside the scene
    # (issue 27: from 1.0 the left and bottom axes were cut, in lessons 02 and 06)
    layout = base_layout(width, height, title, scene=_scene(all_points, frame, distance=1.3), showlegend=overlay,
                         **_animation_controls([str(f) for f in kept], 1000.0 * stride / fps, True))
    layout["margin"]["b"] = 70
    if "level" in styles.values():
        layout["annotations"] = [_level_key(skeleton)]
    return go.Figure(data=data, layout=layout, frames=frames)


# ---------------------------------------------------------------- small charts


def line_by_level(values: Mapping[str, Sequence[float]], skeleton: Skeleton = H36M, *,
                  ylabel: str = "error (mm)", title: str | None = None, kind: str = "line",
                  width: int = 480, height: int = 320) -> go.Figure:
    """One value per hierarchy level for each named series, e.g. per-level MPJPE of two models.

    ``values``: name -> sequence of ``skeleton.num_levels`` numbers (torch, NumPy or list).
    ``kind``: 'line' (lines with markers) or 'bar' (grouped bars). Tick labels use level colours.
    """
    if kind not in ("line", "bar"):
        raise ValueError(f"expected kind 'line' or 'bar', got {kind!r}")
    if not isinstance(values, Mapping) or not values:
        raise ValueError("expected values as a non-empty mapping name -> one number per level")
    n = skeleton.num_levels
    levels = list(range(n))
    palette = ("#333333",) + OVERLAY_COLORS[1:] + ("#D55E00", "#0072B2")
    data = []
    for i, (name, series) in enumerate(values.items()):
        array = _checked(series, f"values {name!r}", [(n,)], f"[{n}] (one per hierarchy level)")
        y = np.round(array, 4).tolist()
        color = palette[i % len(palette)]
        if kind == "line":
            data.append(go.Scatter(x=levels, y=y, name=name, mode="lines+markers",
                                   line=dict(color=color, width=2), marker=dict(size=7)))
        else:
            data.append(go.Bar(x=levels, y=y, name=name, marker=dict(color=color)))
    ticks = [f"<span style='color:{level_color(k)}'>level {k}</span>" for k in levels]
    layout = base_layout(
        width, height, title, showlegend=len(values) > 1, barmode="group",
        xaxis=dict(tickvals=levels, ticktext=ticks, title=dict(text="hierarchy level"), zeroline=False,
                   range=[-0.4, n - 0.6]),
        yaxis=dict(title=dict(text=ylabel), rangemode="tozero", gridcolor="#eee"),
        legend=dict(x=0.01, y=0.99),
    )
    layout["margin"].update(l=60, b=50)
    return go.Figure(data=data, layout=layout)
