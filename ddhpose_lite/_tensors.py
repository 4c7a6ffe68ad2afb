"""Input checking shared by the package: torch/NumPy in, same kind out; clear errors; seeds."""
from __future__ import annotations

from contextlib import contextmanager
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


def check_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as a Python int within [low, high] (bounds inclusive, None = open); bools refused."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    ok = ok and (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        bounds = (f"in {low}..{high}" if low is not None and high is not None
                  else f">= {low}" if low is not None else f"<= {high}" if high is not None else "")
        raise ValueError(f"expected {name} as an int {bounds}".rstrip() + f", got {value!r}")
    return int(value)


def check_number(value, name: str, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float within [low, high] (None = open); bools refused."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    ok = ok and np.isfinite(value) and (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        bounds = (f" in [{low}, {high}]" if low is not None and high is not None
                  else f" >= {low}" if low is not None else f" <= {high}" if high is not None else "")
        raise ValueError(f"expected {name} as a finite number{bounds}, got {value!r}")
    return float(value)


def check_image_size(image_size) -> tuple[int, int]:
    """``image_size`` as (width, height), whole pixels > 0."""
    try:
        w, h = image_size
        ok = all(not isinstance(v, bool) and float(v) > 0 and float(v) == int(v) for v in (w, h))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"expected image_size as (width, height) in whole pixels > 0, got {image_size!r}")
    return int(w), int(h)


def torch_generator(seed, device=None) -> torch.Generator:
    """An int seed or a ``torch.Generator`` (used as is) -> a torch.Generator (on ``device``)."""
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"expected a seed as int or torch.Generator, got {type(seed).__name__}")
    return torch.Generator(device or "cpu").manual_seed(int(seed))


def numpy_rng(seed, *stream: int) -> np.random.Generator:
    """An int seed (plus optional stream numbers that select an independent stream), a numpy
    Generator (used as is when no stream is given) or a torch.Generator -> numpy Generator."""
    if isinstance(seed, np.random.Generator) and not stream:
        return seed
    if isinstance(seed, torch.Generator):
        seed = int(torch.randint(0, 2**62, (1,), generator=seed))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"expected a seed as an int, numpy.random.Generator or torch.Generator, "
                        f"got {type(seed).__name__}")
    return np.random.default_rng([int(seed) & (2**63 - 1), *stream])


@contextmanager
def single_thread():
    """Run torch on one intra-op thread inside the block: for work on small tensors a second
    thread only adds synchronisation (on a busy machine it made data generation up to 10x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
