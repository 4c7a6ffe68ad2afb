"""From joint-angle channels to 3D poses: rotations down the tree, forward kinematics, the root.

Channels (radians) -> one local rotation per bone (axis-angle, Rodrigues), composed down the
kinematic tree one hierarchy level at a time, G_k = G_parent(k) L_k. Bone k's direction is G_k
applied to its rest direction (``bones.rest_pose``: z-up, facing +y, right is +x); then
``bones.compose`` (paper Eq. 1 inverted) and the root: a ground-plane trajectory from speed and
heading, and the pelvis height that puts the lowest ankle on the floor z = 0.
"""
from __future__ import annotations

import torch

from ..bones import compose, disentangle, rest_pose
from ..skeleton import H36M

__all__ = ["axis_angle_to_matrix", "poses_from_channels"]

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


def _global_rotations(local: torch.Tensor, heading: torch.Tensor) -> torch.Tensor:
    """Compose local rotations down the tree, one hierarchy level at a time: G_k = G_parent L_k."""
    yaw = torch.zeros(heading.shape + (3,), dtype=_DTYPE)
    yaw[:, 2] = heading
    rotations = local.clone()
    rotations[:, 0] = axis_angle_to_matrix(yaw) @ local[:, 0]
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
    rotations = _global_rotations(_local_rotations(radians, frames), heading)
    directions = torch.einsum("fkij,kj->fki", rotations[:, 1:], _REST_DIRECTIONS)
    pose = compose(bone_lengths.to(_DTYPE), directions)  # pelvis at the origin

    # The lowest ankle on the floor (+ flight); for stationary actions the trajectory is the
    # planted foot (or the midpoint of the feet), so the feet do not slide.
    ankles = pose[:, [3, 6]]
    height = -ankles[..., 2].min(-1).values + radians["lift"]
    support = radians["support"][:, None]
    anchor = (1 + support) / 2 * ankles[:, 0, :2] + (1 - support) / 2 * ankles[:, 1, :2]
    root_xy = track - radians["plant"][:, None] * anchor
    root = torch.cat((root_xy, height[:, None]), -1)
    return (pose + root[:, None]).float()
