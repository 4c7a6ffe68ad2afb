"""Diffusion figures (lesson 03): schedules, bones-vs-joints noising views, DDIM trajectories."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..skeleton import H36M, Skeleton
from .._tensors import describe
from .core import (
    FigureUpdate,
    _bones_by_level,
    _check_clip,
    _check_pose,
    _checked,
    _polyline,
    _pose_coords,
    _pose_traces,
    _to_numpy,
    apply_update,
    base_layout,
    check_index,
    update_frame,
)
from .poses import _animation_controls, _scene

__all__ = [
    "PAIR_TRACES", "ddim_trajectory", "ddim_update", "ddim_view", "noising_explorer", "noising_update",
    "noising_view", "schedule_curves",
]

# ---------------------------------------------------------------- diffusion (lesson 03)
#
# The two-skeleton figures below share one trace layout, ``PAIR_TRACES``: the left pose (5 bone
# traces by level + joints), the right pose (the same), the ᾱ_t curve, the marker at the current
# t, then the faint reference pose in each scene (when given). ``noising_update`` and
# ``ddim_update`` rewrite the poses, the marker and the title (slider frames and widgets alike).

PAIR_TRACES = dict(left=tuple(range(0, 6)), right=tuple(range(6, 12)), curve=12, marker=13,
                   references=(14, 15))
"""Trace indices of ``noising_view``, ``noising_explorer`` and ``ddim_trajectory`` figures."""

_REFERENCE_STYLE = dict(color="#c4c4c4", width=3)  # opaque: WebGL may skip translucent 3D lines


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
            k = check_index(t, "t", alpha_bar.shape[0])
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
                         f"{describe(a.shape)} and {describe(b.shape)}")
    return a, b


def _marker_side(t: int, T: int) -> str:
    """Where the t marker's label goes: away from the panel's right edge for late t."""
    return "top right" if t < T // 2 else "top left"


def _pair_update(left: np.ndarray, right: np.ndarray, marker: tuple[int, float], T: int, title: str,
                 skeleton: Skeleton) -> FigureUpdate:
    """Both poses, the t marker and the title of a pair figure (``PAIR_TRACES``) for one view."""
    traces = {}
    for side, points in (("left", left), ("right", right)):
        names = [f"{side} level {level} bones" for level, _ in _bones_by_level(skeleton)] + [f"{side} joints"]
        traces.update(zip(names, _pose_coords(points, skeleton, True, 3)))
    t, alpha_bar = marker
    traces["t"] = dict(x=[t], y=[round(float(alpha_bar), 5)], text=[f"t={t}"], textposition=_marker_side(t, T))
    return FigureUpdate(traces, {"title.text": title})


def _pair_figure(update: FigureUpdate, curve: np.ndarray, subplot_titles: Sequence[str],
                 reference: np.ndarray | None, scene_points: np.ndarray, skeleton: Skeleton, width: int,
                 height: int, extra_curve_points: tuple[list, list] | None = None) -> go.Figure:
    """Two 3D scenes and one 2D curve, traces as in ``PAIR_TRACES``, drawn as ``update`` says."""
    fig = make_subplots(rows=1, cols=3, column_widths=[0.37, 0.37, 0.26], horizontal_spacing=0.03,
                        specs=[[{"type": "scene"}, {"type": "scene"}, {"type": "xy"}]],
                        subplot_titles=tuple(subplot_titles))
    rest = np.zeros((skeleton.num_joints, 3))  # placeholders: the update below writes the poses
    for col, side in ((1, "left"), (2, "right")):
        for trace in _pose_traces(rest, skeleton, "pose", "level", 1.0, False, 3):
            trace["name"] = f"{side} {trace['name']}"
            fig.add_trace(trace, 1, col)
    x, y = _curve_points(curve)
    fig.add_trace(go.Scatter(x=x, y=np.round(y, 5).tolist(), mode="lines", name="ᾱ curve",
                             line=dict(color="#555", width=2), hoverinfo="x+y"), 1, 3)
    fig.add_trace(go.Scatter(mode="markers+text", name="t", cliponaxis=False,
                             marker=dict(size=12, color="#D55E00", line=dict(color="white", width=1))), 1, 3)
    if reference is not None:
        for col in (1, 2):
            fig.add_trace(dict(type="scatter3d", mode="lines", name="clean pose", hoverinfo="skip",
                               line=_REFERENCE_STYLE, **_polyline(reference, skeleton.bones, 3)), 1, col)
    if extra_curve_points is not None:  # e.g. the DDIM sampling times: the last trace
        fig.add_trace(go.Scatter(x=extra_curve_points[0], y=extra_curve_points[1], mode="markers",
                                 name="sampling times", marker=dict(size=6, color="#999"),
                                 hoverinfo="x+y"), 1, 3)
    fig.update_layout(base_layout(width, height, "title"))
    apply_update(fig, update)
    # the whole box, tick labels and axis titles included, in scenes 300 px wide: from 1.35 the z
    # title fell outside the left edge and the x axis was cut at the bottom (issue 27)
    scene = _scene(scene_points, "world", distance=1.8)
    fig.update_layout(scene=scene, scene2=scene, margin=dict(t=70))
    fig.update_xaxes(title_text="t", zeroline=False, gridcolor="#eee", row=1, col=3)
    fig.update_yaxes(title_text="ᾱ<sub>t</sub>", range=[-0.03, 1.08], zeroline=False, gridcolor="#eee",
                     domain=[0.3, 0.9], row=1, col=3)
    return fig


def _add_pair_slider(fig: go.Figure, frames: list[go.Frame], labels: Sequence[str], duration_ms: float) -> None:
    """Frames, a slider and play buttons under the scenes; lift the plots so the slider has room."""
    fig.frames = frames
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


_NOISING_SUBPLOTS = ("bones noised, rebuilt by FK", "joints noised directly", "ᾱ<sub>t</sub>")


def noising_update(bones_pose, joints_pose, alpha_bar, t: int, *, skeleton: Skeleton = H36M,
                   title: str | None = None) -> FigureUpdate:
    """What changes in a ``noising_view`` figure for the poses noised at another time ``t``
    (arguments as in ``noising_view``): both poses, the t marker and the title."""
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    t = check_index(t, "t", bars.shape[0])
    left, right = _pair_poses(bones_pose, joints_pose, skeleton, ("bones_pose", "joints_pose"), False)
    return _pair_update(left, right, (t, bars[t]), bars.shape[0], title or _noising_title(t, float(bars[t])),
                        skeleton)


def noising_view(bones_pose, joints_pose, alpha_bar, t: int, *, reference=None, margin: float = 0.5,
                 skeleton: Skeleton = H36M, title: str | None = None, width: int = 820,
                 height: int = 430) -> go.Figure:
    """The same pose noised two ways at time t, side by side, and where t sits on the ᾱ_t curve.

    ``bones_pose`` [17, 3]: the skeleton rebuilt from noisy bone lengths and directions;
    ``joints_pose`` [17, 3]: the joints noised directly (e.g. ``diffusion.forward_path``'s
    ``bones_pose[k]`` and ``joints[k]``); ``alpha_bar`` [T] the schedule's ᾱ_t; ``t`` the time
    they were noised at. ``reference`` [17, 3] (the clean pose) is drawn faintly in both scenes
    and fixes the axis ranges (its box grown by ``margin`` metres; else the noisy poses do).
    Traces as in ``PAIR_TRACES``. The title shows x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε.
    ``noising_update`` gives what changes for another t.
    """
    update = noising_update(bones_pose, joints_pose, alpha_bar, t, skeleton=skeleton, title=title)
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    left, right = _pair_poses(bones_pose, joints_pose, skeleton, ("bones_pose", "joints_pose"), False)
    ref = None if reference is None else _check_pose(reference, skeleton, "reference")
    box = _scene_points(ref if ref is not None else np.concatenate([left, right]), margin)
    return _pair_figure(update, bars, _NOISING_SUBPLOTS, ref, box, skeleton, width, height)


def noising_explorer(bones_poses, joints_poses, ts, alpha_bar, *, reference=None, margin: float = 0.5,
                     skeleton: Skeleton = H36M, width: int = 820, height: int = 480) -> go.Figure:
    """``noising_view`` without a kernel: plotly frames and a slider over the times ``ts``.

    ``bones_poses``, ``joints_poses`` [N, 17, 3] are the pose noised at the N times ``ts``
    (e.g. ``forward_path(pose, ts)``: one ε for all t, so the slider shows that noise growing).
    Frame k (named 'k') is ``noising_update`` for ``ts[k]``: it restyles traces 0..11 and 13 and
    rewrites the title. Keep N around 40: each frame stores two poses (about 2.5 kB).
    """
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    left, right = _pair_poses(bones_poses, joints_poses, skeleton, ("bones_poses", "joints_poses"), True)
    times = _to_numpy(ts, "ts")
    if times.shape != (left.shape[0],) or not np.array_equal(times, np.round(times)):
        raise ValueError(f"expected ts as {left.shape[0]} integer times (one per pose), got shape "
                         f"{describe(times.shape)}")
    times = [check_index(int(t), "ts", bars.shape[0]) for t in times]
    fig = noising_view(left[0], right[0], bars, times[0], reference=reference, margin=margin, skeleton=skeleton,
                       width=width, height=height)
    frames = [update_frame(fig, noising_update(left[k], right[k], bars, t, skeleton=skeleton), str(k))
              for k, t in enumerate(times)]
    _add_pair_slider(fig, frames, [str(t) for t in times], 400.0)
    return fig


def _ddim_label(step: int, times: Sequence[tuple[int, int]]) -> str:
    if step < len(times):
        return f"step {step + 1}/{len(times)}: t = {times[step][0]}"
    return f"done: t = {times[-1][1]}"


def _ddim_run(x0_poses, xt_poses, times, alpha_bar, skeleton: Skeleton):
    """Checked (x0 [K, J, 3], xt [K+1, J, 3], times [(t, t_next)] * K, ᾱ [T]) of a DDIM run."""
    bars = _alpha_bars({"schedule": alpha_bar})["schedule"]
    xt = _check_clip(xt_poses, skeleton, "xt_poses")
    x0 = _check_clip(x0_poses, skeleton, "x0_poses")
    times = [tuple(pair) for pair in times]
    K = len(times)
    if x0.shape[0] != K or xt.shape[0] != K + 1:
        raise ValueError(f"expected {K} x0_poses and {K + 1} xt_poses for {K} time pairs, got "
                         f"{x0.shape[0]} and {xt.shape[0]}")
    for t, t_next in times:
        check_index(t, "a sampling time", bars.shape[0])
        check_index(t_next, "a sampling time", bars.shape[0], low=-1)
    return x0, xt, times, bars


def ddim_update(x0_poses, xt_poses, times: Sequence[tuple[int, int]], alpha_bar, step: int, *,
                skeleton: Skeleton = H36M, title: str | None = None) -> FigureUpdate:
    """What changes in a ``ddim_view`` figure for DDIM step ``step`` in 0..K (arguments as in
    ``ddim_trajectory``): x_t before step k and its x̂_0; step K shows the sample on both sides."""
    x0, xt, times, bars = _ddim_run(x0_poses, xt_poses, times, alpha_bar, skeleton)
    K = len(times)
    step = check_index(step, "step", K + 1)
    t = times[step][0] if step < K else -1
    right = x0[step] if step < K else xt[K]
    return _pair_update(xt[step], right, (t, 1.0 if t < 0 else bars[t]), bars.shape[0],
                        title or _ddim_label(step, times), skeleton)


def ddim_view(x0_poses, xt_poses, times: Sequence[tuple[int, int]], alpha_bar, step: int = 0, *, truth=None,
              margin: float = 0.5, skeleton: Skeleton = H36M, title: str | None = None, width: int = 820,
              height: int = 430) -> go.Figure:
    """One step of ``ddim_trajectory`` without the slider (the figure of ``widgets.ddim_scrubber``);
    ``ddim_update`` gives what changes for another step."""
    x0, xt, times, bars = _ddim_run(x0_poses, xt_poses, times, alpha_bar, skeleton)
    ref = None if truth is None else _check_pose(truth, skeleton, "truth")
    box = _scene_points(ref if ref is not None else x0[-1], margin)
    sampled = [t for t, _ in times] + [-1]
    update = ddim_update(x0, xt, times, bars, step, skeleton=skeleton, title=title)
    return _pair_figure(update, bars,
                        ("x<sub>t</sub> (the sampler's state)", "x̂<sub>0</sub> predicted from it", "ᾱ<sub>t</sub>"),
                        ref, box, skeleton, width, height,
                        extra_curve_points=(sampled, [1.0 if t < 0 else round(float(bars[t]), 5) for t in sampled]))


def ddim_trajectory(x0_poses, xt_poses, times: Sequence[tuple[int, int]], alpha_bar, *, truth=None,
                    margin: float = 0.5, skeleton: Skeleton = H36M, title: str | None = None,
                    width: int = 820, height: int = 480) -> go.Figure:
    """A DDIM run step by step (paper Eq. 4): x_t (left) and the x̂_0 predicted from it (right).

    ``xt_poses`` [K+1, 17, 3]: the state before each step (and the final sample), as poses;
    ``x0_poses`` [K, 17, 3]: the predicted x̂_0 of each step; ``times``: the K (t, t_next) pairs
    (``Trajectory.times``); ``alpha_bar`` [T]. ``truth`` [17, 3] is drawn faintly in both scenes
    and fixes the axes. Slider frame k shows step k (x_t at t_k and its x̂_0, ``ddim_update``);
    frame K shows the sample (left and right). The ᾱ_t panel marks all the sampling times.
    Traces as in ``PAIR_TRACES``, plus the sampling-time markers last.
    """
    fig = ddim_view(x0_poses, xt_poses, times, alpha_bar, 0, truth=truth, margin=margin, skeleton=skeleton,
                    title=title, width=width, height=height)
    frames = [update_frame(fig, ddim_update(x0_poses, xt_poses, times, alpha_bar, step, skeleton=skeleton,
                                            title=title), str(step))
              for step in range(len(times) + 1)]
    _add_pair_slider(fig, frames, [str(t) for t, _ in times] + ["done"], 700.0)
    return fig
