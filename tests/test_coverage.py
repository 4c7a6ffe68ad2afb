"""Coverage statistics (``ddhpose_lite.datasets.coverage``) on hand-made poses with known answers."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ddhpose_lite.camera import Camera, look_at, matrix_to_quaternion, normalize_screen, project, world_to_camera
from ddhpose_lite.datasets import (Sequence, coverage, film, hip_flexion, knee_flexion, person_position,
                                   person_scale, torso_tilt)
from ddhpose_lite.datasets.coverage import ANGLE_EDGES, TILT_EDGES


def t_pose() -> torch.Tensor:
    """A standing T-pose [17, 3], z up, pelvis at the origin, facing +y, arms out sideways."""
    return torch.tensor([
        (0, 0, 0),
        (0.13, 0, 0), (0.13, 0, -0.45), (0.13, 0, -0.9),  # right leg
        (-0.13, 0, 0), (-0.13, 0, -0.45), (-0.13, 0, -0.9),  # left leg
        (0, 0, 0.23), (0, 0, 0.48), (0, 0.06, 0.57), (0, 0.02, 0.68),  # spine, thorax, nose, head
        (-0.15, 0, 0.48), (-0.43, 0, 0.48), (-0.68, 0, 0.48),  # left arm
        (0.15, 0, 0.48), (0.43, 0, 0.48), (0.68, 0, 0.48),  # right arm
    ], dtype=torch.float64)


def rotation(axis, degrees: float) -> torch.Tensor:
    """Rodrigues: the rotation by ``degrees`` about ``axis``."""
    k = torch.tensor(axis, dtype=torch.float64)
    k = k / k.norm()
    cross = torch.tensor([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]], dtype=torch.float64)
    a = math.radians(degrees)
    return torch.eye(3, dtype=torch.float64) + math.sin(a) * cross + (1 - math.cos(a)) * cross @ cross


@pytest.mark.parametrize("axis", [(1, 0, 0), (0, 1, 0), (1, 1, 0), (-3, 1, 0)])
@pytest.mark.parametrize("degrees", [0.0, 30.0, 45.0, 90.0, 135.0, 180.0])
def test_torso_tilt_of_a_rotated_t_pose_is_the_rotation_angle(axis, degrees):
    pose = t_pose() @ rotation(axis, degrees).T + torch.tensor([2.0, -1.0, 0.9], dtype=torch.float64)
    assert float(torso_tilt(pose)) == pytest.approx(degrees, abs=1e-6)
    spun = pose @ rotation((0, 0, 1), 77.0).T  # turning about the vertical changes nothing
    assert float(torso_tilt(spun)) == pytest.approx(degrees, abs=1e-6)


def test_knee_and_hip_flexion_of_bent_legs():
    pose = t_pose()
    assert knee_flexion(pose).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    assert hip_flexion(pose).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    pose[3] = pose[2] + torch.tensor([0.0, -0.45, 0.0], dtype=torch.float64)  # right shin folded back by 90
    assert knee_flexion(pose).tolist() == pytest.approx([90.0, 0.0], abs=1e-6)
    sitting = t_pose()  # left thigh forward (horizontal), shin down: sitting on a chair
    sitting[5] = sitting[4] + torch.tensor([0.0, 0.45, 0.0], dtype=torch.float64)
    sitting[6] = sitting[5] + torch.tensor([0.0, 0.0, -0.45], dtype=torch.float64)
    assert hip_flexion(sitting).tolist() == pytest.approx([0.0, 90.0], abs=1e-6)
    assert knee_flexion(sitting).tolist() == pytest.approx([0.0, 90.0], abs=1e-6)
    tipped = sitting @ rotation((1, 0, 0), -90.0).T  # the same body lying on its back
    assert hip_flexion(tipped).tolist() == pytest.approx([0.0, 90.0], abs=1e-6)
    half = t_pose()  # knee bent by 60: the shin turned 60 deg back from straight down
    half[3] = half[2] + 0.45 * torch.tensor([0.0, -math.sin(math.radians(60)), -math.cos(math.radians(60))],
                                           dtype=torch.float64)
    assert float(knee_flexion(half)[0]) == pytest.approx(60.0, abs=1e-6)


def test_angles_work_on_batches_and_numpy():
    poses = torch.stack([t_pose() @ rotation((1, 0, 0), d).T for d in (0.0, 60.0, 120.0)])[None]  # [1, 3, 17, 3]
    assert torso_tilt(poses).shape == (1, 3) and knee_flexion(poses).shape == (1, 3, 2)
    out = torso_tilt(poses.numpy())
    assert isinstance(out, np.ndarray) and out[0].tolist() == pytest.approx([0.0, 60.0, 120.0], abs=1e-6)


def test_person_scale_and_position_from_a_box():
    points = torch.zeros(17, 2, dtype=torch.float64)
    points[:, 0] = torch.linspace(-0.5, 0.5, 17)  # 1.0 wide: half the image width
    points[:, 1] = torch.linspace(-0.2, 0.6, 17)  # 0.8 tall: 40 % of the image width
    height, longer = person_scale(points)
    assert float(height) == pytest.approx(0.4) and float(longer) == pytest.approx(0.5)
    assert person_position(points).tolist() == pytest.approx([0.0, 0.2])


def sequence_of(world: torch.Tensor, with_world: bool = True, camera: Camera | None = None) -> Sequence:
    """A hand-made Sequence seen by a camera 4 m in front of the person."""
    if camera is None:
        camera = Camera(1000, 1000, (1000.0, 1000.0), (500.0, 500.0),
                        orientation=tuple(matrix_to_quaternion(torch.from_numpy(
                            look_at((0.0, -4.0, 1.0), (0.0, 0.0, 0.8)))).tolist()), translation=(0.0, -4.0, 1.0))
    cam = world_to_camera(world, camera)
    return Sequence(keypoints_2d=normalize_screen(project(cam, camera), 1000, 1000).float(),
                    poses_3d=(cam - cam[:, :1]).float(), camera=camera,
                    extra={"poses_world": world} if with_world else {})


def test_coverage_counts_frames_in_the_right_bins():
    lift = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    tilts = (0.0, 10.0, 40.0, 50.0, 70.0, 100.0, 170.0, 20.0)
    world = torch.stack([t_pose() @ rotation((1, 0, 0), d).T + lift for d in tilts])
    result = coverage([sequence_of(world[:5]), sequence_of(world[5:])])
    assert result["frames"] == 8 and result["tilt_frames"] == 8
    assert result["tilt_bins"] == pytest.approx({"0-30": 3 / 8, "30-60": 2 / 8, "60-90": 1 / 8, ">90": 2 / 8})
    assert result["beyond_45"] == pytest.approx(4 / 8) and result["beyond_90"] == pytest.approx(2 / 8)
    histogram = result["tilt_histogram"]
    assert len(histogram) == len(TILT_EDGES) - 1 and sum(histogram) == pytest.approx(1.0)
    assert histogram[0] == pytest.approx(1 / 8) and histogram[1] == pytest.approx(1 / 8)  # 0 and 10 deg
    assert histogram[17] == pytest.approx(1 / 8)  # 170 deg
    assert len(result["knee_histogram"]) == len(ANGLE_EDGES) - 1
    assert result["knee_histogram"][0] == pytest.approx(1.0)  # straight legs only
    for name in ("height", "longer_side"):
        assert set(result["scale"][name]) == {"mean", "p5", "p50", "p95"}
    assert result["scale"]["height"]["p5"] <= result["scale"]["height"]["p50"] <= result["scale"]["height"]["p95"]


def test_coverage_uses_the_camera_when_there_are_no_world_poses():
    world = torch.stack([t_pose() @ rotation((0, 1, 0), d).T + torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
                         for d in (0.0, 80.0)])
    result = coverage([sequence_of(world, with_world=False)])
    assert result["tilt_bins"]["0-30"] == pytest.approx(0.5) and result["tilt_bins"]["60-90"] == pytest.approx(0.5)
    bare = Camera(1000, 1000, (1000.0, 1000.0), (500.0, 500.0))  # camera-frame poses, no extrinsics: no tilt
    result = coverage([Sequence(keypoints_2d=torch.zeros(2, 17, 2), poses_3d=world.float(), camera=bare)])
    assert result["tilt_frames"] == 0 and math.isnan(result["beyond_45"]) and result["frames"] == 2


def test_coverage_of_filmed_motion_matches_the_world_poses():
    world = torch.stack([t_pose() @ rotation((1, 0, 0), d).T + torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
                         for d in range(0, 180, 5)])
    sequence = film(world, seed=3, extra={"poses_world": world})
    assert coverage([sequence])["beyond_90"] == pytest.approx(float((torso_tilt(world) > 90).double().mean()))


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: torso_tilt(torch.zeros(17, 2)), r"poses_world of shape \[\.\.\., 17, 3\], got \[17, 2\]",
                 id="tilt-2d-poses"),
    pytest.param(lambda: person_scale(torch.zeros(4, 17, 3)), r"keypoints_2d of shape \[\.\.\., 17, 2\]",
                 id="scale-3d-keypoints"),
    pytest.param(lambda: coverage([]), "expected one or more datasets.Sequence, got nothing", id="no-sequences"),
    pytest.param(lambda: coverage([torch.zeros(3, 17, 3)]), "expected one or more datasets.Sequence, got Tensor",
                 id="a-tensor"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
