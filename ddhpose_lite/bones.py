"""Bone disentanglement (paper Eq. 1) and its inverse, forward kinematics.

A pose of J joints becomes J-1 bones; bone k ends at joint k and starts at ``parents[k]``.
``disentangle`` splits each bone vector into a length and a unit direction; ``compose`` rebuilds
the joints with C = C_p + l * d. Forward kinematics is one matrix product with the skeleton's
ancestor matrix (bone k contributes to joint j when it lies on the path root -> j), so there is
no per-joint Python work at run time and the whole thing is differentiable.

``mirror`` reflects anything laid out per joint or per bone (poses, 2D keypoints, directions,
bone states); ``perturb_pose`` adds noise in one representation (joints, bone directions or bone
lengths) to show why errors accumulate down the tree (lesson 02).
"""
from __future__ import annotations

from functools import lru_cache

import torch

from ._tensors import as_torch, check_finite, check_number, check_tail, torch_generator
from .skeleton import H36M, Skeleton

__all__ = ["disentangle", "compose", "bone_vectors", "mirror", "perturb_pose", "NOISE_TARGETS",
           "H36M_BONE_LENGTHS", "rest_pose"]


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


@lru_cache(maxsize=64)
def _mirror_index(skeleton: Skeleton, per_joint: bool, device: torch.device) -> torch.Tensor:
    perm = skeleton.flip_permutation
    if not per_joint:  # bone k ends at joint k: bone slots follow their joints
        perm = tuple(perm[k] - 1 for k in range(1, skeleton.num_joints))
    with torch.inference_mode(False):
        return torch.tensor(perm, device=device)


def mirror(x, skeleton: Skeleton = H36M):
    """Reflect left and right: x -> -x, and every left joint (or bone) swaps with its right twin.

    ``x`` is laid out per joint [..., J, C] (3D poses, 2D keypoints in normalised screen
    coordinates, which are centred on the image, so mirroring the image is x -> -x) or per bone
    [..., J-1, C] (directions, bone states (direction, length)). Channel 0, the x coordinate, is
    negated; a one-channel array (bone lengths) is only permuted. Same kind (torch/NumPy) out;
    differentiable; ``mirror(mirror(x)) == x``.
    """
    tensor, back = as_torch(x, "x")
    j = skeleton.num_joints
    if tensor.ndim < 2 or tensor.shape[-2] not in (j, j - 1):
        raise ValueError(f"expected joints [..., {j}, C] or bones [..., {j - 1}, C], got {list(tensor.shape)}")
    out = tensor.index_select(-2, _mirror_index(skeleton, tensor.shape[-2] == j, tensor.device))
    if tensor.shape[-1] > 1:
        out = torch.cat([-out[..., :1], out[..., 1:]], -1)
    return back(out)


NOISE_TARGETS = ("directions", "lengths", "joints")
"""Where ``perturb_pose`` can put its noise."""


def perturb_pose(poses, sigma: float, where: str = "directions", seed=0, skeleton: Skeleton = H36M):
    """Gaussian noise added to poses [..., J, 3] in one representation, returned as joints.

    - ``"directions"``: every bone direction d becomes normalise(d + sigma·ε), ε ~ N(0, I₃);
      sigma is unitless (a small sigma turns a bone by about sigma radians per axis).
    - ``"lengths"``: every bone length l becomes max(l + sigma·ε, 0), ε ~ N(0, 1); metres.
    - ``"joints"``: every joint except the root moves by sigma·ε, ε ~ N(0, I₃); metres per axis.

    Bone noise is turned back into joints by forward kinematics (``compose``, Eq. 1 inverted), so
    it accumulates down the tree; joint noise does not. The root never moves. ``seed`` is an int
    or a ``torch.Generator``; the same seed gives the same ε for every sigma, so the result
    changes smoothly with sigma. Returns the input's kind (torch or NumPy) and dtype.
    """
    tensor, back = as_torch(poses, "poses")
    j = skeleton.num_joints
    check_tail(tensor, "poses", (j, 3), f"..., {j}, 3")
    check_finite(tensor, "poses")
    if where not in NOISE_TARGETS:
        raise ValueError(f"expected where in {NOISE_TARGETS}, got {where!r}")
    sigma = check_number(sigma, "sigma", low=0)
    generator = torch_generator(seed)
    work = tensor.detach().cpu()

    def noise(shape) -> torch.Tensor:
        return torch.randn(shape, generator=generator, dtype=work.dtype)

    if where == "joints":
        eps = noise(work.shape)
        eps[..., 0, :] = 0.0
        out = work + sigma * eps
    else:
        length, direction = disentangle(work, skeleton)
        if where == "directions":
            direction = torch.nn.functional.normalize(direction + sigma * noise(direction.shape), dim=-1)
        else:
            length = (length + sigma * noise(length.shape)).clamp_min(0.0)
        out = compose(length, direction, root=work[..., 0, :], skeleton=skeleton)
    return back(out.to(device=tensor.device, dtype=tensor.dtype))
