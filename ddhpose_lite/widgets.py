"""Interactive controls (ipywidgets) wrapped around the figures of ``viz``.

Each control keeps its logic in a plain callback, so it runs without a browser or kernel:
``picker.update("LWrist")`` changes the figures exactly as choosing LWrist in the dropdown does,
which is how the tests drive it. Without a live kernel (static HTML, some Colab setups) use the
kernel-free twin ``viz.joint_explorer``.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable

import ipywidgets
import plotly.graph_objects as go

from . import viz
from .skeleton import H36M, Skeleton

__all__ = ["JointPicker", "joint_picker"]


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
    points = viz.to_display(viz._check_pose(pose, skeleton), frame)
    tree_points = viz.tree_positions(skeleton)
    first = viz._joint_index(joint if joint is not None else viz._default_joint(skeleton), skeleton)

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
        j = viz._joint_index(joint, skeleton)
        # The highlight is the last trace of the 3D figure and the first of the tree.
        with figure.batch_update():
            figure.data[-1].update(viz._highlight_props(points, skeleton, j, viz._ROLE_SIZE_3D, None, 3))
        if tree is not None:
            with tree.batch_update():
                tree.data[0].update(viz._highlight_props(tree_points, skeleton, j, viz._ROLE_SIZE_TREE,
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
    facts = viz._joint_facts(skeleton, joint)
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
