"""The attention explorer (lesson 04): the spatial map, the temporal map and the attention skeleton
of one (layer, head, joint, frame) side by side, from maps captured in one forward pass
(``model.capture_attention``): ``AttentionArrays`` precomputes them once, ``attention_figure`` /
``attention_update`` draw a state and what changes for another (the widget's pair), and
``attention_browser`` is the kernel-free twin with sliders."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import plotly.graph_objects as go

from .._tensors import describe
from ..bones import rest_pose
from ..skeleton import H36M, Skeleton
from .attention import (
    ATTENTION_COLORSCALE,
    _attention_skeleton_props,
    _attention_skeleton_traces,
    _axis_labels,
    _check_coordinates,
    _heatmap_trace,
    _matrix_axes,
)
from .core import (
    FigureUpdate,
    _checked,
    _to_numpy,
    base_layout,
    check_index,
    joint_index,
    to_display,
    update_frame,
)
from .poses import _animation_controls, _scene

__all__ = [
    "ATTENTION_EXPLORER_TRACES", "AttentionArrays", "attention_arrays", "attention_browser",
    "attention_explorer_figure", "attention_figure", "attention_state", "attention_update",
]

ATTENTION_EXPLORER_TRACES = dict(spatial=0, temporal=1, bones=2, rays=3, joints=4, query=5)
"""Trace indices of ``attention_explorer_figure``, ``attention_figure`` and ``attention_browser``
by trace name (the skeleton's traces as in ``ATTENTION_SKELETON_TRACES``, shifted by 2)."""

_ROW_OUTLINE = dict(color="#D55E00", width=2)


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
    # seen from 1.65 times the usual distance: tick labels and axis titles inside the right panel
    # (issue 27: from 1.2 its left, right and bottom axes were cut)
    scene = _scene(arrays.points.reshape(-1, 3), arrays.coordinates, distance=1.65)
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
