"""Joint-angle channels: the vocabulary motion scripts write, with their joint limits.

Every action writes named channels over time, in degrees (hip flexion, knee flexion, shoulder
abduction, spine bend, ...) plus a few root channels in metres or m/s (walking speed, turn rate,
flight height, which limbs are planted) and the whole-body orientation (``body_pitch``,
``body_roll``: tipping the body over to lie, kneel on all fours or stand on the hands).
``Script`` starts every channel at a subject's neutral stance; ``clamp`` applies the joint
limits after the actions of a sequence have been blended.
"""
from __future__ import annotations

import torch

from .subjects import Style

__all__ = ["CHANNELS", "ALL_CHANNELS", "NOT_ANGLES", "limits", "Script", "clamp"]

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
    "hands": (0.0, 0.0, 1.0),  # 1: the hands are planted instead of the feet (all fours, handstand)
    # whole-body orientation about the pelvis, heading frame: R = R_z(heading) R_y(roll) R_x(-pitch).
    # Not joints: pitch tips the body forward (face down at 90, upside down at 180), roll tips
    # it to the right about the heading's forward axis (on the right side at 90; after a pitch of
    # -90, lying on the back, roll turns the body about its long axis). Both span a full turn
    # each way (cartwheels, tumbling exploration): +-360 is upright again.
    "body_pitch": (0.0, -360.0, 360.0),
    "body_roll": (0.0, -360.0, 360.0),
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
    "hip_twist_s": (0.0, -35.0, 90.0),  # beyond 35 only with the hip flexed (see clamp)
    "knee_s": (0.0, 0.0, 150.0),  # flexion; the knee bends one way only
    "shoulder_flex_s": (0.0, -60.0, 180.0),
    "shoulder_abd_s": (0.0, -30.0, 170.0),  # below 0 only with the arm forward (see _clamp)
    "shoulder_twist_s": (0.0, -30.0, 100.0),
    "elbow_s": (0.0, 0.0, 150.0),  # flexion; the elbow bends one way only
}
NOT_ANGLES = {"speed", "side_speed", "lift", "plant", "support", "hands"}


def _channel_names() -> tuple[str, ...]:
    names = []
    for name in CHANNELS:
        names += [name[:-1] + "r", name[:-1] + "l"] if name.endswith("_s") else [name]
    return tuple(names)


ALL_CHANNELS = _channel_names()


def limits(name: str) -> tuple[float, float, float]:
    return CHANNELS[name[:-1] + "s"] if name.endswith(("_r", "_l")) else CHANNELS[name]



class Script(dict):
    """Channel name -> value (float or tensor [F]); starts from a subject's neutral stance."""

    def __init__(self, style: Style):
        super().__init__({name: limits(name)[0] for name in ALL_CHANNELS})
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



def clamp(ch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Apply the joint limits of CHANNELS, plus two coupled limits: a shoulder may adduct past
    the body line only with the arm raised forward (so the arm never enters the torso), and a
    hip turns out beyond 35 deg only when flexed, up to 89 at 90 deg of flexion (sitting
    cross-legged needs it: in this swing-then-twist parametrisation the knee's axis must turn
    upright for the shin to fold across, not down)."""
    out = {}
    for name, value in ch.items():
        _, low, high = limits(name)
        out[name] = value.clamp(low, high)
    for side in "rl":
        flex = out[f"shoulder_flex_{side}"]
        out[f"shoulder_abd_{side}"] = torch.maximum(out[f"shoulder_abd_{side}"], -0.35 * flex.clamp(0, 90))
        turn_out = 35 + 0.6 * out[f"hip_flex_{side}"].clamp(0, 90)
        out[f"hip_twist_{side}"] = torch.minimum(out[f"hip_twist_{side}"], turn_out)
    return out