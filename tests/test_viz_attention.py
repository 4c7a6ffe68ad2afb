"""Tests of the attention figures of lesson 04 (viz.attention), run headless.

Maps come from a small untrained denoiser (``conftest.capture``): figure data must equal the
captured tensors and views must pick the right layer / head / joint / frame / batch item.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from conftest import ATTENTION_CONFIG as CONFIG
from conftest import z_of

from ddhpose_lite import viz
from ddhpose_lite.model import hrst_logits, hrst_logits_sequential
from ddhpose_lite.skeleton import H36M

LELBOW, RWRIST = 12, 16
T = viz.ATTENTION_EXPLORER_TRACES


def cells_of(trace) -> set[tuple[int, int]]:
    return {(H36M.names.index(y), H36M.names.index(x)) for x, y in zip(trace.x, trace.y)}


def fake_maps(layers=4, heads=8, frames=27, joints=17, seed=0) -> dict:
    """Row-stochastic random maps (27 frames and 4 layers as the shipped model), without running a model."""
    g = torch.Generator().manual_seed(seed)
    return dict(spatial=[torch.randn(frames, heads, joints, joints, generator=g).mul(2).softmax(-1) for _ in range(layers)],
                temporal=[torch.randn(joints, heads, frames, frames, generator=g).mul(2).softmax(-1) for _ in range(layers)])


# ---------------------------------------------------------------- attention_heatmap


def test_heatmap_shows_the_captured_spatial_map(capture):
    maps, _ = capture
    weights = maps.spatial[2][CONFIG.frames + 4, 1]  # sample 1, frame 4, head 1
    fig = viz.attention_heatmap(weights, marked=[(LELBOW, 11), (0, 16)])
    heatmap, marks = fig.data
    assert heatmap.type == "heatmap" and list(heatmap.x) == list(H36M.names) == list(heatmap.y)
    assert heatmap.zmin is None and heatmap.zmax is None  # colours stretch over the map's range
    zero_based = viz.attention_heatmap(weights, zmin=0).data[0]
    assert (zero_based.zmin, zero_based.zmax) == (0, pytest.approx(weights.max().item(), abs=5e-5))
    np.testing.assert_allclose(z_of(heatmap), weights.numpy(), atol=5e-5)
    np.testing.assert_allclose(z_of(heatmap).sum(-1), 1.0, atol=1e-3)  # rows are queries
    assert cells_of(marks) == {(LELBOW, 11), (0, 16)}
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 at the top, like a matrix
    assert fig.layout.template.layout.to_plotly_json() == {}


def test_heatmap_of_a_temporal_map_needs_frame_labels(capture):
    maps, _ = capture
    weights = maps.temporal[1][LELBOW, 3]
    fig = viz.attention_heatmap(weights, "frames")
    assert list(fig.data[0].x) == [f"f{k}" for k in range(CONFIG.frames)]
    np.testing.assert_allclose(z_of(fig.data[0]), weights.numpy(), atol=5e-5)
    with pytest.raises(ValueError, match=r"\[17, 17\] map for labels='joints', got \[9, 9\]"):
        viz.attention_heatmap(weights)


@pytest.mark.parametrize("kwargs, message", [
    (dict(weights=np.ones((17, 16))), r"weights of shape \[N, N\]"),
    (dict(weights=np.ones(17)), r"weights of shape \[N, N\], got \[17\]"),
    (dict(weights=np.full((17, 17), np.nan)), "finite weights"),
    (dict(weights=np.ones((3, 3)), labels=["a", "b"]), "3 distinct labels, got 2"),
    (dict(weights=np.ones((3, 3)), labels="bones"), "labels 'joints', 'frames' or a sequence"),
    (dict(weights=np.ones((17, 17)), marked=[(0, 17)]), r"marked inside a \[17, 17\] map, got \(0, 17\)"),
])
def test_heatmap_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        viz.attention_heatmap(**kwargs)


# ---------------------------------------------------------------- HRST before / after


def test_hrst_entries_are_exactly_what_algorithm_1_changes():
    edited, read = viz.hrst_entries()
    assert len(edited) == 2 * len(H36M.triplets) == 26 and len(read) == 11
    logits = torch.randn(17, 17, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    changed = {tuple(c) for c in (hrst_logits(logits) != logits).nonzero().tolist()}
    assert changed == set(edited)
    assert set(read) == {(p, j) for p, j, _ in H36M.triplets}


def test_hrst_before_after_panels(capture):
    maps, _ = capture
    logits = maps.spatial_logits[1][3, 2]
    fig = viz.hrst_before_after(logits)
    before, after, difference = fig.data[:3]
    np.testing.assert_allclose(z_of(before), logits.numpy(), atol=5e-4)
    np.testing.assert_allclose(z_of(after), hrst_logits(logits).numpy(), atol=5e-4)
    np.testing.assert_allclose(z_of(difference), (hrst_logits(logits) - logits).numpy(), atol=5e-4)
    assert before.zmin == after.zmin and before.zmax == after.zmax  # one colour scale for both
    assert difference.zmin == -difference.zmax
    edited, read = viz.hrst_entries()
    squares = [t for t in fig.data if t.name == "edited by HRST"]
    circles = [t for t in fig.data if t.name == "read: A[j_p][j]"]
    assert len(squares) == 3 and all(cells_of(t) == set(edited) for t in squares)
    assert len(circles) == 1 and cells_of(circles[0]) == set(read)
    assert {t.xaxis or "x" for t in squares} == {"x", "x2", "x3"}


def test_hrst_before_after_compares_any_after_map():
    logits = torch.randn(17, 17, generator=torch.Generator().manual_seed(1))
    sequential = hrst_logits_sequential(logits)
    fig = viz.hrst_before_after(hrst_logits(logits), sequential, names=("Algorithm 1", "official loop", "difference"))
    np.testing.assert_allclose(z_of(fig.data[1]), sequential.numpy(), atol=5e-4)
    assert [a.text for a in fig.layout.annotations][-3:] == ["Algorithm 1", "official loop", "difference"]
    assert "edited by HRST" in fig.layout.annotations[0].text  # the key to the marks


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: viz.hrst_before_after(torch.zeros(16, 16)), "expected logits of shape [17, 17], got [16, 16]",
                 id="16-joints"),
    pytest.param(lambda: viz.hrst_before_after(torch.randn(17, 17, generator=torch.Generator().manual_seed(1)),
                                               names=("a", "b")),
                 "expected 3 panel names, got 2", id="2-names"),
])
def test_hrst_before_after_bad_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def frames_of(trace) -> list[tuple[int, int]]:
    """(row, col) of a marker trace on a frame map labelled f0, f1, ..."""
    return sorted((int(y[1:]), int(x[1:])) for x, y in zip(trace.x, trace.y))


def test_hrtt_logit_terms_draws_both_terms_and_their_sum(capture):
    maps, _ = capture
    generator = torch.Generator().manual_seed(3)
    frames, d = CONFIG.frames, 8
    q, k, k_c = (torch.randn(frames, d, generator=generator) for _ in range(3))
    own, child = q @ k.T / d**0.5, q @ k_c.T / d**0.5  # A_s and A_c of Eq. 6
    fig = viz.hrtt_logit_terms(own, child, title="LElbow")
    a_s, a_c, total = fig.data[:3]
    np.testing.assert_allclose(z_of(a_s), own.numpy(), atol=5e-4)
    np.testing.assert_allclose(z_of(a_c), child.numpy(), atol=5e-4)
    np.testing.assert_allclose(z_of(total), (q @ (k + k_c).T / d**0.5).numpy(), atol=1e-3)  # one product, K + K_c
    assert a_s.zmin == a_c.zmin == total.zmin and a_s.zmax == a_c.zmax == total.zmax  # one colour scale
    assert total.zmin == pytest.approx(float(min(own.min(), child.min(), (own + child).min())), abs=1e-3)
    peaks = [t for t in fig.data if t.name == "largest logit of its row"]
    assert len(peaks) == 3 and {t.xaxis or "x" for t in peaks} == {"x", "x2", "x3"}
    for trace, z in zip(peaks, (own, child, own + child)):
        assert frames_of(trace) == [(row, int(col)) for row, col in enumerate(z.argmax(-1))]
    assert [a.text for a in fig.layout.annotations][-3:] == list(fig.data[k].name for k in range(3))
    assert list(fig.layout.xaxis.categoryarray) == [f"f{f}" for f in range(frames)]
    # a real map: the sum panel, softmaxed, is the temporal attention the model recorded
    recorded = maps.temporal[1][LELBOW, 0]
    logits = recorded.log()  # softmax is shift-invariant per row: log-weights are logits of the same map
    half = logits / 2
    fig = viz.hrtt_logit_terms(half, half, decimals=6)
    np.testing.assert_allclose(torch.as_tensor(z_of(fig.data[2])).softmax(-1).numpy(), recorded.numpy(), atol=1e-4)


@pytest.mark.parametrize("child, options, message", [
    pytest.param(torch.zeros(8, 8), {}, "expected child of shape [9, 9], got [8, 8]", id="8-frame-child"),
    pytest.param(torch.zeros(9, 9), dict(names=("a", "b")), "expected 3 panel names, got 2", id="2-names"),
    pytest.param(torch.zeros(9, 9), dict(labels=["a"] * 9), "expected 9 distinct labels, got 9 (1 distinct)",
                 id="one-label-9-times"),
])
def test_hrtt_logit_terms_bad_input(child, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.hrtt_logit_terms(torch.zeros(9, 9), child, **options)


# ---------------------------------------------------------------- attention_skeleton


def test_attention_skeleton_draws_the_query_row(capture):
    maps, prediction = capture
    weights, pose = maps.spatial[2][5, 0], prediction[0, 5]
    fig = viz.attention_skeleton(pose, weights, "LElbow", coordinates="camera")
    traces = viz.ATTENTION_SKELETON_TRACES
    joints, rays, query = fig.data[traces["joints"]], fig.data[traces["rays"]], fig.data[traces["query"]]
    np.testing.assert_allclose(joints.marker.color, weights[LELBOW].numpy(), atol=5e-5)
    row = weights[LELBOW].numpy()
    assert (joints.marker.cmin, joints.marker.cmax) == pytest.approx((row.min(), row.max()), abs=5e-5)
    sizes = np.asarray(joints.marker.size)[row.argsort()]
    assert np.all(np.diff(sizes) >= 0) and sizes[-1] > sizes[0]  # more weight, bigger marker
    assert len(rays.x) == 3 * 16  # one segment (query, key, gap) per other joint
    np.testing.assert_allclose(rays.line.color[1::3], np.delete(weights[LELBOW].numpy(), LELBOW), atol=5e-5)
    shown = viz.to_display(pose, "camera")[LELBOW]
    np.testing.assert_allclose([query.x[0], query.y[0], query.z[0]], shown, atol=6e-4)
    same = viz.attention_skeleton(pose, weights[LELBOW], LELBOW, coordinates="camera")
    assert same.to_json() == fig.to_json()  # a row or the whole map


@pytest.mark.parametrize("weights, joint, options, message", [
    pytest.param(lambda maps: torch.ones(16), 3, {},
                 "expected weights of shape [17] (one query's row) or [17, 17], got [16]", id="16-weights"),
    pytest.param(lambda maps: maps.spatial[0][0, 0], 3, dict(coordinates="image"),
                 "expected coordinates 'world' or 'camera', got 'image'", id="image-coordinates"),
    pytest.param(lambda maps: maps.spatial[0][0, 0], 17, {},
                 "expected a joint index in 0..16 or a joint name, got 17", id="joint-17"),
])
def test_attention_skeleton_bad_input(capture, weights, joint, options, message):
    maps, prediction = capture
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.attention_skeleton(prediction[0, 0], weights(maps), joint, **options)


def eye_distance(scene, frame: str) -> float:
    """How many times the usual distance (``viz.core._EYES``) a 3D scene is seen from."""
    from ddhpose_lite.viz.core import _EYES
    eye = scene.camera.eye
    return float(np.linalg.norm([eye.x, eye.y, eye.z]) / np.linalg.norm(list(_EYES[frame].values())))


def test_attention_scenes_are_seen_from_far_enough_for_their_axis_labels(capture):
    """Lesson 04 (issue 27): the attention skeleton (from the usual distance) was cut at its left and
    bottom edges, the explorer's right panel (from 1.2 x, 220 px wide) at its left, right and bottom
    edges. Measured in Chromium (tests/helpers/figure_labels.scene_edges): from 1.3 x and 1.65 x
    nothing reaches the scenes' edges."""
    maps, prediction = capture
    for coordinates, pose in (("camera", prediction[0, 5]), ("world", viz.to_display(prediction[0, 5], "camera"))):
        fig = viz.attention_skeleton(pose, maps.spatial[2][5, 0], "LElbow", coordinates=coordinates)
        assert eye_distance(fig.layout.scene, coordinates) == pytest.approx(1.3, abs=0.01)
    for fig in (viz.attention_explorer_figure(maps, 1, 0, "LElbow", 2, prediction[0]),
                viz.attention_browser(maps, prediction[0], joint=LELBOW, frame=2)):
        assert eye_distance(fig.layout.scene, "camera") == pytest.approx(1.65, abs=0.01)


# ---------------------------------------------------------------- explorer figure and kernel-free browser


@pytest.mark.parametrize("sample", [0, 1])
def test_explorer_figure_picks_layer_head_joint_frame_and_sample(capture, sample):
    maps, prediction = capture
    layer, head, frame = 2, 3, 6
    fig = viz.attention_explorer_figure(maps, layer, head, "RWrist", frame, prediction[sample], sample=sample)
    spatial = maps.spatial[layer][sample * CONFIG.frames + frame, head]
    temporal = maps.temporal[layer][sample * 17 + RWRIST, head]
    np.testing.assert_allclose(z_of(fig.data[T["spatial"]]), spatial.numpy(), atol=5e-5)
    np.testing.assert_allclose(z_of(fig.data[T["temporal"]]), temporal.numpy(), atol=5e-5)
    np.testing.assert_allclose(fig.data[T["joints"]].marker.color, spatial[RWRIST].numpy(), atol=5e-5)
    shown = viz.to_display(prediction[sample, frame], "camera")
    np.testing.assert_allclose(np.c_[fig.data[T["joints"]].x, fig.data[T["joints"]].y, fig.data[T["joints"]].z],
                               shown, atol=6e-4)
    outline_rows = [(s.y0 + s.y1) / 2 for s in fig.layout.shapes]
    assert outline_rows == [RWRIST, frame]
    assert fig.data[T["spatial"]].xaxis in (None, "x") and fig.data[T["temporal"]].xaxis == "x2"
    assert fig.data[T["bones"]].scene == "scene"


def test_explorer_trace_names_are_the_keys_of_the_trace_constants(capture):
    maps, _ = capture
    fig = viz.attention_explorer_figure(maps)
    assert [trace.name for trace in fig.data] == list(T)
    assert [trace.name for trace in viz.attention_skeleton(np.zeros((17, 3)), np.ones(17) / 17, 0).data] == list(
        viz.ATTENTION_SKELETON_TRACES)


def test_attention_arrays_add_the_mean_of_heads(capture):
    maps, prediction = capture
    arrays = viz.attention_arrays(maps, prediction[1], sample=1)
    assert (arrays.layers, arrays.heads, arrays.frames, arrays.joints) == (3, 4, CONFIG.frames, 17)
    np.testing.assert_allclose(arrays.temporal[1, 2, 5], maps.temporal[1][17 + 5, 2].numpy(), atol=1e-6)
    np.testing.assert_allclose(arrays.spatial[2, 4, 3], maps.spatial[2][CONFIG.frames + 3].mean(0).numpy(), atol=1e-6)
    np.testing.assert_allclose(arrays.points, viz.to_display(prediction[1], "camera"))
    assert arrays.spatial_logits.shape == (3, 4, CONFIG.frames, 17, 17)
    rest = viz.attention_arrays(maps)  # no pose: the rest pose, world coordinates
    assert rest.coordinates == "world" and rest.points.shape == (CONFIG.frames, 17, 3)


def test_attention_update_turns_one_view_into_another(capture):
    maps, prediction = capture
    arrays = viz.attention_arrays(maps, prediction[0])
    state = viz.attention_state(arrays, 1, "mean", "LElbow", 2)
    assert state == dict(layer=1, head="mean", joint=LELBOW, frame=2)
    fig = viz.attention_figure(arrays, state)
    other = dict(layer=2, head=3, joint="RWrist", frame=6)
    viz.apply_update(fig, viz.attention_update(arrays, other))
    assert fig.to_json() == viz.attention_figure(arrays, other).to_json()
    assert fig.to_json() == viz.attention_explorer_figure(maps, 2, 3, RWRIST, 6, prediction[0]).to_json()
    with pytest.raises(ValueError, match=r"head as an int in 0..3 or 'mean', got 4"):
        viz.attention_update(arrays, dict(state, head=4))


def test_explorer_figure_mean_head_and_rest_pose(capture):
    maps, _ = capture
    fig = viz.attention_explorer_figure(maps, 0, "mean", 0, 0)  # no pose: the rest pose
    np.testing.assert_allclose(z_of(fig.data[T["spatial"]]), maps.spatial[0][0].mean(0).numpy(), atol=5e-5)
    assert "mean of heads" in fig.layout.title.text
    mapping = dict(spatial=maps.spatial, temporal=maps.temporal)  # a plain mapping works too
    assert viz.attention_explorer_figure(mapping, 0, "mean", 0, 0).to_json() == fig.to_json()


@pytest.mark.parametrize("change, message", [
    (dict(layer=3), r"layer as an int in 0..2, got 3"),
    (dict(head="max"), r"head as an int in 0..3 or 'mean', got 'max'"),
    (dict(frame=9), r"frame as an int in 0..8, got 9"),
    (dict(sample=2), r"sample as an int in 0..1, got 2"),
    (dict(joint="Tail"), "joint names"),
    (dict(pose=torch.zeros(5, 17, 3)), r"pose of shape \[17, 3\] or \[9, 17, 3\], got \[5, 17, 3\]"),
])
def test_explorer_figure_bad_choices(capture, change, message):
    maps, _ = capture
    arguments = dict(layer=1, head=0, joint=LELBOW, frame=0) | change
    with pytest.raises(ValueError, match=message):
        viz.attention_explorer_figure(maps, **arguments)


@pytest.mark.parametrize("edit, message", [
    pytest.param(lambda maps: dict(spatial=[], temporal=[]),
                 "expected captured attention maps with non-empty 'spatial' and 'temporal' lists "
                 "(from model.capture_attention), got dict", id="empty-lists"),
    pytest.param(lambda maps: dict(spatial=maps.spatial, temporal=maps.temporal[:2]),
                 "expected as many spatial as temporal layers, got 3 and 2", id="2-temporal-layers"),
    pytest.param(lambda maps: dict(spatial=maps.spatial, temporal=[m[:17] for m in maps.temporal]),
                 "expected temporal[0] of shape [2*17, 4, 9, 9], got [17, 4, 9, 9]", id="one-sample-of-temporal"),
])
def test_explorer_figure_bad_maps(capture, edit, message):
    maps, _ = capture
    with pytest.raises(ValueError, match=re.escape(message)):
        viz.attention_explorer_figure(edit(maps))


def test_browser_frames_come_from_attention_update(capture):
    maps, prediction = capture
    fig = viz.attention_browser(maps, prediction[0], joint=LELBOW, frame=2)
    arrays = viz.attention_arrays(maps, prediction[0])
    update = viz.attention_update(arrays, dict(layer=2, head=3, joint=LELBOW, frame=2), decimals=3)
    frame = fig.frames[5 * 2 + 1 + 3]
    np.testing.assert_array_equal(z_of(frame.data[0]), update.traces["spatial"]["z"])
    np.testing.assert_array_equal(frame.data[3].marker.color, update.traces["joints"]["marker"]["color"])
    assert frame.layout.title.text == update.layout["title.text"]


def test_browser_has_one_step_per_layer_and_head(capture):
    maps, prediction = capture
    fig = viz.attention_browser(maps, prediction[0], joint=LELBOW, frame=2)
    steps = fig.layout.sliders[0].steps
    assert len(fig.frames) == len(steps) == 3 * (1 + 4)  # layers x (mean + heads)
    assert not fig.layout.updatemenus  # a slider over views, no play button
    assert [s.label for s in steps[:6]] == ["0·μ", "0·0", "0·1", "0·2", "0·3", "1·μ"]
    k = 5 * 2 + 1 + 3  # layer 2, head 3
    frame_data = fig.frames[k].data
    assert list(fig.frames[k].traces) == [T["spatial"], T["temporal"], T["rays"], T["joints"]]
    np.testing.assert_allclose(z_of(frame_data[0]), maps.spatial[2][2, 3].numpy(), atol=5e-4)
    np.testing.assert_allclose(z_of(frame_data[1]), maps.temporal[2][LELBOW, 3].numpy(), atol=5e-4)
    np.testing.assert_allclose(frame_data[3].marker.color, maps.spatial[2][2, 3, LELBOW].numpy(), atol=5e-4)
    assert "layer 2 · head 3" in fig.frames[k].layout.title.text
    small = viz.attention_browser(maps, layers=[1, 2], heads=["mean"])
    assert [s.label for s in small.layout.sliders[0].steps] == ["1·μ", "2·μ"]
    with pytest.raises(ValueError, match="at least one layer and one head"):
        viz.attention_browser(maps, heads=[])


def test_attention_figures_stay_small():
    maps = fake_maps()  # 4 layers and 27 frames as the shipped model, with 8 heads instead of its 4 (stricter)
    assert len(viz.attention_heatmap(maps["spatial"][1][0, 0]).to_json()) < 12_000
    assert len(viz.attention_heatmap(maps["temporal"][1][0, 0], "frames").to_json()) < 25_000
    assert len(viz.hrst_before_after(torch.randn(17, 17)).to_json()) < 25_000
    assert len(viz.attention_explorer_figure(maps).to_json()) < 30_000
    assert len(viz.attention_browser(maps, heads=["mean"]).to_json()) < 60_000
    assert len(viz.attention_browser(maps).to_json()) < 320_000  # 36 views, about 8 kB each
