"""Interactive controls (ipywidgets) wrapped around the figures of ``viz``.

Each control keeps its logic in a plain callback, so it runs without a browser or kernel:
``picker.update("LWrist")`` changes the figures exactly as choosing LWrist in the dropdown does,
which is how the tests drive it. Without a live kernel (static HTML, some Colab setups) use the
kernel-free twin ``viz.joint_explorer`` (``viz.noising_explorer`` for the timestep scrubber,
``viz.ddim_trajectory`` for the DDIM scrubber).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable

import ipywidgets
import plotly.graph_objects as go

from . import viz
from .skeleton import H36M, Skeleton

__all__ = ["JointPicker", "joint_picker", "Scrubber", "timestep_scrubber", "ddim_scrubber"]


@dataclass(eq=False)
class JointPicker:
    """The parts of a joint picker. Displays itself in Jupyter (it shows ``container``)."""

    container: ipywidgets.Box
    dropdown: ipywidgets.Dropdown
    figure: go.FigureWidget
    tree: go.FigureWidget | None
    info: ipywidgets.HTML
    update: Callable[[int | str], None]

    def _repr_mimebundle_(self, **kwargs):
        return self.container._repr_mimebundle_(**kwargs)


def joint_picker(skeleton: Skeleton = H36M, pose=None, *, joint=None, frame: str = "world",
                 show_tree: bool = True) -> JointPicker:
    """A dropdown of joint names driving a 3D skeleton (and the kinematic tree) in place.

    Picking a joint highlights it with its parent, children and chain (the same highlight as
    ``viz.skeleton_3d``) and lists its level, parent, children, chain and triplets.
    ``pose`` [J, 3] defaults to ``bones.rest_pose()`` (H36M only); ``joint`` is the first pick.
    ``update(joint)`` (index or name) is the callback; it also moves the dropdown.
    """
    if pose is None:
        if skeleton != H36M:
            raise ValueError("expected a pose for a skeleton other than H36M, got pose=None")
        from .bones import rest_pose

        pose = rest_pose()
    points = viz.to_display(viz.core._check_pose(pose, skeleton), frame)
    tree_points = viz.tree_positions(skeleton)
    first = viz.core._joint_index(joint if joint is not None else viz.poses._default_joint(skeleton), skeleton)

    figure = go.FigureWidget(viz.skeleton_3d(pose, skeleton, frame=frame, highlight=first,
                                             width=400, height=440))
    tree = None
    if show_tree:
        tree = go.FigureWidget(viz.kinematic_tree(skeleton, highlight=first, width=540, height=380))
    dropdown = ipywidgets.Dropdown(
        options=[(f"{j} {name}", j) for j, name in enumerate(skeleton.names)], value=first,
        description="joint", layout=ipywidgets.Layout(width="220px"),
    )
    info = ipywidgets.HTML(_facts_html(skeleton, first))

    def update(joint) -> None:
        j = viz.core._joint_index(joint, skeleton)
        # The highlight is the last trace of the 3D figure and the first of the tree.
        with figure.batch_update():
            figure.data[-1].update(viz.core._highlight_props(points, skeleton, j, viz.core._ROLE_SIZE_3D, None, 3))
        if tree is not None:
            with tree.batch_update():
                tree.data[0].update(viz.core._highlight_props(tree_points, skeleton, j, viz.core._ROLE_SIZE_TREE,
                                                         viz.HIGHLIGHT_COLOR, 3))
        info.value = _facts_html(skeleton, j)
        if dropdown.value != j:
            dropdown.value = j  # triggers update(j) once more, which then changes nothing

    dropdown.observe(lambda change: update(change["new"]), names="value")
    figures = [figure] + ([tree] if tree is not None else [])
    container = ipywidgets.VBox([dropdown, info, ipywidgets.HBox(figures)])
    return JointPicker(container, dropdown, figure, tree, info, update)


def _facts_html(skeleton: Skeleton, joint: int) -> str:
    """A small two-column table of the joint's facts (level, parent, children, chain, triplets)."""
    facts = viz.core._joint_facts(skeleton, joint)
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


@dataclass(eq=False)
class Scrubber:
    """A slider driving a ``viz`` pair figure in place. Displays itself in Jupyter.

    ``update(value)`` is the slider's callback as a plain function (it also moves the slider);
    ``data`` holds what is shown (a ``diffusion.ForwardPath`` or the trajectory's poses).
    """

    container: ipywidgets.Box
    slider: ipywidgets.IntSlider
    figure: go.FigureWidget
    update: Callable[[int], None]
    data: object

    def _repr_mimebundle_(self, **kwargs):
        return self.container._repr_mimebundle_(**kwargs)


def _apply_pair(figure: go.FigureWidget, coords: list[dict], title: str) -> None:
    """Write one view (``viz.diffusion._pair_updates``) into the figure's traces, in one message."""
    with figure.batch_update():
        for index, props in zip(viz.diffusion._PAIR_UPDATED, coords):
            figure.data[index].update(props)
        figure.layout.title.text = title


def _scrubber(figure: go.FigureWidget, slider: ipywidgets.IntSlider, show: Callable[[int], None],
              data) -> Scrubber:
    def update(value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not slider.min <= value <= slider.max:
            raise ValueError(f"expected {slider.description} as an int in {slider.min}..{slider.max}, got {value!r}")
        show(value)
        if slider.value != value:
            slider.value = value  # triggers update(value) once more, which redraws the same view

    slider.observe(lambda change: update(change["new"]), names="value")
    return Scrubber(ipywidgets.VBox([slider, figure]), slider, figure, update, data)


def timestep_scrubber(pose=None, schedule=None, *, seed: int = 0, t: int = 250, margin: float = 0.5,
                      width: int = 900, height: int = 430) -> Scrubber:
    """A slider over t: the pose noised two ways (bones | joints) and the marker on the ᾱ_t curve.

    The noise ε is drawn once (``diffusion.forward_path(pose, all t, schedule, seed)``), so
    moving the slider shows x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε with the same ε: the signal fades and
    the same noise grows. ``pose`` [17, 3] defaults to ``bones.rest_pose()``, ``schedule`` to
    ``Schedule.cosine()``. The figure (a FigureWidget) is updated in place, never rebuilt.
    """
    from .bones import rest_pose
    from .diffusion import Schedule, forward_path

    pose = rest_pose() if pose is None else pose
    schedule = Schedule.cosine() if schedule is None else schedule
    path = forward_path(pose, None, schedule, seed)
    t = viz.diffusion._check_t(t, schedule.T)
    bones_poses, joints, clean = path.bones_pose.numpy(), path.joints.numpy(), path.clean.numpy()
    alpha_bar = path.alpha_bar.numpy()
    figure = go.FigureWidget(viz.noising_view(bones_poses[t], joints[t], alpha_bar, t, reference=clean,
                                              margin=margin, width=width, height=height))

    def show(k: int) -> None:
        coords = viz.diffusion._pair_updates(bones_poses[k], joints[k], (k, alpha_bar[k]), H36M, f"t={k}")
        _apply_pair(figure, coords, viz.diffusion._noising_title(k, float(alpha_bar[k])))

    slider = ipywidgets.IntSlider(value=t, min=0, max=schedule.T - 1, step=1, description="t",
                                  continuous_update=True, layout=ipywidgets.Layout(width="600px"))
    return _scrubber(figure, slider, show, path)


def ddim_scrubber(x0_poses, xt_poses, times, alpha_bar, *, truth=None, margin: float = 0.5,
                  width: int = 900, height: int = 430) -> Scrubber:
    """A slider over DDIM steps 0..K: x_t and the predicted x̂_0 of ``viz.ddim_trajectory``.

    Arguments as in ``viz.ddim_trajectory`` (poses, not bone states: compose them first).
    Step k < K shows x_t before step k and its x̂_0; step K shows the sample.
    """
    fig = viz.ddim_trajectory(x0_poses, xt_poses, times, alpha_bar, truth=truth, margin=margin,
                              width=width, height=height)
    frames = [(frame.data, frame.layout.title.text) for frame in fig.frames]
    fig.frames = ()
    fig.layout.sliders, fig.layout.updatemenus = (), ()
    fig.update_scenes(domain_y=[0, 1.0])
    fig.update_layout(margin=dict(b=10))
    figure = go.FigureWidget(fig)

    def show(step: int) -> None:
        data, title = frames[step]
        coords = [{key: trace[key] for key in ("x", "y", "z", "text") if key in trace and trace[key] is not None}
                  for trace in data]
        _apply_pair(figure, coords, title)

    slider = ipywidgets.IntSlider(value=0, min=0, max=len(times), step=1, description="step",
                                  continuous_update=True, layout=ipywidgets.Layout(width="600px"))
    return _scrubber(figure, slider, show, dict(x0=x0_poses, xt=xt_poses, times=list(times)))


# ---------------------------------------------------------------- attention explorer (lesson 04)

__all__ += ["AttentionExplorer", "attention_explorer"]


@dataclass(eq=False)
class AttentionExplorer:
    """The parts of an attention explorer. Displays itself in Jupyter (it shows ``container``).

    ``update(layer=..., head=..., joint=..., frame=...)`` is the controls' callback as a plain
    function (arguments left out keep their value; it also moves the controls); ``arrays`` holds
    the precomputed maps (``viz.attention._attention_arrays``: spatial [L, H+1, F, J, J], temporal
    [L, H+1, J, F, F], head index H = mean of heads) and ``points`` the displayed poses [F, J, 3];
    ``maps`` is the capture and ``prediction`` the model's x̂_0 [F, J, 3] (None for given maps).
    """

    container: ipywidgets.Box
    layer: ipywidgets.Dropdown
    head: ipywidgets.Dropdown
    joint: ipywidgets.Dropdown
    frame: ipywidgets.IntSlider
    figure: go.FigureWidget
    update: Callable[..., None]
    state: dict
    arrays: dict
    points: object
    maps: object
    prediction: object = None

    def _repr_mimebundle_(self, **kwargs):
        return self.container._repr_mimebundle_(**kwargs)


def _run_and_capture(model, keypoints_2d, noisy_bones, t: int, seed: int):
    """One forward pass of ``model`` under ``capture_attention``: (capture, x̂_0 [F, J, 3])."""
    import torch

    from .model import capture_attention

    frames = model.config.frames
    kp = torch.as_tensor(keypoints_2d, dtype=torch.float32)
    if kp.ndim == 3:
        kp = kp.unsqueeze(0)
    if kp.ndim != 4 or kp.shape[0] != 1 or kp.shape[1:] != (frames, 17, 2):
        raise ValueError(f"expected keypoints_2d of shape [{frames}, 17, 2], got {list(kp.shape)}")
    if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < 1000:
        raise ValueError(f"expected t as an int in 0..999, got {t!r}")
    if noisy_bones is None:  # what the sampler's first step sees: pure noise at t
        noisy = torch.randn((1, frames, 16, 4), generator=torch.Generator().manual_seed(seed))
    else:
        noisy = torch.as_tensor(noisy_bones, dtype=torch.float32)
        noisy = noisy.unsqueeze(0) if noisy.ndim == 3 else noisy
        if noisy.shape != (1, frames, 16, 4):
            raise ValueError(f"expected noisy_bones of shape [{frames}, 16, 4], got {list(noisy.shape)}")
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
                       width: int = 900, height: int = 440) -> AttentionExplorer:
    """Dropdowns for layer, head and joint and a frame slider driving ``viz.attention_explorer_figure``.

    ``source``: a trained ``HSTDenoiser`` (then ``keypoints_2d`` [F, 17, 2] is required; the model
    runs ONCE on them with ``noisy_bones`` [F, 16, 4] at timestep ``t``, by default pure noise at
    t = 999, what the sampler's first step sees) or captured maps of one forward pass
    (``model.capture_attention``). ``pose``: [F, J, 3] or [J, 3] to draw; default the model's
    x̂_0 (camera coordinates) or, for maps, the rest pose. Every map is precomputed, so moving a
    control only rewrites the figure's data in place (no model call). ``frame`` defaults to the
    middle frame; ``head`` may be 'mean'.
    """
    import torch

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
    arrays = viz.attention._attention_arrays(maps, sample)
    if arrays["joints"] != skeleton.num_joints:
        raise ValueError(f"expected spatial maps over {skeleton.num_joints} joints, got {arrays['joints']}")
    points, coordinates = viz.attention._explorer_poses(pose, arrays["frames"], skeleton, coordinates)
    heads = arrays["heads"]
    frame = arrays["frames"] // 2 if frame is None else frame
    state = dict(layer=viz.attention._check_choice(layer, "layer", arrays["layers"]),
                 head=viz.attention._check_choice(head, "head", heads, allow_mean=True),
                 joint=viz.core._joint_index(joint, skeleton),
                 frame=viz.attention._check_choice(frame, "frame", arrays["frames"]))
    figure = go.FigureWidget(viz.attention._explorer_figure(arrays, points, coordinates, state["layer"], state["head"],
                                                  state["joint"], state["frame"], skeleton, 4, None, width, height))
    small = ipywidgets.Layout(width="190px")
    layer_box = ipywidgets.Dropdown(options=[(f"{k}" + (" (plain)" if k == 0 else ""), k)
                                             for k in range(arrays["layers"])],
                                    value=state["layer"], description="layer", layout=small)
    head_box = ipywidgets.Dropdown(options=[("mean", heads)] + [(str(h), h) for h in range(heads)],
                                   value=state["head"], description="head", layout=small)
    joint_box = ipywidgets.Dropdown(options=[(f"{j} {name}", j) for j, name in enumerate(skeleton.names)],
                                    value=state["joint"], description="joint", layout=ipywidgets.Layout(width="220px"))
    frame_slider = ipywidgets.IntSlider(value=state["frame"], min=0, max=arrays["frames"] - 1, description="frame",
                                        continuous_update=True, layout=ipywidgets.Layout(width="380px"))
    controls = dict(layer=layer_box, head=head_box, joint=joint_box, frame=frame_slider)
    syncing = [False]
    traces = [viz.ATTENTION_EXPLORER_TRACES[key] for key in ("spatial", "temporal", "bones", "rays", "joints", "query")]

    def update(*, layer=None, head=None, joint=None, frame=None) -> None:
        new = dict(state)
        if layer is not None:
            new["layer"] = viz.attention._check_choice(layer, "layer", arrays["layers"])
        if head is not None:
            new["head"] = viz.attention._check_choice(head, "head", heads, allow_mean=True)
        if joint is not None:
            new["joint"] = viz.core._joint_index(joint, skeleton)
        if frame is not None:
            new["frame"] = viz.attention._check_choice(frame, "frame", arrays["frames"])
        state.update(new)
        props, outlines, title = viz.attention._explorer_updates(arrays, points, new["layer"], new["head"], new["joint"],
                                                       new["frame"], skeleton, 4)
        with figure.batch_update():
            for index, prop in zip(traces, props):
                figure.data[index].update(prop)
            for shape, outline in zip(figure.layout.shapes, outlines):
                shape.update(outline)
            figure.layout.title.text = title
        syncing[0] = True  # move the controls without running update again
        try:
            for key, control in controls.items():
                if control.value != new[key]:
                    control.value = new[key]
        finally:
            syncing[0] = False

    def observer(key):
        def changed(change):
            if not syncing[0]:
                update(**{key: change["new"]})
        return changed

    for key, control in controls.items():
        control.observe(observer(key), names="value")
    container = ipywidgets.VBox([ipywidgets.HBox([layer_box, head_box, joint_box, frame_slider]), figure])
    return AttentionExplorer(container, layer_box, head_box, joint_box, frame_slider, figure, update, state,
                             arrays, points, maps, prediction)


# ---------------------------------------------------------------- hypothesis scrubber (lesson 06)

__all__ += ["HypothesisScrubber", "hypothesis_scrubber"]


@dataclass(eq=False)
class HypothesisScrubber:
    """The parts of a hypothesis scrubber. Displays itself in Jupyter (it shows ``container``).

    ``update(iteration=..., hypothesis=..., frame=...)`` is the sliders' callback as a plain
    function (arguments left out keep their value; it also moves the sliders); ``state`` is the
    current view and ``arrays`` everything precomputed (``viz.hypotheses._hypothesis_arrays``): moving a
    slider only indexes into them and rewrites the figure's data in place, never the model.
    """

    container: ipywidgets.Box
    iteration: ipywidgets.IntSlider
    hypothesis: ipywidgets.SelectionSlider
    frame: ipywidgets.IntSlider
    figure: go.FigureWidget
    update: Callable[..., None]
    state: dict
    arrays: dict

    def _repr_mimebundle_(self, **kwargs):
        return self.container._repr_mimebundle_(**kwargs)


def hypothesis_scrubber(result, keypoints_2d=None, *, camera=None, trajectory=None, reprojections=None,
                        truth=None, iteration: int = -1, hypothesis="all", frame: int | None = None,
                        skeleton: Skeleton = H36M, width: int = 900, height: int = 480) -> HypothesisScrubber:
    """Sliders for DDIM iteration, hypothesis ("all" or one) and frame over a finished lift.

    ``result``: a ``lifter.LiftResult`` (or poses [K, H, F, 17, 3] with ``keypoints_2d``
    [F, 17, 2]). The 2D panel shows each hypothesis reprojected onto the input: with ``camera``
    and ``trajectory`` [F, 3] the pinhole projection J-Agg uses (``LiftResult.reproject``), else
    the weak-perspective fit; or pass ``reprojections`` [K, H, F, 17, 2] yourself. Joints are
    coloured by the hypotheses' spread; ``truth`` [F, 17, 3] is drawn dashed. ``frame`` defaults
    to the frame where the hypotheses disagree most. Kernel-free twin: ``viz.hypothesis_explorer``.
    """
    if camera is not None or trajectory is not None:
        if reprojections is not None or not hasattr(result, "reproject"):
            raise ValueError("expected camera and trajectory only with a LiftResult and no reprojections")
        reprojections = result.reproject(camera, trajectory)
    arrays = viz.hypotheses._hypothesis_arrays(result, keypoints_2d, reprojections, truth, skeleton)
    if frame is None:
        frame = int(arrays["spread"][-1, :, 1:].mean(-1).argmax())
    k, h, f = viz.hypotheses._hypothesis_state(arrays, iteration, hypothesis, frame)
    state = dict(iteration=k, hypothesis=h, frame=f)
    figure = go.FigureWidget(viz.hypotheses._hypothesis_figure(arrays, k, h, f, skeleton, None, width, height))
    iteration_slider = ipywidgets.IntSlider(value=k + 1, min=1, max=arrays["K"], description="iteration",
                                            continuous_update=True, layout=ipywidgets.Layout(width="260px"))
    options = [("all", "all")] + [(str(i + 1), i) for i in range(arrays["H"])]
    hypothesis_slider = ipywidgets.SelectionSlider(options=options, value=h, description="hypothesis",
                                                   continuous_update=True, layout=ipywidgets.Layout(width="300px"))
    frame_slider = ipywidgets.IntSlider(value=f, min=0, max=arrays["F"] - 1, description="frame",
                                        continuous_update=True, layout=ipywidgets.Layout(width="380px"))
    syncing = [False]

    def update(*, iteration=None, hypothesis=None, frame=None) -> None:
        """iteration: 0-based (negative from the end); hypothesis: 'all' or 0-based; frame: index."""
        new = dict(state)
        if iteration is not None:
            new["iteration"] = iteration
        if hypothesis is not None:
            new["hypothesis"] = hypothesis
        if frame is not None:
            new["frame"] = frame
        k, h, f = viz.hypotheses._hypothesis_state(arrays, new["iteration"], new["hypothesis"], new["frame"])
        state.update(iteration=k, hypothesis=h, frame=f)
        props, layout = viz.hypotheses._hypothesis_updates(arrays, k, h, f, skeleton)
        with figure.batch_update():
            for trace, prop in zip(figure.data, props):
                trace.update(prop)
            figure.layout.title.text = layout["title.text"]
            figure.layout.xaxis.range = layout["xaxis.range"]
            figure.layout.yaxis.range = layout["yaxis.range"]
        syncing[0] = True  # move the sliders without running update again
        try:
            for control, value in ((iteration_slider, k + 1), (hypothesis_slider, h), (frame_slider, f)):
                if control.value != value:
                    control.value = value
        finally:
            syncing[0] = False

    def observer(key, convert=lambda v: v):
        def changed(change):
            if not syncing[0]:
                update(**{key: convert(change["new"])})
        return changed

    iteration_slider.observe(observer("iteration", lambda v: v - 1), names="value")
    hypothesis_slider.observe(observer("hypothesis"), names="value")
    frame_slider.observe(observer("frame"), names="value")
    controls = ipywidgets.HBox([iteration_slider, hypothesis_slider, frame_slider])
    return HypothesisScrubber(ipywidgets.VBox([controls, figure]), iteration_slider, hypothesis_slider,
                              frame_slider, figure, update, state, arrays)
