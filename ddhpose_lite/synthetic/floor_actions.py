"""Actions near and on the floor: lying, sitting, kneeling, crawling, floor exercises, crouching.

Each script is ``(t, subject, rng, span) -> Script`` like ``actions``; each gets down from
standing at the start of its span and up again at its end (``postures.program``; skipped when
the span starts or ends the recording), so cross-fades with other actions blend two standing
people. What happens on the floor is written in the ``hold`` of each script. Getting down and
up takes 2-4 s each way, so these actions want 5 s or more (``catalogue.MIX`` minimums); a
shorter span squeezes the transitions (down to 0.6x) and, below that, cuts into them.
"""
from __future__ import annotations

import math

import torch

from .channels import Script
from .postures import (HOLD, STAND, Body, all_fours, arm_reach, deep_squat, half_kneel, hook_lying, kneel_tall, mix,
                       plank, program, prone, side_lying, sit_cross, sit_long, sit_on_heels, supine)
from .timing import bump, cycle, pulse

__all__ = ["FLOOR"]

_TAU = 2 * math.pi


def _wave(rng, u: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """A slow random oscillation in [0, 1]: (1 - cos(2 pi f u + phase)) / 2, f in [low, high] Hz."""
    return (1 - torch.cos(_TAU * rng.uniform(low, high) * u + rng.uniform(0, _TAU))) / 2


def _breathe(out: dict, base, u: torch.Tensor, rng) -> dict:
    """Breathing (upper spine +-1 deg at ~0.25 Hz) and slow head turns on top of a posture."""
    out["upper_bend"] = out.get("upper_bend", base["upper_bend"]) + torch.sin(_TAU * rng.uniform(0.2, 0.3) * u)
    out["neck_turn"] = out.get("neck_turn", base["neck_turn"]) + rng.uniform(-30, 30) * (2 * _wave(rng, u, 0.05, 0.15) - 1)
    return out


def _lie_back(t, subject, rng, span):
    """Lie down on the back (squat, sit, lie back) and get up (sit up or roll to a side first,
    then squat and stand); on the floor the knees drift up and down."""
    s, body = Script(subject.style), Body(subject)
    flat, bent = supine(body, rng), hook_lying(body, rng)
    bent.update({k: v for k, v in flat.items() if not k.startswith(("hip_", "knee_"))})
    sit, squat = sit_long(body, rng, hands_behind=True), deep_squat(body, rng, hands_down=True)
    amount = rng.uniform(0, 1) if rng.random() < 0.7 else 0.0

    def hold(start, end):
        u = t - start
        return _breathe(mix(s, flat, bent, amount * _wave(rng, u, 0.05, 0.12)), s, u, rng)

    entry = [(rng.uniform(0.8, 1.2), squat), (rng.uniform(0.8, 1.1), sit), (rng.uniform(0.8, 1.2), HOLD)]
    if rng.random() < 0.5:  # sit up
        leave = [(rng.uniform(0.8, 1.2), sit_long(body, rng)), (rng.uniform(0.8, 1.1), squat), (rng.uniform(0.8, 1.1), STAND)]
    else:  # roll to a side, push up to sitting
        leave = [(rng.uniform(0.6, 0.9), side_lying(body, rng, rng.choice((-90.0, 90.0)))),
                 (rng.uniform(0.8, 1.1), sit_long(body, rng)), (rng.uniform(0.8, 1.1), squat), (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _lie_side(t, subject, rng, span):
    """Lie down on a side (squat, sit, lean back and roll onto the side) and get up through
    sitting; on the floor the top leg and arm shift a little."""
    s, body = Script(subject.style), Body(subject)
    roll = float(rng.choice((-90.0, 90.0)))
    lie = side_lying(body, rng, roll)
    top = "l" if roll > 0 else "r"
    sit, squat = sit_long(body, rng, hands_behind=True), deep_squat(body, rng, hands_down=True)

    def hold(start, end):
        u = t - start
        out = _breathe(dict(lie), s, u, rng)
        out[f"hip_flex_{top}"] = lie[f"hip_flex_{top}"] + rng.uniform(0, 20) * _wave(rng, u, 0.05, 0.15)
        out[f"shoulder_flex_{top}"] = lie[f"shoulder_flex_{top}"] + rng.uniform(0, 30) * _wave(rng, u, 0.05, 0.15)
        return out

    entry = [(rng.uniform(0.8, 1.2), squat), (rng.uniform(0.8, 1.1), sit), (rng.uniform(0.9, 1.3), HOLD)]
    leave = [(rng.uniform(0.9, 1.3), sit_long(body, rng)), (rng.uniform(0.8, 1.1), squat), (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _lie_front(t, subject, rng, span):
    """Lie down on the front (kneel, all fours, slide down) and get up (push up to all fours,
    one knee, stand); on the floor the lower legs may swing."""
    s, body = Script(subject.style), Body(subject)
    lie, fours = prone(body, rng), all_fours(body, rng)
    swing = rng.uniform(40, 90) if rng.random() < 0.5 else 0.0
    freq = rng.uniform(0.3, 0.8)

    def hold(start, end):
        u = t - start
        out = _breathe(dict(lie), s, u, rng)
        phase = _TAU * freq * u
        out["knee_r"] = lie["knee_r"] + swing * (1 + torch.sin(phase)) / 2
        out["knee_l"] = lie["knee_l"] + swing * (1 - torch.sin(phase)) / 2
        return out

    front = "r" if rng.random() < 0.5 else "l"
    entry = [(rng.uniform(0.9, 1.2), kneel_tall(body, rng)), (rng.uniform(0.7, 1.0), fours), (rng.uniform(0.9, 1.2), HOLD)]
    leave = [(rng.uniform(0.8, 1.1), fours), (rng.uniform(0.8, 1.1), half_kneel(body, rng, front)),
             (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _sit_floor(t, subject, rng, span):
    """Sit on the floor, cross-legged or with the legs stretched (sometimes reaching to the
    toes), look around; get up through a squat or all fours and one knee."""
    s, body = Script(subject.style), Body(subject)
    cross = rng.random() < 0.5
    seat = sit_cross(body, rng) if cross else sit_long(body, rng)
    reach = 0.0 if cross or rng.random() < 0.5 else rng.uniform(15, 35)
    freq = rng.uniform(0.1, 0.25)

    def hold(start, end):
        u = t - start
        out = _breathe(dict(seat), s, u, rng)
        if reach:  # a forward stretch towards the toes, arms forward
            bend = reach * pulse(cycle(u, 1 / freq)[0] * freq, 0.2, 0.6)
            out["pelvis_pitch"] = seat["pelvis_pitch"] + bend
            out["lower_bend"] = seat["lower_bend"] + 0.6 * bend
            out["hip_flex_r"] = seat["hip_flex_r"] + bend
            out["hip_flex_l"] = seat["hip_flex_l"] + bend
            for side in "rl":
                out[f"shoulder_flex_{side}"] = seat[f"shoulder_flex_{side}"] * (1 - bend / reach) + 90 * bend / reach
        return out

    front = "r" if rng.random() < 0.5 else "l"
    entry = [(rng.uniform(1.0, 1.3), deep_squat(body, rng, hands_down=True)), (rng.uniform(0.9, 1.2), HOLD)]
    if cross:
        leave = [(rng.uniform(0.9, 1.2), all_fours(body, rng)), (rng.uniform(0.8, 1.1), half_kneel(body, rng, front)),
                 (rng.uniform(0.8, 1.1), STAND)]
    else:
        leave = [(rng.uniform(0.9, 1.2), deep_squat(body, rng, hands_down=True)), (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _kneel(t, subject, rng, span):
    """Kneel on one knee (as to tie a shoe), upright on both knees, or sitting back on the heels;
    the hands work in front. Down and up through kneeling on one knee."""
    s, body = Script(subject.style), Body(subject)
    front = "r" if rng.random() < 0.5 else "l"
    one = half_kneel(body, rng, front)
    kind = rng.choice(("one", "both", "heels"))
    pose = one if kind == "one" else kneel_tall(body, rng) if kind == "both" else sit_on_heels(body, rng)
    work = rng.uniform(20, 60)

    def hold(start, end):
        u = t - start
        out = _breathe(dict(pose), s, u, rng)
        for side, shift in (("r", 0.0), ("l", rng.uniform(0, _TAU))):
            phase = _TAU * rng.uniform(0.3, 0.8) * u + shift
            out[f"shoulder_flex_{side}"] = pose[f"shoulder_flex_{side}"] + work * (1 + torch.sin(phase)) / 2
            out[f"elbow_{side}"] = pose[f"elbow_{side}"] + 0.5 * work * (1 + torch.cos(phase)) / 2
        return out

    steps = [(rng.uniform(0.9, 1.2), one)] if kind != "one" else []
    if kind == "heels":
        steps.append((rng.uniform(0.6, 0.9), kneel_tall(body, rng)))
    entry = steps + [(rng.uniform(0.6, 0.9) if steps else rng.uniform(0.9, 1.2), HOLD)]
    leave = ([(rng.uniform(0.7, 1.0), one)] if kind != "one" else []) + [(rng.uniform(0.9, 1.2), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _crawl(t, subject, rng, span):
    """Crawl on hands and knees: a lateral-sequence gait (each knee followed a quarter cycle
    later by the hand of the same side; Righetti et al., Front Neurol 6:17, 2015; adults also
    pair the diagonal limbs, Patrick et al., J Neurophysiol 101, 2009), ~0.6-1 cycles/s; each
    limb sweeps +-12-20 deg (the knee following the thigh so the shin stays on the floor) and
    lifts while it swings forward."""
    s, body = Script(subject.style), Body(subject)
    fours = all_fours(body, rng)
    freq, hip_amp, arm_amp = rng.uniform(0.6, 1.0), rng.uniform(12, 20), rng.uniform(12, 20)
    speed = 2 * body.thigh * math.sin(math.radians(hip_amp)) * freq  # one stride per cycle
    turn = rng.uniform(-20, 20)

    def hold(start, end):
        u = t - start
        out = dict(fours)
        phase = _TAU * freq * u
        for limb, offset in (("knee_l", 0.0), ("hand_l", 0.25), ("knee_r", 0.5), ("hand_r", 0.75)):
            side, psi = limb[-1], phase - _TAU * offset
            lift = bump(psi, 0.0, 2.0)
            if limb.startswith("knee"):
                sweep = hip_amp * torch.sin(psi)  # the knee follows the thigh so the shin stays flat
                out[f"hip_flex_{side}"] = fours[f"hip_flex_{side}"] + sweep
                out[f"knee_{side}"] = fours[f"knee_{side}"] + sweep + 25 * lift
            else:
                out[f"shoulder_flex_{side}"] = fours[f"shoulder_flex_{side}"] + arm_amp * torch.sin(psi)
                out[f"elbow_{side}"] = fours[f"elbow_{side}"] + 25 * lift
        out["lower_side"] = 5 * torch.sin(phase)
        out["neck_turn"] = 10 * torch.sin(0.3 * phase)
        out.update({"speed": speed, "turn_rate": turn, "plant": 0.0})
        return out

    front = "r" if rng.random() < 0.5 else "l"
    entry = [(rng.uniform(0.9, 1.2), kneel_tall(body, rng)), (rng.uniform(0.7, 1.0), HOLD)]
    leave = [(rng.uniform(0.7, 1.0), kneel_tall(body, rng)), (rng.uniform(0.8, 1.1), half_kneel(body, rng, front)),
             (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _push_up(t, subject, rng, span):
    """Push-ups: from a plank, lower until the shoulders are ~0.2 m above the floor, elbows to
    ~90-110 deg, and push back up (Freeman et al. 2006: hands under the shoulders, body straight
    from the shoulders to the ankles); 1.4-2.5 s per repetition. The hands stay where they are:
    the body turns about the toes and each arm is a two-link chain reaching its hand."""
    s, body = Script(subject.style), Body(subject)
    top = plank(body, rng)
    length = body.thigh + body.shin + body.torso  # toes (ankles) to shoulders
    h_top = math.cos(math.radians(top["body_pitch"])) * length  # shoulder height = reach + wrist radius
    shrink = arm_reach(body, top["shoulder_abd_r"]) / body.arm  # the arms' sagittal projection
    wrist = h_top - body.arm * shrink  # the hand's height (its ball radius)
    h_low, freq = rng.uniform(0.18, 0.26), rng.uniform(0.4, 0.7)
    a, b = body.upper_arm * shrink, body.forearm * shrink

    def hold(start, end):
        u = t - start
        depth = (1 - torch.cos(_TAU * freq * u.clamp(min=0))) / 2
        height = h_top - depth * (h_top - h_low)
        tilt = torch.asin(height / length)
        reach_x = math.cos(math.asin(h_top / length)) * length - torch.cos(tilt) * length  # hand - shoulder, <= 0
        reach_z = wrist - height
        d = torch.sqrt(reach_x**2 + reach_z**2).clamp(abs(a - b) + 1e-3, a + b - 1e-6)
        elbow = math.pi - torch.acos(((a * a + b * b - d * d) / (2 * a * b)).clamp(-1, 1))
        alpha = torch.acos(((a * a + d * d - b * b) / (2 * a * d)).clamp(-1, 1))
        upper = torch.atan2(reach_x, -reach_z) - alpha  # forward of straight down
        pitch = 90 - torch.rad2deg(tilt)
        out = dict(top)
        out["body_pitch"] = pitch
        for side in "rl":
            out[f"shoulder_flex_{side}"] = torch.rad2deg(upper) + pitch
            out[f"elbow_{side}"] = torch.rad2deg(elbow)
        return out

    front = "r" if rng.random() < 0.5 else "l"
    if rng.random() < 0.5:  # squat, hands down, step back
        entry = [(rng.uniform(0.9, 1.2), deep_squat(body, rng, hands_down=True)), (rng.uniform(0.9, 1.2), HOLD)]
        leave = [(rng.uniform(0.9, 1.2), deep_squat(body, rng, hands_down=True)), (rng.uniform(0.8, 1.1), STAND)]
    else:  # kneel, all fours, knees back
        entry = [(rng.uniform(0.9, 1.2), kneel_tall(body, rng)), (rng.uniform(0.7, 1.0), all_fours(body, rng)),
                 (rng.uniform(0.7, 1.0), HOLD)]
        leave = [(rng.uniform(0.7, 1.0), all_fours(body, rng)), (rng.uniform(0.8, 1.1), half_kneel(body, rng, front)),
                 (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _sit_up(t, subject, rng, span):
    """Sit-ups (or crunches) lying on the back, knees up, feet flat: the trunk curls up by
    55-75 deg (crunches 25-35) about the hips while the legs stay put; 1.4-2.5 s per
    repetition (a 1-minute test counts 25-45 for most adults); hands behind the head or
    reaching to the knees."""
    s, body = Script(subject.style), Body(subject)
    lie = hook_lying(body, rng)
    rise = rng.uniform(55, 75) if rng.random() < 0.7 else rng.uniform(25, 35)
    freq = rng.uniform(0.4, 0.7)
    behind_head = rng.random() < 0.5
    curl = (rng.uniform(10, 25), rng.uniform(10, 25), rng.uniform(15, 35))

    def hold(start, end):
        u = t - start
        up = pulse(cycle(u.clamp(min=0), 1 / freq)[0] * freq, 0.0, 0.85)  # rest a little at the bottom
        out = dict(lie)
        out["body_pitch"] = lie["body_pitch"] + rise * up
        for side in "rl":
            out[f"hip_flex_{side}"] = lie[f"hip_flex_{side}"] + rise * up
        mid = torch.sin(math.pi * up)  # the spine curls most on the way
        out["lower_bend"], out["upper_bend"] = curl[0] * (up + mid) / 2, curl[1] * (up + mid) / 2
        out["neck_bend"] = curl[2] * up**0.5
        if behind_head:
            out.update({f"{c}_{sd}": v for sd in "rl" for c, v in (("shoulder_flex", 150.0), ("shoulder_abd", 70.0),
                                                                 ("elbow", 140.0))})
        else:
            torso = out["body_pitch"] + out["lower_bend"] + out["upper_bend"]
            for side in "rl":  # arms reach forward, parallel to the floor-ish
                out[f"shoulder_flex_{side}"] = 90 + 0.5 * (torso + 90)
                out[f"elbow_{side}"] = 5.0
        return out

    entry = [(rng.uniform(0.8, 1.2), deep_squat(body, rng, hands_down=True)),
             (rng.uniform(0.8, 1.1), sit_long(body, rng, hands_behind=True)), (rng.uniform(0.8, 1.2), HOLD)]
    leave = [(rng.uniform(0.8, 1.2), sit_long(body, rng)), (rng.uniform(0.8, 1.1), deep_squat(body, rng, hands_down=True)),
             (rng.uniform(0.8, 1.1), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


def _crouch(t, subject, rng, span):
    """Go down into a full squat (heels down) and stay there, hands working near the floor,
    weight shifting from side to side; stand up."""
    s, body = Script(subject.style), Body(subject)
    low = deep_squat(body, rng, hands_down=rng.random() < 0.7)
    shift, freq = rng.uniform(2, 8), rng.uniform(0.2, 0.5)

    def hold(start, end):
        u = t - start
        out = _breathe(dict(low), s, u, rng)
        sway = torch.sin(_TAU * rng.uniform(0.1, 0.3) * u)
        out["pelvis_roll"] = shift * sway
        out["hip_abd_r"], out["hip_abd_l"] = low["hip_abd_r"] + shift * sway, low["hip_abd_l"] - shift * sway
        for side, offset in (("r", 0.0), ("l", math.pi)):
            phase = _TAU * freq * u + offset
            out[f"shoulder_flex_{side}"] = low[f"shoulder_flex_{side}"] + 15 * torch.sin(phase)
            out[f"elbow_{side}"] = low[f"elbow_{side}"] + 20 * (1 + torch.cos(phase)) / 2
        return out

    entry = [(rng.uniform(0.9, 1.4), HOLD)]
    leave = [(rng.uniform(0.9, 1.3), STAND)]
    s.update(program(t, span, s, entry, hold, leave))
    return s


FLOOR = {
    "lie_back": _lie_back, "lie_side": _lie_side, "lie_front": _lie_front, "sit_floor": _sit_floor,
    "kneel": _kneel, "crawl": _crawl, "push_up": _push_up, "sit_up": _sit_up, "crouch": _crouch,
}
"""The actions near and on the floor, in the order of their labels."""
