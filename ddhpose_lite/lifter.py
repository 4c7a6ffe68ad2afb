"""Inference: 2D keypoints -> 3D pose hypotheses with the trained denoiser (paper Fig. 5).

``sample_poses`` is DDHPose's sampler: H hypotheses of bone states start as N(0, I); at each of
the K DDIM steps (Eq. 4) the denoiser predicts x̂_0 as joints, which are disentangled again
(Eq. 1) into the bone state that the DDIM update works on. The last step returns x̂_0 itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ._tensors import as_torch, check_finite
from .bones import disentangle
from .diffusion import Schedule, bone_state, ddim_sample
from .datasets import window_starts
from .model import HSTDenoiser
from .skeleton import H36M, Skeleton

__all__ = ["sample_poses", "Lifter", "LiftResult", "load_pretrained"]


def flip_bone_state(state: torch.Tensor, skeleton: Skeleton = H36M) -> torch.Tensor:
    """Mirror a bone state [..., 16, 4]: bones swap sides, directions get x -> -x."""
    perm = [skeleton.flip_permutation[k + 1] - 1 for k in range(skeleton.num_bones)]
    out = state[..., perm, :].clone()
    out[..., 0] = -out[..., 0]
    return out


@torch.no_grad()
def sample_poses(model, keypoints_2d: torch.Tensor, schedule: Schedule, hypotheses: int = 1, iterations: int = 1,
                 seed=0, eta: float = 1.0, flip: bool = False) -> torch.Tensor:
    """keypoints_2d [B, F, 17, 2] -> x̂_0 of every iteration and hypothesis [K, H, B, F, 17, 3].

    ``flip``: test-time augmentation; the mirrored input (and mirrored noisy bones) runs in the
    same forward pass and its mirrored-back prediction is averaged with the direct one.
    """
    if keypoints_2d.ndim != 4 or keypoints_2d.shape[-2:] != (17, 2):
        raise ValueError(f"expected keypoints_2d of shape [B, F, 17, 2], got {list(keypoints_2d.shape)}")
    batch, frames = keypoints_2d.shape[:2]
    condition = keypoints_2d.repeat(hypotheses, 1, 1, 1)  # hypotheses batched into one forward pass
    if flip:
        condition = torch.cat([condition, mirror(condition)])
    poses = []

    def predict_x0(state: torch.Tensor, t: int) -> torch.Tensor:
        flat = state.reshape(hypotheses * batch, frames, 16, 4)
        if flip:
            flat = torch.cat([flat, flip_bone_state(flat)])
        joints = model(condition, flat, torch.full((flat.shape[0],), t, device=state.device))
        if flip:
            direct, mirrored = joints.chunk(2)
            joints = (direct + mirror(None, mirrored)[1]) / 2
        poses.append(joints.reshape(hypotheses, batch, frames, 17, 3))
        length, direction = disentangle(joints)
        return bone_state(length, direction).reshape(state.shape)

    ddim_sample(predict_x0, (batch, frames, 16, 4), schedule, steps=iterations, hypotheses=hypotheses, eta=eta,
                seed=seed, dtype=keypoints_2d.dtype, device=keypoints_2d.device)
    return torch.stack(poses)


def mirror(keypoints_2d=None, poses_3d=None):
    """``datasets.flip`` for one or both; with only keypoints returns the mirrored keypoints."""
    from .datasets import flip

    flipped = flip(keypoints_2d, poses_3d)
    return flipped[0] if poses_3d is None else flipped


def window_weights(frames: int) -> torch.Tensor:
    """Blending weights of one window [frames]: a tent, highest in the middle, never zero."""
    position = (torch.arange(frames, dtype=torch.float64) + 0.5) / frames
    return 1 - (2 * position - 1).abs() * 0.98


ASSET = Path(__file__).resolve().parent / "assets" / "ddhpose_small.pt"


@dataclass
class LiftResult:
    """Every x̂_0 of a lift: poses [K, H, F, 17, 3] (iterations, hypotheses, frames), root-relative metres."""

    poses: torch.Tensor
    keypoints_2d: torch.Tensor

    def p_agg(self) -> torch.Tensor:
        """P-Agg: the mean pose over hypotheses of the last iteration, [F, 17, 3]."""
        return self.poses[-1].mean(0)


class Lifter:
    """A trained denoiser with its diffusion schedule: 2D keypoint sequences -> 3D hypotheses."""

    def __init__(self, model: HSTDenoiser, schedule: Schedule | None = None) -> None:
        self.model = model.eval()
        self.schedule = schedule or Schedule.cosine()

    @property
    def frames(self) -> int:
        return self.model.config.frames

    def lift(self, keypoints_2d, hypotheses: int = 5, iterations: int = 5, seed=0, flip: bool = False,
             eta: float = 1.0) -> LiftResult:
        """keypoints_2d [F, 17, 2] (normalised screen coordinates, any F >= 1) -> LiftResult.

        Long sequences are cut into windows of the model's frame count overlapping by half, all
        lifted in one batch per DDIM step, and blended with tent weights (normalised per frame,
        so every frame's weights sum to 1); a short sequence is padded by repeating its edges.
        """
        kp, _ = as_torch(keypoints_2d, "keypoints_2d")
        if kp.ndim != 3 or kp.shape[-2:] != (17, 2) or kp.shape[0] < 1:
            raise ValueError(f"expected keypoints_2d of shape [F, 17, 2] with F >= 1, got {list(kp.shape)}")
        check_finite(kp, "keypoints_2d")
        for name, value in (("hypotheses", hypotheses), ("iterations", iterations)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"expected {name} as an int >= 1, got {value!r}")
        device = next(self.model.parameters()).device
        rows, weights = self.windows(kp.shape[0])
        clips = kp.float()[rows].to(device)  # [W, N, 17, 2]
        poses = sample_poses(self.model, clips, self.schedule, hypotheses, iterations, seed, eta, flip).cpu()
        return LiftResult(poses=blend(poses, rows, weights, kp.shape[0]), keypoints_2d=kp)

    def windows(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Frame indices [W, N] of the windows over a sequence and their blending weights [W, N]
        (zero on replicated edge frames)."""
        n = self.frames
        starts = window_starts(length, n, max(1, n // 2))
        positions = torch.tensor(starts).unsqueeze(1) + torch.arange(n)
        real = (positions >= 0) & (positions < length)
        weights = window_weights(n).expand(len(starts), n) * real
        return positions.clamp(0, length - 1), weights


def blend(poses: torch.Tensor, rows: torch.Tensor, weights: torch.Tensor, length: int) -> torch.Tensor:
    """Window predictions [..., W, N, 17, 3] -> [..., F, 17, 3], weights normalised per frame."""
    lead = poses.shape[:-4]
    flat = poses.reshape(-1, *poses.shape[-4:]).double()
    total = torch.zeros(flat.shape[0], length, 17, 3, dtype=torch.float64)
    norm = torch.zeros(length, dtype=torch.float64).index_add_(0, rows.flatten(), weights.flatten().double())
    weighted = flat * weights.double()[None, :, :, None, None]
    total.index_add_(1, rows.flatten(), weighted.reshape(flat.shape[0], -1, 17, 3))
    return (total / norm[None, :, None, None]).float().reshape(*lead, length, 17, 3)


def load_pretrained(path: str | Path | None = None, device=None) -> Lifter:
    """The checkpoint shipped in the package (trained by tools/train_checkpoint.py on synthetic data)."""
    from .train import TrainConfig, load_checkpoint

    state = load_checkpoint(ASSET if path is None else path)
    config = TrainConfig.from_dict(state["config"])
    model = HSTDenoiser(config.model)
    model.load_state_dict(state["model"])
    return Lifter(model.to(device or "cpu"), Schedule.cosine(config.timesteps))
