"""Loaders of the real datasets, on small files fabricated in the exact formats (tmp_path).

Human3.6M: VideoPose3D npz archives holding pickled dicts. MPI-INF-3DHP: MATLAB v7.3 (HDF5)
files, written the way h5py shows MATLAB arrays (axes reversed) and in the documented layout.
"""
import json
import re
import sys

import h5py  # a declared dependency: a broken install fails here instead of skipping 45 tests
import numpy as np
import pytest
import torch

from ddhpose_lite.camera import H36M_CAMERAS, camera_to_world, normalize_screen, project
from ddhpose_lite.datasets import (
    H36M_ACTIONS,
    H36M_CAMERA_IDS,
    H36M_EXTRINSICS,
    H36M_KEEP_JOINTS,
    H36M_TEST_SUBJECTS,
    H36M_TRAIN_SUBJECTS,
    ClipDataset,
    group_by_action,
    h36m_action,
    h36m_cameras,
    load_h36m,
    load_mpi_inf_3dhp,
    load_mpi_inf_3dhp_npz,
    MPI_INF_3DHP_CAMERAS,
)

SYMMETRY = [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]]


# --------------------------------------------------------------------------------------------
# Human3.6M fixtures
# --------------------------------------------------------------------------------------------
def world_motion(frames, seed):
    """[T, 32, 3] world metres: a body-sized cloud around (0, 0, 0.9) that drifts a little.
    Joint j carries a distinct offset so a wrong joint selection shows."""
    rng = np.random.default_rng(seed)
    joints = rng.uniform(-0.4, 0.4, size=(32, 3)) + np.array([0.0, 0.0, 0.9])
    drift = np.linspace(0, 0.3, frames)[:, None, None] * np.array([1.0, -0.5, 0.0])
    return (joints[None] + drift).astype(np.float32)


def fake_2d(frames, seed):
    return [np.random.default_rng(seed + i).uniform(0, 1000, size=(frames, 17, 2)).astype(np.float32)
            for i in range(4)]


def write_h36m(folder, positions_3d, positions_2d, keypoints="gt", metadata=None):
    np.savez(folder / "data_3d_h36m.npz", positions_3d=positions_3d)
    meta = {"num_joints": 17, "keypoints_symmetry": SYMMETRY, "layout_name": "h36m"} if metadata is None else metadata
    np.savez(folder / f"data_2d_h36m_{keypoints}.npz", positions_2d=positions_2d, metadata=meta)


@pytest.fixture
def h36m_dir(tmp_path):
    p3, p2 = {}, {}
    for s, subject in enumerate(("S1", "S9")):
        p3[subject], p2[subject] = {}, {}
        for a, action in enumerate(("Directions", "Directions 1", "TakingPhoto" if subject == "S1" else "Photo")):
            frames = 6 + a
            p3[subject][action] = world_motion(frames, 10 * s + a)
            p2[subject][action] = fake_2d(frames + 3 * (a == 1), 100 * s + 10 * a)  # one longer 2D
    write_h36m(tmp_path, p3, p2)
    return tmp_path, p3, p2


def hamilton(p, q):
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q
    return np.array([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


def independent_world_to_camera(points, orientation, translation_mm):
    """q* (X - t) q with Hamilton products, one point at a time (no package code)."""
    q = np.asarray(orientation, float) / np.linalg.norm(orientation)
    conj = q * [1, -1, -1, -1]
    t = np.asarray(translation_mm, float) / 1000
    out = np.empty(points.shape)
    for index in np.ndindex(points.shape[:-1]):
        v = np.concatenate([[0.0], points[index] - t])
        out[index] = hamilton(hamilton(conj, v), q)[1:]
    return out


# --------------------------------------------------------------------------------------------
# Human3.6M: content
# --------------------------------------------------------------------------------------------
def test_split_constants():
    assert H36M_TRAIN_SUBJECTS == ("S1", "S5", "S6", "S7", "S8")
    assert H36M_TEST_SUBJECTS == ("S9", "S11")
    assert H36M_KEEP_JOINTS == (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
    assert set(H36M_EXTRINSICS) == set(H36M_TRAIN_SUBJECTS + H36M_TEST_SUBJECTS)


def test_one_sequence_per_subject_action_camera_with_metadata(h36m_dir):
    folder, p3, _ = h36m_dir
    seqs = load_h36m(folder, keypoints="gt")
    assert len(seqs) == 2 * 3 * 4
    assert [s.subject for s in seqs[::12]] == ["S1", "S9"]
    first = seqs[0]
    assert (first.subject, first.action) == ("S1", "Directions")
    assert [s.extra["camera_id"] for s in seqs[:4]] == list(H36M_CAMERA_IDS)
    assert [s.image_size for s in seqs[:4]] == [(1000, 1002), (1000, 1000), (1000, 1000), (1000, 1002)]
    for seq in seqs:
        assert seq.keypoints_2d.dtype == seq.poses_3d.dtype == torch.float32
        assert seq.poses_3d.shape == (len(p3[seq.subject][seq.action]), 17, 3)
        assert seq.trajectory.shape == (len(seq), 3)
        cam = seq.camera
        assert cam.focal_length == H36M_CAMERAS[cam.name].focal_length
        assert cam.translation == pytest.approx(
            tuple(np.array(H36M_EXTRINSICS[seq.subject][seq.extra["camera_index"]][1]) / 1000))
    ClipDataset(seqs, frames=5)  # usable for training as is


def test_joints_reduced_32_to_17_and_world_to_camera_matches_an_independent_computation(h36m_dir):
    folder, p3, _ = h36m_dir
    seqs = load_h36m(folder, keypoints="gt", subjects=["S9"], actions=["Photo"])
    assert len(seqs) == 4
    world17 = p3["S9"]["Photo"][:, list(H36M_KEEP_JOINTS)].astype(np.float64)
    for seq in seqs:
        orientation, translation = H36M_EXTRINSICS["S9"][seq.extra["camera_index"]]
        expected = independent_world_to_camera(world17, orientation, translation)
        np.testing.assert_allclose(seq.trajectory.numpy(), expected[:, 0], atol=1e-5)
        np.testing.assert_allclose(seq.poses_3d.numpy(), expected - expected[:, :1], atol=1e-5)
        # and back to the world with the package's inverse
        world = camera_to_world(seq.poses_3d.double() + seq.trajectory.double()[:, None], seq.camera)
        np.testing.assert_allclose(world.numpy(), world17, atol=1e-5)


def test_poses_are_root_relative_and_in_front_of_every_camera(h36m_dir):
    for seq in load_h36m(h36m_dir[0], keypoints="gt"):
        assert torch.all(seq.poses_3d[:, 0] == 0)
        assert torch.all(seq.trajectory[:, 2] > 3.0)  # a body near the centre is 4-6 m away
        pixels = project(seq.poses_3d + seq.trajectory[:, None], seq.camera)
        assert torch.all((pixels > 0) & (pixels < 1000))  # ... and inside the image


def test_longer_2d_is_trimmed_to_the_3d_length_and_normalised(h36m_dir):
    folder, p3, p2 = h36m_dir
    seqs = load_h36m(folder, keypoints="gt", subjects="S1", actions="Directions 1")
    assert [len(s) for s in seqs] == [len(p3["S1"]["Directions 1"])] * 4
    assert len(p2["S1"]["Directions 1"][0]) == len(seqs[0]) + 3
    for index, seq in enumerate(seqs):
        w, h = seq.image_size
        raw = p2["S1"]["Directions 1"][index][: len(seq)].astype(np.float64)
        expected = raw / w * 2 - [1, h / w]
        np.testing.assert_allclose(seq.keypoints_2d.numpy(), expected, atol=1e-6)


def test_screen_normalisation_hand_values(tmp_path):
    p3 = {"S1": {"Walking": world_motion(2, 0)}}
    pixels = np.zeros((2, 17, 2), np.float32)
    pixels[0, 0] = (500, 501)  # centre of a 1000 x 1002 image
    pixels[0, 1] = (1000, 1002)  # bottom right corner
    pixels[1, 0] = (0, 0)
    pixels[1, 1] = (250, 500)
    write_h36m(tmp_path, p3, {"S1": {"Walking": [pixels] * 4}})
    seq = load_h36m(tmp_path, keypoints="gt")[0]  # camera 54138969: 1000 x 1002
    kp = seq.keypoints_2d.double()
    np.testing.assert_allclose(kp[0, 0], [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(kp[0, 1], [1.0, 1.002], atol=1e-6)
    np.testing.assert_allclose(kp[1, 0], [-1.0, -1.002], atol=1e-6)
    np.testing.assert_allclose(kp[1, 1], [-0.5, -0.002], atol=1e-6)
    seq1 = load_h36m(tmp_path, keypoints="gt")[1]  # camera 55011271: 1000 x 1000
    np.testing.assert_allclose(seq1.keypoints_2d.double()[0, 0], [0.0, 0.002], atol=1e-6)


def test_actions_select_recordings_and_table1_groups(h36m_dir):
    folder = h36m_dir[0]
    seqs = load_h36m(folder, keypoints="gt", actions=["Directions"])
    assert sorted({s.action for s in seqs}) == ["Directions", "Directions 1"]
    photo = load_h36m(folder, keypoints="gt", actions="Photo")
    assert sorted({(s.subject, s.action) for s in photo}) == [("S1", "TakingPhoto"), ("S9", "Photo")]
    assert h36m_action("Directions 1") == "Directions"
    assert h36m_action("TakingPhoto") == "Photo" and h36m_action("WalkingDog 1") == "WalkDog"
    assert h36m_action("SittingDown 2") == "SittingDown"
    groups = group_by_action(load_h36m(folder, keypoints="gt"))
    assert list(groups) == ["Directions", "Photo"]  # Table 1 column order
    assert len(groups["Directions"]) == 2 * 2 * 4
    ungrouped = group_by_action(load_h36m(folder, keypoints="gt"), grouped=False)
    assert set(ungrouped) == {"Directions", "Directions 1", "TakingPhoto", "Photo"}
    assert len(H36M_ACTIONS) == 15


def write_subject_s2(folder) -> dict:
    """Human3.6M files of subject S2, who has no published extrinsics; returns its 3D poses."""
    p3 = {"S2": {"Walking": world_motion(3, 1)}}
    write_h36m(folder, p3, {"S2": {"Walking": fake_2d(3, 0)}}, keypoints="cpn_ft_h36m_dbb")
    return p3


def test_extrinsics_can_come_from_a_json_file(tmp_path):
    p3 = write_subject_s2(tmp_path)
    identity = {"orientation": [1, 0, 0, 0], "translation": [0, 0, -5000]}
    (tmp_path / "cameras.json").write_text(json.dumps({"S2": [identity] * 4}))
    seqs = load_h36m(tmp_path, extrinsics=tmp_path / "cameras.json")
    expected = p3["S2"]["Walking"][:, 0].astype(np.float64) + [0, 0, 5]
    np.testing.assert_allclose(seqs[0].trajectory.numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("extrinsics, error, message", [
    pytest.param(None, KeyError, "expected camera extrinsics for subject 'S2', got only ['S1', 'S5', 'S6', 'S7', 'S8', "
                 "'S9', 'S11']; see data/README.md", id="none-published-for-S2"),
    pytest.param("missing.json", FileNotFoundError, 'expected a camera extrinsics JSON file at {folder}/missing.json '
                 '({{"S1": [{{"orientation": [w, x, y, z], "translation": [x, y, z] (mm)}} x 4], ...}}); '
                 'see data/README.md', id="missing-json-file"),
])
def test_extrinsics_missing_for_a_subject_or_as_a_file_are_named(tmp_path, extrinsics, error, message):
    write_subject_s2(tmp_path)
    extrinsics = extrinsics and tmp_path / extrinsics
    with pytest.raises(error, match=re.escape(message.format(folder=tmp_path))):
        load_h36m(tmp_path, extrinsics=extrinsics)


def test_published_extrinsics_put_every_camera_around_the_capture_area():
    centre = np.array([0.0, 0.0, 0.9])
    for subject in H36M_EXTRINSICS:
        cams = h36m_cameras(subject)
        assert [c.name for c in cams] == list(H36M_CAMERA_IDS)
        for cam in cams:
            position, rotation = np.array(cam.translation), cam.rotation
            assert 4.0 < np.linalg.norm(position - centre) < 6.0
            assert 1.4 < position[2] < 1.7
            to_centre = (centre - position) / np.linalg.norm(centre - position)
            assert np.degrees(np.arccos(rotation[:, 2] @ to_centre)) < 11  # optical axis
            assert rotation[2, 1] < -0.9  # image "down" is world -z
        # the four cameras surround the area: one per quadrant
        quadrants = {(np.sign(c.translation[0]), np.sign(c.translation[1])) for c in cams}
        assert len(quadrants) == 4


# --------------------------------------------------------------------------------------------
# Human3.6M: errors
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder, message", [
    pytest.param(lambda folder: folder / "nowhere",
                 "expected {folder}/data_3d_h36m.npz (key 'positions_3d': subject -> action -> float32 [T, 32, 3], "
                 "world metres); see data/README.md", id="no-folder"),
    pytest.param(lambda folder: folder,  # only the gt 2D file exists
                 "expected {folder}/data_2d_h36m_cpn_ft_h36m_dbb.npz (keys 'positions_2d': subject -> action -> "
                 "4 x [T, 17, 2] pixels, and 'metadata'); see data/README.md", id="no-cpn-2d-file"),
])
def test_missing_files_name_the_file_and_the_readme(h36m_dir, folder, message):
    folder = folder(h36m_dir[0])
    with pytest.raises(FileNotFoundError, match=re.escape(message.format(folder=folder))):
        load_h36m(folder)


def write_3d_under_another_key(folder):
    np.savez(folder / "data_3d_h36m.npz", poses={"S1": {}})


def write_2d_without_metadata(folder):
    np.savez(folder / "data_3d_h36m.npz", positions_3d={"S1": {"Walking": world_motion(3, 0)}})
    np.savez(folder / "data_2d_h36m_gt.npz", positions_2d={"S1": {"Walking": fake_2d(3, 0)}})


@pytest.mark.parametrize("write, message", [
    pytest.param(write_3d_under_another_key,
                 "expected key 'positions_3d' in {folder}/data_3d_h36m.npz (key 'positions_3d': subject -> action -> "
                 "float32 [T, 32, 3], world metres), got keys ['poses']; see data/README.md", id="3d-as-poses"),
    pytest.param(write_2d_without_metadata,
                 "expected key 'metadata' in {folder}/data_2d_h36m_gt.npz (keys 'positions_2d': subject -> action -> "
                 "4 x [T, 17, 2] pixels, and 'metadata'), got keys ['positions_2d']; see data/README.md",
                 id="2d-without-metadata"),
])
def test_wrong_keys(tmp_path, write, message):
    write(tmp_path)
    with pytest.raises(KeyError, match=re.escape(message.format(folder=tmp_path))):
        load_h36m(tmp_path, keypoints="gt")


@pytest.mark.parametrize("case, error, message", [
    ("3d_17_joints", ValueError, r"\[T, 32, 3\], got \[5, 17, 3\]"),
    ("2d_16_joints", ValueError, r"\[T, 17, 2\], got \[5, 16, 2\]"),
    ("2d_shorter", ValueError, "at least 5 2D frames.*got 4"),
    ("3_views", ValueError, "4 camera views.*got 3"),
    ("missing_action_2d", KeyError, "action 'Walking' of S1"),
    ("bad_symmetry", ValueError, "keypoints_symmetry"),
    ("not_a_dict", ValueError, "pickled dict"),
])
def test_wrong_layouts_raise(tmp_path, case, error, message):
    world = world_motion(5, 0)
    views = fake_2d(5, 0)
    meta = None
    if case == "3d_17_joints":
        world = world[:, :17]
    elif case == "2d_16_joints":
        views = [v[:, :16] for v in views]
    elif case == "2d_shorter":
        views = [v[:4] for v in views]
    elif case == "3_views":
        views = views[:3]
    elif case == "bad_symmetry":
        meta = {"num_joints": 17, "keypoints_symmetry": SYMMETRY[::-1]}
    p2 = {"S1": {} if case == "missing_action_2d" else {"Walking": views}}
    write_h36m(tmp_path, {"S1": {"Walking": world}}, p2, metadata=meta)
    if case == "not_a_dict":
        np.savez(tmp_path / "data_3d_h36m.npz", positions_3d=np.zeros(3))
    with pytest.raises(error, match=message) as info:
        load_h36m(tmp_path, keypoints="gt")
    assert "data/README.md" in str(info.value)


@pytest.mark.parametrize("options, message", [
    pytest.param(dict(subjects=H36M_TEST_SUBJECTS),
                 "expected subject 'S11' in {folder}/data_3d_h36m.npz (key 'positions_3d': subject -> action -> "
                 "float32 [T, 32, 3], world metres), got ['S1', 'S9']; see data/README.md", id="subject-S11"),
    pytest.param(dict(actions=["Directions", "Eating"]),
                 "expected actions ['Eating'] in {folder}/data_3d_h36m.npz for subjects ['S1', 'S9']; Table 1 actions "
                 "are ['Directions', 'Discussion', 'Eating', 'Greeting', 'Phoning', 'Photo', 'Posing', 'Purchases', "
                 "'Sitting', 'SittingDown', 'Smoking', 'Waiting', 'WalkDog', 'Walking', 'WalkTogether']; "
                 "see data/README.md", id="action-Eating"),
])
def test_missing_subject_or_action(h36m_dir, options, message):
    folder = h36m_dir[0]
    with pytest.raises(KeyError, match=re.escape(message.format(folder=folder))):
        load_h36m(folder, keypoints="gt", **options)


# --------------------------------------------------------------------------------------------
# MPI-INF-3DHP
# --------------------------------------------------------------------------------------------
FOCAL, FRAMES = 1500.0, 5


def mpi_annotations(name, seed=0):
    """Documented layouts: annot3 [N,1,17,3] mm in MPI order, annot2 its pinhole projection."""
    rng = np.random.default_rng(seed)
    width, height = (2048, 2048) if name in ("TS1", "TS2", "TS3", "TS4") else (1920, 1080)
    joints = rng.uniform(-400, 400, size=(FRAMES, 17, 3)) + [0, 0, 4000]  # mm, 4 m away
    joints[:, :, 2] += 100 * np.arange(17)  # every joint at its own depth
    annot3 = joints[:, None]
    annot2 = FOCAL * annot3[..., :2] / annot3[..., 2:] + [width / 2, height / 2]
    return {
        "annot2": annot2, "annot3": annot3, "univ_annot3": 0.9 * annot3,
        "valid_frame": np.array([[1], [0], [1], [1], [0]], float),
        "activity_annotation": np.arange(1, FRAMES + 1, dtype=float)[:, None],
    }


def write_mat(folder, name, arrays, matlab=True):
    """MATLAB v7.3 stores column-major: h5py shows every array with its axes reversed."""
    path = folder / name / "annot_data.mat"
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value.T if matlab else value)
    return path


@pytest.mark.parametrize("matlab", [True, False], ids=["h5py-transposed", "documented"])
def test_3dhp_reorders_joints_converts_units_and_reads_valid(tmp_path, matlab):
    arrays = mpi_annotations("TS1")
    write_mat(tmp_path, "TS1", arrays, matlab)
    if matlab:
        with h5py.File(tmp_path / "TS1" / "annot_data.mat") as f:
            assert f["annot3"].shape == (3, 17, 1, FRAMES)  # as h5py shows a real file
    seq, = load_mpi_inf_3dhp(tmp_path, sequences=["TS1"], camera="fitted")  # annot3 by default
    assert seq.extra["universal"] is False
    mpi = arrays["annot3"][:, 0] / 1000  # metres, MPI order
    pelvis = mpi[:, 14]
    # hand-picked slots: H36M pelvis <- 3DHP 14, RHip <- 8, Nose <- 16 (head), Head <- 0 (head_top),
    # LShoulder <- 5, RWrist <- 4
    for slot, index in ((1, 8), (9, 16), (10, 0), (11, 5), (16, 4)):
        np.testing.assert_allclose(seq.poses_3d[:, slot].numpy(), mpi[:, index] - pelvis, atol=1e-6)
    assert torch.all(seq.poses_3d[:, 0] == 0)
    np.testing.assert_allclose(seq.trajectory.numpy(), pelvis, atol=1e-6)
    assert seq.valid.tolist() == [True, False, True, True, False]
    assert seq.extra["activity"].tolist() == [1, 2, 3, 4, 5]
    assert (seq.subject, seq.image_size) == ("TS1", (2048, 2048))
    px = arrays["annot2"][:, 0, 5]  # l_shoulder -> slot 11
    np.testing.assert_allclose(seq.keypoints_2d[:, 11].double().numpy(), px / 1024 - 1, atol=1e-6)
    # the pinhole fitted to annot2/annot3 recovers the camera and reprojects the poses
    assert seq.camera.focal_length == pytest.approx((FOCAL, FOCAL), rel=1e-6)
    assert seq.camera.center == pytest.approx((1024, 1024), abs=1e-3)
    assert seq.extra["reprojection_px"] < 1e-6


def test_3dhp_universal_poses_and_outdoor_resolution(tmp_path):
    arrays = mpi_annotations("TS5")
    write_mat(tmp_path, "TS5", arrays)
    seq, = load_mpi_inf_3dhp(tmp_path, sequences="TS5", universal=True)
    assert seq.camera is None  # universal-scale poses do not project onto the image: no J-Agg
    univ = arrays["univ_annot3"][:, 0] / 1000
    np.testing.assert_allclose(seq.poses_3d[:, 10].numpy(), univ[:, 0] - univ[:, 14], atol=1e-6)
    np.testing.assert_allclose(seq.trajectory.numpy(), arrays["annot3"][:, 0, 14] / 1000, atol=1e-6)
    assert seq.image_size == (1920, 1080)
    centre = normalize_screen(np.array([[960.0, 540.0], [0.0, 0.0]]), 1920, 1080)
    np.testing.assert_allclose(centre, [[0, 0], [-1, -0.5625]])
    pixels = arrays["annot2"][:, 0, 14]  # pelvis -> slot 0
    np.testing.assert_allclose(seq.keypoints_2d[:, 0].double().numpy(), pixels / 960 - [1, 0.5625], atol=1e-6)


def test_3dhp_non_finite_values(tmp_path):
    arrays = mpi_annotations("TS2")
    arrays["annot3"][1, 0, 3] = np.nan  # frame 1 is invalid: zeroed
    write_mat(tmp_path, "TS2", arrays)
    seq, = load_mpi_inf_3dhp(tmp_path, sequences=["TS2"])
    assert torch.isfinite(seq.poses_3d).all() and not seq.valid[1]
    arrays["annot3"][2, 0, 3] = np.nan  # frame 2 is valid: an error
    write_mat(tmp_path, "TS2", arrays)
    with pytest.raises(ValueError, match="finite annotations in the valid frames"):
        load_mpi_inf_3dhp(tmp_path, sequences=["TS2"])


def mat_without(key):
    """Write TS1 with ``key`` removed from its annotations."""
    def write(folder):
        arrays = mpi_annotations("TS1")
        del arrays[key]
        write_mat(folder, "TS1", arrays)
    return write


def mat_with(key, cut):
    """Write TS1 with ``cut`` applied to its annotation ``key``."""
    def write(folder):
        arrays = mpi_annotations("TS1")
        arrays[key] = cut(arrays[key])
        write_mat(folder, "TS1", arrays)
    return write


def not_hdf5(folder):
    (folder / "TS4").mkdir()
    (folder / "TS4" / "annot_data.mat").write_bytes(b"MATLAB 5.0 MAT-file, not HDF5")


@pytest.mark.parametrize("write, sequence, options, error, message", [
    pytest.param(None, "TS3", {}, FileNotFoundError, r"TS3/annot_data\.mat.*annot2.*data/README\.md", id="no-file"),
    pytest.param(None, "TS7", {}, ValueError, "TS1.*got 'TS7'", id="unknown-sequence"),
    pytest.param(mat_without("univ_annot3"), "TS1", {"universal": True}, KeyError, "'univ_annot3'.*data/README.md",
                 id="universal-without-univ-annot3"),
    pytest.param(mat_without("univ_annot3"), "TS1", {"camera": "calibrated"}, ValueError,
                 r"camera as one of \('official', 'fitted'\), got 'calibrated'", id="camera-calibrated"),
    pytest.param(mat_with("annot2", lambda a: a[:, :, :16]), "TS1", {}, ValueError,
                 r"\[N, 1, 17, 2\].*got \[2, 16, 1, 5\].*data/README\.md", id="16-joint-annot2"),
    pytest.param(mat_with("valid_frame", lambda a: a[:3]), "TS1", {}, ValueError,
                 r"'valid_frame'.*\[5, 1\].*got \[1, 3\]", id="3-valid-frames"),
    pytest.param(not_hdf5, "TS4", {}, ValueError, "MATLAB v7.3", id="not-hdf5"),
])
def test_3dhp_errors(tmp_path, write, sequence, options, error, message):
    if write is not None:
        write(tmp_path)
    with pytest.raises(error, match=message):
        load_mpi_inf_3dhp(tmp_path, sequences=[sequence], **options)


def test_3dhp_annot3_the_default_needs_no_univ_annot3(tmp_path):
    mat_without("univ_annot3")(tmp_path)
    assert len(load_mpi_inf_3dhp(tmp_path, sequences=["TS1"])) == 1


def test_3dhp_official_camera_is_the_official_evaluations_pinhole(tmp_path):
    """The official evaluation's intrinsics, hand-converted from mm (sensor 10 x 10 mm at 2048 px;
    10 x 5.625 mm at 1920 x 1080) to pixels: f = 7.32506 * 204.8, c = -0.0322884 * 204.8 + 1024 ..."""
    flat = {name: [v for pair in MPI_INF_3DHP_CAMERAS[name] for v in pair] for name in ("TS2", "TS6")}
    assert flat["TS2"] == pytest.approx([1500.172288, 1500.172288, 1017.38733568, 1043.03198208])
    assert flat["TS6"] == pytest.approx([1683.98345952, 1683.98345952, 939.85754016, 560.140743168])
    arrays = mpi_annotations("TS2")
    write_mat(tmp_path, "TS2", arrays)
    seq, = load_mpi_inf_3dhp(tmp_path, sequences=["TS2"])
    assert seq.camera.focal_length == pytest.approx((1500.1722880,) * 2)
    assert seq.camera.center == pytest.approx((1017.38733568, 1043.03198208))
    # the synthetic files project with f = 1500 about (1024, 1024): a few pixels off this pinhole
    assert 1 < seq.extra["reprojection_px"] < 60


def test_3dhp_evaluates_whichever_sequences_are_present(tmp_path):
    for name in ("TS2", "TS6"):
        write_mat(tmp_path, name, mpi_annotations(name))
    assert [s.subject for s in load_mpi_inf_3dhp(tmp_path)] == ["TS2", "TS6"]
    with pytest.raises(FileNotFoundError, match=r"TS1\.\.TS6/annot_data\.mat.*found none"):
        load_mpi_inf_3dhp(tmp_path / "empty")


# --------------------------------------------------------------------------------------------
# MPI-INF-3DHP, the npz layout the official code trains and tests on
# --------------------------------------------------------------------------------------------
def mpi_npz_record(frames, seed, millimetres=True, test=False):
    rng = np.random.default_rng(seed)
    data_3d = rng.uniform(-0.4, 0.4, size=(frames, 17, 3))
    data_3d[:, 1] = data_3d[:, 14] + [0.0, -0.5, 0.0]  # the neck half a metre above the pelvis
    if millimetres:
        data_3d = data_3d * 1000
    record = {"data_3d": data_3d.astype(np.float32), "data_2d": rng.uniform(0, 2048, size=(frames, 17, 2))}
    if test:
        record["valid"] = (np.arange(frames) % 3 != 1).astype(np.float32)
    return record


def write_mpi_npz(folder, split, millimetres=True):
    if split == "train":
        data = {"S1 Seq1": [{0: mpi_npz_record(6, 0, millimetres), 2: mpi_npz_record(6, 1, millimetres)}],
                "S2 Seq2": [{0: mpi_npz_record(7, 2, millimetres)}]}
    else:
        data = {"TS1": mpi_npz_record(8, 3, millimetres, True), "TS5": mpi_npz_record(5, 4, millimetres, True)}
    np.savez(folder / f"data_{split}_3dhp_ori.npz", data=data)
    return data


@pytest.mark.parametrize("millimetres", [True, False])
def test_3dhp_npz_train_reorders_to_the_3dhp_skeleton_and_normalises(tmp_path, millimetres):
    data = write_mpi_npz(tmp_path, "train", millimetres)
    seqs = load_mpi_inf_3dhp_npz(tmp_path, "train")
    assert [(s.subject, s.action, s.extra["camera_index"]) for s in seqs] == [("S1", "Seq1", 0), ("S1", "Seq1", 2),
                                                                              ("S2", "Seq2", 0)]
    record = data["S1 Seq1"][0][2]
    metres = record["data_3d"] / (1000 if millimetres else 1)
    pelvis = metres[:, 14]
    for slot, index in ((0, 14), (8, 1), (9, 16), (10, 0), (16, 4)):  # pelvis, neck, head, head_top, r_wrist
        np.testing.assert_allclose(seqs[1].poses_3d[:, slot].numpy(), metres[:, index] - pelvis, atol=1e-5)
    np.testing.assert_allclose(seqs[1].keypoints_2d[:, 10].numpy(),
                               normalize_screen(record["data_2d"][:, 0], 2048, 2048), atol=1e-5)
    assert seqs[1].image_size == (2048, 2048) and seqs[1].valid is None


def test_3dhp_npz_test_keeps_valid_frames_and_image_sizes(tmp_path):
    data = write_mpi_npz(tmp_path, "test")
    seqs = load_mpi_inf_3dhp_npz(tmp_path, "test")
    assert [s.subject for s in seqs] == ["TS1", "TS5"]
    assert seqs[0].valid.tolist() == [True, False, True, True, False, True, True, False]
    assert seqs[1].image_size == (1920, 1080)
    np.testing.assert_allclose(seqs[1].keypoints_2d[:, 0].numpy(),
                               normalize_screen(data["TS5"]["data_2d"][:, 14], 1920, 1080), atol=1e-5)


def npz_test_record(cut=None):
    """Write data_test_3dhp_ori.npz holding one sequence TS1 (a test record unless ``cut`` is "train")."""
    def write(folder):
        record = mpi_npz_record(4, 0, test=cut != "train")
        if callable(cut):
            record = cut(record)
        np.savez(folder / "data_test_3dhp_ori.npz", data={"TS1": record})
    return write


def first_16_joints_3d(record):
    record["data_3d"] = record["data_3d"][:, :16]
    return record


@pytest.mark.parametrize("write, split, options, error, message", [
    pytest.param(None, "train", {}, FileNotFoundError, r"data_train_3dhp_ori\.npz.*data/README\.md", id="no-file"),
    pytest.param(lambda folder: np.savez(folder / "data_train_3dhp.npz", data={}), "train", {}, FileNotFoundError,
                 r"data_train_3dhp_ori\.npz.*found \['data_train_3dhp\.npz'\].*suffix", id="without-ori-suffix"),
    pytest.param(lambda folder: np.savez(folder / "data_test_3dhp_ori.npz", positions=np.zeros(3)), "test", {},
                 KeyError, r"key 'data' in .*data_test_3dhp_ori\.npz", id="no-data-key"),
    pytest.param(npz_test_record("train"), "test", {}, KeyError, r"key 'valid' in .*\['TS1'\]",
                 id="train-record-in-test-file"),
    pytest.param(npz_test_record(first_16_joints_3d), "test", {}, ValueError,
                 r"data_3d \[T, 17, 3\] and data_2d \[T, 17, 2\], got \[4, 16, 3\]", id="16-joints"),
    pytest.param(npz_test_record(), "val", {}, ValueError, "split 'train' or 'test'", id="split-val"),
    pytest.param(npz_test_record(), "test", {"units": "cm"}, ValueError, "units 'auto', 'm' or 'mm'", id="units-cm"),
])
def test_3dhp_npz_errors_name_the_file_and_the_key(tmp_path, write, split, options, error, message):
    if write is not None:
        write(tmp_path)
    with pytest.raises(error, match=message):
        load_mpi_inf_3dhp_npz(tmp_path, split, **options)
