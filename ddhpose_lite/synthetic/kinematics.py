"""From joint-angle channels to 3D poses: rotations down the tree, forward kinematics, the root.

Channels (radians) -> one local rotation per bone (axis-angle, Rodrigues), composed down the
kinematic tree one hierarchy level at a time, G_k = G_parent(k) L_k, below the whole-body
orientation G_root = R_z(heading) R_y(body_roll) R_x(-body_pitch). Bone k's direction is G_k
applied to its rest direction (``bones.rest_pose``: z-up, facing +y, right is +x); then
``bones.compose`` (paper Eq. 1 inverted) and the root:

- height: the lowest point of the body touches the floor z = 0 (plus ``lift`` in flight). Each
  joint is the centre of a ball of radius ``BODY_RADII`` (the flesh around it: a lying torso
  rests on its back, not on its joint centres); the ankles have radius 0, so a standing person
  has the lowest ankle on the floor, as before.
- ground plane: a trajectory integrated from speed and heading (the pelvis starts at ``start``),
  minus the integrated motion of the planted limbs relative to the pelvis, weighted by
  ``plant``: when ``plant`` = 1 the planted limbs (the feet chosen by ``support``, or the hands
  when ``hands`` = 1) stay where they are, so they do not slide in stationary actions. Being an
  integral of velocities, changing which limb is planted (or whether any is) never moves the body.
"""
from __future__ import annotations

import torch

from ..bones import compose, disentangle, rest_pose
from ..skeleton import H36M

__all__ = ["axis_angle_to_matrix", "poses_from_channels", "BODY_RADII"]

_DTYPE = torch.float64
# Channels -> rotations -> forward kinematics
def axis_angle_to_matrix(rotvec: torch.Tensor) -> torch.Tensor:
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

BODY_RADII = (
    0.10,  # pelvis: seated on the buttocks / lying on the sacrum, ~10 cm below the joint centre
    0.08, 0.05, 0.0,  # right hip (trochanter, lying on the side), knee (kneeling), ankle (the sole)
    0.08, 0.05, 0.0,  # left hip, knee, ankle
    0.10, 0.10, 0.08, 0.08,  # spine, thorax (lying on the back or front), nose and head (skull)
    0.06, 0.04, 0.03,  # left shoulder, elbow, wrist (palm on the floor)
    0.06, 0.04, 0.03,  # right shoulder, elbow, wrist
)
"""Metres of body around each joint centre that rests on the floor instead of the centre.
Rough half-thicknesses of an adult (the ankle is the foot's sole, as in ``bones.rest_pose``)."""
_RADII = torch.tensor(BODY_RADII, dtype=_DTYPE)
_PLANTED = (3, 6, 16, 13)  # right ankle, left ankle, right wrist, left wrist


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
    return axis_angle_to_matrix(swing) @ axis_angle_to_matrix(twist)


def _global_rotations(local: torch.Tensor, heading: torch.Tensor, pitch: torch.Tensor,
                      roll: torch.Tensor) -> torch.Tensor:
    """Compose local rotations down the tree, one hierarchy level at a time: G_k = G_parent L_k,
    with G_0 = R_z(heading) R_y(roll) R_x(-pitch) L_0 (the whole body tipped about the pelvis)."""
    zero = torch.zeros_like(heading)
    yaw, tip_roll, tip_pitch = axis_angle_to_matrix(torch.stack((
        torch.stack((zero, zero, heading), -1), torch.stack((zero, roll, zero), -1),
        torch.stack((-pitch, zero, zero), -1)), 1)).unbind(1)
    rotations = local.clone()
    rotations[:, 0] = yaw @ tip_roll @ tip_pitch @ local[:, 0]
    for joints in _LEVEL_JOINTS:
        rotations[:, joints] = rotations[:, _PARENTS[joints]] @ local[:, joints]
    return rotations


def poses_from_channels(radians: dict[str, torch.Tensor], bone_lengths: torch.Tensor, heading0: float,
                        fps: float, start=(0.0, 0.0)) -> torch.Tensor:
    """Channels [F] (angles in radians, root channels in m, m/s) -> world poses [F, 17, 3] (float32).

    ``heading0`` is the initial heading (radians, 0 faces +y), ``start`` the initial (x, y).
    """
    frames = radians["speed"].shape[0]
    # Root trajectory on the floor: integrate turn rate and speed.
    heading = heading0 + torch.cumsum(radians["turn_rate"], 0) / fps
    forward = torch.stack((-torch.sin(heading), torch.cos(heading)), -1)
    right = torch.stack((torch.cos(heading), torch.sin(heading)), -1)
    velocity = radians["speed"][:, None] * forward + radians["side_speed"][:, None] * right
    track = torch.as_tensor(start, dtype=_DTYPE) + torch.cumsum(velocity, 0) / fps - velocity[:1] / fps

    # Rotations down the tree and forward kinematics (bones.compose, paper Eq. 1 inverted).
    local = _local_rotations(radians, frames)
    rotations = _global_rotations(local, heading, radians["body_pitch"], radians["body_roll"])
    directions = torch.einsum("fkij,kj->fki", rotations[:, 1:], _REST_DIRECTIONS)
    pose = compose(bone_lengths.to(_DTYPE), directions)  # pelvis at the origin

    # The lowest point of the body on the floor (+ flight): min over joints of z - radius.
    height = -(pose[..., 2] - _RADII).min(-1).values + radians["lift"]
    # Planted limbs do not slide: the pelvis moves against their motion relative to it,
    # sum_limbs weight x step, weights (right foot, left foot, right hand, left hand) summing to 1.
    support, hands = radians["support"], radians["hands"]
    weights = torch.stack(((1 - hands) * (1 + support) / 2, (1 - hands) * (1 - support) / 2, hands / 2, hands / 2), -1)
    limbs = pose[:, _PLANTED, :2]
    steps = ((weights[1:] + weights[:-1]) / 2)[..., None] * (limbs[1:] - limbs[:-1])
    slide = (radians["plant"][1:, None] + radians["plant"][:-1, None]) / 2 * steps.sum(1)
    root_xy = track - torch.cat((torch.zeros(1, 2, dtype=_DTYPE), torch.cumsum(slide, 0)))
    root = torch.cat((root_xy, height[:, None]), -1)
    return (pose + root[:, None]).float()
