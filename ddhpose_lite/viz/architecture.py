"""The denoiser's architecture drawn from a model's own modules (lesson 04; the paper's Fig. 2b).

``denoiser_stages`` walks an ``HSTDenoiser`` in the order its forward pass runs (input
embedding, HSP and timestep embeddings, TP, then one row per layer of spatial and temporal
blocks with the norms between them, then the head) and reads every block's class and switches
from the module itself, so an ablated or older model is drawn as it really is.
``denoiser_diagram`` draws those stages as boxes, one row per layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from ..model import HSTDenoiser, SpatialAttention, TemporalAttention
from .core import base_layout, level_color

__all__ = ["STAGE_COLORS", "Stage", "denoiser_diagram", "denoiser_stages"]

STAGE_COLORS = {"input": "#f0f0f0", "embedding": "#fbe3b4", "plain": "#dddddd", "hrst": "#b9dcf2",
                "hrtt": "#bfe8d9", "norm": "#ffffff", "output": "#f0f0f0"}
"""Fill colour of each kind of stage (HRST and HRTT in light versions of the level colours)."""

_BORDERS = {"hrst": level_color(1), "hrtt": level_color(2), "embedding": level_color(3)}


@dataclass(frozen=True)
class Stage:
    """One box of the diagram: its row (0 = input, 1..depth = layers, depth + 1 = output), its kind
    (a key of ``STAGE_COLORS``), a short label and the details shown on hover."""

    row: int
    kind: str
    label: str
    detail: str


def denoiser_stages(model: HSTDenoiser) -> list[Stage]:
    """The stages of ``model``'s forward pass in the order they run, read from its modules."""
    if not isinstance(model, HSTDenoiser):
        raise TypeError(f"expected an HSTDenoiser, got {type(model).__name__}")
    config, w = model.config, model.config.width
    joints, frames = config.skeleton.num_joints, config.frames
    stages = [Stage(0, "input", "2D + noisy bones", f"per joint: 2D keypoint (2), noisy direction (3), noisy length (1); "
                                                     f"[{frames} frames, {joints} joints, 6], the root's bone slot zero"),
              Stage(0, "embedding", f"Linear 6 → {w}", "input embedding, shared by every joint and frame")]
    hsp = "joint embedding" + (" + level embedding" if hasattr(model, "level_embedding") else "")
    levels = f"{config.skeleton.num_levels} levels shared by their joints" if hasattr(model, "level_embedding") else "no level embedding"
    stages.append(Stage(0, "embedding", "+ HSP", f"{hsp}: {joints} joint vectors; {levels}"))
    stages.append(Stage(0, "embedding", "+ timestep", f"sinusoidal embedding of t, then an MLP {w} → {2 * w} → {w}"))
    tp = Stage(0, "embedding", "+ TP", f"one learned vector per frame ({frames} frames)")
    at_input = config.frame_embedding_at == "input"
    if at_input:
        stages.append(tp)
    norms = hasattr(model, "spatial_norm")
    for layer, (spatial, temporal) in enumerate(zip(model.blocks[0::2], model.blocks[1::2])):
        row = layer + 1
        stages.append(_attention_stage(row, layer, spatial.attention))
        if norms:
            stages.append(Stage(row, "norm", "norm", "LayerNorm shared by all spatial blocks"))
        if layer == 0 and not at_input:
            stages.append(Stage(row, "embedding", "+ TP", f"{tp.detail}, added before the first temporal block"))
        stages.append(_attention_stage(row, layer, temporal.attention))
        if norms:
            stages.append(Stage(row, "norm", "norm", "LayerNorm shared by all temporal blocks"))
    last = config.depth + 1
    stages.append(Stage(last, "norm", "LayerNorm", "the final norm"))
    out = model.head.out_features
    stages.append(Stage(last, "output", f"Linear {w} → {out}", "the regression head, per joint and frame"))
    if out == 4:
        stages.append(Stage(last, "output", "bones → FK", "direction (3) and length (1) per bone, composed by forward "
                                                            "kinematics (the Table 4 ablation)"))
    stages.append(Stage(last, "output", "x̂₀: 3D joints", f"[{frames} frames, {joints} joints, 3], root exactly zero"))
    return stages


def _attention_stage(row: int, layer: int, attention) -> Stage:
    heads = f"{attention.heads} heads"
    if isinstance(attention, SpatialAttention):
        if attention.hrst:
            return Stage(row, "hrst", f"HRST · {heads}", f"layer {layer}: attention over the joints of each frame, "
                                                          "logits rewritten along the triplets (Algorithm 1)")
        return Stage(row, "plain", f"spatial · {heads}", f"layer {layer}: plain attention over the joints of each frame")
    if isinstance(attention, TemporalAttention):
        if attention.hrtt:
            return Stage(row, "hrtt", f"HRTT · {heads}", f"layer {layer}: attention over the frames of each joint, "
                                                          "keys K + K_c from the joint and its children (Eq. 6)")
        return Stage(row, "plain", f"temporal · {heads}", f"layer {layer}: plain attention over the frames of each joint")
    raise TypeError(f"expected a spatial or temporal attention module, got {type(attention).__name__}")


def denoiser_diagram(model: HSTDenoiser, title: str | None = None) -> go.Figure:
    """Boxes for ``denoiser_stages(model)``, one row per layer (input on top, output at the bottom),
    arrows in the order the forward pass runs. Hover a box for its details."""
    stages = denoiser_stages(model)
    rows = max(s.row for s in stages) + 1
    position, column = [], {}
    for s in stages:
        column[s.row] = column.get(s.row, -1) + 1
        position.append((column[s.row], s.row))
    half_w, half_h = 0.43, 0.3
    shapes, annotations = [], []
    for s, (x, y) in zip(stages, position):
        shapes.append(dict(type="rect", x0=x - half_w, x1=x + half_w, y0=y - half_h, y1=y + half_h, layer="below",
                           fillcolor=STAGE_COLORS[s.kind], line=dict(color=_BORDERS.get(s.kind, "#888888"), width=1.5)))
    for (x0, y0), (x1, y1) in zip(position, position[1:]):
        if y0 == y1:
            start, end = (x0 + half_w, y0), (x1 - half_w, y1)
        else:  # down to the start of the next row
            start, end = (x0, y0 + half_h), (x1, y1 - half_h)
        annotations.append(dict(x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y", axref="x",
                                ayref="y", text="", showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.2,
                                arrowcolor="#555555" if y0 == y1 else "#bbbbbb"))
    row_names = ["input"] + [f"layer {k}" for k in range(rows - 2)] + ["output"]
    for y, name in enumerate(row_names):
        annotations.append(dict(x=-0.55, y=y, xref="x", yref="y", text=name, showarrow=False, xanchor="right",
                                font=dict(size=11, color="#555555")))
    boxes = go.Scatter(x=[p[0] for p in position], y=[p[1] for p in position], mode="text", name="stages",
                       text=[s.label for s in stages], textfont=dict(size=11),
                       hovertext=[s.detail for s in stages], hoverinfo="text")
    columns = max(p[0] for p in position) + 1
    config = model.config
    title = title or (f"HSTDenoiser as built: {config.depth} layers, width {config.width}, {config.frames} frames "
                      "(paper Fig. 2b)")
    layout = base_layout(820, 70 + 62 * rows, title, shapes=shapes, annotations=annotations,
                         margin=dict(l=10, r=10, t=40, b=10),
                         xaxis=dict(visible=False, range=[-1.25, columns - 0.5]),
                         yaxis=dict(visible=False, range=[rows - 0.5, -0.5]))
    return go.Figure(boxes, layout=layout)
