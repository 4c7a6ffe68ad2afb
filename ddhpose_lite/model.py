"""HSTDenoiser: DDHPose's hierarchical spatial-temporal denoiser (the paper's "Hierarchical Spatial and
Temporal Denoiser" section, Fig. 2b and Fig. 3).

Per frame and joint the input is [2D keypoint (2), noisy bone direction (3), noisy bone length
(1)] (the root slot of the 16 bones is zero-padded to keep 17 tokens). After the input, HSP
(joint + hierarchy-level), TP (frame) and timestep embeddings, one plain spatial + temporal block
runs, then depth - 1 loops of HRST (spatial attention with hierarchical logits, Algorithm 1) and
HRTT (temporal attention with a child cross-attention term, Eq. 6). A linear head regresses x̂_0
as 3D joints (or, for the Table 4 ablation, bone lengths + directions composed by forward
kinematics).

Spatial and temporal blocks are different classes: which one runs never depends on tensor sizes,
so 17-frame models work (the official code tests ``q.shape[-2] == 17``).
"""
from __future__ import annotations

import contextlib
import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .bones import compose
from .model_config import NOISY_INPUTS, DenoiserConfig
from .skeleton import H36M, Skeleton

__all__ = ["DenoiserConfig", "HSTDenoiser", "hrst_logits", "hrst_logits_sequential", "capture_attention",
           "count_parameters", "attend", "ATTENTION_KERNEL"]


# ---------------------------------------------------------------------------------------------
# HRST: Algorithm 1 on the spatial logits


def _hrst_indices(skeleton: Skeleton) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat indices into a [J, J] map: the entries Algorithm 1 updates, (j, c) then (c, j) for every
    triplet (p, j, c), and for each the entry (p, j) it is averaged with."""
    n = skeleton.num_joints
    updated = [j * n + c for p, j, c in skeleton.triplets] + [c * n + j for p, j, c in skeleton.triplets]
    source = [p * n + j for p, j, c in skeleton.triplets] * 2
    return torch.tensor(updated), torch.tensor(source)


def hrst_logits(logits: torch.Tensor, skeleton: Skeleton = H36M, indices=None, inplace: bool = False) -> torch.Tensor:
    """Algorithm 1 (HRST) on pre-softmax logits [..., J, J], every update reading the original A.

    For each triplet (j_p, j, j_c): A'[j][j_c] = (A[j][j_c] + A[j_p][j]) / 2 and
    A'[j_c][j] = (A[j_c][j] + A[j_p][j]) / 2; all other entries are unchanged.
    Vectorised over all triplets at once: one gather of the 2 x 13 updated entries and of their
    A[j_p][j], one scatter back (no pass over the other 263 entries; index_select / index_copy_
    measured 2x faster than advanced indexing). ``inplace`` overwrites ``logits`` (contiguous)
    instead of a copy.
    """
    n = skeleton.num_joints
    if logits.shape[-2:] != (n, n):
        raise ValueError(f"expected logits of shape [..., {n}, {n}], got {list(logits.shape)}")
    updated, source = indices if indices is not None else (i.to(logits.device) for i in _hrst_indices(skeleton))
    out = logits if inplace else logits.clone(memory_format=torch.contiguous_format)
    flat = out.view(-1, n * n)
    averaged = (flat.index_select(1, updated) + flat.index_select(1, source)).mul_(0.5)  # reads A before any write
    flat.index_copy_(1, updated, averaged)
    return out


def hrst_logits_sequential(logits: torch.Tensor, skeleton: Skeleton = H36M) -> torch.Tensor:
    """The official code's reading, for comparison only (lesson 04): an in-place loop over the
    kinematic chains in which each update reads entries that earlier updates already changed,
    and the shared prefix 7 -> 8 of the chains through the neck (the head's and both arms') is visited
    once per chain."""
    out = logits.clone()
    for chain in skeleton.chains:
        for grand, parent, joint in zip(chain[:-2], chain[1:-1], chain[2:]):
            from_grand = out[..., grand, parent].clone()
            out[..., parent, joint] = (out[..., parent, joint] + from_grand) / 2
            out[..., joint, parent] = (out[..., joint, parent] + from_grand) / 2
    return out


# ---------------------------------------------------------------------------------------------
# Building blocks


ATTENTION_KERNEL = "auto"
"""How attention softmax(QKᵀ/√d) V is computed: "sdpa" (torch's fused scaled_dot_product_attention),
"explicit" (matmul, softmax, matmul) or "auto": sdpa on GPUs (flash / memory-efficient kernels),
explicit on the CPU, where it measured 10-25% faster per training step for our small heads
(d = 8-64) and short sequences (`python -m ddhpose_lite.bench --kernels`). Same maths either way."""


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, dropout: float = 0.0,
           scale: float | None = None) -> torch.Tensor:
    """softmax(QKᵀ·scale) V over the last two dims (Eq. 5 / Eq. 6 with K already K + K_c);
    ``scale`` defaults to 1/√d (pass 1.0 when Q is already scaled)."""
    kernel = ATTENTION_KERNEL
    if kernel == "auto":
        kernel = "explicit" if q.device.type == "cpu" else "sdpa"
    if kernel == "sdpa":
        return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, scale=scale)
    if kernel != "explicit":
        raise ValueError(f"expected ATTENTION_KERNEL 'auto', 'sdpa' or 'explicit', got {kernel!r}")
    if scale is None:
        scale = q.shape[-1] ** -0.5
    weights = ((q * scale if scale != 1 else q) @ k.transpose(-1, -2)).softmax(-1)
    return F.dropout(weights, dropout) @ v if dropout else weights @ v


class _Capture:
    """Where attention maps go while ``capture_attention`` is active (None otherwise)."""

    def __init__(self) -> None:
        self.spatial_logits: list[torch.Tensor] = []  # per layer [B*F, heads, J, J], before HRST
        self.spatial: list[torch.Tensor] = []  # per layer softmax weights, after HRST
        self.temporal: list[torch.Tensor] = []  # per layer [B*J, heads, F, F]


def drop_path(x: torch.Tensor, p: float, training: bool, axes: tuple[int, ...] = (0,)) -> torch.Tensor:
    """Stochastic depth: drop a whole residual branch per sample with probability p. A sample is one
    index of each of ``axes`` (default: the first axis; (0, 2) on [B, F, J, C]: per clip and joint)."""
    if p == 0 or not training:
        return x
    shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
    keep = torch.rand(shape, device=x.device, dtype=x.dtype) >= p
    return x * keep / (1 - p)


class Mlp(nn.Sequential):
    def __init__(self, width: int, ratio: float, dropout: float) -> None:
        hidden = int(width * ratio)
        super().__init__(nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, width),
                         nn.Dropout(dropout))


class MultiHeadAttention(nn.Module):
    """The projections every attention block shares: qkv in, one linear out (Eq. 5)."""

    def __init__(self, config: DenoiserConfig) -> None:
        super().__init__()
        self.heads, self.dropout = config.heads, config.dropout
        self.qkv = nn.Linear(config.width, 3 * config.width)
        self.proj = nn.Linear(config.width, config.width)
        self.capture: _Capture | None = None
        head = config.width // config.heads  # Eq. 5's 1/√d, folded into W_q and b_q
        self.register_buffer("qkv_scale", torch.tensor([head**-0.5] * config.width + [1.0] * 2 * config.width),
                             persistent=False)

    def project(self, x: torch.Tensor, *extra: nn.Linear) -> torch.Tensor:
        """[Q/√d, K, V, extra projections...] of x in one matrix product."""
        weights = [self.qkv.weight * self.qkv_scale[:, None], *(linear.weight for linear in extra)]
        biases = [self.qkv.bias * self.qkv_scale, *(linear.bias for linear in extra)]
        return F.linear(x, torch.cat(weights), torch.cat(biases))


class SpatialAttention(MultiHeadAttention):
    """Multi-head self-attention over the joints of each frame; HRST (Algorithm 1) if enabled."""

    def __init__(self, config: DenoiserConfig, hrst: bool) -> None:
        super().__init__(config)
        self.hrst, self.skeleton = hrst, config.skeleton
        updated, source = _hrst_indices(config.skeleton)
        self.register_buffer("hrst_updated", updated, persistent=False)
        self.register_buffer("hrst_source", source, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x [N, J, C]
        q, k, v = rearrange(self.project(x), "n j (three h d) -> three n h j d", three=3, h=self.heads)
        if self.hrst or self.capture is not None:
            logits = q @ k.transpose(-1, -2)  # Q already carries 1/√d
            if self.capture is not None:
                self.capture.spatial_logits.append(logits.detach().clone())
            if self.hrst:
                logits = hrst_logits(logits, self.skeleton, (self.hrst_updated, self.hrst_source), inplace=True)
            weights = logits.softmax(-1)
            if self.capture is not None:
                self.capture.spatial.append(weights.detach())
            out = F.dropout(weights, self.dropout, self.training) @ v
        else:
            out = attend(q, k, v, self.dropout if self.training else 0.0, scale=1.0)
        return self.proj(rearrange(out, "n h j d -> n j (h d)"))


class TemporalAttention(MultiHeadAttention):
    """Multi-head self-attention over the frames of each joint; HRTT (Eq. 6) if enabled.

    HRTT adds a child cross-attention term: f_c is the mean of a joint's feature and its
    children's (a leaf keeps its own), recomputed from this layer's input (the paper's reading;
    the official code computes it once after the first layer). K_c is a separate key projection of
    f_c and softmax(QKᵀ/√d + QK_cᵀ/√d) V = softmax(Q(K + K_c)ᵀ/√d) V runs as one attention call
    (torch's fused scaled_dot_product_attention on GPUs, see ``attend``).

    Computed as: K_c = child_key(mean over children of x) = mean over children of child_key(x)
    (child_key is affine and the mean's weights sum to 1), so child_key joins the qkv product and
    the mean mixes the 17 joints of each frame before the keys are split into heads.
    """

    def __init__(self, config: DenoiserConfig, hrtt: bool) -> None:
        super().__init__(config)
        self.hrtt = hrtt
        if hrtt:
            self.child_key = nn.Linear(config.width, config.width)
            self.register_buffer("child_mean", _child_mean_matrix(config.skeleton), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x [B, F, J, C]
        batch = x.shape[0]
        if self.hrtt:
            q, k, v, child_keys = self.project(x, self.child_key).unflatten(-1, (4, -1)).unbind(-2)
            k = k + self.child_mean @ child_keys  # K + K_c (Eq. 6): f_c's keys mix the joints of each frame
        else:
            q, k, v = self.project(x).unflatten(-1, (3, -1)).unbind(-2)
        q, k, v = (rearrange(t, "b f j (h d) -> (b j) h f d", h=self.heads) for t in (q, k, v))
        if self.capture is not None:
            self.capture.temporal.append((q @ k.transpose(-1, -2)).softmax(-1).detach())
        out = attend(q, k, v, self.dropout if self.training else 0.0, scale=1.0)
        return self.proj(rearrange(out, "(b j) h f d -> b f j (h d)", b=batch))


def _child_mean_matrix(skeleton: Skeleton) -> torch.Tensor:
    """[J, J]: row j averages joint j and its children (HRTT's f_c)."""
    n = skeleton.num_joints
    matrix = torch.zeros(n, n)
    for j in range(n):
        members = (j, *skeleton.children[j])
        matrix[j, list(members)] = 1.0 / len(members)
    return matrix


class Block(nn.Module):
    """Pre-norm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, config: DenoiserConfig, attention: nn.Module, drop_path_rate: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(config.width), nn.LayerNorm(config.width)
        self.attention = attention
        self.mlp = Mlp(config.width, config.mlp_ratio, config.dropout)
        self.drop_path_rate = drop_path_rate
        # temporal blocks see [B, F, J, C]: per clip, or per (clip, joint) sequence as the official code
        self.drop_axes = (0, 2) if config.drop_path_per == "sequence" and isinstance(attention, TemporalAttention) else (0,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + drop_path(self.attention(self.norm1(x)), self.drop_path_rate, self.training, self.drop_axes)
        return x + drop_path(self.mlp(self.norm2(x)), self.drop_path_rate, self.training, self.drop_axes)


class SpatialBlock(Block):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, F, J, C] -> attention per frame
        batch = x.shape[0]
        return rearrange(super().forward(rearrange(x, "b f j c -> (b f) j c")), "(b f) j c -> b f j c", b=batch)


def timestep_embedding(t: torch.Tensor, width: int) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps [B] -> [B, width] (Transformer / DDPM form)."""
    half = width // 2
    frequencies = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float().unsqueeze(-1) * frequencies
    embedding = torch.cat([angles.sin(), angles.cos()], -1)
    return F.pad(embedding, (0, width - 2 * half))


# ---------------------------------------------------------------------------------------------
# The denoiser


def whole_pose_embedding(inputs: int, hidden: int, width: int) -> nn.Module:
    """A frame's whole 2D pose -> one vector for all its tokens: one Linear, or with ``hidden`` > 0 an
    MLP with two hidden GELU layers (the per-frame capacity a plain regressor has; docs/recipe.md)."""
    if not hidden:
        return nn.Linear(inputs, width)
    return nn.Sequential(nn.Linear(inputs, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                         nn.Linear(hidden, width))


class HSTDenoiser(nn.Module):
    """x̂_0 = D(2D keypoints, noisy bones, t): [B, F, 17, 2], [B, F, 16, 4], [B] -> [B, F, 17, 3].

    The noisy bone tensor holds direction (3) then length (1) per bone; the prediction is
    root-relative 3D joints (root slot exactly zero).
    """

    def __init__(self, config: DenoiserConfig = DenoiserConfig()) -> None:
        super().__init__()
        self.config = config
        width, joints, skeleton = config.width, config.skeleton.num_joints, config.skeleton
        self.state_channels = NOISY_INPUTS[config.noisy_input]
        self.keypoint_channels = 4 if config.relative_2d else 2
        self.input_embedding = nn.Linear(self.keypoint_channels + self.state_channels, width)
        if config.whole_pose_2d:
            self.pose_embedding = whole_pose_embedding(joints * self.keypoint_channels, config.whole_pose_hidden, width)
        self.joint_embedding = nn.Parameter(torch.zeros(joints, width))  # HSP: per joint
        if config.hierarchical_embedding:  # HSP: per hierarchy level, shared by a level's joints
            self.level_embedding = nn.Parameter(torch.zeros(skeleton.num_levels, width))
            self.register_buffer("levels", torch.tensor(skeleton.levels), persistent=False)
        self.frame_embedding = nn.Parameter(torch.zeros(config.frames, width))  # TP
        if self.state_channels:  # regression has no diffusion time
            self.time_mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))
        self.embedding_dropout = nn.Dropout(config.dropout)
        # drop-path rate grows linearly from 0 to drop_path over the layers (both blocks of a layer share it)
        rates = [config.drop_path * i / max(1, config.depth - 1) for i in range(config.depth)]
        blocks = []
        for layer in range(config.depth):
            hierarchical = layer > 0  # the first layer is a plain spatial + temporal block
            blocks.append(SpatialBlock(config, SpatialAttention(config, config.hrst and hierarchical), rates[layer]))
            blocks.append(Block(config, TemporalAttention(config, config.hrtt and hierarchical), rates[layer]))
        self.blocks = nn.ModuleList(blocks)
        if config.block_norms:  # one LayerNorm shared by all spatial blocks, one by all temporal blocks
            self.spatial_norm, self.temporal_norm = nn.LayerNorm(width), nn.LayerNorm(width)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, 4 if config.disentangled_output else 3)
        self.register_buffer("root_mask", (torch.arange(joints) > 0).float().unsqueeze(-1), persistent=False)
        self._initialise()

    def _initialise(self) -> None:
        if self.config.init == "official":  # the layers keep PyTorch's defaults; the embeddings stay zero
            return
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)
        for embedding in (self.joint_embedding, self.frame_embedding, getattr(self, "level_embedding", None)):
            if embedding is not None:
                nn.init.trunc_normal_(embedding, std=0.02)

    def forward(self, keypoints_2d: torch.Tensor, noisy_bones: torch.Tensor | None, t: torch.Tensor | None) -> torch.Tensor:
        """``noisy_bones``: the noisy state, [B, F, J-1, 4] bones (default), [B, F, J-1, 3] joints
        (``noisy_input="joints"``), None for regression (which also ignores ``t``)."""
        self._check_inputs(keypoints_2d, noisy_bones, t)
        joint = self.joint_embedding
        if self.config.hierarchical_embedding:
            joint = joint + self.level_embedding[self.levels]
        if self.config.relative_2d:
            keypoints_2d = torch.cat([keypoints_2d, keypoints_2d - keypoints_2d[..., :1, :]], -1)
        if self.config.whole_pose_2d:
            joint = joint + self.pose_embedding(keypoints_2d.flatten(-2)).unsqueeze(-2)  # [B, F, 1, C]
        if self.state_channels:
            state = F.pad(noisy_bones, (0, 0, 1, 0))  # a zero root slot: 17 tokens per frame
            x = self.input_embedding(torch.cat([keypoints_2d, state], -1))
            time = self.time_mlp(timestep_embedding(t, self.config.width))
            x = x + joint + time[:, None, None, :]
        else:
            x = self.input_embedding(keypoints_2d) + joint
        at_input = self.config.frame_embedding_at == "input"
        if at_input:
            x = x + self.frame_embedding.unsqueeze(1)
        x = self.embedding_dropout(x)
        for layer, (spatial, temporal) in enumerate(zip(self.blocks[0::2], self.blocks[1::2])):
            x = spatial(x)
            if self.config.block_norms:
                x = self.spatial_norm(x)
            if layer == 0 and not at_input:  # TP before the first temporal block, as the official code
                x = self.embedding_dropout(x + self.frame_embedding.unsqueeze(1))
            x = temporal(x)
            if self.config.block_norms:
                x = self.temporal_norm(x)
        out = self.head(self.norm(x))
        if self.config.disentangled_output:
            return self._compose(out)
        return out * self.root_mask

    def _compose(self, out: torch.Tensor) -> torch.Tensor:
        """Table 4 'disentangled output': slots 1..J-1 hold direction (3) and length (1) of bone k."""
        direction = F.normalize(out[..., 1:, :3], dim=-1)
        length = F.softplus(out[..., 1:, 3:])
        return compose(length, direction, skeleton=self.config.skeleton)

    def _check_inputs(self, keypoints_2d, noisy_bones, t) -> None:
        frames, joints = self.config.frames, self.config.skeleton.num_joints
        if keypoints_2d.ndim != 4 or keypoints_2d.shape[1:] != (frames, joints, 2):
            raise ValueError(f"expected keypoints_2d of shape [B, {frames}, {joints}, 2], got {list(keypoints_2d.shape)}")
        if not self.state_channels:
            if noisy_bones is not None:
                raise ValueError(f"expected no noisy state (None) for noisy_input='none', got {list(noisy_bones.shape)}")
            return
        expected = (keypoints_2d.shape[0], frames, joints - 1, self.state_channels)
        if noisy_bones is None or tuple(noisy_bones.shape) != expected:
            got = None if noisy_bones is None else list(noisy_bones.shape)
            name = "noisy_bones" if self.config.noisy_input == "bones" else "the noisy joints"
            raise ValueError(f"expected {name} of shape {list(expected)}, got {got}")
        if t is None or t.shape != (keypoints_2d.shape[0],):
            raise ValueError(f"expected t of shape [{keypoints_2d.shape[0]}], got {None if t is None else list(t.shape)}")


@contextlib.contextmanager
def capture_attention(model: HSTDenoiser):
    """Collect every layer's attention maps while the block runs.

    >>> with capture_attention(model) as maps:
    ...     model(kp, bones, t)
    >>> maps.spatial_logits[layer]   # [B*F, heads, J, J] before HRST
    >>> maps.spatial[layer]          # softmax weights after HRST
    >>> maps.temporal[layer]         # [B*J, heads, F, F]
    """
    capture = _Capture()
    attentions = [m for m in model.modules() if isinstance(m, MultiHeadAttention)]
    for attention in attentions:
        attention.capture = capture
    try:
        yield capture
    finally:
        for attention in attentions:
            attention.capture = None


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
