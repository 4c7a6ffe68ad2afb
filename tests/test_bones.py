import math
from functools import lru_cache

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ddhpose_lite.bones import (H36M_BONE_LENGTHS, NOISE_TARGETS, compose, disentangle, mirror, perturb_pose,
                                rest_pose)
from ddhpose_lite.diffusion import bone_state
from ddhpose_lite.metrics import mpjpe_by_level
from ddhpose_lite.synthetic import generate_motion, sample_subject
from ddhpose_lite.skeleton import H36M, Skeleton

coords = st.floats(-1.0, 1.0, allow_nan=False, width=64)
poses64 = arrays(np.float64, st.tuples(st.integers(1, 3), st.just(17), st.just(3)), elements=coords)


def loop_disentangle(pose):
    """Independent reference: Eq. 1 bone by bone with plain Python."""
    lengths, directions = [], []
    for child in range(1, 17):
        v = pose[..., child, :] - pose[..., H36M.parents[child], :]
        n = np.linalg.norm(v, axis=-1, keepdims=True)
        lengths.append(n)
        with np.errstate(invalid="ignore", divide="ignore"):
            directions.append(v / n)
    return np.stack(lengths, -2), np.stack(directions, -2)


def loop_compose(length, direction, root):
    """Independent reference: forward kinematics walking down the tree."""
    joints = [root]
    for child in range(1, 17):
        joints.append(joints[H36M.parents[child]] + length[..., child - 1, :] * direction[..., child - 1, :])
    return np.stack(joints, -2)


@settings(max_examples=60, deadline=None)
@given(poses64)
def test_round_trip_float64(pose):
    length, direction = disentangle(pose)
    assert isinstance(length, np.ndarray) and length.shape == pose.shape[:-2] + (16, 1)
    assert direction.shape == pose.shape[:-2] + (16, 3)
    back = compose(length, direction, root=pose[..., 0, :])
    np.testing.assert_allclose(back, pose, rtol=0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(poses64)
def test_round_trip_float32_root_relative(pose):
    pose = torch.from_numpy(pose - pose[..., :1, :]).float()
    back = compose(*disentangle(pose))
    assert back.dtype == torch.float32
    assert (back - pose).abs().max() <= 1e-6


@settings(max_examples=40, deadline=None)
@given(poses64)
def test_matches_loop_references(pose):
    length, direction = disentangle(pose)
    ref_length, ref_direction = loop_disentangle(pose)
    np.testing.assert_allclose(length, ref_length, atol=1e-12)
    mask = ref_length[..., 0] > 1e-9
    np.testing.assert_allclose(direction[mask], ref_direction[mask], atol=1e-9)
    root = pose[..., 0, :]
    np.testing.assert_allclose(compose(length, direction, root), loop_compose(length, direction, root), atol=1e-12)


def test_unit_directions_and_hand_values():
    pose = np.zeros((17, 3))
    pose[1] = [3.0, 4.0, 0.0]  # RHip: a 3-4-5 bone from the pelvis
    pose[2] = [3.0, 4.0, -2.0]  # RKnee: 2 m straight down from RHip
    length, direction = disentangle(pose)
    np.testing.assert_allclose(length[0, 0], 5.0)
    np.testing.assert_allclose(direction[0], [0.6, 0.8, 0.0])
    np.testing.assert_allclose(length[1, 0], 2.0)
    np.testing.assert_allclose(direction[1], [0.0, 0.0, -1.0])


def test_zero_length_bone_is_finite_with_finite_gradient():
    pose = rest_pose().double().requires_grad_()
    collapsed = pose.clone()
    collapsed = torch.cat([collapsed[:3], collapsed[2:3], collapsed[4:]])  # RAnkle on RKnee
    length, direction = disentangle(collapsed)
    assert length[2, 0] == 0 and torch.isfinite(direction).all()
    (length.sum() + direction.sum()).backward()
    assert torch.isfinite(pose.grad).all()
    np.testing.assert_allclose(compose(length, direction).detach(), collapsed.detach(), atol=1e-12)


def test_gradients_flow_through_both_directions():
    pose = (rest_pose().double() + 0.01 * torch.randn(17, 3, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(lambda p: disentangle(p)[1], (pose,))
    length, direction = (t.detach().requires_grad_() for t in disentangle(pose.detach()))
    assert torch.autograd.gradcheck(lambda l, d: compose(l, d), (length, direction))


def test_lengths_broadcast_over_a_clip_of_directions():
    lengths = torch.tensor(H36M_BONE_LENGTHS).reshape(16, 1)
    _, direction = disentangle(rest_pose())
    clip = direction.expand(10, 16, 3)
    poses = compose(lengths, clip, root=torch.zeros(10, 3))
    assert poses.shape == (10, 17, 3)
    np.testing.assert_allclose(disentangle(poses)[0], lengths.expand(10, 16, 1), atol=1e-6)


def test_rest_pose_has_the_typical_lengths_and_stands_upright():
    pose = rest_pose()
    np.testing.assert_allclose(disentangle(pose)[0][:, 0], H36M_BONE_LENGTHS, atol=1e-6)
    assert pose[10, 2] > pose[8, 2] > 0 > pose[2, 2] > pose[3, 2]  # head above thorax above knees
    assert pose[1, 0] > 0 > pose[4, 0]  # the person's right is +x


def test_works_on_any_skeleton():
    chain = Skeleton(("a", "b", "c"), (-1, 0, 1))
    pose = torch.tensor([[0.0, 0, 0], [1, 0, 0], [1, 2, 0]])
    length, direction = disentangle(pose, skeleton=chain)
    np.testing.assert_allclose(length[:, 0], [1.0, 2.0])
    np.testing.assert_allclose(compose(length, direction, skeleton=chain), pose)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: disentangle(np.zeros((16, 3))), ValueError, r"expected pose of shape \[\.\.\., 17, 3\], got \[16, 3\]"),
        (lambda: disentangle(np.zeros((17, 2))), ValueError, r"got \[17, 2\]"),
        (lambda: disentangle(np.zeros((17, 3), dtype=np.int64)), ValueError, "floating dtype, got torch.int64"),
        (lambda: disentangle([[0.0] * 3] * 17), TypeError, "torch.Tensor or numpy.ndarray, got list"),
        (lambda: disentangle(np.full((17, 3), np.nan)), ValueError, "expected finite pose, got 51 NaN"),
        (lambda: compose(np.ones((15, 1)), np.ones((16, 3))), ValueError, r"length of shape \[\.\.\., 16, 1\]"),
        (lambda: compose(np.ones((16, 1)), np.ones((16, 2))), ValueError, r"direction of shape \[\.\.\., 16, 3\]"),
        (lambda: compose(np.ones((2, 16, 1)), np.ones((3, 16, 3))), ValueError, "broadcastable"),
        (lambda: compose(np.ones((16, 1)), np.ones((16, 3)), root=np.ones(2)), ValueError, r"root of shape"),
        (lambda: compose(np.full((16, 1), np.inf), np.ones((16, 3))), ValueError, "finite length"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_inference_mode_first_use_does_not_poison_autograd():
    from ddhpose_lite import bones

    bones._indices.cache_clear()
    bones._ancestors.cache_clear()
    with torch.inference_mode():
        compose(*disentangle(rest_pose()))
    pose = rest_pose().requires_grad_()
    length, direction = disentangle(pose)
    compose(length, direction).sum().backward()
    assert pose.grad is not None


# ---------------------------------------------------------------- mirror


def test_mirror_reflects_swaps_and_is_an_involution():
    pose = generate_motion("wave", 4, sample_subject(3, 0), seed=3)
    pose = pose - pose[:, :1]
    mirrored = mirror(pose)
    assert torch.equal(mirrored[:, 4, 0], -pose[:, 1, 0])  # LHip <- mirrored RHip
    assert torch.equal(mirrored[:, 4, 1:], pose[:, 1, 1:])
    assert torch.equal(mirrored[:, 9], pose[:, 9] * torch.tensor([-1.0, 1, 1]))  # the nose stays put, x flipped
    assert torch.equal(mirror(mirrored), pose)
    keypoints = pose[..., :2]
    assert torch.equal(mirror(keypoints), mirrored[..., :2])  # 2D keypoints: the same rule
    mirrored_np = mirror(pose.double().numpy())
    assert isinstance(mirrored_np, np.ndarray)
    np.testing.assert_allclose(mirrored_np, mirrored.double().numpy())


def test_mirror_commutes_with_disentangling():
    """Mirroring bones (directions, lengths, bone states) equals disentangling the mirrored pose."""
    pose = generate_motion("boxing", 3, sample_subject(2, 0), seed=2).double()
    length, direction = disentangle(pose)
    length_m, direction_m = disentangle(mirror(pose))
    torch.testing.assert_close(mirror(direction), direction_m)
    torch.testing.assert_close(mirror(length), length_m)  # one channel: only permuted
    torch.testing.assert_close(length_m[:, [3, 4, 5]], length[:, [0, 1, 2]])  # left leg <- right leg
    torch.testing.assert_close(mirror(bone_state(length, direction)), bone_state(length_m, direction_m))


def test_mirror_bad_input():
    with pytest.raises(ValueError, match=r"joints \[\.\.\., 17, C\] or bones \[\.\.\., 16, C\], got \[4, 15, 3\]"):
        mirror(torch.zeros(4, 15, 3))


# ---------------------------------------------------------------- perturb_pose (lesson 02)


@lru_cache(maxsize=None)
def noise_poses() -> torch.Tensor:
    poses = generate_motion("wave", 250, sample_subject(0, 0), seed=0)[::5]
    return poses - poses[:, :1]  # [50, 17, 3], root-relative


@pytest.mark.parametrize("where", NOISE_TARGETS)
def test_perturb_pose_keeps_kind_shape_root_and_is_seeded(where):
    poses = noise_poses() + torch.tensor([0.3, -0.2, 1.0])  # the root need not be at the origin
    noisy = perturb_pose(poses, 0.05, where, seed=3)
    assert noisy.shape == poses.shape and noisy.dtype == torch.float32
    torch.testing.assert_close(noisy[:, 0], poses[:, 0])
    assert (noisy - poses).norm(dim=-1)[:, 1:].min() > 0
    torch.testing.assert_close(perturb_pose(poses, 0.05, where, seed=3), noisy)
    torch.testing.assert_close(perturb_pose(poses, 0.05, where, seed=torch.Generator().manual_seed(3)), noisy)
    assert not torch.allclose(perturb_pose(poses, 0.05, where, seed=4), noisy)
    torch.testing.assert_close(perturb_pose(poses, 0.0, where), poses, atol=1e-6, rtol=0)
    as_numpy = perturb_pose(poses.double().numpy(), 0.05, where, seed=3)
    assert isinstance(as_numpy, np.ndarray) and as_numpy.dtype == np.float64


def test_perturb_pose_touches_only_its_own_representation():
    poses = noise_poses()
    length, direction = disentangle(poses)
    l_dir, d_dir = disentangle(perturb_pose(poses, 0.1, "directions"))
    torch.testing.assert_close(l_dir, length, atol=1e-5, rtol=0)
    assert (d_dir - direction).norm(dim=-1).mean() > 0.05
    l_len, d_len = disentangle(perturb_pose(poses, 0.02, "lengths"))
    torch.testing.assert_close(d_len, direction, atol=1e-4, rtol=0)
    assert (l_len - length).abs().mean() > 0.005


def test_joint_noise_is_flat_and_bone_noise_grows_with_level():
    poses = noise_poses().expand(20, -1, -1, -1)
    sigma = 0.02
    joints = mpjpe_by_level(perturb_pose(poses, sigma, "joints"), poses)
    expected = sigma * math.sqrt(8 / math.pi)  # mean length of a 3D Gaussian vector
    assert joints[0] == 0
    torch.testing.assert_close(joints[1:], torch.full((5,), expected), atol=0.05 * expected, rtol=0)
    for where in ("directions", "lengths"):
        levels = mpjpe_by_level(perturb_pose(poses, sigma, where), poses)
        assert levels[0] == 0 and levels[5] > 2 * levels[1], (where, levels)


def test_length_noise_moves_level1_joints_by_half_normal_mean():
    poses = noise_poses().expand(20, -1, -1, -1)
    level1 = mpjpe_by_level(perturb_pose(poses, 0.03, "lengths", seed=1), poses)[1]
    assert float(level1) == pytest.approx(0.03 * math.sqrt(2 / math.pi), rel=0.05)


@pytest.mark.parametrize("args, kwargs, error, message", [
    pytest.param((0.1, "bones"), {}, ValueError, "where", id="where"),
    pytest.param((-0.1,), {}, ValueError, "sigma", id="negative-sigma"),
    pytest.param((float("nan"),), {}, ValueError, "sigma", id="nan-sigma"),
    pytest.param((0.1,), {"seed": "zero"}, TypeError, "seed", id="seed-type"),
])
def test_perturb_pose_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        perturb_pose(noise_poses(), *args, **kwargs)


@pytest.mark.parametrize("poses, error, message", [
    pytest.param(lambda: noise_poses()[:, :16], ValueError, r"\.\.\., 17, 3", id="16-joints"),
    pytest.param(lambda: noise_poses().tolist(), TypeError, "poses", id="a-list"),
])
def test_perturb_pose_bad_poses(poses, error, message):
    with pytest.raises(error, match=message):
        perturb_pose(poses(), 0.1)


# ---------------------------------------------------------------- references that mutation testing asked for


@pytest.mark.parametrize("where", NOISE_TARGETS)
def test_perturb_pose_against_its_definition(where):
    """Written from the docstring with the seeded draws, in float64: directions normalise(d + σε),
    lengths max(l + σε, 0), joints x + σε with the root's ε zeroed; bone noise turned into joints by
    forward kinematics from the unmoved root (loop_compose)."""
    poses = noise_poses()[:4].double() + torch.tensor([0.3, -0.2, 1.0], dtype=torch.float64)
    sigma, g = 0.05, torch.Generator().manual_seed(0)
    length, direction = loop_disentangle(poses.numpy())
    if where == "joints":
        eps = torch.randn(poses.shape, generator=g, dtype=torch.float64)
        eps[..., 0, :] = 0
        expected = poses + sigma * eps
    else:
        if where == "directions":
            moved = direction + sigma * torch.randn(direction.shape, generator=g, dtype=torch.float64).numpy()
            direction = moved / np.linalg.norm(moved, axis=-1, keepdims=True)
        else:
            length = np.maximum(length + sigma * torch.randn(length.shape, generator=g, dtype=torch.float64).numpy(), 0)
        expected = torch.from_numpy(loop_compose(length, direction, poses[..., 0, :].numpy()))
    out = perturb_pose(poses, sigma, where)  # the default seed is 0
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)


def test_perturb_pose_follows_the_skeleton_it_is_given():
    """On the 3DHP tree (other parents than H36M) the bones are that tree's: lengths noised by 0 and the
    directions by 0 give the pose back; a bone-length change moves each joint along its own 3DHP bone."""
    from ddhpose_lite.skeleton import MPI_INF_3DHP

    pose = torch.randn(2, 17, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for where in NOISE_TARGETS:
        torch.testing.assert_close(perturb_pose(pose, 0.0, where, skeleton=MPI_INF_3DHP), pose, rtol=0, atol=1e-12)
    noisy = perturb_pose(pose, 0.01, "directions", skeleton=MPI_INF_3DHP)
    lengths, _ = disentangle(pose, MPI_INF_3DHP)
    torch.testing.assert_close(disentangle(noisy, MPI_INF_3DHP)[0], lengths, rtol=0, atol=1e-12)


def test_mirror_of_a_single_pose_by_hand():
    """One pose [17, 3] (no batch axis) mirrors like a batch of one: x negated, left and right twins swapped."""
    from conftest import mirror_by_hand

    pose = rest_pose() + torch.randn(17, 3, generator=torch.Generator().manual_seed(0)) * 0.05
    torch.testing.assert_close(mirror(pose), mirror_by_hand(pose), rtol=0, atol=0)
    torch.testing.assert_close(mirror(pose[1:]), mirror_by_hand(pose[1:]), rtol=0, atol=0)  # 16 bones


@pytest.mark.parametrize("call, error, message", [
    (lambda: disentangle([[0.0] * 3] * 17), TypeError, "expected pose as a torch.Tensor"),
    (lambda: compose(torch.ones(16, 1), [[1.0, 0, 0]] * 16), TypeError, "expected direction as a torch.Tensor"),
    (lambda: compose([[1.0]] * 16, torch.ones(16, 3)), TypeError, "expected length as a torch.Tensor"),
    (lambda: compose(torch.ones(16, 1), torch.ones(16, 3), root=[0.0, 0, 0]), TypeError, "expected root as a torch"),
    (lambda: compose(torch.ones(16, 1), torch.ones(16, 3), root=torch.ones(2)), ValueError,
     r"expected root of shape \[\.\.\., 3\]"),
    (lambda: compose(torch.ones(16, 1), torch.ones(16, 3), root=torch.full((3,), float("nan"))), ValueError,
     "expected finite root"),
    (lambda: compose(torch.ones(16, 1), torch.full((16, 3), float("nan"))), ValueError, "expected finite direction"),
    (lambda: mirror([[0.0] * 3] * 17), TypeError, "expected x as a torch.Tensor"),
    (lambda: perturb_pose([[0.0] * 3] * 17, 0.1), TypeError, "expected poses as a torch.Tensor"),
    (lambda: perturb_pose(torch.zeros(16, 3), 0.1), ValueError, r"expected poses of shape \[\.\.\., 17, 3\]"),
    (lambda: perturb_pose(torch.full((17, 3), float("nan")), 0.1), ValueError, "expected finite poses"),
    (lambda: perturb_pose(torch.zeros(17, 3), -1.0), ValueError, "expected sigma"),
])
def test_bad_inputs_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_compose_computes_in_the_directions_dtype():
    """float64 lengths or a float64 root with float32 directions: a float32 pose, the float64 inputs
    rounded first (by hand: the sum taken in float32)."""
    length = torch.full((16, 1), 1 / 3, dtype=torch.float64)
    direction = torch.zeros(16, 3)
    direction[:, 0] = 1.0
    out = compose(length, direction, root=torch.tensor([1e-9, 0.0, 0.0], dtype=torch.float64))
    assert out.dtype == torch.float32
    third = torch.tensor(1 / 3, dtype=torch.float32)
    depth = torch.tensor([lv for lv in H36M.levels], dtype=torch.float32)
    torch.testing.assert_close(out[:, 0], depth * third + torch.tensor(1e-9, dtype=torch.float32), rtol=1e-6, atol=0)
