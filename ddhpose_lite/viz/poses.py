"""Skeletons: 3D poses and overlays, the kinematic tree, animated clips, 2D keypoints, per-level charts,
motion galleries, bone lengths over time, and the noise-perturbation explorer (lessons 01-02)."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..bones import rest_pose
from ..keypoints import H36M_SOURCES, MEDIAPIPE_NAMES
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
    picture_behind,
    to_display,
    trace_indices,
)

__all__ = [
    "animate_clip", "bone_lengths_over_time", "coverage_bars", "default_joint", "highlight_update", "joint_explorer",
    "keypoints_2d", "kinematic_tree", "landmarks_to_joints", "line_by_level", "perturbation_explorer", "pose_gallery",
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
    layout = base_layout(width, height, title, scene=_scene(np.stack(list(points.values())), frame),
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
        sliders=[dict(steps=steps, active=0, x=0.2, len=0.78, y=0.02, yanchor="top",
                      currentvalue=dict(prefix="frame ", xanchor="right", font=dict(size=12)),
                      pad=dict(t=10))],
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
    layout = base_layout(width, height, title, scene=_scene(all_points, frame), showlegend=overlay,
                         **_animation_controls([str(f) for f in kept], 1000.0 * stride / fps, True))
    layout["margin"]["b"] = 70
    if "level" in styles.values():
        layout["annotations"] = [_level_key(skeleton)]
    return go.Figure(data=data, layout=layout, frames=frames)


# ---------------------------------------------------------------- 2D keypoints


def keypoints_2d(keypoints, image_size: tuple[int, int] | None = None, skeleton: Skeleton = H36M, *,
                 colors: Mapping[str, str] | None = None, opacity=None, fps: float = 50,
                 stride: int = 1, title: str | None = None, width: int = 420,
                 height: int | None = None) -> go.Figure:
    """2D keypoints in image space, bones coloured by level.

    ``keypoints``: [J, 2] or [F, J, 2] (animated with a slider), or a mapping name -> such arrays
    (all the same shape) to overlay, e.g. {"ground truth": kp, "noisy": kp + noise}.
    ``image_size=(w, h)``: pixel coordinates, y down, the image frame drawn as a rectangle.
    ``image_size=None``: normalised screen coordinates (``camera.normalize_screen``), y down.
    """
    j = skeleton.num_joints
    named = _as_named(keypoints, "keypoints")
    names = list(named)
    arrays = {
        name: _checked(k, f"keypoints {name!r}" if len(names) > 1 else "keypoints",
                       [(j, 2), (None, j, 2)], f"[{j}, 2] or [F, {j}, 2]")
        for name, k in named.items()
    }
    shapes = {name: list(a.shape) for name, a in arrays.items()}
    if len({tuple(s) for s in shapes.values()}) > 1:
        raise ValueError(f"expected keypoints of the same shape, got {shapes}")
    clips = {name: a if a.ndim == 3 else a[None] for name, a in arrays.items()}
    animated = next(iter(arrays.values())).ndim == 3
    kept = _frame_names(next(iter(clips.values())).shape[0], stride) if animated else [0]
    decimals = 1 if image_size is not None else 4
    styles, alphas = _pose_styles(names, colors), _opacities(names, opacity)
    overlay = len(names) > 1
    data = []
    for name in names:
        data += _pose_traces(clips[name][0], skeleton, name, styles[name], alphas[name], overlay, decimals)

    all_points = np.concatenate([c[kept].reshape(-1, 2) for c in clips.values()])
    if image_size is not None:
        w, h = _check_image_size(image_size)
        x_range, y_range = [0.0, w], [h, 0.0]
        axis_titles = ("x (px)", "y (px, down)")
        shapes_layout = [dict(type="rect", x0=0, y0=0, x1=w, y1=h, line=dict(color="#999", width=1))]
    else:
        low, high = all_points.min(axis=0), all_points.max(axis=0)
        pad = max(0.1 * float((high - low).max()), 0.02)
        x_range = [round(float(low[0] - pad), 4), round(float(high[0] + pad), 4)]
        y_range = [round(float(high[1] + pad), 4), round(float(low[1] - pad), 4)]
        axis_titles = ("x (normalised)", "y (normalised, down)")
        shapes_layout = []
    aspect = abs(y_range[0] - y_range[1]) / abs(x_range[1] - x_range[0])
    extra_bottom = 70 if animated and len(kept) > 1 else 0
    if height is None:  # follow the data's aspect, within reason (plotly keeps the scale equal)
        height = int(min(max(width * aspect, 200), 460)) + 50 + extra_bottom
    layout = base_layout(
        width, height, title, showlegend=overlay, shapes=shapes_layout,
        xaxis=dict(range=x_range, title=dict(text=axis_titles[0]), zeroline=False, constrain="domain"),
        yaxis=dict(range=y_range, title=dict(text=axis_titles[1]), zeroline=False,
                   scaleanchor="x", scaleratio=1, constrain="domain"),
    )
    layout["margin"].update(l=55, b=45 + extra_bottom)
    if overlay:
        layout["legend"] = dict(x=1.0, y=1.0, xanchor="right", bgcolor="rgba(255,255,255,0.6)")
    frames = None
    if animated and len(kept) > 1:
        fps = _check_fps(fps)
        frames = []
        for k, f in enumerate(kept):
            coords = []
            for name in names:
                coords += _pose_coords(clips[name][f], skeleton, styles[name] == "level", decimals)
            frames.append(go.Frame(name=str(k), data=[dict(type="scatter", **c) for c in coords],
                                   traces=list(range(len(coords)))))
        layout.update(_animation_controls([str(f) for f in kept], 1000.0 * stride / fps, False))
        layout["sliders"][0]["y"] = -0.12
        layout["updatemenus"][0]["y"] = -0.12
    return go.Figure(data=data, layout=layout, frames=frames)


def _check_image_size(image_size) -> tuple[float, float]:
    try:
        w, h = (float(v) for v in image_size)
    except (TypeError, ValueError):
        raise ValueError(f"expected image_size as (width, height) in pixels, got {image_size!r}") from None
    if not (w > 0 and h > 0):
        raise ValueError(f"expected a positive image_size (width, height), got {image_size!r}")
    return w, h


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


# ---------------------------------------------------------------- lesson 02: galleries, bone lengths, noise


def _facing_front(points: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Turn a world pose about the vertical through its root so its hips run along +x (right hip
    at +x, so the person faces +y, like ``bones.rest_pose``). Skeletons without RHip/LHip are
    returned unchanged."""
    if "RHip" not in skeleton.names or "LHip" not in skeleton.names:
        return points
    right = points[skeleton.index("RHip")] - points[skeleton.index("LHip")]
    angle = -math.atan2(right[1], right[0])
    cos, sin = math.cos(angle), math.sin(angle)
    rotation = np.array([[cos, -sin, 0.0], [sin, cos, 0.0], [0.0, 0.0, 1.0]])
    root = points[0] * np.array([1.0, 1.0, 0.0])
    return (points - root) @ rotation.T + root


def pose_gallery(poses: Mapping[str, PoseLike], skeleton: Skeleton = H36M, *, columns: int = 5,
                 spacing: float = 1.6, face_front: bool = True, title: str | None = None,
                 width: int = 760, height: int = 620) -> go.Figure:
    """Several world poses (z up) side by side in one 3D scene, a grid of labelled snapshots.

    ``poses``: name -> [J, 3], e.g. one snapshot per action, laid out row by row, ``columns`` per
    row, ``spacing`` metres apart, reading left to right as seen from the default viewpoint (in
    front of the people, who face it when ``face_front`` turns each pose about the vertical so it
    faces +y). Rows are stacked vertically like shelves, so every pose is seen without occlusion;
    within a row the heights are kept (feet on the floor stay on one line).
    One scene keeps it to one WebGL context (browsers allow about 16 per page) and the JSON small:
    5 bone traces (levels 1..5), one joints trace and one label trace, axes hidden.
    """
    poses = _as_named(poses, "pose")
    if isinstance(columns, bool) or not isinstance(columns, (int, np.integer)) or columns < 1:
        raise ValueError(f"expected columns as a positive int, got {columns!r}")
    if not (isinstance(spacing, (int, float)) and math.isfinite(spacing) and spacing > 0):
        raise ValueError(f"expected spacing as a positive number (metres), got {spacing!r}")
    names = list(poses)
    j = skeleton.num_joints
    arrays = []
    for name, pose in poses.items():
        points = _check_pose(pose, skeleton, f"pose {name!r}")
        arrays.append(_facing_front(points, skeleton) if face_front else points)
    row_height = max(float(p[:, 2].max() - p[:, 2].min()) for p in arrays) + 0.45
    placed = []
    for i, points in enumerate(arrays):
        row, col = divmod(i, int(columns))
        # Seen from +y, +x is on the viewer's left: columns run towards -x.
        offset = np.array([-col * spacing, 0.0, -row * row_height]) - points[0] * np.array([1.0, 1.0, 0.0])
        placed.append(points + offset)
    everything = np.concatenate(placed)  # [N * J, 3]
    data = []
    for level, pairs in _bones_by_level(skeleton):
        shifted = [(p + i * j, c + i * j) for i in range(len(placed)) for p, c in pairs]
        data.append(dict(type="scatter3d", mode="lines", name=f"level {level} bones",
                         line=dict(color=level_color(level), width=5), hoverinfo="skip",
                         **_polyline(everything, shifted, 3)))
    data.append(dict(
        type="scatter3d", mode="markers", name="joints", **_coords(everything, range(len(everything)), 3),
        marker=dict(size=3, color=[level_color(lv) for lv in skeleton.levels] * len(placed)),
        text=[f"{name}: {_joint_label(skeleton, k)}" for name in names for k in range(j)],
        hoverinfo="text",
    ))
    tops = np.array([[p[0, 0], p[0, 1], p[:, 2].max() + 0.2] for p in placed])
    data.append(dict(type="scatter3d", mode="text", name="labels", text=names, hoverinfo="skip",
                     textfont=dict(size=12), **_coords(tops, range(len(placed)), 3)))
    scene = _scene(np.concatenate([everything, tops]), "world")
    scene["camera"] = dict(eye=dict(x=0.0, y=1.1, z=0.2), up=dict(x=0, y=0, z=1))
    for axis in ("xaxis", "yaxis", "zaxis"):
        scene[axis] = dict(range=scene[axis]["range"], visible=False)
    layout = base_layout(width, height, title, scene=scene, annotations=[_level_key(skeleton)])
    return go.Figure(data=data, layout=layout)


def _bone_label(skeleton: Skeleton, bone) -> tuple[int, str]:
    """(child joint index, 'Parent→Child') of a bone given by its child joint (index or name)."""
    k = joint_index(bone, skeleton)
    if k == 0:
        raise ValueError("expected a bone by its child joint (1..J-1), got the root, which ends no bone")
    return k, f"{skeleton.names[skeleton.parents[k]]}\u2192{skeleton.names[k]}"


def bone_lengths_over_time(lengths: Mapping[str, PoseLike],
                           bones: Sequence[int | str] = ("RKnee", "LElbow", "Nose"), skeleton: Skeleton = H36M, *, fps: float = 50, title: str | None = None,
                           width: int = 640, height: int = 340) -> go.Figure:
    """Bone length (cm) against time (s): one line per (series, bone), one colour per bone.

    ``lengths``: name -> [F, B, 1] or [F, B] in metres, all the same shape (e.g. the lengths of a
    clip from ``bones.disentangle`` and of a noisy copy). ``bones``: the bones to draw, each given
    by its child joint (bone k ends at joint k), as an index or a name. The first series is drawn
    thick, the others thin and translucent.
    """
    fps = _check_fps(fps)
    if not isinstance(lengths, Mapping) or not lengths:
        raise ValueError("expected lengths as a non-empty mapping name -> [F, B, 1] lengths")
    b = skeleton.num_bones
    arrays = {}
    for name, series in lengths.items():
        array = _checked(series, f"lengths {name!r}", [(None, b, 1), (None, b)], f"[F, {b}, 1] or [F, {b}]")
        arrays[name] = array.reshape(array.shape[0], b)
    shapes = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"expected series with the same number of frames, got {shapes}")
    picked = [_bone_label(skeleton, bone) for bone in bones]
    if not picked:
        raise ValueError("expected at least one bone, got none")
    palette = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
    time = np.round(np.arange(next(iter(shapes.values()))) / fps, 4).tolist()
    data = []
    for s, (name, array) in enumerate(arrays.items()):
        for i, (k, label) in enumerate(picked):
            data.append(go.Scatter(
                x=time, y=np.round(100 * array[:, k - 1], 2).tolist(), mode="lines",
                name=f"{label}: {name}", legendgroup=label, opacity=1.0 if s == 0 else 0.6,
                line=dict(color=palette[i % len(palette)], width=3 if s == 0 else 1.2),
                hovertemplate=f"{label} ({name})<br>%{{x:.2f}} s: %{{y:.1f}} cm<extra></extra>",
            ))
    layout = base_layout(
        width, height, title, showlegend=True,
        xaxis=dict(title=dict(text="time (s)"), zeroline=False, gridcolor="#eee"),
        yaxis=dict(title=dict(text="bone length (cm)"), rangemode="tozero", gridcolor="#eee"),
        legend=dict(x=1.02, y=1.0, xanchor="left", font=dict(size=11)),
    )
    layout["margin"].update(l=60, b=50, r=10)
    return go.Figure(data=data, layout=layout)


def perturbation_explorer(clean: PoseLike, steps: Mapping[str, tuple], skeleton: Skeleton = H36M, *,
                   frame: str = "world", ylabel: str = "mean joint error (cm)", ymax: float | None = None,
                   title: str | None = None, width: int = 820, height: int = 470) -> go.Figure:
    """A clean pose with a noisy copy overlaid (left) and per-level errors (right), per step.

    ``steps``: label -> (noisy [J, 3], {series name: one value per hierarchy level}); every step
    has the same series names. One step gives a static figure (wrap it in ``ipywidgets.interact``
    for live controls); several give a plotly slider that swaps the noisy pose and the values
    (no kernel needed). The clean pose is grey, the noisy one coloured by level. Axis ranges are
    fixed over all steps (``ymax`` overrides the top of the error axis).
    Traces: clean (bones, joints), noisy (5 bone traces, joints), then one line per series.
    """
    _check_frame(frame)
    if not isinstance(steps, Mapping) or not steps:
        raise ValueError("expected steps as a non-empty mapping label -> (noisy pose, {series: levels})")
    n = skeleton.num_levels
    clean_points = to_display(_check_pose(clean, skeleton, "clean"), frame)
    poses, values = {}, {}
    for label, step in steps.items():
        if not isinstance(step, (tuple, list)) or len(step) != 2 or not isinstance(step[1], Mapping):
            raise ValueError(f"expected step {label!r} as (noisy pose, {{series: levels}}), "
                             f"got {type(step).__name__}")
        poses[label] = to_display(_check_pose(step[0], skeleton, f"noisy pose of step {label!r}"), frame)
        values[label] = {name: _checked(v, f"values {name!r} of step {label!r}", [(n,)], f"[{n}]")
                         for name, v in step[1].items()}
    labels = list(steps)
    series = list(values[labels[0]])
    for label in labels:
        if list(values[label]) != series:
            raise ValueError(f"expected the series {series} in every step, "
                             f"got {list(values[label])} in {label!r}")
    data = _pose_traces(clean_points, skeleton, "clean", "#9a9a9a", 0.55, True, 3)
    first_noisy = len(data)
    data += _pose_traces(poses[labels[0]], skeleton, "noisy", "level", 1.0, False, 3)
    data[-1].update(name="noisy", showlegend=True)
    palette = ("#333333", "#D55E00", "#0072B2") + OVERLAY_COLORS[1:]
    first_line = len(data)
    for i, name in enumerate(series):
        data.append(dict(type="scatter", mode="lines+markers", name=name, x=list(range(n)),
                         y=np.round(values[labels[0]][name], 3).tolist(), xaxis="x", yaxis="y",
                         line=dict(color=palette[i % len(palette)], width=2), marker=dict(size=7)))
    top = max(float(v.max()) for step in values.values() for v in step.values())
    top = float(ymax) if ymax is not None else 1.1 * top if top > 0 else 1.0
    scene = _scene(np.stack([clean_points] + [poses[label] for label in labels]), frame)
    scene["domain"] = dict(x=[0.0, 0.5], y=[0.0, 1.0])
    ticks = [f"<span style='color:{level_color(k)}'>level {k}</span>" for k in range(n)]
    layout = base_layout(
        width, height, title, scene=scene, showlegend=True,
        xaxis=dict(domain=[0.6, 1.0], tickvals=list(range(n)), ticktext=ticks, range=[-0.4, n - 0.6],
                   title=dict(text="hierarchy level"), zeroline=False),
        yaxis=dict(title=dict(text=ylabel), range=[0.0, round(top, 3)], gridcolor="#eee", zeroline=False),
        legend=dict(x=0.61, y=1.0, xanchor="left", bgcolor="rgba(255,255,255,0.6)"),
    )
    if len(labels) > 1:
        frames = []
        for k, label in enumerate(labels):
            coords = _pose_coords(poses[label], skeleton, True, 3)
            frame_data = [dict(type="scatter3d", **c) for c in coords]
            frame_data += [dict(type="scatter", y=np.round(values[label][name], 3).tolist())
                           for name in series]
            frames.append(go.Frame(name=str(k), data=frame_data,
                                   traces=list(range(first_noisy, first_line + len(series)))))
        layout.update(_animation_controls(labels, 1000.0, True))
        layout.pop("updatemenus")  # a slider over settings, not a movie: no play button
        layout["sliders"][0].update(x=0.06, len=0.88, y=0.0, pad=dict(t=55), font=dict(size=10),
                                    currentvalue=dict(prefix="showing: ", xanchor="left", font=dict(size=12)))
        layout["margin"]["b"] = 130
        return go.Figure(data=data, layout=layout, frames=frames)
    return go.Figure(data=data, layout=layout)


def coverage_bars(histograms: Mapping[str, Sequence[float]], edges: Sequence[float], *, xtitle: str = "torso tilt (°)",
                  title: str | None = None, width: int = 760, height: int = 360) -> go.Figure:
    """Grouped bars: for each dataset (name -> fractions per bin, e.g. ``datasets.coverage``'s
    ``tilt_histogram``) the share of frames in each bin between consecutive ``edges``."""
    edges = [float(e) for e in edges]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"expected at least two increasing bin edges, got {edges}")
    labels = [f"{a:g}-{b:g}" for a, b in zip(edges, edges[1:])]
    data = []
    for index, (name, fractions) in enumerate(histograms.items()):
        values = np.asarray(fractions, dtype=float)
        if values.shape != (len(labels),):
            raise ValueError(f"expected {len(labels)} fractions for {name!r} (one per bin), got {list(values.shape)}")
        data.append(dict(type="bar", name=name, x=labels, y=np.round(100 * values, 2).tolist(),
                         marker=dict(color=level_color(1 + 2 * index % 5))))
    layout = base_layout(width, height, title, barmode="group", bargap=0.15,
                         xaxis=dict(title=xtitle), yaxis=dict(title="share of frames (%)"),
                         legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return go.Figure(data=data, layout=layout)


def landmarks_to_joints(landmarks, joints, *, picture: str | None = None, image_size=None,
                        names: Sequence[str] = MEDIAPIPE_NAMES, title: str | None = None, width: int = 620,
                        height: int = 520) -> go.Figure:
    """One frame of a 2D detector's output and what the model reads (lesson 08): the detector's
    landmarks [P, 2] (grey, named on hover), the Human3.6M-17 joints made from
    them [17, 2] (bones coloured by level) and thin dashed lines from each joint made of several
    landmarks (pelvis, spine, thorax, head) to those landmarks (``keypoints.H36M_SOURCES``).
    Pixels, y down, zoomed on the person; ``picture`` (an image URL or ``data:`` URI, e.g. the
    video frame) is drawn behind over the whole ``image_size`` (w, h)."""
    points = _checked(landmarks, "landmarks", [(len(names), 2)], f"[{len(names)}, 2]")
    kp = _checked(joints, "joints", [(17, 2)], "[17, 2]")
    ties: dict = dict(x=[], y=[])
    for j, sources in enumerate(H36M_SOURCES):
        if len(sources) > 1:
            for p in [names.index(n) for n in sources if n in names]:
                ties["x"] += [round(float(kp[j, 0]), 1), round(float(points[p, 0]), 1), None]
                ties["y"] += [round(float(kp[j, 1]), 1), round(float(points[p, 1]), 1), None]
    data = [dict(type="scatter", mode="lines", name="derived from", **ties, hoverinfo="skip",
                 line=dict(color="#444", width=1, dash="dot"))]
    data += [dict(type="scatter", mode="markers", name=f"{len(names)} landmarks",
                  x=np.round(points[:, 0], 1).tolist(), y=np.round(points[:, 1], 1).tolist(),
                  text=list(names), hoverinfo="text",
                  marker=dict(size=6, color="#bbb", line=dict(color="#333", width=1)))]
    data += _pose_traces(kp, H36M, "17 joints", "level", 1.0, False, 1)
    everything = np.concatenate([points, kp])
    low, high = everything.min(0), everything.max(0)
    centre, half = (low + high) / 2, float((high - low).max()) * 0.6 + 5
    layout = base_layout(
        width, height, title or f"{len(names)} detector landmarks → 17 joints", showlegend=True,
        xaxis=dict(range=[centre[0] - half, centre[0] + half], title="x (px)", showgrid=picture is None,
                   zeroline=False, constrain="domain"),
        yaxis=dict(range=[centre[1] + half, centre[1] - half], title="y (px, down)", scaleanchor="x",
                   showgrid=picture is None, zeroline=False, constrain="domain"))
    if picture is not None:
        if image_size is None:
            raise ValueError("expected image_size (width, height) with a picture, got None")
        w, h = _check_image_size(image_size)
        layout["images"] = [picture_behind(picture, 0, 0, w, h)]
    return go.Figure(data=data, layout=layout)
