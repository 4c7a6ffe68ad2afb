"""Shared by every figure: colours per level, the small layout, input checks, pose traces, highlighting,
and the building blocks of interactive views (``FigureUpdate``, ``apply_update``, ``update_frame``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .._tensors import describe
from ..skeleton import H36M, Skeleton

__all__ = [
    "FRAMES", "FigureUpdate", "HIGHLIGHT_COLOR", "LEVEL_COLORS", "OVERLAY_COLORS", "apply_update",
    "base_layout", "check_index", "joint_facts", "joint_index", "level_color", "picture_behind", "to_display",
    "trace_indices", "update_frame",
]

LEVEL_COLORS: tuple[str, ...] = ("#000000", "#0072B2", "#009E73", "#E69F00", "#D55E00", "#CC79A7")
"""One colour per hierarchy level 0..5 (Okabe-Ito, colour-blind safe). Deeper levels cycle."""

OVERLAY_COLORS: tuple[str, ...] = ("#7f7f7f", "#56B4E9", "#8c564b", "#17becf", "#bcbd22")
"""Solid colours for the second, third, ... pose of an overlay (the first is coloured by level)."""

HIGHLIGHT_COLOR = "rgba(240, 200, 0, 0.55)"
"""The translucent glow under highlighted joints and bones in ``kinematic_tree``."""

FRAMES = ("world", "camera")

PoseLike = Any  # a torch.Tensor, numpy.ndarray or nested lists of numbers

# Sizes in pixels: base markers, highlighted markers by role, line widths.
_JOINT_SIZE = {3: 4, 2: 7}
_BONE_WIDTH = {3: 6, 2: 3}
_ROLE_SIZE_3D = {"ancestor": 6, "parent": 8, "joint": 11, "child": 8, "selected": 8}
_ROLE_SIZE_TREE = {"ancestor": 34, "parent": 38, "joint": 46, "child": 38, "selected": 38}
_AXIS_TITLES = {
    "world": ("x (m)", "y (m)", "z (m, up)"),
    "camera": ("x (m, right)", "z (m, forward)", "-y (m, up)"),
}
# Where the 3D view looks from (and at). Camera-frame poses are tall boxes seen at an angle: a bit
# farther and aimed a bit lower, so the depth axis title stays inside the figure.
_EYES = {"world": dict(x=0.7, y=1.25, z=0.3), "camera": dict(x=0.5, y=-1.49, z=0.33)}
_CENTERS = {"world": dict(x=0, y=0, z=0), "camera": dict(x=0, y=0, z=-0.08)}
_FADED = 0.35  # opacity factor of the non-highlighted skeleton


def level_color(level: int) -> str:
    """The colour of hierarchy level ``level``."""
    return LEVEL_COLORS[level % len(LEVEL_COLORS)]


def base_layout(width: int, height: int, title: str | None = None, **extra) -> dict:
    """The layout every figure starts from: no template (small JSON), fixed size, tight margins."""
    layout = dict(
        template="none",
        width=width,
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        font=dict(family="Arial, sans-serif", size=12),
        paper_bgcolor="white",
        plot_bgcolor="white",
        showlegend=False,
    )
    if title:
        layout["title"] = dict(text=title, x=0.02, xanchor="left", font=dict(size=15))
    layout.update(extra)
    for axis in ["xaxis", "yaxis"] + [k for k in layout if k[1:5] == "axis" and k[0] in "xy"]:
        # plotly's default template grows the margins to fit tick labels and titles; "none" does not
        layout[axis] = {"automargin": True, **dict(layout.get(axis) or {})}
    return layout


# ---------------------------------------------------------------- interactive views
#
# Every interactive view (a widget or a kernel-free slider) has a figure function that draws one
# state and an update function that returns a ``FigureUpdate``: what changes for another state.
# Widgets write it into a FigureWidget (``apply_update``); kernel-free sliders store it as a
# plotly frame (``update_frame``). Both come from the same function, so they cannot drift.


@dataclass
class FigureUpdate:
    """What changes in a figure for a new state of an interactive view.

    ``traces``: trace name -> new properties (nested dicts, as ``trace.update`` takes them; each
    name must belong to exactly one trace of the figure). ``layout``: property path -> value,
    e.g. ``{"title.text": "...", "xaxis.range": [0, 1]}``.
    """

    traces: dict[str, dict] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)


def picture_behind(source: str, x0: float, y0: float, x1: float, y1: float) -> dict:
    """A plotly layout image drawn below the data, stretched over the box from (x0, y0) (top left
    in data units; y may run down) to (x1, y1): a video frame behind keypoints."""
    return dict(source=source, xref="x", yref="y", x=x0, y=y0, sizex=x1 - x0, sizey=y1 - y0, xanchor="left",
                yanchor="top", sizing="stretch", layer="below")


def trace_indices(figure: go.Figure, names: Sequence[str]) -> list[int]:
    """The index in ``figure.data`` of the one trace called ``name``, for each name."""
    found: dict[str, list[int]] = {}
    for index, trace in enumerate(figure.data):
        found.setdefault(trace.name, []).append(index)
    indices = []
    for name in names:
        hits = found.get(name, [])
        if len(hits) != 1:
            raise ValueError(f"expected one trace named {name!r}, got {len(hits)} among {list(found)}")
        indices.append(hits[0])
    return indices


def apply_update(figure: go.Figure, update: FigureUpdate) -> None:
    """Write ``update`` into ``figure`` (a ``go.Figure`` or a ``go.FigureWidget``) in place, in one
    batch (one message to the browser for a FigureWidget)."""
    indices = trace_indices(figure, list(update.traces))
    with figure.batch_update():
        for index, props in zip(indices, update.traces.values()):
            figure.data[index].update(props)
        for path, value in update.layout.items():
            figure.layout[path] = value


def update_frame(figure: go.Figure, update: FigureUpdate, name: str) -> go.Frame:
    """``update`` as a plotly animation frame of ``figure``: the kernel-free twin of ``apply_update``
    (a slider step animates to the frame). Layout paths must not index lists ("shapes[0].y0")."""
    indices = trace_indices(figure, list(update.traces))
    data = [dict(type=figure.data[index].type, **props) for index, props in zip(indices, update.traces.values())]
    layout: dict = {}
    for path, value in update.layout.items():
        if "[" in path:
            raise ValueError(f"expected layout paths without list indices in a frame, got {path!r}")
        *parents, leaf = path.split(".")
        node = layout
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return go.Frame(name=name, data=data, traces=indices, layout=layout)


# ---------------------------------------------------------------- input checks and conversion


def check_index(value, name: str, count: int, *, words: Sequence[str] = (), low: int = 0):
    """``value`` as an int in ``low``..``count - 1``, or one of ``words`` (returned as is, e.g.
    'mean'); anything else (bools, floats, other strings) raises a ValueError."""
    if isinstance(value, str) and value in words:
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and low <= value < count:
        return int(value)
    choices = "".join(f" or {word!r}" for word in words)
    raise ValueError(f"expected {name} as an int in {low}..{count - 1}{choices}, got {value!r}")


def _to_numpy(x, name: str) -> np.ndarray:
    if hasattr(x, "detach"):  # torch.Tensor, without importing torch here
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"expected {name} as a torch.Tensor, numpy.ndarray or nested lists of numbers, "
            f"got {type(x).__name__}"
        ) from None


def _checked(x, name: str, shapes: Sequence[tuple], spelled: str) -> np.ndarray:
    """``x`` as float64 NumPy if its shape matches one of ``shapes`` (None = any size)."""
    array = _to_numpy(x, name)
    fits = any(
        array.ndim == len(shape) and all(want is None or want == got for want, got in zip(shape, array.shape))
        for shape in shapes
    )
    if not fits:
        raise ValueError(f"expected {name} of shape {spelled}, got {describe(array.shape)}")
    if array.size == 0:
        raise ValueError(f"expected {name} with at least one frame, got {describe(array.shape)}")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"expected finite {name}, got {bad} NaN or infinite values")
    return array


def _check_pose(pose, skeleton: Skeleton, name: str = "pose") -> np.ndarray:
    j = skeleton.num_joints
    return _checked(pose, name, [(j, 3)], f"[{j}, 3]")


def _check_clip(poses, skeleton: Skeleton, name: str = "poses") -> np.ndarray:
    j = skeleton.num_joints
    return _checked(poses, name, [(None, j, 3)], f"[F, {j}, 3]")


def _check_frame(frame: str) -> None:
    if frame not in FRAMES:
        raise ValueError(f"expected frame 'world' or 'camera', got {frame!r}")


def _as_named(poses, default_name: str) -> dict:
    """A single array becomes {default_name: array}; a mapping is kept (and must not be empty)."""
    if isinstance(poses, Mapping):
        if not poses:
            raise ValueError("expected at least one pose in the mapping, got an empty mapping")
        return dict(poses)
    return {default_name: poses}


def joint_index(joint, skeleton: Skeleton = H36M) -> int:
    """A joint's index from its name or index; a ValueError for anything else."""
    if isinstance(joint, str):
        return skeleton.index(joint)
    if isinstance(joint, (int, np.integer)) and not isinstance(joint, bool):
        if 0 <= joint < skeleton.num_joints:
            return int(joint)
    raise ValueError(
        f"expected a joint index in 0..{skeleton.num_joints - 1} or a joint name, got {joint!r}"
    )


def to_display(points, frame: str = "world") -> np.ndarray:
    """[..., 3] points -> display axes (x, y, z-up). ``"camera"`` maps (x, y, z) to (x, z, -y)."""
    _check_frame(frame)
    points = _to_numpy(points, "points")
    if frame == "world":
        return points
    return np.stack([points[..., 0], points[..., 2], -points[..., 1]], axis=-1)


# ---------------------------------------------------------------- trace building blocks


def _coords(points: np.ndarray, joints: Sequence[int], decimals: int) -> dict:
    """x, y (and z) lists of the given joints, rounded."""
    picked = np.round(points[list(joints)], decimals)
    keys = "xyz"[: points.shape[-1]]
    return {key: picked[:, i].tolist() for i, key in enumerate(keys)}


def _polyline(points: np.ndarray, pairs: Sequence[tuple[int, int]], decimals: int) -> dict:
    """Line segments (a, b) as x, y (and z) lists with None between segments."""
    rounded = np.round(points, decimals).tolist()
    keys = "xyz"[: points.shape[-1]]
    out: dict = {key: [] for key in keys}
    for a, b in pairs:
        for i, key in enumerate(keys):
            out[key] += [rounded[a][i], rounded[b][i], None]
    return out


def _bones_by_level(skeleton: Skeleton) -> list[tuple[int, list[tuple[int, int]]]]:
    """[(level, bones ending at that level)] for levels 1..max: a bone takes its child's level."""
    return [
        (level, [(p, c) for p, c in skeleton.bones if skeleton.levels[c] == level])
        for level in range(1, skeleton.num_levels)
    ]


def _joint_label(skeleton: Skeleton, j: int) -> str:
    return f"{skeleton.names[j]} ({j}), level {skeleton.levels[j]}"


def _pose_coords(points: np.ndarray, skeleton: Skeleton, by_level: bool, decimals: int) -> list[dict]:
    """Coordinates of a pose's traces, in trace order (used for figures and animation frames)."""
    if by_level:
        bones = [_polyline(points, pairs, decimals) for _, pairs in _bones_by_level(skeleton)]
    else:
        bones = [_polyline(points, skeleton.bones, decimals)]
    return bones + [_coords(points, range(skeleton.num_joints), decimals)]


def _pose_traces(points: np.ndarray, skeleton: Skeleton, name: str, color: str, opacity: float,
                 show_legend: bool, decimals: int) -> list[dict]:
    """Trace dicts of one pose: bones (one trace per level, or one solid trace) then joints."""
    dims = points.shape[-1]
    kind = "scatter3d" if dims == 3 else "scatter"
    by_level = color == "level"
    coords = _pose_coords(points, skeleton, by_level, decimals)
    prefix = "" if not show_legend else f"{name}: "
    traces = []
    groups = _bones_by_level(skeleton) if by_level else [(None, list(skeleton.bones))]
    for (level, pairs), xyz in zip(groups, coords[:-1]):
        traces.append(dict(
            type=kind, mode="lines", **xyz,
            name=f"{prefix}level {level} bones" if by_level else f"{prefix}bones",
            line=dict(color=level_color(level) if by_level else color, width=_BONE_WIDTH[dims]),
            hoverinfo="skip", legendgroup=name, showlegend=False, opacity=opacity,
            meta=dict(level=level, bones=[list(b) for b in pairs]),
        ))
    joint_colors = [level_color(lv) for lv in skeleton.levels] if by_level else color
    traces.append(dict(
        type=kind, mode="markers", **coords[-1],
        name=name if show_legend else "joints",
        marker=dict(size=_JOINT_SIZE[dims], color=joint_colors),
        text=[prefix + _joint_label(skeleton, j) for j in range(skeleton.num_joints)],
        hoverinfo="text", legendgroup=name, showlegend=show_legend, opacity=opacity,
    ))
    return traces


def _pose_styles(names: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """Colour per pose: 'level' or a CSS colour. Default: first by level, others solid."""
    colors = dict(colors or {})
    unknown = sorted(set(colors) - set(names))
    if unknown:
        raise ValueError(f"expected colors for the poses {list(names)}, got unknown names {unknown}")
    styles, solid = {}, iter(OVERLAY_COLORS * (len(names) // len(OVERLAY_COLORS) + 1))
    for i, name in enumerate(names):
        styles[name] = colors.get(name) or ("level" if i == 0 else next(solid))
    return styles


def _opacities(names: Sequence[str], opacity) -> dict[str, float]:
    """Opacity per pose. Default: the first pose opaque, the others see-through (0.6)."""
    defaults = {name: 1.0 if i == 0 else 0.6 for i, name in enumerate(names)}
    if opacity is None:
        return defaults
    if isinstance(opacity, Mapping):
        return {name: float(opacity.get(name, defaults[name])) for name in names}
    return {name: float(opacity) for name in names}


def _level_key(skeleton: Skeleton) -> dict:
    """A one-line colour key 'level ●0 ●1 ...' as a paper annotation (cheaper than 6 legend traces)."""
    dots = " ".join(
        f"<span style='color:{level_color(k)}'>\u25cf{k}</span>" for k in range(skeleton.num_levels)
    )
    return dict(text=f"level {dots}", x=0.01, y=0.99, xref="paper", yref="paper", xanchor="left",
                yanchor="top", showarrow=False, font=dict(size=13))


# ---------------------------------------------------------------- highlighting


def _highlight_roles(highlight, skeleton: Skeleton):
    """(joint, role) pairs and the bones to emphasise.

    A single joint (index or name) gives its chain (ancestors, parent), itself and its children;
    a collection of joints gives those joints and the bones between them.
    """
    if isinstance(highlight, (str, int, np.integer)):
        j = joint_index(highlight, skeleton)
        chain = skeleton.chain_of(j)
        roles = [(a, "ancestor") for a in chain[:-2]]
        roles += [(chain[-2], "parent")] if len(chain) > 1 else []
        roles += [(j, "joint")] + [(c, "child") for c in skeleton.children[j]]
        bones = list(zip(chain[:-1], chain[1:])) + [(j, c) for c in skeleton.children[j]]
        return roles, bones
    joints = sorted({joint_index(x, skeleton) for x in highlight})
    bones = [(p, c) for p, c in skeleton.bones if p in joints and c in joints]
    return [(j, "selected") for j in joints], bones


def _highlight_props(points: np.ndarray, skeleton: Skeleton, highlight, sizes: Mapping[str, int],
                     color: str | None, decimals: int) -> dict:
    """Data of the one highlight trace (mode lines+markers): the emphasised bones as segments
    (parent, child, gap) and the emphasised joints as markers sized by role. ``color=None``
    colours bones by their child's level and joints by their own level; else one colour.
    ``customdata`` holds the joint index of every vertex (None in the gaps)."""
    roles, bones = _highlight_roles(highlight, skeleton)
    role_of = dict(roles)
    in_bones = {j for bone in bones for j in bone}
    vertices, line_levels = [], []
    for p, c in bones:
        vertices += [p, c, None]
        line_levels += [skeleton.levels[c]] * 2 + [0]
    for j, _ in roles:
        if j not in in_bones:
            vertices += [j, None]
            line_levels += [skeleton.levels[j], 0]
    rounded = np.round(points, decimals).tolist()
    keys = "xyz"[: points.shape[-1]]
    props: dict = {key: [None if v is None else rounded[v][i] for v in vertices]
                   for i, key in enumerate(keys)}
    props["customdata"] = vertices
    props["text"] = ["" if v is None else f"{_joint_label(skeleton, v)}: {role_of[v]}" for v in vertices]
    if color is None:
        joint_colors = ["#ffffff" if v is None else level_color(skeleton.levels[v]) for v in vertices]
        line_colors = [level_color(lv) for lv in line_levels]
    else:
        joint_colors = line_colors = color
    props["marker"] = dict(
        size=[0 if v is None else sizes[role_of[v]] for v in vertices],
        symbol=["circle" if v is None or role_of[v] != "joint" else "diamond" for v in vertices],
        color=joint_colors,
    )
    props["line"] = dict(color=line_colors)
    return props


def _flatten(props: dict, prefix: str = "") -> dict:
    """{'marker': {'size': s}} -> {'marker.size': s}, the form plotly's restyle expects."""
    flat = {}
    for key, value in props.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def joint_facts(joint, skeleton: Skeleton = H36M) -> dict[str, str]:
    """Plain-text facts about one joint (name or index): level, parent, children, chain, triplets."""
    j = joint_index(joint, skeleton)
    names = skeleton.names
    parent = skeleton.parents[j]
    children = skeleton.children[j]
    triplets = [t for t in skeleton.triplets if j in t]
    return {
        "joint": f"{names[j]} ({j})",
        "level": str(skeleton.levels[j]),
        "parent": f"{names[parent]} ({parent})" if parent >= 0 else "none (the root)",
        "children": ", ".join(f"{names[c]} ({c})" for c in children) or "none (a leaf)",
        "chain": " \u2192 ".join(names[a] for a in skeleton.chain_of(j)),
        "triplets": ", ".join(str(t) for t in triplets) or "none",
    }


def _facts_text(skeleton: Skeleton, joint) -> str:
    facts = joint_facts(joint, skeleton)
    return (
        f"<b>{facts['joint']}</b>, level {facts['level']}; parent {facts['parent']}; "
        f"children {facts['children']}<br>chain {facts['chain']}<br>triplets {facts['triplets']}"
    )
