"""Attention figures (lesson 04): attention maps as heatmaps, HRST's edit of the scores before and
after, and one query joint's attention drawn on the skeleton. The explorer that shows them together
for any layer, head, joint and frame is ``attention_explorer``."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
import torch

from .._tensors import describe
from ..model import hrst_logits
from ..skeleton import H36M, Skeleton
from .core import (
    FRAMES,
    PoseLike,
    _check_pose,
    _checked,
    _coords,
    _polyline,
    base_layout,
    joint_index,
    to_display,
)
from .poses import _scene

__all__ = [
    "ATTENTION_COLORSCALE", "ATTENTION_SKELETON_TRACES", "attention_heatmap", "attention_skeleton", "hrst_before_after",
    "hrst_entries", "hrtt_logit_terms",
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

_LOGIT_COLORSCALE = "Viridis"
_DIFFERENCE_COLORSCALE = "RdBu_r"


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
    domains = _panel_domains()
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
    key = ("<span style='color:#D55E00'>□</span> edited by HRST   "
           "<span style='color:#E69F00'>○</span> read: A[j<sub>p</sub>][j]")
    return go.Figure(data=data, layout=_panel_layout(labels, domains, names, key, "key", "query", margin, width,
                                                     height, title))


def _panel_domains(count: int = 3, gap: float = 0.06) -> list[tuple[float, float]]:
    """The x domains of ``count`` square map panels side by side (room for a colour bar after each)."""
    panel = (1 - (count - 1) * gap) / count
    return [(k * (panel + gap), k * (panel + gap) + panel - 0.035) for k in range(count)]


def _panel_layout(labels: list[str], domains, names: Sequence[str], key: str, x_title: str, y_title: str,
                  margin: dict, width: int, height: int, title: str | None) -> dict:
    """Layout of maps side by side: one axis pair per panel (ticks on the first), its name above it,
    and ``key`` (what the marks mean) at the top right."""
    layout = base_layout(width, height, title)
    annotations = [dict(text=key, x=1.0, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                        yshift=24, showarrow=False, font=dict(size=12))]
    for k, domain in enumerate(domains):
        suffix = "" if k == 0 else str(k + 1)
        xaxis, yaxis = _matrix_axes(labels, domain, f"x{suffix}", x_title, y_title if k == 0 else "")
        xaxis["tickfont"] = yaxis["tickfont"] = dict(size=9)
        yaxis["showticklabels"] = k == 0
        layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"] = xaxis, yaxis
        layout[f"yaxis{suffix}"]["anchor"] = f"x{suffix}"
        layout[f"xaxis{suffix}"]["anchor"] = f"y{suffix}"
        annotations.append(dict(text=names[k], x=sum(domain) / 2, y=1.0, xref="paper", yref="paper",
                                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=13)))
    layout["annotations"] = annotations
    layout["margin"] = margin
    return layout


def hrtt_logit_terms(own, child, labels="frames", *,
                     names: Sequence[str] = ("A_s = QKᵀ/√d: own keys", "A_c = QK_cᵀ/√d: children's keys",
                                             "A_s + A_c, softmaxed by HRTT"),
                     skeleton: Skeleton = H36M, decimals: int = 3, title: str | None = None, width: int = 820,
                     height: int = 420) -> go.Figure:
    """HRTT (Eq. 6; the paper's Fig. 3b) on one joint's temporal logits: its two terms and their sum.

    ``own`` [F, F] is A_s = QKᵀ/√d (the joint's queries against its own keys, frame by frame),
    ``child`` [F, F] is A_c = QK_cᵀ/√d (the same queries against the keys of f_c, the mean of the
    joint and its children); HRTT's attention is softmax(A_s + A_c) V, so the third panel is what
    the softmax sees. All three panels share one colour scale. Circles mark, in every row, the key
    with the largest logit of that panel: where the row's attention peaks, so the circles of the
    first and third panels show how the children's term moves it. ``labels``: 'frames' (f0, f1, ...)
    or a sequence of F strings. Traces: 3 heatmaps (A_s, A_c, sum), then the circles (one trace per
    panel).
    """
    a_s = _check_square(own, "own")
    a_c = _check_square(child, "child", a_s.shape[0])
    maps = (a_s, a_c, a_s + a_c)
    if len(names) != 3:
        raise ValueError(f"expected 3 panel names, got {len(names)}")
    labels = _axis_labels(labels, a_s.shape[0], skeleton)
    low, high = float(min(z.min() for z in maps)), float(max(z.max() for z in maps))
    domains = _panel_domains()
    data = [_heatmap_trace(z, labels, _LOGIT_COLORSCALE, decimals, "" if k == 0 else str(k + 1), zmin=low, zmax=high,
                           colorbar=dict(x=domains[k][1] + 0.004, xanchor="left") if k == 2 else None, name=names[k])
            for k, z in enumerate(maps)]
    margin = dict(l=60, r=10, b=80, t=75 if title else 45)
    cell = min((domains[0][1] - domains[0][0]) * (width - margin["l"] - margin["r"]),
               height - margin["t"] - margin["b"]) / len(labels)
    for k, z in enumerate(maps):
        peaks = [(row, int(col)) for row, col in enumerate(z.argmax(-1))]
        data.append(_cell_markers(peaks, labels, "circle-open", max(4.0, 0.8 * cell), "#D55E00", "largest logit of its row",
                                  "" if k == 0 else str(k + 1)))
    key = "<span style='color:#D55E00'>○</span> largest logit of each row"
    return go.Figure(data=data, layout=_panel_layout(labels, domains, names, key, "key frame", "query frame", margin,
                                                     width, height, title))


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
    # seen from 1.3 times the usual distance: the axes' tick labels and titles stay inside the scene
    # (issue 27: from 1.0 the left and bottom axes were cut)
    return go.Figure(data=data, layout=base_layout(width, height, title,
                                                   scene=_scene(points, coordinates, distance=1.3)))
