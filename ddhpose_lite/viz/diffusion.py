"""Diffusion figures (lesson 03): schedules, bones-vs-joints noising views, DDIM trajectories."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..skeleton import H36M, Skeleton
from .core import (
    _check_clip,
    _check_pose,
    _checked,
    _describe,
    _polyline,
    _pose_coords,
    _pose_traces,
    _to_numpy,
    base_layout,
)
from .poses import _animation_controls, _scene

__all__ = ["PAIR_TRACES", "ddim_trajectory", "noising_explorer", "noising_view", "schedule_curves"]

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
                 skeleton: Skeleton = H36M, title: str | None = None, width: int = 900,
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
                     skeleton: Skeleton = H36M, width: int = 900, height: int = 480) -> go.Figure:
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
                    width: int = 900, height: int = 480) -> go.Figure:
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
