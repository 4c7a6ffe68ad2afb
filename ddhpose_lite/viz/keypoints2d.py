"""2D keypoints on the image: a keypoint clip in pixels (lesson 01, and the 2D input of every later
lesson), and one frame of a detector's landmarks turned into the 17 joints the model reads (lesson 08)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..keypoints import H36M_SOURCES, MEDIAPIPE_NAMES
from ..skeleton import H36M, Skeleton
from .core import (
    _as_named,
    _checked,
    _opacities,
    _pose_coords,
    _pose_styles,
    _pose_traces,
    base_layout,
    picture_behind,
)
from .poses import _animation_controls, _check_fps, _frame_names

__all__ = ["keypoints_2d", "landmarks_to_joints", "frame_preview"]

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


# ---------------------------------------------------------------- a video's first frame, to choose a box on

_PREVIEW_PLOT = (560, 440)  # the largest plot area of a preview (px): the image fits it, its aspect kept
_PREVIEW_MARGIN = dict(l=60, r=12, t=78, b=48)
_PREVIEW_MIN_WIDTH = 420  # px: a portrait clip's preview stays wide enough for its title and legend
_LABEL_HEIGHT = 18  # px: a person's number on the picture
_PEOPLE_COLOR, _CHOSEN_COLOR, _BOX_COLOR = "#56B4E9", "#E69F00", "#D55E00"


def frame_preview(picture: str, image_size, *, picture_size=None, box=None, people=None, chosen: int | None = None,
                  title: str | None = None) -> go.Figure:
    """A video's frame with pixel axes, to read a ``box`` (x0, y0, x1, y1) off (lesson 08).

    ``picture``: the frame as an image URL or ``data:`` URI (``video.image_data_uri``), of
    ``picture_size`` (w, h) pixels if it was scaled down (default: ``image_size``, the video's).
    It is drawn as an image trace over the whole ``image_size``: x right and y down in the video's
    pixels, pixel i spanning i - 0.5 .. i + 0.5, and hovering reads x and y. ``box``: the box
    setting, a dashed rectangle. ``people`` [N, 4]: the boxes of the people found, numbered #0 ..
    on the picture; ``chosen``: the one followed, drawn in another colour. The figure keeps the
    image's aspect within a plot area of at most 560 x 440 px (and is at least 420 px wide)."""
    w, h = _check_image_size(image_size)
    pw, ph = (w, h) if picture_size is None else _check_image_size(picture_size)
    if not isinstance(picture, str) or not picture:
        raise ValueError(f"expected picture as an image URL or data: URI, got {type(picture).__name__}")
    empty = people is None or np.size(people) == 0
    boxes = np.zeros((0, 4)) if empty else _checked(people, "people", [(None, 4)], "[N, 4]")
    if chosen is not None and not (isinstance(chosen, (int, np.integer)) and 0 <= chosen < len(boxes)):
        raise ValueError(f"expected chosen as a person number in 0..{len(boxes) - 1}, got {chosen!r}")
    sx, sy = w / pw, h / ph
    data = [dict(type="image", source=picture, x0=(sx - 1) / 2, y0=(sy - 1) / 2, dx=sx, dy=sy, name="frame",
                 hovertemplate="x %{x:.0f} px, y %{y:.0f} px<extra></extra>")]
    scale = min(_PREVIEW_PLOT[0] / w, _PREVIEW_PLOT[1] / h)  # screen px per video px
    annotations = []
    for name, color, width, chosen_only in (("people found", _PEOPLE_COLOR, 2, False), ("followed", _CHOSEN_COLOR, 3, True)):
        kept = [i for i in range(len(boxes)) if (i == chosen) == chosen_only]
        if kept:
            data.append(_rectangles(boxes[kept], name, color, width, "solid"))
    for i, (x, y) in enumerate(_label_places(boxes, scale, w - 0.5)):
        annotations.append(dict(x=x, y=y, xref="x", yref="y", text=f"#{i}", showarrow=False, xanchor="left",
                                yanchor="top", font=dict(size=12, color="white"), borderpad=1,
                                bgcolor=_CHOSEN_COLOR if i == chosen else "#0072B2"))
    if box is not None:
        if isinstance(box, str):
            raise ValueError(f"expected box as (x0, y0, x1, y1) pixels or None, got {box!r}")
        data.append(_rectangles(_checked(box, "box", [(4,)], "(x0, y0, x1, y1)")[None], "box", _BOX_COLOR, 2, "dash"))
    layout = base_layout(
        max(round(w * scale) + _PREVIEW_MARGIN["l"] + _PREVIEW_MARGIN["r"], _PREVIEW_MIN_WIDTH),
        round(h * scale) + _PREVIEW_MARGIN["t"] + _PREVIEW_MARGIN["b"], title or "The first frame: pick a box in pixels",
        showlegend=len(data) > 1, annotations=annotations, margin=dict(_PREVIEW_MARGIN),
        legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", bgcolor="rgba(255,255,255,0)"),
        xaxis=dict(range=[-0.5, w - 0.5], title="x (px)", showgrid=False, zeroline=False, constrain="domain",
                   ticks="outside"),
        yaxis=dict(range=[h - 0.5, -0.5], title="y (px, down)", showgrid=False, zeroline=False, scaleanchor="x",
                   constrain="domain", ticks="outside"))
    return go.Figure(data=data, layout=layout)


def _rectangles(boxes: np.ndarray, name: str, color: str, width: int, dash: str) -> dict:
    """Box outlines as one line trace, each closed and cut from the next by None."""
    x: list = []
    y: list = []
    for x0, y0, x1, y1 in np.round(boxes, 1).tolist():
        x += [x0, x1, x1, x0, x0, None]
        y += [y0, y0, y1, y1, y0, None]
    return dict(type="scatter", mode="lines", name=name, x=x, y=y, hoverinfo="skip",
                line=dict(color=color, width=width, dash=dash))


def _label_places(boxes: np.ndarray, scale: float, right: float) -> list[tuple[float, float]]:
    """Where each box's number goes (its top-left corner, in video pixels, left of ``right`` by a
    label's width), moved down by a label's height while it would cover an earlier one, so no two
    numbers overlap on the screen (``scale``: screen px per video px; a label is taken as 30 x 18
    screen px)."""
    placed: list[tuple[float, float]] = []
    step, wide = _LABEL_HEIGHT / scale, 30 / scale
    for x0, y0, _, _ in boxes.tolist():
        x0, y = min(x0, right - wide), y0
        while any(abs(x0 - px) < wide and abs(y - py) < step for px, py in placed):
            y += step
        placed.append((round(x0, 1), round(y, 1)))
    return placed
