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
    Sensor,
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


# --- references aimed at the survivors of the mutation run (issue 28, docs/testing.md) --------
@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda: quaternion_rotate(np.array([1.0, 0.0, 0.0, 0.0]), [0.0, 0.0, 1.0]), TypeError,
                 "expected vectors as a torch.Tensor or numpy.ndarray, got list", id="rotate-vectors-a-list"),
    pytest.param(lambda: quaternion_rotate([1.0, 0.0, 0.0, 0.0], np.zeros(3)), TypeError,
                 "expected quaternion as a torch.Tensor or numpy.ndarray, got list", id="rotate-quaternion-a-list"),
    pytest.param(lambda: quaternion_rotate(np.array([1.0, 0.0, 0.0, 0.0]), np.zeros((2, 2))), ValueError,
                 "expected vectors of shape [..., 3], got [2, 2]", id="rotate-2-wide"),
    pytest.param(lambda: quaternion_rotate(np.zeros(3), np.zeros(3)), ValueError,
                 "expected quaternion of shape [..., 4], got [3]", id="rotate-3-wide-quaternion"),
    pytest.param(lambda: quaternion_to_matrix([1.0, 0.0, 0.0, 0.0]), TypeError,
                 "expected quaternion as a torch.Tensor or numpy.ndarray, got list", id="to-matrix-a-list"),
    pytest.param(lambda: quaternion_to_matrix(np.zeros((2, 3))), ValueError,
                 "expected quaternion of shape [..., 4], got [2, 3]", id="to-matrix-3-wide"),
    pytest.param(lambda: matrix_to_quaternion([[1.0, 0.0, 0.0]] * 3), TypeError,
                 "expected matrix as a torch.Tensor or numpy.ndarray, got list", id="to-quaternion-a-list"),
    pytest.param(lambda: matrix_to_quaternion(np.zeros((3, 4))), ValueError,
                 "expected matrix of shape [..., 3, 3], got [3, 4]", id="to-quaternion-3x4"),
    pytest.param(lambda: world_to_camera([0.0, 0.0, 1.0], simple_camera()), TypeError,
                 "expected points_world as a torch.Tensor or numpy.ndarray, got list", id="world-a-list"),
    pytest.param(lambda: world_to_camera(np.zeros((17, 2)), simple_camera()), ValueError,
                 "expected points_world of shape [..., 3], got [17, 2]", id="world-2d"),
    pytest.param(lambda: world_to_camera(np.zeros(3), "camera"), TypeError,
                 "expected camera as a Camera, got str", id="world-not-a-camera"),
    pytest.param(lambda: camera_to_world([0.0, 0.0, 1.0], simple_camera()), TypeError,
                 "expected points_camera as a torch.Tensor or numpy.ndarray, got list", id="camera-a-list"),
    pytest.param(lambda: camera_to_world(np.zeros((17, 2)), simple_camera()), ValueError,
                 "expected points_camera of shape [..., 3], got [17, 2]", id="camera-2d"),
    pytest.param(lambda: project([0.0, 0.0, 1.0], simple_camera()), TypeError,
                 "expected points_camera as a torch.Tensor or numpy.ndarray, got list", id="project-a-list"),
    pytest.param(lambda: project(np.zeros((17, 2)), simple_camera()), ValueError,
                 "expected points_camera of shape [..., 3], got [17, 2]", id="project-2d"),
    pytest.param(lambda: project(np.array([0.0, float("nan"), 1.0]), simple_camera()), ValueError,
                 "expected finite points_camera, got 1 NaN or infinite values", id="project-nan"),
    pytest.param(lambda: project(np.array([0.0, 0.0, 1.0]), "camera"), TypeError,
                 "expected camera as a Camera, got str", id="project-not-a-camera"),
    # the depth limit itself is refused: z must be > 1e-6 m
    pytest.param(lambda: project(np.array([0.0, 0.0, 1e-6]), simple_camera()), ValueError,
                 "expected points in front of the camera (z > 1e-06 m), got 1 of 1 points with z <= 1e-06",
                 id="project-at-the-depth-limit"),
    pytest.param(lambda: normalize_screen([[0.0, 0.0]], 1000, 1000), TypeError,
                 "expected x as a torch.Tensor or numpy.ndarray, got list", id="normalize-a-list"),
    pytest.param(lambda: normalize_screen(np.zeros((17, 3)), 1000, 1000), ValueError,
                 "expected x of shape [..., 2], got [17, 3]", id="normalize-3-wide"),
    pytest.param(lambda: normalize_screen(np.zeros((17, 2)), 0, 1000), ValueError,
                 "expected image w as a positive number of pixels, got 0", id="normalize-zero-width"),
    pytest.param(lambda: normalize_screen(np.zeros((17, 2)), 1000, 0), ValueError,
                 "expected image h as a positive number of pixels, got 0", id="normalize-zero-height"),
    pytest.param(lambda: normalize_screen(np.zeros((17, 2)), True, 1000), ValueError,
                 "expected image w as a positive number of pixels, got True", id="normalize-bool-width"),
    pytest.param(lambda: image_coordinates([[0.0, 0.0]], 1000, 1000), TypeError,
                 "expected x as a torch.Tensor or numpy.ndarray, got list", id="image-a-list"),
    pytest.param(lambda: image_coordinates(np.zeros((17, 3)), 1000, 1000), ValueError,
                 "expected x of shape [..., 2], got [17, 3]", id="image-3-wide"),
    pytest.param(lambda: image_coordinates(np.zeros((17, 2)), 1000, -2.0), ValueError,
                 "expected image h as a positive number of pixels, got -2.0", id="image-negative-height"),
])
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


@pytest.mark.parametrize("changes, message", [
    pytest.param({"res_w": 0}, "expected res_w as a positive int (pixels), got 0", id="zero-width"),
    pytest.param({"res_h": True}, "expected res_h as a positive int (pixels), got True", id="bool-height"),
    pytest.param({"res_w": 1000.0}, "expected res_w as a positive int (pixels), got 1000.0", id="float-width"),
    pytest.param({"focal_length": (1.0, 2.0, 3.0)}, "expected focal_length of shape [2], got [3]", id="3-focal"),
    pytest.param({"center": (1.0,)}, "expected center of shape [2], got [1]", id="1-center"),
    pytest.param({"radial_distortion": (0.0, 0.0)}, "expected radial_distortion of shape [3], got [2]",
                 id="2-radial"),
    pytest.param({"tangential_distortion": (0.0, 0.0, 0.0)},
                 "expected tangential_distortion of shape [2], got [3]", id="3-tangential"),
    pytest.param({"orientation": (1.0, 0.0, 0.0)}, "expected orientation of shape [4], got [3]", id="3-orientation"),
    pytest.param({"translation": (0.0, float("nan"), 0.0)},
                 "expected translation as 3 finite numbers, got (0.0, nan, 0.0)", id="nan-translation"),
    pytest.param({"center": ("a", "b")}, "expected center as 2 finite numbers, got ('a', 'b')", id="text-center"),
    pytest.param({"focal_length": (-5.0, 5.0)}, "expected a positive focal_length in pixels, got (-5.0, 5.0)",
                 id="negative-focal"),
    pytest.param({"focal_length": (5.0, 0.0)}, "expected a positive focal_length in pixels, got (5.0, 0.0)",
                 id="zero-focal"),
    pytest.param({"orientation": (1.0, 1.0, 0.0, 0.0)},
                 "expected orientation as a unit quaternion (w, x, y, z), got norm 1.414214", id="norm-sqrt2"),
    pytest.param({"orientation": (1.0011, 0.0, 0.0, 0.0)},
                 "expected orientation as a unit quaternion (w, x, y, z), got norm 1.001100", id="norm-1.0011"),
    pytest.param({"orientation": (0.9989, 0.0, 0.0, 0.0)},
                 "expected orientation as a unit quaternion (w, x, y, z), got norm 0.998900", id="norm-0.9989"),
])
def test_camera_refuses_with_the_exact_message(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        simple_camera(**changes)


def test_camera_stores_plain_values():
    camera = Camera(res_w=np.int64(640), res_h=480, focal_length=torch.tensor([500.0, 510.0], requires_grad=True),
                    center=np.array([320, 240]), radial_distortion=[0.1, -0.2, 0.3],
                    tangential_distortion=(0.0, 0.004), orientation=(0.0, 0.0, 0.0, 1.0009),
                    translation=(1, 2, 3))
    assert type(camera.res_w) is int and camera.res_w == 640
    assert camera.focal_length == (500.0, 510.0) and camera.center == (320.0, 240.0)
    assert all(type(v) is float for v in camera.focal_length + camera.center + camera.translation)
    assert camera.orientation == (0.0, 0.0, 0.0, 1.0)  # within 1e-3 of unit length: accepted, then normalised
    np.testing.assert_array_equal(camera.intrinsics, [500.0, 510.0, 320.0, 240.0, 0.1, -0.2, 0.3, 0.0, 0.004])
    assert camera.has_distortion and simple_camera(tangential_distortion=(0.0, 1e-4)).has_distortion
    assert simple_camera(radial_distortion=(0.0, 0.0, 1e-4)).has_distortion and not simple_camera().has_distortion
    # the smallest accepted values: one pixel, a focal length under one pixel
    tiny = Camera(res_w=1, res_h=1, focal_length=(0.5, 0.5), center=(0.5, 0.5))
    assert (tiny.res_w, tiny.res_h, tiny.focal_length) == (1, 1, (0.5, 0.5))
    # a half turn about z: R = diag(-1, -1, 1)
    np.testing.assert_allclose(camera.rotation, np.diag([-1.0, -1.0, 1.0]), atol=1e-15)


def test_h36m_helper_builds_a_1000_pixel_wide_camera():
    from ddhpose_lite.camera import _h36m

    camera = _h36m("cam", 1002, (1.5, 2.5), (3.0, 4.0), (0.1, 0.2, 0.3), (0.4, 0.5))
    assert (camera.name, camera.res_w, camera.res_h) == ("cam", 1000, 1002)
    assert camera.focal_length == (1.5, 2.5) and camera.center == (3.0, 4.0)
    assert camera.radial_distortion == (0.1, 0.2, 0.3) and camera.tangential_distortion == (0.4, 0.5)
    assert camera.orientation == (1.0, 0.0, 0.0, 0.0) and camera.translation == (0.0, 0.0, 0.0)


def test_translation_is_used_in_the_points_precision():
    # 0.1, 0.2, 0.3 are not float32 numbers: a float32 translation would leave ~1e-9 m behind.
    camera = simple_camera(translation=(0.1, 0.2, 0.3))
    x = torch.tensor([[0.1, 0.2, 0.3]], dtype=torch.float64)
    torch.testing.assert_close(world_to_camera(x, camera), torch.zeros(1, 3, dtype=torch.float64), atol=1e-15, rtol=0)
    torch.testing.assert_close(camera_to_world(torch.zeros(1, 3, dtype=torch.float64), camera), x, atol=0, rtol=0)


def test_quaternion_rotate_follows_the_vectors_dtype():
    # a float64 quaternion turning float32 vectors gives float32 (the quaternion is cast, not the vectors)
    s = np.sqrt(0.5)
    out = quaternion_rotate(torch.tensor([s, 0.0, 0.0, s], dtype=torch.float64), torch.tensor([[1.0, 0.0, 0.0]]))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([[0.0, 1.0, 0.0]]), atol=1e-7, rtol=0)  # 90 deg about z


def test_matrix_to_quaternion_batch_values_and_half_turn_signs():
    # each matrix of a batch gives its own unit quaternion (w >= 0)
    s = np.sqrt(0.5)
    expected = np.array([[s, 0.0, 0.0, s], [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]])
    matrices = np.stack([
        [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],  # 90 deg about z
        np.eye(3),
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],  # 120 deg about (1, 1, 1): x -> y -> z
    ])
    np.testing.assert_allclose(matrix_to_quaternion(matrices), expected, atol=1e-15)
    # at w = 0 the sign is not flipped: half turns about +x, +y, +z give (0, axis)
    for axis, diagonal in zip(np.eye(3), ([1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0])):
        np.testing.assert_array_equal(matrix_to_quaternion(np.diag(diagonal)), np.concatenate(([0.0], axis)))


def test_projection_of_a_batch_with_strong_distortion_by_hand():
    camera = simple_camera(radial_distortion=(0.1, 0.2, 0.4), tangential_distortion=(0.01, 0.02))
    points = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 4.0]])
    # (1, 0, 2): m = (0.5, 0); r2 = 0.25; radial = 1 + 0.025 + 0.2 * 0.0625 + 0.4 * 0.015625 = 1.04375;
    #   p . m = 0.005; m' = 0.5 * 1.04875 + 0.01 * 0.25, 0 + 0.02 * 0.25 = (0.526875, 0.005)
    # (0, 1, 4): m = (0, 0.25); r2 = 0.0625; radial = 1 + 0.00625 + 0.00078125 + 0.00009765625
    #   = 1.00712890625; p . m = 0.005; m' = (0.01 * 0.0625, 0.25 * 1.01212890625 + 0.02 * 0.0625)
    #   = (0.000625, 0.2542822265625)
    expected = [[1026.875, 405.0], [500.625, 654.2822265625]]
    np.testing.assert_allclose(project(points, camera), expected, atol=1e-9, rtol=0)
    np.testing.assert_allclose(project(points[1], camera), expected[1], atol=1e-9, rtol=0)


def test_look_at_by_hand():
    # 0.3 m away along -x, level: forward (-1, 0, 0), right = forward x z = (0, 1, 0), down = (0, 0, -1)
    np.testing.assert_array_equal(look_at((0.3, 0.0, 1.5), (0.0, 0.0, 1.5)),
                                  [[0.0, 0.0, -1.0], [1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])
    # rolled a quarter turn: image right is the old down, image down the old left
    np.testing.assert_allclose(look_at((0.3, 0.0, 1.5), (0.0, 0.0, 1.5), roll=np.pi / 2),
                               [[0.0, 0.0, -1.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0]], atol=1e-15)
    # a target 1e-9 m away still gives a direction (the limit is strict)
    np.testing.assert_array_equal(look_at((0.0, 0.0, 0.0), (1e-9, 0.0, 0.0))[:, 2], [1.0, 0.0, 0.0])


@pytest.mark.parametrize("position, target, message", [
    pytest.param((1.0, 2.0, 3.0), (1.0, 2.0, 3.0),
                 "expected the camera position and its target to differ, got the same point", id="same-point"),
    pytest.param((0.0, 0.0, 3.0), (0.0, 0.0, 0.0),
                 "expected a camera that does not look straight up or down", id="straight-down"),
    # 7e-7 rad off the vertical is still "straight up" (the limit is 1e-6 on the unit direction)
    pytest.param((0.0, 0.0, 0.0), (7e-7, 0.0, 1.0),
                 "expected a camera that does not look straight up or down", id="nearly-straight-up"),
])
def test_look_at_refuses(position, target, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        look_at(position, target)


def _random_camera_by_hand(seed, target=(0.0, 0.0), subject_height=1.8, extent=0.0, distance=(2.5, 7.0),
                           height=(0.5, 2.5), max_roll_deg=10.0, distortion=False, sensors=SENSORS):
    """random_camera transcribed from its docstring and comments, draw by draw, with plain numpy."""
    rng = np.random.default_rng([seed])
    sensor = sensors[int(rng.integers(len(sensors)))]
    fx = rng.uniform(sensor.focal_min, sensor.focal_max)
    fy = fx * rng.uniform(0.998, 1.002)
    cx = sensor.res_w / 2 * (1 + rng.uniform(-0.02, 0.02))
    cy = sensor.res_h / 2 * (1 + rng.uniform(-0.02, 0.02))
    near = max(distance[0], fx * (2 * extent + 0.5 * subject_height) / (0.9 * sensor.res_w),
               fx * 1.25 * subject_height / (0.85 * sensor.res_h) + extent, extent + 1.0)
    horizontal = rng.uniform(near, max(distance[1], near))
    azimuth = rng.uniform(-np.pi, np.pi)
    z = rng.uniform(height[0], height[1])
    position = np.array([target[0] + horizontal * np.cos(azimuth), target[1] + horizontal * np.sin(azimuth), z])
    aim = np.array([target[0], target[1], subject_height / 2]) + rng.normal(0.0, 0.1, size=3) * [0.5, 0.5, 1.0]
    roll = np.deg2rad(rng.uniform(-max_roll_deg, max_roll_deg))
    forward = (aim - position) / np.linalg.norm(aim - position)
    right = np.array([forward[1], -forward[0], 0.0]) / np.hypot(forward[0], forward[1])  # forward x (0, 0, 1)
    down = np.cross(forward, right)
    rotation = np.stack([np.cos(roll) * right + np.sin(roll) * down,
                         -np.sin(roll) * right + np.cos(roll) * down, forward], axis=1)
    k, p = (0.0, 0.0, 0.0), (0.0, 0.0)
    if distortion:
        k = (rng.uniform(-0.08, 0.03), rng.uniform(-0.02, 0.05), 0.0)
        p = tuple(rng.uniform(-1e-3, 1e-3, size=2))
    return sensor.name, (fx, fy), (cx, cy), k, p, position, rotation


@pytest.mark.parametrize("seed, options", [
    pytest.param(0, {}, id="defaults-seed-0"),
    pytest.param(11, {}, id="defaults-seed-11"),
    pytest.param(3, {"distortion": True}, id="distortion"),
    pytest.param(5, {"distortion": True, "target": (1.5, -2.0), "subject_height": 1.6, "extent": 1.0,
                     "distance": (3.0, 4.0), "height": (1.0, 1.2), "max_roll_deg": 30.0}, id="all-options"),
    pytest.param(8, {"distortion": True, "target": (-0.5, 0.7), "distance": (8.0, 9.0)}, id="far"),
])
def test_random_camera_matches_its_transcription(seed, options):
    camera = random_camera(seed, **options) if options else random_camera(seed)
    name, focal, center, k, p, position, rotation = _random_camera_by_hand(seed, **options)
    assert camera.name == name
    np.testing.assert_allclose(camera.focal_length, focal, rtol=1e-15, atol=0)
    np.testing.assert_allclose(camera.center, center, rtol=1e-15, atol=0)
    np.testing.assert_allclose(camera.radial_distortion, k, rtol=0, atol=1e-17)
    np.testing.assert_allclose(camera.tangential_distortion, p, rtol=0, atol=1e-17)
    np.testing.assert_allclose(camera.translation, position, rtol=0, atol=1e-12)
    np.testing.assert_allclose(camera.rotation, rotation, rtol=0, atol=1e-12)
    assert camera.has_distortion == bool(options.get("distortion"))


def test_random_camera_default_seed_is_zero():
    assert random_camera() == random_camera(0)


SQUARE = Sensor("square", 1000, 1000, 1000.0, 1000.0)  # f = 1000 px exactly


@pytest.mark.parametrize("subject_height, extent, horizontal", [
    # across: f (2 extent + 0.5 height) / (0.9 w) = 1000 * 10.5 / 900
    pytest.param(1.0, 5.0, 10.5 / 0.9, id="across-the-image"),
    # upright: f 1.25 height / (0.85 h) + extent = 1000 * 2.5 / 850
    pytest.param(2.0, 0.0, 2.5 / 0.85, id="upright"),
    # at least 1 m in front of the walking area: extent + 1
    pytest.param(0.1, 0.2, 1.2, id="one-metre-past-the-extent"),
])
def test_random_camera_distance_needed_by_hand(subject_height, extent, horizontal):
    # With distance (0, 0) the camera stands exactly at the distance the subject needs.
    for seed in range(3):
        camera = random_camera(seed, target=(1.0, -2.0), subject_height=subject_height, extent=extent,
                               distance=(0.0, 0.0), height=(1.0, 1.0), sensors=(SQUARE,))
        x, y, z = camera.translation
        assert np.hypot(x - 1.0, y + 2.0) == pytest.approx(horizontal, rel=1e-12)
        assert z == 1.0 and camera.focal_length[0] == 1000.0


def test_random_camera_distance_range_is_used_from_its_minimum():
    horizontal = [np.hypot(*random_camera(seed, distance=(3.0, 3.5), sensors=(SQUARE,)).translation[:2])
                  for seed in range(20)]
    assert min(horizontal) < 3.1 and max(horizontal) > 3.4 and all(3.0 <= h <= 3.5 for h in horizontal)


def test_random_camera_accepts_a_small_subject():
    assert random_camera(0, subject_height=0.5).name in {s.name for s in SENSORS}


@pytest.mark.parametrize("options, message", [
    pytest.param({"sensors": ()}, "expected at least one sensor, got an empty sequence", id="no-sensors"),
    pytest.param({"height": (3.0, 1.0)}, "expected height as (min, max) with 0 <= min <= max, got (3.0, 1.0)",
                 id="height-min-above-max"),
    pytest.param({"distance": (-1.0, 2.0)}, "expected distance as (min, max) with 0 <= min <= max, got (-1.0, 2.0)",
                 id="negative-distance"),
    pytest.param({"subject_height": 0.0}, "expected subject_height > 0 and extent >= 0, got 0.0 and 0.0",
                 id="zero-height"),
    pytest.param({"extent": -0.5}, "expected subject_height > 0 and extent >= 0, got 1.8 and -0.5",
                 id="negative-extent"),
    pytest.param({"target": (1.0, 2.0, 3.0)}, "expected target as (x, y) on the floor, got shape [3]",
                 id="3d-target"),
])
def test_random_camera_refuses_with_the_exact_message(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        random_camera(0, **options)
