"""Attention figures (lesson 04): heatmaps, HRST before/after, attention on the skeleton, explorers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch

from .._tensors import describe
from ..bones import rest_pose
from ..model import hrst_logits
from ..skeleton import H36M, Skeleton
from .core import (
    FRAMES,
    FigureUpdate,
    PoseLike,
    _check_pose,
    _checked,
    _coords,
    _polyline,
    _to_numpy,
    base_layout,
    check_index,
    joint_index,
    to_display,
    update_frame,
)
from .poses import _animation_controls, _scene

__all__ = [
    "ATTENTION_COLORSCALE", "ATTENTION_EXPLORER_TRACES", "ATTENTION_SKELETON_TRACES", "AttentionArrays",
    "attention_arrays", "attention_browser", "attention_explorer_figure", "attention_figure",
    "attention_heatmap", "attention_skeleton", "attention_state", "attention_update", "hrst_before_after",
    "hrst_entries",
]

# ---------------------------------------------------------------- attention maps (lesson 04)
#
# Attention maps come from ``model.capture_attention`` (one forward pass): ``spatial[layer]``
# [B*F, heads, J, J] (softmax weights after HRST), ``spatial_logits[layer]`` (before HRST) and
# ``temporal[layer]`` [B*J, heads, F, F]. Rows are queries, columns keys; every row sums to 1.
# Heatmaps use categorical axes (joint names or frame numbers), row 0 at the top, like a matrix.


ATTENTION_COLORSCALE = "Blues"
"""Colours of attention weights: white (0) to dark blue (the largest weight shown)."""

ATTENTION_SKELETON_TRACES = dict(bones=0, rays=1, joints=2, query=3)
"""Trace indices of ``attention_skeleton`` by trace name: grey bones, query→key rays coloured by
weight, the joints sized and coloured by weight, the query joint (a diamond)."""

ATTENTION_EXPLORER_TRACES = dict(spatial=0, temporal=1, bones=2, rays=3, joints=4, query=5)
"""Trace indices of ``attention_explorer_figure``, ``attention_figure`` and ``attention_browser``
by trace name (the skeleton's traces as in ``ATTENTION_SKELETON_TRACES``, shifted by 2)."""

_LOGIT_COLORSCALE = "Viridis"
_DIFFERENCE_COLORSCALE = "RdBu_r"
_ROW_OUTLINE = dict(color="#D55E00", width=2)


def _check_square(matrix, name: str, size: int | None = None) -> np.ndarray:
    spelled = f"[{size}, {size}]" if size is not None else "[N, N]"
    array = _checked(matrix, name, [(size, size)], spelled)
    if array.shape[0] != array.shape[1]:
        raise ValueError(f"expected {name} of shape {spelled} (a square map), got {describe(array.shape)}")
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
        trace["colorbar"] = {**dict(thickness=10, len=0.8, outlinewidth=0, tickfont=dict(size=10)), **colorbar}
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
                      decimals: int = 3, title: str | None = None, width: int = 820,
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
        dict(type="scatter3d", mode="lines", name="rays", hoverinfo="skip", **{k: rays[k] for k in "xyz"},
             line=dict(rays["line"], colorscale=ATTENTION_COLORSCALE, width=7)),
        dict(type="scatter3d", mode="markers", name="joints", hoverinfo="text", **joints, marker=joint_marker),
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
    j = joint_index(joint, skeleton)
    points = to_display(_check_pose(pose, skeleton), coordinates)
    row = _attention_row(weights, j, skeleton)
    data = _attention_skeleton_traces(points, row, j, skeleton, colorbar=dict(title=dict(text="weight", side="right")))
    title = title or f"where {skeleton.names[j]} looks (its attention row)"
    return go.Figure(data=data, layout=base_layout(width, height, title, scene=_scene(points, coordinates)))


# The explorer: spatial map, temporal map and attention skeleton of one (layer, head, joint, frame).


@dataclass(frozen=True, eq=False)
class AttentionArrays:
    """Captured maps of one sample and the pose to draw them on, precomputed once (float64 NumPy)
    so that a view only indexes into them.

    ``spatial`` [L, H+1, F, J, J] and ``temporal`` [L, H+1, J, F, F]: head index H is the mean
    over the H heads; ``spatial_logits`` [L, H, F, J, J] or None; ``points`` [F, J, 3] the pose
    of every frame in display axes (``to_display``) and ``coordinates`` the pose's frame.
    """

    spatial: np.ndarray
    temporal: np.ndarray
    spatial_logits: np.ndarray | None
    points: np.ndarray
    coordinates: str
    skeleton: Skeleton = H36M

    @property
    def layers(self) -> int:
        return self.spatial.shape[0]

    @property
    def heads(self) -> int:
        return self.spatial.shape[1] - 1

    @property
    def frames(self) -> int:
        return self.spatial.shape[2]

    @property
    def joints(self) -> int:
        return self.spatial.shape[-1]


def _sample_maps(maps, sample: int):
    """(spatial [L, H, F, J, J], temporal [L, H, J, F, F], logits or None) of one batch item."""
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
                             f"got {describe(s.shape)}")
        if t.shape[1:] != (heads, frames, frames) or t.shape[0] != s.shape[0] // frames * joints:
            raise ValueError(f"expected temporal[{k}] of shape [{s.shape[0] // frames}*{joints}, {heads}, "
                             f"{frames}, {frames}], got {describe(t.shape)}")
    sample = check_index(sample, "sample", spatial[0].shape[0] // frames)
    s = np.stack([x[sample * frames:(sample + 1) * frames].transpose(1, 0, 2, 3) for x in spatial])
    t = np.stack([x[sample * joints:(sample + 1) * joints].transpose(1, 0, 2, 3) for x in temporal])
    logits = None
    if get("spatial_logits") and len(get("spatial_logits")) == len(spatial):
        logits = np.stack([_to_numpy(x, "spatial_logits")[sample * frames:(sample + 1) * frames].transpose(1, 0, 2, 3)
                           for x in get("spatial_logits")])
    return s, t, logits


def _explorer_poses(pose, frames: int, skeleton: Skeleton, coordinates: str):
    """(display points [F, J, 3], coordinates): a clip, one pose for all frames, or the rest pose."""
    if pose is None:
        return np.repeat(rest_pose().numpy()[None].astype(np.float64), frames, 0), "world"
    j = skeleton.num_joints
    array = _checked(pose, "pose", [(j, 3), (frames, j, 3)], f"[{j}, 3] or [{frames}, {j}, 3]")
    if array.ndim == 2:
        array = np.repeat(array[None], frames, 0)
    return to_display(array, _check_coordinates(coordinates)), coordinates


def attention_arrays(maps, pose=None, *, sample: int = 0, skeleton: Skeleton = H36M,
                     coordinates: str = "camera") -> AttentionArrays:
    """Everything the explorer views draw, from ``model.capture_attention``'s capture of ONE
    forward pass (or a mapping with 'spatial' and 'temporal' lists): the maps of batch item
    ``sample`` with the mean of the heads added, and ``pose`` ([F, J, 3], [J, 3] or None for the
    rest pose in world coordinates) in display axes; ``coordinates`` is its frame."""
    spatial, temporal, logits = _sample_maps(maps, sample)
    if spatial.shape[-1] != skeleton.num_joints:
        raise ValueError(f"expected spatial maps over {skeleton.num_joints} joints, got {spatial.shape[-1]}")
    points, coordinates = _explorer_poses(pose, spatial.shape[2], skeleton, coordinates)
    return AttentionArrays(spatial=np.concatenate([spatial, spatial.mean(1, keepdims=True)], 1),
                           temporal=np.concatenate([temporal, temporal.mean(1, keepdims=True)], 1),
                           spatial_logits=logits, points=points, coordinates=coordinates, skeleton=skeleton)


def attention_state(arrays: AttentionArrays, layer, head, joint, frame) -> dict:
    """A checked explorer state: layer and frame as ints, head an int or 'mean' (the mean of the
    heads), joint an index (from an index or a name)."""
    return dict(layer=check_index(layer, "layer", arrays.layers),
                head=check_index(head, "head", arrays.heads, words=("mean",)),
                joint=joint_index(joint, arrays.skeleton),
                frame=check_index(frame, "frame", arrays.frames))


def _explorer_title(state: dict, skeleton: Skeleton) -> str:
    head_text = "mean of heads" if state["head"] == "mean" else f"head {state['head']}"
    return (f"layer {state['layer']} · {head_text} · spatial map of frame {state['frame']} · "
            f"temporal map of {skeleton.names[state['joint']]}")


def _row_outline(axis: str, n: int, row: int) -> dict:
    return dict(type="rect", xref=f"x{axis}", yref=f"y{axis}", x0=-0.5, x1=n - 0.5, y0=row - 0.5, y1=row + 0.5,
                line=_ROW_OUTLINE, fillcolor="rgba(0,0,0,0)")


def attention_update(arrays: AttentionArrays, state: Mapping, decimals: int = 4) -> FigureUpdate:
    """What an ``attention_figure`` shows for ``state`` (layer, head, joint, frame; checked by
    ``attention_state``): both maps, the attention skeleton, the two row outlines, the title."""
    state = attention_state(arrays, **state)
    layer, joint, frame = state["layer"], state["joint"], state["frame"]
    head = arrays.heads if state["head"] == "mean" else state["head"]
    spatial = arrays.spatial[layer, head, frame]
    temporal = arrays.temporal[layer, head, joint]
    traces = {name: dict(z=np.round(m, decimals).tolist(), zmin=round(float(m.min()), decimals),
                         zmax=round(float(m.max()), decimals))
              for name, m in (("spatial", spatial), ("temporal", temporal))}
    skeleton_props = _attention_skeleton_props(arrays.points[frame], spatial[joint], joint, arrays.skeleton, decimals)
    traces.update(zip(("bones", "rays", "joints", "query"), skeleton_props))
    shapes = [_row_outline("", arrays.joints, joint), _row_outline("2", arrays.frames, frame)]
    return FigureUpdate(traces, {"shapes": shapes, "title.text": _explorer_title(state, arrays.skeleton)})


def attention_figure(arrays: AttentionArrays, state: Mapping, *, decimals: int = 4, title: str | None = None,
                     width: int = 820, height: int = 440) -> go.Figure:
    """The explorer view of ``state`` (see ``attention_explorer_figure``); ``attention_update``
    gives what changes for another state."""
    update = attention_update(arrays, state, decimals)
    state = attention_state(arrays, **state)
    skeleton = arrays.skeleton
    joint_labels = list(skeleton.names)
    frame_labels = _axis_labels("frames", arrays.frames, skeleton)
    spatial_domain, temporal_domain = (0.0, 0.32), (0.42, 0.68)
    data = []
    for name, labels, domain, axes in (("spatial", joint_labels, spatial_domain, ""),
                                       ("temporal", frame_labels, temporal_domain, "2")):
        # a horizontal colour bar above each map: beside them it would collide with the next axis
        bar = dict(orientation="h", thickness=8, len=domain[1] - domain[0], x=sum(domain) / 2, xanchor="center",
                   y=1.0, yanchor="bottom", ypad=4, nticks=4)
        props = update.traces[name]
        data.append(_heatmap_trace(np.asarray(props["z"]), labels, ATTENTION_COLORSCALE, decimals, axes,
                                   zmin=props["zmin"], zmax=props["zmax"], colorbar=bar, name=name))
    head = arrays.heads if state["head"] == "mean" else state["head"]
    row = arrays.spatial[state["layer"], head, state["frame"], state["joint"]]
    data += _attention_skeleton_traces(arrays.points[state["frame"]], row, state["joint"], skeleton)
    sx, sy = _matrix_axes(joint_labels, spatial_domain, "x", "key joint", "query joint")
    tx, ty = _matrix_axes(frame_labels, temporal_domain, "x2", "key frame", "query frame")
    sx["tickfont"] = sy["tickfont"] = dict(size=9)
    sx["dtick"] = sy["dtick"] = 1  # every joint's name
    tx["tickfont"] = ty["tickfont"] = dict(size=8)
    tx["anchor"], ty["anchor"] = "y2", "x2"
    sy["constraintoward"] = ty["constraintoward"] = "top"  # the maps right under their colour bars
    scene = _scene(arrays.points.reshape(-1, 3), arrays.coordinates, distance=1.2)  # axis titles inside
    scene["domain"] = dict(x=[0.7, 1.0], y=[0.0, 1.0])
    layout = base_layout(width, height, title or update.layout["title.text"], xaxis=sx, yaxis=sy, xaxis2=tx,
                         yaxis2=ty, scene=scene, shapes=update.layout["shapes"])
    layout["margin"].update(t=85, b=80)
    return go.Figure(data=data, layout=layout)


def attention_explorer_figure(maps, layer: int = 1, head=0, joint="LElbow", frame: int = 0, pose=None, *,
                              sample: int = 0, skeleton: Skeleton = H36M, coordinates: str = "camera",
                              decimals: int = 4, title: str | None = None, width: int = 820,
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
    The same view from precomputed arrays: ``attention_figure(attention_arrays(...), state)``.
    """
    arrays = attention_arrays(maps, pose, sample=sample, skeleton=skeleton, coordinates=coordinates)
    state = attention_state(arrays, layer, head, joint, frame)
    return attention_figure(arrays, state, decimals=decimals, title=title, width=width, height=height)


_BROWSER_CHANGES = dict(spatial=("z", "zmin", "zmax"), temporal=("z", "zmin", "zmax"), rays=("line",),
                        joints=("text", "marker"))  # with the joint and frame fixed, nothing else changes


def attention_browser(maps, pose=None, *, joint="LElbow", frame: int = 0, layers=None, heads=None,
                      sample: int = 0, skeleton: Skeleton = H36M, coordinates: str = "camera",
                      decimals: int = 3, width: int = 820, height: int = 560) -> go.Figure:
    """``attention_explorer_figure`` without a kernel: a plotly slider over (layer, head) views.

    ``joint`` and ``frame`` stay fixed (the live widget ``widgets.attention_explorer`` moves
    them too). ``layers`` (default: all) and ``heads`` (default: 'mean' then every head) choose
    the slider's steps, layer by layer; each step (a plotly frame, from ``attention_update``)
    stores the two maps and the skeleton's colours, about 7 kB at 27 frames: the default 4
    layers x 9 views of the shipped model make about 280 kB, ``heads=["mean"]`` about 45 kB.
    """
    arrays = attention_arrays(maps, pose, sample=sample, skeleton=skeleton, coordinates=coordinates)
    layers = list(range(arrays.layers)) if layers is None else list(layers)
    heads = ["mean"] + list(range(arrays.heads)) if heads is None else list(heads)
    if not layers or not heads:
        raise ValueError(f"expected at least one layer and one head, got layers={layers}, heads={heads}")
    states = [attention_state(arrays, layer, head, joint, frame) for layer in layers for head in heads]
    fig = attention_figure(arrays, states[0], decimals=decimals, width=width, height=height)
    frames, labels = [], []
    for state in states:
        update = attention_update(arrays, state, decimals)
        changes = FigureUpdate({name: {key: update.traces[name][key] for key in keys}
                                for name, keys in _BROWSER_CHANGES.items()},
                               {"title.text": update.layout["title.text"]})
        frames.append(update_frame(fig, changes, str(len(frames))))
        labels.append(f"{state['layer']}·{'μ' if state['head'] == 'mean' else state['head']}")
    fig.frames = frames
    controls = _animation_controls(labels, 600.0, True)
    controls.pop("updatemenus")  # a slider over views, not a movie: no play button
    controls["sliders"][0].update(x=0.0, len=1.0, y=0.0, yanchor="top", pad=dict(t=95), font=dict(size=9),
                                  currentvalue=dict(prefix="layer·head (μ = mean of heads): ", xanchor="left",
                                                    font=dict(size=12)))
    fig.update_layout(**controls)
    fig.update_layout(margin=dict(b=195))
    return fig
