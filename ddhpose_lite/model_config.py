"""DenoiserConfig: what an HSTDenoiser (``model``) is built from, with the checks of every field and
the plain-data form checkpoints store (``to_dict`` / ``from_dict``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import UserInputError
from .skeleton import H36M, Skeleton

__all__ = ["DenoiserConfig", "ARCHITECTURES", "INITS", "DROP_PATH_UNITS", "NOISY_INPUTS"]


@dataclass(frozen=True)
class DenoiserConfig:
    """Size and ablation switches of the denoiser (paper config: frames 243, width 512, depth 8)."""

    frames: int = 27
    width: int = 64
    depth: int = 4
    heads: int = 8
    mlp_ratio: float = 2.0
    dropout: float = 0.0
    drop_path: float = 0.0
    hierarchical_embedding: bool = True  # Table 5: per-level embedding shared by a level's joints
    hrst: bool = True  # Table 5: Algorithm 1 in the spatial blocks after the first
    hrtt: bool = True  # Table 5: child cross-attention in the temporal blocks after the first
    disentangled_output: bool = False  # Table 4: regress length + direction instead of joints
    block_norms: bool = True  # a shared LayerNorm after every spatial and every temporal block (official)
    frame_embedding_at: str = "temporal"  # TP added before the first temporal block (official) or at "input"
    clip: float = 0.0  # > 0: noisy inputs (and sampled x̂_0) clamped to ±clip, as the official code with 1.1
    noisy_input: str = "bones"  # per joint besides 2D: "bones" (DDHPose), "joints" (D3DP), "none" (regression)
    architecture: str = "hst"  # "hst": this module's HSTDenoiser; "mlp": the single-frame baseline (baseline.py)
    init: str = "trunc_normal"  # weights N(0, 0.02) truncated, embeddings too; "official": PyTorch's defaults, zero embeddings
    drop_path_per: str = "clip"  # temporal blocks drop a branch per clip, or per (clip, joint) "sequence" (official)
    relative_2d: bool = False  # ours: each token also gets its 2D offset from the root (docs/recipe.md); paper: 2D alone
    whole_pose_2d: bool = False  # ours: every token of a frame also gets one embedding of that frame's whole 2D pose
    whole_pose_hidden: int = 0  # ours: > 0 makes that embedding an MLP with two hidden layers this wide (0: one Linear)
    skeleton: Skeleton = field(default=H36M, repr=False)

    def __post_init__(self) -> None:
        for name in ("frames", "width", "depth", "heads"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UserInputError(f"expected {name} as an int >= 1, got {value!r}")
        if self.width % self.heads:
            raise UserInputError(f"expected width divisible by heads, got width {self.width} and {self.heads} heads")
        if not self.mlp_ratio > 0:
            raise UserInputError(f"expected mlp_ratio > 0, got {self.mlp_ratio}")
        for name in ("dropout", "drop_path"):
            if not 0 <= getattr(self, name) < 1:
                raise UserInputError(f"expected {name} in [0, 1), got {getattr(self, name)}")
        if not isinstance(self.whole_pose_hidden, int) or isinstance(self.whole_pose_hidden, bool) \
                or self.whole_pose_hidden < 0:
            raise UserInputError(f"expected whole_pose_hidden as an int >= 0, got {self.whole_pose_hidden!r}")
        if self.whole_pose_hidden and not self.whole_pose_2d:
            raise UserInputError(f"expected whole_pose_2d=True with whole_pose_hidden={self.whole_pose_hidden}, got False")
        if not 0 <= self.clip < float("inf"):
            raise UserInputError(f"expected clip >= 0 (0 = off), got {self.clip!r}")
        if self.frame_embedding_at not in ("temporal", "input"):
            raise UserInputError(f"expected frame_embedding_at 'temporal' or 'input', got {self.frame_embedding_at!r}")
        if self.noisy_input not in NOISY_INPUTS:
            raise UserInputError(f"expected noisy_input as one of {tuple(NOISY_INPUTS)}, got {self.noisy_input!r}")
        if self.architecture not in ARCHITECTURES:
            raise UserInputError(f"expected architecture as one of {ARCHITECTURES}, got {self.architecture!r}")
        if self.architecture == "mlp" and self.noisy_input != "none":
            raise UserInputError(f"expected noisy_input='none' for the mlp baseline, got {self.noisy_input!r}")
        if self.init not in INITS:
            raise UserInputError(f"expected init as one of {INITS}, got {self.init!r}")
        if self.drop_path_per not in DROP_PATH_UNITS:
            raise UserInputError(f"expected drop_path_per as one of {DROP_PATH_UNITS}, got {self.drop_path_per!r}")
        if not isinstance(self.skeleton, Skeleton):
            raise TypeError(f"expected skeleton as a Skeleton, got {type(self.skeleton).__name__}")

    def to_dict(self) -> dict:
        """Plain data for checkpoints (the skeleton included, as ``Skeleton.to_dict``)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["skeleton"] = self.skeleton.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "DenoiserConfig":
        """The inverse of ``to_dict``. Keys older checkpoints lack mean what those models were:
        no skeleton -> H36M; no ``block_norms`` / ``frame_embedding_at`` -> the structure before
        they existed (no norms between blocks, TP at the input)."""
        data = {**_LEGACY, **data}
        data["skeleton"] = Skeleton.from_dict(data["skeleton"]) if "skeleton" in data else H36M
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise UserInputError(f"expected DenoiserConfig fields, got unknown {sorted(unknown)}")
        return cls(**data)


_LEGACY = {"block_norms": False, "frame_embedding_at": "input"}

ARCHITECTURES = ("hst", "mlp")
INITS = ("trunc_normal", "official")
"""``DenoiserConfig.init``: ours (every Linear weight and the HSP / TP embeddings drawn from a
truncated N(0, 0.02²), biases zero), or the official code's: PyTorch's default initialisation of
every layer and zero positional embeddings."""
DROP_PATH_UNITS = ("clip", "sequence")
"""``DenoiserConfig.drop_path_per``: what a temporal block's drop path drops at once: a whole clip
(ours), or one joint's sequence of frames, each (clip, joint) on its own (the official code, whose
temporal blocks see a batch of B·J sequences). Spatial blocks drop per (clip, frame) either way."""

NOISY_INPUTS = {"bones": 4, "joints": 3, "none": 0}
"""``DenoiserConfig.noisy_input`` -> channels of the noisy state per token: a bone's direction and
length (DDHPose), a root-relative joint (D3DP, joint-space diffusion), nothing (deterministic
regression from 2D: no noisy state and no timestep embedding)."""
