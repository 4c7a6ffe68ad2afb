"""Plotly figures for the lessons: skeletons in 3D and 2D, the kinematic tree, clips, charts.

Every function here is pure: it takes poses (torch or NumPy, or nested lists) and returns a
``plotly.graph_objects.Figure``; nothing is displayed or printed. Figures stay small when a
notebook saves them: no default template, fixed sizes, coordinates rounded (millimetres for
metres), and one colour per hierarchy level defined once in ``LEVEL_COLORS``.

Display frames for 3D poses:
- ``"world"``: z-up metres, as ``bones.rest_pose()`` (the person faces +y).
- ``"camera"``: camera coordinates (x right, y down, z forward), drawn upright by plotting
  (x, z, -y): depth runs into the screen and -y points up.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .skeleton import H36M, Skeleton

__all__ = [
    "LEVEL_COLORS", "OVERLAY_COLORS", "HIGHLIGHT_COLOR", "FRAMES",
    "level_color", "base_layout", "to_display",
    "skeleton_3d", "skeletons_3d", "kinematic_tree", "tree_positions", "joint_explorer",
    "animate_clip", "keypoints_2d", "line_by_level",
    "schedule_curves", "noising_view", "noising_explorer", "ddim_trajectory", "PAIR_TRACES",
    "pose_gallery", "bone_lengths_over_time", "perturbation_explorer",
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
_EYES = {"world": dict(x=0.7, y=1.25, z=0.3), "camera": dict(x=0.45, y=-1.35, z=0.3)}
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
    return layout


# ---------------------------------------------------------------- input checks and conversion


def _describe(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


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
        raise ValueError(f"expected {name} of shape {spelled}, got {_describe(array.shape)}")
    if array.size == 0:
        raise ValueError(f"expected {name} with at least one frame, got {_describe(array.shape)}")
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


def _joint_index(joint, skeleton: Skeleton) -> int:
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
        j = _joint_index(highlight, skeleton)
        chain = skeleton.chain_of(j)
        roles = [(a, "ancestor") for a in chain[:-2]]
        roles += [(chain[-2], "parent")] if len(chain) > 1 else []
        roles += [(j, "joint")] + [(c, "child") for c in skeleton.children[j]]
        bones = list(zip(chain[:-1], chain[1:])) + [(j, c) for c in skeleton.children[j]]
        return roles, bones
    joints = sorted({_joint_index(x, skeleton) for x in highlight})
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


def _joint_facts(skeleton: Skeleton, joint) -> dict[str, str]:
    """Plain-text facts about one joint: level, parent, children, chain and triplets."""
    j = _joint_index(joint, skeleton)
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
    facts = _joint_facts(skeleton, joint)
    return (
        f"<b>{facts['joint']}</b>, level {facts['level']}; parent {facts['parent']}; "
        f"children {facts['children']}<br>chain {facts['chain']}<br>triplets {facts['triplets']}"
    )


# ---------------------------------------------------------------- 3D skeletons


def _scene(points: np.ndarray, frame: str) -> dict:
    """Fixed axis ranges around all ``points`` [..., 3] (display axes) with equal scale."""
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
        camera=dict(eye=_EYES[frame], up=dict(x=0, y=0, z=1)),
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


def joint_explorer(pose: PoseLike | None = None, skeleton: Skeleton = H36M, *, joint=None,
                   frame: str = "world", title: str | None = None, width: int = 560,
                   height: int = 520) -> go.Figure:
    """The joint picker without a kernel: a 3D skeleton with a plotly dropdown of joint names.

    Each dropdown entry restyles the highlight trace and rewrites the text line at the top
    (level, parent, children, chain, triplets), so it works in static HTML and on Colab.
    ``pose`` defaults to ``bones.rest_pose()``; ``joint`` is the initial selection.
    """
    if pose is None:
        from .bones import rest_pose

        pose = rest_pose()
    first = _joint_index(joint if joint is not None else _default_joint(skeleton), skeleton)
    fig = skeleton_3d(pose, skeleton, frame=frame, highlight=first, title=title, width=width,
                      height=height)
    points = to_display(_check_pose(pose, skeleton), frame)
    info_index = len(fig.layout.annotations)
    fig.add_annotation(text=_facts_text(skeleton, first), x=0.0, y=1.0, xref="paper", yref="paper",
                       xanchor="left", yanchor="bottom", align="left", showarrow=False,
                       font=dict(size=11))
    buttons = []
    for j, name in enumerate(skeleton.names):
        props = _flatten(_highlight_props(points, skeleton, j, _ROLE_SIZE_3D, None, 3))
        restyle = {key: [value] for key, value in props.items()}  # [value] = one trace's value
        relayout = {f"annotations[{info_index}].text": _facts_text(skeleton, j)}
        buttons.append(dict(label=f"{j} {name}", method="update",
                            args=[restyle, relayout, [len(fig.data) - 1]]))
    fig.update_layout(
        margin=dict(t=100 if title else 60),
        updatemenus=[dict(type="dropdown", buttons=buttons, active=first, x=1.0, y=1.0,
                          xanchor="right", yanchor="bottom", showactive=True)],
    )
    return fig


def _default_joint(skeleton: Skeleton) -> int:
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
        props = _highlight_props(points, skeleton, highlight, _ROLE_SIZE_TREE, HIGHLIGHT_COLOR, 3)
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


# ---------------------------------------------------------------- diffusion (lesson 03)
#
# The two-skeleton figures below share one trace layout, ``PAIR_TRACES``: the left pose (5 bone
# traces by level + joints), the right pose (the same), the ᾱ_t curve, the marker at the current
# t, then the faint reference pose in each scene (when given). Slider frames and the widgets of
# ``widgets`` update traces 0..11 and 13 in place with ``_pair_updates``.

PAIR_TRACES = dict(left=tuple(range(0, 6)), right=tuple(range(6, 12)), curve=12, marker=13,
                   references=(14, 15))
"""Trace indices of ``noising_view``, ``noising_explorer`` and ``ddim_trajectory`` figures."""

_REFERENCE_STYLE = dict(color="rgba(120, 120, 120, 0.45)", width=3)


def _curve_points(values: np.ndarray, max_points: int = 250) -> tuple[list[int], list[float]]:
    """Every k-th point of a [T] curve (and the last), so the saved JSON stays small."""
    n = values.shape[0]
    step = max(1, math.ceil(n / max_points))
    index = np.unique(np.r_[np.arange(0, n, step), n - 1])
    return index.tolist(), values[index].tolist()


def _alpha_bars(schedules) -> dict[str, np.ndarray]:
    """name -> ᾱ [T] from a mapping of Schedule-like objects (with ``.alpha_bar``) or arrays."""
    if not isinstance(schedules, Mapping) or not schedules:
        raise ValueError("expected schedules as a non-empty mapping name -> Schedule or ᾱ_t array [T]")
    out = {}
    for name, value in schedules.items():
        value = getattr(value, "alpha_bar", value)
        array = _checked(value, f"alpha_bar {name!r}", [(None,)], "[T]")
        if not ((array > 0) & (array <= 1)).all():
            raise ValueError(f"expected alpha_bar {name!r} in (0, 1], got values in "
                             f"[{array.min():.3g}, {array.max():.3g}]")
        out[name] = array
    return out


def _check_t(t, T: int, name: str = "t", allow_final: bool = False) -> int:
    low = -1 if allow_final else 0
    if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not low <= t < T:
        raise ValueError(f"expected {name} as an int in {low}..{T - 1}, got {t!r}")
    return int(t)


def _log_snr(alpha_bar: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(alpha_bar) - np.log1p(-alpha_bar)


def schedule_curves(schedules, *, t: int | None = None, title: str | None = None, width: int = 820,
                    height: int = 330) -> go.Figure:
    """ᾱ_t (left) and log-SNR = log(ᾱ_t / (1 - ᾱ_t)) (right) against t, one line per schedule.

    ``schedules``: a mapping name -> ``diffusion.Schedule`` (or any object with ``alpha_bar``)
    or an ᾱ_t array [T], e.g. {"linear": Schedule.linear(), "cosine": Schedule.cosine()}.
    ``t``: draw a marker at that time on every curve. Curves keep every k-th point (≤ 250).
    Traces per schedule: "<name> ᾱ", "<name> log-SNR", then with ``t`` "<name> at t" markers.
    """
    from plotly.subplots import make_subplots

    bars = _alpha_bars(schedules)
    palette = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#7f7f7f")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("ᾱ<sub>t</sub>: how much signal is left",
                                        "log-SNR = log(ᾱ<sub>t</sub> / (1 − ᾱ<sub>t</sub>))"))
    for i, (name, alpha_bar) in enumerate(bars.items()):
        color = palette[i % len(palette)]
        log_snr = _log_snr(alpha_bar)
        x, y = _curve_points(alpha_bar)
        fig.add_trace(go.Scatter(x=x, y=np.round(y, 5).tolist(), name=f"{name} ᾱ", legendgroup=name,
                                 mode="lines", line=dict(color=color, width=2.5)), 1, 1)
        x, y = _curve_points(log_snr)
        fig.add_trace(go.Scatter(x=x, y=np.round(y, 3).tolist(), name=f"{name} log-SNR",
                                 legendgroup=name, showlegend=False, mode="lines",
                                 line=dict(color=color, width=2.5)), 1, 2)
    if t is not None:
        for i, (name, alpha_bar) in enumerate(bars.items()):
            k = _check_t(t, alpha_bar.shape[0])
            color = palette[i % len(palette)]
            for col, value, fmt in ((1, alpha_bar[k], ".3f"), (2, _log_snr(alpha_bar)[k], ".2f")):
                fig.add_trace(go.Scatter(
                    x=[k], y=[round(float(value), 5)], name=f"{name} at t", legendgroup=name,
                    showlegend=False, mode="markers+text", text=[f"{value:{fmt}}"],
                    textposition="top right", marker=dict(size=10, color=color, line=dict(color="white", width=1)),
                ), 1, col)
    fig.update_layout(base_layout(width, height, title, showlegend=True,
                                  legend=dict(x=0.28, y=0.98, bgcolor="rgba(255,255,255,0.7)")))
    fig.update_layout(margin=dict(l=55, b=45, t=70 if title else 40))
    fig.update_xaxes(title_text="t", zeroline=False, gridcolor="#eee")
    fig.update_yaxes(zeroline=False, gridcolor="#eee")
    fig.update_yaxes(range=[-0.03, 1.03], row=1, col=1)
    return fig


def _pair_poses(left, right, skeleton: Skeleton, names: tuple[str, str], stacked: bool):
    check = _check_clip if stacked else _check_pose
    a, b = check(left, skeleton, names[0]), check(right, skeleton, names[1])
    if a.shape != b.shape:
        raise ValueError(f"expected {names[0]} and {names[1]} of the same shape, got "
                         f"{_describe(a.shape)} and {_describe(b.shape)}")
    return a, b


def _pair_updates(left: np.ndarray, right: np.ndarray, marker: tuple[float, float], skeleton: Skeleton,
                  marker_text: str = "") -> list[dict]:
    """New data of traces 0..11 and 13 (``PAIR_TRACES``), in that order, for one view."""
    left, right = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
    coords = _pose_coords(left, skeleton, True, 3) + _pose_coords(right, skeleton, True, 3)
    x, y = marker
    coords.append(dict(x=[x], y=[round(float(y), 5)], text=[marker_text]))
    return coords


_PAIR_UPDATED = PAIR_TRACES["left"] + PAIR_TRACES["right"] + (PAIR_TRACES["marker"],)


def _pair_figure(left: np.ndarray, right: np.ndarray, curve: np.ndarray, marker: tuple[float, float],
                 marker_text: str, subplot_titles: Sequence[str], reference: np.ndarray | None,
                 scene_points: np.ndarray, skeleton: Skeleton, title: str, width: int, height: int,
                 extra_curve_points: tuple[list, list] | None = None) -> go.Figure:
    """Two 3D scenes and one 2D curve, traces as in ``PAIR_TRACES``."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=3, column_widths=[0.37, 0.37, 0.26], horizontal_spacing=0.03,
                        specs=[[{"type": "scene"}, {"type": "scene"}, {"type": "xy"}]],
                        subplot_titles=tuple(subplot_titles))
    for col, points in ((1, left), (2, right)):
        for trace in _pose_traces(points, skeleton, "pose", "level", 1.0, False, 3):
            trace["name"] = f"{'left' if col == 1 else 'right'} {trace['name']}"
            fig.add_trace(trace, 1, col)
    x, y = _curve_points(curve)
    fig.add_trace(go.Scatter(x=x, y=np.round(y, 5).tolist(), mode="lines", name="ᾱ curve",
                             line=dict(color="#555", width=2), hoverinfo="x+y"), 1, 3)
    mx, my = marker
    fig.add_trace(go.Scatter(x=[mx], y=[round(float(my), 5)], mode="markers+text", name="t",
                             text=[marker_text], textposition="top right",
                             marker=dict(size=12, color="#D55E00", line=dict(color="white", width=1))), 1, 3)
    if reference is not None:
        for col in (1, 2):
            fig.add_trace(dict(type="scatter3d", mode="lines", name="clean pose", hoverinfo="skip",
                               line=_REFERENCE_STYLE, **_polyline(reference, skeleton.bones, 3)), 1, col)
    if extra_curve_points is not None:  # e.g. the DDIM sampling times: the last trace
        fig.add_trace(go.Scatter(x=extra_curve_points[0], y=extra_curve_points[1], mode="markers",
                                 name="sampling times", marker=dict(size=6, color="#999"),
                                 hoverinfo="x+y"), 1, 3)
    fig.update_layout(base_layout(width, height, title))
    scene = _scene(scene_points, "world")
    fig.update_layout(scene=scene, scene2=scene, margin=dict(t=70 if title else 40))
    fig.update_xaxes(title_text="t", zeroline=False, gridcolor="#eee", row=1, col=3)
    fig.update_yaxes(title_text="ᾱ<sub>t</sub>", range=[-0.03, 1.08], zeroline=False, gridcolor="#eee",
                     domain=[0.3, 0.9], row=1, col=3)
    return fig


def _add_pair_slider(fig: go.Figure, labels: Sequence[str], duration_ms: float) -> None:
    """Slider and play buttons under the scenes; lift the plots so the slider has room."""
    controls = _animation_controls(labels, duration_ms, True)
    controls["sliders"][0]["currentvalue"]["prefix"] = "t = "
    fig.update_layout(**controls)
    fig.update_layout(margin=dict(b=20))
    fig.update_scenes(domain_y=[0.14, 1.0])
    fig.update_yaxes(domain=[0.4, 0.9], row=1, col=3)


def _scene_points(reference: np.ndarray, margin: float) -> np.ndarray:
    """Corners of the reference pose's box grown by ``margin`` metres: the fixed 3D axis ranges."""
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
        raise ValueError(f"expected margin as a number of metres >= 0, got {margin!r}")
    low, high = reference.min(axis=0) - margin, reference.max(axis=0) + margin
    return np.stack([low, high])


def _noising_title(t: int, alpha_bar: float) -> str:
    return (f"t = {t}:  x<sub>t</sub> = {math.sqrt(alpha_bar):.3f}·x<sub>0</sub> + "
            f"{math.sqrt(max(1 - alpha_bar, 0.0)):.3f}·ε   (ᾱ<sub>t</sub> = {alpha_bar:.4f})")


_NOISING_SUBPLOTS = ("bones noised (length, direction), rebuilt by FK", "joints noised directly", "ᾱ<sub>t</sub>")


def noising_view(bones_pose, joints_pose, alpha_bar, t: int, *, reference=None, margin: float = 0.5,
                 skeleton: Skeleton = H36M, title: str | None = None, width: int = 980,
                 height: int = 430) -> go.Figure:
    """The same pose noised two ways at time t, side by side, and where t sits on the ᾱ_t curve.

    ``bones_pose`` [17, 3]: the skeleton rebuilt from noisy bone lengths and directions;
    ``joints_pose`` [17, 3]: the joints noised directly (e.g. ``diffusion.forward_path``'s
    ``bones_pose[k]`` and ``joints[k]``); ``alpha_bar`` [T] the schedule's ᾱ_t; ``t`` the time
    they were noised at. ``reference`` [17, 3] (the clean pose) is drawn faintly in both scenes
    and fixes the axis ranges (its box grown by ``margin`` metres; else the noisy poses do).
    Traces as in ``PAIR_TRACES``. The title shows x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε.
    """
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    t = _check_t(t, bars.shape[0])
    left, right = _pair_poses(bones_pose, joints_pose, skeleton, ("bones_pose", "joints_pose"), False)
    ref = None if reference is None else _check_pose(reference, skeleton, "reference")
    box = _scene_points(ref if ref is not None else np.concatenate([left, right]), margin)
    return _pair_figure(left, right, bars, (t, bars[t]), f"t={t}", _NOISING_SUBPLOTS, ref, box, skeleton,
                        title or _noising_title(t, float(bars[t])), width, height)


def noising_explorer(bones_poses, joints_poses, ts, alpha_bar, *, reference=None, margin: float = 0.5,
                     skeleton: Skeleton = H36M, width: int = 980, height: int = 480) -> go.Figure:
    """``noising_view`` without a kernel: plotly frames and a slider over the times ``ts``.

    ``bones_poses``, ``joints_poses`` [N, 17, 3] are the pose noised at the N times ``ts``
    (e.g. ``forward_path(pose, ts)``: one ε for all t, so the slider shows that noise growing).
    Frame k (named 'k') restyles traces 0..11 and 13 and rewrites the title. Keep N around 40:
    each frame stores two poses (about 2.5 kB).
    """
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    left, right = _pair_poses(bones_poses, joints_poses, skeleton, ("bones_poses", "joints_poses"), True)
    times = _to_numpy(ts, "ts")
    if times.shape != (left.shape[0],) or not np.array_equal(times, np.round(times)):
        raise ValueError(f"expected ts as {left.shape[0]} integer times (one per pose), got shape "
                         f"{_describe(times.shape)}")
    times = [_check_t(int(t), bars.shape[0], "ts") for t in times]
    ref = None if reference is None else _check_pose(reference, skeleton, "reference")
    box = _scene_points(ref if ref is not None else np.concatenate([left[0], right[0]]), margin)
    fig = _pair_figure(left[0], right[0], bars, (times[0], bars[times[0]]), f"t={times[0]}",
                       _NOISING_SUBPLOTS, ref, box, skeleton, _noising_title(times[0], float(bars[times[0]])),
                       width, height)
    frames = []
    for k, t in enumerate(times):
        coords = _pair_updates(left[k], right[k], (t, bars[t]), skeleton, f"t={t}")
        data = [dict(type="scatter3d", **c) for c in coords[:-1]] + [dict(type="scatter", **coords[-1])]
        frames.append(go.Frame(name=str(k), data=data, traces=list(_PAIR_UPDATED),
                               layout=dict(title=dict(text=_noising_title(t, float(bars[t]))))))
    fig.frames = frames
    _add_pair_slider(fig, [str(t) for t in times], 400.0)
    return fig


def _ddim_label(step: int, times: Sequence[tuple[int, int]]) -> str:
    if step < len(times):
        return f"step {step + 1}/{len(times)}: t = {times[step][0]}"
    return f"done: t = {times[-1][1]}"


def ddim_trajectory(x0_poses, xt_poses, times: Sequence[tuple[int, int]], alpha_bar, *, truth=None,
                    margin: float = 0.5, skeleton: Skeleton = H36M, title: str | None = None,
                    width: int = 980, height: int = 480) -> go.Figure:
    """A DDIM run step by step (paper Eq. 4): x_t (left) and the x̂_0 predicted from it (right).

    ``xt_poses`` [K+1, 17, 3]: the state before each step (and the final sample), as poses;
    ``x0_poses`` [K, 17, 3]: the predicted x̂_0 of each step; ``times``: the K (t, t_next) pairs
    (``Trajectory.times``); ``alpha_bar`` [T]. ``truth`` [17, 3] is drawn faintly in both scenes
    and fixes the axes. Slider frame k shows step k (x_t at t_k and its x̂_0); frame K shows the
    sample (left and right). The ᾱ_t panel marks all the sampling times. Traces as in
    ``PAIR_TRACES``, plus the sampling-time markers last.
    """
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    xt = _check_clip(xt_poses, skeleton, "xt_poses")
    x0 = _check_clip(x0_poses, skeleton, "x0_poses")
    K = len(times)
    if x0.shape[0] != K or xt.shape[0] != K + 1:
        raise ValueError(f"expected {K} x0_poses and {K + 1} xt_poses for {K} time pairs, got "
                         f"{x0.shape[0]} and {xt.shape[0]}")
    for t, t_next in times:
        _check_t(t, bars.shape[0], "a sampling time")
        _check_t(t_next, bars.shape[0], "a sampling time", allow_final=True)
    ref = None if truth is None else _check_pose(truth, skeleton, "truth")
    box = _scene_points(ref if ref is not None else x0[-1], margin)
    padded = np.r_[1.0, bars]  # ᾱ at t = -1 is 1

    def view(step: int):
        t = times[step][0] if step < K else -1
        right = x0[step] if step < K else xt[K]
        return xt[step], right, (t, padded[t + 1]), f"t={t}"

    left, right, marker, text = view(0)
    sampled = [t for t, _ in times] + [-1]
    fig = _pair_figure(left, right, bars, marker, text,
                       ("x<sub>t</sub> (the sampler's state)", "x̂<sub>0</sub> predicted from it", "ᾱ<sub>t</sub>"),
                       ref, box, skeleton, title or _ddim_label(0, times), width, height,
                       extra_curve_points=(sampled, [round(float(padded[t + 1]), 5) for t in sampled]))
    frames = []
    for step in range(K + 1):
        left, right, marker, text = view(step)
        coords = _pair_updates(left, right, marker, skeleton, text)
        data = [dict(type="scatter3d", **c) for c in coords[:-1]] + [dict(type="scatter", **coords[-1])]
        frames.append(go.Frame(name=str(step), data=data, traces=list(_PAIR_UPDATED),
                               layout=dict(title=dict(text=title or _ddim_label(step, times)))))
    fig.frames = frames
    _add_pair_slider(fig, [str(t) for t, _ in times] + ["done"], 700.0)
    return fig


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
    k = _joint_index(bone, skeleton)
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
                   title: str | None = None, width: int = 900, height: int = 470) -> go.Figure:
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


# ---------------------------------------------------------------- attention maps (lesson 04)
#
# Attention maps come from ``model.capture_attention`` (one forward pass): ``spatial[layer]``
# [B*F, heads, J, J] (softmax weights after HRST), ``spatial_logits[layer]`` (before HRST) and
# ``temporal[layer]`` [B*J, heads, F, F]. Rows are queries, columns keys; every row sums to 1.
# Heatmaps use categorical axes (joint names or frame numbers), row 0 at the top, like a matrix.

__all__ += [
    "ATTENTION_COLORSCALE", "ATTENTION_SKELETON_TRACES", "ATTENTION_EXPLORER_TRACES",
    "attention_heatmap", "hrst_before_after", "hrst_entries", "attention_skeleton",
    "attention_explorer_figure", "attention_browser",
]

ATTENTION_COLORSCALE = "Blues"
"""Colours of attention weights: white (0) to dark blue (the largest weight shown)."""

ATTENTION_SKELETON_TRACES = dict(bones=0, rays=1, joints=2, query=3)
"""Trace indices of ``attention_skeleton``: grey bones, query→key rays coloured by weight, the
joints sized and coloured by weight, the query joint (a diamond)."""

ATTENTION_EXPLORER_TRACES = dict(spatial=0, temporal=1, bones=2, rays=3, joints=4, query=5)
"""Trace indices of ``attention_explorer_figure`` and ``attention_browser`` (the skeleton's
traces as in ``ATTENTION_SKELETON_TRACES``, shifted by 2)."""

_LOGIT_COLORSCALE = "Viridis"
_DIFFERENCE_COLORSCALE = "RdBu_r"
_ROW_OUTLINE = dict(color="#D55E00", width=2)


def _check_square(matrix, name: str, size: int | None = None) -> np.ndarray:
    spelled = f"[{size}, {size}]" if size is not None else "[N, N]"
    array = _checked(matrix, name, [(size, size)], spelled)
    if array.shape[0] != array.shape[1]:
        raise ValueError(f"expected {name} of shape {spelled} (a square map), got {_describe(array.shape)}")
    return array


def _axis_labels(labels, n: int, skeleton: Skeleton) -> list[str]:
    """Category labels of a map's rows and columns: 'joints' (names), 'frames' (numbers) or a sequence."""
    if isinstance(labels, str):
        if labels == "joints":
            if n != skeleton.num_joints:
                raise ValueError(f"expected a [{skeleton.num_joints}, {skeleton.num_joints}] map for "
                                 f"labels='joints', got [{n}, {n}] (use labels='frames' for temporal maps)")
            return list(skeleton.names)
        if labels == "frames":
            return [f"f{k}" for k in range(n)]
        raise ValueError(f"expected labels 'joints', 'frames' or a sequence of {n} strings, got {labels!r}")
    names = [str(label) for label in labels]
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"expected {n} distinct labels, got {len(names)} ({len(set(names))} distinct)")
    return names


def _heatmap_trace(z: np.ndarray, labels: list[str], colorscale: str, decimals: int, axes: str = "",
                   zmin=None, zmax=None, zmid=None, colorbar: dict | None = None, name: str = "weights") -> dict:
    trace = dict(
        type="heatmap", name=name, x=labels, y=labels, z=np.round(z, decimals).tolist(),
        colorscale=colorscale, xgap=1, ygap=1,
        hovertemplate=f"query %{{y}} → key %{{x}}<br>%{{z:.{decimals}f}}<extra>{name}</extra>",
        showscale=colorbar is not None,
    )
    if colorbar is not None:
        trace["colorbar"] = dict(thickness=10, len=0.8, outlinewidth=0, tickfont=dict(size=10), **colorbar)
    for key, value in (("zmin", zmin), ("zmax", zmax), ("zmid", zmid)):
        if value is not None:
            trace[key] = round(float(value), decimals)
    if axes:
        trace.update(xaxis=f"x{axes}", yaxis=f"y{axes}")
    return trace


def _matrix_axes(labels: list[str], domain: Sequence[float] | None, anchor: str, x_title: str,
                 y_title: str) -> tuple[dict, dict]:
    """A categorical x and y axis pair for an N x N map: square cells, row 0 at the top."""
    tick_font = dict(size=9 if len(labels) > 20 else 10)
    x = dict(type="category", categoryorder="array", categoryarray=labels, title=dict(text=x_title),
             tickangle=-90, tickfont=tick_font, showgrid=False, zeroline=False, constrain="domain")
    y = dict(type="category", categoryorder="array", categoryarray=labels, title=dict(text=y_title),
             autorange="reversed", tickfont=tick_font, showgrid=False, zeroline=False,
             scaleanchor=anchor, scaleratio=1, constrain="domain")
    if domain is not None:
        x["domain"] = list(domain)
    return x, y


def _cell_markers(cells: Sequence[tuple[int, int]], labels: list[str], symbol: str, size: float, color: str,
                  name: str, axes: str = "", legend: bool = False) -> dict:
    trace = dict(type="scatter", mode="markers", name=name, showlegend=legend, hoverinfo="skip",
                 x=[labels[c] for _, c in cells], y=[labels[r] for r, _ in cells],
                 marker=dict(symbol=symbol, size=round(size, 1), color=color, line=dict(color=color, width=2)))
    if axes:
        trace.update(xaxis=f"x{axes}", yaxis=f"y{axes}")
    return trace


def _cell_pixels(n: int, width: float, height: float) -> float:
    """Roughly the on-screen size of one cell of an n x n map drawn in a width x height box."""
    return max(3.0, 0.8 * min(width, height) / n)


def _check_cells(cells, n: int, name: str) -> list[tuple[int, int]]:
    out = []
    for cell in cells:
        try:
            r, c = (int(v) for v in cell)
        except (TypeError, ValueError):
            raise ValueError(f"expected {name} as (row, col) pairs, got {cell!r}") from None
        if not (0 <= r < n and 0 <= c < n):
            raise ValueError(f"expected {name} inside a [{n}, {n}] map, got ({r}, {c})")
        out.append((r, c))
    return out


def attention_heatmap(weights, labels="joints", *, marked=None, skeleton: Skeleton = H36M,
                      colorscale: str = ATTENTION_COLORSCALE, zmin: float | None = None, zmax: float | None = None,
                      decimals: int = 4, colorbar_title: str = "weight", title: str | None = None,
                      width: int = 470, height: int = 440) -> go.Figure:
    """One attention map [N, N] as a heatmap: row = query, column = key (row 0 at the top).

    ``weights``: a spatial map [17, 17] (e.g. ``maps.spatial[layer][frame, head]``) or a temporal
    one [F, F] (``maps.temporal[layer][joint, head]``), or logits (then pass ``zmin=None`` and
    another ``colorscale``). ``labels``: 'joints' (names; needs a 17 x 17 map), 'frames'
    (f0, f1, ...) or a sequence of N strings. The kind is never guessed from the size: a
    17-frame temporal map would look like a joint map. ``marked``: (row, col) cells to outline.
    Colours stretch from the map's smallest to its largest value (read the colour bar); pass
    ``zmin=0`` to start the scale at zero, so a near-uniform map looks uniform.
    Traces: the heatmap, then (with ``marked``) the outlines. Values are rounded to ``decimals``.
    """
    z = _check_square(weights, "weights")
    if zmin is not None or zmax is not None:  # plotly ignores one bound without the other
        zmin = float(z.min()) if zmin is None else zmin
        zmax = float(z.max()) if zmax is None else zmax
    names = _axis_labels(labels, z.shape[0], skeleton)
    data = [_heatmap_trace(z, names, colorscale, decimals, zmin=zmin, zmax=zmax,
                           colorbar=dict(title=dict(text=colorbar_title, side="right")))]
    if marked is not None:
        cells = _check_cells(marked, z.shape[0], "marked")
        data.append(_cell_markers(cells, names, "square-open", _cell_pixels(z.shape[0], width - 140, height - 120),
                                  "#D55E00", "marked"))
    kind = "frame" if labels == "frames" else "joint"
    xaxis, yaxis = _matrix_axes(names, None, "x", f"key {kind} (attended to)", f"query {kind}")
    layout = base_layout(width, height, title, xaxis=xaxis, yaxis=yaxis)
    layout["margin"].update(l=80, b=80)
    return go.Figure(data=data, layout=layout)


def hrst_entries(skeleton: Skeleton = H36M) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(edited, read): the (row, col) logits Algorithm 1 changes, and the parent entries it reads.

    For every triplet (p, j, c) HRST writes A[j][c] and A[c][j] and reads A[p][j]; both lists
    are sorted and free of duplicates (a parent entry is read once per child of j).
    """
    edited = sorted({cell for p, j, c in skeleton.triplets for cell in ((j, c), (c, j))})
    read = sorted({(p, j) for p, j, _ in skeleton.triplets})
    return edited, read


def hrst_before_after(logits, after=None, skeleton: Skeleton = H36M, *,
                      names: Sequence[str] = ("before: A = QKᵀ/√d", "after Algorithm 1", "after − before"),
                      decimals: int = 3, title: str | None = None, width: int = 1060,
                      height: int = 420) -> go.Figure:
    """Algorithm 1 (HRST) on one [J, J] logit map: before, after and their difference.

    ``after`` defaults to ``model.hrst_logits(logits)``; pass another map (e.g. the official
    sequential loop, ``model.hrst_logits_sequential``) to compare. Squares outline the entries
    HRST edits, A[j][j_c] and A[j_c][j] for every triplet; circles in the first panel mark the
    parent entries A[j_p][j] it reads (``hrst_entries``). Before and after share one colour
    scale; the difference is red where a logit grew, blue where it shrank. A key at the top
    right explains the marks. Traces: 3 heatmaps (before, after, difference), then the squares
    (one trace per panel) and the circles.
    """
    before = _check_square(logits, "logits", skeleton.num_joints)
    if after is None:
        import torch

        from .model import hrst_logits

        after = hrst_logits(torch.as_tensor(before), skeleton).numpy()
    after = _check_square(after, "after", skeleton.num_joints)
    if len(names) != 3:
        raise ValueError(f"expected 3 panel names, got {len(names)}")
    labels = list(skeleton.names)
    difference = after - before
    low, high = float(min(before.min(), after.min())), float(max(before.max(), after.max()))
    spread = float(np.abs(difference).max()) or 1.0
    gap = 0.06
    panel = (1 - 2 * gap) / 3
    domains = [(k * (panel + gap), k * (panel + gap) + panel - 0.035) for k in range(3)]
    data = []
    for k, (z, scale) in enumerate(((before, _LOGIT_COLORSCALE), (after, _LOGIT_COLORSCALE),
                                    (difference, _DIFFERENCE_COLORSCALE))):
        bar = dict(x=domains[k][1] + 0.004, xanchor="left")
        data.append(_heatmap_trace(z, labels, scale, decimals, "" if k == 0 else str(k + 1),
                                   zmin=low if k < 2 else -spread, zmax=high if k < 2 else spread,
                                   colorbar=bar if k != 0 else None, name=names[k]))
    edited, read = hrst_entries(skeleton)
    margin = dict(l=80, r=10, b=95, t=75 if title else 45)
    panel_px = (domains[0][1] - domains[0][0]) * (width - margin["l"] - margin["r"])
    cell = min(panel_px, height - margin["t"] - margin["b"]) / skeleton.num_joints
    for k in range(3):
        data.append(_cell_markers(edited, labels, "square-open", 0.8 * cell, "#D55E00", "edited by HRST",
                                  "" if k == 0 else str(k + 1)))
    data.append(_cell_markers(read, labels, "circle-open", 0.55 * cell, "#E69F00", "read: A[j_p][j]", ""))
    layout = base_layout(width, height, title)
    annotations = [dict(text="<span style='color:#D55E00'>□</span> edited by HRST   "
                             "<span style='color:#E69F00'>○</span> read: A[j<sub>p</sub>][j]",
                        x=1.0, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                        yshift=24, showarrow=False, font=dict(size=12))]
    for k in range(3):
        suffix = "" if k == 0 else str(k + 1)
        xaxis, yaxis = _matrix_axes(labels, domains[k], f"x{suffix}", "key", "query" if k == 0 else "")
        xaxis["tickfont"] = yaxis["tickfont"] = dict(size=9)
        yaxis["showticklabels"] = k == 0
        layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"] = xaxis, yaxis
        layout[f"yaxis{suffix}"]["anchor"] = f"x{suffix}"
        layout[f"xaxis{suffix}"]["anchor"] = f"y{suffix}"
        annotations.append(dict(text=names[k], x=sum(domains[k]) / 2, y=1.0, xref="paper", yref="paper",
                                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=13)))
    layout["annotations"] = annotations
    layout["margin"] = margin
    return go.Figure(data=data, layout=layout)


# The attention skeleton: a query joint's attention row drawn on a pose.


def _attention_row(weights, joint: int, skeleton: Skeleton) -> np.ndarray:
    j = skeleton.num_joints
    array = _checked(weights, "weights", [(j,), (j, j)], f"[{j}] (one query's row) or [{j}, {j}]")
    return array[joint] if array.ndim == 2 else array


def _attention_skeleton_props(points: np.ndarray, row: np.ndarray, joint: int, skeleton: Skeleton,
                              decimals: int = 4) -> list[dict]:
    """New data of the 4 skeleton traces (``ATTENTION_SKELETON_TRACES``) for one pose and row."""
    keys = [k for k in range(skeleton.num_joints) if k != joint]
    rays = _polyline(points, [(joint, k) for k in keys], 3)
    weights = np.round(row, decimals)
    low, high = round(float(row.min()), decimals), round(float(row.max()), decimals)
    high = high if high > low else low + 10.0 ** -decimals
    ray_colors = []
    for k in keys:
        ray_colors += [float(weights[k])] * 2 + [low]
    text = [f"{skeleton.names[k]}: {weights[k]:.{decimals}f}" for k in range(skeleton.num_joints)]
    size = np.round(3 + 30 * np.sqrt(np.clip(row, 0, 1)), 2)  # absolute: 1/17 gives about 10 px
    return [
        _polyline(points, skeleton.bones, 3),
        dict(**rays, line=dict(color=ray_colors, cmin=low, cmax=high)),
        dict(**_coords(points, range(skeleton.num_joints), 3), text=text,
             marker=dict(size=size.tolist(), color=weights.tolist(), cmin=low, cmax=high)),
        dict(**_coords(points, [joint], 3), text=[f"query: {skeleton.names[joint]}"]),
    ]


def _attention_skeleton_traces(points: np.ndarray, row: np.ndarray, joint: int, skeleton: Skeleton,
                               scene: str = "scene", colorbar: dict | None = None) -> list[dict]:
    bones, rays, joints, query = _attention_skeleton_props(points, row, joint, skeleton)
    joint_marker = dict(joints.pop("marker"), colorscale=ATTENTION_COLORSCALE, showscale=colorbar is not None,
                        line=dict(color="#555", width=1))
    if colorbar is not None:
        joint_marker["colorbar"] = dict(thickness=10, len=0.6, outlinewidth=0, tickfont=dict(size=10), **colorbar)
    traces = [
        dict(type="scatter3d", mode="lines", name="bones", hoverinfo="skip", **bones,
             line=dict(color="rgba(70, 70, 70, 0.85)", width=5)),
        dict(type="scatter3d", mode="lines", name="attention", hoverinfo="skip", **{k: rays[k] for k in "xyz"},
             line=dict(rays["line"], colorscale=ATTENTION_COLORSCALE, width=7)),
        dict(type="scatter3d", mode="markers", name="keys", hoverinfo="text", **joints, marker=joint_marker),
        dict(type="scatter3d", mode="markers", name="query", hoverinfo="text", **query,
             marker=dict(size=9, symbol="diamond", color="#D55E00")),
    ]
    for trace in traces:
        trace["scene"] = scene
    return traces


def _check_coordinates(coordinates: str) -> str:
    if coordinates not in FRAMES:
        raise ValueError(f"expected coordinates 'world' or 'camera', got {coordinates!r}")
    return coordinates


def attention_skeleton(pose: PoseLike, weights, joint, skeleton: Skeleton = H36M, *,
                       coordinates: str = "world", title: str | None = None, width: int = 440,
                       height: int = 460) -> go.Figure:
    """Where one query joint looks: its attention row drawn on a [J, 3] pose.

    ``weights``: the query's row [J] or a whole spatial map [J, J] (then row ``joint`` is used);
    ``joint``: the query (index or name), drawn as a diamond. A ray runs from the query to every
    other joint, coloured by the weight, white for the row's smallest and dark blue for its
    largest (the colour bar gives the range: a near-uniform row spans a narrow one); joints are
    coloured the same way and sized by the weight itself (a uniform row, 1/17 each, gives
    medium markers everywhere; hover for the numbers). ``coordinates``: the
    pose's frame, 'world' (z up) or 'camera' (as the model's poses). Traces as in
    ``ATTENTION_SKELETON_TRACES``.
    """
    coordinates = _check_coordinates(coordinates)
    j = _joint_index(joint, skeleton)
    points = to_display(_check_pose(pose, skeleton), coordinates)
    row = _attention_row(weights, j, skeleton)
    data = _attention_skeleton_traces(points, row, j, skeleton, colorbar=dict(title=dict(text="weight", side="right")))
    title = title or f"where {skeleton.names[j]} looks (its attention row)"
    return go.Figure(data=data, layout=base_layout(width, height, title, scene=_scene(points, coordinates)))


# The explorer: spatial map, temporal map and attention skeleton of one (layer, head, joint, frame).


def _attention_arrays(maps, sample: int = 0) -> dict:
    """Captured maps of one sample as float64 NumPy: spatial [L, H+1, F, J, J] and temporal
    [L, H+1, J, F, F] (index H is the mean over heads), spatial_logits [L, H, F, J, J] (or None)."""
    def get(key):
        value = maps.get(key) if isinstance(maps, Mapping) else getattr(maps, key, None)
        return list(value) if value is not None else None

    spatial, temporal = get("spatial"), get("temporal")
    if not spatial or not temporal:
        raise ValueError("expected captured attention maps with non-empty 'spatial' and 'temporal' lists "
                         "(from model.capture_attention), got " + type(maps).__name__)
    if len(spatial) != len(temporal):
        raise ValueError(f"expected as many spatial as temporal layers, got {len(spatial)} and {len(temporal)}")
    spatial = [_checked(s, f"spatial[{k}]", [(None, None, None, None)], "[B*F, heads, J, J]") for k, s in enumerate(spatial)]
    temporal = [_checked(s, f"temporal[{k}]", [(None, None, None, None)], "[B*J, heads, F, F]") for k, s in enumerate(temporal)]
    heads, joints = spatial[0].shape[1], spatial[0].shape[-1]
    frames = temporal[0].shape[-1]
    for k, (s, t) in enumerate(zip(spatial, temporal)):
        if s.shape[1:] != (heads, joints, joints) or s.shape[0] % frames:
            raise ValueError(f"expected spatial[{k}] of shape [B*{frames}, {heads}, {joints}, {joints}], "
                             f"got {_describe(s.shape)}")
        if t.shape[1:] != (heads, frames, frames) or t.shape[0] != s.shape[0] // frames * joints:
            raise ValueError(f"expected temporal[{k}] of shape [{s.shape[0] // frames}*{joints}, {heads}, "
                             f"{frames}, {frames}], got {_describe(t.shape)}")
    batch = spatial[0].shape[0] // frames
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not 0 <= sample < batch:
        raise ValueError(f"expected sample as an int in 0..{batch - 1}, got {sample!r}")
    s = np.stack([x[sample * frames:(sample + 1) * frames].transpose(1, 0, 2, 3) for x in spatial])
    t = np.stack([x[sample * joints:(sample + 1) * joints].transpose(1, 0, 2, 3) for x in temporal])
    logits = None
    if get("spatial_logits") and len(get("spatial_logits")) == len(spatial):
        logits = np.stack([_to_numpy(x, "spatial_logits")[sample * frames:(sample + 1) * frames].transpose(1, 0, 2, 3)
                           for x in get("spatial_logits")])
    return dict(spatial=np.concatenate([s, s.mean(1, keepdims=True)], 1),
                temporal=np.concatenate([t, t.mean(1, keepdims=True)], 1),
                spatial_logits=logits, layers=len(spatial), heads=heads, joints=joints, frames=frames)


def _check_choice(value, name: str, count: int, allow_mean: bool = False) -> int:
    if allow_mean and value == "mean":
        return count
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < count:
        extra = " or 'mean'" if allow_mean else ""
        raise ValueError(f"expected {name} as an int in 0..{count - 1}{extra}, got {value!r}")
    return int(value)


def _explorer_poses(pose, frames: int, skeleton: Skeleton, coordinates: str):
    """(display points [F, J, 3], coordinates): a clip, one pose for all frames, or the rest pose."""
    if pose is None:
        from .bones import rest_pose

        return np.repeat(rest_pose().numpy()[None].astype(np.float64), frames, 0), "world"
    j = skeleton.num_joints
    array = _checked(pose, "pose", [(j, 3), (frames, j, 3)], f"[{j}, 3] or [{frames}, {j}, 3]")
    if array.ndim == 2:
        array = np.repeat(array[None], frames, 0)
    return to_display(array, _check_coordinates(coordinates)), coordinates


def _explorer_title(layer: int, head: int, heads: int, joint: int, frame: int, skeleton: Skeleton) -> str:
    head_text = "mean of heads" if head == heads else f"head {head}"
    return (f"layer {layer} · {head_text} · spatial map of frame {frame} · "
            f"temporal map of {skeleton.names[joint]}")


def _explorer_updates(arrays: dict, points: np.ndarray, layer: int, head: int, joint: int, frame: int,
                      skeleton: Skeleton, decimals: int) -> tuple[list[dict], list[dict], str]:
    """(trace props in ATTENTION_EXPLORER_TRACES order, the two row outlines, the title)."""
    spatial = arrays["spatial"][layer, head, frame]
    temporal = arrays["temporal"][layer, head, joint]
    props = [dict(z=np.round(m, decimals).tolist(), zmin=round(float(m.min()), decimals),
                  zmax=round(float(m.max()), decimals)) for m in (spatial, temporal)]
    props += _attention_skeleton_props(points[frame], spatial[joint], joint, skeleton, decimals)
    outlines = [dict(y0=joint - 0.5, y1=joint + 0.5), dict(y0=frame - 0.5, y1=frame + 0.5)]
    return props, outlines, _explorer_title(layer, head, arrays["heads"], joint, frame, skeleton)


def _explorer_figure(arrays: dict, points: np.ndarray, coordinates: str, layer: int, head: int, joint: int,
                     frame: int, skeleton: Skeleton, decimals: int, title: str | None, width: int,
                     height: int) -> go.Figure:
    props, outlines, auto_title = _explorer_updates(arrays, points, layer, head, joint, frame, skeleton, decimals)
    joint_labels = list(skeleton.names)
    frame_labels = _axis_labels("frames", arrays["frames"], skeleton)
    spatial_domain, temporal_domain = (0.0, 0.27), (0.37, 0.64)
    data = [
        _heatmap_trace(np.asarray(props[0]["z"]), joint_labels, ATTENTION_COLORSCALE, decimals, zmin=props[0]["zmin"],
                       zmax=props[0]["zmax"], colorbar=dict(x=spatial_domain[1] + 0.005, xanchor="left"),
                       name="spatial"),
        _heatmap_trace(np.asarray(props[1]["z"]), frame_labels, ATTENTION_COLORSCALE, decimals, "2",
                       zmin=props[1]["zmin"], zmax=props[1]["zmax"],
                       colorbar=dict(x=temporal_domain[1] + 0.005, xanchor="left"), name="temporal"),
    ]
    data += _attention_skeleton_traces(points[frame], arrays["spatial"][layer, head, frame, joint], joint, skeleton)
    sx, sy = _matrix_axes(joint_labels, spatial_domain, "x", "key joint", "query joint")
    tx, ty = _matrix_axes(frame_labels, temporal_domain, "x2", "key frame", "query frame")
    sx["tickfont"] = sy["tickfont"] = dict(size=9)
    tx["tickfont"] = ty["tickfont"] = dict(size=8)
    tx["anchor"], ty["anchor"] = "y2", "x2"
    scene = _scene(points.reshape(-1, 3), coordinates)
    scene["domain"] = dict(x=[0.69, 1.0], y=[0.0, 1.0])
    shapes = [dict(type="rect", xref=f"x{axis}", yref=f"y{axis}", x0=-0.5, x1=n - 0.5, line=_ROW_OUTLINE,
                   fillcolor="rgba(0,0,0,0)", **outline)
              for axis, n, outline in (("", arrays["joints"], outlines[0]), ("2", arrays["frames"], outlines[1]))]
    layout = base_layout(width, height, title or auto_title, xaxis=sx, yaxis=sy, xaxis2=tx, yaxis2=ty,
                         scene=scene, shapes=shapes)
    layout["margin"].update(l=80, b=80)
    return go.Figure(data=data, layout=layout)


def attention_explorer_figure(maps, layer: int = 1, head=0, joint="LElbow", frame: int = 0, pose=None, *,
                              sample: int = 0, skeleton: Skeleton = H36M, coordinates: str = "camera",
                              decimals: int = 4, title: str | None = None, width: int = 1120,
                              height: int = 440) -> go.Figure:
    """One view of captured attention: the spatial map, the temporal map and the attention skeleton.

    ``maps``: ``model.capture_attention``'s capture of ONE forward pass (or a mapping with
    'spatial' and 'temporal' lists). ``layer``: 0 is the plain first block, 1.. use HRST / HRTT
    (when enabled). ``head``: an int or 'mean' (the mean of the heads' weights).
    Left: the spatial map [J, J] of ``frame`` (row ``joint`` outlined); middle: the temporal map
    [F, F] of ``joint`` (row ``frame`` outlined); right: the pose of ``frame`` with the query
    ``joint``'s spatial attention (as ``attention_skeleton``). ``pose``: [F, J, 3] (one pose per
    frame), [J, 3] or None (the rest pose, world coordinates); ``coordinates`` is its frame,
    'camera' (the model's poses) or 'world'. ``sample`` picks the batch item.
    Each map's colours stretch from its smallest to its largest weight (read the colour bars).
    Traces as in ``ATTENTION_EXPLORER_TRACES``; layout.shapes[0] and [1] are the row outlines.
    """
    arrays = _attention_arrays(maps, sample)
    layer = _check_choice(layer, "layer", arrays["layers"])
    head = _check_choice(head, "head", arrays["heads"], allow_mean=True)
    j = _joint_index(joint, skeleton)
    if arrays["joints"] != skeleton.num_joints:
        raise ValueError(f"expected spatial maps over {skeleton.num_joints} joints, got {arrays['joints']}")
    frame = _check_choice(frame, "frame", arrays["frames"])
    points, coordinates = _explorer_poses(pose, arrays["frames"], skeleton, coordinates)
    return _explorer_figure(arrays, points, coordinates, layer, head, j, frame, skeleton, decimals, title,
                            width, height)


def attention_browser(maps, pose=None, *, joint="LElbow", frame: int = 0, layers=None, heads=None,
                      sample: int = 0, skeleton: Skeleton = H36M, coordinates: str = "camera",
                      decimals: int = 3, width: int = 1120, height: int = 560) -> go.Figure:
    """``attention_explorer_figure`` without a kernel: a plotly slider over (layer, head) views.

    ``joint`` and ``frame`` stay fixed (the live widget ``widgets.attention_explorer`` moves
    them too). ``layers`` (default: all) and ``heads`` (default: 'mean' then every head) choose
    the slider's steps, layer by layer; each step (a plotly frame) stores the two maps and the
    skeleton's colours, about 7 kB at 27 frames: the default 4 layers x 9 views of the shipped
    model make about 280 kB, ``heads=["mean"]`` about 45 kB.
    """
    arrays = _attention_arrays(maps, sample)
    layers = list(range(arrays["layers"])) if layers is None else list(layers)
    heads = ["mean"] + list(range(arrays["heads"])) if heads is None else list(heads)
    if not layers or not heads:
        raise ValueError(f"expected at least one layer and one head, got layers={layers}, heads={heads}")
    layer_ids = [_check_choice(v, "layer", arrays["layers"]) for v in layers]
    head_ids = [_check_choice(v, "head", arrays["heads"], allow_mean=True) for v in heads]
    j = _joint_index(joint, skeleton)
    frame = _check_choice(frame, "frame", arrays["frames"])
    points, coordinates = _explorer_poses(pose, arrays["frames"], skeleton, coordinates)
    fig = _explorer_figure(arrays, points, coordinates, layer_ids[0], head_ids[0], j, frame, skeleton, decimals,
                           None, width, height)
    updated = [ATTENTION_EXPLORER_TRACES[key] for key in ("spatial", "temporal", "rays", "joints")]
    frames, labels = [], []
    for layer in layer_ids:
        for head in head_ids:
            props, _, text = _explorer_updates(arrays, points, layer, head, j, frame, skeleton, decimals)
            rays, joints = props[3], props[4]
            data = [dict(type="heatmap", **props[0]), dict(type="heatmap", **props[1]),
                    dict(type="scatter3d", line=rays["line"]),
                    dict(type="scatter3d", text=joints["text"], marker=joints["marker"])]
            frames.append(go.Frame(name=str(len(frames)), data=data, traces=updated,
                                   layout=dict(title=dict(text=text))))
            labels.append(f"{layer}·{'μ' if head == arrays['heads'] else head}")
    fig.frames = frames
    controls = _animation_controls(labels, 600.0, True)
    controls.pop("updatemenus")  # a slider over views, not a movie: no play button
    controls["sliders"][0].update(x=0.0, len=1.0, y=0.0, yanchor="top", pad=dict(t=95), font=dict(size=9),
                                  currentvalue=dict(prefix="layer·head (μ = mean of heads): ", xanchor="left",
                                                    font=dict(size=12)))
    fig.update_layout(**controls)
    fig.update_layout(margin=dict(b=195))
    return fig


# ---------------------------------------------------------------- lesson 06: hypotheses


__all__ += ["HYPOTHESIS_TRACES", "hypothesis_view", "hypothesis_explorer"]

HYPOTHESIS_TRACES = dict(others=0, selected=1, truth=2, joints=3, input=4, input_joints=5,
                         reprojected_others=6, reprojected=7)
"""Trace indices of ``hypothesis_view`` / ``hypothesis_explorer`` figures. 3D scene: the other
hypotheses (thin, one trace), the selected hypothesis or, for "all", the aggregate P-Agg (thick),
the ground truth (empty without one), the joints of the selected pose coloured by uncertainty.
2D panel: the input keypoints (bones, then joints coloured by uncertainty), the reprojections of
the other hypotheses (thin) and of the selected one / the aggregate (thick, dashed)."""

_HYPOTHESIS_COLOR = "#0072B2"
_UNCERTAINTY_SCALE = "YlOrRd"


def _unwrap_lift(poses, keypoints_2d, reprojections):
    """A LiftResult (duck-typed: .poses, .keypoints_2d, .reproject) or arrays."""
    if hasattr(poses, "poses") and hasattr(poses, "keypoints_2d"):
        result = poses
        if keypoints_2d is not None:
            raise ValueError("expected keypoints_2d only with arrays, got a LiftResult as well")
        return result.poses, result.keypoints_2d, result.reproject() if reprojections is None else reprojections
    if keypoints_2d is None:
        raise ValueError("expected keypoints_2d [F, 17, 2] with poses given as an array, got None")
    return poses, keypoints_2d, reprojections


def _weak_perspective(poses: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """Reproject [K, H, F, J, 3] with the scale + shift fitted per (K, F) to the input [F, J, 2]
    with the mean over hypotheses (the camera-free reprojection of ``metrics.j_agg_weak_perspective``)."""
    mean = poses.mean(1, keepdims=True)[..., :2]
    centred = mean - mean.mean(-2, keepdims=True)
    kp_centred = keypoints - keypoints.mean(-2, keepdims=True)
    scale = (centred * kp_centred).sum((-1, -2), keepdims=True) / np.maximum(
        (centred ** 2).sum((-1, -2), keepdims=True), 1e-12)
    shift = keypoints.mean(-2, keepdims=True) - scale * mean.mean(-2, keepdims=True)
    return scale * poses[..., :2] + shift


def _hypothesis_arrays(poses, keypoints_2d, reprojections=None, truth=None, skeleton: Skeleton = H36M) -> dict:
    """Everything the hypothesis views draw, precomputed once (so scrubbing only indexes)."""
    poses, keypoints_2d, reprojections = _unwrap_lift(poses, keypoints_2d, reprojections)
    j = skeleton.num_joints
    hyp = _checked(poses, "poses", [(None, None, None, j, 3)], f"[K, H, F, {j}, 3]")
    K, H, F = hyp.shape[:3]
    kp = _checked(keypoints_2d, "keypoints_2d", [(F, j, 2)], f"[{F}, {j}, 2]")
    if reprojections is None:
        reproj = _weak_perspective(hyp, kp)
    else:
        reproj = _checked(reprojections, "reprojections", [(K, H, F, j, 2)], f"[{K}, {H}, {F}, {j}, 2]")
    mean = hyp.mean(1)  # [K, F, J, 3]: P-Agg of every iteration
    spread = np.linalg.norm(hyp - mean[:, None], axis=-1).mean(1) * 1000  # [K, F, J] mm
    mean_reproj = reproj.mean(1)
    display = to_display(hyp, "camera")
    truth_display = None
    if truth is not None:
        truth_display = to_display(_checked(truth, "truth", [(F, j, 3)], f"[{F}, {j}, 3]"), "camera")
    everything = display.reshape(-1, 3) if truth_display is None else np.concatenate(
        [display.reshape(-1, 3), truth_display.reshape(-1, 3)])
    centre = kp.mean(1)  # [F, 2]: the 2D panel follows the person with a fixed scale
    shown = np.concatenate([kp[:, None], reproj[-1].transpose(1, 0, 2, 3)], 1)  # [F, H + 1, J, 2]
    half = float(np.abs(shown - centre[:, None, None]).max()) * 1.1 + 0.02
    cmax = float(np.percentile(spread, 99)) if spread.size else 1.0
    return dict(display=display, mean_display=to_display(mean, "camera"), reproj=reproj, mean_reproj=mean_reproj,
                kp=kp, spread=spread, truth=truth_display, scene_points=np.stack([everything.min(0), everything.max(0)]),
                centre=centre, half=half, cmax=max(5.0 * math.ceil(cmax / 5.0), 5.0), K=K, H=H, F=F)


def _hypothesis_index(value, name: str, count: int) -> int:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < count:
        return int(value)
    raise ValueError(f"expected {name} as an int in 0..{count - 1}, got {value!r}")


def _check_hypothesis(hypothesis, count: int):
    """'all' or a hypothesis index 0..H-1 (ints only)."""
    if hypothesis == "all":
        return "all"
    if isinstance(hypothesis, (int, np.integer)) and not isinstance(hypothesis, bool) and 0 <= hypothesis < count:
        return int(hypothesis)
    raise ValueError(f"expected hypothesis 'all' or an int in 0..{count - 1}, got {hypothesis!r}")


def _hypothesis_state(arrays: dict, iteration, hypothesis, frame) -> tuple[int, object, int]:
    """Checked (iteration, hypothesis, frame); a negative iteration counts from the end."""
    if isinstance(iteration, (int, np.integer)) and not isinstance(iteration, bool) and -arrays["K"] <= iteration < 0:
        iteration = arrays["K"] + int(iteration)
    return (_hypothesis_index(iteration, "iteration", arrays["K"]), _check_hypothesis(hypothesis, arrays["H"]),
            _hypothesis_index(frame, "frame", arrays["F"]))


def _hypothesis_title(arrays: dict, k: int, h, f: int) -> str:
    spread = arrays["spread"][k, f, 1:].mean()
    who = "all hypotheses, P-Agg thick" if h == "all" else f"hypothesis {h + 1} of {arrays['H']}"
    return (f"DDIM iteration {k + 1} of {arrays['K']} · {who} · frame {f} · "
            f"mean spread {spread:.0f} mm")


def _hypothesis_updates(arrays: dict, k: int, h, f: int, skeleton: Skeleton) -> tuple[list[dict], dict]:
    """New props of every trace (``HYPOTHESIS_TRACES`` order) and the layout changes for one view."""
    bones = skeleton.bones
    H = arrays["H"]
    chosen = arrays["mean_display"][k, f] if h == "all" else arrays["display"][k, h, f]
    chosen_2d = arrays["mean_reproj"][k, f] if h == "all" else arrays["reproj"][k, h, f]
    others = [i for i in range(H) if i != h]

    def many(points, decimals):
        out: dict = {key: [] for key in "xyz"[: points.shape[-1]]}
        for p in points:
            line = _polyline(p, bones, decimals)
            for key in out:
                out[key] += line[key]
        return out

    spread = np.round(arrays["spread"][k, f], 1)
    text = [f"{skeleton.names[j]}: spread {spread[j]:.0f} mm" for j in range(skeleton.num_joints)]
    faint = h != "all"
    props = [
        dict(many(arrays["display"][k, others, f], 3),
             opacity=0.25 if faint else 0.55, line=dict(width=1.5 if faint else 2.5)),
        dict(_polyline(chosen, bones, 3), line=dict(color="#111" if h == "all" else _HYPOTHESIS_COLOR, width=6)),
        dict(_polyline(arrays["truth"][f], bones, 3) if arrays["truth"] is not None else dict(x=[], y=[], z=[])),
        dict(_coords(chosen, range(skeleton.num_joints), 3), text=text,
             marker=dict(color=spread.tolist())),
        dict(_polyline(arrays["kp"][f], bones, 4)),
        dict(_coords(arrays["kp"][f], range(skeleton.num_joints), 4), text=text, marker=dict(color=spread.tolist())),
        dict(many(arrays["reproj"][k, others, f], 4), opacity=0.3 if faint else 0.6),
        dict(_polyline(chosen_2d, bones, 4), line=dict(color="#111" if h == "all" else _HYPOTHESIS_COLOR, width=3,
                                                       dash="dash")),
    ]
    cx, cy = arrays["centre"][f]
    half = arrays["half"]
    layout = {"title.text": _hypothesis_title(arrays, k, h, f),
              "xaxis.range": [round(float(cx - half), 4), round(float(cx + half), 4)],
              "yaxis.range": [round(float(cy + half), 4), round(float(cy - half), 4)]}
    return props, layout


def _hypothesis_figure(arrays: dict, k: int, h, f: int, skeleton: Skeleton, title: str | None, width: int,
                       height: int) -> go.Figure:
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.06,
                        specs=[[{"type": "scene"}, {"type": "xy"}]],
                        subplot_titles=("3D hypotheses (camera frame, upright)", "2D input and reprojections"))
    props, layout = _hypothesis_updates(arrays, k, h, f, skeleton)
    hover = dict(hoverinfo="text")
    marker = dict(size=5, coloraxis="coloraxis", line=dict(width=0))
    traces = [
        (dict(type="scatter3d", mode="lines", name="other hypotheses", hoverinfo="skip",
              line=dict(color=_HYPOTHESIS_COLOR)), 1),
        (dict(type="scatter3d", mode="lines", name="selected", hoverinfo="skip"), 1),
        (dict(type="scatter3d", mode="lines", name="ground truth", hoverinfo="skip",
              line=dict(color="rgba(0, 158, 115, 0.8)", width=4, dash="dash")), 1),
        (dict(type="scatter3d", mode="markers", name="joints", marker=dict(marker), **hover), 1),
        (dict(type="scatter", mode="lines", name="2D input", hoverinfo="skip", line=dict(color="#555", width=5)), 2),
        (dict(type="scatter", mode="markers", name="2D input joints", marker=dict(marker, size=9), **hover), 2),
        (dict(type="scatter", mode="lines", name="reprojected hypotheses", hoverinfo="skip",
              line=dict(color=_HYPOTHESIS_COLOR, width=1.5)), 2),
        (dict(type="scatter", mode="lines", name="reprojected selection", hoverinfo="skip"), 2),
    ]
    for (base, col), prop in zip(traces, props):
        merged = dict(base)
        for key, value in prop.items():
            merged[key] = dict(base.get(key, {}), **value) if isinstance(value, dict) and key in base else value
        fig.add_trace(merged, 1, col)
    fig.update_layout(base_layout(width, height, title or layout["title.text"]))
    fig.update_layout(scene=_scene(arrays["scene_points"], "camera"),
                      coloraxis=dict(colorscale=_UNCERTAINTY_SCALE, cmin=0, cmax=arrays["cmax"],
                                     colorbar=dict(title=dict(text="spread (mm)"), len=0.6, thickness=12, x=1.0)),
                      margin=dict(t=70))
    fig.update_xaxes(range=layout["xaxis.range"], zeroline=False, title_text="x (normalised)", constrain="domain")
    fig.update_yaxes(range=layout["yaxis.range"], zeroline=False, title_text="y (down)", scaleanchor="x2",
                     scaleratio=1, constrain="domain")
    return fig


def hypothesis_view(poses, keypoints_2d=None, *, reprojections=None, iteration: int = -1, hypothesis="all",
                    frame: int = 0, truth=None, skeleton: Skeleton = H36M, title: str | None = None,
                    width: int = 1000, height: int = 480) -> go.Figure:
    """One view of a multi-hypothesis lift: the 3D hypotheses of one DDIM iteration and frame,
    and the 2D input with every hypothesis reprojected onto it (paper Fig. 5).

    ``poses`` [K, H, F, J, 3] (iterations, hypotheses, frames; root-relative camera frame, m) with
    ``keypoints_2d`` [F, J, 2] (normalised screen coordinates), or a ``LiftResult`` alone.
    ``reprojections`` [K, H, F, J, 2]: e.g. ``LiftResult.reproject(camera, trajectory)``; default
    the weak-perspective fit of ``metrics.j_agg_weak_perspective``. ``hypothesis``: an index, or
    "all" (every hypothesis thin, the aggregate P-Agg thick). Joints are coloured by the spread of
    the hypotheses (mean distance to their mean, mm; the same scale for every view). ``truth``
    [F, J, 3] is drawn dashed. Traces as in ``HYPOTHESIS_TRACES``.
    """
    arrays = _hypothesis_arrays(poses, keypoints_2d, reprojections, truth, skeleton)
    k, h, f = _hypothesis_state(arrays, iteration, hypothesis, frame)
    return _hypothesis_figure(arrays, k, h, f, skeleton, title, width, height)


def hypothesis_explorer(poses, keypoints_2d=None, *, reprojections=None, truth=None, frame: int | None = None,
                        frames: Sequence[int] | None = None, skeleton: Skeleton = H36M, width: int = 1000,
                        height: int = 560) -> go.Figure:
    """``hypothesis_view`` without a kernel: plotly frames and two sliders.

    Slider 1 scrubs DDIM iteration × hypothesis ("all", 1, ..., H) at clip frame ``frame``
    (default: the frame where the hypotheses disagree most at the last iteration); slider 2
    scrubs the clip ``frames`` (default 12 evenly spaced) at the last iteration, all hypotheses.
    The two sliders do not know each other's position: each shows its own views. Arguments as
    in ``hypothesis_view``. Size grows with K·(H+1) + len(frames) views: keep H·K around 25.
    """
    arrays = _hypothesis_arrays(poses, keypoints_2d, reprojections, truth, skeleton)
    K, H, F = arrays["K"], arrays["H"], arrays["F"]
    if frame is None:
        frame = int(arrays["spread"][-1, :, 1:].mean(-1).argmax())
    frame = _hypothesis_index(frame, "frame", F)
    if frames is None:
        frames = sorted(set(np.linspace(0, F - 1, min(F, 12)).round().astype(int).tolist()))
    frames = [_hypothesis_index(int(f), "frames", F) for f in frames]
    if not frames:
        raise ValueError("expected at least one clip frame in frames, got none")
    fig = _hypothesis_figure(arrays, K - 1, "all", frame, skeleton, None, width, height)
    kinds = ["scatter3d"] * 4 + ["scatter"] * 4
    views, combo_steps, frame_steps = [], [], []

    def add(k, h, f, label, steps):
        props, layout = _hypothesis_updates(arrays, k, h, f, skeleton)
        name = f"k{k}h{h}f{f}"
        if name not in views:
            views.append(name)
            fig_frames.append(go.Frame(name=name, data=[dict(type=t, **p) for t, p in zip(kinds, props)],
                                       traces=list(range(len(props))),
                                       layout={"title": {"text": layout["title.text"]},
                                               "xaxis": {"range": layout["xaxis.range"]},
                                               "yaxis": {"range": layout["yaxis.range"]}}))
        steps.append(dict(method="animate", label=label,
                          args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                             transition=dict(duration=0))]))

    fig_frames: list = []
    for k in range(K):
        for h in ["all"] + list(range(H)):
            add(k, h, frame, f"{k + 1}·{'all' if h == 'all' else h + 1}", combo_steps)
    for f in frames:
        add(K - 1, "all", f, str(f), frame_steps)
    fig.frames = fig_frames
    common = dict(x=0.0, len=1.0, yanchor="top", font=dict(size=9))
    fig.update_layout(sliders=[
        dict(steps=combo_steps, active=(K - 1) * (H + 1), y=0.0, pad=dict(t=10), **common,
             currentvalue=dict(prefix=f"iteration·hypothesis at frame {frame}: ", font=dict(size=12))),
        dict(steps=frame_steps, active=frames.index(frame) if frame in frames else 0, y=-0.14, pad=dict(t=10),
             **common, currentvalue=dict(prefix="frame (last iteration, all): ", font=dict(size=12))),
    ], margin=dict(b=150))
    return fig
