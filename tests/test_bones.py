import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ddhpose_lite.bones import H36M_BONE_LENGTHS, compose, disentangle, rest_pose
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
