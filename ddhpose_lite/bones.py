"""Bone disentanglement (paper Eq. 1) and its inverse, forward kinematics.

A pose of J joints becomes J-1 bones; bone k ends at joint k and starts at ``parents[k]``.
``disentangle`` splits each bone vector into a length and a unit direction; ``compose`` rebuilds
the joints with C = C_p + l * d. Forward kinematics is one matrix product with the skeleton's
ancestor matrix (bone k contributes to joint j when it lies on the path root -> j), so there is
no per-joint Python work at run time and the whole thing is differentiable.
"""
from __future__ import annotations

from functools import lru_cache

import torch

from ._tensors import as_torch, check_finite, check_tail
from .skeleton import H36M, Skeleton

__all__ = ["disentangle", "compose", "bone_vectors"]


# Cached index tensors are made outside inference mode: an inference tensor kept in a cache would
# break every later autograd use ("Inference tensors cannot be saved for backward").
@lru_cache(maxsize=64)
def _indices(skeleton: Skeleton, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.inference_mode(False):
        children = torch.arange(1, skeleton.num_joints, device=device)
        parents = torch.tensor(skeleton.parents[1:], device=device)
    return parents, children


@lru_cache(maxsize=64)
def _ancestors(skeleton: Skeleton, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    with torch.inference_mode(False):
        return torch.from_numpy(skeleton.ancestor_matrix()).to(device=device, dtype=dtype)


def bone_vectors(pose: torch.Tensor, skeleton: Skeleton = H36M) -> torch.Tensor:
    """[..., J, 3] joints -> [..., J-1, 3] vectors child - parent (no checks; internal use)."""
    parents, children = _indices(skeleton, pose.device)
    return pose.index_select(-2, children) - pose.index_select(-2, parents)


def disentangle(pose, skeleton: Skeleton = H36M):
    """Eq. 1: pose [..., 17, 3] -> length [..., 16, 1], direction [..., 16, 3].

    l = ||y_c - y_p||, d = (y_c - y_p) / l. A zero-length bone gets the zero direction (finite,
    with finite gradients), which composes back to the same joint. Accepts torch or NumPy and
    returns the same kind.
    """
    tensor, back = as_torch(pose, "pose")
    j = skeleton.num_joints
    check_tail(tensor, "pose", (j, 3), f"..., {j}, 3")
    check_finite(tensor, "pose")
    vectors = bone_vectors(tensor, skeleton)
    length = torch.linalg.vector_norm(vectors, dim=-1, keepdim=True)
    safe = torch.where(length > 0, length, torch.ones_like(length))
    direction = torch.where(length > 0, vectors / safe, torch.zeros_like(vectors))
    return back(length), back(direction)


def compose(length, direction, root=None, skeleton: Skeleton = H36M):
    """Forward kinematics, the inverse of ``disentangle``: C_j = C_parent(j) + l_j * d_j.

    length [..., 16, 1] and direction [..., 16, 3] (leading dims broadcast, so one subject's
    lengths can drive a whole clip of directions); root [..., 3] or None (joint 0 at the origin).
    Returns [..., 17, 3] of the same kind (torch or NumPy) as ``direction``.
    """
    direction_t, back = as_torch(direction, "direction")
    length_t, _ = as_torch(length, "length")
    b = skeleton.num_bones
    check_tail(length_t, "length", (b, 1), f"..., {b}, 1")
    check_tail(direction_t, "direction", (b, 3), f"..., {b}, 3")
    check_finite(length_t, "length")
    check_finite(direction_t, "direction")
    try:
        offsets = length_t.to(direction_t) * direction_t
    except RuntimeError:
        raise ValueError(
            f"expected length and direction with broadcastable leading dims, got "
            f"{list(length_t.shape)} and {list(direction_t.shape)}"
        ) from None
    ancestors = _ancestors(skeleton, offsets.dtype, offsets.device)
    pose = torch.einsum("jk,...kc->...jc", ancestors, offsets)
    if root is not None:
        root_t, _ = as_torch(root, "root")
        check_tail(root_t, "root", (3,), "..., 3")
        check_finite(root_t, "root")
        pose = pose + root_t.to(pose).unsqueeze(-2)
    return back(pose)


H36M_BONE_LENGTHS = (
    0.13, 0.45, 0.45,  # RHip, RKnee (thigh), RAnkle (shin)
    0.13, 0.45, 0.45,  # LHip, LKnee, LAnkle
    0.23, 0.25, 0.11, 0.12,  # Spine, Thorax (neck), Nose, Head
    0.15, 0.28, 0.25,  # LShoulder, LElbow (upper arm), LWrist (forearm)
    0.15, 0.28, 0.25,  # RShoulder, RElbow, RWrist
)
"""Typical Human3.6M bone lengths in metres, bone k (ending at joint k) at index k-1."""

_REST_DIRECTIONS = (
    (1, 0, -0.15), (0, 0, -1), (0, 0, -1),  # right leg (the person faces +y, right is +x)
    (-1, 0, -0.15), (0, 0, -1), (0, 0, -1),  # left leg
    (0, 0, 1), (0, 0, 1), (0, 0.6, 0.8), (0, -0.4, 0.9),  # spine, neck, nose, head
    (-1, 0, 0.1), (-0.15, 0, -1), (0, 0, -1),  # left arm, hanging
    (1, 0, 0.1), (0.15, 0, -1), (0, 0, -1),  # right arm
)


def rest_pose(lengths=None) -> torch.Tensor:
    """A standing H36M pose [17, 3] in a z-up world frame, facing +y, pelvis at the origin.

    ``lengths`` [16, 1] (default ``H36M_BONE_LENGTHS``) sets the body proportions.
    """
    direction = torch.tensor(_REST_DIRECTIONS, dtype=torch.float64)
    direction = direction / torch.linalg.vector_norm(direction, dim=-1, keepdim=True)
    if lengths is None:
        lengths = torch.tensor(H36M_BONE_LENGTHS, dtype=torch.float64).unsqueeze(-1)
    return compose(torch.as_tensor(lengths, dtype=torch.float64), direction).float()
