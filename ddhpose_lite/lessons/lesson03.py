"""Checks of lesson 03's exercises (noise on purpose); worked solutions in ``solutions``.

The DDIM step is checked on hand-made ᾱ values that belong to no schedule, and the schedule you
build is one the package does not have.
"""
from __future__ import annotations

import math

import torch

from ..diffusion import Schedule
from ._exercise import Wrong, call, exercise, tensor_answer

__all__ = ["check_ddim_step", "check_log_snr_schedule", "check_swamped"]


@exercise("03", 1, "warm-up", "When is a bone more noise than signal?", solution="swamped_timesteps", answer="value",
          empty="Replace None with a pair of timesteps: (thigh, direction).")
def check_swamped(answer) -> str:
    """(t_thigh, t_direction): the first t where √(1 − ᾱ_t) > √ᾱ_t · size, for size 0.4 and 1."""
    try:
        thigh, direction = (int(v) for v in answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected a pair of timesteps (thigh, direction), got {answer!r}") from None
    alpha_bar = Schedule.cosine().alpha_bar
    for size, got, what in ((0.4, thigh, "thigh"), (1.0, direction, "direction")):
        expected = int(torch.nonzero((1 - alpha_bar).sqrt() > alpha_bar.sqrt() * size)[0])
        if got != expected:
            late = got > expected
            raise Wrong(f"the {what} (size {size}) is swamped {'earlier' if late else 'later'} than t = {got}. "
                        "Compare the noise's standard deviation √(1 − ᾱ_t) with the scaled signal √ᾱ_t · size "
                        "(Schedule.cosine().alpha_bar holds ᾱ_t for t = 0..999).")
    return (f"A thigh is swamped at t = {thigh}, a direction only at t = {direction}: the same noise is a much "
            "bigger corruption of a length.")


def _reference_step(x_t, x0_pred, a_t, a_next, eta, z):
    eps = (x_t - math.sqrt(a_t) * x0_pred) / math.sqrt(1 - a_t)
    sigma = eta * math.sqrt((1 - a_next) / (1 - a_t) * (1 - a_t / a_next))
    return math.sqrt(a_next) * x0_pred + math.sqrt(max(1 - a_next - sigma**2, 0.0)) * eps + sigma * z


_PAIRS = ((0.02, 0.3), (0.5, 0.9), (0.97, 0.999), (0.3, 1.0))


@exercise("03", 2, "core", "The DDIM step from two ᾱ values", solution="ddim_step_from_alpha_bars",
          empty="Define my_ddim_step(x_t, x0_pred, alpha_bar_t, alpha_bar_next, eta, z) and pass the function.")
def check_ddim_step(function) -> str:
    """my_ddim_step(x_t, x0_pred, alpha_bar_t, alpha_bar_next, eta, z) -> x at the next noise level (Eq. 4)."""
    generator = torch.Generator().manual_seed(1)
    for a_t, a_next in _PAIRS:
        for eta in (0.0, 0.5, 1.0):
            x_t, x0_pred, z = (torch.randn(3, 16, 4, generator=generator, dtype=torch.float64) for _ in range(3))
            expected = _reference_step(x_t, x0_pred, a_t, a_next, eta, z)
            got = tensor_answer(call(function, x_t.clone(), x0_pred.clone(), a_t, a_next, eta, z.clone(),
                                     what="my_ddim_step"), tuple(x_t.shape))
            if not torch.allclose(got, expected, atol=1e-9):
                if a_next == 1.0:
                    hint = "with ᾱ_next = 1 (no noise left) the step must return x̂₀ itself"
                elif eta == 0.0:
                    hint = "with η = 0 there is no fresh noise: x_next = √ᾱ_next x̂₀ + √(1 − ᾱ_next) ε̂"
                else:
                    hint = ("σ = η √((1 − ᾱ_next)/(1 − ᾱ_t)) · √(1 − ᾱ_t/ᾱ_next), and the kept noise ε̂ gets "
                            "√(1 − ᾱ_next − σ²)")
                raise Wrong(f"for ᾱ_t = {a_t}, ᾱ_next = {a_next}, η = {eta} your step is off by up to "
                            f"{float((got - expected).abs().max()):.2e}; {hint}.")
    return "The step needs only ᾱ_t, ᾱ_next, x̂₀ and fresh noise: any schedule, any K."


_SCHEDULES = ((10, 6.0, -6.0), (1000, 10.0, -10.0), (50, 3.0, -8.0))


@exercise("03", 3, "stretch", "A schedule of your own: log-SNR in a straight line", solution="log_snr_linear_betas",
          empty="Define log_snr_betas(T, start, end) and pass the function.")
def check_log_snr_schedule(function) -> str:
    """log_snr_betas(T, start, end) -> betas [T] whose log-SNR falls linearly from start to end."""
    for T, start, end in _SCHEDULES:
        betas = tensor_answer(call(function, T, start, end, what="log_snr_betas"), (T,), what="your betas")
        if not bool(((betas > 0) & (betas < 1)).all()):
            raise Wrong(f"for T = {T}, every β must lie strictly between 0 and 1; yours span "
                        f"{float(betas.min()):.3g} to {float(betas.max()):.3g}.")
        alpha_bar = torch.cumprod(1 - betas, 0)
        log_snr = torch.log(alpha_bar / (1 - alpha_bar))
        target = torch.linspace(start, end, T, dtype=torch.float64)
        gap = float((log_snr - target).abs().max())
        if gap > 1e-6:
            raise Wrong(f"for T = {T}, start {start}, end {end} the log-SNR of your schedule misses the line by up to "
                        f"{gap:.3g} (at t = {int((log_snr - target).abs().argmax())}). SNR = ᾱ / (1 − ᾱ) gives ᾱ from "
                        "the log-SNR; then 1 − β_t = ᾱ_t / ᾱ_{t−1}.")
    mine = Schedule(function(1000, 10.0, -10.0))
    interesting = {name: int(((s.snr > 0.01) & (s.snr < 100)).sum()) for name, s in
                   (("yours", mine), ("cosine", Schedule.cosine()))}
    return (f"Steps with 1/100 < SNR < 100: {interesting['yours']} of 1000 in yours, {interesting['cosine']} in the "
            "cosine schedule, whose log-SNR is nearly straight in the middle and steep at both ends.")
