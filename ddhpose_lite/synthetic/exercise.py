"""Upright exercises: a forward fold to the floor, lunges, reaching high, jumping jacks.

Scripts ``(t, subject, rng, span) -> Script`` like ``actions``: cyclic, standing between
repetitions, the feet on the floor except in the hops of jumping jacks.
"""
from __future__ import annotations

import math

import torch

from .actions import GRAVITY
from .channels import Script
from .kinematics import BODY_RADII
from .postures import Body
from .timing import bump, cycle, pulse, smoothstep

__all__ = ["EXERCISE"]

_TAU = 2 * math.pi
_WRIST_R, _KNEE_R = BODY_RADII[13], BODY_RADII[2]


def _plateau(u: torch.Tensor, down: float, hold: float, up: float) -> torch.Tensor:
    """0 -> 1 over ``down`` s, 1 for ``hold`` s, 1 -> 0 over ``up`` s (smoothsteps), then 0."""
    return smoothstep(u / down) - smoothstep((u - down - hold) / up)


def _hanging_wrist(body: Body, legs: float, pelvis: float, lower: float, upper: float) -> float:
    """Height of hanging hands (wrist ball bottom) in a forward fold: legs straight, tipped
    ``legs`` deg with the feet forward; spine segments tipped pelvis + lower (+ upper) deg forward
    of upright; the arms hang straight down from the shoulders (sagittal-plane estimate)."""
    hip = (body.thigh + body.shin) * math.cos(math.radians(legs))
    spine = body.torso / 2  # pelvis -> spine and spine -> thorax are about equal
    thorax = hip + spine * (math.cos(math.radians(pelvis + lower)) + math.cos(math.radians(pelvis + lower + upper)))
    return thorax - body.arm - _WRIST_R


def _toe_touch(t, subject, rng, span):
    """Bend over with straight legs towards the floor and come back up (a forward fold): the
    hips flex up to ~85 deg and the lumbar and thoracic spine add ~20-45 and ~10-30 deg (trunk
    past the vertical, e.g. 120-150 deg from upright); the hips shift back over the heels (legs
    tipped 3-8 deg); the arms hang. A flexible person's hands reach the floor, a stiff one's stop
    above it; the fold is scaled so the hands never go below the floor (feet stay planted)."""
    s, style, body = Script(subject.style), subject.style, Body(subject)
    down, hold, up, rest = (rng.uniform(1.0, 1.6) / style.tempo, rng.uniform(0.5, 2.0),
                            rng.uniform(1.0, 1.6) / style.tempo, rng.uniform(0.3, 1.0))
    legs, pelvis, lower, upper = rng.uniform(3, 8), rng.uniform(60, 85), rng.uniform(20, 45), rng.uniform(10, 30)
    for scale in torch.linspace(1.0, 0.3, 15).tolist():  # the deepest fold that keeps the hands up
        if _hanging_wrist(body, legs, style.lean + pelvis * scale, lower * scale, style.slouch + upper * scale) > 0.02:
            break
    pelvis, lower, upper = pelvis * scale, lower * scale, upper * scale
    u, _ = cycle(t, down + hold + up + rest)
    fold = _plateau(u, down, hold, up)
    pitch = style.lean + pelvis * fold
    s["pelvis_pitch"] = pitch
    s["lower_bend"], s["upper_bend"] = lower * fold, style.slouch + upper * fold
    s["neck_bend"] = style.head_forward + rng.uniform(0, 25) * fold
    s.both("hip_flex", pitch + legs * fold)  # thigh angle = hip flexion - pelvis pitch
    s.both("knee", style.knee_rest * (1 - fold))
    s.both("shoulder_flex", (pitch + lower * fold + upper * fold) * rng.uniform(0.95, 1.05))  # hanging
    s.both("elbow", style.elbow_rest * (1 - fold) + rng.uniform(0, 10) * fold)
    return s


def _lunge(t, subject, rng, span):
    """Forward lunges on alternate legs: step forward, lower until the front thigh is 70-92 deg
    forward (horizontal at 90, the front shin about vertical) and the back knee 2-10 cm above
    the floor (higher where hip extension, stopping at ~-30 deg, does not allow it), push back
    and step back; 1.6-2.6 s per lunge. At the bottom both feet touch: the
    back leg's angles are solved from the hip height the front leg gives (thigh cos + shin cos =
    hip height); the back foot is planted."""
    s, style, body = Script(subject.style), subject.style, Body(subject)
    move, pause = rng.uniform(1.6, 2.6) / style.tempo, rng.uniform(0.2, 0.8)
    u, n = cycle(t, move + pause)
    depth = pulse(u, 0.0, move)
    first = 0 if rng.random() < 0.5 else 1
    right_front = torch.remainder(n + first, 2) == 0
    pitch = style.lean + rng.uniform(0, 10)
    front, front_shin = rng.uniform(70, 92), rng.uniform(0, 10)
    height = body.thigh * math.cos(math.radians(front)) + body.shin * math.cos(math.radians(front_shin))
    clear = (height - _KNEE_R - rng.uniform(0.02, 0.10)) / body.thigh  # the back knee stays 2-10 cm up
    back = -max(rng.uniform(5, 20), math.degrees(math.acos(max(-1.0, min(1.0, clear)))))
    back = max(back, -28.0 - (pitch - style.lean))  # hip extension stops at ~-30 deg (the knee stays higher)
    back_shin = -math.degrees(math.acos(max(-1.0, min(1.0, (height - body.thigh * math.cos(math.radians(back))) / body.shin))))
    s["pelvis_pitch"] = style.lean + (pitch - style.lean) * depth
    for side in "rl":
        ahead = right_front if side == "r" else ~right_front
        theta = torch.where(ahead, front * depth, back * depth)
        knee = torch.where(ahead, (front - front_shin) * depth, (back - back_shin) * depth)
        s[f"hip_flex_{side}"] = s["pelvis_pitch"] + theta
        s[f"knee_{side}"] = style.knee_rest + knee
    s["support"] = torch.where(right_front, -1.0, 1.0) * smoothstep(depth * 4)  # the back foot; both when standing
    if rng.random() < 0.5:  # hands on the hips
        s.both("shoulder_abd", rng.uniform(30, 45))
        s.both("elbow", rng.uniform(90, 110))
        s.both("shoulder_twist", -rng.uniform(10, 25))
    else:  # arms swing a little, opposite to the front leg
        swing = rng.uniform(10, 30) * depth
        s["shoulder_flex_r"] = torch.where(right_front, -swing, swing)
        s["shoulder_flex_l"] = -s["shoulder_flex_r"]
    return s


def _reach_high(t, subject, rng, span):
    """Reach up high with one or both arms (a shelf, a ball, a stretch): shoulders flexed
    150-180 deg, elbows nearly straight, shoulders shrugged, spine extended, head up, the trunk
    bent away from a single reaching arm; 2-4 s per reach."""
    s, style = Script(subject.style), subject.style
    period = rng.uniform(2.0, 4.0) / style.tempo
    u, n = cycle(t, period)
    reach = pulse(u, 0.0, 0.85 * period) ** 0.6
    both = rng.random() < 0.5
    first = 0 if rng.random() < 0.5 else 1
    right_turn = torch.remainder(n + first, 2) == 0  # one arm: alternate the arms
    height = rng.uniform(150, 178)
    for side in "rl":
        active = torch.ones_like(reach, dtype=torch.bool) if both else (right_turn if side == "r" else ~right_turn)
        amount = reach * active.double()
        s[f"shoulder_flex_{side}"] = height * amount
        s[f"shoulder_abd_{side}"] = style.arm_out + rng.uniform(0, 25) * amount
        s[f"elbow_{side}"] = style.elbow_rest * (1 - amount) + rng.uniform(0, 15) * amount
        s[f"shrug_{side}"] = rng.uniform(10, 25) * amount
    lean = rng.uniform(0, 12) * reach * (0.0 if both else 1.0)
    s["lower_side"] = torch.where(right_turn, -lean, lean)  # the reaching side lengthens
    s["upper_bend"] = style.slouch - rng.uniform(5, 15) * reach
    s["neck_bend"] = style.head_forward - rng.uniform(20, 40) * reach
    return s


def _jumping_jacks(t, subject, rng, span):
    """Jumping jacks: hop out to a straddle (hips abducted 20-30 deg) while the arms sweep out
    and overhead (shoulder abduction to 140-170), hop back in; 0.7-1.1 s per jack. Each hop is
    a short flight of 0.1-0.2 s (height g T^2 / 8, 1-5 cm) while the legs move fastest; the
    knees give at each landing."""
    s, style = Script(subject.style), subject.style
    period = rng.uniform(0.7, 1.1) / style.tempo
    flight = rng.uniform(0.1, 0.2)
    u, _ = cycle(t + rng.uniform(0, period), period)
    phase = u / period
    spread = (1 - torch.cos(_TAU * phase)) / 2
    for side in "rl":
        s[f"hip_abd_{side}"] = style.stance + rng.uniform(20, 30) * spread
        s[f"shoulder_abd_{side}"] = style.arm_out + rng.uniform(130, 160) * spread
        s[f"elbow_{side}"] = style.elbow_rest * (1 - spread) + rng.uniform(0, 20) * spread
        s[f"shoulder_twist_{side}"] = rng.uniform(20, 50) * spread  # palms turn up as the arms rise
    lift = torch.zeros_like(t)
    landing = torch.zeros_like(t)
    for centre in (0.25, 0.75):  # the legs move fastest a quarter and three quarters through
        air = ((u - (centre * period - flight / 2)) / flight).clamp(0, 1)
        lift = lift + GRAVITY * flight**2 / 8 * 4 * air * (1 - air)
        landing = landing + bump(_TAU * (phase - centre - (flight / 2 + 0.1 * period) / period), 0.0, 6.0)
    s["lift"] = lift
    s.both("knee", style.knee_rest + 5 + rng.uniform(10, 25) * landing)
    s.both("hip_flex", style.lean + 5 + 8 * landing)
    s["pelvis_pitch"] = style.lean + 3 * landing
    return s


EXERCISE = {"toe_touch": _toe_touch, "lunge": _lunge, "reach_high": _reach_high, "jumping_jacks": _jumping_jacks}
"""The upright exercises, in the order of their labels."""
