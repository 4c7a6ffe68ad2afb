"""DDHPose's reverse process: 2D keypoints -> 3D pose hypotheses (paper Fig. 5, Eq. 4).

H hypotheses of bone states start as N(0, I). At each of the K DDIM steps the denoiser predicts
x̂_0 as 3D joints from [2D, noisy direction, noisy length]; x̂_0 is disentangled again (Eq. 1)
into the bone state that the DDIM update (Eq. 4) works on, and the last step returns x̂_0 itself.
All clips, hypotheses (and their mirror images, for test-time flip) form one batch per step.
Training (validation) and the lifter both sample through ``sample_poses``.

The other members of the family (``train.FAMILY``) sample through the same function:
``method="joints"`` runs the same DDIM on root-relative joints (D3DP), ``"gmm"`` and ``"refine"``
start from their fitted start distribution (``starts``) and step with the shifted DDIM update
(``diffusion.ddim_step_shifted``), ``"regression"`` is one forward pass (every iteration and
hypothesis the same pose), and so is ``"baseline"`` (the single-frame MLP of ``baseline``).
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from ._tensors import check_int
from .bones import disentangle, mirror
from .diffusion import Schedule, bone_state, ddim_sample
from .starts import DETERMINISTIC, METHODS, NOISY_INPUT, GaussianMixture, ResidualGaussian

__all__ = ["sample_poses", "denoise", "frame_noise", "method_of", "regress", "CPU_TOKENS_PER_PASS", "NOISE_BLOCK",
           "COMPONENT_DRAW"]

CPU_TOKENS_PER_PASS = 8192
"""On the CPU a batch goes through the denoiser in passes of at most this many tokens (clips x
frames x joints), so that a pass's attention maps stay in the processor's cache and freed buffers
are reused (0.71-0.94x the time of one pass over a whole lift; docs/performance.md). GPUs take
the whole batch at once."""


def denoise(model, keypoints_2d: torch.Tensor, noisy_bones: torch.Tensor, t: torch.Tensor,
            max_tokens: int | None = None) -> torch.Tensor:
    """``model(keypoints_2d, noisy_bones, t)`` in passes of at most ``max_tokens`` tokens
    (default: ``CPU_TOKENS_PER_PASS`` on the CPU, everything at once elsewhere)."""
    if max_tokens is None and keypoints_2d.device.type == "cpu":
        max_tokens = CPU_TOKENS_PER_PASS
    if max_tokens is not None:
        check_int(max_tokens, "max_tokens", low=1)
    clips = len(keypoints_2d) if max_tokens is None else max(1, max_tokens // math.prod(keypoints_2d.shape[1:3]))
    if clips >= len(keypoints_2d):
        return model(keypoints_2d, noisy_bones, t)
    if noisy_bones is None:  # regression: no state, no time
        return torch.cat([model(part, None, None) for part in keypoints_2d.split(clips)])
    parts = zip(keypoints_2d.split(clips), noisy_bones.split(clips), t.split(clips))
    return torch.cat([model(*part) for part in parts])


NOISE_BLOCK = (16, 256)
"""Hypotheses x sequence frames drawn by one generator in ``frame_noise``."""


def frame_noise(seed: int, step: int, hypotheses: range, frame_index: torch.Tensor, tail: tuple[int, ...]) -> torch.Tensor:
    """Noise [len(hypotheses), *frame_index.shape, *tail] that is a fixed function of (seed, DDIM
    draw ``step``, hypothesis, sequence frame): clips that show the same frame get the same noise,
    and lifting in chunks of hypotheses or windows draws exactly what one batch would.

    The (hypothesis, frame) plane is cut into blocks of ``NOISE_BLOCK``; each block has its own
    generator, seeded from (seed, step, block) through numpy's SeedSequence.
    """
    size_h, size_f = NOISE_BLOCK
    rows = frame_index.to(torch.long)
    out = torch.empty((len(hypotheses), *rows.shape, *tail))
    frame_blocks = torch.unique(rows // size_f).tolist()
    first, stop = hypotheses.start, hypotheses.stop
    for block_h in range(first // size_h, (stop - 1) // size_h + 1):
        low, high = max(first, block_h * size_h), min(stop, (block_h + 1) * size_h)
        for block_f in frame_blocks:
            state = np.random.SeedSequence([seed, step, block_h, block_f]).generate_state(1, dtype=np.uint64)[0]
            z = torch.randn((size_h, size_f, *tail), generator=torch.Generator().manual_seed(int(state) >> 1))
            inside = rows // size_f == block_f
            picked = z[low - block_h * size_h:high - block_h * size_h][:, rows[inside] % size_f]
            out[low - first:high - first][:, inside] = picked
    return out


COMPONENT_DRAW = 10_000
"""The ``frame_noise`` draw number of the GMM start's component choice (DDIM draws are 0..K)."""


def method_of(model, prior=None) -> str:
    """The family member a denoiser (and its fitted start distribution) implements: from
    ``model.config.noisy_input`` and the prior's kind."""
    kind = model.config.noisy_input
    if kind == "bones":
        return "ddhpose"
    if kind == "none":
        return "baseline" if model.config.architecture == "mlp" else "regression"
    return "gmm" if isinstance(prior, GaussianMixture) else "refine" if isinstance(prior, ResidualGaussian) else "joints"


def regress(model, keypoints_2d: torch.Tensor, flip: bool = False, max_tokens: int | None = None) -> torch.Tensor:
    """One forward pass of a regression model (``noisy_input="none"``): [B, F, J, 2] -> [B, F, J, 3];
    ``flip`` averages with the mirrored-back prediction on the mirrored input."""
    skeleton = model.config.skeleton
    with torch.inference_mode():
        if not flip:
            return denoise(model, keypoints_2d, None, None, max_tokens).clone()
        both = denoise(model, torch.cat([keypoints_2d, mirror(keypoints_2d, skeleton)]), None, None, max_tokens)
        direct, mirrored = both.chunk(2)
        return ((direct + mirror(mirrored, skeleton)) / 2).clone()


def _flip_averaged_x0(model, condition: torch.Tensor, flat: torch.Tensor, t: int, flip: bool,
                      max_tokens: int | None) -> torch.Tensor:
    """x̂₀ of the noisy ``flat`` states at time ``t``; with ``flip`` (``condition`` then holds the
    mirrored 2D after the direct 2D) the mean of the direct and the mirrored-back prediction."""
    skeleton = model.config.skeleton
    if flip:
        flat = torch.cat([flat, mirror(flat, skeleton)])
    x0 = denoise(model, condition, flat, torch.full((flat.shape[0],), t, device=flat.device), max_tokens)
    if not flip:
        return x0
    direct, mirrored = x0.chunk(2)
    return (direct + mirror(mirrored, skeleton)) / 2


def sample_poses(model, keypoints_2d: torch.Tensor, schedule: Schedule, hypotheses: int = 1, iterations: int = 1,
                 seed=0, eta: float = 1.0, flip: bool = False, max_tokens: int | None = None,
                 frame_index: torch.Tensor | None = None, first_hypothesis: int = 0, method: str | None = None,
                 prior=None, base=None) -> torch.Tensor:
    """keypoints_2d [B, F, J, 2] -> x̂_0 of every iteration and hypothesis [K, H, B, F, J, 3].

    ``flip``: test-time augmentation; the mirrored input (and mirrored noisy bones) runs in the
    same batch and its mirrored-back prediction is averaged with the direct one. ``max_tokens``:
    see ``denoise``. The skeleton is the model's (``model.config.skeleton``).

    ``frame_index`` [B, F] (optional): which frame of one long sequence each clip frame shows.
    The noise (x_T and every step's fresh noise) is then ``frame_noise``: drawn once per sequence
    frame and shared by all clips that show it, so hypothesis h is one draw across overlapping
    windows, and a fixed function of (int ``seed``, hypothesis, frame), so that hypotheses
    ``first_hypothesis`` .. + ``hypotheses`` - 1 of a lift can be sampled in separate calls.

    With ``model.config.clip`` > 0 the sampler clamps as the official code: the network sees x_t
    clamped, the predicted joints are clamped to ±clip and their bones are the x̂_0 of the update,
    while ε̂ comes from the unclamped x_t and the (clamped) bones of the unclamped joints.

    ``method`` (default: ``method_of(model, prior)``) picks the family member; ``prior`` is its
    fitted start distribution (``starts.GaussianMixture`` for "gmm", ``starts.ResidualGaussian``
    for "refine") and ``base`` the refinement's base estimator (a regression model).
    """
    skeleton = model.config.skeleton
    joints = skeleton.num_joints
    if keypoints_2d.ndim != 4 or keypoints_2d.shape[-2:] != (joints, 2):
        raise ValueError(f"expected keypoints_2d of shape [B, F, {joints}, 2], got {list(keypoints_2d.shape)}")
    check_int(hypotheses, "hypotheses", low=1)
    check_int(iterations, "iterations", low=1)
    method = method_of(model, prior) if method is None else method
    _check_method(method, model, prior, base)
    batch, frames = keypoints_2d.shape[:2]
    if method in DETERMINISTIC:
        pose = regress(model, keypoints_2d, flip, max_tokens)
        return pose.expand(iterations, hypotheses, *pose.shape).clone()
    if method != "ddhpose":
        return _sample_joints(model, keypoints_2d, schedule, hypotheses, iterations, seed, eta, flip, max_tokens,
                              frame_index, first_hypothesis, method, prior, base)
    condition = keypoints_2d.repeat(hypotheses, 1, 1, 1)  # all hypotheses in one batch
    if flip:
        condition = torch.cat([condition, mirror(condition, skeleton)])
    clip = model.config.clip or None
    poses = []

    def predict_x0(state: torch.Tensor, t: int):
        flat = state.reshape(hypotheses * batch, frames, joints - 1, 4)
        x0 = _flip_averaged_x0(model, condition, flat, t, flip, max_tokens)
        bones = bone_state(*disentangle(x0, skeleton)).reshape(state.shape)
        if clip is None:
            poses.append(x0.reshape(hypotheses, batch, frames, joints, 3))
            return bones
        clamped = x0.clamp(-clip, clip)
        poses.append(clamped.reshape(hypotheses, batch, frames, joints, 3))
        return bone_state(*disentangle(clamped, skeleton)).reshape(state.shape), bones

    noise = _shared_noise(frame_index, seed, first_hypothesis, hypotheses, batch, frames, (joints - 1, 4))
    with torch.inference_mode():  # no autograd bookkeeping at all (a little faster than no_grad)
        ddim_sample(predict_x0, (batch, frames, joints - 1, 4), schedule, steps=iterations, hypotheses=hypotheses,
                    eta=eta, seed=seed, clip=clip, dtype=keypoints_2d.dtype, device=keypoints_2d.device, noise=noise)
        stacked = torch.stack(poses)
    return stacked.clone()  # a normal tensor again (inference tensors refuse in-place use later)


def _check_method(method: str, model, prior, base) -> None:
    if method not in METHODS:
        raise ValueError(f"expected method as one of {METHODS}, got {method!r}")
    if NOISY_INPUT[method] != model.config.noisy_input:
        raise ValueError(f"expected a model with noisy_input={NOISY_INPUT[method]!r} for method {method!r}, "
                         f"got {model.config.noisy_input!r}")
    wanted = {"gmm": GaussianMixture, "refine": ResidualGaussian}.get(method)
    if wanted is not None and not isinstance(prior, wanted):
        raise ValueError(f"expected a {wanted.__name__} prior for method {method!r}, got {type(prior).__name__}")
    if method == "refine" and (base is None or base.config.noisy_input != "none"):
        raise ValueError(f"expected a regression model (noisy_input='none') as the base of 'refine', got {base!r}")


def _shared_noise(frame_index, seed, first_hypothesis: int, hypotheses: int, batch: int, frames: int, tail):
    """A ``noise(generator)`` for ``ddim_sample`` drawing ``frame_noise`` (None without frame_index)."""
    if frame_index is None:
        return None
    if tuple(frame_index.shape) != (batch, frames):
        raise ValueError(f"expected frame_index of shape [{batch}, {frames}], got {list(frame_index.shape)}")
    check_int(seed, "seed (an int, to share noise across windows)", low=0)
    span, draws = range(first_hypothesis, first_hypothesis + hypotheses), itertools.count()

    def noise(generator: torch.Generator) -> torch.Tensor:
        return frame_noise(seed, next(draws), span, frame_index.cpu(), tail)

    return noise


def _gmm_uniforms(seed, hypotheses: int, batch: int, frames: int, frame_index, first_hypothesis: int) -> torch.Tensor:
    """Uniforms [H, B, F] choosing each (hypothesis, frame)'s mixture component: Φ(z) of a normal
    from ``frame_noise`` (draw ``COMPONENT_DRAW``) with frame_index, else from a generator seeded
    with (seed, ``COMPONENT_DRAW``)."""
    if frame_index is not None:
        span = range(first_hypothesis, first_hypothesis + hypotheses)
        z = frame_noise(seed, COMPONENT_DRAW, span, frame_index.cpu(), (1,))[..., 0]
    else:
        state = np.random.SeedSequence([int(seed) if isinstance(seed, int) else 0, COMPONENT_DRAW]).generate_state(1)[0]
        z = torch.randn((hypotheses, batch, frames), generator=torch.Generator().manual_seed(int(state)))
    return (0.5 * (1 + torch.erf(z.double() / math.sqrt(2)))).clamp(0, 1 - 1e-12)


def _sample_joints(model, keypoints_2d, schedule, hypotheses, iterations, seed, eta, flip, max_tokens, frame_index,
                   first_hypothesis, method, prior, base) -> torch.Tensor:
    """The joint-space members: the state is the root-relative non-root joints [H, B, F, J-1, 3];
    "joints" starts from N(0, I), "gmm" from the mixture, "refine" from the base estimate plus
    the residual Gaussian (``starts``), both with the shifted DDIM step."""
    skeleton = model.config.skeleton
    joints = skeleton.num_joints
    batch, frames = keypoints_2d.shape[:2]
    condition = keypoints_2d.repeat(hypotheses, 1, 1, 1)
    if flip:
        condition = torch.cat([condition, mirror(condition, skeleton)])
    poses = []

    def predict_x0(state: torch.Tensor, t: int) -> torch.Tensor:
        flat = state.reshape(hypotheses * batch, frames, joints - 1, 3)
        x0 = _flip_averaged_x0(model, condition, flat, t, flip, max_tokens)
        poses.append(x0.reshape(hypotheses, batch, frames, joints, 3))
        return x0[..., 1:, :].reshape(state.shape)

    start = None
    if method == "gmm":
        uniforms = _gmm_uniforms(seed, hypotheses, batch, frames, frame_index, first_hypothesis)
        start = prior.start(uniforms)
    elif method == "refine":
        estimate = regress(base, keypoints_2d, flip, max_tokens)[..., 1:, :]  # [B, F, J-1, 3]
        start = prior.start(estimate, keypoints_2d)
    if start is not None:
        start = tuple(v.to(keypoints_2d.device) for v in start)
    noise = _shared_noise(frame_index, seed, first_hypothesis, hypotheses, batch, frames, (joints - 1, 3))
    with torch.inference_mode():
        ddim_sample(predict_x0, (batch, frames, joints - 1, 3), schedule, steps=iterations, hypotheses=hypotheses,
                    eta=eta, seed=seed, dtype=keypoints_2d.dtype, device=keypoints_2d.device, noise=noise, start=start)
        stacked = torch.stack(poses)
    return stacked.clone()
