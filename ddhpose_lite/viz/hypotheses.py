"""Hypothesis figures (lesson 06): every DDIM iteration and hypothesis, reprojections, uncertainty."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from ..skeleton import H36M, Skeleton
from .core import (
    _checked,
    _coords,
    _polyline,
    base_layout,
    to_display,
)
from .poses import _scene, keypoints_2d

__all__ = ["HYPOTHESIS_TRACES", "hypothesis_explorer", "hypothesis_view"]

# ---------------------------------------------------------------- lesson 06: hypotheses



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
                    width: int = 900, height: int = 480) -> go.Figure:
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
                        frames: Sequence[int] | None = None, skeleton: Skeleton = H36M, width: int = 900,
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
