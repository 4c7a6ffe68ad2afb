"""Checks of lesson 02's exercises (bones: lengths and directions); worked solutions in ``solutions``.

Forward kinematics is checked on trees ``bones.compose`` cannot take (MPI-INF-3DHP in the order of
its files, a dog), and the length estimate on clips the check generates itself.
"""
from __future__ import annotations

import math

import torch

from ..bones import disentangle, perturb_pose, rest_pose
from ..skeleton import H36M, MPI_INF_3DHP_TO_H36M
from ..synthetic import generate_motion, sample_subject
from ._exercise import Wrong, call, exercise, tensor_answer
from .lesson01 import DOG_NAMES, DOG_PARENTS, MPI_FILE_PARENTS

__all__ = ["check_bone_lengths", "check_forward_kinematics", "check_lever_arm"]


@exercise("02", 1, "warm-up", "The lever arm", solution="lever_arm_cm", answer="value",
          empty="Replace None with a number of centimetres.")
def check_lever_arm(answer_cm) -> str:
    """How far (cm) the end of a 28 cm bone moves, on average, under direction noise σ = 0.1."""
    generator = torch.Generator().manual_seed(0)
    unit = torch.nn.functional.normalize
    d = unit(torch.randn(100_000, 3, generator=generator, dtype=torch.float64), dim=-1)  # random bones
    turned = unit(d + 0.1 * torch.randn(d.shape, generator=generator, dtype=d.dtype), dim=-1)
    expected = 28.0 * float((turned - d).norm(dim=-1).mean())
    try:
        value = float(answer_cm)
    except (TypeError, ValueError):
        raise Wrong(f"expected a number of centimetres, got {answer_cm!r}") from None
    if abs(value - expected) > 0.1 * expected:
        hint = ("σ·ε has three components; which of them turn the bone?" if value > expected else
                "the bone turns by about |ε⊥|·σ radians, and a 2D Gaussian's mean length is σ·√(π/2)")
        raise Wrong(f"{value:.2f} cm is more than 10 % off ({'too large' if value > expected else 'too small'}): {hint}")
    return f"A simulation gives {expected:.2f} cm: the error grows with the bone's length."


def _bone_vectors(parents, pose: torch.Tensor) -> torch.Tensor:
    vectors = torch.zeros_like(pose)
    for joint, parent in enumerate(parents):
        if parent >= 0:
            vectors[joint] = pose[joint] - pose[parent]
    return vectors


def _fk_cases():
    generator = torch.Generator().manual_seed(4)
    walk = generate_motion("walk", 20, seed=2)[10].double()
    walk = walk - walk[0]
    yield "Human3.6M, the rest pose", H36M.parents, rest_pose().double(), False
    yield "MPI-INF-3DHP in file order, a walking pose", MPI_FILE_PARENTS, walk[list(_file_order())], False
    dog = torch.randn(len(DOG_PARENTS), 3, generator=generator, dtype=torch.float64) * 0.2
    yield "the dog", DOG_PARENTS, dog - dog[DOG_PARENTS.index(-1)], False
    yield "the dog, with garbage in the root's row", DOG_PARENTS, dog - dog[DOG_PARENTS.index(-1)], True


def _file_order() -> list[int]:
    """For each MPI-INF-3DHP file index, the H36M slot that holds the same joint."""
    order = [0] * 17
    for slot, index in enumerate(MPI_INF_3DHP_TO_H36M):
        order[index] = slot
    return order


@exercise("02", 2, "core", "Forward kinematics for any tree", solution="forward_kinematics",
          empty="Define forward_kinematics(parents, bone_vectors) and pass the function.")
def check_forward_kinematics(function) -> str:
    """forward_kinematics(parents, bone_vectors [J, 3]) -> joints [J, 3], the root at the origin."""
    for name, parents, pose, garbage in _fk_cases():
        vectors = _bone_vectors(parents, pose)
        root = parents.index(-1)
        if garbage:
            vectors[root] = torch.tensor([9.0, -9.0, 9.0], dtype=vectors.dtype)
        got = tensor_answer(call(function, parents, vectors.clone(), what="forward_kinematics"), tuple(pose.shape))
        if garbage and not torch.allclose(got[root], torch.zeros(3, dtype=got.dtype)):
            raise Wrong(f"for {name}: the root must stay at the origin whatever its row of bone_vectors holds "
                        f"(it has no parent, so it has no bone); yours is at {got[root].tolist()}.")
        wrong = (got - pose).norm(dim=-1) > 1e-9
        if bool(wrong.any()):
            joint = int(torch.nonzero(wrong)[0])
            names = DOG_NAMES if parents == DOG_PARENTS else None
            label = f"joint {joint}" + (f" ({names[joint]})" if names else "")
            raise Wrong(f"for {name}, {label} is off by {float((got - pose)[joint].norm()):.3f} m. A joint is its parent "
                        "plus its bone vector, so place every parent before its children; here parents can come "
                        "after their children in the list.")
    return "Forward kinematics is a walk down the tree; `bones.compose` does it as one matrix product."


_LENGTH_CASES = ((5, "walk", 0.025), (7, "jump", 0.04), (2, "wave", 0.03))
_TOLERANCE_MM = 3.5


@exercise("02", 3, "stretch", "A person's bone lengths from noisy joints", solution="estimate_lengths",
          empty="Define estimate_lengths(noisy_poses, sigma) and pass the function.")
def check_bone_lengths(function) -> str:
    """estimate_lengths(noisy_poses [F, 17, 3], sigma) -> the 16 true bone lengths [16, 1] in metres."""
    report = []
    for number, (subject_id, action, sigma) in enumerate(_LENGTH_CASES):
        subject = sample_subject(subject_id, seed=1)
        poses = generate_motion(action, 400, subject, seed=3)
        poses = poses - poses[:, :1]  # root-relative
        noisy = perturb_pose(poses, sigma, where="joints", seed=11 + number)  # every joint but the pelvis
        got = tensor_answer(call(function, noisy.clone(), sigma, what="estimate_lengths"), (16, 1))
        true = subject.bone_lengths.double()
        error = 1000 * float((got - true).abs().mean())
        plain = 1000 * float((disentangle(noisy)[0].mean(0).double() - true).abs().mean())
        if not math.isfinite(error) or error >= _TOLERANCE_MM:
            raise Wrong(f"on a clip of '{action}' with σ = {100 * sigma:g} cm your lengths are off by {error:.1f} mm on "
                        f"average (the plain average of the per-frame lengths: {plain:.1f} mm); the goal is below "
                        f"{_TOLERANCE_MM} mm. Averaging removes the jitter, not the bias: what is E‖v + e‖² for a "
                        "bone vector v and Gaussian noise e?")
        report.append(f"{error:.1f} mm against {plain:.1f} mm for the plain average (σ = {100 * sigma:g} cm)")
    return "; ".join(report) + "."
