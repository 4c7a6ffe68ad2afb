"""Hypothesis figures (lesson 06): every DDIM iteration and hypothesis, reprojections, uncertainty."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .._tensors import check_image_size
from ..metrics import weak_perspective_fit
from ..skeleton import H36M, Skeleton
from .core import (
    FigureUpdate,
    _checked,
    _coords,
    _polyline,
    apply_update,
    base_layout,
    check_index,
    picture_behind,
    to_display,
    update_frame,
)
from .poses import _scene

__all__ = [
    "HYPOTHESIS_TRACES", "HypothesisArrays", "hypothesis_arrays", "hypothesis_explorer", "hypothesis_figure",
    "hypothesis_state", "hypothesis_update", "hypothesis_view", "joint_timeline",
]

HYPOTHESIS_TRACES = dict(others=0, selected=1, truth=2, joints=3, input=4, input_joints=5,
                         reprojected_others=6, reprojected=7)
"""Trace indices of ``hypothesis_view`` / ``hypothesis_explorer`` figures by trace name. 3D scene: the other
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


@dataclass(frozen=True, eq=False)
class HypothesisArrays:
    """Everything the hypothesis views draw, precomputed once (float64 NumPy) so that a view only
    indexes into them. K iterations, H hypotheses, F frames, J joints.

    ``display`` [K, H, F, J, 3] and ``mean_display`` [K, F, J, 3] (P-Agg): the poses in display
    axes (camera frame drawn upright); ``reproj`` [K, H, F, J, 2] and ``mean_reproj`` [K, F, J, 2]:
    their reprojections; ``kp`` [F, J, 2] the input; ``spread`` [K, F, J] the hypotheses' mean
    distance to their mean (mm); ``truth`` [F, J, 3] (display axes) or None; ``scene_points``
    [2, 3] the 3D box; ``centre`` [F, 2] and ``half`` the 2D panel's window; ``cmax`` the top of
    the spread colour scale.
    """

    display: np.ndarray
    mean_display: np.ndarray
    reproj: np.ndarray
    mean_reproj: np.ndarray
    kp: np.ndarray
    spread: np.ndarray
    truth: np.ndarray | None
    scene_points: np.ndarray
    centre: np.ndarray
    half: float
    cmax: float
    skeleton: Skeleton = H36M
    backgrounds: tuple[str, ...] | None = None
    image_box: tuple[float, float, float, float] | None = None

    @property
    def K(self) -> int:
        return self.display.shape[0]

    @property
    def H(self) -> int:
        return self.display.shape[1]

    @property
    def F(self) -> int:
        return self.display.shape[2]


def hypothesis_arrays(poses, keypoints_2d=None, *, reprojections=None, truth=None, backgrounds=None,
                      image_size=None, skeleton: Skeleton = H36M) -> HypothesisArrays:
    """The arrays of ``hypothesis_view`` (arguments as there): reprojections default to the
    weak-perspective fit of ``metrics.weak_perspective_fit`` (scale + shift per iteration and
    frame, fitted with the mean over hypotheses, as ``metrics.j_agg_weak_perspective``).
    ``backgrounds``: one picture per frame (URL or ``data:`` URI, e.g. the video frame) drawn
    behind the 2D panel over the whole image, which needs ``image_size`` (w, h) (a LiftResult's
    own by default)."""
    if image_size is None:
        image_size = getattr(poses, "image_size", None)
    poses, keypoints_2d, reprojections = _unwrap_lift(poses, keypoints_2d, reprojections)
    j = skeleton.num_joints
    hyp = _checked(poses, "poses", [(None, None, None, j, 3)], f"[K, H, F, {j}, 3]")
    K, H, F = hyp.shape[:3]
    kp = _checked(keypoints_2d, "keypoints_2d", [(F, j, 2)], f"[{F}, {j}, 2]")
    mean = hyp.mean(1)  # [K, F, J, 3]: P-Agg of every iteration
    if reprojections is None:
        scale, shift = weak_perspective_fit(mean, np.broadcast_to(kp, (K, F, j, 2)).copy())
        reproj = scale[:, None] * hyp[..., :2] + shift[:, None]
    else:
        reproj = _checked(reprojections, "reprojections", [(K, H, F, j, 2)], f"[{K}, {H}, {F}, {j}, 2]")
    spread = np.linalg.norm(hyp - mean[:, None], axis=-1).mean(1) * 1000  # [K, F, J] mm
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
    image_box = None
    if backgrounds is not None:
        backgrounds = tuple(backgrounds)
        if len(backgrounds) != F or not all(isinstance(b, str) for b in backgrounds):
            raise ValueError(f"expected backgrounds as {F} picture URLs (one per frame), got {len(backgrounds)} "
                             f"of {sorted({type(b).__name__ for b in backgrounds})}")
        if image_size is None:
            raise ValueError("expected image_size (width, height) with backgrounds, got None")
        w, h = check_image_size(image_size)
        image_box = (-1.0, -h / w, 1.0, h / w)  # the image in normalised screen coordinates
    return HypothesisArrays(display=display, mean_display=to_display(mean, "camera"), reproj=reproj,
                            mean_reproj=reproj.mean(1), kp=kp, spread=spread, truth=truth_display,
                            scene_points=np.stack([everything.min(0), everything.max(0)]), centre=centre,
                            half=half, cmax=max(5.0 * math.ceil(cmax / 5.0), 5.0), skeleton=skeleton,
                            backgrounds=backgrounds, image_box=image_box)


def hypothesis_state(arrays: HypothesisArrays, iteration=-1, hypothesis="all", frame=None) -> dict:
    """A checked view: iteration (negative counts from the end) and frame as 0-based ints,
    hypothesis 'all' or an int; ``frame=None`` is the frame where the hypotheses disagree most
    at the last iteration (the root, which never varies, left out)."""
    if isinstance(iteration, (int, np.integer)) and not isinstance(iteration, bool) and -arrays.K <= iteration < 0:
        iteration = arrays.K + int(iteration)
    if frame is None:
        frame = int(arrays.spread[-1, :, 1:].mean(-1).argmax())
    return dict(iteration=check_index(iteration, "iteration", arrays.K),
                hypothesis=check_index(hypothesis, "hypothesis", arrays.H, words=("all",)),
                frame=check_index(frame, "frame", arrays.F))


def _hypothesis_title(arrays: HypothesisArrays, k: int, h, f: int) -> str:
    spread = arrays.spread[k, f, 1:].mean()
    who = "all hypotheses, P-Agg thick" if h == "all" else f"hypothesis {h + 1} of {arrays.H}"
    return (f"DDIM iteration {k + 1} of {arrays.K} · {who} · frame {f} · "
            f"mean spread {spread:.0f} mm")


def hypothesis_update(arrays: HypothesisArrays, state: Mapping) -> FigureUpdate:
    """What a ``hypothesis_figure`` shows for ``state`` (iteration, hypothesis, frame; checked by
    ``hypothesis_state``): every trace (``HYPOTHESIS_TRACES``), the title and the 2D window."""
    state = hypothesis_state(arrays, **state)
    k, h, f = state["iteration"], state["hypothesis"], state["frame"]
    skeleton = arrays.skeleton
    bones = skeleton.bones
    chosen = arrays.mean_display[k, f] if h == "all" else arrays.display[k, h, f]
    chosen_2d = arrays.mean_reproj[k, f] if h == "all" else arrays.reproj[k, h, f]
    others = [i for i in range(arrays.H) if i != h]

    def many(points, decimals):
        out: dict = {key: [] for key in "xyz"[: points.shape[-1]]}
        for p in points:
            line = _polyline(p, bones, decimals)
            for key in out:
                out[key] += line[key]
        return out

    spread = np.round(arrays.spread[k, f], 1)
    text = [f"{skeleton.names[j]}: spread {spread[j]:.0f} mm" for j in range(skeleton.num_joints)]
    faint = h != "all"
    selected_color = "#111" if h == "all" else _HYPOTHESIS_COLOR
    traces = dict(
        others=dict(many(arrays.display[k, others, f], 3), opacity=0.25 if faint else 0.55,
                    line=dict(width=1.5 if faint else 2.5)),
        selected=dict(_polyline(chosen, bones, 3), line=dict(color=selected_color, width=6)),
        truth=_polyline(arrays.truth[f], bones, 3) if arrays.truth is not None else dict(x=[], y=[], z=[]),
        joints=dict(_coords(chosen, range(skeleton.num_joints), 3), text=text, marker=dict(color=spread.tolist())),
        input=_polyline(arrays.kp[f], bones, 4),
        input_joints=dict(_coords(arrays.kp[f], range(skeleton.num_joints), 4), text=text,
                          marker=dict(color=spread.tolist())),
        reprojected_others=dict(many(arrays.reproj[k, others, f], 4), opacity=0.3 if faint else 0.6),
        reprojected=dict(_polyline(chosen_2d, bones, 4), line=dict(color=selected_color, width=3, dash="dash")),
    )
    cx, cy = arrays.centre[f]
    half = arrays.half
    layout = {"title.text": _hypothesis_title(arrays, k, h, f),
              "xaxis.range": [round(float(cx - half), 4), round(float(cx + half), 4)],
              "yaxis.range": [round(float(cy + half), 4), round(float(cy - half), 4)]}
    if arrays.backgrounds is not None:
        layout["images"] = [picture_behind(arrays.backgrounds[f], *arrays.image_box)]
    return FigureUpdate(traces, layout)


def hypothesis_figure(arrays: HypothesisArrays, state: Mapping, *, title: str | None = None, width: int = 820,
                      height: int = 480) -> go.Figure:
    """The view of ``state`` (see ``hypothesis_view``); ``hypothesis_update`` gives what changes
    for another state."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.1,
                        specs=[[{"type": "scene"}, {"type": "xy"}]],
                        subplot_titles=("3D hypotheses (camera frame, upright)", "2D input and reprojections"))
    hover = dict(hoverinfo="text")
    marker = dict(size=5, coloraxis="coloraxis", line=dict(width=0))
    traces = [  # in HYPOTHESIS_TRACES order; hypothesis_update fills in the data
        (dict(type="scatter3d", mode="lines", name="others", hoverinfo="skip", line=dict(color=_HYPOTHESIS_COLOR)), 1),
        (dict(type="scatter3d", mode="lines", name="selected", hoverinfo="skip"), 1),
        (dict(type="scatter3d", mode="lines", name="truth", hoverinfo="skip",
              line=dict(color="rgba(0, 158, 115, 0.8)", width=4, dash="dash")), 1),
        (dict(type="scatter3d", mode="markers", name="joints", marker=dict(marker), **hover), 1),
        (dict(type="scatter", mode="lines", name="input", hoverinfo="skip", line=dict(color="#555", width=5)), 2),
        (dict(type="scatter", mode="markers", name="input_joints", marker=dict(marker, size=9), **hover), 2),
        (dict(type="scatter", mode="lines", name="reprojected_others", hoverinfo="skip",
              line=dict(color=_HYPOTHESIS_COLOR, width=1.5)), 2),
        (dict(type="scatter", mode="lines", name="reprojected", hoverinfo="skip"), 2),
    ]
    for trace, col in traces:
        fig.add_trace(trace, 1, col)
    update = hypothesis_update(arrays, state)
    fig.update_layout(base_layout(width, height, "title"))
    apply_update(fig, update)
    if title:
        fig.layout.title.text = title
    # seen from farther than the default: the tick labels and titles of the tall box stay inside the
    # scene at 480 px (the scrubber) and at 320 px (the kernel-free twin, above its sliders)
    fig.update_layout(scene=_scene(arrays.scene_points, "camera", distance=1.45),
                      coloraxis=dict(colorscale=_UNCERTAINTY_SCALE, cmin=0, cmax=arrays.cmax,
                                     colorbar=dict(title=dict(text="spread (mm)", side="right"), len=0.6,
                                                   thickness=12, x=1.0)),
                      margin=dict(t=70))
    grid = arrays.backgrounds is None  # no grid over a picture
    fig.update_xaxes(zeroline=False, showgrid=grid, title_text="x (normalised)", constrain="domain")
    fig.update_yaxes(zeroline=False, showgrid=grid, title_text="y (down)", scaleanchor="x", scaleratio=1,
                     constrain="domain")
    return fig


def hypothesis_view(poses, keypoints_2d=None, *, reprojections=None, iteration: int = -1, hypothesis="all",
                    frame: int = 0, truth=None, backgrounds=None, image_size=None, skeleton: Skeleton = H36M,
                    title: str | None = None, width: int = 820, height: int = 480) -> go.Figure:
    """One view of a multi-hypothesis lift: the 3D hypotheses of one DDIM iteration and frame,
    and the 2D input with every hypothesis reprojected onto it (paper Fig. 5).

    ``poses`` [K, H, F, J, 3] (iterations, hypotheses, frames; root-relative camera frame, m) with
    ``keypoints_2d`` [F, J, 2] (normalised screen coordinates), or a ``LiftResult`` alone.
    ``reprojections`` [K, H, F, J, 2]: e.g. ``LiftResult.reproject(camera, trajectory)``; default
    the weak-perspective fit of ``metrics.j_agg_weak_perspective``. ``hypothesis``: an index, or
    "all" (every hypothesis thin, the aggregate P-Agg thick). Joints are coloured by the spread of
    the hypotheses (mean distance to their mean, mm; the same scale for every view). ``truth``
    [F, J, 3] is drawn dashed. ``backgrounds`` (one picture per frame) with ``image_size``: the
    video frames behind the 2D panel. Traces as in ``HYPOTHESIS_TRACES``. The same view from
    precomputed arrays: ``hypothesis_figure(hypothesis_arrays(...), state)``.
    """
    arrays = hypothesis_arrays(poses, keypoints_2d, reprojections=reprojections, truth=truth, backgrounds=backgrounds,
                               image_size=image_size, skeleton=skeleton)
    state = hypothesis_state(arrays, iteration, hypothesis, frame)
    return hypothesis_figure(arrays, state, title=title, width=width, height=height)


def hypothesis_explorer(poses, keypoints_2d=None, *, reprojections=None, truth=None, backgrounds=None,
                        image_size=None, frame: int | None = None, frames: Sequence[int] | None = None,
                        skeleton: Skeleton = H36M, width: int = 820, height: int = 620) -> go.Figure:
    """``hypothesis_view`` without a kernel: plotly frames and two sliders.

    Slider 1 scrubs DDIM iteration × hypothesis ("all", 1, ..., H) at clip frame ``frame``
    (default: the frame where the hypotheses disagree most at the last iteration); slider 2
    scrubs the clip ``frames`` (default 12 evenly spaced) at the last iteration, all hypotheses.
    The two sliders do not know each other's position: each shows its own views (plotly frames
    from ``hypothesis_update``). Arguments as in ``hypothesis_view``. Size grows with
    K·(H+1) + len(frames) views: keep H·K around 25.
    """
    arrays = hypothesis_arrays(poses, keypoints_2d, reprojections=reprojections, truth=truth, backgrounds=backgrounds,
                               image_size=image_size, skeleton=skeleton)
    K, H, F = arrays.K, arrays.H, arrays.F
    frame = hypothesis_state(arrays, frame=frame)["frame"]
    if frames is None:
        frames = sorted(set(np.linspace(0, F - 1, min(F, 12)).round().astype(int).tolist()))
    frames = [check_index(int(f), "frames", F) for f in frames]
    if not frames:
        raise ValueError("expected at least one clip frame in frames, got none")
    fig = hypothesis_figure(arrays, dict(iteration=K - 1, hypothesis="all", frame=frame), width=width, height=height)
    fig_frames: dict[str, go.Frame] = {}

    def step(k, h, f, label):
        name = f"k{k}h{h}f{f}"
        if name not in fig_frames:
            update = hypothesis_update(arrays, dict(iteration=k, hypothesis=h, frame=f))
            fig_frames[name] = update_frame(fig, update, name)
        return dict(method="animate", label=label,
                    args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))])

    combo_steps = [step(k, h, frame, f"{k + 1}·{'all' if h == 'all' else h + 1}")
                   for k in range(K) for h in ["all"] + list(range(H))]
    frame_steps = [step(K - 1, "all", f, str(f)) for f in frames]
    fig.frames = list(fig_frames.values())
    common = dict(x=0.0, len=1.0, yanchor="top", font=dict(size=9))
    fig.update_layout(sliders=[
        dict(steps=combo_steps, active=(K - 1) * (H + 1), y=0.0, pad=dict(t=50), **common,
             currentvalue=dict(prefix=f"iteration·hypothesis at frame {frame}: ", font=dict(size=12))),
        dict(steps=frame_steps, active=frames.index(frame) if frame in frames else 0, y=0.0, pad=dict(t=140),
             **common, currentvalue=dict(prefix="frame (last iteration, all): ", font=dict(size=12))),
    ], margin=dict(b=230))
    return fig


def joint_timeline(values, times=None, *, title: str = "", label: str = "", colorscale: str = _UNCERTAINTY_SCALE,
                   zmin: float | None = None, zmax: float | None = None, skeleton: Skeleton = H36M,
                   width: int = 820, height: int = 360) -> go.Figure:
    """A value per joint and frame [F, J] as a heatmap over time: joints down, time across
    (``times`` [F] seconds, default frame numbers). E.g. the hypotheses' spread in mm
    (``LiftResult.uncertainty() * 1000``) or a detector's confidence. Gaps in ``times`` (longer
    than 1.5 frame steps) stay empty, so time that was not lifted shows as a blank."""
    j = skeleton.num_joints
    z = _checked(values, "values", [(None, j)], f"[F, {j}]")
    f = z.shape[0]
    x = np.arange(f, dtype=np.float64) if times is None else _checked(times, "times", [(f,)], f"[{f}]")
    if f > 1:
        step = float(np.median(np.diff(x)))
        jumps = np.flatnonzero(np.diff(x) > 1.5 * step)
        x = np.insert(x, jumps + 1, x[jumps] + step)  # one empty column after each jump
        z = np.insert(z, jumps + 1, np.nan, axis=0)
    fig = go.Figure(go.Heatmap(z=np.round(z.T, 3).tolist(), x=np.round(x, 4).tolist(), y=list(skeleton.names),
                               colorscale=colorscale, zmin=zmin, zmax=zmax, hoverongaps=False,
                               colorbar=dict(title=dict(text=label, side="right"), thickness=12),
                               hovertemplate="%{y} at %{x}: %{z}<extra></extra>"))
    fig.update_layout(base_layout(width, height, title or None))
    fig.update_xaxes(title_text="time (s)" if times is not None else "frame")
    fig.update_yaxes(autorange="reversed")
    return fig
