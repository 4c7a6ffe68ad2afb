"""DDHPose's training objective (the paper's training section, Eq. 7-10) and each family member's
forward process.

Take ground-truth root-relative 3D poses, disentangle them into bone lengths and directions
(Eq. 1), noise both at a random t (Eq. 2-3), let the denoiser predict x̂_0 as 3D joints from
[2D, noisy direction, noisy length], and minimise L = L_pos + L_l + L_d on x̂_0
(``diffusion_loss``; the paper's form or the official code's). ``noisy_state`` is the forward
process of every member of the family (``profiles.FAMILY``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .bones import disentangle
from .diffusion import Schedule, bone_state, q_sample, q_sample_shifted
from .skeleton import H36M, Skeleton
from .starts import DETERMINISTIC, METHODS, GaussianMixture, ResidualGaussian

__all__ = ["LossWeights", "LOSS_FORMS", "diffusion_loss", "noisy_state", "draw_timesteps", "LARGE_T"]


LOSS_FORMS = ("paper", "official")


@dataclass(frozen=True)
class LossWeights:
    """Weights of L_pos, L_l and L_d, and which form of the loss (``diffusion_loss``)."""

    pose: float = 1.0
    length: float = 1.0
    direction: float = 1.0
    form: str = "paper"

    def __post_init__(self) -> None:
        if self.form not in LOSS_FORMS:
            raise ValueError(f"expected the loss form as one of {LOSS_FORMS}, got {self.form!r}")
        if min(self.pose, self.length, self.direction) < 0:
            raise ValueError(f"expected non-negative loss weights, got {self.pose}, {self.length}, {self.direction}")

    @classmethod
    def from_dict(cls, data: dict) -> "LossWeights":
        """From a checkpoint's config; older ones said ``length_loss="per_frame"`` for the paper form."""
        data = dict(data)
        legacy = data.pop("length_loss", None)
        if legacy is not None and "form" not in data:
            if legacy != "per_frame":
                raise ValueError(f"expected length_loss 'per_frame' in an old checkpoint config, got {legacy!r}")
            data["form"] = "paper"
        return cls(**data)


LARGE_T = 0.9
"""``draw_timesteps(large_t=p)``: a fraction p of the clips draws t from the last tenth of the
schedule, t >= 0.9 T, where x_t is almost pure noise and x̂_0 must come from the 2D alone."""


def draw_timesteps(batch: int, T: int, generator: torch.Generator, large_t: float = 0.0) -> torch.Tensor:
    """One diffusion time per clip, [batch] on the generator's device.

    ``large_t`` = 0 (the paper): t ~ U{0, ..., T-1}. ``large_t`` = p > 0: each clip with
    probability p draws t ~ U{⌈0.9 T⌉, ..., T-1} (``LARGE_T``), otherwise uniformly; so the share of
    t >= 0.9 T rises from 10 % to p + 0.1 (1 - p). The same generator draws, in this order: the
    uniform t, then (only when p > 0) the coin and the large t.
    """
    if not 0 <= large_t <= 1:
        raise ValueError(f"expected large_t in [0, 1], got {large_t!r}")
    t = torch.randint(0, T, (batch,), generator=generator, device=generator.device)
    if large_t > 0:
        low = math.ceil(LARGE_T * T)
        coin = torch.rand(batch, generator=generator, device=generator.device) < large_t
        late = torch.randint(low, T, (batch,), generator=generator, device=generator.device)
        t = torch.where(coin, late, t)
    return t


def diffusion_loss(model: nn.Module, keypoints_2d: torch.Tensor, poses_3d: torch.Tensor, schedule: Schedule,
                   generator: torch.Generator, weights: LossWeights = LossWeights(), clip: float = 0.0,
                   skeleton: Skeleton = H36M, method: str = "ddhpose", prior=None, large_t: float = 0.0):
    """One evaluation of the training objective on a batch [B, F, J, 2] / [B, F, J, 3] (root-relative).

    One t per clip, the bone state noised at t (Eq. 2-3; with ``clip`` > 0 the noisy state is
    clamped to ±clip, as the official code does with 1.1), x̂_0 = model(2D, noisy state, t) and:

    - ``form="paper"`` (Eq. 7-10, plain norms): L_pos = mean ‖ŷ − y‖ over joints and frames,
      L_l = mean |l̂ − l| over bones and frames, L_d = mean ‖d̂ − d‖.
    - ``form="official"`` (the official training loop): L_pos as above, L_l = mean over bones of
      (mean_f l̂ − mean_f l)² (frame-averaged lengths, squared), L_d = mean ‖d̂ − d‖², and the
      gradient is scaled by the loss value (``loss.backward(loss.detach())``): the objective to
      differentiate is L · stop_gradient(L).

    ``method`` (a member of ``FAMILY``) picks the noisy input (``noisy_state``); the loss is the
    same for every member. ``large_t``: more clips at t >= 0.9 T (``draw_timesteps``). Returns (objective, parts): backpropagate ``objective``; ``parts`` holds
    the detached values "loss" (L), "pose", "length" and "direction".
    """
    length, direction = disentangle(poses_3d, skeleton)
    if method == "ddhpose":  # the default path, unchanged
        t = draw_timesteps(poses_3d.shape[0], schedule.T, generator, large_t).to(poses_3d.device)
        noisy, _ = q_sample(bone_state(length, direction), t, schedule, seed=generator)  # Eq. 2-3
        if clip > 0:
            noisy = noisy.clamp(-clip, clip)
    else:
        noisy, t = noisy_state(method, poses_3d, schedule, generator, prior, skeleton, large_t)
    predicted = model(keypoints_2d, noisy, t)  # x̂_0 as joints
    pred_length, pred_direction = disentangle(predicted, skeleton)
    pose = (predicted - poses_3d).norm(dim=-1).mean()  # L_pos, MPJPE
    if weights.form == "official":
        length_error = (pred_length.mean(1) - length.mean(1)).square().mean()
        direction_error = (pred_direction - direction).square().sum(-1).mean()
    else:
        length_error = (pred_length - length).abs().mean()
        direction_error = (pred_direction - direction).norm(dim=-1).mean()
    loss = weights.pose * pose + weights.length * length_error + weights.direction * direction_error
    objective = loss * loss.detach() if weights.form == "official" else loss
    parts = {"loss": loss.detach(), "pose": pose.detach(), "length": length_error.detach(),
             "direction": direction_error.detach()}
    return objective, parts


def noisy_state(method: str, poses_3d: torch.Tensor, schedule: Schedule, generator: torch.Generator, prior=None,
                skeleton: Skeleton = H36M, large_t: float = 0.0):
    """The forward process of a family member on root-relative poses [B, F, J, 3]: (x_t, t).

    One t per clip. "ddhpose": bones (Eq. 2-3 on ``bone_state``); "joints": the non-root joints
    with Eq. 2-3 (D3DP); "gmm": ``q_sample_shifted`` towards a component drawn by its weight per
    (clip, frame) (DiffPose Eq. 6); "refine": ``q_sample_shifted`` towards a simulated
    bias-corrected base estimate m = y - σ ⊙ z (what ŷ_base + E[r | c] is under the residual
    model, since ŷ_base = y - r), with scale σ: so x_T ~ N(m, σ²) as at inference, where
    m = ŷ_base + E[r | c]. "regression": (None, None).
    """
    if method in DETERMINISTIC:
        return None, None
    t = draw_timesteps(poses_3d.shape[0], schedule.T, generator, large_t).to(poses_3d.device)
    if method == "ddhpose":
        return q_sample(bone_state(*disentangle(poses_3d, skeleton)), t, schedule, seed=generator)[0], t
    x0 = poses_3d[..., 1:, :]
    if method == "joints":
        return q_sample(x0, t, schedule, seed=generator)[0], t
    if method == "gmm":
        if not isinstance(prior, GaussianMixture):
            raise ValueError(f"expected a GaussianMixture prior for 'gmm', got {type(prior).__name__}")
        uniform = torch.rand(x0.shape[:2], generator=generator, device=generator.device, dtype=torch.float64)
        mean, scale = (v.to(x0) for v in prior.start(uniform.cpu()))
    elif method == "refine":
        if not isinstance(prior, ResidualGaussian):
            raise ValueError(f"expected a ResidualGaussian prior for 'refine', got {type(prior).__name__}")
        scale = prior.scale.reshape(prior.shape).to(x0)
        z = torch.randn(x0.shape, generator=generator, device=generator.device).to(x0)
        mean = x0 - scale * z
    else:
        raise ValueError(f"expected method as one of {METHODS}, got {method!r}")
    return q_sample_shifted(x0, t, schedule, mean, scale, seed=generator)[0], t
