"""Tests for ddhpose_lite.camera: frames, quaternions, projection, screen normalisation and
random cameras."""
from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ddhpose_lite.bones import rest_pose
from ddhpose_lite.camera import (
    H36M_CAMERAS,
    SENSORS,
    Camera,
    camera_to_world,
    image_coordinates,
    look_at,
    matrix_to_quaternion,
    normalize_screen,
    project,
    quaternion_rotate,
    quaternion_to_matrix,
    random_camera,
    turned,
    world_to_camera,
)

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
quaternions = arrays(np.float64, 4, elements=st.floats(-1, 1)).filter(
    lambda q: np.linalg.norm(q) > 0.1
).map(lambda q: q / np.linalg.norm(q))
points = arrays(np.float64, (5, 3), elements=finite)


def simple_camera(**changes) -> Camera:
    base = Camera(res_w=1000, res_h=800, focal_length=(1000.0, 1000.0), center=(500.0, 400.0))
    return dataclasses.replace(base, **changes)


def standing_person(at=(0.0, 0.0), height=1.8) -> torch.Tensor:
    pose = rest_pose().double()
    pose = pose * (height / 1.75)
    pose[:, 2] -= pose[:, 2].min()
    pose[:, :2] += torch.tensor(at, dtype=torch.float64)
    return pose


# --- frames ---------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(q=quaternions, t=arrays(np.float64, 3, elements=finite), x=points)
def test_world_camera_round_trip(q, t, x):
    camera = simple_camera(orientation=tuple(q), translation=tuple(t))
    back = camera_to_world(world_to_camera(x, camera), camera)
    assert isinstance(back, np.ndarray)
    np.testing.assert_allclose(back, x, atol=1e-9)
    x_t = torch.from_numpy(x)
    back_t = world_to_camera(camera_to_world(x_t, camera), camera)
    assert isinstance(back_t, torch.Tensor)
    torch.testing.assert_close(back_t, x_t, atol=1e-9, rtol=0)


def test_world_to_camera_is_inverse_rotation_of_offset():
    # R^-1 (X - t) with R a 90 deg turn about world z: the camera's x axis is world +y.
    s = np.sqrt(0.5)
    camera = simple_camera(orientation=(s, 0.0, 0.0, s), translation=(1.0, 2.0, 3.0))
    out = world_to_camera(np.array([[1.0, 3.0, 3.0]]), camera)  # one metre along world +y
    np.testing.assert_allclose(out, [[1.0, 0.0, 0.0]], atol=1e-12)


def test_frames_keep_leading_dims_and_dtype():
    camera = random_camera(3)
    x = torch.randn(2, 4, 17, 3, dtype=torch.float32)
    out = world_to_camera(x, camera)
    assert out.shape == x.shape and out.dtype == torch.float32


# --- quaternions ----------------------------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(q=quaternions)
def test_quaternion_matrix_round_trip_and_orthonormal(q):
    matrix = quaternion_to_matrix(q)
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(matrix) == pytest.approx(1.0, abs=1e-12)
    back = matrix_to_quaternion(matrix)
    assert back[0] >= 0
    # q and -q are the same rotation; the result is canonical with w >= 0
    assert min(np.abs(back - q).max(), np.abs(back + q).max()) < 1e-9


@settings(max_examples=40, deadline=None)
@given(q=quaternions, v=points)
def test_quaternion_rotate_matches_matrix(q, v):
    np.testing.assert_allclose(quaternion_rotate(q, v), v @ quaternion_to_matrix(q).T, atol=1e-9)


def test_matrix_to_quaternion_half_turns():
    # w = 0: the branch that needs Shepperd's method (trace = -1)
    for axis in np.eye(3):
        q = np.concatenate(([0.0], axis))
        np.testing.assert_allclose(np.abs(matrix_to_quaternion(quaternion_to_matrix(q))), np.abs(q), atol=1e-12)


def test_quaternion_batches_broadcast():
    q = torch.nn.functional.normalize(torch.randn(5, 1, 4, dtype=torch.float64), dim=-1)
    v = torch.randn(1, 7, 3, dtype=torch.float64)
    rotated = quaternion_rotate(q, v)
    assert rotated.shape == (5, 7, 3)
    expected = torch.einsum("bij,nj->bni", quaternion_to_matrix(q[:, 0]), v[0])
    torch.testing.assert_close(rotated, expected)
    assert matrix_to_quaternion(quaternion_to_matrix(q)).shape == (5, 1, 4)


# --- projection -----------------------------------------------------------------------------
@pytest.mark.parametrize("distort", [False, True])
def test_point_on_optical_axis_lands_on_principal_point(distort):
    camera = simple_camera(
        center=(512.5, 401.25), radial_distortion=(-0.2, 0.25, -0.003),
        tangential_distortion=(0.001, -0.002),
    )
    pixel = project(torch.tensor([[0.0, 0.0, 3.7]]), camera, distort=distort)
    torch.testing.assert_close(pixel, torch.tensor([[512.5, 401.25]]))


def test_projection_hand_computed():
    camera = simple_camera(radial_distortion=(0.1, 0.01, 0.001), tangential_distortion=(0.001, -0.002))
    point = np.array([0.2, -0.1, 2.0])
    # pinhole: m = (0.1, -0.05); u = 1000 m + (500, 400)
    np.testing.assert_allclose(project(point, camera, distort=False), [600.0, 350.0], atol=1e-9)
    # r2 = 0.0125; radial = 1 + 0.1 r2 + 0.01 r2^2 + 0.001 r2^3 = 1.001251564453125
    # p . m = 0.0001 + 0.0001 = 0.0002; m' = m (radial + 0.0002) + p r2
    #   = (0.1001451564453125 + 0.0000125, -0.05007257822265625 - 0.000025)
    np.testing.assert_allclose(
        project(point, camera), [600.1576564453125, 349.90242177734375], atol=1e-9
    )
    # With no distortion parameters, distort=True is the pinhole.
    np.testing.assert_allclose(project(point, simple_camera()), [600.0, 350.0], atol=1e-9)


def test_projection_scales_with_depth_and_keeps_kind():
    camera = simple_camera()
    near = project(np.array([0.5, 0.25, 1.0]), camera)
    far = project(np.array([1.0, 0.5, 2.0]), camera)
    np.testing.assert_allclose(near, far)
    assert project(torch.zeros(3, 17, 3) + torch.tensor([0, 0, 2.0]), camera).shape == (3, 17, 2)


@pytest.mark.parametrize("points, message", [
    pytest.param(torch.tensor([[0.0, 0.0, 1.0], [0.1, 0.0, -0.5]]),
                 "expected points in front of the camera (z > 1e-06 m), got 1 of 2 points with z <= 1e-06",
                 id="one-of-two-behind"),
    pytest.param(np.array([1.0, 1.0, 0.0]),
                 "expected points in front of the camera (z > 1e-06 m), got 1 of 1 points with z <= 1e-06",
                 id="one-at-zero-depth"),
])
def test_projection_rejects_points_behind_camera(points, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        project(points, simple_camera())


def test_real_h36m_camera_sees_the_capture_area():
    # Subject S1, camera 54138969 of the Human3.6M calibration (translation converted to metres).
    camera = dataclasses.replace(
        H36M_CAMERAS["54138969"],
        orientation=(0.1407056450843811, -0.1500701755285263, -0.755240797996521, 0.6223280429840088),
        translation=(1.8411070556640625, 4.95528466796875, 1.5634454345703125),
    )
    person = standing_person()
    in_camera = world_to_camera(person, camera)
    assert (in_camera[:, 2] > 4).all()  # ~5 m away, in front
    pixels = project(in_camera, camera)
    assert ((pixels >= 0) & (pixels <= 1000)).all()
    assert pixels[10, 1] < pixels[3, 1] - 200  # the head is well above the ankle (y points down)


def test_h36m_constants():
    assert set(H36M_CAMERAS) == {"54138969", "55011271", "58860488", "60457274"}
    sizes = {name: (cam.res_w, cam.res_h) for name, cam in H36M_CAMERAS.items()}
    assert sizes["54138969"] == sizes["60457274"] == (1000, 1002)
    assert sizes["55011271"] == sizes["58860488"] == (1000, 1000)
    for cam in H36M_CAMERAS.values():
        assert 1140 < min(cam.focal_length) and max(cam.focal_length) < 1150
        assert cam.intrinsics.shape == (9,)


# --- screen coordinates ---------------------------------------------------------------------
def test_normalize_screen_hand_values():
    x = np.array([[0.0, 0.0], [1000.0, 1002.0], [500.0, 501.0]])
    np.testing.assert_allclose(normalize_screen(x, 1000, 1002), [[-1, -1.002], [1, 1.002], [0, 0]])
    np.testing.assert_allclose(image_coordinates(np.array([[-1.0, -1.002]]), 1000, 1002), [[0, 0]], atol=1e-12)
    out = normalize_screen(torch.tensor([[1920.0, 0.0]]), 1920, 1080)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, torch.tensor([[1.0, -0.5625]]))


@settings(max_examples=60, deadline=None)
@given(
    x=arrays(np.float64, (4, 2), elements=st.floats(-5000, 5000)),
    w=st.integers(1, 4096),
    h=st.integers(1, 4096),
)
def test_screen_round_trip(x, w, h):
    np.testing.assert_allclose(image_coordinates(normalize_screen(x, w, h), w, h), x, atol=1e-6)


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda: normalize_screen(np.zeros((17, 3)), 1000, 1000), ValueError, r"\[\.\.\., 2\]", id="3-wide"),
    pytest.param(lambda: normalize_screen(np.zeros((17, 2)), 0, 1000), ValueError, "positive", id="zero-width"),
    pytest.param(lambda: image_coordinates([[0.0, 0.0]], 1000, 1000), TypeError, "torch.Tensor or numpy.ndarray",
                 id="a-list"),
])
def test_screen_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- camera validation ----------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda: simple_camera(orientation=(1.0, 1.0, 0.0, 0.0)), ValueError, "unit quaternion",
                 id="not-unit-quaternion"),
    pytest.param(lambda: simple_camera(focal_length=(1.0, 2.0, 3.0)), ValueError,
                 r"focal_length of shape \[2\], got \[3\]", id="3-focal-lengths"),
    pytest.param(lambda: simple_camera(res_w=0), ValueError, "res_w", id="zero-width"),
    pytest.param(lambda: simple_camera(focal_length=(-5.0, 5.0)), ValueError, "positive focal_length",
                 id="negative-focal-length"),
    pytest.param(lambda: simple_camera(translation=(0.0, float("nan"), 0.0)), ValueError, "finite",
                 id="nan-translation"),
    pytest.param(lambda: world_to_camera(np.zeros(3), "camera"), TypeError, "Camera", id="not-a-camera"),
    pytest.param(lambda: world_to_camera(np.zeros((17, 2)), simple_camera()), ValueError, r"\[\.\.\., 3\]",
                 id="2d-points"),
])
def test_camera_validation(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_nearly_unit_quaternion_is_accepted_and_normalised():
    assert np.linalg.norm(simple_camera(orientation=(1.0005, 0, 0, 0)).orientation) == pytest.approx(1.0)


# --- random cameras -------------------------------------------------------------------------
def test_random_cameras_see_a_standing_person():
    rng = np.random.default_rng(0)
    inside, count = 0, 200
    for seed in range(count):
        target = tuple(rng.uniform(-3, 3, size=2))
        height = float(rng.uniform(1.5, 1.95))
        camera = random_camera(seed, target=target, subject_height=height, distortion=seed % 2 == 0)
        in_camera = world_to_camera(standing_person(target, height), camera)
        assert (in_camera[:, 2] > 1.0).all(), f"seed {seed}: the person is not in front"
        pixels = project(in_camera, camera)
        inside += bool(((pixels >= 0) & (pixels <= torch.tensor([camera.res_w, camera.res_h]))).all())
        assert 2.5 <= np.hypot(*(np.array(camera.translation[:2]) - target))
        assert 0.5 <= camera.translation[2] <= 2.5
    assert inside / count >= 0.95


def test_random_camera_keeps_a_moving_subject_in_view():
    # With extent, the whole area the subject walks in fits in the picture.
    for seed in range(30):
        camera = random_camera(seed, extent=2.0)
        for corner in ((2.0, 0.0), (-2.0, 0.0), (0.0, 2.0), (0.0, -2.0)):
            pixels = project(world_to_camera(standing_person(corner), camera), camera)
            assert ((pixels >= 0) & (pixels <= torch.tensor([camera.res_w, camera.res_h]))).all()


def test_random_camera_uses_every_sensor_and_small_roll():
    cameras = [random_camera(seed) for seed in range(200)]
    assert {c.name for c in cameras} == {s.name for s in SENSORS}
    for c in cameras:
        rotation = c.rotation
        right = rotation[:, 0]
        assert abs(np.degrees(np.arcsin(right[2]))) <= 10.5  # image x stays near horizontal
        assert abs(c.center[0] / c.res_w - 0.5) <= 0.011 and abs(c.center[1] / c.res_h - 0.5) <= 0.011


def test_random_camera_seeding():
    assert random_camera(7) == random_camera(7)
    assert random_camera(7) != random_camera(8)
    assert random_camera(np.random.default_rng(3)) == random_camera(np.random.default_rng(3))
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert random_camera(g1) == random_camera(g2)


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda: random_camera("seven"), TypeError,
                 "expected a seed as an int, numpy.random.Generator or torch.Generator, got str", id="seed-a-string"),
    pytest.param(lambda: random_camera(0, distance=(5.0, 2.0)), ValueError,
                 "expected distance as (min, max) with 0 <= min <= max, got (5.0, 2.0)", id="distance-min-above-max"),
])
def test_random_camera_bad_input(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_look_at_points_the_optical_axis():
    rotation = look_at((3.0, 0.0, 1.5), (0.0, 0.0, 1.0))
    target_in_camera = rotation.T @ (np.array([0.0, 0.0, 1.0]) - (3.0, 0.0, 1.5))
    np.testing.assert_allclose(target_in_camera[:2], 0.0, atol=1e-12)
    assert rotation[2, 1] < 0  # image y (down) has a negative world z component


def test_turned_moves_the_principal_point_by_the_shift():
    camera = random_camera(3)
    axis_point = camera_to_world(torch.tensor([[0.0, 0.0, 4.0]], dtype=torch.float64), camera)
    moved = turned(camera, 120.0, -40.0)
    before = project(world_to_camera(axis_point, camera), camera, distort=False)
    after = project(world_to_camera(axis_point, moved), moved, distort=False)
    torch.testing.assert_close(after - before, torch.tensor([[120.0, -40.0]], dtype=torch.float64))
    assert moved.translation == camera.translation and moved.focal_length == camera.focal_length
