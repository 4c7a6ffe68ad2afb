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
