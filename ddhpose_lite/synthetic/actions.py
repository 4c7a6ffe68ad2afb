"""Everyday upright motion: one script per action, writing joint-angle channels over time.

Each script is ``(t [F] seconds, subject, rng, span) -> Script``: t = 0 is where the action
starts (t < 0 happens during the blend from the previous action); ``span`` (``timing.Span``)
says how long the action lasts, which these cyclic actions do not need. Scripts write degrees
into the channels of ``channels.CHANNELS``; the limits are applied after blending. The feet stay
on the floor (the lowest ankle touches it) except in the flight of a jump or a run.
"""
from __future__ import annotations

import math

import torch

from .channels import Script
from .timing import bump, cycle, pulse, smoothstep

__all__ = ["EVERYDAY", "GRAVITY"]

GRAVITY = 9.81  # m/s^2


def _gait(t, subject, rng, *, cadence, hip_amp, knee_swing, knee_width, knee_load, arm_amp, elbow, lean):
    """Shared by walk and run. Gait angles after Perry & Burnfield, "Gait Analysis" (2010):
    the hip swings sinusoidally, the knee flexes early in swing (~60 deg walking) and a little
    at loading; arms swing opposite to the legs. Speed = stride length x cadence, with stride
    length = 2 steps x 2 L sin(hip amplitude) for leg length L."""
    s, style = Script(subject.style), subject.style
    freq = cadence * (1 + 0.5 * (style.tempo - 1))  # half the personal range: speed grows as
    size = 1 + 0.5 * (style.amplitude - 1)  # cadence x stride, keep it within human limits
    hip_amp, arm_amp = hip_amp * size, arm_amp * style.amplitude
    phase_r = 2 * math.pi * freq * t + rng.uniform(0, 2 * math.pi)
    asym = 1 + style.asymmetry
    for side, phase, gain in (("r", phase_r, asym), ("l", phase_r + math.pi, 2 - asym)):
        s[f"hip_flex_{side}"] = lean + 5 + gain * hip_amp * torch.sin(phase)
        s[f"knee_{side}"] = (style.knee_rest + gain * knee_swing * bump(phase, -math.pi / 4, knee_width)
                             + knee_load * bump(phase, math.pi / 2 + 0.5, 4.0))
        s[f"shoulder_flex_{side}"] = -gain * arm_amp * torch.sin(phase) + 5
        s[f"elbow_{side}"] = elbow + 0.3 * arm_amp * (1 - torch.sin(phase)) / 2
    s["pelvis_pitch"] = lean
    s["pelvis_yaw"] = 5 * style.amplitude * torch.sin(phase_r)
    s["upper_twist"] = -6 * style.amplitude * torch.sin(phase_r)
    s["pelvis_roll"] = 3 * torch.sin(2 * phase_r)
    leg = float(subject.bone_lengths[1:3].sum())
    speed = 4 * leg * math.sin(math.radians(hip_amp)) * freq
    radius = rng.uniform(1.5, 3.5)  # walk in circles, as Human3.6M subjects do
    s["speed"] = speed
    s["turn_rate"] = math.degrees(speed / radius) * rng.choice((-1.0, 1.0))
    s["plant"] = 0.0
    return s, phase_r, freq


def _walk(t, subject, rng, span):
    s, _, _ = _gait(t, subject, rng, cadence=rng.uniform(0.8, 1.05), hip_amp=rng.uniform(18, 28),
                    knee_swing=rng.uniform(50, 65), knee_width=2.5, knee_load=rng.uniform(5, 15),
                    arm_amp=rng.uniform(10, 25), elbow=subject.style.elbow_rest + 5,
                    lean=subject.style.lean)
    return s


def _run(t, subject, rng, span):
    s, phase, _ = _gait(t, subject, rng, cadence=rng.uniform(1.2, 1.45), hip_amp=rng.uniform(28, 38),
                        knee_swing=rng.uniform(80, 105), knee_width=1.2, knee_load=rng.uniform(20, 35),
                        arm_amp=rng.uniform(25, 45), elbow=rng.uniform(75, 95),
                        lean=rng.uniform(5, 12))
    # Two short flights per stride, when the legs are spread (just after toe-off).
    s["lift"] = rng.uniform(0.03, 0.08) * torch.clamp(-torch.cos(2 * phase - 0.6), min=0) ** 2
    return s


def _jump(t, subject, rng, span):
    """Repeated jumps: crouch, push off, ballistic flight of T s (height g T^2 / 8), land, absorb."""
    s, style = Script(subject.style), subject.style
    flight = rng.uniform(0.3, 0.45)
    prep, absorb, rest = rng.uniform(0.45, 0.7), rng.uniform(0.3, 0.45), rng.uniform(0.2, 0.8)
    u, _ = cycle(t + 0.1, (prep + flight + absorb + rest) / style.tempo)
    u = u * style.tempo
    crouch = pulse(u, 0.0, prep) + 0.6 * pulse(u, prep + flight, absorb)
    air = ((u - prep) / flight).clamp(0, 1)  # 0..1 through the flight
    in_air = torch.sin(math.pi * air)  # 0 at take-off and landing
    knee = rng.uniform(70, 110)
    tuck = rng.uniform(0, 60)
    pitch = rng.uniform(15, 35) * crouch
    s.both("knee", style.knee_rest + knee * crouch + tuck * in_air)
    s.both("hip_flex", 0.75 * knee * crouch + pitch + 0.7 * tuck * in_air)
    s["pelvis_pitch"] = style.lean + pitch
    arms_up = rng.uniform(60, 160)
    swing_up = pulse(u, 0.5 * prep, 0.5 * prep + flight + 0.5 * absorb)  # arms drive the take-off
    s.both("shoulder_flex", -35 * pulse(u, 0.0, 0.6 * prep) + arms_up * swing_up)
    s.both("elbow", style.elbow_rest + 15 * crouch)
    s["lift"] = GRAVITY * flight**2 / 8 * 4 * air * (1 - air)  # h(s) = 4 h_max s (1 - s)
    s["speed"] = rng.uniform(0.0, 0.6) / flight * (in_air > 0).double()  # optional hop forward
    return s


def _squat(t, subject, rng, span):
    s, style = Script(subject.style), subject.style
    freq = rng.uniform(0.25, 0.5) * style.tempo
    depth = (1 - torch.cos(2 * math.pi * freq * t)) / 2
    knee = min(135.0, rng.uniform(70, 130) * style.amplitude)
    thigh = knee * rng.uniform(0.6, 0.75)  # thigh angle from vertical; the shin leans forward
    pitch = rng.uniform(15, 35) * depth
    s.both("knee", style.knee_rest + knee * depth)
    s.both("hip_flex", thigh * depth + pitch + style.lean)  # hip angle = thigh + pelvis tilt
    s.both("hip_abd", style.stance + rng.uniform(0, 15) * depth)
    s["pelvis_pitch"] = style.lean + pitch
    s["upper_bend"] = style.slouch - 5 * depth
    arms = rng.uniform(30, 90)
    s.both("shoulder_flex", arms * depth)
    return s


def _wave(t, subject, rng, span):
    s, style = Script(subject.style), subject.style
    freq = rng.uniform(1.5, 3.0)
    sides = ("r",) if rng.random() < 0.6 else ("l",) if rng.random() < 0.75 else ("r", "l")
    swing = rng.uniform(15, 30) * torch.sin(2 * math.pi * freq * t)
    for side in sides:
        s[f"shoulder_abd_{side}"] = rng.uniform(80, 130)
        s[f"shoulder_flex_{side}"] = rng.uniform(0, 40)
        s[f"shoulder_twist_{side}"] = rng.uniform(60, 90)  # external: the forearm points up
        s[f"elbow_{side}"] = rng.uniform(35, 70) + swing
        s[f"shrug_{side}"] = rng.uniform(0, 10)
    s["neck_turn"] = rng.uniform(-20, 20)
    s["pelvis_roll"] = 2 * torch.sin(2 * math.pi * 0.3 * t)
    return s


def _sit(t, subject, rng, span):
    """Sit down on a chair, stay, stand up (leaning forward to rise), stand; repeated."""
    s, style = Script(subject.style), subject.style
    down, seated, up, standing = (rng.uniform(0.8, 1.5), rng.uniform(1.5, 4.0),
                                  rng.uniform(0.8, 1.5), rng.uniform(0.5, 2.0))
    u, _ = cycle(t, down + seated + up + standing)
    sitting = smoothstep(u / down) - smoothstep((u - down - seated) / up)
    rising = pulse(u, 0.0, down) + pulse(u, down + seated, up)  # lean forward while moving
    hip, knee = rng.uniform(80, 95), rng.uniform(75, 100)
    seat_lean, move_lean = rng.uniform(-5, 10), rng.uniform(20, 40)
    pitch = style.lean + seat_lean * sitting + move_lean * rising
    s["pelvis_pitch"] = pitch
    s.both("hip_flex", hip * sitting + pitch)
    s.both("knee", style.knee_rest + knee * sitting)
    s.both("hip_abd", style.stance + rng.uniform(0, 12) * sitting)
    s.both("shoulder_flex", rng.uniform(20, 45) * sitting + 20 * rising)
    s.both("elbow", style.elbow_rest + rng.uniform(20, 60) * sitting)
    s["neck_turn"] = rng.uniform(-25, 25) * torch.sin(2 * math.pi * 0.2 * t) * sitting
    return s


def _pick_up(t, subject, rng, span):
    """Bend to pick something up from the floor (stoop or squat), or reach up to a shelf."""
    s, style = Script(subject.style), subject.style
    period = rng.uniform(2.0, 4.0) / style.tempo
    u, _ = cycle(t, period)
    reach = pulse(u, 0.1 * period, 0.8 * period) ** 0.7
    arms = ("r", "l") if rng.random() < 0.5 else ("r",) if rng.random() < 0.6 else ("l",)
    if rng.random() < 0.7:  # down to the floor
        knee = rng.uniform(10, 90)
        bend = rng.uniform(45, 75) - 0.35 * knee
        lower = rng.uniform(5, 20)
        s["pelvis_pitch"] = style.lean + bend * reach
        s["lower_bend"] = lower * reach
        s["neck_bend"] = style.head_forward + 10 * reach
        s.both("knee", style.knee_rest + knee * reach)
        s.both("hip_flex", style.lean + (bend + 0.5 * knee) * reach)
        for side in arms:  # the arm hangs (it follows the torso) and reaches a little further
            s[f"shoulder_flex_{side}"] = (bend + lower) * reach * rng.uniform(0.8, 1.1)
            s[f"elbow_{side}"] = style.elbow_rest * (1 - reach)
    else:  # up to a shelf
        for side in arms:
            s[f"shoulder_flex_{side}"] = rng.uniform(110, 170) * reach
            s[f"shoulder_abd_{side}"] = style.arm_out + rng.uniform(0, 20) * reach
            s[f"elbow_{side}"] = style.elbow_rest + rng.uniform(0, 20) * reach
        s["upper_bend"] = style.slouch - rng.uniform(0, 12) * reach
        s["neck_bend"] = style.head_forward - rng.uniform(10, 30) * reach
    return s


def _turn(t, subject, rng, span):
    """Turn on the spot by 90-200 degrees with small steps, pause, turn again."""
    s, style = Script(subject.style), subject.style
    duration, pause = rng.uniform(1.0, 2.0) / style.tempo, rng.uniform(0.3, 1.5)
    u, n = cycle(t, duration + pause)
    angles = torch.from_numpy(rng.uniform(90, 200, size=8) * rng.choice((-1.0, 1.0), size=8))
    angle = angles[torch.remainder(n, 8)]
    activity = pulse(u, 0.0, duration)  # integrates to duration / 2
    s["turn_rate"] = angle * activity * 2 / duration
    step = 2 * math.pi * rng.uniform(1.6, 2.2) * t
    s["hip_flex_r"] = style.lean + 10 * activity * torch.sin(step)
    s["hip_flex_l"] = style.lean - 10 * activity * torch.sin(step)
    s["knee_r"] = style.knee_rest + 30 * activity * bump(step, 0.0, 2.0)
    s["knee_l"] = style.knee_rest + 30 * activity * bump(step, math.pi, 2.0)
    s["neck_turn"] = 0.15 * s["turn_rate"].clamp(-200, 200)  # look where you turn
    s["pelvis_yaw"] = 0.05 * s["turn_rate"].clamp(-200, 200)
    return s


def _kick(t, subject, rng, span):
    """Front kicks: chamber the knee, extend, re-chamber, put the foot down; arms guard."""
    s, style = Script(subject.style), subject.style
    side, other = ("r", "l") if rng.random() < 0.6 else ("l", "r")
    kick_time, rest = rng.uniform(0.6, 1.0) / style.tempo, rng.uniform(0.3, 1.2)
    u, _ = cycle(t, kick_time + rest)
    raise_ = pulse(u, 0.0, kick_time)
    snap = pulse(u, 0.3 * kick_time, 0.4 * kick_time)  # the knee extends at the top
    hip = rng.uniform(50, 100) * style.amplitude
    chamber = hip * rng.uniform(0.8, 1.1)  # shin about vertical while the knee comes up
    s[f"hip_flex_{side}"] = style.lean + hip * raise_
    s[f"knee_{side}"] = style.knee_rest + chamber * raise_ * (1 - snap)
    s[f"knee_{other}"] = style.knee_rest + rng.uniform(5, 20) * raise_
    s["pelvis_pitch"] = style.lean - rng.uniform(5, 15) * raise_
    s.both("shoulder_flex", rng.uniform(20, 50))
    s.both("shoulder_abd", rng.uniform(10, 30))
    s.both("elbow", rng.uniform(70, 120))
    s["support"] = -1.0 if side == "r" else 1.0
    return s


def _stretch(t, subject, rng, span):
    """Arms overhead and slow side bends (or arms raised sideways and a twist)."""
    s, style = Script(subject.style), subject.style
    sway = torch.sin(2 * math.pi * rng.uniform(0.12, 0.3) * t + rng.uniform(0, 2 * math.pi))
    if rng.random() < 0.6:
        s.both("shoulder_flex", rng.uniform(150, 175))
        s.both("elbow", rng.uniform(0, 20))
        bend = rng.uniform(10, 20) * sway
        s["lower_side"], s["upper_side"] = bend, 0.8 * bend
        s["upper_bend"] = -rng.uniform(0, 10)
    else:
        s.both("shoulder_abd", rng.uniform(80, 100))
        s.both("elbow", rng.uniform(0, 15))
        twist = rng.uniform(15, 30) * sway
        s["lower_twist"], s["upper_twist"], s["neck_turn"] = twist, twist, 0.5 * twist
    return s


def _boxing(t, subject, rng, span):
    """Guard stance, bouncing, alternating straight punches with a torso twist."""
    s, style = Script(subject.style), subject.style
    lead = 1.0 if rng.random() < 0.5 else -1.0  # +1: left foot forward (orthodox)
    s["pelvis_yaw"] = -lead * rng.uniform(15, 30)
    s["hip_flex_l"] = style.lean + lead * rng.uniform(10, 20)
    s["hip_flex_r"] = style.lean - lead * rng.uniform(5, 15)
    bounce = rng.uniform(5, 10) * (1 + torch.sin(2 * math.pi * rng.uniform(1.5, 2.5) * t)) / 2
    s.both("knee", style.knee_rest + rng.uniform(10, 20) + bounce)
    s.both("hip_abd", style.stance + rng.uniform(5, 12))
    interval, punch = rng.uniform(0.4, 0.9) / style.tempo, rng.uniform(0.25, 0.4)
    u, _ = cycle(t, 2 * interval)
    guard_flex, guard_abd, guard_elbow = rng.uniform(30, 50), rng.uniform(15, 30), rng.uniform(110, 130)
    for side, start, sign in (("r", 0.0, 1.0), ("l", interval, -1.0)):
        hit = pulse(u, start, punch)
        s[f"shoulder_flex_{side}"] = guard_flex + (rng.uniform(75, 95) - guard_flex) * hit
        s[f"shoulder_abd_{side}"] = guard_abd * (1 - hit) + rng.uniform(0, 10) * hit
        s[f"shoulder_twist_{side}"] = -10 * (1 - hit)
        s[f"elbow_{side}"] = guard_elbow * (1 - hit) + rng.uniform(0, 15) * hit
        s.add("upper_twist", sign * rng.uniform(10, 25) * hit)  # right punch turns the chest left
    s["neck_bend"] = style.head_forward + 10
    return s


def _bow(t, subject, rng, span):
    s, style = Script(subject.style), subject.style
    period = rng.uniform(2.5, 4.0) / style.tempo
    u, _ = cycle(t, period)
    down = smoothstep(u / (0.3 * period)) - smoothstep((u - 0.6 * period) / (0.3 * period))
    pitch, lower = rng.uniform(25, 70) * style.amplitude, rng.uniform(0, 15)
    s["pelvis_pitch"] = style.lean + pitch * down
    s["lower_bend"] = lower * down
    s.both("hip_flex", style.lean + pitch * down)  # legs stay straight and vertical
    s["neck_bend"] = style.head_forward + rng.uniform(5, 25) * down
    if rng.random() < 0.5:  # arms hang under gravity
        s.both("shoulder_flex", 0.9 * (pitch + lower) * down)
    else:  # hands at the sides
        s.both("shoulder_abd", 0.0)
    return s


def _clap(t, subject, rng, span):
    """Clap in front of the chest: arms forward, hands swing together (horizontal adduction)."""
    s = Script(subject.style)
    freq = rng.uniform(1.5, 3.0) * subject.style.tempo
    together = (1 + torch.cos(2 * math.pi * freq * t)) / 2
    flex = rng.uniform(55, 85)
    s.both("shoulder_flex", flex)
    s.both("shoulder_abd", 20 - 37 * together)  # -17 deg brings the hands to the midline
    s.both("elbow", rng.uniform(10, 40))
    s.both("shoulder_twist", -rng.uniform(0, 15))
    s["neck_bend"] = subject.style.head_forward + rng.uniform(0, 10)
    return s


def _look_around(t, subject, rng, span):
    s = _idle(t, subject, rng, span)
    freq = rng.uniform(0.12, 0.3)
    turn = rng.uniform(40, 70) * torch.sin(2 * math.pi * freq * t + rng.uniform(0, 2 * math.pi))
    s["neck_turn"] = turn
    s["upper_twist"] = 0.3 * turn
    s["neck_bend"] = subject.style.head_forward + rng.uniform(-15, 15) * torch.sin(2 * math.pi * 1.7 * freq * t)
    return s


def _idle(t, subject, rng, span):
    """Standing: weight shifts from foot to foot, breathing, small head movements."""
    s, style = Script(subject.style), subject.style
    shift = torch.sin(2 * math.pi * rng.uniform(0.15, 0.35) * t + rng.uniform(0, 2 * math.pi))
    s["pelvis_roll"] = rng.uniform(2, 5) * shift
    s["hip_abd_r"] = style.stance + 3 * shift
    s["hip_abd_l"] = style.stance - 3 * shift
    s["upper_bend"] = style.slouch + 1.0 * torch.sin(2 * math.pi * 0.25 * t)  # breathing
    s["neck_turn"] = rng.uniform(-10, 10) * torch.sin(2 * math.pi * 0.13 * t)
    if rng.random() < 0.3:  # hands on the hips
        s.both("shoulder_abd", rng.uniform(30, 45))
        s.both("elbow", rng.uniform(90, 110))
        s.both("shoulder_twist", -rng.uniform(10, 25))
    return s


EVERYDAY = {
    "walk": _walk, "run": _run, "jump": _jump, "squat": _squat, "wave": _wave, "sit": _sit,
    "pick_up": _pick_up, "turn": _turn, "kick": _kick, "stretch": _stretch, "boxing": _boxing,
    "bow": _bow, "clap": _clap, "look_around": _look_around, "idle": _idle,
}
"""The 15 upright everyday actions, in the order of their labels."""
