"""The classic single-frame baseline: Martinez et al., "A simple yet effective baseline for 3d
human pose estimation" (ICCV 2017), our own code from the paper's description, and ``build_model``,
which makes the network a ``DenoiserConfig`` asks for.

Per frame, the 2D keypoints as they come (J x 2 numbers, normalised screen coordinates) go through
a linear layer to ``width`` units, then ``depth`` residual blocks of two (linear, batch norm,
ReLU, dropout) layers, and a linear head to the root-relative 3D joints. No temporal context, no
diffusion: a plain regressor to put beside DDHPose. Martinez et al. use width 1024, two blocks,
dropout 0.5 and normalise inputs by their mean and std; our batch norm after the first layer
plays that role.
"""
from __future__ import annotations

from einops import rearrange
from torch import nn

from .model import DenoiserConfig, HSTDenoiser

__all__ = ["BaselineMLP", "build_model"]


class _Layer(nn.Sequential):
    def __init__(self, width_in: int, width: int, dropout: float) -> None:
        super().__init__(nn.Linear(width_in, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(dropout))


class _ResidualBlock(nn.Module):
    def __init__(self, width: int, dropout: float) -> None:
        super().__init__()
        self.layers = nn.Sequential(_Layer(width, width, dropout), _Layer(width, width, dropout))

    def forward(self, x):
        return x + self.layers(x)


class BaselineMLP(nn.Module):
    """x̂ = MLP(2D) per frame: [B, F, J, 2] -> [B, F, J, 3] (root slot exactly zero).

    Called like the denoiser, ``model(keypoints_2d, None, None)``: no noisy state, no time.
    """

    def __init__(self, config: DenoiserConfig) -> None:
        super().__init__()
        if config.architecture != "mlp" or config.noisy_input != "none":
            raise ValueError(f"expected a config with architecture='mlp' and noisy_input='none', got "
                             f"{config.architecture!r} and {config.noisy_input!r}")
        self.config = config
        joints = config.skeleton.num_joints
        self.stem = _Layer(2 * joints, config.width, config.dropout)
        self.blocks = nn.Sequential(*(_ResidualBlock(config.width, config.dropout) for _ in range(config.depth)))
        self.head = nn.Linear(config.width, 3 * (joints - 1))

    def forward(self, keypoints_2d, noisy_state=None, t=None):
        joints = self.config.skeleton.num_joints
        if keypoints_2d.ndim != 4 or keypoints_2d.shape[2:] != (joints, 2):
            raise ValueError(f"expected keypoints_2d of shape [B, F, {joints}, 2], got {list(keypoints_2d.shape)}")
        if noisy_state is not None:
            raise ValueError(f"expected no noisy state (None) for the baseline, got {list(noisy_state.shape)}")
        batch = keypoints_2d.shape[0]
        x = rearrange(keypoints_2d, "b f j c -> (b f) (j c)")
        out = self.head(self.blocks(self.stem(x)))
        out = rearrange(out, "(b f) (j c) -> b f j c", b=batch, c=3)
        return nn.functional.pad(out, (0, 0, 1, 0))  # the root, at the origin


def build_model(config: DenoiserConfig) -> nn.Module:
    """The network of ``config``: ``HSTDenoiser`` ("hst") or ``BaselineMLP`` ("mlp")."""
    return BaselineMLP(config) if config.architecture == "mlp" else HSTDenoiser(config)
