"""Shaping time for motion scripts: smooth steps, pulses, cycles and keyframed postures.

Every function maps times t [F] (seconds, float64) to weights or channel values [F], without a
loop over frames. ``Span`` tells a script how long its action lasts in a sequence and whether it
starts and ends standing: actions on the floor get down at the start and up at the end, so the
cross-fade between two actions always blends two standing people (``sequences``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["Span", "smoothstep", "pulse", "bump", "cycle", "keyframes", "schedule"]


@dataclass(frozen=True)
class Span:
    """Where an action sits in its sequence, as its script sees it.

    ``duration``: seconds from the action's t = 0 until the cross-fade into the next action
    begins (inf: open-ended). ``enter``: the action starts from standing (False: the recording
    starts with the person already in the action, e.g. lying). ``leave``: it ends standing.
    """

    duration: float = math.inf
    enter: bool = True
    leave: bool = True


def smoothstep(x: torch.Tensor) -> torch.Tensor:
    """0 below 0, 1 above 1, C1-smooth in between: 3x^2 - 2x^3."""
    x = x.clamp(0.0, 1.0)
    return x * x * (3 - 2 * x)


def pulse(u: torch.Tensor, start: float, duration: float) -> torch.Tensor:
    """A smooth 0 -> 1 -> 0 pulse sin^2 over [start, start + duration], 0 elsewhere."""
    x = ((u - start) / duration).clamp(0.0, 1.0)
    return torch.sin(math.pi * x) ** 2


def bump(phase: torch.Tensor, centre: float, kappa: float) -> torch.Tensor:
    """Smooth periodic bump in [0, 1] peaking at ``centre`` (a von Mises shape)."""
    return torch.exp(kappa * (torch.cos(phase - centre) - 1))


def cycle(t: torch.Tensor, period: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Time within the current cycle (s) and the cycle number (defined for t < 0 too)."""
    return torch.remainder(t, period), torch.floor(t / period).long()


def keyframes(t: torch.Tensor, keys, base) -> dict[str, torch.Tensor]:
    """Postures at key times -> channels over t.

    ``keys`` is [(time, posture), ...] with non-decreasing times; a posture maps channel names
    to values (float or tensor [F]); channels a posture leaves out take ``base``'s value. Before
    the first key the first posture holds, after the last the last; in between, neighbours are
    blended with weights 1 - s and s, s = smoothstep of the time fraction (a partition of unity,
    C1 at the keys). Only channels named in some posture are returned.
    """
    times = [float(time) for time, _ in keys]
    steps = [smoothstep((t - a) / max(b - a, 1e-6)) for a, b in zip(times, times[1:])]
    bounds = [1.0] + steps + [0.0]
    weights = [bounds[i] - bounds[i + 1] for i in range(len(keys))]
    names = {name for _, posture in keys for name in posture}
    return {name: sum(w * posture.get(name, base[name]) for w, (_, posture) in zip(weights, keys))
            for name in sorted(names)}


def schedule(span: Span, down: float, up: float, hold: float = 1.0) -> tuple[float, float, float]:
    """Time budget of an action that gets down to the floor and up again: (scale, hold start,
    hold end). Getting down takes ``down`` s, getting up ``up`` s (skipped when the span does
    not enter or leave); both are sped up (down to 0.6x) when the span leaves less than ``hold``
    s in between. An open-ended span holds forever (hold end = inf)."""
    down = down if span.enter else 0.0
    up = up if span.leave else 0.0
    if not math.isfinite(span.duration) or not span.leave:
        return 1.0, down, math.inf
    scale = min(1.0, max(0.6, (span.duration - hold) / max(down + up, 1e-6)))
    start = down * scale
    return scale, start, max(start, span.duration - up * scale)
