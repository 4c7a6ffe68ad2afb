"""How much GPU memory a training step needs, worked out without a GPU (a dry run on ``meta``).

``memory_estimate(config, batch_size)`` builds the denoiser on PyTorch's ``meta`` device (shapes
and dtypes, no data), runs one training forward pass on a batch of ``batch_size`` clips and
adds up every tensor autograd keeps for the backward pass (each storage once). With the
parameters, their gradients and AdamW's two moment buffers this is the memory of one training
step, apart from the allocator's slack and temporary buffers inside single operations.

Mixed precision: the figure for 16-bit autocast assumes every kept activation is 16-bit; real
autocast keeps a few (LayerNorm inputs, softmax outputs) in float32, so a real step lies between
the 16-bit and the float32 figures. ``tests/test_cuda.py`` checks this on a GPU.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .model import DenoiserConfig, HSTDenoiser

__all__ = ["MemoryEstimate", "memory_estimate", "format_memory", "saved_activation_bytes"]


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes of one training step of ``config`` at ``batch_size`` clips (AdamW, float32 weights)."""

    config: DenoiserConfig
    batch_size: int
    parameters: int  # count
    weights: int  # bytes: float32 parameters
    gradients: int  # float32
    optimizer: int  # AdamW: two float32 moments per parameter
    activations_fp32: int
    activations_16bit: int  # the lower bound under autocast

    @property
    def static(self) -> int:
        return self.weights + self.gradients + self.optimizer

    @property
    def total_fp32(self) -> int:
        return self.static + self.activations_fp32

    @property
    def total_amp(self) -> int:
        return self.static + self.activations_16bit


def saved_activation_bytes(model: torch.nn.Module, *inputs: torch.Tensor) -> int:
    """Bytes of the tensors autograd saves during ``model(*inputs)`` (each base tensor once)."""
    saved: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        base = tensor._base if tensor._base is not None else tensor
        if not isinstance(base, torch.nn.Parameter):  # weights are counted apart
            saved[id(base)] = base.numel() * base.element_size()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(*inputs)
    return sum(saved.values())


def memory_estimate(config: DenoiserConfig, batch_size: int) -> MemoryEstimate:
    """One training step's memory for ``config`` and ``batch_size`` clips, from a dry run on ``meta``."""
    with torch.device("meta"):
        model = HSTDenoiser(config).train()
        joints = config.skeleton.num_joints
        inputs = (torch.zeros(batch_size, config.frames, joints, 2),
                  torch.zeros(batch_size, config.frames, joints - 1, 4),
                  torch.zeros(batch_size, dtype=torch.long))
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    fp32 = saved_activation_bytes(model, *inputs)
    return MemoryEstimate(config, batch_size, parameters, 4 * parameters, 4 * parameters, 8 * parameters,
                          fp32, fp32 // 2)


def format_memory(estimate: MemoryEstimate) -> str:
    """A short report of ``memory_estimate`` in GiB."""
    gib = 2.0 ** 30
    c = estimate.config
    return "\n".join([
        f"model: {c.frames} frames, width {c.width}, depth {c.depth}, {c.heads} heads, "
        f"{estimate.parameters:,} parameters; batch {estimate.batch_size} clips",
        f"weights + gradients + AdamW moments: {estimate.static / gib:.2f} GiB",
        f"activations kept for backward: {estimate.activations_fp32 / gib:.2f} GiB in float32, "
        f">= {estimate.activations_16bit / gib:.2f} GiB with 16-bit autocast",
        f"one training step: about {estimate.total_fp32 / gib:.2f} GiB (float32), "
        f"{estimate.total_amp / gib:.2f}-{estimate.total_fp32 / gib:.2f} GiB (autocast), plus allocator slack",
    ])
