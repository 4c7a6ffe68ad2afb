"""Cameras: world <-> camera frames, pinhole projection with lens distortion, screen
normalisation and random cameras for the synthetic dataset.

Conventions (those of Human3.6M and VideoPose3D; docs/design.md, "Conventions"):

* The world is z-up, in metres. A camera frame has x to the right of the image, y down and
  z forward along the optical axis, so a point in front of the camera has z > 0.
* ``Camera.orientation`` is a unit quaternion (w, x, y, z) that rotates camera-frame vectors into
  the world frame, and ``Camera.translation`` is the camera centre in world coordinates (metres;
  the Human3.6M files store millimetres, divide by 1000). Hence world -> camera is R^-1 (X - t).
* Intrinsics follow the Human3.6M 9-parameter layout: focal length f [2], principal point c [2],
  radial distortion k [3], tangential distortion p [2], all in pixels except k and p.
* 2D keypoints used by the model are in normalised screen coordinates
  ``x / w * 2 - [1, h / w]`` (VideoPose3D), so x spans [-1, 1] and y spans [-h/w, h/w].

Every function that takes points accepts a torch.Tensor or a numpy.ndarray with any leading
dims and returns the same kind. Random cameras take ``seed``: an int, a numpy Generator or a
torch.Generator (a numpy Generator is used internally).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import torch

from ._tensors import as_torch, check_finite, check_tail, describe, numpy_rng

__all__ = [
    "Camera",
    "H36M_CAMERAS",
    "SENSORS",
    "Sensor",
    "camera_to_world",
    "image_coordinates",
    "look_at",
    "matrix_to_quaternion",
    "normalize_screen",
    "project",
    "quaternion_rotate",
    "quaternion_to_matrix",
    "random_camera",
    "world_to_camera",
]

_MIN_DEPTH = 1e-6  # metres; points closer to the camera plane than this cannot be projected


# --------------------------------------------------------------------------------------------
# The camera type
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Camera:
    """A calibrated camera: image size, Human3.6M-style intrinsics and extrinsics.

    ``orientation`` (w, x, y, z) rotates camera-frame vectors into the world; ``translation``
    is the camera centre in world coordinates, in metres. Sequences are stored as tuples of
    floats so the camera is hashable and immutable; ``Camera.intrinsics`` gives the 9-vector.
    """

    res_w: int
    res_h: int
    focal_length: tuple[float, float]
    center: tuple[float, float]
    radial_distortion: tuple[float, float, float] = (0.0, 0.0, 0.0)
    tangential_distortion: tuple[float, float] = (0.0, 0.0)
    orientation: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    name: str = field(default="", compare=True)

    def __post_init__(self) -> None:
        for attr in ("res_w", "res_h"):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"expected {attr} as a positive int (pixels), got {value!r}")
            object.__setattr__(self, attr, int(value))
        sizes = {
            "focal_length": 2, "center": 2, "radial_distortion": 3,
            "tangential_distortion": 2, "orientation": 4, "translation": 3,
        }
        for attr, size in sizes.items():
            object.__setattr__(self, attr, _float_tuple(getattr(self, attr), attr, size))
        if min(self.focal_length) <= 0:
            raise ValueError(f"expected a positive focal_length in pixels, got {self.focal_length}")
        norm = math.sqrt(sum(q * q for q in self.orientation))
        if abs(norm - 1.0) > 1e-3:
            raise ValueError(
                f"expected orientation as a unit quaternion (w, x, y, z), got norm {norm:.6f}"
            )
        # Store exactly unit length so world_to_camera and camera_to_world are exact inverses.
        object.__setattr__(self, "orientation", tuple(q / norm for q in self.orientation))

    @property
    def intrinsics(self) -> np.ndarray:
        """The Human3.6M 9-parameter vector [fx, fy, cx, cy, k1, k2, k3, p1, p2] (pixels)."""
        return np.array(
            self.focal_length + self.center + self.radial_distortion + self.tangential_distortion
        )

    @property
    def rotation(self) -> np.ndarray:
        """The 3x3 camera -> world rotation matrix R (world -> camera is R^T)."""
        return quaternion_to_matrix(np.array(self.orientation))

    @property
    def has_distortion(self) -> bool:
        return any(self.radial_distortion) or any(self.tangential_distortion)


def _float_tuple(value, name: str, size: int) -> tuple[float, ...]:
    array = np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value)
    if array.shape != (size,):
        raise ValueError(f"expected {name} of shape [{size}], got {describe(array.shape)}")
    if not np.issubdtype(array.dtype, np.number) or not np.all(np.isfinite(array)):
        raise ValueError(f"expected {name} as {size} finite numbers, got {value!r}")
    return tuple(float(v) for v in array)


# --------------------------------------------------------------------------------------------
# Real Human3.6M intrinsics
# --------------------------------------------------------------------------------------------
def _h36m(name, res_h, f, c, k, p) -> Camera:
    return Camera(1000, res_h, f, c, k, p, name=name)


# The calibration published with Human3.6M (as distributed with VideoPose3D,
# common/h36m_dataset.py), in pixels. Extrinsics differ per subject and are not included:
# these cameras sit at the world origin looking along +z.
H36M_CAMERAS: dict[str, Camera] = {
    cam.name: cam
    for cam in (
        _h36m("54138969", 1002, (1145.0494384765625, 1143.7811279296875),
              (512.54150390625, 515.4514770507812),
              (-0.20709891617298126, 0.24777518212795258, -0.0030751503072679043),
              (-0.0009756988729350269, -0.00142447161488235)),
        _h36m("55011271", 1000, (1149.6756591796875, 1147.5916748046875),
              (508.8486328125, 508.0649108886719),
              (-0.1942136287689209, 0.2404085397720337, 0.006819975562393665),
              (-0.0016190266469493508, -0.0027408944442868233)),
        _h36m("58860488", 1000, (1149.1407470703125, 1148.7989501953125),
              (519.8158569335938, 501.40264892578125),
              (-0.2083381861448288, 0.25548800826072693, -0.0024604974314570427),
              (0.0014843869721516967, -0.0007599993259645998)),
        _h36m("60457274", 1002, (1145.5113525390625, 1144.77392578125),
              (514.9682006835938, 501.88201904296875),
              (-0.198384091258049, 0.21832367777824402, -0.008947807364165783),
              (-0.0005872055771760643, -0.0018133620033040643)),
    )
}
"""The four Human3.6M cameras by id (intrinsics only; identity extrinsics)."""


# --------------------------------------------------------------------------------------------
# Quaternions (w, x, y, z)
# --------------------------------------------------------------------------------------------
def quaternion_rotate(quaternion, vectors):
    """Rotate vectors [..., 3] by unit quaternions [..., 4] (w, x, y, z); dims broadcast.

    v' = v + 2 w (u x v) + 2 u x (u x v) with u = (x, y, z): the expanded form of q v q*
    (e.g. Kuipers, "Quaternions and Rotation Sequences", 1999).
    """
    v, back = as_torch(vectors, "vectors")
    q, _ = as_torch(quaternion, "quaternion")
    check_tail(v, "vectors", (3,), "..., 3")
    check_tail(q, "quaternion", (4,), "..., 4")
    q = q.to(v)
    shape = torch.broadcast_shapes(q.shape[:-1], v.shape[:-1])
    w = q[..., :1].expand(shape + (1,))
    u = q[..., 1:].expand(shape + (3,))
    v_b = v.expand(shape + (3,))
    uv = torch.linalg.cross(u, v_b)
    return back(v_b + 2 * (w * uv + torch.linalg.cross(u, uv)))


def quaternion_to_matrix(quaternion):
    """Unit quaternions [..., 4] (w, x, y, z) -> rotation matrices [..., 3, 3].

    The standard formula R = I + 2 w [u]x + 2 [u]x^2, written out entry by entry.
    """
    q, back = as_torch(quaternion, "quaternion")
    check_tail(q, "quaternion", (4,), "..., 4")
    w, x, y, z = q.unbind(-1)
    rows = (
        (1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)),
        (2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)),
        (2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)),
    )
    matrix = torch.stack([torch.stack(row, -1) for row in rows], -2)
    return back(matrix)


def matrix_to_quaternion(matrix):
    """Rotation matrices [..., 3, 3] -> unit quaternions [..., 4] (w, x, y, z) with w >= 0.

    Shepperd's method (J. Guidance & Control 1(3), 1978): compute all four candidate
    quaternions and keep, per matrix, the one with the largest (best conditioned) divisor.
    """
    m, back = as_torch(matrix, "matrix")
    check_tail(m, "matrix", (3, 3), "..., 3, 3")
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    # 4 w^2, 4 x^2, 4 y^2, 4 z^2 from the diagonal
    squares = torch.stack(
        (1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22), -1
    )
    a = m[..., 2, 1] - m[..., 1, 2]  # 4 w x
    b = m[..., 0, 2] - m[..., 2, 0]  # 4 w y
    c = m[..., 1, 0] - m[..., 0, 1]  # 4 w z
    d = m[..., 1, 0] + m[..., 0, 1]  # 4 x y
    e = m[..., 0, 2] + m[..., 2, 0]  # 4 x z
    g = m[..., 2, 1] + m[..., 1, 2]  # 4 y z
    candidates = torch.stack(
        (
            torch.stack((squares[..., 0], a, b, c), -1),  # each row is 4 * q_i * q
            torch.stack((a, squares[..., 1], d, e), -1),
            torch.stack((b, d, squares[..., 2], g), -1),
            torch.stack((c, e, g, squares[..., 3]), -1),
        ),
        -2,
    )
    best = squares.argmax(-1)
    chosen = torch.gather(candidates, -2, best[..., None, None].expand(best.shape + (1, 4)))
    q = chosen.squeeze(-2)
    q = q / torch.linalg.vector_norm(q, dim=-1, keepdim=True)
    q = torch.where(q[..., :1] < 0, -q, q)
    return back(q)


# --------------------------------------------------------------------------------------------
# Frames and projection
# --------------------------------------------------------------------------------------------
def _camera_tensors(camera: Camera, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(camera, Camera):
        raise TypeError(f"expected camera as a Camera, got {type(camera).__name__}")
    q = torch.tensor(camera.orientation, dtype=like.dtype, device=like.device)
    t = torch.tensor(camera.translation, dtype=like.dtype, device=like.device)
    return q, t


def world_to_camera(points_world, camera: Camera):
    """World points [..., 3] (metres) -> camera frame [..., 3]: R^-1 (X - t) (Human3.6M)."""
    points, back = as_torch(points_world, "points_world")
    check_tail(points, "points_world", (3,), "..., 3")
    q, t = _camera_tensors(camera, points)
    inverse = q * q.new_tensor((1.0, -1.0, -1.0, -1.0))  # conjugate = inverse of a unit quaternion
    return back(quaternion_rotate(inverse, points - t))


def camera_to_world(points_camera, camera: Camera):
    """Camera-frame points [..., 3] -> world [..., 3]: R X + t, the inverse of world_to_camera."""
    points, back = as_torch(points_camera, "points_camera")
    check_tail(points, "points_camera", (3,), "..., 3")
    q, t = _camera_tensors(camera, points)
    return back(quaternion_rotate(q, points) + t)


def project(points_camera, camera: Camera, distort: bool = True):
    """Camera-frame points [..., 3] (z forward) -> pixel coordinates [..., 2].

    Pinhole: u = f * (x/z, y/z) + c. With ``distort`` the normalised coordinates m = (x/z, y/z)
    first go through the Human3.6M lens model as used by VideoPose3D (common/camera.py,
    project_to_2d), with r^2 = |m|^2:
        m' = m * (1 + k1 r^2 + k2 r^4 + k3 r^6 + p . m) + p r^2
    (note: this is the VideoPose3D form of the tangential term, not OpenCV's Brown-Conrady form).
    The polynomial is only meaningful inside the field of view. Points with z <= 1e-6 m
    (on or behind the camera plane) raise a ValueError rather than producing inf or a mirror image.
    """
    points, back = as_torch(points_camera, "points_camera")
    check_tail(points, "points_camera", (3,), "..., 3")
    check_finite(points, "points_camera")
    if not isinstance(camera, Camera):
        raise TypeError(f"expected camera as a Camera, got {type(camera).__name__}")
    depth = points[..., 2:]
    behind = int((depth <= _MIN_DEPTH).sum())
    if behind:
        raise ValueError(
            f"expected points in front of the camera (z > {_MIN_DEPTH} m), got {behind} of "
            f"{depth.numel()} points with z <= {_MIN_DEPTH}"
        )
    m = points[..., :2] / depth
    if distort and camera.has_distortion:
        k = points.new_tensor(camera.radial_distortion)
        p = points.new_tensor(camera.tangential_distortion)
        r2 = (m * m).sum(-1, keepdim=True)
        radial = 1 + k[0] * r2 + k[1] * r2**2 + k[2] * r2**3
        tangential = (p * m).sum(-1, keepdim=True)
        m = m * (radial + tangential) + p * r2
    f = points.new_tensor(camera.focal_length)
    c = points.new_tensor(camera.center)
    return back(f * m + c)


# --------------------------------------------------------------------------------------------
# Normalised screen coordinates (the VideoPose3D convention)
# --------------------------------------------------------------------------------------------
def _screen_args(x, w, h, name: str):
    tensor, back = as_torch(x, name)
    check_tail(tensor, name, (2,), "..., 2")
    for label, value in (("w", w), ("h", h)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not value > 0:
            raise ValueError(f"expected image {label} as a positive number of pixels, got {value!r}")
    offset = tensor.new_tensor((1.0, h / w))
    return tensor, back, offset


def normalize_screen(x, w, h):
    """Pixels [..., 2] -> normalised screen coordinates: x / w * 2 - [1, h / w] (VideoPose3D).

    The image's x range [0, w] maps to [-1, 1]; y keeps the aspect ratio: [0, h] -> [-h/w, h/w].
    """
    tensor, back, offset = _screen_args(x, w, h, "x")
    return back(tensor / w * 2 - offset)


def image_coordinates(x, w, h):
    """Normalised screen coordinates [..., 2] -> pixels: (x + [1, h / w]) * w / 2 (VideoPose3D)."""
    tensor, back, offset = _screen_args(x, w, h, "x")
    return back((tensor + offset) * w / 2)


# --------------------------------------------------------------------------------------------
# Random cameras
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sensor:
    """An image size with a range of focal lengths (pixels) to sample from."""

    name: str
    res_w: int
    res_h: int
    focal_min: float
    focal_max: float


SENSORS: tuple[Sensor, ...] = (
    Sensor("h36m_1000x1002", 1000, 1002, 1145.0, 1150.0),  # Human3.6M: 1000x1002 / 1000x1000, f 1145-1150 px
    Sensor("h36m_1000x1000", 1000, 1000, 1145.0, 1150.0),
    Sensor("video_1920x1080", 1920, 1080, 0.5 * 1920, 1.5 * 1920),  # wide-angle .. tele
    Sensor("video_1280x720", 1280, 720, 0.5 * 1280, 1.5 * 1280),
    Sensor("phone_1080x1920", 1080, 1920, 0.7 * 1080, 1.5 * 1080),  # portrait phone video
    Sensor("mpi_2048x2048", 2048, 2048, 1480.0, 1520.0),  # MPI-INF-3DHP TS1-4: f about 1500 px
)
"""Sensors random_camera draws from (uniformly)."""


def look_at(position: Sequence[float], target: Sequence[float], roll: float = 0.0) -> np.ndarray:
    """Camera -> world rotation [3, 3] for a camera at ``position`` looking at ``target``.

    World z is up. The columns are the camera axes in world coordinates: x (image right),
    y (image down) and z (optical axis); ``roll`` (radians) turns the image about the axis.
    """
    position, target = np.asarray(position, float), np.asarray(target, float)
    forward = target - position
    if np.linalg.norm(forward) < 1e-9:
        raise ValueError("expected the camera position and its target to differ, got the same point")
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, (0.0, 0.0, 1.0))
    if np.linalg.norm(right) < 1e-6:
        raise ValueError("expected a camera that does not look straight up or down")
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    cos, sin = math.cos(roll), math.sin(roll)
    right, down = cos * right + sin * down, -sin * right + cos * down
    return np.stack((right, down, forward), axis=1)


def turned(camera: Camera, dx: float, dy: float) -> Camera:
    """The camera turned about its own centre (a pan and a tilt) so that what it saw at the
    principal point appears (dx, dy) pixels away (right, down); points elsewhere in the image move
    by nearly the same amount.

    With the camera-to-world rotation R, the new one is R · R_y(α) · R_x(β): the old optical axis
    then has camera coordinates (-sin α, sin β cos α, cos β cos α), which projects to
    u = -tan α / cos β and v = tan β; so β = atan(dy / fy) and α = -atan(cos β · dx / fx).
    """
    beta = math.atan(dy / camera.focal_length[1])
    alpha = -math.atan(math.cos(beta) * dx / camera.focal_length[0])
    ca, sa, cb, sb = math.cos(alpha), math.sin(alpha), math.cos(beta), math.sin(beta)
    yaw = np.array([[ca, 0.0, sa], [0.0, 1.0, 0.0], [-sa, 0.0, ca]])
    pitch = np.array([[1.0, 0.0, 0.0], [0.0, cb, -sb], [0.0, sb, cb]])
    rotation = camera.rotation @ yaw @ pitch
    return replace(camera, orientation=tuple(matrix_to_quaternion(rotation)))


def random_camera(
    seed=0,
    *,
    target: Sequence[float] = (0.0, 0.0),
    subject_height: float = 1.8,
    extent: float = 0.0,
    distance: tuple[float, float] = (2.5, 7.0),
    height: tuple[float, float] = (0.5, 2.5),
    max_roll_deg: float = 10.0,
    distortion: bool = False,
    sensors: Sequence[Sensor] = SENSORS,
) -> Camera:
    """A random camera looking at a person standing near ``target`` (x, y) on the floor z = 0.

    The camera stands at a random azimuth, ``distance`` metres away (horizontally) and
    ``height`` metres above the floor, aims at the person's middle (with a little jitter, which
    gives a slight pitch) and is rolled by at most ``max_roll_deg``. The sensor and the focal
    length come from ``sensors``; the principal point is within 2 % of the image centre. The
    distance is raised when needed so that a person of ``subject_height`` moving within
    ``extent`` metres of the target fits inside the image (tele lenses end up further away) and
    stays at least 1 m in front of the camera.
    ``distortion`` adds small radial and tangential distortion. ``seed``: int, numpy Generator
    or torch.Generator.
    """
    if not sensors:
        raise ValueError("expected at least one sensor, got an empty sequence")
    for label, (lo, hi) in (("distance", distance), ("height", height)):
        if not 0 <= lo <= hi:
            raise ValueError(f"expected {label} as (min, max) with 0 <= min <= max, got {(lo, hi)}")
    if subject_height <= 0 or extent < 0:
        raise ValueError(
            f"expected subject_height > 0 and extent >= 0, got {subject_height} and {extent}"
        )
    rng = numpy_rng(seed)
    sensor = sensors[int(rng.integers(len(sensors)))]
    focal = rng.uniform(sensor.focal_min, sensor.focal_max)
    focal_xy = (focal, focal * rng.uniform(0.998, 1.002))
    center = (
        sensor.res_w / 2 * (1 + rng.uniform(-0.02, 0.02)),
        sensor.res_h / 2 * (1 + rng.uniform(-0.02, 0.02)),
    )
    # Pinhole: an object of size s at depth d covers f s / d pixels. Across the image the person
    # moves within 2 * extent metres (plus arm span); vertically a person with raised arms
    # (~1.25 x height) must fit when it comes closest, at distance - extent.
    across = focal * (2 * extent + 0.5 * subject_height) / (0.9 * sensor.res_w)
    upright = focal * 1.25 * subject_height / (0.85 * sensor.res_h) + extent
    near = max(distance[0], across, upright, extent + 1.0)
    far = max(distance[1], near)
    horizontal = rng.uniform(near, far)
    azimuth = rng.uniform(-math.pi, math.pi)
    camera_height = rng.uniform(*height)
    target_xy = np.asarray(target, dtype=float)
    if target_xy.shape != (2,):
        raise ValueError(f"expected target as (x, y) on the floor, got shape {list(target_xy.shape)}")
    position = np.array(
        (target_xy[0] + horizontal * math.cos(azimuth),
         target_xy[1] + horizontal * math.sin(azimuth),
         camera_height)
    )
    aim = np.array((*target_xy, 0.5 * subject_height)) + rng.normal(0.0, 0.1, size=3) * (0.5, 0.5, 1)
    roll = math.radians(rng.uniform(-max_roll_deg, max_roll_deg))
    rotation = look_at(position, aim, roll)
    k = (0.0, 0.0, 0.0)
    p = (0.0, 0.0)
    if distortion:
        k = (rng.uniform(-0.08, 0.03), rng.uniform(-0.02, 0.05), 0.0)
        p = tuple(rng.uniform(-1e-3, 1e-3, size=2))
    return Camera(
        res_w=sensor.res_w,
        res_h=sensor.res_h,
        focal_length=focal_xy,
        center=center,
        radial_distortion=k,
        tangential_distortion=p,
        orientation=tuple(matrix_to_quaternion(rotation)),
        translation=tuple(position),
        name=sensor.name,
    )
