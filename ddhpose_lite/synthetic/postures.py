"""Whole-body postures near and on the floor, as channel values, and the path between them.

A posture is a dict of channel -> value (degrees; channels left out keep the subject's neutral
stance, ``channels.Script``); ``program`` strings postures into an action that gets down from
standing, holds, and gets up again (``timing.keyframes`` blends them in channel space).

Angles in the sagittal plane, used below (the person faces +y, forward is positive):

- P = body_pitch + pelvis_pitch: how far the pelvis frame is tipped forward from upright.
- a thigh points theta = hip_flex - P forward of straight down; its shin theta - knee.
- an arm points shoulder_flex - T forward of straight down, T = P + lower_bend + upper_bend.
- the torso points T forward of straight up.

Ranges: deep squat, kneeling and cross-legged sitting after Hemmerich et al., "Hip, knee, and
ankle kinematics of high range of motion activities of daily living", J Orthop Res 24 (2006)
(knee flexion ~150 deg in a full squat and when sitting on the heels, hip abduction ~40 and
external rotation ~35-45 deg cross-legged); the floor transfers follow the strategies of
Bohannon & Lusardi, "Getting up from the floor", Physiother Theory Pract 20 (2004): squat and
sit down, roll over, all fours, half kneeling, ~4 s to stand up (older adults; younger faster).
"""
from __future__ import annotations

import math

import torch

from .kinematics import BODY_RADII
from .timing import Span, keyframes, schedule

__all__ = ["Body", "program", "mix", "HOLD", "arm_reach", "arm_to_floor", "deep_squat", "sit_long", "sit_cross", "supine", "hook_lying", "side_lying",
           "prone", "kneel_tall", "sit_on_heels", "half_kneel", "all_fours", "plank", "STAND"]

STAND: dict = {}
"""The neutral standing posture: every channel at its ``Script`` value."""
HOLD = None
"""Marks the last step of a ``program`` entry: it leads into the hold."""

_KNEE_R, _WRIST_R, _PELVIS_R = BODY_RADII[2], BODY_RADII[13], BODY_RADII[0]


class Body:
    """A subject's segment lengths in metres (floats), for the little geometry postures need."""

    def __init__(self, subject):
        lengths = subject.bone_lengths[:, 0].tolist()  # bone k at index k - 1
        self.thigh, self.shin = lengths[1], lengths[2]
        self.torso = lengths[6] + lengths[7]  # pelvis -> spine -> thorax
        self.arm = lengths[14] + lengths[15]  # shoulder -> elbow -> wrist
        self.upper_arm, self.forearm = lengths[14], lengths[15]
        self.style = subject.style


def _legs(side: str, theta: float, knee: float, pitch: float) -> dict:
    """Channels for a leg whose thigh points ``theta`` forward of straight down under a pelvis
    pitched forward by ``pitch`` (degrees)."""
    return {f"hip_flex_{side}": theta + pitch, f"knee_{side}": knee}


def _both_legs(theta: float, knee: float, pitch: float) -> dict:
    return {**_legs("r", theta, knee, pitch), **_legs("l", theta, knee, pitch)}


def _trunk_height(body: Body, pitch: float, lower: float, upper: float) -> float:
    """Height of the shoulders above the pelvis with the spine segments tipped pitch + lower and
    pitch + lower + upper deg from upright (pelvis -> spine and spine -> thorax about equal)."""
    return body.torso / 2 * (math.cos(math.radians(pitch + lower)) + math.cos(math.radians(pitch + lower + upper)))


def arm_reach(body: Body, abduction: float) -> float:
    """Vertical reach of a straight arm abducted ``abduction`` deg: its rest direction already
    slopes out by atan(0.15) = 8.5 deg (``bones.rest_pose``)."""
    return body.arm * math.cos(math.radians(abduction + 8.5))


def arm_to_floor(body: Body, shoulder: float, abduction: float) -> float:
    """Angle (deg, forward of straight down) of a straight arm that puts the hand on the floor
    from a shoulder ``shoulder`` m high: reach cos(a) = shoulder - wrist radius; 0 (straight
    down) when the floor is out of reach."""
    return math.degrees(math.acos(max(-1.0, min(1.0, (shoulder - _WRIST_R) / arm_reach(body, abduction)))))


def _arms(theta: float, torso: float, elbow: float, abduction: float | None = None) -> dict:
    """Both arms pointing ``theta`` forward of straight down under a torso tipped by ``torso``."""
    out = {"shoulder_flex_r": theta + torso, "shoulder_flex_l": theta + torso, "elbow_r": elbow, "elbow_l": elbow}
    if abduction is not None:
        out["shoulder_abd_r"] = out["shoulder_abd_l"] = abduction
    return out


# Postures (each: (body, rng) -> dict of channels).
def deep_squat(body: Body, rng, hands_down: bool = False) -> dict:
    """Full squat, heels down: knee 135-150, shin tipped 30-40 forward, trunk 30-60 forward
    (pelvis and lumbar flexion); arms forward for balance or hands to the floor."""
    knee = rng.uniform(135, 150)
    theta = min(knee - rng.uniform(30, 40), 108.0)
    pitch = min(rng.uniform(10, 25), 128.0 - theta)
    lower, upper = rng.uniform(10, 30), body.style.slouch + rng.uniform(0, 10)
    out = {"pelvis_pitch": pitch, "lower_bend": lower, "upper_bend": upper, **_both_legs(theta, knee, pitch),
           "hip_abd_r": rng.uniform(10, 25), "hip_abd_l": rng.uniform(10, 25), "neck_bend": rng.uniform(-20, 10)}
    torso = pitch + lower + upper
    if hands_down:  # straight arms to the floor in front of the feet, from the shoulder height
        abd = [rng.uniform(10, 25) for _ in "rl"]
        spread = sum(abd) / 2
        pelvis = (body.shin * math.cos(math.radians(theta - knee)) + body.thigh * math.cos(math.radians(theta))) \
            * math.cos(math.radians(spread)) + 0.02
        shoulder = pelvis + _trunk_height(body, pitch, lower, upper)
        out.update(_arms(arm_to_floor(body, shoulder, 5.0), torso, 0.0, 5.0))
    else:
        out.update(_arms(rng.uniform(40, 80), torso, rng.uniform(5, 30)))
    return out


def sit_long(body: Body, rng, hands_behind: bool | None = None) -> dict:
    """Sitting on the floor, legs stretched forward; hands on the floor behind or on the thighs."""
    if hands_behind is None:
        hands_behind = bool(rng.random() < 0.5)
    lean = rng.uniform(-45, -30) if hands_behind else 0.0  # leaning back on the hands: the body tips
    pitch, lower = rng.uniform(-20, -8) if hands_behind else rng.uniform(-5, 15), rng.uniform(0, 15)
    theta, knee = rng.uniform(92, 98), rng.uniform(0, 12)  # the heels no lower than the buttocks
    out = {"body_pitch": lean - pitch if hands_behind else 0.0, "pelvis_pitch": pitch, "lower_bend": lower,
           **_both_legs(theta, knee, lean if hands_behind else pitch),
           "hip_abd_r": rng.uniform(3, 15), "hip_abd_l": rng.uniform(3, 15)}
    total = (lean if hands_behind else pitch)  # P = body pitch + pelvis pitch
    torso = total + lower + body.style.slouch
    if hands_behind:  # straight arms back to the floor
        shoulder = _PELVIS_R + _trunk_height(body, total, lower, body.style.slouch)
        abduction = rng.uniform(10, 20)
        out.update(_arms(-arm_to_floor(body, shoulder, abduction), torso, 0.0, abduction))
    else:
        out.update(_arms(rng.uniform(30, 50), torso, rng.uniform(20, 60)))
    return out


def sit_cross(body: Body, rng) -> dict:
    """Cross-legged: thighs forward and a little up, abducted ~40 deg and turned out until the
    knee's axis is about upright, so the shins fold across each other (one in front: knees
    125-132 and 135-142 deg) with the feet under the opposite knees."""
    pitch, lower = rng.uniform(0, 5), rng.uniform(5, 20)
    out = {"pelvis_pitch": pitch, "lower_bend": lower}
    front = "r" if rng.random() < 0.5 else "l"
    for side in "rl":
        out[f"hip_flex_{side}"] = pitch + rng.uniform(100, 110)
        out[f"knee_{side}"] = rng.uniform(125, 132) if side == front else rng.uniform(135, 142)
        out[f"hip_abd_{side}"] = rng.uniform(38, 45)
        out[f"hip_twist_{side}"] = rng.uniform(75, 89)
    out.update(_arms(rng.uniform(20, 40), pitch + lower + body.style.slouch, rng.uniform(20, 50), rng.uniform(12, 25)))
    return out


def supine(body: Body, rng) -> dict:
    """Lying on the back, legs straight; arms along the body (resting on the floor: extended a
    little behind the body plane), overhead, or hands behind the head."""
    out = {"body_pitch": -90.0 + rng.uniform(-3, 3), "pelvis_pitch": 0.0, "lower_bend": 0.0, "upper_bend": 0.0,
           "neck_bend": rng.uniform(-5, 15)}
    for side in "rl":
        out.update({f"hip_flex_{side}": rng.uniform(0, 8), f"knee_{side}": rng.uniform(0, 10),
                    f"hip_abd_{side}": rng.uniform(3, 15)})
    arms = rng.random()
    if arms < 0.5:
        out.update({f"{c}_{s}": v for s in "rl" for c, v in (("shoulder_flex", -rng.uniform(10, 20)),
                                                             ("shoulder_abd", rng.uniform(5, 40)),
                                                             ("elbow", rng.uniform(0, 30)))})
    elif arms < 0.75:
        out.update(_arms(rng.uniform(150, 170), 0.0, rng.uniform(0, 30), rng.uniform(10, 40)))
    else:
        out.update(_arms(rng.uniform(140, 160), 0.0, rng.uniform(125, 145), rng.uniform(60, 80)))
    return out


def feet_flat_knee(body: Body, hip: float) -> float:
    """Knee flexion that puts the sole on the floor when lying on the back with the thigh raised
    ``hip`` degrees: thigh sin(hip) + shin sin(hip - knee) = -(pelvis height)."""
    reach = (-_PELVIS_R - body.thigh * math.sin(math.radians(hip))) / body.shin
    return hip - math.degrees(math.asin(max(-1.0, min(1.0, reach))))


def hook_lying(body: Body, rng) -> dict:
    """Lying on the back with the knees up and the feet flat on the floor."""
    out = supine(body, rng)
    hip = rng.uniform(30, 50)
    for side in "rl":
        out[f"hip_flex_{side}"], out[f"knee_{side}"] = hip, feet_flat_knee(body, hip)
    return out


def side_lying(body: Body, rng, roll: float) -> dict:
    """Lying on a side, hips and knees bent, the lower arm under the head, the upper arm resting
    in front. Reached from lying on the back by a roll about the long axis: body pitch -90 (head
    towards -y), ``roll`` = +90 on the right side, -90 on the left."""
    down, up = ("r", "l") if roll > 0 else ("l", "r")
    sign = 1.0 if roll > 0 else -1.0
    hip = rng.uniform(20, 60)
    out = {"body_roll": roll + rng.uniform(-5, 5), "body_pitch": -90.0 + rng.uniform(-5, 5), "pelvis_pitch": 0.0,
           "lower_bend": rng.uniform(0, 15), f"hip_flex_{down}": hip, f"hip_flex_{up}": hip + rng.uniform(0, 30),
           f"knee_{down}": rng.uniform(20, 80), f"knee_{up}": rng.uniform(30, 90),
           f"shoulder_flex_{down}": rng.uniform(100, 150), f"elbow_{down}": rng.uniform(60, 120),
           f"shoulder_flex_{up}": rng.uniform(30, 70), f"elbow_{up}": rng.uniform(20, 80),
           f"shoulder_abd_{up}": rng.uniform(0, 10), "neck_side": sign * rng.uniform(-5, 15)}
    return out


def prone(body: Body, rng) -> dict:
    """Lying on the front: head turned on the folded arms, or propped on the forearms."""
    out = {"body_pitch": 90.0, "pelvis_pitch": 0.0, "lower_bend": 0.0, "upper_bend": 0.0}
    for side in "rl":
        out.update({f"hip_flex_{side}": rng.uniform(0, 5), f"knee_{side}": rng.uniform(0, 20),
                    f"hip_abd_{side}": rng.uniform(5, 15)})
    if rng.random() < 0.5:  # head on the hands
        out.update(_arms(rng.uniform(40, 60), 90.0, rng.uniform(100, 130), rng.uniform(40, 60)))
        out["neck_turn"] = rng.choice((-1.0, 1.0)) * rng.uniform(40, 75)
        out["neck_bend"] = rng.uniform(0, 15)
    else:  # on the elbows, chest up, looking ahead
        out.update({"pelvis_pitch": -rng.uniform(0, 5), "lower_bend": -rng.uniform(5, 12),
                    "upper_bend": -rng.uniform(5, 12), "neck_bend": -rng.uniform(10, 30)})
        for side in "rl":  # the hips extend as much as the pelvis tips back: legs stay flat
            out[f"hip_flex_{side}"] = out["pelvis_pitch"] + rng.uniform(0, 3)
        torso = 90.0 + out["pelvis_pitch"] + out["lower_bend"] + out["upper_bend"]
        out.update(_arms(rng.uniform(-10, 5), torso, rng.uniform(85, 100), rng.uniform(5, 15)))
    return out


def kneel_tall(body: Body, rng) -> dict:
    """Kneeling upright on both knees, shins flat behind (toes tucked or insteps down)."""
    pitch, theta = body.style.lean + rng.uniform(0, 10), rng.uniform(-5, 10)
    out = {"pelvis_pitch": pitch, **_both_legs(theta, theta + 90 + rng.uniform(-5, 8), pitch)}
    out.update(_arms(rng.uniform(0, 40), pitch + body.style.slouch, rng.uniform(10, 70)))
    return out


def sit_on_heels(body: Body, rng) -> dict:
    """Kneeling sitting back on the heels: knees folded ~150, shins flat, hands on the thighs."""
    pitch, knee = rng.uniform(0, 15), rng.uniform(142, 150)
    out = {"pelvis_pitch": pitch, **_both_legs(knee - 90 - rng.uniform(0, 5), knee, pitch)}
    out.update(_arms(rng.uniform(25, 45), pitch + body.style.slouch, rng.uniform(30, 60)))
    return out


def half_kneel(body: Body, rng, front: str) -> dict:
    """Kneeling on one knee: the ``front`` leg's foot flat, shin about vertical, thigh about
    horizontal; the other knee on the floor under the hip (thigh tipped back so that knee and
    front foot both touch: thigh cos(back) = front leg drop - knee radius). The back foot is
    planted (``support``), as when stepping back into the kneel."""
    back = "l" if front == "r" else "r"
    pitch = body.style.lean + rng.uniform(0, 10)
    theta_front, shin_front = rng.uniform(85, 100), rng.uniform(-5, 10)
    drop = body.thigh * math.cos(math.radians(theta_front)) + body.shin * math.cos(math.radians(shin_front))
    theta_back = -math.degrees(math.acos(max(-1.0, min(1.0, (drop - _KNEE_R) / body.thigh))))
    theta_back = max(theta_back, -28.0 - pitch)  # hip extension stops at ~-30 deg
    out = {"pelvis_pitch": pitch, **_legs(front, theta_front, theta_front - shin_front, pitch),
           **_legs(back, theta_back, theta_back + 90 + rng.uniform(0, 15), pitch),
           "support": 1.0 if back == "r" else -1.0}
    for side in "rl":  # legs in their sagittal planes, or the shins tip sideways and the front foot lifts
        out[f"hip_abd_{side}"], out[f"hip_twist_{side}"] = rng.uniform(0, 4), rng.uniform(0, 4)
    out.update(_arms(rng.uniform(20, 50), pitch + body.style.slouch, rng.uniform(20, 70)))
    return out


def all_fours(body: Body, rng) -> dict:
    """On hands and knees: thighs and arms vertical, the back tipped so that hands and knees
    both touch: sin(90 - pitch) = (arm + wrist radius - thigh - knee radius) / torso."""
    abduction = rng.uniform(3, 10)
    rise = (arm_reach(body, abduction) + _WRIST_R - body.thigh - _KNEE_R) / body.torso
    pitch = 90.0 - math.degrees(math.asin(max(-1.0, min(1.0, rise))))
    out = {"body_pitch": pitch, "pelvis_pitch": 0.0, "lower_bend": 0.0, "upper_bend": 0.0,
           "neck_bend": rng.uniform(-35, 10), **_both_legs(0.0, 90 + rng.uniform(-5, 5), pitch), "hands": 1.0}
    out.update(_arms(0.0, pitch, 0.0, abduction))
    return out


def plank(body: Body, rng) -> dict:
    """The top of a push-up: body straight from the ankles to the shoulders, arms vertical:
    sin(90 - pitch) = (arm + wrist radius) / (legs + torso)."""
    abduction = rng.uniform(5, 15)
    pitch = 90.0 - math.degrees(math.asin((arm_reach(body, abduction) + _WRIST_R) / (body.thigh + body.shin + body.torso)))
    out = {"body_pitch": pitch, "pelvis_pitch": 0.0, "lower_bend": 0.0, "upper_bend": 0.0,
           "neck_bend": rng.uniform(-20, 5), "hands": 1.0}
    for side in "rl":
        out.update({f"hip_flex_{side}": 0.0, f"knee_{side}": 0.0, f"hip_abd_{side}": rng.uniform(0, 5)})
    out.update(_arms(0.0, pitch, 0.0, abduction))
    return out


def mix(base, a: dict, b: dict, weight) -> dict:
    """(1 - weight) a + weight b for every channel either posture names (``base`` fills in)."""
    return {name: (1 - weight) * a.get(name, base[name]) + weight * b.get(name, base[name]) for name in {*a, *b}}


# The path down, the hold, the path up.
def program(t: torch.Tensor, span: Span, base, entry, hold, leave) -> dict[str, torch.Tensor]:
    """Channels of an action that gets down, holds and gets up (``timing.keyframes``).

    ``entry`` is [(seconds, posture), ...] from standing, its last step (posture ``HOLD``)
    leading into the hold; ``leave`` is [(seconds, posture), ...] from the hold back to ``STAND``. ``hold`` is
    a function (start, end) -> posture (values may be tensors over t) for the time on the floor.
    Transitions are sped up when the span is short (``timing.schedule``); a span that does not
    enter starts in the hold, one that does not leave ends in it.
    """
    scale, start, end = schedule(span, sum(d for d, _ in entry), sum(d for d, _ in leave))
    held = hold(start, end)
    keys = []
    if span.enter:
        time = 0.0
        keys.append((time, STAND))
        for seconds, posture in entry[:-1]:
            time += seconds * scale
            keys.append((time, posture))
    keys.append((start, held))
    if math.isfinite(end):
        keys.append((end, held))
        time = end
        for seconds, posture in leave:
            time += seconds * scale
            keys.append((time, posture))
    return keyframes(t, keys, base)
