import math

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


def test_parameter_count():
    """By hand for SMALL (width 32, depth 3, mlp ratio 2, 17 joints, 6 levels, 9 frames): each layer's spatial
    block 2·64 (norms) + 32·96 + 96 (qkv) + 32·32 + 32 (proj) + 32·64 + 64 + 64·32 + 32 (MLP) = 8,544, its
    temporal block the same plus the HRTT child key (32·32 + 32) from layer 1 on; embeddings 6·32 + 32
    (input) + 17·32 + 6·32 + 9·32; time MLP 32·64 + 64 + 64·32 + 32; two shared block norms, the final norm
    and the head 4·64 + 32·3 + 3."""
    block = 2 * 64 + 32 * 96 + 96 + 32 * 32 + 32 + 32 * 64 + 64 + 64 * 32 + 32
    layers = 3 * 2 * block + 2 * (32 * 32 + 32)
    embeddings = 6 * 32 + 32 + 17 * 32 + 6 * 32 + 9 * 32
    time = 32 * 64 + 64 + 64 * 32 + 32
    head = 3 * 64 + 32 * 3 + 3
    assert count_parameters(HSTDenoiser(DenoiserConfig(**SMALL))) == layers + embeddings + time + head


@pytest.mark.parametrize("bad, message", [
    (dict(width=30, heads=4), "width divisible by heads"),
    (dict(frames=0), "frames as an int >= 1"),
    (dict(dropout=1.0), r"dropout in \[0, 1\)"),
    (dict(depth=2.0), "depth as an int"),
    (dict(mlp_ratio=0), "mlp_ratio > 0"),
])
def test_config_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        DenoiserConfig(**bad)


@pytest.mark.parametrize("change, message", [
    (lambda kp, bones, t: (kp[:, :8], bones, t), r"keypoints_2d of shape \[B, 9, 17, 2\], got \[2, 8, 17, 2\]"),
    (lambda kp, bones, t: (kp, bones[..., :3], t), r"noisy_bones of shape \[2, 9, 16, 4\]"),
    (lambda kp, bones, t: (kp, bones, t[:1]), r"t of shape \[2\]"),
])
def test_bad_inputs_name_the_shape(change, message):
    model = HSTDenoiser(DenoiserConfig(**SMALL))
    with pytest.raises(ValueError, match=message):
        model(*change(*inputs(model.config)))


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


# ---------------------------------------------------------------- independent references (issue 28)


def test_timestep_embedding_hand_values():
    """sin(t·10000^(-i/half)) for i < half, then the cosines, zero-padded to an odd width; half = 3."""
    from ddhpose_lite.model import timestep_embedding

    f = [1.0, 10_000 ** (-1 / 3), 10_000 ** (-2 / 3)]  # 1, 0.0464159, 0.00215443
    assert f[1] == pytest.approx(0.0464158883) and f[2] == pytest.approx(0.0021544347)
    t = torch.tensor([0, 1, 7])
    expected = torch.tensor([[math.sin(s * fi) for fi in f] + [math.cos(s * fi) for fi in f] + [0.0]
                             for s in (0, 1, 7)])
    out = timestep_embedding(t, 7)
    assert out.shape == (3, 7)
    torch.testing.assert_close(out, expected.float(), rtol=0, atol=1e-6)
    torch.testing.assert_close(out[0], torch.tensor([0.0, 0, 0, 1, 1, 1, 0]))  # t = 0: sines 0, cosines 1
    assert float(out[1, 0]) == pytest.approx(0.8414709848, abs=1e-6)  # sin(1)
    torch.testing.assert_close(timestep_embedding(t, 6), expected[:, :6].float(), rtol=0, atol=1e-6)


def test_drop_path_drops_whole_samples_and_rescales_by_one_over_keep():
    from ddhpose_lite.model import drop_path

    x = torch.rand(4000, 3, 5) + 1.0  # never zero: a zero output means dropped
    assert drop_path(x, 0.3, training=False) is x and drop_path(x, 0.0, training=True) is x
    torch.manual_seed(0)
    out = drop_path(x, 0.3, training=True)
    ratio = out / x
    per_sample = ratio.flatten(1)
    # each sample is dropped (0) or kept and scaled by 1/(1-p), as a whole
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample))
    values = per_sample[:, 0]
    kept = values != 0
    torch.testing.assert_close(values[kept], torch.full_like(values[kept], 1 / 0.7))
    # the dropped fraction is p: 4000 draws, binomial sd = sqrt(0.3 * 0.7 / 4000) = 0.0072; 4 sd
    assert abs(float((~kept).float().mean()) - 0.3) < 0.03
    # the same seed, the same draw written from the definition: keep with probability 1 - p
    torch.manual_seed(0)
    keep = (torch.rand(4000, 1, 1) >= 0.3).float()
    torch.testing.assert_close(out, x * keep / 0.7)


def _embedding_tokens(config):
    """The tokens that enter the first block, read with a hook on the embedding dropout."""
    torch.manual_seed(0)
    model = HSTDenoiser(config).eval()
    seen = []
    model.embedding_dropout.register_forward_hook(lambda module, args, out: seen.append(out.detach()))
    return model, seen


def test_level_embedding_is_shared_by_the_joints_of_a_level():
    """Tokens with the 2D, state and timestep terms silenced: joint_embedding[j] + level_embedding[depth(j)],
    the depth counted here by walking up the parents."""
    model, seen = _embedding_tokens(DenoiserConfig(**SMALL))
    with torch.no_grad():
        for linear in (model.input_embedding, model.time_mlp[-1]):
            linear.weight.zero_()
            linear.bias.zero_()
    model(*inputs(model.config))

    def depth(j):
        d = 0
        while H36M.parents[j] >= 0:
            j, d = H36M.parents[j], d + 1
        return d

    assert [depth(j) for j in range(17)] == [0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 3, 4, 5, 3, 4, 5]
    expected = torch.stack([model.joint_embedding[j] + model.level_embedding[depth(j)] for j in range(17)])
    torch.testing.assert_close(seen[0], expected.detach().expand_as(seen[0]))
    # without the hierarchical embedding the joint embedding alone
    plain, seen = _embedding_tokens(DenoiserConfig(**SMALL, hierarchical_embedding=False))
    with torch.no_grad():
        for linear in (plain.input_embedding, plain.time_mlp[-1]):
            linear.weight.zero_()
            linear.bias.zero_()
    plain(*inputs(plain.config))
    torch.testing.assert_close(seen[0], plain.joint_embedding.detach().expand_as(seen[0]))


def _layer_norm(x, norm):
    """LayerNorm written out: (x - mean) / sqrt(biased var + eps) * weight + bias over the last axis."""
    mean = x.mean(-1, keepdim=True)
    var = (x - mean).square().mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias


@pytest.mark.parametrize("block_norms", [True, False])
@pytest.mark.parametrize("at", ["temporal", "input"])
def test_forward_order_of_norms_and_frame_embedding(block_norms, at):
    """The official order written out, the blocks as black boxes: tokens = W[2D, 0 | bones] + joint + level
    + time (+ TP at the input); per layer spatial block, shared spatial LayerNorm, TP before the first temporal
    block (official), temporal block, shared temporal LayerNorm; head(LayerNorm(x)), the root zeroed."""
    from ddhpose_lite.model import timestep_embedding

    config = DenoiserConfig(**SMALL, block_norms=block_norms, frame_embedding_at=at)
    torch.manual_seed(1)
    model = HSTDenoiser(config).eval()
    if block_norms:  # non-trivial affine parameters, so a norm left out or swapped shows
        with torch.no_grad():
            for norm in (model.spatial_norm, model.temporal_norm):
                norm.weight.uniform_(0.5, 1.5)
                norm.bias.normal_()
    kp, bones, t = inputs(config)
    with torch.no_grad():
        state = torch.cat([torch.zeros(2, config.frames, 1, 4), bones], 2)
        x = kp @ model.input_embedding.weight[:, :2].T + state @ model.input_embedding.weight[:, 2:].T
        x = x + model.input_embedding.bias + model.joint_embedding + model.level_embedding[list(H36M.levels)]
        x = x + model.time_mlp(timestep_embedding(t, config.width))[:, None, None]
        if at == "input":
            x = x + model.frame_embedding[:, None]
        for layer in range(config.depth):
            x = model.blocks[2 * layer](x)
            if block_norms:
                x = _layer_norm(x, model.spatial_norm)
            if layer == 0 and at == "temporal":
                x = x + model.frame_embedding[:, None]
            x = model.blocks[2 * layer + 1](x)
            if block_norms:
                x = _layer_norm(x, model.temporal_norm)
        expected = model.head(_layer_norm(x, model.norm))
        expected[..., 0, :] = 0
        torch.testing.assert_close(model(kp, bones, t), expected, rtol=1e-5, atol=1e-5)


def test_disentangled_output_composes_unit_directions_and_softplus_lengths():
    """_compose by hand: slot k >= 1 holds bone k's raw direction (3) and raw length (1); joint k =
    joint parent(k) + softplus(raw length) · raw direction / |raw direction|, from a zero root."""
    model = HSTDenoiser(DenoiserConfig(**SMALL, disentangled_output=True))
    g = torch.Generator().manual_seed(0)
    out = torch.randn(2, 3, 17, 4, generator=g, dtype=torch.float64)
    out[0, 0, 1] = torch.tensor([3.0, 0.0, 4.0, 0.0], dtype=torch.float64)  # direction (0.6, 0, 0.8), length ln 2
    joints = model._compose(out)
    expected = torch.zeros(2, 3, 17, 3, dtype=torch.float64)
    for c in range(1, 17):
        raw = out[..., c, :3]
        length = torch.log1p(torch.exp(out[..., c, 3:]))
        expected[..., c, :] = expected[..., H36M.parents[c], :] + length * raw / raw.pow(2).sum(-1, keepdim=True).sqrt()
    torch.testing.assert_close(joints, expected)
    torch.testing.assert_close(joints[0, 0, 1], torch.tensor([0.6, 0.0, 0.8], dtype=torch.float64) * math.log(2))
    assert torch.equal(joints[..., 0, :], torch.zeros_like(joints[..., 0, :]))


def official_chain_loop(attn, skeleton):
    """The official in-place HRST as a plain loop on nested lists: for each root-to-leaf chain and each
    consecutive (grand, parent, joint), attn[parent][joint] and attn[joint][parent] are each averaged
    with attn[grand][parent] as it stands at that moment."""
    a = [list(row) for row in attn]
    for chain in skeleton.chains:
        for i in range(len(chain) - 2):
            grand, parent, joint = chain[i], chain[i + 1], chain[i + 2]
            a[parent][joint] = (a[parent][joint] + a[grand][parent]) / 2
            a[joint][parent] = (a[joint][parent] + a[grand][parent]) / 2
    return a


def test_sequential_hrst_matches_the_official_chain_loop():
    assert set(H36M.chains) == {(0, 1, 2, 3), (0, 4, 5, 6), (0, 7, 8, 9, 10), (0, 7, 8, 11, 12, 13),
                                (0, 7, 8, 14, 15, 16)}  # the five root-to-leaf chains, by hand
    logits = torch.randn(3, 17, 17, dtype=torch.float64)
    out = hrst_logits_sequential(logits)
    for b in range(3):
        expected = torch.tensor(official_chain_loop(logits[b].tolist(), H36M), dtype=torch.float64)
        torch.testing.assert_close(out[b], expected, rtol=0, atol=1e-12)


def test_sequential_hrst_hand_example_reads_updated_entries():
    """On a chain a-b-c-d: A[1][2] = (A[1][2] + A[0][1]) / 2 = (6 + 1) / 2 = 3.5, then A[2][3] averages with
    the updated A[1][2]: (11 + 3.5) / 2 = 7.25 (Algorithm 1 would use the original 6: 8.5)."""
    chain = Skeleton(("a", "b", "c", "d"), (-1, 0, 1, 2))
    logits = torch.arange(16.0).reshape(4, 4)
    expected = logits.clone()
    expected[1, 2], expected[2, 1] = 3.5, (9 + 1) / 2
    expected[2, 3], expected[3, 2] = (11 + 3.5) / 2, (14 + 3.5) / 2
    torch.testing.assert_close(hrst_logits_sequential(logits, chain), expected)
    assert float(hrst_logits(logits, chain)[2, 3]) == 8.5
