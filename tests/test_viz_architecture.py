"""The architecture diagram (lesson 04, paper Fig. 2b) is read from a model's own modules, run headless."""
from __future__ import annotations

import pytest

from ddhpose_lite import viz
from conftest import FIGURE_WIDTH
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser

TINY = dict(frames=9, width=16, depth=3, heads=2)


def labels(model) -> list[tuple[int, str, str]]:
    return [(s.row, s.kind, s.label) for s in viz.denoiser_stages(model)]


def test_stages_follow_the_forward_pass_in_order():
    stages = labels(HSTDenoiser(DenoiserConfig(**TINY)))
    assert stages == [
        (0, "input", "2D + noisy bones"), (0, "embedding", "Linear 6 → 16"), (0, "embedding", "+ HSP"),
        (0, "embedding", "+ timestep"),
        (1, "plain", "spatial · 2 heads"), (1, "norm", "norm"), (1, "embedding", "+ TP"),
        (1, "plain", "temporal · 2 heads"), (1, "norm", "norm"),
        (2, "hrst", "HRST · 2 heads"), (2, "norm", "norm"), (2, "hrtt", "HRTT · 2 heads"), (2, "norm", "norm"),
        (3, "hrst", "HRST · 2 heads"), (3, "norm", "norm"), (3, "hrtt", "HRTT · 2 heads"), (3, "norm", "norm"),
        (4, "norm", "LayerNorm"), (4, "output", "Linear 16 → 3"), (4, "output", "x̂₀: 3D joints"),
    ]


def test_switches_and_older_structures_are_drawn_as_built():
    plain = labels(HSTDenoiser(DenoiserConfig(**TINY, hrst=False, hrtt=False, hierarchical_embedding=False)))
    assert not any(kind in ("hrst", "hrtt") for _, kind, _ in plain)
    older = labels(HSTDenoiser(DenoiserConfig(**TINY, block_norms=False, frame_embedding_at="input")))
    assert (0, "embedding", "+ TP") in older and not any(kind == "norm" and row < 4 for row, kind, _ in older)
    bones_out = labels(HSTDenoiser(DenoiserConfig(**TINY, disentangled_output=True)))
    assert (4, "output", "bones → FK") in bones_out and (4, "output", "Linear 16 → 4") in bones_out


def test_the_modules_not_the_config_decide():
    model = HSTDenoiser(DenoiserConfig(**TINY))
    model.blocks[4].attention.hrst = False  # layer 2's spatial block, switched off after building
    assert [label for row, _, label in labels(model) if row == 3][0] == "spatial · 2 heads"
    with pytest.raises(TypeError, match="expected an HSTDenoiser, got Linear"):
        viz.denoiser_stages(model.head)


def test_the_diagram_has_one_box_and_label_per_stage_and_arrows_between_them():
    model = HSTDenoiser(DenoiserConfig(**TINY))
    stages = viz.denoiser_stages(model)
    fig = viz.denoiser_diagram(model)
    (boxes,) = fig.data
    assert list(boxes.text) == [s.label for s in stages] and list(boxes.hovertext) == [s.detail for s in stages]
    assert list(boxes.y) == [s.row for s in stages]  # one row per layer, input on top
    assert len(fig.layout.shapes) == len(stages)
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == len(stages) - 1
    assert fig.layout.width <= FIGURE_WIDTH and "3 layers, width 16, 9 frames" in fig.layout.title.text
    assert fig.layout.template.layout.to_plotly_json() == {}
