"""Random exploration: smooth random trajectories through every channel's joint-limit box.

Scripted actions visit the poses someone thought of; exploration visits the rest of what the
joint limits allow, at any whole-body orientation (lying, on a side, upside down), so that a
lifter trained on the mix has seen every region of pose space at least roughly.
"""
from __future__ import annotations

import math

import torch

from .channels import ALL_CHANNELS, NOT_ANGLES, Script, limits
from .timing import smoothstep

__all__ = ["EXPLORE", "smooth_noise"]

_TAU = 2 * math.pi
_FADE = 2.0  # seconds to get from standing into the random pose (or back)
_JOINTS = tuple(n for n in ALL_CHANNELS if n not in NOT_ANGLES and n not in ("body_pitch", "body_roll", "turn_rate"))
_CENTRES = torch.tensor([(limits(n)[1] + limits(n)[2]) / 2 for n in _JOINTS], dtype=torch.float64)
_HALF_RANGES = torch.tensor([(limits(n)[2] - limits(n)[1]) / 2 for n in _JOINTS], dtype=torch.float64)

ORIENTATIONS = {  # name: (probability, pitch centre, roll centre, pitch spread, roll spread), degrees
    "upright": (0.25, 0.0, 0.0, 25.0, 15.0),
    "back": (0.15, -90.0, 0.0, 30.0, 30.0),
    "front": (0.15, 90.0, 0.0, 30.0, 30.0),
    "side": (0.15, -90.0, 90.0, 30.0, 30.0),
    "anywhere": (0.30, 0.0, 0.0, 120.0, 120.0),
}
"""Where an exploration clip keeps the body: a centre orientation (``body_pitch``,
``body_roll``; "side" is on the right or the left at random) and how far (1 sigma) the random
trajectory wanders from it; "anywhere" reaches upside down."""


def smooth_noise(t: torch.Tensor, count: int, rng, low: float, high: float, waves: int = 3) -> torch.Tensor:
    """``count`` band-limited random signals over t [F] -> [count, F], each with zero mean and
    unit variance: sum_k a_k sin(2 pi f_k t + phi_k) / sqrt(sum_k a_k^2 / 2), with ``waves``
    frequencies f_k uniform in [low, high] Hz, amplitudes a_k uniform in [0.5, 1], random
    phases. Its rate of change is at most 2 pi high sqrt(2 waves) per second."""
    freqs = torch.from_numpy(rng.uniform(low, high, size=(count, waves)))
    phases = torch.from_numpy(rng.uniform(0, _TAU, size=(count, waves)))
    amps = torch.from_numpy(rng.uniform(0.5, 1.0, size=(count, waves)))
    norm = torch.sqrt((amps**2).sum(-1, keepdim=True) / 2)
    waves_t = torch.sin(_TAU * freqs[..., None] * t + phases[..., None])  # [count, waves, F]
    return (amps[..., None] * waves_t).sum(1) / norm


def _explore(t, subject, rng, span):
    """Every joint channel follows its own smooth random trajectory centred in its range (1
    sigma = 0.55 x half the range, 0.03-0.2 Hz; the joint limits clip the tails), the body's
    orientation wanders (0.02-0.06 Hz) around a centre drawn from ``ORIENTATIONS``, the heading
    drifts; the pelvis stays put and the lowest point of the body on the floor. Entering and
    leaving blend from and to standing over 2 s."""
    s = Script(subject.style)
    fade = torch.ones_like(t)
    if span.enter:
        fade = fade * smoothstep(t / _FADE)
    if span.leave and math.isfinite(span.duration):
        fade = fade * (1 - smoothstep((t - span.duration + _FADE) / _FADE))
    joints = _CENTRES[:, None] + 0.55 * _HALF_RANGES[:, None] * smooth_noise(t, len(_JOINTS), rng, 0.03, 0.2)
    for name, value in zip(_JOINTS, joints):
        s[name] = s[name] + fade * (value - s[name])
    names = tuple(ORIENTATIONS)
    pick = names[int(rng.choice(len(names), p=[ORIENTATIONS[n][0] for n in names]))]
    _, pitch, roll, pitch_spread, roll_spread = ORIENTATIONS[pick]
    if pick == "side":
        roll = roll * float(rng.choice((-1.0, 1.0)))
    wander = smooth_noise(t, 3, rng, 0.02, 0.06)
    s["body_pitch"] = fade * (pitch + pitch_spread * wander[0])
    s["body_roll"] = fade * (roll + roll_spread * wander[1])
    s["turn_rate"] = 20 * wander[2] * fade
    s["plant"] = 1 - fade
    return s


EXPLORE = {"explore": _explore}
