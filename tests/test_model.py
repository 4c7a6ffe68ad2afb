import pytest
import torch
import torch.nn.functional as F

from ddhpose_lite.model import (
    DenoiserConfig,
    HSTDenoiser,
    TemporalAttention,
    capture_attention,
    count_parameters,
    hrst_logits,
    hrst_logits_sequential,
)
from ddhpose_lite import model as model_module
from ddhpose_lite.skeleton import H36M, Skeleton

SMALL = dict(frames=9, width=32, depth=3, heads=4)


def loop_hrst(logits, skeleton=H36M):
    """Plain reference for Algorithm 1: every update reads the original logits."""
    out = logits.clone()
    for p, j, c in skeleton.triplets:
        out[..., j, c] = (logits[..., j, c] + logits[..., p, j]) / 2
        out[..., c, j] = (logits[..., c, j] + logits[..., p, j]) / 2
    return out


def inputs(config, batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, config.frames, 17, 2, generator=g), torch.randn(batch, config.frames, 16, 4, generator=g),
            torch.randint(0, 1000, (batch,), generator=g))


def test_hrst_matches_the_loop_reference():
    logits = torch.randn(4, 3, 17, 17, dtype=torch.float64)
    torch.testing.assert_close(hrst_logits(logits), loop_hrst(logits), rtol=0, atol=1e-12)


def test_hrst_hand_example_on_a_chain():
    chain = Skeleton(("a", "b", "c"), (-1, 0, 1))  # one triplet (0, 1, 2)
    logits = torch.arange(9.0).reshape(3, 3)
    expected = logits.clone()
    expected[1, 2] = (5 + 1) / 2  # A[1][2] averaged with A[0][1]
    expected[2, 1] = (7 + 1) / 2
    torch.testing.assert_close(hrst_logits(logits, chain), expected)


def test_official_sequential_loop_differs_from_algorithm_1():
    logits = torch.randn(17, 17, dtype=torch.float64)
    difference = (hrst_logits_sequential(logits) - hrst_logits(logits)).abs()
    assert difference.max() > 1e-3
    changed = {tuple(ix) for ix in (difference > 1e-12).nonzero().tolist()}
    assert (8, 11) in changed or (8, 14) in changed or (7, 8) in changed  # the shared 7 -> 8 prefix


def test_hrst_bad_shape():
    with pytest.raises(ValueError, match=r"logits of shape \[\.\.\., 17, 17\], got \[16, 16\]"):
        hrst_logits(torch.zeros(16, 16))


@pytest.mark.parametrize("config", [
    DenoiserConfig(**SMALL),
    DenoiserConfig(frames=17, width=32, depth=2, heads=2),
    DenoiserConfig(frames=1, width=16, depth=1, heads=1),
    DenoiserConfig(**SMALL, disentangled_output=True),
])
def test_output_shape_and_zero_root(config):
    model = HSTDenoiser(config)
    out = model(*inputs(config))
    assert out.shape == (2, config.frames, 17, 3)
    assert torch.equal(out[..., 0, :], torch.zeros_like(out[..., 0, :]))
    assert torch.isfinite(out).all()


def test_gradients_reach_every_parameter():
    model = HSTDenoiser(DenoiserConfig(**SMALL))
    model(*inputs(model.config)).square().mean().backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert not missing


@pytest.mark.parametrize("switch", ["hierarchical_embedding", "hrst", "hrtt", "disentangled_output"])
def test_each_ablation_switch_changes_the_computation(switch):
    base = DenoiserConfig(**SMALL)
    torch.manual_seed(0)
    on = HSTDenoiser(base)
    off = HSTDenoiser(DenoiserConfig(**{**SMALL, switch: not getattr(base, switch)}))
    shared = {k: v for k, v in on.state_dict().items() if k in off.state_dict() and off.state_dict()[k].shape == v.shape}
    off.load_state_dict(shared, strict=False)  # the same weights wherever both have them
    x = inputs(base)
    assert not torch.allclose(on(*x), off(*x), atol=1e-6)


def test_all_switches_off_is_a_plain_spatial_temporal_transformer():
    config = DenoiserConfig(**SMALL, hierarchical_embedding=False, hrst=False, hrtt=False)
    model = HSTDenoiser(config)
    assert not any("child_key" in n or "level_embedding" in n for n, _ in model.named_parameters())
    assert all(not b.attention.hrst if hasattr(b.attention, "hrst") else not b.attention.hrtt for b in model.blocks)


@pytest.mark.parametrize("kernel", ["sdpa", "explicit"])
def test_hrtt_fused_form_equals_the_two_matrix_form(kernel, monkeypatch):
    monkeypatch.setattr(model_module, "ATTENTION_KERNEL", kernel)
    config = DenoiserConfig(**SMALL)
    attention = TemporalAttention(config, hrtt=True).eval()
    x = torch.randn(2, config.frames, 17, config.width)
    fused = attention(x)
    # explicit: softmax(Q Kᵀ/√d + Q K_cᵀ/√d) V with f_c = mean(joint, children)
    heads, d = config.heads, config.width // config.heads
    q, k, v = attention.qkv(x).chunk(3, -1)
    f_c = torch.stack([x[:, :, [j, *H36M.children[j]]].mean(2) for j in range(17)], 2)
    k_c = attention.child_key(f_c)
    split = lambda t: t.reshape(2, config.frames, 17, heads, d).permute(0, 2, 3, 1, 4)  # b j h f d
    q, k, v, k_c = map(split, (q, k, v, k_c))
    a_s = q @ k.transpose(-1, -2) / d**0.5
    a_c = q @ k_c.transpose(-1, -2) / d**0.5
    out = ((a_s + a_c).softmax(-1) @ v).permute(0, 3, 1, 2, 4).reshape(2, config.frames, 17, config.width)
    torch.testing.assert_close(fused, attention.proj(out), rtol=1e-5, atol=1e-6)


def test_seventeen_frames_keep_temporal_attention_temporal():
    config = DenoiserConfig(frames=17, width=32, depth=2, heads=4)
    model = HSTDenoiser(config)
    with capture_attention(model) as maps:
        model(*inputs(config, batch=3))
    assert len(maps.spatial) == len(maps.temporal) == 2
    assert maps.spatial[0].shape == (3 * 17, 4, 17, 17)  # one map per frame
    assert maps.temporal[0].shape == (3 * 17, 4, 17, 17)  # one map per joint
    assert not torch.allclose(maps.spatial[1], maps.temporal[1])
    # a 17-frame temporal attention mixes frames of one joint, never joints: perturbing joint 3
    # changes joint 3 at every frame and nothing else
    attention = TemporalAttention(config, hrtt=False)
    x = torch.randn(1, 17, 17, config.width)
    y = x.clone()
    y[:, 0, 3] += 1.0
    changed = (attention(x) - attention(y)).abs().sum(-1)[0] > 1e-6  # [frames, joints]
    assert changed[:, 3].all() and not changed[:, [j for j in range(17) if j != 3]].any()


def test_capture_records_logits_before_and_weights_after_hrst():
    model = HSTDenoiser(DenoiserConfig(**SMALL))
    x = inputs(model.config)
    with capture_attention(model) as maps:
        out = model(*x)
    torch.testing.assert_close(maps.spatial[1], hrst_logits(maps.spatial_logits[1]).softmax(-1))
    torch.testing.assert_close(maps.spatial[0], maps.spatial_logits[0].softmax(-1))  # first layer is plain
    assert all(torch.allclose(m.sum(-1), torch.ones(())) for m in maps.temporal)
    torch.testing.assert_close(model(*x), out)  # capture leaves the result unchanged, then switches off
    assert all(getattr(m, "capture", None) is None for m in model.modules())


def test_parameter_count_and_config_errors():
    assert count_parameters(HSTDenoiser(DenoiserConfig(**SMALL))) > 10_000
    for bad, message in [
        (dict(width=30, heads=4), "width divisible by heads"),
        (dict(frames=0), "frames as an int >= 1"),
        (dict(dropout=1.0), r"dropout in \[0, 1\)"),
        (dict(depth=2.0), "depth as an int"),
        (dict(mlp_ratio=0), "mlp_ratio > 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            DenoiserConfig(**bad)


def test_bad_inputs_name_the_shape():
    model = HSTDenoiser(DenoiserConfig(**SMALL))
    kp, bones, t = inputs(model.config)
    with pytest.raises(ValueError, match=r"keypoints_2d of shape \[B, 9, 17, 2\], got \[2, 8, 17, 2\]"):
        model(kp[:, :8], bones, t)
    with pytest.raises(ValueError, match=r"noisy_bones of shape \[2, 9, 16, 4\]"):
        model(kp, bones[..., :3], t)
    with pytest.raises(ValueError, match=r"t of shape \[2\]"):
        model(kp, bones, t[:1])


def test_attention_kernels_agree_and_bad_kernel_is_named(monkeypatch):
    config = DenoiserConfig(**SMALL)
    model = HSTDenoiser(config).eval()
    x = inputs(config)
    outputs = {}
    for kernel in ("sdpa", "explicit"):
        monkeypatch.setattr(model_module, "ATTENTION_KERNEL", kernel)
        outputs[kernel] = model(*x)
    torch.testing.assert_close(outputs["sdpa"], outputs["explicit"], rtol=1e-4, atol=1e-5)
    monkeypatch.setattr(model_module, "ATTENTION_KERNEL", "flash")
    with pytest.raises(ValueError, match="ATTENTION_KERNEL 'auto', 'sdpa' or 'explicit', got 'flash'"):
        model(*x)


def test_hrst_gradient_matches_the_loop_reference():
    logits = torch.randn(3, 2, 17, 17, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(3, 2, 17, 17, dtype=torch.float64)
    (grad,) = torch.autograd.grad((hrst_logits(logits) * weights).sum(), logits)
    (expected,) = torch.autograd.grad((loop_hrst(logits) * weights).sum(), logits)
    torch.testing.assert_close(grad, expected, rtol=0, atol=1e-12)


def test_hrst_inplace_and_on_non_contiguous_input():
    logits = torch.randn(2, 17, 17, dtype=torch.float64)
    expected = loop_hrst(logits)
    transposed = logits.transpose(-1, -2).contiguous().transpose(-1, -2)  # same values, other strides
    torch.testing.assert_close(hrst_logits(transposed), expected, rtol=0, atol=1e-12)
    assert torch.equal(transposed, logits)  # the default leaves its input alone
    same = logits.clone()
    assert hrst_logits(same, inplace=True) is same
    torch.testing.assert_close(same, expected, rtol=0, atol=1e-12)
