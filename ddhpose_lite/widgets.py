"""Interactive controls (ipywidgets) wrapped around the views of ``viz``.

Every control here is an ``Explorer``: controls (dropdowns, sliders), outputs (FigureWidgets,
text) and a state with one entry per control. Its callback is a plain method, so it runs without
a browser or kernel: ``picker.update("LWrist")`` changes the figures exactly as choosing LWrist in
the dropdown does, which is how the tests drive it. What a new state draws comes from ``viz``
(``viz.highlight_update``, ``viz.noising_update``, ``viz.attention_update``, ...), the same
functions that build the kernel-free twins for pages without a live kernel:
``viz.joint_explorer``, ``viz.noising_explorer``, ``viz.ddim_trajectory``,
``viz.attention_browser`` and ``viz.hypothesis_explorer``.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Callable

import ipywidgets
import plotly.graph_objects as go
import torch

from . import viz
from .bones import rest_pose
from .diffusion import Schedule, forward_path
from .model import capture_attention
from .skeleton import H36M, Skeleton

__all__ = ["Explorer", "attention_explorer", "ddim_scrubber", "hypothesis_scrubber", "joint_picker",
           "timestep_scrubber"]


@dataclass(eq=False)
class Explorer:
    """Controls driving figures in place. Displays itself in Jupyter (it shows ``container``).

    ``state`` holds one entry per control in ``controls``, equal to the control's value.
    ``update(**changes)`` (or ``update(value)`` with a single control) is the controls' callback
    as a plain method: entries left out keep their value; ``check`` turns the new state into a
    checked one (a ValueError changes nothing; a control moved to a refused value moves back);
    ``draw`` returns, per output name, a
    ``viz.FigureUpdate`` (for a FigureWidget) or a string (the value of an HTML output); then the
    controls move to the new state without running ``update`` again. Controls, outputs and
    ``data`` entries are also attributes: ``explorer.head``, ``scrubber.figure``, ``explorer.arrays``.
    """

    container: ipywidgets.Box
    controls: dict[str, ipywidgets.ValueWidget]
    outputs: dict[str, go.FigureWidget | ipywidgets.HTML]
    state: dict
    check: Callable[[dict], dict] = field(repr=False)
    draw: Callable[[dict], dict] = field(repr=False)
    data: dict = field(default_factory=dict, repr=False)
    _syncing: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        for key, control in self.controls.items():
            control.observe(lambda change, key=key: self._moved(key, change["new"]), names="value")

    def update(self, *value, **changes) -> None:
        """Show the state with ``changes`` (state key -> value); ``update(value)`` for one control."""
        if value:
            if len(value) > 1 or changes or len(self.controls) != 1:
                raise TypeError(f"expected one value for a single control, or keywords {list(self.state)}")
            changes = {next(iter(self.controls)): value[0]}
        unknown = sorted(set(changes) - set(self.state))
        if unknown:
            raise ValueError(f"expected changes to {list(self.state)}, got {unknown}")
        state = self.check({**self.state, **changes})
        for name, change in self.draw(state).items():
            if isinstance(change, viz.FigureUpdate):
                viz.apply_update(self.outputs[name], change)
            else:
                self.outputs[name].value = change
        self.state.update(state)
        self._show_state()

    def _show_state(self) -> None:
        """Move the controls to the state without running ``update`` again."""
        self._syncing = True
        try:
            for key, control in self.controls.items():
                if control.value != self.state[key]:
                    control.value = self.state[key]
        finally:
            self._syncing = False

    def _moved(self, key: str, value) -> None:
        if self._syncing:
            return
        try:
            self.update(**{key: value})
        except Exception:
            self._show_state()  # a refused choice: the control goes back to what the figures show
            raise

    def __getattr__(self, name: str):
        if not name.startswith("_"):
            for group in ("controls", "outputs", "data"):
                entries = self.__dict__.get(group) or {}
                if name in entries:
                    return entries[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def _repr_mimebundle_(self, **kwargs):
        return self.container._repr_mimebundle_(**kwargs)


def _dropdown(description: str, options, value, width: str) -> ipywidgets.Dropdown:
    return ipywidgets.Dropdown(options=options, value=value, description=description,
                               layout=ipywidgets.Layout(width=width), style={"description_width": "initial"})


def _slider(description: str, value: int, low: int, high: int, width: str) -> ipywidgets.IntSlider:
    return ipywidgets.IntSlider(value=value, min=low, max=high, step=1, description=description,
                                continuous_update=True, layout=ipywidgets.Layout(width=width),
                                style={"description_width": "initial"})


def _joint_options(skeleton: Skeleton) -> list[tuple[str, int]]:
    return [(f"{j} {name}", j) for j, name in enumerate(skeleton.names)]


# ---------------------------------------------------------------- joint picker (lesson 01)


def joint_picker(skeleton: Skeleton = H36M, pose=None, *, joint=None, frame: str = "world",
                 show_tree: bool = True) -> Explorer:
    """A dropdown of joint names driving a 3D skeleton (and the kinematic tree) in place.

    Picking a joint highlights it with its parent, children and chain (the same highlight as
    ``viz.skeleton_3d``) and lists its level, parent, children, chain and triplets.
    ``pose`` [J, 3] defaults to ``bones.rest_pose()`` (H36M only); ``joint`` is the first pick.
    ``update(joint)`` (index or name) is the callback; the state is {'dropdown': joint index}.
    Outputs: ``figure``, ``tree`` (with ``show_tree``) and ``info``; control: ``dropdown``.
    """
    if pose is None:
        if skeleton != H36M:
            raise ValueError("expected a pose for a skeleton other than H36M, got pose=None")
        pose = rest_pose()
    first = viz.joint_index(joint if joint is not None else viz.default_joint(skeleton), skeleton)
    outputs = {"figure": go.FigureWidget(viz.skeleton_3d(pose, skeleton, frame=frame, highlight=first,
                                                         width=340, height=440))}
    if show_tree:
        outputs["tree"] = go.FigureWidget(viz.kinematic_tree(skeleton, highlight=first, width=470, height=380))
    outputs["info"] = ipywidgets.HTML(_facts_html(skeleton, first))
    dropdown = _dropdown("joint", _joint_options(skeleton), first, "220px")

    def draw(state: dict) -> dict:
        j = state["dropdown"]
        changes = {"figure": viz.highlight_update(pose, j, skeleton, frame=frame), "info": _facts_html(skeleton, j)}
        if show_tree:
            changes["tree"] = viz.tree_highlight_update(j, skeleton)
        return changes

    figures = [outputs["figure"]] + ([outputs["tree"]] if show_tree else [])
    container = ipywidgets.VBox([dropdown, outputs["info"], ipywidgets.HBox(figures)])
    return Explorer(container, {"dropdown": dropdown}, outputs, {"dropdown": first},
                    check=lambda state: {"dropdown": viz.joint_index(state["dropdown"], skeleton)}, draw=draw)


def _facts_html(skeleton: Skeleton, joint: int) -> str:
    """A small two-column table of the joint's facts (level, parent, children, chain, triplets)."""
    facts = viz.joint_facts(joint, skeleton)
    names = skeleton.names
    facts["triplets"] = ", ".join(
        "(" + ", ".join(names[k] for k in triplet) + ")" for triplet in skeleton.triplets if joint in triplet
    ) or "none"
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:12px'>{html.escape(key)}</th>"
        f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
        for key, value in facts.items()
    )
    return f"<table style='font-size:13px'>{rows}</table>"


# ---------------------------------------------------------------- diffusion scrubbers (lesson 03)


def _scrubber(figure: go.Figure, slider: ipywidgets.IntSlider, update: Callable[[int], viz.FigureUpdate],
              data: dict) -> Explorer:
    """A slider driving one figure: state {'slider': value}, checked against the slider's range."""
    def check(state: dict) -> dict:
        return {"slider": viz.check_index(state["slider"], slider.description, slider.max + 1, low=slider.min)}

    figure = go.FigureWidget(figure)
    return Explorer(ipywidgets.VBox([slider, figure]), {"slider": slider}, {"figure": figure},
                    {"slider": slider.value}, check, lambda state: {"figure": update(state["slider"])}, data)


def timestep_scrubber(pose=None, schedule=None, *, seed: int = 0, t: int = 250, margin: float = 0.5,
                      width: int = 820, height: int = 430) -> Explorer:
    """A slider over t: the pose noised two ways (bones | joints) and the marker on the ᾱ_t curve.

    The noise ε is drawn once (``diffusion.forward_path(pose, all t, schedule, seed)``), so
    moving the slider shows x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε with the same ε: the signal fades and
    the same noise grows. ``pose`` [17, 3] defaults to ``bones.rest_pose()``, ``schedule`` to
    ``Schedule.cosine()``. The figure (a FigureWidget) is updated in place by
    ``viz.noising_update``, never rebuilt. ``update(t)`` is the callback; the state is
    {'slider': t}; ``data['path']`` is the ``ForwardPath``.
    """
    pose = rest_pose() if pose is None else pose
    schedule = Schedule.cosine() if schedule is None else schedule
    path = forward_path(pose, None, schedule, seed)
    t = viz.check_index(t, "t", schedule.T)
    bones, joints, alpha_bar = path.bones_pose.numpy(), path.joints.numpy(), path.alpha_bar.numpy()
    figure = viz.noising_view(bones[t], joints[t], alpha_bar, t, reference=path.clean, margin=margin,
                              width=width, height=height)
    slider = _slider("t", t, 0, schedule.T - 1, "600px")
    return _scrubber(figure, slider, lambda k: viz.noising_update(bones[k], joints[k], alpha_bar, k),
                     {"path": path})


def ddim_scrubber(x0_poses, xt_poses, times, alpha_bar, *, truth=None, margin: float = 0.5,
                  width: int = 820, height: int = 430) -> Explorer:
    """A slider over DDIM steps 0..K: x_t and the predicted x̂_0 (``viz.ddim_view``).

    Arguments as in ``viz.ddim_trajectory`` (poses, not bone states: compose them first).
    Step k < K shows x_t before step k and its x̂_0; step K shows the sample. ``update(step)`` is
    the callback; the state is {'slider': step}.
    """
    times = [tuple(pair) for pair in times]
    figure = viz.ddim_view(x0_poses, xt_poses, times, alpha_bar, 0, truth=truth, margin=margin, width=width,
                           height=height)
    slider = _slider("step", 0, 0, len(times), "600px")
    return _scrubber(figure, slider, lambda step: viz.ddim_update(x0_poses, xt_poses, times, alpha_bar, step),
                     dict(x0=x0_poses, xt=xt_poses, times=times))


# ---------------------------------------------------------------- attention explorer (lesson 04)


def _run_and_capture(model, keypoints_2d, noisy_bones, t: int, seed: int):
    """One forward pass of ``model`` under ``capture_attention``: (capture, x̂_0 [F, J, 3])."""
    frames, joints = model.config.frames, model.config.skeleton.num_joints
    kp = torch.as_tensor(keypoints_2d, dtype=torch.float32)
    if kp.ndim == 3:
        kp = kp.unsqueeze(0)
    if kp.ndim != 4 or kp.shape[0] != 1 or kp.shape[1:] != (frames, joints, 2):
        raise ValueError(f"expected keypoints_2d of shape [{frames}, {joints}, 2], got {list(kp.shape)}")
    if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < Schedule.cosine().T:
        raise ValueError(f"expected t as an int in 0..{Schedule.cosine().T - 1}, got {t!r}")
    if noisy_bones is None:  # what the sampler's first step sees: pure noise at t
        noisy = torch.randn((1, frames, joints - 1, 4), generator=torch.Generator().manual_seed(seed))
    else:
        noisy = torch.as_tensor(noisy_bones, dtype=torch.float32)
        noisy = noisy.unsqueeze(0) if noisy.ndim == 3 else noisy
        if noisy.shape != (1, frames, joints - 1, 4):
            raise ValueError(f"expected noisy_bones of shape [{frames}, {joints - 1}, 4], got {list(noisy.shape)}")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), capture_attention(model) as maps:
            prediction = model(kp.to(device), noisy.to(device), torch.tensor([t], device=device))
    finally:
        model.train(was_training)
    maps.spatial_logits = [m.cpu() for m in maps.spatial_logits]
    maps.spatial = [m.cpu() for m in maps.spatial]
    maps.temporal = [m.cpu() for m in maps.temporal]
    return maps, prediction[0].cpu()


def attention_explorer(source, keypoints_2d=None, noisy_bones=None, t: int = 999, *, pose=None,
                       layer: int = 1, head=0, joint="LElbow", frame: int | None = None, sample: int = 0,
                       coordinates: str = "camera", seed: int = 0, skeleton: Skeleton = H36M,
                       width: int = 820, height: int = 440) -> Explorer:
    """Dropdowns for layer, head and joint and a frame slider driving ``viz.attention_figure``.

    ``source``: a trained ``HSTDenoiser`` (then ``keypoints_2d`` [F, 17, 2] is required; the model
    runs ONCE on them with ``noisy_bones`` [F, 16, 4] at timestep ``t``, by default pure noise at
    t = 999, what the sampler's first step sees) or captured maps of one forward pass
    (``model.capture_attention``). ``pose``: [F, J, 3] or [J, 3] to draw; default the model's
    x̂_0 (camera coordinates) or, for maps, the rest pose. Every map is precomputed
    (``viz.attention_arrays``), so moving a control only rewrites the figure's data in place (no
    model call). ``frame`` defaults to the middle frame; ``head`` may be 'mean'.
    ``update(layer=..., head=..., joint=..., frame=...)`` is the callback. ``data``: ``arrays``
    (``viz.AttentionArrays``), ``maps`` and ``prediction`` (x̂_0 [F, J, 3], None for given maps).
    """
    prediction = None
    if isinstance(source, torch.nn.Module):
        if keypoints_2d is None:
            raise ValueError("expected keypoints_2d [F, 17, 2] to run the model on, got None")
        maps, prediction = _run_and_capture(source, keypoints_2d, noisy_bones, t, seed)
        if pose is None:
            pose = prediction
    else:
        if keypoints_2d is not None or noisy_bones is not None:
            raise ValueError("expected keypoints_2d and noisy_bones only with a model, got captured maps")
        maps = source
    arrays = viz.attention_arrays(maps, pose, sample=sample, skeleton=skeleton, coordinates=coordinates)
    frame = arrays.frames // 2 if frame is None else frame
    state = viz.attention_state(arrays, layer, head, joint, frame)
    figure = go.FigureWidget(viz.attention_figure(arrays, state, width=width, height=height))
    controls = dict(
        layer=_dropdown("layer", [(f"{k}" + (" (plain)" if k == 0 else ""), k) for k in range(arrays.layers)],
                        state["layer"], "140px"),
        head=_dropdown("head", [("mean", "mean")] + [(str(h), h) for h in range(arrays.heads)], state["head"],
                       "120px"),
        joint=_dropdown("joint", _joint_options(skeleton), state["joint"], "190px"),
        frame=_slider("frame", state["frame"], 0, arrays.frames - 1, "340px"),
    )
    container = ipywidgets.VBox([ipywidgets.HBox(list(controls.values())), figure])
    return Explorer(container, controls, {"figure": figure}, state,
                    check=lambda new: viz.attention_state(arrays, **new),
                    draw=lambda new: {"figure": viz.attention_update(arrays, new)},
                    data=dict(arrays=arrays, maps=maps, prediction=prediction))


# ---------------------------------------------------------------- hypothesis scrubber (lesson 06)


def hypothesis_scrubber(result, keypoints_2d=None, *, camera=None, trajectory=None, reprojections=None,
                        truth=None, backgrounds=None, image_size=None, iteration: int = -1, hypothesis="all",
                        frame: int | None = None, skeleton: Skeleton = H36M, width: int = 820,
                        height: int = 480) -> Explorer:
    """Sliders for DDIM iteration, hypothesis ("all" or one) and frame over a finished lift.

    ``result``: a ``lifter.LiftResult`` (or poses [K, H, F, 17, 3] with ``keypoints_2d``
    [F, 17, 2]). The 2D panel shows each hypothesis reprojected onto the input: with ``camera``
    and ``trajectory`` [F, 3] the pinhole projection J-Agg uses (``LiftResult.reproject``), else
    the weak-perspective fit; or pass ``reprojections`` [K, H, F, 17, 2] yourself. Joints are
    coloured by the hypotheses' spread; ``truth`` [F, 17, 3] is drawn dashed; ``backgrounds``
    (one picture per frame, e.g. ``video.image_data_uri`` of each video frame) are drawn behind
    the 2D panel over ``image_size`` (default: the LiftResult's). ``frame`` defaults
    to the frame where the hypotheses disagree most. Kernel-free twin: ``viz.hypothesis_explorer``.
    ``update(iteration=..., hypothesis=..., frame=...)`` is the callback (0-based; the iteration
    slider's labels count from 1). ``data['arrays']``: the precomputed ``viz.HypothesisArrays``.
    """
    if camera is not None or trajectory is not None:
        if reprojections is not None or not hasattr(result, "reproject"):
            raise ValueError("expected camera and trajectory only with a LiftResult and no reprojections")
        reprojections = result.reproject(camera, trajectory)
    arrays = viz.hypothesis_arrays(result, keypoints_2d, reprojections=reprojections, truth=truth,
                                   backgrounds=backgrounds, image_size=image_size, skeleton=skeleton)
    state = viz.hypothesis_state(arrays, iteration, hypothesis, frame)
    figure = go.FigureWidget(viz.hypothesis_figure(arrays, state, width=width, height=height))
    controls = dict(
        iteration=ipywidgets.SelectionSlider(options=[(str(k + 1), k) for k in range(arrays.K)],
                                             value=state["iteration"], description="iteration",
                                             continuous_update=True, layout=ipywidgets.Layout(width="240px"),
                                             style={"description_width": "initial"}),
        hypothesis=ipywidgets.SelectionSlider(options=[("all", "all")] + [(str(h + 1), h) for h in range(arrays.H)],
                                              value=state["hypothesis"], description="hypothesis",
                                              continuous_update=True, layout=ipywidgets.Layout(width="260px"),
                                              style={"description_width": "initial"}),
        frame=_slider("frame", state["frame"], 0, arrays.F - 1, "320px"),
    )
    container = ipywidgets.VBox([ipywidgets.HBox(list(controls.values())), figure])
    return Explorer(container, controls, {"figure": figure}, state,
                    check=lambda new: viz.hypothesis_state(arrays, **new),
                    draw=lambda new: {"figure": viz.hypothesis_update(arrays, new)},
                    data=dict(arrays=arrays))
