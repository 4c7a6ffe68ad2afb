"""Inverted movements: cartwheels and a kick-up to a handstand.

Scripts ``(t, subject, rng, span) -> Script`` like ``actions``. Each repetition starts and ends
standing and only repetitions that end before the span does are performed (a whole-body turn
cannot be cross-faded with another action); the rest of the span is spent standing.
"""
from __future__ import annotations

import math

import torch

from .channels import Script
from .kinematics import BODY_RADII
from .postures import Body
from .timing import cycle, keyframes, smoothstep

__all__ = ["ACROBATICS"]

_TAU = 2 * math.pi
_WRIST_R = BODY_RADII[13]


def _steady(p: torch.Tensor, ramp: float = 0.2) -> torch.Tensor:
    """0 -> 1 over p in [0, 1] at a steady rate v = 1 / (1 - ramp), reached and left with
    constant acceleration over the first and last ``ramp`` (a trapezoidal speed profile)."""
    v = 1 / (1 - ramp)
    return torch.where(p < ramp, v * p**2 / (2 * ramp),
                       torch.where(p > 1 - ramp, 1 - v * (1 - p) ** 2 / (2 * ramp), v * (p - ramp / 2)))


def _repetitions(t: torch.Tensor, span, period: float, busy: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Time within the current repetition (s) and whether this repetition is performed: it is
    one of the first ones whose ``busy`` seconds end 0.3 s before the span does."""
    u, n = cycle(t, period)
    count = math.inf if not math.isfinite(span.duration) else math.floor((span.duration - 0.3 - busy) / period) + 1
    return u, (n >= 0) & (n < count)


def _cartwheel(t, subject, rng, span):
    """Cartwheels to one side: arms up and out (abducted 150-170 deg), legs straddled (hips
    abducted ~40-45), the body turns a full circle about its forward axis in 1.7-2.2 s, so the
    lead foot, lead hand, other hand and other foot touch down in turn (the lowest point of the
    body is always on the floor), travelling 2-3 m sideways, the rate of turn steady (~190-250
    deg/s) but for short accelerations; a pause standing between wheels."""
    s, style = Script(subject.style), subject.style
    prep, wheel, rest = rng.uniform(0.5, 0.8), rng.uniform(1.7, 2.2), rng.uniform(0.6, 1.5)
    u, active = _repetitions(t, span, prep + wheel + rest, prep + wheel + 0.5 * rest)
    gate = active.double()
    direction = float(rng.choice((-1.0, 1.0)))  # +1: to the right, leading with the right hand and foot
    progress = ((u - prep) / wheel).clamp(0, 1)
    turn = _steady(progress, 0.15)
    s["body_roll"] = direction * 360 * turn * (progress < 1).double() * gate  # 360 = 0: back to upright
    raised = (smoothstep(u / prep) - smoothstep((u - prep - wheel) / (0.5 * rest))) * gate
    straddle = (smoothstep((u - 0.5 * prep) / (0.5 * prep)) - smoothstep((u - prep - wheel) / (0.4 * rest))) * gate
    s.both("shoulder_abd", style.arm_out + (rng.uniform(150, 170) - style.arm_out) * raised)
    s.both("elbow", style.elbow_rest * (1 - raised))
    s.both("hip_abd", style.stance + (rng.uniform(38, 45) - style.stance) * straddle)
    s.both("knee", style.knee_rest * (1 - straddle))
    s["neck_side"] = direction * 15 * straddle  # looks towards the hands
    travel = rng.uniform(2.0, 3.0)
    s["side_speed"] = direction * travel / wheel * (1 - torch.cos(_TAU * progress)) * gate  # integrates to travel
    s["plant"] = 1 - straddle  # the pelvis carries the wheel; the feet are planted while standing
    return s


def _handstand(t, subject, rng, span):
    """Kick up to a handstand and come down: arms up, step into a lunge and put the hands on
    the floor ahead, kick the back leg up and follow with the other until the body is upside
    down over the hands (arms overhead, legs up, a slight arch, eyes on the floor), balance
    for 0.5-2 s with small sways, step down the way up, stand (~1.5 s up, ~1.5 s down)."""
    s, style = Script(subject.style), subject.style
    front = "r" if rng.random() < 0.5 else "l"
    back = "l" if front == "r" else "r"
    arms_up = {"shoulder_flex_r": 170.0, "shoulder_flex_l": 170.0, "elbow_r": 5.0, "elbow_l": 5.0}
    # The lunge with the hands down, in the sagittal plane: the front leg sets the hip height H
    # (thigh cos + shin cos); the straight back leg reaches the floor (legs cos(back) = H); the
    # torso tips `pitch` and the arms reach the floor (arm cos(a) = H + torso cos(pitch) - wrist).
    body = Body(subject)
    pitch, knee = rng.uniform(100, 120), rng.uniform(50, 90)
    theta = rng.uniform(115, 128) - pitch  # the front hip flexed to 115-128 deg, the thigh about vertical
    height = body.thigh * math.cos(math.radians(theta)) + body.shin * math.cos(math.radians(theta - knee))
    back_leg = -math.degrees(math.acos(min(1.0, height / (body.thigh + body.shin))))
    drop = (height + body.torso * math.cos(math.radians(pitch)) - _WRIST_R) / body.arm
    reach = math.degrees(math.acos(max(-1.0, min(1.0, drop)))) + pitch  # shoulder flexion
    lunge = {"body_pitch": pitch, "pelvis_pitch": 0.0, f"hip_flex_{front}": theta + pitch, f"knee_{front}": knee,
             f"hip_flex_{back}": back_leg + pitch, f"knee_{back}": 0.0, "shoulder_flex_r": reach,
             "shoulder_flex_l": reach, "elbow_r": 5.0, "elbow_l": 5.0, "hands": 1.0,
             "support": 1.0 if back == "r" else -1.0, "neck_bend": -20.0}
    up, hold = rng.uniform(0.6, 0.9), rng.uniform(0.5, 2.0)
    times = [0.0, 0.5, 1.1, 1.1 + up, 1.1 + up + hold, 1.1 + 2 * up + hold, 1.7 + 2 * up + hold, 2.2 + 2 * up + hold]
    rest = rng.uniform(0.5, 1.5)
    u, active = _repetitions(t, span, times[-1] + rest, times[-1])
    u = torch.where(active, u, torch.zeros_like(u))  # repetitions that do not fit: standing
    sway = u - times[3]
    split = rng.uniform(0, 20)
    top = {"body_pitch": rng.uniform(170, 176) + 4 * torch.sin(_TAU * 0.7 * sway),
           "body_roll": 3 * torch.sin(_TAU * 0.5 * sway + 1.0), "pelvis_pitch": 0.0, "lower_bend": -rng.uniform(0, 10),
           f"hip_flex_{front}": split + 8 * torch.sin(_TAU * 0.7 * sway + 2.0), f"hip_flex_{back}": -split + 8 * torch.sin(_TAU * 0.7 * sway + 2.0),
           "knee_r": rng.uniform(0, 10), "knee_l": rng.uniform(0, 10), "shoulder_flex_r": 178.0, "shoulder_flex_l": 178.0,
           "shoulder_abd_r": rng.uniform(3, 10), "shoulder_abd_l": rng.uniform(3, 10), "elbow_r": 0.0, "elbow_l": 0.0,
           "neck_bend": -rng.uniform(20, 35), "hands": 1.0}
    postures = [{}, arms_up, lunge, top, top, lunge, arms_up, {}]
    s.update(keyframes(u, list(zip(times, postures)), s))
    return s


ACROBATICS = {"cartwheel": _cartwheel, "handstand": _handstand}
"""The inverted movements, in the order of their labels."""
