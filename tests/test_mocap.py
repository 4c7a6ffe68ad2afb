"""Tests for ddhpose_lite.mocap: the BVH reader on small texts written here (hand-computed
forward kinematics, rotation orders, variant rules, errors), the four skeleton variants on real
files of the archive, retargeting, and the shipped asset."""
from __future__ import annotations

import csv
import dataclasses
import importlib.util
import io
import logging
import os
import re
import tarfile
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import skip_or_fail
from ddhpose_lite import mocap
from ddhpose_lite.bones import disentangle
from ddhpose_lite.synthetic import generate_motion, sample_subject
from ddhpose_lite.skeleton import H36M

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = Path(os.environ.get("DDHPOSE_MOCAP_ARCHIVE") or ROOT.parent / "shared" / "data" / "cmu-mocap-bvh.tar.xz")
"""The CMU archive (docs/data.md): $DDHPOSE_MOCAP_ARCHIVE, else the maintainers' copy next to the checkout."""


@pytest.fixture
def cmu_archive() -> Path:
    """The archive, or a skip with the reason; a failure with DDHPOSE_MOCAP_TESTS=required (as in .ci/run)."""
    if not ARCHIVE.is_file():
        skip_or_fail(f"the CMU archive is not at {ARCHIVE} (DDHPOSE_MOCAP_ARCHIVE=PATH names another place)",
                     "DDHPOSE_MOCAP_TESTS")
    return ARCHIVE


needs_archive = pytest.mark.usefixtures("cmu_archive")


# --- writing small BVH texts ----------------------------------------------------------------
def bvh_text(tree, rows, frame_time=0.0083333, frames=None) -> str:
    """tree: (name, offset, channels, children, end_site_offset or None), ROOT first."""
    out = ["HIERARCHY"]

    def joint(node, depth, keyword):
        name, offset, channels, children, end = node
        pad = "  " * depth
        out.extend([f"{pad}{keyword} {name}", f"{pad}{{", f"{pad}  OFFSET {' '.join(map(str, offset))}",
                    f"{pad}  CHANNELS {len(channels)} {' '.join(channels)}"])
        for child in children:
            joint(child, depth + 1, "JOINT")
        if end is not None:
            out.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {' '.join(map(str, end))}", f"{pad}  }}"])
        out.append(f"{pad}}}")

    joint(tree, 0, "ROOT")
    out += ["MOTION", f"Frames: {len(rows) if frames is None else frames}", f"Frame Time: {frame_time}"]
    out += [" ".join(str(v) for v in row) for row in rows]
    return "\n".join(out) + "\n"


POS = ("Xposition", "Yposition", "Zposition")
CHAIN = ("root", (0, 0, 0), POS + ("Zrotation", "Yrotation", "Xrotation"),
         [("A", (1, 0, 0), ("Zrotation",), [("B", (1, 0, 0), ("Xrotation",), [], (0, 1, 0))], None)], None)


def test_three_joint_chain_hand_computed():
    # Frame 1: A turns 90 deg about Z, so B = A + Rz(90) (1, 0, 0) = (1, 1, 0) and the end site
    # B + Rz(90) (0, 1, 0) = (0, 1, 0). Frame 2 adds 90 deg about X at B: Rz Rx (0, 1, 0) = (0, 0, 1).
    rows = [[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 90, 0], [5, 6, 7, 0, 0, 0, 90, 90]]
    bvh = mocap.parse_bvh(bvh_text(CHAIN, rows), "chain.bvh")
    assert bvh.names == ("root", "A", "B", "B_End") and bvh.parents == (-1, 0, 1, 2)
    assert bvh.motion.shape == (3, 8) and bvh.frame_time == pytest.approx(0.0083333)
    p = mocap.forward_kinematics(bvh)
    np.testing.assert_allclose(p[0], [[0, 0, 0], [1, 0, 0], [2, 0, 0], [2, 1, 0]], atol=1e-12)
    np.testing.assert_allclose(p[1], [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], atol=1e-12)
    np.testing.assert_allclose(p[2], np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]]) + [5, 6, 7], atol=1e-12)


@pytest.mark.parametrize("order, values, expected", [
    # R = R_c1 R_c2 applied to the child offset (0, 1, 0): the LAST listed channel acts first.
    (("Zrotation", "Xrotation"), (90, 90), (0, 0, 1)),  # Rz(90) Rx(90): y -> z -> z
    (("Xrotation", "Zrotation"), (90, 90), (-1, 0, 0)),  # Rx(90) Rz(90): y -> -x -> -x
    (("Yrotation", "Xrotation", "Zrotation"), (90, 0, 90), (0, 0, 1)),  # Ry Rz: y -> -x -> z
    (("Zrotation", "Yrotation", "Xrotation"), (30, 0, 0), (-0.5, np.sqrt(3) / 2, 0)),
])
def test_rotation_order_is_read_from_the_channels_line(order, values, expected):
    tree = ("root", (0, 0, 0), ("Zposition", "Xposition", "Yposition") + order,
            [], (0, 1, 0))
    bvh = mocap.parse_bvh(bvh_text(tree, [[3, 1, 2, *values]]))
    p = mocap.forward_kinematics(bvh)
    np.testing.assert_allclose(p[0, 0], [1, 2, 3], atol=1e-12)  # positions in their own order
    np.testing.assert_allclose(p[0, 1] - p[0, 0], expected, atol=1e-12)


def test_layout_tolerance_tabs_crlf_and_braces():
    text = bvh_text(CHAIN, [[0] * 8, [1] * 8]).replace("Frames: 2", "Frames:\t2").replace("\n", "\r\n")
    bvh = mocap.parse_bvh(text)
    assert bvh.num_frames == 2 and bvh.names[-1] == "B_End"


# --- variant rules on generated skeletons -----------------------------------------------------
ROLES = ("root", "lhip", "lknee", "lankle", "rhip", "rknee", "rankle", "spine", "thorax", "lcollar",
         "rcollar", "head", "lshoulder", "lelbow", "lwrist", "rshoulder", "relbow", "rwrist")
NAMES = {
    "mb": ("Hips", "LeftUpLeg", "LeftLeg", "LeftFoot", "RightUpLeg", "RightLeg", "RightFoot", "Spine",
           "Spine1", "LeftShoulder", "RightShoulder", "Head", "LeftArm", "LeftForeArm", "LeftHand",
           "RightArm", "RightForeArm", "RightHand"),
    "raw": ("hip", "lfemur", "ltibia", "lfoot", "rfemur", "rtibia", "rfoot", "upperback", "thorax",
            "lclavicle", "rclavicle", "head", "lhumerus", "lradius", "lwrist", "rhumerus", "rradius", "rwrist"),
    "max": ("Hips", "LeftHip", "LeftKnee", "LeftAnkle", "RightHip", "RightKnee", "RightAnkle", "Chest",
            "Chest2", "LeftCollar", "RightCollar", "Head", "LeftShoulder", "LeftElbow", "LeftWrist",
            "RightShoulder", "RightElbow", "RightWrist"),
    "daz": ("hip", "lThigh", "lShin", "lFoot", "rThigh", "rShin", "rFoot", "chest", "neck", "lCollar",
            "rCollar", "head", "lShldr", "lForeArm", "lHand", "rShldr", "rForeArm", "rHand"),
}
ROT = ("Zrotation", "Yrotation", "Xrotation")


def humanoid(variant: str, drop: str | None = None):
    """A small Y-up BVH figure facing +Z, its left at +X, with the variant's joint names."""
    n = dict(zip(ROLES, NAMES[variant]))

    def j(role, offset, children=(), end=None):
        return (n[role], offset, ROT, [c for c in children if c[0] != drop], end)

    def leg(side, sign):
        return j(f"{side}hip", (sign * 1.6, -1.8, 0), [j(f"{side}knee", (0, -7, 0), [
            j(f"{side}ankle", (0, -7, 0), end=(0, -0.5, 2))])])

    def arm(side, sign):
        return j(f"{side}collar", (sign * 0.5, 0, 0), [j(f"{side}shoulder", (sign * 3, 0.9, 0), [
            j(f"{side}elbow", (sign * 5, 0, 0), [j(f"{side}wrist", (sign * 3.4, 0, 0), end=(sign, 0, 0))])])])

    upper = j("spine", (0, 2, 0), [j("thorax", (0, 2, 0), [
        j("head", (0, 3, 0), end=(0, 1.6, 0)), arm("l", 1), arm("r", -1)])])
    root = j("root", (0, 0, 0), [leg("l", 1), leg("r", -1), upper])
    return (root[0], root[1], POS + ROT, root[3], None)


def joint_count(tree) -> int:
    return 1 + sum(joint_count(c) for c in tree[3])


def rows_for(tree, frames: int, tpose: int) -> np.ndarray:
    """Frames [0, tpose) are the rest pose (a T-pose); later ones move one unit per frame along
    +Z with every non-root joint turned by 10 deg about Z, Y and X."""
    rows = np.zeros((frames, 3 + 3 * joint_count(tree)))
    rows[:, 1] = 16.0
    rows[tpose:, 2] = np.arange(frames - tpose)  # one unit per frame forward
    rows[tpose:, 3 + 3:] = 10.0  # every non-root joint turned by 10 deg about Z, Y, X
    return rows


@pytest.mark.parametrize("variant, skip", [("mb", 1), ("raw", 0), ("max", 0), ("daz", 10)])
def test_leading_frames_that_are_not_capture_are_dropped(variant, skip):
    tree = humanoid(variant)
    rows = rows_for(tree, 24, skip)
    bvh = mocap.parse_bvh(bvh_text(tree, rows))
    poses = mocap.to_h36m(bvh, variant)
    assert mocap.VARIANTS[variant].skip == skip
    assert poses.shape == (24 - skip, 17, 3) and poses.dtype == torch.float32
    every = mocap.to_h36m(bvh, dataclasses.replace(mocap.VARIANTS[variant], skip=0))
    assert torch.equal(poses, every[skip:])  # the first kept frame is captured motion ...
    if skip:
        assert not torch.allclose(every[skip - 1], every[skip])  # ... the one before is the T-pose
    pelvis_forward = poses[:, 0, 1]  # world +y is BVH +Z
    np.testing.assert_allclose(np.diff(pelvis_forward), mocap.VARIANTS[variant].scale, rtol=1e-5)


@pytest.mark.parametrize("variant", list(mocap.VARIANTS))
def test_rest_pose_faces_plus_y_right_at_plus_x(variant):
    bvh = mocap.parse_bvh(bvh_text(humanoid(variant), rows_for(humanoid(variant), 12, 12)))
    pose = mocap.to_h36m(bvh, variant)[0]  # all frames are the rest pose
    right, left = [1, 2, 3, 14, 15, 16], [4, 5, 6, 11, 12, 13]
    assert (pose[right, 0] > 0).all() and (pose[left, 0] < 0).all()
    assert pose[10, 2] > pose[8, 2] > pose[7, 2] > pose[0, 2] > pose[2, 2] > pose[3, 2]
    assert np.linalg.det(mocap._AXES) == pytest.approx(1.0)  # a rotation: no mirror


def test_empty_frozen_and_glitched_frames_are_left_out():
    tree = humanoid("mb")
    rows = rows_for(tree, 520, 1)
    probe = mocap.parse_bvh(bvh_text(tree, rows[:2]))
    arm = probe.columns[probe.index("LeftArm")][0]  # its Zrotation column
    rows[1:3] = 0  # empty frames after the T-pose (as in 07_12, 09_10)
    rows[150:154] = rows[150]  # a dropout: 4 identical frames (as in 03_02)
    rows[300:330, arm] = 100.0  # the upper arm pops by 90 deg for 30 frames (as subject 5's leg)
    rows[480:] = rows[480]  # a held last frame (as in 06_02)
    bvh = mocap.parse_bvh(bvh_text(tree, rows), "held.bvh")
    # Pieces of 1 s (120 frames) or more: [3, 150) and [154, 300); [300, 330) is too short.
    assert mocap.capture_pieces(bvh, "mb", fps=120) == [(3, 150), (154, 300), (330, 480)]
    assert mocap.capture_pieces(bvh, "mb", fps=60) == [(3, 150), (154, 300), (330, 480)]  # 60 frames minimum
    rows[320:] = rows[320]
    with pytest.raises(ValueError, match=r"held\.bvh: expected at least 1.0 s of clean capture for variant 'mb', "
                                         r"got pieces of \[147, 146, 20\] frames"):
        mocap.capture_pieces(mocap.parse_bvh(bvh_text(tree, rows), "held.bvh"), "mb", fps=240)


def test_index_fps_wins_over_a_wrong_header(caplog):
    tree = humanoid("raw")
    text = bvh_text(tree, rows_for(tree, 121, 0), frame_time=0.033333)  # 120 fps file, header says 30
    with caplog.at_level(logging.WARNING, logger="ddhpose_lite.mocap"):
        (first, stop, clip), = mocap.convert_clip(text, "raw", fps=120, source="16_01.bvh")
    assert (first, stop) == (0, 121) and clip.shape == (51, 17, 3)  # 1 s at 50 fps: 120 fps used
    assert "header says 30.000 fps, using the given 120.000 fps" in caplog.text
    # No index: the header rules (0.033333 s: 120 intervals last 3.99996 s, so t = 4 s is out).
    assert mocap.convert_clip(text, "raw")[0][2].shape == (200, 17, 3)


# --- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("Frames: 3", "Frames: 5"), r"chain\.bvh, line 27: expected 5 motion rows \(Frames: 5\), got 3"),
    (lambda t: t.rsplit("\n", 2)[0] + "\n", r"chain\.bvh, line 26: expected 3 motion rows \(Frames: 3\), got 2"),
    (lambda t: t.replace("5 6 7 0 0 0 90 90", "5 6 7 0 0"), r"chain\.bvh, line 26: expected 8 channel values, got 5"),
    (lambda t: t.replace("5 6 7 0 0 0 90 90", "5 6 7 0 0 0 ninety 90"), r"chain\.bvh, line 26: expected numbers, got 'ninety'"),
    (lambda t: t.replace("CHANNELS 1 Zrotation", "CHANNELS 1 Wrotation"), r"chain\.bvh, line [0-9]+: joint 'A': expected channels among .*got 'Wrotation'"),
    (lambda t: t.replace("OFFSET 1 0 0", "OFFSET 1 zero 0", 1), r"chain\.bvh, line [0-9]+: expected a number for the OFFSET of A, got 'zero'"),
    (lambda t: t.replace("MOTION\n", ""), r"chain\.bvh: expected a MOTION section"),
    (lambda t: t.replace("Frame Time", "Frame Rate"), r"chain\.bvh, line [0-9]+: expected 'Frame Time: \.\.\.'"),
])
def test_bad_files_are_named(edit, message):
    text = bvh_text(CHAIN, [[0] * 8, [1] * 8, [5, 6, 7, 0, 0, 0, 90, 90]])
    with pytest.raises(ValueError, match=message):
        mocap.parse_bvh(edit(text), "chain.bvh")


@pytest.mark.parametrize("variant, message", [
    pytest.param("mb", "12_34.bvh: variant 'mb' needs joint 'RightForeArm' (for H36M RElbow), missing from the file",
                 id="mb"),
    pytest.param("daz", "12_34.bvh: variant 'daz' needs joint 'head' (for its point 'face'), missing from the file",
                 id="daz"),
    pytest.param("biped", "expected a variant among mb, raw, max, daz, got 'biped'", id="unknown-variant"),
])
def test_a_missing_mapped_joint_is_named_with_the_variant(variant, message):
    tree = humanoid("mb", drop="RightForeArm")
    text = bvh_text(tree, np.zeros((2, 3 + 3 * joint_count(tree))))
    bvh = mocap.parse_bvh(text, "12_34.bvh")
    with pytest.raises(ValueError, match=re.escape(message)):
        mocap.to_h36m(bvh, variant)


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: mocap.retarget(torch.zeros(17, 3), mocap.REFERENCE_LENGTHS),
                 r"expected poses_world of shape \[F, 17, 3\], got \[17, 3\]", id="retarget-one-pose"),
    pytest.param(lambda: mocap.retarget(torch.zeros(4, 17, 3), torch.ones(15)),
                 r"expected lengths of shape \[16, 1\] or \[16\], got \[15\]", id="retarget-15-lengths"),
    pytest.param(lambda: mocap.resample(torch.zeros(4, 17, 3), 0), "expected fps_in as a positive number, got 0",
                 id="resample-zero-fps"),
    pytest.param(lambda: mocap.load_clips("val"), "expected split among train, test, all, fit, holdout, got 'val'", id="split-val"),
    pytest.param(lambda: mocap.variant_of("x/02_01.bvh"),
                 r"expected a file in one of the folders .*, got 'x/02_01\.bvh'", id="unknown-folder"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- resampling and retargeting ---------------------------------------------------------------
def test_resample_is_linear_in_time():
    t = torch.arange(121, dtype=torch.float64) / 120  # 1 s at 120 fps
    poses = torch.stack([t, 2 * t + 1, t * t], -1)[:, None].expand(121, 17, 3)
    out = mocap.resample(poses, 120, 50)
    assert out.shape == (51, 17, 3)
    s = torch.arange(51, dtype=torch.float64) / 50
    np.testing.assert_allclose(out[:, 3, 0], s, atol=1e-12)  # linear motion is kept exactly
    np.testing.assert_allclose(out[:, 3, 1], 2 * s + 1, atol=1e-12)
    np.testing.assert_allclose(out[:, 3, 2], s * s, atol=1 / 120**2 / 4 + 1e-12)  # chord error bound
    assert isinstance(mocap.resample(poses.numpy(), 120, 50), np.ndarray)


def test_retarget_keeps_directions_sets_lengths_and_keeps_the_feet():
    clip = generate_motion("walk", 100, sample_subject(3, 0), seed=2).double()
    lengths = sample_subject(7, 1).bone_lengths.double()
    out = mocap.retarget(clip, lengths)
    assert out.shape == clip.shape and out.dtype == torch.float64
    old_lengths, old_dirs = disentangle(clip)
    new_lengths, new_dirs = disentangle(out)
    np.testing.assert_allclose(new_lengths, lengths.expand(100, 16, 1), atol=1e-12)
    np.testing.assert_allclose(new_dirs, old_dirs, atol=1e-12)
    np.testing.assert_allclose(out[:, [3, 6], 2].amin(-1), clip[:, [3, 6], 2].amin(-1), atol=1e-12)
    ratio = lengths[[1, 2, 4, 5]].sum() / old_lengths[:, [1, 2, 4, 5], 0].sum(-1).median()
    np.testing.assert_allclose(out[:, 0, :2] - out[0, 0, :2], ratio * (clip[:, 0, :2] - clip[0, 0, :2]), atol=1e-12)
    np.testing.assert_allclose(out[0, 0, :2], clip[0, 0, :2], atol=1e-12)
    same = mocap.retarget(clip.float(), old_lengths[0].float())  # its own body: nothing changes
    np.testing.assert_allclose(same, clip.float(), atol=1e-5)
    assert same.dtype == torch.float32


# --- the four variants on real files ------------------------------------------------------------
REAL = {"mb": "bvh_mb/02_01.bvh", "raw": "bvh_raw/16_01.bvh", "max": "bvh_max/131_01.bvh", "daz": "bvh_daz/12_01.bvh"}
TOES = {"mb": ("LeftToeBase", "RightToeBase"), "raw": ("ltoes", "rtoes"), "max": ("LeftToe", "RightToe"),
        "daz": ("lFoot_End", "rFoot_End")}


@lru_cache(maxsize=None)
def archive_members() -> dict:
    """index.csv and the REAL files, read in one pass over the xz stream."""
    wanted = {"index.csv", *REAL.values()}
    with tarfile.open(ARCHIVE, "r:xz") as tar:
        return {m.name: tar.extractfile(m).read().decode() for m in tar if m.name in wanted}


@lru_cache(maxsize=None)
def index_rows() -> dict:
    return {r["file"]: r for r in csv.DictReader(io.StringIO(archive_members()["index.csv"]))}


@needs_archive
@pytest.mark.parametrize("variant", list(REAL))
def test_real_file_maps_to_a_plausible_body(variant):
    name = REAL[variant]
    bvh = mocap.parse_bvh(archive_members()[name], name)
    assert mocap.variant_of(name) == variant and bvh.num_frames == int(index_rows()[name]["frames"])
    poses = mocap.to_h36m(bvh, variant).double()
    assert poses.shape == (bvh.num_frames - mocap.VARIANTS[variant].skip, 17, 3)
    assert torch.isfinite(poses).all()
    lengths = disentangle(poses)[0][..., 0].median(0).values
    thigh, shin = lengths[[1, 4]].mean(), lengths[[2, 5]].mean()
    upper, fore = lengths[[11, 14]].mean(), lengths[[12, 15]].mean()
    assert 0.75 < thigh / shin < 1.15  # measured 0.81 (the Daz figure) to 1.05
    assert 1.1 < upper / fore < 2.3  # CMU forearms are short: 1.19 (Daz) to 2.24 (subject 5)
    assert 0.35 < thigh < 0.5 and 0.2 < upper < 0.35
    stand = poses[0]  # every one of these clips starts standing
    assert stand[0, 2] > stand[[2, 5], 2].max() > stand[[2, 5], 2].min() > stand[[3, 6], 2].max()
    assert stand[10, 2] > stand[9, 2] > stand[8, 2] > stand[7, 2] > stand[0, 2]
    height = stand[10, 2] - stand[[3, 6], 2].min()
    assert 1.2 < height < 1.7, height
    # Left is left: the toes point forward, and right = forward x up.
    points = mocap.forward_kinematics(bvh)[mocap.VARIANTS[variant].skip] @ mocap._AXES.T
    toes = [bvh.index(t) for t in TOES[variant]]
    ankles = [bvh.index(a) for a in mocap.VARIANTS[variant].joints[6] + mocap.VARIANTS[variant].joints[3]]
    forward = (points[toes] - points[ankles]).mean(0) * [1, 1, 0]
    right = np.cross(forward, [0, 0, 1])
    for r, l in ((1, 4), (14, 11)):  # hips and shoulders (walking feet may cross the midline)
        assert float((stand[r] - stand[l]) @ torch.from_numpy(right)) > 0, (r, l)


# --- the shipped asset --------------------------------------------------------------------------
def test_subject_split_is_disjoint_and_covers_every_subject():
    assert not set(mocap.TRAIN_SUBJECTS) & set(mocap.TEST_SUBJECTS)
    assert len(mocap.TEST_SUBJECTS) == 3
    subjects = {c.subject for c in mocap.load_clips("all")}
    assert subjects == set(mocap.TRAIN_SUBJECTS) | set(mocap.TEST_SUBJECTS)


def test_fit_and_holdout_split_the_training_clips_by_subject():
    """Recipe experiments hold subjects 1 and 9 out: "fit" and "holdout" partition "train" by subject."""
    train, fit, holdout = ({(c.name, c.part): c for c in mocap.load_clips(s)} for s in ("train", "fit", "holdout"))
    assert mocap.HOLDOUT_SUBJECTS == (1, 9) and set(mocap.HOLDOUT_SUBJECTS) < set(mocap.TRAIN_SUBJECTS)
    assert fit.keys() | holdout.keys() == train.keys() and not fit.keys() & holdout.keys()
    assert {c.subject for c in holdout.values()} == {1, 9}
    assert {c.subject for c in fit.values()} == set(mocap.TRAIN_SUBJECTS) - {1, 9}
    assert sum(c.num_frames for c in holdout.values()) == 4648


@needs_archive
def test_asset_subjects_are_the_archives():
    assert {int(r["subject"]) for r in index_rows().values()} == {c.subject for c in mocap.load_clips("all")}


def test_asset_loads_with_the_promised_shapes_and_metadata():
    train, test, everything = (mocap.load_clips(s) for s in ("train", "test", "all"))
    assert len(train) + len(test) == len(everything) == 113  # 101 trials, 12 of them cut in 2-3 parts
    assert len({(c.name, c.part) for c in everything}) == 113 and len({c.name for c in everything}) == 101
    assert {c.subject for c in train} <= set(mocap.TRAIN_SUBJECTS)
    assert {c.subject for c in test} == set(mocap.TEST_SUBJECTS)
    frames = sum(c.num_frames for c in everything)
    assert 29_000 < frames < 29_800  # 71,463 frames at 120 fps, less the frames that are not capture
    for clip in everything:
        assert clip.poses_world.dtype == torch.float32 and clip.poses_world.shape[1:] == (17, 3)
        assert clip.fps == 50 and clip.name == f"{clip.subject:02d}_{clip.trial:02d}" and clip.description
        assert clip.variant in mocap.VARIANTS and clip.source.endswith(clip.name + ".bvh")
        first, stop = clip.source_frames
        assert clip.num_frames == (stop - first - 1) * 50 // 120 + 1 and first >= mocap.VARIANTS[clip.variant].skip
    meta = mocap.asset_metadata()
    assert meta["acknowledgement"] == mocap.ACKNOWLEDGEMENT == (
        "The data used in this project was obtained from mocap.cs.cmu.edu. "
        "The database was created with funding from NSF EIA-0196217.")
    assert "free for use in research and commercial projects worldwide" in meta["terms"]
    assert meta["fps"] == 50 and mocap.ASSET.stat().st_size < 4e6
    np.testing.assert_allclose(meta["reference_lengths"], mocap.REFERENCE_LENGTHS, rtol=1e-6)


def test_asset_clips_have_the_reference_body_and_stand_on_the_floor():
    reference = torch.tensor(mocap.REFERENCE_LENGTHS)
    lowest = {}
    for clip in mocap.load_clips("all"):
        lengths = disentangle(clip.poses_world.double())[0][..., 0]
        assert (lengths - reference).abs().max() < 0.002  # mm rounding of both ends of a bone
        lowest.setdefault(clip.name, []).append(clip.poses_world[:, [3, 6], 2].amin(-1).double())
        speed = (clip.poses_world[1:] - clip.poses_world[:-1]).norm(dim=-1) * clip.fps
        assert speed[:, 0].max() < 8 and speed.max() < 15, (clip.name, speed.max())  # no glitches left
    for name, parts in lowest.items():  # the floor: z = 0 at the planted ankle, per trial
        assert abs(float(np.percentile(torch.cat(parts).numpy(), mocap.FLOOR_PERCENTILE))) < 0.001, name


@needs_archive
def test_asset_matches_the_archive_within_the_rounding():
    name = REAL["raw"]
    clips = [c for c in mocap.load_clips("all") if c.source == name]
    fresh = mocap.convert_clip(archive_members()[name], "raw", float(index_rows()[name]["fps"]), name)
    assert len(fresh) == len(clips) == 1
    for clip, (first, stop, poses) in zip(clips, fresh):
        assert clip.source_frames == (first, stop) and poses.shape == clip.poses_world.shape
        assert (poses - clip.poses_world).abs().max() <= 0.0005 + 1e-6


def test_asset_writer_is_deterministic(tmp_path):
    spec = importlib.util.spec_from_file_location("build_mocap_asset", ROOT / "tools" / "build_mocap_asset.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    arrays = {"a": np.arange(10, dtype=np.int16), "s": np.array("text")}
    tool.write_npz(tmp_path / "x.npz", arrays)
    with zipfile.ZipFile(tmp_path / "x.npz") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    with np.load(tmp_path / "x.npz") as data:
        assert data["s"].item() == "text" and np.array_equal(data["a"], arrays["a"])
