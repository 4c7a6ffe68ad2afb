"""Procedural human motion: the embedded default dataset (runs offline, no downloads).

How a clip is made (lesson 02's picture, run backwards):

1. **Subject** (`sample_subject`): bone lengths around Human3.6M proportions
   (`bones.H36M_BONE_LENGTHS`), scaled to a stature of 1.50-1.95 m with a few % of variation per
   body part, plus a personal *style* (tempo, amplitude, posture).
2. **Motion script** (one function per action, `_ACTION_SCRIPTS`): every action writes named
   joint-angle *channels* over time, in degrees (hip flexion, knee flexion, shoulder abduction,
   spine bend, ...) and a few root channels (walking speed, turn rate, flight height).
3. **Sequence** (`generate_sequence`): consecutive actions are cross-faded over ~0.4 s by
   blending their channels, i.e. in rotation space (joint angles), never in joint space; then
   every channel is clamped to its joint limit (`CHANNELS`, one table).
4. **Rotations**: channels -> one local rotation per bone (axis-angle, Rodrigues), composed
   down the kinematic tree level by level: G_k = G_parent(k) L_k. Bone k's direction is
   G_k applied to its rest direction (`bones.rest_pose`: z-up, facing +y, right is +x).
5. **Forward kinematics**: `bones.compose(lengths, directions)` (paper Eq. 1 inverted), then the
   root: ground-plane trajectory from speed and heading, and the pelvis height that puts the
   lowest ankle on the floor z = 0 (plus the flight height of jumps and runs).
6. **Dataset** (`synthetic_dataset`): random sequences of actions, a random camera each
   (`camera.random_camera`), camera-frame poses, projected 2D keypoints in normalised screen
   coordinates, optional detector-like noise and outliers. Subjects are split train/test.

Public API::

    ACTIONS                                    # tuple of action names
    CHANNELS                                   # name -> (default, low, high) joint-angle table
    TRAIN_SUBJECTS, TEST_SUBJECTS              # subject ids of the default 40-subject population
    sample_subject(subject_id=0, seed=0) -> Subject
    generate_motion(action, frames, subject=None, seed=0, fps=50) -> Tensor [F, 17, 3]
    generate_sequence(actions, frames, subject=None, seed=0, fps=50, transition=0.4,
                      start=(0, 0)) -> Motion(poses_world [F, 17, 3], labels [F])
    synthetic_dataset(split="train", frames=50_000, seed=0, *, noise_2d=0.0, outliers=0.0, ...)
        -> SyntheticData (a tuple of SyntheticSequence: subject, labels, poses_world, camera,
           poses_camera, keypoints_2d, res_w, res_h)
    perturb_pose(poses, sigma, where="directions", seed=0) -> poses with noise on bone
        directions, bone lengths or joints (NOISE_TARGETS), as joints [..., 17, 3]

Units: metres, seconds, world z-up. Everything is seeded: the same seed gives identical
tensors. Seeds are ints; numpy Generators are used inside. Motion, camera and 2D noise of a
dataset sequence use separate random streams, so changing the noise keeps the 3D identical.
`synthetic_dataset` runs torch on one thread while it works (small tensors; restored after).
"""
from __future__ import annotations

import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Sequence

import numpy as np
import torch

from ._tensors import as_torch, check_finite, check_tail
from .bones import H36M_BONE_LENGTHS, compose, disentangle, rest_pose
from .camera import Camera, normalize_screen, project, random_camera, world_to_camera
from .skeleton import H36M

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "Motion",
    "NOISE_TARGETS",
    "Style",
    "Subject",
    "SyntheticData",
    "SyntheticSequence",
    "TEST_SUBJECTS",
    "TRAIN_SUBJECTS",
    "generate_motion",
    "generate_sequence",
    "perturb_pose",
    "sample_subject",
    "synthetic_dataset",
]

log = logging.getLogger(__name__)

ACTIONS = (
    "walk", "run", "jump", "squat", "wave", "sit", "pick_up", "turn",
    "kick", "stretch", "boxing", "bow", "clap", "look_around", "idle",
)
"""The actions the generator knows (labels are indices into this tuple)."""

NUM_SUBJECTS = 40
TEST_SUBJECTS = tuple(range(32, 40))
TRAIN_SUBJECTS = tuple(range(0, 32))
"""Subject ids of the default population: 32 for training, 8 held out for testing."""

GRAVITY = 9.81  # m/s^2
_DTYPE = torch.float64  # generation runs in float64; outputs are float32

# --------------------------------------------------------------------------------------------
# Channels and joint limits (degrees unless noted). The ranges are typical active ranges of
# motion (e.g. AAOS "Joint Motion: Method of Measuring and Recording", 1965), narrowed where the
# 17-joint skeleton would otherwise pass through itself (hip adduction, shoulder internal twist).
# "_s" channels exist once per side: "_r" (right) and "_l" (left).
# --------------------------------------------------------------------------------------------
CHANNELS: dict[str, tuple[float, float, float]] = {
    # root (ground-plane motion, in the body's heading frame)
    "speed": (0.0, -1.0, 6.0),  # forward, m/s
    "side_speed": (0.0, -2.0, 2.0),  # to the right, m/s
    "turn_rate": (0.0, -360.0, 360.0),  # deg/s, positive turns left (counter-clockwise from above)
    "lift": (0.0, 0.0, 1.0),  # m the lowest ankle is above the floor (jump / run flight)
    "plant": (0.0, 0.0, 1.0),  # 1: the trajectory follows the feet (stationary actions), 0: the pelvis
    "support": (0.0, -1.0, 1.0),  # which foot is planted: +1 right, -1 left, 0 both
    # pelvis and spine; "bend" is forward flexion, "side" bends to the right, "twist"/"yaw" turn left
    "pelvis_pitch": (0.0, -25.0, 90.0),
    "pelvis_roll": (0.0, -15.0, 15.0),
    "pelvis_yaw": (0.0, -45.0, 45.0),
    "lower_bend": (0.0, -20.0, 50.0),
    "lower_side": (0.0, -25.0, 25.0),
    "lower_twist": (0.0, -30.0, 30.0),
    "upper_bend": (0.0, -20.0, 40.0),
    "upper_side": (0.0, -20.0, 20.0),
    "upper_twist": (0.0, -30.0, 30.0),
    "neck_bend": (0.0, -40.0, 50.0),
    "neck_side": (0.0, -30.0, 30.0),
    "neck_turn": (0.0, -75.0, 75.0),
    # limbs; abduction moves the limb away from the midline, twist is external rotation
    "shrug_s": (0.0, -10.0, 25.0),
    "hip_flex_s": (0.0, -30.0, 130.0),
    "hip_abd_s": (0.0, -10.0, 45.0),
    "hip_twist_s": (0.0, -35.0, 35.0),
    "knee_s": (0.0, 0.0, 150.0),  # flexion; the knee bends one way only
    "shoulder_flex_s": (0.0, -60.0, 180.0),
    "shoulder_abd_s": (0.0, -30.0, 170.0),  # below 0 only with the arm forward (see _clamp)
    "shoulder_twist_s": (0.0, -30.0, 100.0),
    "elbow_s": (0.0, 0.0, 150.0),  # flexion; the elbow bends one way only
}
_NOT_ANGLES = {"speed", "side_speed", "lift", "plant", "support"}


def _channel_names() -> tuple[str, ...]:
    names = []
    for name in CHANNELS:
        names += [name[:-1] + "r", name[:-1] + "l"] if name.endswith("_s") else [name]
    return tuple(names)


_ALL_CHANNELS = _channel_names()


def _limits(name: str) -> tuple[float, float, float]:
    return CHANNELS[name[:-1] + "s"] if name.endswith(("_r", "_l")) else CHANNELS[name]


# --------------------------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Style:
    """A person's way of moving: multipliers and neutral-posture offsets (degrees)."""

    tempo: float  # x cadence / speed of cyclic actions
    amplitude: float  # x size of movements
    lean: float  # forward lean of the pelvis when standing
    head_forward: float  # neck flexion when standing
    slouch: float  # upper-spine flexion when standing
    arm_out: float  # shoulder abduction of hanging arms
    elbow_rest: float  # elbow flexion of hanging arms
    knee_rest: float  # knee flexion when standing
    stance: float  # hip abduction when standing
    toe_out: float  # hip external rotation
    asymmetry: float  # -1..1, how much the right side moves more than the left (fraction)


@dataclass(frozen=True)
class Subject:
    """A synthetic person: id, stature (m), bone lengths [16, 1] (m, float32) and style."""

    id: int
    height: float
    bone_lengths: torch.Tensor
    style: Style

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Subject)
            and (self.id, self.height, self.style) == (other.id, other.height, other.style)
            and torch.equal(self.bone_lengths, other.bone_lengths)
        )

    def __hash__(self) -> int:
        return hash((self.id, self.height, self.style))


_REFERENCE_LENGTHS = torch.tensor(H36M_BONE_LENGTHS, dtype=_DTYPE).unsqueeze(-1)
# Bone groups that vary together (index = bone k - 1) and their relative spread (1 sigma).
_PROPORTIONS = (
    ((1, 2, 4, 5), 0.03),  # thighs and shins
    ((0, 3), 0.06),  # hip width
    ((6, 7), 0.03),  # spine and neck
    ((8, 9), 0.05),  # head
    ((10, 13), 0.06),  # shoulder width
    ((11, 12, 14, 15), 0.03),  # arms
)


def _stature(lengths: torch.Tensor) -> float:
    """Approximate standing height: 1.1 x (head joint - ankle) in the rest pose (the head joint
    sits below the crown and the ankle above the floor; 1.1 gives ~1.75 m for H36M lengths)."""
    pose = rest_pose(lengths)
    return 1.1 * float(pose[10, 2] - pose[[3, 6], 2].min())


def sample_subject(subject_id: int = 0, seed: int = 0) -> Subject:
    """A random person, determined by (subject_id, seed): stature 1.50-1.95 m, per-part
    proportions within a few % of Human3.6M's, and a movement style."""
    if isinstance(subject_id, bool) or not isinstance(subject_id, (int, np.integer)) or subject_id < 0:
        raise ValueError(f"expected subject_id as a non-negative int, got {subject_id!r}")
    rng = _rng(seed, "seed", extra=(int(subject_id), 7))
    height = rng.uniform(1.50, 1.95)
    lengths = _REFERENCE_LENGTHS.clone()
    for bones, spread in _PROPORTIONS:
        lengths[list(bones)] *= float(np.clip(rng.normal(1.0, spread), 1 - 2.5 * spread, 1 + 2.5 * spread))
    lengths = lengths * (height / _stature(lengths))
    style = Style(
        tempo=rng.uniform(0.85, 1.15),
        amplitude=rng.uniform(0.8, 1.2),
        lean=rng.uniform(-3.0, 6.0),
        head_forward=rng.uniform(0.0, 12.0),
        slouch=rng.uniform(0.0, 8.0),
        arm_out=rng.uniform(2.0, 10.0),
        elbow_rest=rng.uniform(5.0, 20.0),
        knee_rest=rng.uniform(0.0, 6.0),
        stance=rng.uniform(0.0, 5.0),
        toe_out=rng.uniform(0.0, 12.0),
        asymmetry=rng.uniform(-0.1, 0.1),
    )
    return Subject(int(subject_id), float(height), lengths.float(), style)


# --------------------------------------------------------------------------------------------
# Small helpers for motion scripts (all vectorised over frames)
# --------------------------------------------------------------------------------------------
def _rng(seed, name: str = "seed", extra: tuple[int, ...] = ()) -> np.random.Generator:
    if isinstance(seed, np.random.Generator) and not extra:
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"expected {name} as an int, got {type(seed).__name__}")
    return np.random.default_rng([int(seed) & (2**63 - 1), *extra])


def _bump(phase: torch.Tensor, centre: float, kappa: float) -> torch.Tensor:
    """Smooth periodic bump in [0, 1] peaking at ``centre`` (a von Mises shape)."""
    return torch.exp(kappa * (torch.cos(phase - centre) - 1))


def _smoothstep(x: torch.Tensor) -> torch.Tensor:
    """0 below 0, 1 above 1, C1-smooth in between: 3x^2 - 2x^3."""
    x = x.clamp(0.0, 1.0)
    return x * x * (3 - 2 * x)


def _pulse(u: torch.Tensor, start: float, duration: float) -> torch.Tensor:
    """A smooth 0 -> 1 -> 0 pulse sin^2 over [start, start + duration], 0 elsewhere."""
    x = ((u - start) / duration).clamp(0.0, 1.0)
    return torch.sin(math.pi * x) ** 2


def _cycle(t: torch.Tensor, period: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Time within the current cycle (s) and the cycle number (defined for t < 0 too)."""
    return torch.remainder(t, period), torch.floor(t / period).long()


class _Script(dict):
    """Channel name -> value (float or tensor [F]); starts from a subject's neutral stance."""

    def __init__(self, style: Style):
        super().__init__({name: _limits(name)[0] for name in _ALL_CHANNELS})
        for side in "rl":
            self[f"shoulder_abd_{side}"] = style.arm_out
            self[f"elbow_{side}"] = style.elbow_rest
            self[f"knee_{side}"] = style.knee_rest
            self[f"hip_abd_{side}"] = style.stance
            self[f"hip_twist_{side}"] = style.toe_out
        self["pelvis_pitch"] = style.lean
        self["hip_flex_r"] = self["hip_flex_l"] = style.lean  # legs stay vertical under the lean
        self["neck_bend"] = style.head_forward
        self["upper_bend"] = style.slouch
        self["plant"] = 1.0

    def both(self, name: str, right, left=None) -> None:
        """Set a per-side channel: ``name`` without the suffix; left defaults to right."""
        self[f"{name}_r"] = right
        self[f"{name}_l"] = right if left is None else left

    def add(self, name: str, value) -> None:
        self[name] = self[name] + value


# --------------------------------------------------------------------------------------------
# Motion scripts: one function per action, (t [F] seconds, subject, rng) -> _Script.
# t = 0 is where the action starts; t < 0 happens during the blend from the previous action.
# --------------------------------------------------------------------------------------------
def _gait(t, subject, rng, *, cadence, hip_amp, knee_swing, knee_width, knee_load, arm_amp, elbow, lean):
    """Shared by walk and run. Gait angles after Perry & Burnfield, "Gait Analysis" (2010):
    the hip swings sinusoidally, the knee flexes early in swing (~60 deg walking) and a little
    at loading; arms swing opposite to the legs. Speed = stride length x cadence, with stride
    length = 2 steps x 2 L sin(hip amplitude) for leg length L."""
    s, style = _Script(subject.style), subject.style
    freq = cadence * (1 + 0.5 * (style.tempo - 1))  # half the personal range: speed grows as
    size = 1 + 0.5 * (style.amplitude - 1)  # cadence x stride, keep it within human limits
    hip_amp, arm_amp = hip_amp * size, arm_amp * style.amplitude
    phase_r = 2 * math.pi * freq * t + rng.uniform(0, 2 * math.pi)
    asym = 1 + style.asymmetry
    for side, phase, gain in (("r", phase_r, asym), ("l", phase_r + math.pi, 2 - asym)):
        s[f"hip_flex_{side}"] = lean + 5 + gain * hip_amp * torch.sin(phase)
        s[f"knee_{side}"] = (style.knee_rest + gain * knee_swing * _bump(phase, -math.pi / 4, knee_width)
                             + knee_load * _bump(phase, math.pi / 2 + 0.5, 4.0))
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


def _walk(t, subject, rng):
    s, _, _ = _gait(t, subject, rng, cadence=rng.uniform(0.8, 1.05), hip_amp=rng.uniform(18, 28),
                    knee_swing=rng.uniform(50, 65), knee_width=2.5, knee_load=rng.uniform(5, 15),
                    arm_amp=rng.uniform(10, 25), elbow=subject.style.elbow_rest + 5,
                    lean=subject.style.lean)
    return s


def _run(t, subject, rng):
    s, phase, _ = _gait(t, subject, rng, cadence=rng.uniform(1.2, 1.45), hip_amp=rng.uniform(28, 38),
                        knee_swing=rng.uniform(80, 105), knee_width=1.2, knee_load=rng.uniform(20, 35),
                        arm_amp=rng.uniform(25, 45), elbow=rng.uniform(75, 95),
                        lean=rng.uniform(5, 12))
    # Two short flights per stride, when the legs are spread (just after toe-off).
    s["lift"] = rng.uniform(0.03, 0.08) * torch.clamp(-torch.cos(2 * phase - 0.6), min=0) ** 2
    return s


def _jump(t, subject, rng):
    """Repeated jumps: crouch, push off, ballistic flight of T s (height g T^2 / 8), land, absorb."""
    s, style = _Script(subject.style), subject.style
    flight = rng.uniform(0.3, 0.45)
    prep, absorb, rest = rng.uniform(0.45, 0.7), rng.uniform(0.3, 0.45), rng.uniform(0.2, 0.8)
    u, _ = _cycle(t + 0.1, (prep + flight + absorb + rest) / style.tempo)
    u = u * style.tempo
    crouch = _pulse(u, 0.0, prep) + 0.6 * _pulse(u, prep + flight, absorb)
    air = ((u - prep) / flight).clamp(0, 1)  # 0..1 through the flight
    in_air = torch.sin(math.pi * air)  # 0 at take-off and landing
    knee = rng.uniform(70, 110)
    tuck = rng.uniform(0, 60)
    pitch = rng.uniform(15, 35) * crouch
    s.both("knee", style.knee_rest + knee * crouch + tuck * in_air)
    s.both("hip_flex", 0.75 * knee * crouch + pitch + 0.7 * tuck * in_air)
    s["pelvis_pitch"] = style.lean + pitch
    arms_up = rng.uniform(60, 160)
    swing_up = _pulse(u, 0.5 * prep, 0.5 * prep + flight + 0.5 * absorb)  # arms drive the take-off
    s.both("shoulder_flex", -35 * _pulse(u, 0.0, 0.6 * prep) + arms_up * swing_up)
    s.both("elbow", style.elbow_rest + 15 * crouch)
    s["lift"] = GRAVITY * flight**2 / 8 * 4 * air * (1 - air)  # h(s) = 4 h_max s (1 - s)
    s["speed"] = rng.uniform(0.0, 0.6) / flight * (in_air > 0).double()  # optional hop forward
    return s


def _squat(t, subject, rng):
    s, style = _Script(subject.style), subject.style
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


def _wave(t, subject, rng):
    s, style = _Script(subject.style), subject.style
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


def _sit(t, subject, rng):
    """Sit down on a chair, stay, stand up (leaning forward to rise), stand; repeated."""
    s, style = _Script(subject.style), subject.style
    down, seated, up, standing = (rng.uniform(0.8, 1.5), rng.uniform(1.5, 4.0),
                                  rng.uniform(0.8, 1.5), rng.uniform(0.5, 2.0))
    u, _ = _cycle(t, down + seated + up + standing)
    sitting = _smoothstep(u / down) - _smoothstep((u - down - seated) / up)
    rising = _pulse(u, 0.0, down) + _pulse(u, down + seated, up)  # lean forward while moving
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


def _pick_up(t, subject, rng):
    """Bend to pick something up from the floor (stoop or squat), or reach up to a shelf."""
    s, style = _Script(subject.style), subject.style
    period = rng.uniform(2.0, 4.0) / style.tempo
    u, _ = _cycle(t, period)
    reach = _pulse(u, 0.1 * period, 0.8 * period) ** 0.7
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


def _turn(t, subject, rng):
    """Turn on the spot by 90-200 degrees with small steps, pause, turn again."""
    s, style = _Script(subject.style), subject.style
    duration, pause = rng.uniform(1.0, 2.0) / style.tempo, rng.uniform(0.3, 1.5)
    u, n = _cycle(t, duration + pause)
    angles = torch.from_numpy(rng.uniform(90, 200, size=8) * rng.choice((-1.0, 1.0), size=8))
    angle = angles[torch.remainder(n, 8)]
    activity = _pulse(u, 0.0, duration)  # integrates to duration / 2
    s["turn_rate"] = angle * activity * 2 / duration
    step = 2 * math.pi * rng.uniform(1.6, 2.2) * t
    s["hip_flex_r"] = style.lean + 10 * activity * torch.sin(step)
    s["hip_flex_l"] = style.lean - 10 * activity * torch.sin(step)
    s["knee_r"] = style.knee_rest + 30 * activity * _bump(step, 0.0, 2.0)
    s["knee_l"] = style.knee_rest + 30 * activity * _bump(step, math.pi, 2.0)
    s["neck_turn"] = 0.15 * s["turn_rate"].clamp(-200, 200)  # look where you turn
    s["pelvis_yaw"] = 0.05 * s["turn_rate"].clamp(-200, 200)
    return s


def _kick(t, subject, rng):
    """Front kicks: chamber the knee, extend, re-chamber, put the foot down; arms guard."""
    s, style = _Script(subject.style), subject.style
    side, other = ("r", "l") if rng.random() < 0.6 else ("l", "r")
    kick_time, rest = rng.uniform(0.6, 1.0) / style.tempo, rng.uniform(0.3, 1.2)
    u, _ = _cycle(t, kick_time + rest)
    raise_ = _pulse(u, 0.0, kick_time)
    snap = _pulse(u, 0.3 * kick_time, 0.4 * kick_time)  # the knee extends at the top
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


def _stretch(t, subject, rng):
    """Arms overhead and slow side bends (or arms raised sideways and a twist)."""
    s, style = _Script(subject.style), subject.style
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


def _boxing(t, subject, rng):
    """Guard stance, bouncing, alternating straight punches with a torso twist."""
    s, style = _Script(subject.style), subject.style
    lead = 1.0 if rng.random() < 0.5 else -1.0  # +1: left foot forward (orthodox)
    s["pelvis_yaw"] = -lead * rng.uniform(15, 30)
    s["hip_flex_l"] = style.lean + lead * rng.uniform(10, 20)
    s["hip_flex_r"] = style.lean - lead * rng.uniform(5, 15)
    bounce = rng.uniform(5, 10) * (1 + torch.sin(2 * math.pi * rng.uniform(1.5, 2.5) * t)) / 2
    s.both("knee", style.knee_rest + rng.uniform(10, 20) + bounce)
    s.both("hip_abd", style.stance + rng.uniform(5, 12))
    interval, punch = rng.uniform(0.4, 0.9) / style.tempo, rng.uniform(0.25, 0.4)
    u, _ = _cycle(t, 2 * interval)
    guard_flex, guard_abd, guard_elbow = rng.uniform(30, 50), rng.uniform(15, 30), rng.uniform(110, 130)
    for side, start, sign in (("r", 0.0, 1.0), ("l", interval, -1.0)):
        hit = _pulse(u, start, punch)
        s[f"shoulder_flex_{side}"] = guard_flex + (rng.uniform(75, 95) - guard_flex) * hit
        s[f"shoulder_abd_{side}"] = guard_abd * (1 - hit) + rng.uniform(0, 10) * hit
        s[f"shoulder_twist_{side}"] = -10 * (1 - hit)
        s[f"elbow_{side}"] = guard_elbow * (1 - hit) + rng.uniform(0, 15) * hit
        s.add("upper_twist", sign * rng.uniform(10, 25) * hit)  # right punch turns the chest left
    s["neck_bend"] = style.head_forward + 10
    return s


def _bow(t, subject, rng):
    s, style = _Script(subject.style), subject.style
    period = rng.uniform(2.5, 4.0) / style.tempo
    u, _ = _cycle(t, period)
    down = _smoothstep(u / (0.3 * period)) - _smoothstep((u - 0.6 * period) / (0.3 * period))
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


def _clap(t, subject, rng):
    """Clap in front of the chest: arms forward, hands swing together (horizontal adduction)."""
    s = _Script(subject.style)
    freq = rng.uniform(1.5, 3.0) * subject.style.tempo
    together = (1 + torch.cos(2 * math.pi * freq * t)) / 2
    flex = rng.uniform(55, 85)
    s.both("shoulder_flex", flex)
    s.both("shoulder_abd", 20 - 37 * together)  # -17 deg brings the hands to the midline
    s.both("elbow", rng.uniform(10, 40))
    s.both("shoulder_twist", -rng.uniform(0, 15))
    s["neck_bend"] = subject.style.head_forward + rng.uniform(0, 10)
    return s


def _look_around(t, subject, rng):
    s = _idle(t, subject, rng)
    freq = rng.uniform(0.12, 0.3)
    turn = rng.uniform(40, 70) * torch.sin(2 * math.pi * freq * t + rng.uniform(0, 2 * math.pi))
    s["neck_turn"] = turn
    s["upper_twist"] = 0.3 * turn
    s["neck_bend"] = subject.style.head_forward + rng.uniform(-15, 15) * torch.sin(2 * math.pi * 1.7 * freq * t)
    return s


def _idle(t, subject, rng):
    """Standing: weight shifts from foot to foot, breathing, small head movements."""
    s, style = _Script(subject.style), subject.style
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


_ACTION_SCRIPTS = {
    "walk": _walk, "run": _run, "jump": _jump, "squat": _squat, "wave": _wave, "sit": _sit,
    "pick_up": _pick_up, "turn": _turn, "kick": _kick, "stretch": _stretch, "boxing": _boxing,
    "bow": _bow, "clap": _clap, "look_around": _look_around, "idle": _idle,
}
assert tuple(_ACTION_SCRIPTS) == ACTIONS


# --------------------------------------------------------------------------------------------
# Channels -> rotations -> forward kinematics
# --------------------------------------------------------------------------------------------
def _axis_angle_to_matrix(rotvec: torch.Tensor) -> torch.Tensor:
    """Rodrigues' formula: R = I + (sin a / a) [r]x + ((1 - cos a) / a^2) [r]x^2, a = |r|."""
    angle = torch.linalg.vector_norm(rotvec, dim=-1)[..., None, None]
    small = angle < 1e-6
    safe = torch.where(small, torch.ones_like(angle), angle)
    a = torch.where(small, 1 - angle**2 / 6, torch.sin(safe) / safe)
    b = torch.where(small, 0.5 - angle**2 / 24, (1 - torch.cos(safe)) / safe**2)
    x, y, z = rotvec.unbind(-1)
    zero = torch.zeros_like(x)
    cross = torch.stack((zero, -z, y, z, zero, -x, -y, x, zero), -1).reshape(rotvec.shape + (3,))
    eye = torch.eye(3, dtype=rotvec.dtype, device=rotvec.device)
    return eye + a * cross + b * (cross @ cross)


_REST_DIRECTIONS = disentangle(rest_pose().double())[1]  # [16, 3], from the public rest pose
_LEVEL_JOINTS = [torch.tensor(g) for g in H36M.level_groups[1:]]
_PARENTS = torch.tensor(H36M.parents)
# bone slot (= child joint) of each limb segment, per side: (side sign, thigh, shin, clavicle,
# upper arm, forearm); the sign mirrors left-right (x -> -x).
_SIDES = {"r": (1.0, 2, 3, 14, 15, 16), "l": (-1.0, 5, 6, 11, 12, 13)}


def _local_rotations(ch: dict[str, torch.Tensor], frames: int) -> torch.Tensor:
    """Channels (radians) -> local rotation per bone slot [F, 17, 3, 3] (slot 0: pelvis).

    Each slot k holds the rotation of bone k relative to its parent bone's frame, as a swing
    (axis-angle) times a twist about the bone's own rest direction. The rest pose has the
    person's right along +x, forward +y, up +z, so flexing forward is a rotation about x.
    """
    swing = torch.zeros(frames, 17, 3, dtype=_DTYPE)
    twist = torch.zeros(frames, 17, 3, dtype=_DTYPE)
    # An upward bone bends forward under a rotation of -angle about x; a downward one under +angle.
    swing[:, 0] = torch.stack((-ch["pelvis_pitch"], ch["pelvis_roll"], ch["pelvis_yaw"]), -1)
    swing[:, 7] = torch.stack((-ch["lower_bend"], ch["lower_side"], ch["lower_twist"]), -1)
    swing[:, 8] = torch.stack((-ch["upper_bend"], ch["upper_side"], ch["upper_twist"]), -1)
    swing[:, 9] = torch.stack((-ch["neck_bend"], ch["neck_side"], ch["neck_turn"]), -1)
    zero = torch.zeros(frames, dtype=_DTYPE)
    for side, (sign, thigh, shin, clavicle, upper, fore) in _SIDES.items():
        # A hanging limb under the rotation vector (a, b, 0) swings towards (-b, a): forward by
        # a (flexion) and outwards by abduction when b = -sign * abduction.
        swing[:, thigh] = torch.stack((ch[f"hip_flex_{side}"], -sign * ch[f"hip_abd_{side}"], zero), -1)
        twist[:, thigh] = sign * ch[f"hip_twist_{side}"][:, None] * _REST_DIRECTIONS[thigh - 1]
        swing[:, shin] = torch.stack((-ch[f"knee_{side}"], zero, zero), -1)  # the shin folds back
        swing[:, clavicle] = torch.stack((zero, -sign * ch[f"shrug_{side}"], zero), -1)
        swing[:, upper] = torch.stack(
            (ch[f"shoulder_flex_{side}"], -sign * ch[f"shoulder_abd_{side}"], zero), -1)
        twist[:, upper] = sign * ch[f"shoulder_twist_{side}"][:, None] * _REST_DIRECTIONS[upper - 1]
        swing[:, fore] = torch.stack((ch[f"elbow_{side}"], zero, zero), -1)  # the forearm folds forward
    return _axis_angle_to_matrix(swing) @ _axis_angle_to_matrix(twist)


def _global_rotations(local: torch.Tensor, heading: torch.Tensor) -> torch.Tensor:
    """Compose local rotations down the tree, one hierarchy level at a time: G_k = G_parent L_k."""
    yaw = torch.zeros(heading.shape + (3,), dtype=_DTYPE)
    yaw[:, 2] = heading
    rotations = local.clone()
    rotations[:, 0] = _axis_angle_to_matrix(yaw) @ local[:, 0]
    for joints in _LEVEL_JOINTS:
        rotations[:, joints] = rotations[:, _PARENTS[joints]] @ local[:, joints]
    return rotations


def _clamp(ch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Apply the joint limits of CHANNELS, plus one coupled limit: a shoulder may adduct past
    the body line only with the arm raised forward (so the arm never enters the torso)."""
    out = {}
    for name, value in ch.items():
        _, low, high = _limits(name)
        out[name] = value.clamp(low, high)
    for side in "rl":
        flex = out[f"shoulder_flex_{side}"]
        out[f"shoulder_abd_{side}"] = torch.maximum(out[f"shoulder_abd_{side}"], -0.35 * flex.clamp(0, 90))
    return out


class Motion(NamedTuple):
    """A generated sequence: world poses [F, 17, 3] (float32, m) and action labels [F] (int64,
    indices into ACTIONS: the action with the largest blend weight in each frame)."""

    poses_world: torch.Tensor
    labels: torch.Tensor


def _check_frames(frames, fps) -> None:
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 1:
        raise ValueError(f"expected frames as an int >= 1, got {frames!r}")
    if not isinstance(fps, (int, float, np.integer, np.floating)) or not fps > 0:
        raise ValueError(f"expected fps > 0, got {fps!r}")


def _check_action(action) -> None:
    if action not in _ACTION_SCRIPTS:
        raise ValueError(f"expected an action in {ACTIONS}, got {action!r}")


def generate_sequence(
    actions: Sequence[str] | str,
    frames: int | Sequence[int],
    subject: Subject | None = None,
    seed: int = 0,
    fps: float = 50,
    transition: float = 0.4,
    start: tuple[float, float] = (0.0, 0.0),
) -> Motion:
    """A sequence of actions with smooth transitions: world poses [F, 17, 3] and labels [F].

    ``frames`` is the total length (split between the actions at random, each at least
    ~``transition`` long) or one length per action. Consecutive actions are cross-faded over
    ``transition`` seconds by blending joint-angle channels (rotation space). The person starts
    at ``start`` (x, y) with a random heading; the lowest ankle touches the floor z = 0 except
    in the flight of a jump or a run. ``subject`` defaults to ``sample_subject(0, seed)``.
    """
    if isinstance(actions, str):
        actions = (actions,)
    actions = tuple(actions)
    if not actions:
        raise ValueError("expected at least one action, got none")
    for action in actions:
        _check_action(action)
    if not isinstance(transition, (int, float)) or transition < 0:
        raise ValueError(f"expected transition >= 0 seconds, got {transition!r}")
    rng = _rng(seed)
    if subject is None:
        subject = sample_subject(0, seed)
    if not isinstance(subject, Subject):
        raise TypeError(f"expected subject as a Subject (see sample_subject), got {type(subject).__name__}")
    blend = max(1, int(round(transition * fps)))
    lengths = _split_frames(frames, len(actions), blend, fps, rng)
    total = int(sum(lengths))
    frame = torch.arange(total, dtype=_DTYPE)

    # 1. Each action's channels on the whole timeline (its own clock starts at its first frame),
    #    weighted by a partition of unity with smooth ramps of `blend` frames at each boundary.
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    ramps = [_smoothstep((frame - b) / blend + 0.5) for b in starts[1:]]
    ones, zeros = torch.ones(total, dtype=_DTYPE), torch.zeros(total, dtype=_DTYPE)
    bounds = [ones] + ramps + [zeros]
    weights = torch.stack([bounds[i] - bounds[i + 1] for i in range(len(actions))])  # [A, F]
    channels = {name: torch.zeros(total, dtype=_DTYPE) for name in _ALL_CHANNELS}
    for action, begin, weight in zip(actions, starts, weights):
        script = _ACTION_SCRIPTS[action]((frame - float(begin)) / fps, subject, rng)
        for name in _ALL_CHANNELS:
            channels[name] = channels[name] + weight * script[name]
    labels = torch.tensor([ACTIONS.index(a) for a in actions])[weights.argmax(0)]

    # 2. Joint limits, then angles to radians.
    channels = _clamp(channels)
    radians = {n: v if n in _NOT_ANGLES else torch.deg2rad(v) for n, v in channels.items()}

    # 3. Root trajectory on the floor: integrate turn rate and speed (heading 0 faces +y).
    heading = rng.uniform(-math.pi, math.pi) + torch.cumsum(radians["turn_rate"], 0) / fps
    forward = torch.stack((-torch.sin(heading), torch.cos(heading)), -1)
    right = torch.stack((torch.cos(heading), torch.sin(heading)), -1)
    velocity = radians["speed"][:, None] * forward + radians["side_speed"][:, None] * right
    track = torch.as_tensor(start, dtype=_DTYPE) + torch.cumsum(velocity, 0) / fps - velocity[:1] / fps

    # 4. Rotations down the tree and forward kinematics (bones.compose, paper Eq. 1 inverted).
    rotations = _global_rotations(_local_rotations(radians, total), heading)
    directions = torch.einsum("fkij,kj->fki", rotations[:, 1:], _REST_DIRECTIONS)
    pose = compose(subject.bone_lengths.to(_DTYPE), directions)  # pelvis at the origin

    # 5. Place the root: the lowest ankle on the floor (+ flight); for stationary actions the
    #    trajectory is the planted foot (or the midpoint of the feet), so the feet do not slide.
    ankles = pose[:, [3, 6]]
    height = -ankles[..., 2].min(-1).values + radians["lift"]
    support = radians["support"][:, None]
    anchor = (1 + support) / 2 * ankles[:, 0, :2] + (1 - support) / 2 * ankles[:, 1, :2]
    root_xy = track - radians["plant"][:, None] * anchor
    root = torch.cat((root_xy, height[:, None]), -1)
    poses_world = (pose + root[:, None]).float()
    return Motion(poses_world, labels)


def _split_frames(frames, count: int, blend: int, fps: float, rng: np.random.Generator) -> list[int]:
    if isinstance(frames, (int, np.integer)) and not isinstance(frames, bool):
        _check_frames(frames, fps)
        if frames < count:
            raise ValueError(f"expected at least one frame per action ({count}), got frames={frames}")
        if count == 1:
            return [int(frames)]
        shares = rng.dirichlet(np.full(count, 4.0))
        minimum = min(blend, frames // count)
        lengths = np.maximum(minimum, np.floor(shares * frames)).astype(int)
        lengths[-1] = frames - lengths[:-1].sum()
        if lengths[-1] < 1:
            lengths = np.full(count, frames // count)
            lengths[-1] = frames - lengths[:-1].sum()
        return [int(n) for n in lengths]
    lengths = list(frames)
    if len(lengths) != count:
        raise ValueError(f"expected one length per action ({count}), got {len(lengths)} lengths")
    for n in lengths:
        _check_frames(n, fps)
    return [int(n) for n in lengths]


def generate_motion(
    action: str, frames: int, subject: Subject | None = None, seed: int = 0, fps: float = 50
) -> torch.Tensor:
    """One action clip: world poses [F, 17, 3], float32, metres, z-up, feet on the floor."""
    _check_action(action)
    _check_frames(frames, fps)
    return generate_sequence((action,), frames, subject, seed, fps).poses_world


# --------------------------------------------------------------------------------------------
# 2D detector noise
# --------------------------------------------------------------------------------------------
# Relative 2D noise per joint: detectors are least precise at hips (hidden by clothing),
# wrists and ankles (fast, small), most at the face and shoulders.
_JOINT_NOISE = torch.tensor(
    (1.0, 1.3, 1.0, 1.1, 1.3, 1.0, 1.1, 1.2, 0.9, 0.7, 0.8, 0.8, 1.0, 1.3, 0.8, 1.0, 1.3),
    dtype=_DTYPE,
)
_MIRROR = torch.tensor(H36M.flip_permutation)


def _detector_noise(pixels: torch.Tensor, sigma: float, outliers: float,
                    rng: np.random.Generator) -> torch.Tensor:
    """Add detector-like errors to clean pixels [F, 17, 2]: Gaussian noise (sigma px, scaled
    per joint and per sequence), half of its variance temporally correlated (white noise
    smoothed by a Gaussian kernel of 1-3 frames, renormalised), and outliers: with probability
    ``outliers`` per joint and frame, a jump of 10-50 % of the person's height or (1 in 3) the
    position of the mirror joint (a left/right swap)."""
    frames = pixels.shape[0]
    noisy = pixels
    if sigma > 0:
        width = rng.uniform(1.0, 3.0)
        radius = int(math.ceil(3 * width))
        kernel = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=_DTYPE) / width) ** 2)
        kernel = kernel / kernel.square().sum().sqrt()  # unit gain for white noise variance
        white = torch.from_numpy(rng.standard_normal((34, 1, frames + 2 * radius)))
        smooth = torch.nn.functional.conv1d(white, kernel.view(1, 1, -1))  # [34, 1, F]
        smooth = smooth.view(17, 2, frames).permute(2, 0, 1)
        fresh = torch.from_numpy(rng.standard_normal((frames, 17, 2)))
        scale = sigma * rng.uniform(0.5, 1.5) * _JOINT_NOISE[:, None]
        noisy = noisy + scale * math.sqrt(0.5) * (smooth + fresh)
    if outliers > 0:
        hit = torch.from_numpy(rng.random((frames, 17)) < outliers)
        swap = torch.from_numpy(rng.random((frames, 17)) < 1 / 3) & (_MIRROR != torch.arange(17))
        extent = (pixels[..., 1].amax(-1) - pixels[..., 1].amin(-1))[:, None, None]
        direction = torch.from_numpy(rng.standard_normal((frames, 17, 2)))
        direction = direction / direction.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        jump = torch.from_numpy(rng.uniform(0.1, 0.5, size=(frames, 17, 1))) * extent * direction
        wrong = torch.where(swap[..., None], noisy[:, _MIRROR], noisy + jump)
        noisy = torch.where(hit[..., None], wrong, noisy)
    return noisy


# --------------------------------------------------------------------------------------------
# The dataset
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SyntheticSequence:
    """One recorded sequence: a subject doing a few actions, seen by one static camera.

    poses_world / poses_camera: [F, 17, 3] float32 metres; keypoints_2d: [F, 17, 2] float32 in
    normalised screen coordinates (camera.normalize_screen, including any noise); labels: [F]
    int64 indices into ACTIONS.
    """

    subject: Subject
    labels: torch.Tensor
    poses_world: torch.Tensor
    camera: Camera
    poses_camera: torch.Tensor
    keypoints_2d: torch.Tensor
    fps: float

    @property
    def subject_id(self) -> int:
        return self.subject.id

    @property
    def res_w(self) -> int:
        return self.camera.res_w

    @property
    def res_h(self) -> int:
        return self.camera.res_h

    @property
    def num_frames(self) -> int:
        return int(self.poses_world.shape[0])

    @property
    def action_names(self) -> tuple[str, ...]:
        """The actions in order of appearance."""
        order = torch.unique_consecutive(self.labels).tolist()
        return tuple(ACTIONS[i] for i in order)


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """The sequences of one split; iterate over it or index it like a tuple."""

    split: str
    seed: int
    sequences: tuple[SyntheticSequence, ...]

    def __len__(self) -> int:
        return len(self.sequences)

    def __iter__(self) -> Iterator[SyntheticSequence]:
        return iter(self.sequences)

    def __getitem__(self, index: int) -> SyntheticSequence:
        return self.sequences[index]

    @property
    def num_frames(self) -> int:
        return sum(s.num_frames for s in self.sequences)

    @property
    def subject_ids(self) -> tuple[int, ...]:
        return tuple(sorted({s.subject_id for s in self.sequences}))


def synthetic_dataset(
    split: str = "train",
    frames: int = 50_000,
    seed: int = 0,
    *,
    noise_2d: float = 0.0,
    outliers: float = 0.0,
    fps: float = 50,
    sequence_seconds: tuple[float, float] = (5.0, 15.0),
    actions_per_sequence: tuple[int, int] = (1, 4),
    distortion: bool = False,
) -> SyntheticData:
    """Build ``frames`` frames of the embedded dataset for ``split`` ("train" or "test").

    Sequences of ``sequence_seconds`` hold 1-4 random actions by one subject of the split
    (train: TRAIN_SUBJECTS, test: TEST_SUBJECTS; bodies from ``sample_subject(id, seed)``) and
    are seen by one random camera aimed at the area the subject moves in. ``noise_2d`` is the
    detector noise in pixels (1 sigma; 2-5 px is CPN-like on 1000 px images), ``outliers`` the
    probability per joint and frame of a gross error (e.g. 0.002). The same arguments always
    give identical tensors; train and test use different random streams.
    """
    if split not in ("train", "test"):
        raise ValueError(f"expected split 'train' or 'test', got {split!r}")
    _check_frames(frames, fps)
    if not noise_2d >= 0 or not 0 <= outliers <= 1:
        raise ValueError(f"expected noise_2d >= 0 px and outliers in [0, 1], got {noise_2d} and {outliers}")
    low, high = (max(1, int(round(s * fps))) for s in sequence_seconds)
    if not 1 <= low <= high:
        raise ValueError(f"expected sequence_seconds as (min, max) with 0 < min <= max, got {sequence_seconds}")
    fewest, most = actions_per_sequence
    if not 1 <= fewest <= most:
        raise ValueError(f"expected actions_per_sequence as (min, max) with 1 <= min <= max, got {actions_per_sequence}")
    with _one_thread():
        return _build_dataset(split, frames, seed, noise_2d, outliers, fps, low, high, fewest, most, distortion)


@contextmanager
def _one_thread():
    """Run on one intra-op thread: the tensors here are small, so a second thread only adds
    synchronisation, and on a busy machine it made generation up to 10x slower (measured)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _build_dataset(split, frames, seed, noise_2d, outliers, fps, low, high, fewest, most, distortion):
    subject_ids = TRAIN_SUBJECTS if split == "train" else TEST_SUBJECTS
    subjects = [sample_subject(i, seed) for i in subject_ids]
    rng = _rng(seed, extra=(0 if split == "train" else 1, 11))
    sequences = []
    remaining = frames
    while remaining > 0:
        length = int(rng.integers(low, high + 1))
        if remaining - length < low:  # no stub at the end
            length = remaining
        remaining -= length
        subject = subjects[int(rng.integers(len(subjects)))]
        count = int(rng.integers(fewest, most + 1))
        count = max(1, min(count, length // max(1, int(fps))))  # at least ~1 s per action
        names = [str(a) for a in rng.choice(ACTIONS, size=count)]
        # Separate streams for motion, camera and 2D noise: noise settings never change the 3D.
        motion_seed, camera_seed, noise_seed = (int(x) for x in rng.integers(2**62, size=3))
        motion = generate_sequence(names, length, subject, seed=motion_seed, fps=fps)
        sequences.append(_film(motion, subject, camera_seed, noise_seed, fps, noise_2d, outliers, distortion))
    log.debug("synthetic %s split: %d sequences, %d frames", split, len(sequences), frames)
    return SyntheticData(split, int(seed), tuple(sequences))


def _film(motion: Motion, subject: Subject, camera_seed: int, noise_seed: int, fps: float,
          noise_2d: float, outliers: float, distortion: bool) -> SyntheticSequence:
    """Place a random camera on the area the subject moves in, then project (with noise)."""
    pelvis = motion.poses_world[:, 0, :2].double()
    centre = (pelvis.amax(0) + pelvis.amin(0)) / 2
    extent = float((pelvis - centre).norm(dim=-1).max())
    camera = random_camera(camera_seed, target=tuple(centre.tolist()), subject_height=subject.height,
                           extent=extent, distortion=distortion)
    poses_camera = world_to_camera(motion.poses_world.double(), camera)
    pixels = _detector_noise(project(poses_camera, camera), noise_2d, outliers,
                             np.random.default_rng(noise_seed))
    keypoints = normalize_screen(pixels, camera.res_w, camera.res_h)
    return SyntheticSequence(subject, motion.labels, motion.poses_world, camera,
                             poses_camera.float(), keypoints.float(), float(fps))


# --------------------------------------------------------------------------------------------
# 3D noise in one representation (lesson 02: why DDHPose noises bones, not joints)
# --------------------------------------------------------------------------------------------
NOISE_TARGETS = ("directions", "lengths", "joints")
"""Where ``perturb_pose`` can put its noise."""


def perturb_pose(poses, sigma: float, where: str = "directions", seed=0):
    """Gaussian noise added to poses [..., 17, 3] in one representation, returned as joints.

    - ``"directions"``: every bone direction d becomes normalise(d + sigma·ε), ε ~ N(0, I₃);
      sigma is unitless (a small sigma turns a bone by about sigma radians per axis).
    - ``"lengths"``: every bone length l becomes max(l + sigma·ε, 0), ε ~ N(0, 1); metres.
    - ``"joints"``: every joint except the root moves by sigma·ε, ε ~ N(0, I₃); metres per axis.

    Bone noise is turned back into joints by forward kinematics (``bones.compose``), so it
    accumulates down the tree; joint noise does not. The root (joint 0) never moves. ``seed`` is an
    int or a ``torch.Generator``; the same seed gives the same ε for every sigma, so the result
    changes smoothly with sigma. Returns the input's kind (torch or NumPy) and dtype.
    """
    tensor, back = as_torch(poses, "poses")
    check_tail(tensor, "poses", (17, 3), "..., 17, 3")
    check_finite(tensor, "poses")
    if where not in NOISE_TARGETS:
        raise ValueError(f"expected where in {NOISE_TARGETS}, got {where!r}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.integer, np.floating)) \
            or not math.isfinite(sigma) or sigma < 0:
        raise ValueError(f"expected sigma as a finite number >= 0, got {sigma!r}")
    if isinstance(seed, torch.Generator):
        generator = seed
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        generator = torch.Generator().manual_seed(int(seed))
    else:
        raise TypeError(f"expected seed as an int or torch.Generator, got {type(seed).__name__}")
    work = tensor.detach().cpu()

    def noise(shape) -> torch.Tensor:
        return torch.randn(shape, generator=generator, dtype=work.dtype)

    if where == "joints":
        eps = noise(work.shape)
        eps[..., 0, :] = 0.0
        out = work + float(sigma) * eps
    else:
        length, direction = disentangle(work)
        if where == "directions":
            turned = direction + float(sigma) * noise(direction.shape)
            direction = torch.nn.functional.normalize(turned, dim=-1)
        else:
            length = (length + float(sigma) * noise(length.shape)).clamp_min(0.0)
        out = compose(length, direction, root=work[..., 0, :])
    return back(out.to(device=tensor.device, dtype=tensor.dtype))
