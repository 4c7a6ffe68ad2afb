"""Inference: 2D keypoints -> 3D pose hypotheses with the trained denoiser (paper Fig. 5).

``sample_poses`` is DDHPose's sampler: H hypotheses of bone states start as N(0, I); at each of
the K DDIM steps (Eq. 4) the denoiser predicts x̂_0 as joints, which are disentangled again
(Eq. 1) into the bone state that the DDIM update works on. The last step returns x̂_0 itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ._tensors import as_torch, check_finite, check_tail
from .bones import disentangle
from .diffusion import Schedule, bone_state, ddim_sample
from .model import HSTDenoiser

__all__ = ["sample_poses", "Lifter", "LiftResult", "load_pretrained"]


@torch.no_grad()
def sample_poses(model, keypoints_2d: torch.Tensor, schedule: Schedule, hypotheses: int = 1, iterations: int = 1,
                 seed=0, eta: float = 1.0) -> torch.Tensor:
    """keypoints_2d [B, F, 17, 2] -> x̂_0 of every iteration and hypothesis [K, H, B, F, 17, 3]."""
    if keypoints_2d.ndim != 4 or keypoints_2d.shape[-2:] != (17, 2):
        raise ValueError(f"expected keypoints_2d of shape [B, F, 17, 2], got {list(keypoints_2d.shape)}")
    batch, frames = keypoints_2d.shape[:2]
    condition = keypoints_2d.repeat(hypotheses, 1, 1, 1)  # hypotheses batched into one forward pass
    poses = []

    def predict_x0(state: torch.Tensor, t: int) -> torch.Tensor:
        flat = state.reshape(hypotheses * batch, frames, 16, 4)
        joints = model(condition, flat, torch.full((hypotheses * batch,), t, device=state.device))
        poses.append(joints.reshape(hypotheses, batch, frames, 17, 3))
        length, direction = disentangle(joints)
        return bone_state(length, direction).reshape(state.shape)

    ddim_sample(predict_x0, (batch, frames, 16, 4), schedule, steps=iterations, hypotheses=hypotheses, eta=eta,
                seed=seed, dtype=keypoints_2d.dtype, device=keypoints_2d.device)
    return torch.stack(poses)


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

    def lift(self, keypoints_2d, hypotheses: int = 5, iterations: int = 5, seed=0) -> LiftResult:
        """keypoints_2d [F, 17, 2] in normalised screen coordinates, F == the model's frames."""
        kp, _ = as_torch(keypoints_2d, "keypoints_2d")
        check_tail(kp, "keypoints_2d", (self.frames, 17, 2), f"{self.frames}, 17, 2")
        if kp.ndim != 3:
            raise ValueError(f"expected keypoints_2d of shape [{self.frames}, 17, 2], got {list(kp.shape)}")
        check_finite(kp, "keypoints_2d")
        device = next(self.model.parameters()).device
        poses = sample_poses(self.model, kp.float().unsqueeze(0).to(device), self.schedule, hypotheses, iterations, seed)
        return LiftResult(poses=poses[:, :, 0].cpu(), keypoints_2d=kp)


def load_pretrained(path: str | Path | None = None, device=None) -> Lifter:
    """The checkpoint shipped in the package (trained by tools/train_checkpoint.py on synthetic data)."""
    from .train import TrainConfig, load_checkpoint

    state = load_checkpoint(ASSET if path is None else path)
    config = TrainConfig.from_dict(state["config"])
    model = HSTDenoiser(config.model)
    model.load_state_dict(state["model"])
    return Lifter(model.to(device or "cpu"), Schedule.cosine(config.timesteps))
