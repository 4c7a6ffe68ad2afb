"""The multi-step sampler and the training input checked against independent references (issue 22).

The references below are written from the paper's / the official code's equations with plain torch
and the schedule's ᾱ values only: Eq. 1 is re-derived from the skeleton's parents (bone k ends at
joint k), the mirror from ``joints_left`` / ``joints_right``, and the DDIM loop, the forward process
and the losses by hand. No package helper (``bone_state``, ``disentangle``, ``mirror``,
``ddim_step``, ``q_sample``) is used to compute an expectation. The planted-bug tests prove that a
wrong bone layout or a wrong time index would make these comparisons fail.

The sampler's noise is matched, not re-implemented: without ``frame_index`` ``sample_poses`` draws
x_T and then each step's fresh noise as randn([H, B, F, 16, 4]) from one generator seeded with
``seed`` (``generator_noise``); with ``frame_index`` draw i is
``frame_noise(seed, i, range(H), frame_index, (16, 4))``. Only the noise is shared: the reference
does its own layout, batching (one hypothesis at a time), mirroring and DDIM arithmetic.
"""
from __future__ import annotations

import math
import sys

import pytest
import torch

from ddhpose_lite import diffusion, sampling
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser
from ddhpose_lite.sampling import frame_noise, sample_poses
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.train import LossWeights, diffusion_loss

SCHEDULE = Schedule.cosine()
ALPHA_BAR = SCHEDULE.alpha_bar  # float64 [T]
PARENTS = H36M.parents
SWAP = list(range(H36M.num_joints))  # joint -> its left/right twin
for _left, _right in zip(H36M.joints_left, H36M.joints_right):
    SWAP[_left], SWAP[_right] = _right, _left
H, B, F = 2, 3, 5  # hypotheses, clips, frames


# ------------------------------------------------------------------ hand-written references

def bones_by_hand(pose: torch.Tensor) -> torch.Tensor:
    """Eq. 1 from the parents: joints [..., 17, 3] -> bone state [..., 16, 4] = (direction, length)."""
    vectors = torch.stack([pose[..., k, :] - pose[..., PARENTS[k], :] for k in range(1, 17)], -2)
    length = vectors.norm(dim=-1, keepdim=True)
    return torch.cat([vectors / length, length], -1)


def mirror_joints(x: torch.Tensor) -> torch.Tensor:
    """Left/right twins swap, x negated: 2D keypoints or 3D joints [..., 17, C]."""
    out = x[..., SWAP, :].clone()
    out[..., 0] = -out[..., 0]
    return out


def mirror_bone_state(state: torch.Tensor) -> torch.Tensor:
    """Bone k (slot k-1) ends at joint k, so its mirror image is the bone ending at SWAP[k], with
    direction x negated; the length (channel 3) is only moved."""
    out = state[..., [SWAP[k] - 1 for k in range(1, 17)], :].clone()
    out[..., 0] = -out[..., 0]
    return out


def reference_sampler(model, kp, steps: int, noise, eta: float = 1.0, flip: bool = False) -> torch.Tensor:
    """The official DDHPose DDIM sampler transcribed: x̂_0 of every step [K, H, B, F, 17, 3].

    ``noise(i)`` is draw i, [H, B, F, 16, 4]: i = 0 is x_T, i = 1, 2, ... the fresh noise of the
    steps that add some. Each hypothesis is denoised on its own (no batching of hypotheses).
    """
    T = len(ALPHA_BAR)
    times = torch.linspace(-1, T - 1, steps + 1).int().tolist()[::-1]
    x, poses = noise(0), []
    for i, (t, t_next) in enumerate(zip(times[:-1], times[1:])):
        with torch.no_grad():
            per_hypothesis = []
            for h in range(H):
                time = torch.full((B,), t, dtype=torch.long)
                pred = model(kp, x[h], time)
                if flip:
                    back = mirror_joints(model(mirror_joints(kp), mirror_bone_state(x[h]), time))
                    pred = (pred + back) / 2
                per_hypothesis.append(pred)
        x0 = torch.stack(per_hypothesis)
        poses.append(x0)
        if t_next < 0:  # the last step returns x̂_0 itself
            break
        x0_bones = bones_by_hand(x0)
        a, a_next = ALPHA_BAR[t].item(), ALPHA_BAR[t_next].item()
        eps = (x - math.sqrt(a) * x0_bones) / math.sqrt(1 - a)
        sigma = eta * math.sqrt((1 - a_next) / (1 - a)) * math.sqrt(1 - a / a_next)
        # 1 - ᾱ_next - σ² = (1 - ᾱ_next)² ᾱ_t / ((1 - ᾱ_t) ᾱ_next) >= 0; max() only absorbs rounding
        x = math.sqrt(a_next) * x0_bones + math.sqrt(max(1 - a_next - sigma**2, 0.0)) * eps
        if eta > 0:
            x = x + sigma * noise(i + 1)
    return torch.stack(poses)


# ------------------------------------------------------------------ the tiny model and inputs

@pytest.fixture(scope="module")
def model() -> HSTDenoiser:
    """A randomly initialised tiny denoiser with weights perturbed far from the small init, so that
    its output depends strongly on the noisy bones (checked in the first test)."""
    torch.manual_seed(22)
    net = HSTDenoiser(DenoiserConfig(frames=F, width=16, depth=2, heads=2)).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return net


@pytest.fixture(scope="module")
def kp() -> torch.Tensor:
    """3 clips of random 2D keypoints (all different, so a clip/hypothesis mix-up shows)."""
    return torch.randn(B, F, 17, 2, generator=torch.Generator().manual_seed(5)) * 0.4


def generator_noise(seed: int):
    """The noise of ``sample_poses`` without ``frame_index``: one generator seeded with ``seed``,
    x_T then each step's fresh noise drawn in turn as randn([H, B, F, 16, 4]) (float32)."""
    generator = torch.Generator().manual_seed(seed)
    return lambda i: torch.randn((H, B, F, 16, 4), generator=generator)


def check_sampler(model, kp, eta=1.0, max_tokens=None, seed=7):
    """assert sample_poses (3 steps, no flip) == the reference with the same noise."""
    got = sample_poses(model, kp, SCHEDULE, hypotheses=H, iterations=3, seed=seed, eta=eta, flip=False,
                       max_tokens=max_tokens)
    want = reference_sampler(model, kp, 3, generator_noise(seed), eta=eta)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


FRAME_INDEX = torch.arange(F) + 2 * torch.arange(B)[:, None]  # clip b shows sequence frames 2b .. 2b + 4


def check_flip_sampler(model, kp, seed=11):
    """assert sample_poses (3 steps, flip, frame_index) == the reference with the same noise."""
    got = sample_poses(model, kp, SCHEDULE, hypotheses=H, iterations=3, seed=seed, flip=True, frame_index=FRAME_INDEX)
    want = reference_sampler(model, kp, 3, lambda i: frame_noise(seed, i, range(H), FRAME_INDEX, (16, 4)), flip=True)
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


def test_tiny_model_reads_its_noisy_input(model, kp):
    """The test model is sensitive to the noisy bones, to their channel layout and to t: a layout
    or time-index bug therefore changes its prediction (else the references could not catch it)."""
    x = torch.randn(B, F, 16, 4, generator=torch.Generator().manual_seed(1))
    t = torch.full((B,), 500)
    with torch.no_grad():
        base = model(kp, x, t)
        length_first = model(kp, x[..., [3, 0, 1, 2]], t)
        other_noise = model(kp, torch.randn(x.shape, generator=torch.Generator().manual_seed(2)), t)
        other_time = model(kp, x, torch.full((B,), 100))
    for changed in (length_first, other_noise, other_time):
        assert (changed - base).abs().max() > 0.05


@pytest.mark.parametrize("eta, max_tokens", [(1.0, None), (0.0, None), (1.0, F * 17)])
def test_sampler_matches_the_reference(model, kp, eta, max_tokens):
    """``sample_poses`` for 3 DDIM steps, 2 hypotheses and 3 clips equals the hand-written official
    sampler, every step's x̂_0, with eta 1 (fresh noise) and 0 (deterministic), in one batch and in
    passes of one clip (``max_tokens``): bone layout, time pairs, ε̂ / σ, and the hypothesis-major
    batching of 2D condition and state all agree."""
    check_sampler(model, kp, eta, max_tokens)


def test_flip_sampler_with_frame_noise_matches_the_reference(model, kp):
    """With ``flip`` the sampler equals the reference that runs the mirrored 2D with the mirrored
    noisy bones and averages the mirrored-back prediction; with ``frame_index`` the noise is matched
    by drawing ``frame_noise(seed, draw, range(H), frame_index, (16, 4))`` for draws 0 (x_T), 1, 2
    (overlapping clips: clip 1 starts at frame 2, clip 2 at frame 4); that noise is checked to be
    shared by clips showing the same sequence frame and to differ between frames."""
    check_flip_sampler(model, kp)
    x_T = frame_noise(11, 0, range(H), FRAME_INDEX, (16, 4))
    assert torch.equal(x_T[:, 0, 2:], x_T[:, 1, :3]) and not torch.equal(x_T[:, 0, :3], x_T[:, 0, 2:])
    got = sample_poses(model, kp, SCHEDULE, hypotheses=H, iterations=3, seed=11, flip=True, frame_index=FRAME_INDEX)
    unflipped = sample_poses(model, kp, SCHEDULE, hypotheses=H, iterations=3, seed=11, frame_index=FRAME_INDEX)
    assert (unflipped - got).abs().max() > 0.05  # flip really changes the result


def test_planted_length_first_sampler_is_caught(model, kp, monkeypatch):
    """Planted bug 1: the sampler builds the bone state length-first; the reference test fails,
    by a wide margin, from the second step on."""
    monkeypatch.setattr(sampling, "bone_state", lambda length, direction: torch.cat([length, direction], -1))
    with pytest.raises(AssertionError):
        check_sampler(model, kp)
    got = sample_poses(model, kp, SCHEDULE, hypotheses=H, iterations=3, seed=7, flip=False)
    want = reference_sampler(model, kp, 3, generator_noise(7))
    assert torch.allclose(got[0], want[0], atol=1e-4)  # x_T and the first x̂_0 are unchanged
    assert (got[1:] - want[1:]).abs().max() > 0.05


def test_planted_unmirrored_noisy_bones_under_flip_are_caught(model, kp, monkeypatch):
    """A flip bug of the same kind: the mirrored 2D gets the noisy bones un-mirrored (``mirror``
    leaves bone states [.., 16, 4] alone); the flip reference test fails."""
    real = sampling.mirror
    monkeypatch.setattr(sampling, "mirror", lambda x, skeleton: x if x.shape[-2] == 16 else real(x, skeleton))
    with pytest.raises(AssertionError):
        check_flip_sampler(model, kp)


@pytest.mark.parametrize("K", [1, 5, 10, 26, 30])
def test_time_pairs_are_the_official_float32_cast(K):
    """The official samplers (DiffusionDet -> D3DP -> DDHPose) take
    ``torch.linspace(-1, T - 1, steps=K + 1)`` in the default float32 and ``.int()`` it; at T = 1000
    this gives 498 for K = 26 (499 exactly, 498.99997 in float32) and 499 for K = 30, where
    ``ddim_time_pairs`` (float64) gives 499 and 498. Every K <= 25 agrees."""
    times = torch.linspace(-1, 999, K + 1).int().tolist()[::-1]
    assert diffusion.ddim_time_pairs(1000, K) == list(zip(times[:-1], times[1:]))
    if K == 26:
        assert 498 in times and 499 not in times  # the float32 truncation, by hand above


# ------------------------------------------------------------------ the training objective

class Recorder(torch.nn.Module):
    """A stand-in denoiser returning a fixed prediction and saving what it was called with."""

    def __init__(self, prediction: torch.Tensor) -> None:
        super().__init__()
        self.prediction, self.calls = prediction, []

    def forward(self, keypoints_2d, noisy, t):
        self.calls.append((keypoints_2d.clone(), noisy.clone(), t.clone()))
        return self.prediction


def _batch(seed: int = 3, batch: int = 8):
    g = torch.Generator().manual_seed(seed)
    poses = 0.3 * torch.randn(batch, F, 17, 3, generator=g)
    poses[..., 0, :] = 0  # root-relative
    predicted = 0.3 * torch.randn(batch, F, 17, 3, generator=g)
    predicted[..., 0, :] = 0
    return torch.randn(batch, F, 17, 2, generator=g), poses, predicted


def check_noisy_input(seed: int = 3):
    """assert diffusion_loss's (2D, x_t, t) == the hand forward process with a replayed generator:
    t = randint(0, T, (B,)), then ε = randn([B, F, 16, 4]), x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε."""
    kp, poses, predicted = _batch(seed)
    model, generator = Recorder(predicted), torch.Generator().manual_seed(seed)
    replay = torch.Generator().set_state(generator.get_state())
    diffusion_loss(model, kp, poses, SCHEDULE, generator)
    (seen_kp, noisy, t), = model.calls
    t_hand = torch.randint(0, len(ALPHA_BAR), (len(poses),), generator=replay)
    eps = torch.randn((len(poses), F, 16, 4), generator=replay)
    a = ALPHA_BAR[t_hand].reshape(-1, 1, 1, 1)
    x_t = (a.sqrt() * bones_by_hand(poses).double() + (1 - a).sqrt() * eps.double()).float()
    assert torch.equal(seen_kp, kp) and torch.equal(t, t_hand)
    torch.testing.assert_close(noisy, x_t, rtol=1e-5, atol=1e-6)


def test_training_noisy_input_is_the_forward_process_by_hand():
    """The model sees x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε of the (direction, length) bone state at exactly
    the t it is told, with t and ε drawn in that order from the caller's generator."""
    check_noisy_input()


@pytest.mark.parametrize("form", ["paper", "official"])
def test_loss_parts_match_hand_formulas(form):
    """On a fixed prediction the parts are: pose = mean ‖ŷ − y‖; paper: length = mean |l̂ − l|,
    direction = mean ‖d̂ − d‖; official: length = mean over clips and bones of
    (mean_f l̂ − mean_f l)², direction = mean ‖d̂ − d‖²; loss = weighted sum, and the objective is
    L (paper) or L·L (official, the value of L · stop_gradient(L))."""
    kp, poses, predicted = _batch(4)
    weights = LossWeights(pose=0.7, length=1.3, direction=0.4, form=form)
    objective, parts = diffusion_loss(Recorder(predicted), kp, poses, SCHEDULE, torch.Generator().manual_seed(0),
                                      weights)
    mine, truth = bones_by_hand(predicted), bones_by_hand(poses)
    pose = (predicted - poses).norm(dim=-1).mean()
    if form == "paper":
        length = (mine[..., 3] - truth[..., 3]).abs().mean()
        direction = (mine[..., :3] - truth[..., :3]).norm(dim=-1).mean()
    else:
        length = (mine[..., 3].mean(1) - truth[..., 3].mean(1)).square().mean()
        direction = (mine[..., :3] - truth[..., :3]).square().sum(-1).mean()
    loss = 0.7 * pose + 1.3 * length + 0.4 * direction
    for name, value in (("pose", pose), ("length", length), ("direction", direction), ("loss", loss)):
        torch.testing.assert_close(parts[name], value, rtol=1e-5, atol=1e-6, msg=name)
    torch.testing.assert_close(objective.detach(), loss if form == "paper" else loss * loss, rtol=1e-5, atol=1e-6)


def _objective_module():
    """The module whose globals ``diffusion_loss`` reads (train today, objective after the move)."""
    return sys.modules[diffusion_loss.__module__]


def test_planted_length_first_training_is_caught(monkeypatch):
    """Planted bug 2: training builds the bone state length-first; the hand check fails."""
    monkeypatch.setattr(_objective_module(), "bone_state", lambda length, direction: torch.cat([length, direction], -1))
    with pytest.raises(AssertionError):
        check_noisy_input()


def test_planted_reversed_time_training_is_caught(monkeypatch):
    """Planted bug 3: training noises the bones at T−1−t while telling the model t; the hand
    check fails (the recorded t is right, the noise level is not)."""
    def reversed_time(x0, t, schedule, seed=0, noise=None):
        return diffusion.q_sample(x0, schedule.T - 1 - t, schedule, seed=seed, noise=noise)

    monkeypatch.setattr(_objective_module(), "q_sample", reversed_time)
    with pytest.raises(AssertionError):
        check_noisy_input()
