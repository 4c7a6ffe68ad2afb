"""Input checking shared by the package: torch/NumPy in, same kind out; clear errors."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch


def as_torch(x, name: str) -> tuple[torch.Tensor, Callable[[torch.Tensor], object]]:
    """Return ``x`` as a floating tensor and a function that converts results back to x's kind."""
    if isinstance(x, torch.Tensor):
        tensor, back = x, (lambda t: t)
    elif isinstance(x, np.ndarray):
        tensor, back = torch.from_numpy(x), (lambda t: t.detach().cpu().numpy())
    else:
        raise TypeError(f"expected {name} as a torch.Tensor or numpy.ndarray, got {type(x).__name__}")
    if not tensor.is_floating_point():
        raise ValueError(f"expected {name} with a floating dtype, got {tensor.dtype}")
    return tensor, back


def describe(shape: Sequence) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def check_tail(tensor: torch.Tensor, name: str, tail: Sequence[int | None], names: str) -> None:
    """Check the trailing dims; ``names`` spells the expected shape, e.g. '..., 17, 3'."""
    shape = tuple(tensor.shape)
    ok = len(shape) >= len(tail) and all(
        t is None or s == t for s, t in zip(shape[len(shape) - len(tail):], tail)
    )
    if not ok:
        raise ValueError(f"expected {name} of shape [{names}], got {describe(shape)}")


def check_finite(tensor: torch.Tensor, name: str) -> None:
    if not bool(torch.isfinite(tensor).all()):
        bad = int((~torch.isfinite(tensor)).sum())
        raise ValueError(f"expected finite {name}, got {bad} NaN or infinite values")
