"""Motion and proportions (lesson 02): galleries of poses, bone lengths over time, the explorer of
perturbed lengths and directions, and the coverage of datasets (torso tilt) as grouped bars."""
from __future__ import annotations

import math
import re
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..skeleton import H36M, Skeleton
from .core import (
    OVERLAY_COLORS,
    PoseLike,
    _as_named,
    _bones_by_level,
    _check_frame,
    _check_pose,
    _checked,
    _coords,
    _joint_label,
    _level_key,
    _polyline,
    _pose_coords,
    _pose_traces,
    base_layout,
    joint_index,
    level_color,
    to_display,
)
from .poses import _animation_controls, _check_fps, _scene

__all__ = ["bone_lengths_over_time", "coverage_bars", "perturbation_explorer", "pose_gallery"]

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
    row_height = max(float(p[:, 2].max() - p[:, 2].min()) for p in arrays) + _LABEL_ROOM
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
    tops = np.array([[p[0, 0], p[0, 1], p[:, 2].max() + 0.15] for p in placed])
    characters = max(6, int(width / min(int(columns), len(names)) / _LABEL_CHARACTER_PX))
    data.append(dict(type="scatter3d", mode="text", name="labels", text=[wrapped(n, characters) for n in names],
                     hoverinfo="skip", textposition="top center", textfont=dict(size=12),
                     **_coords(tops, range(len(placed)), 3)))
    scene = _scene(np.concatenate([everything, tops]), "world")
    for axis in ("xaxis", "yaxis", "zaxis"):
        scene[axis] = dict(range=scene[axis]["range"], visible=False)
    layout = base_layout(width, height, title, scene=scene, annotations=[_level_key(skeleton)])
    scene["camera"] = _gallery_camera(scene["aspectratio"], layout)
    return go.Figure(data=data, layout=layout)


_LABEL_ROOM = 0.75  # metres between a row's tallest pose and the next row: room for two lines of name
_LABEL_CHARACTER_PX = 9.0  # one character of 12 px text, with room between columns


def wrapped(label: str, characters: int) -> str:
    """``label`` broken into lines of at most ``characters`` (plotly's ``<br>``) at spaces and
    underscores (dropped at a break), so a gallery's names stay within their column; a longer word
    stays whole."""
    lines, line = [], ""
    for piece in re.findall(r"[^ _]+[ _]*", label):
        if line and len((line + piece).rstrip(" _")) > characters:
            lines.append(line.rstrip(" _"))
            line = ""
        line += piece
    lines.append(line)
    return "<br>".join(lines)


_GALLERY_ROOM = 1.05  # how much farther than where the box would touch the view's edges


def _gallery_camera(ratio: Mapping[str, float], layout: Mapping) -> dict:
    """Seen from in front, slightly above, from where the grid's box (its largest side 1) just fits
    the view: plotly's vertical field of view is 45 degrees, so a box side s fills the view's height
    from 1.2 s and its width from 1.2 s times the view's height / width. The grid fills the figure's
    width or its height, and the names over the top row stay inside (issue 27: from a fixed y = 1.1
    a gallery of 6 x 6 lost them at the top, one of 4 x 2 left a quarter of its width empty)."""
    margin = layout["margin"]
    view_w, view_h = layout["width"] - margin["l"] - margin["r"], layout["height"] - margin["t"] - margin["b"]
    fit = max(ratio["z"], ratio["x"] * view_h / view_w) / (2 * math.tan(math.pi / 8))
    distance = round(_GALLERY_ROOM * fit, 3)
    return dict(eye=dict(x=0.0, y=distance, z=round(0.18 * distance, 3)), up=dict(x=0, y=0, z=1))


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
    # seen from 1.25 times the usual distance: the axes' tick labels and titles stay inside the left
    # half (issue 27: from 1.0 the x and depth axes were cut at the bottom and right edges)
    scene = _scene(np.stack([clean_points] + [poses[label] for label in labels]), frame, distance=1.25)
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
