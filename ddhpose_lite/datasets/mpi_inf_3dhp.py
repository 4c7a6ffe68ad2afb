"""MPI-INF-3DHP (files supplied by the user; data/README.md).

Two layouts: the official test annotations ``TSn/annot_data.mat`` (``load_mpi_inf_3dhp``), and
the npz files the official DDHPose code trains and tests on, ``data_train_3dhp_ori.npz`` and
``data_test_3dhp_ori.npz`` (``load_mpi_inf_3dhp_npz``; ``suffix=""`` reads the ``data_*_3dhp.npz``
files of P-STMO-style code instead). Ground truth defaults to ``annot3`` (camera coordinates, true
scale), as the official evaluation; ``univ_annot3`` is an option. Joints are reordered from the file order to
the slot order of ``skeleton.MPI_INF_3DHP`` (root first; ``skeleton.MPI_INF_3DHP_TO_H36M``).
"""
from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import torch

from ..camera import Camera, normalize_screen
from ..errors import InputKeyError, MissingInputError, UserInputError
from ..skeleton import mpi_inf_3dhp_to_h36m
from .clips import Sequence
from .h36m import README

__all__ = ["MPI_INF_3DHP_SEQUENCES", "MPI_INF_3DHP_IMAGE_SIZES", "MPI_INF_3DHP_SCENES", "MPI_INF_3DHP_CAMERAS",
           "CAMERA_CHOICES", "load_mpi_inf_3dhp", "load_mpi_inf_3dhp_npz"]

log = logging.getLogger(__name__)

MPI_INF_3DHP_SEQUENCES = ("TS1", "TS2", "TS3", "TS4", "TS5", "TS6")
MPI_INF_3DHP_IMAGE_SIZES = {
    "TS1": (2048, 2048), "TS2": (2048, 2048), "TS3": (2048, 2048), "TS4": (2048, 2048),
    "TS5": (1920, 1080), "TS6": (1920, 1080),
}
"""(width, height) in pixels of each test sequence: TS1-4 studio, TS5-6 outdoor."""

MPI_INF_3DHP_SCENES = {"studio, green screen": ("TS1", "TS2"), "studio, no green screen": ("TS3", "TS4"),
                       "outdoor": ("TS5", "TS6")}
"""The usual breakdown of 3DHP results by scene."""

# the official evaluation's intrinsics: focal length and principal-point offset in mm on a sensor
# of the given size (mm), converted to pixels as it does: f_px = f_mm * width / sensor_w,
# c_px = c_mm * width / sensor_w + width / 2 (and likewise in y)
_OFFICIAL_MM = {"studio": ((7.32506, 7.32506), (-0.0322884, 0.0929296), (10.0, 10.0)),
                "outdoor": ((8.770747185, 8.770747185), (-0.104908645, 0.104899704), (10.0, 5.625))}


def _pixels(name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    width, height = MPI_INF_3DHP_IMAGE_SIZES[name]
    focal, offset, sensor = _OFFICIAL_MM["outdoor" if name in ("TS5", "TS6") else "studio"]
    scale = (width / sensor[0], height / sensor[1])
    return ((focal[0] * scale[0], focal[1] * scale[1]),
            (offset[0] * scale[0] + width / 2, offset[1] * scale[1] + height / 2))


MPI_INF_3DHP_CAMERAS = {name: _pixels(name) for name in MPI_INF_3DHP_SEQUENCES}
"""name -> ((fx, fy), (cx, cy)) in pixels: the pinhole the official DDHPose evaluation projects
with for J-Agg (TS1-4 f = 1500.2 px, TS5-6 f = 1684.0 px, no distortion)."""

CAMERA_CHOICES = ("official", "fitted")
"""``load_mpi_inf_3dhp(camera=...)``: the official intrinsics, or a pinhole fitted to each file."""

TRAIN_IMAGE_SIZE = (2048, 2048)
"""The training sequences' cameras (the official code normalises all training 2D with it)."""

_LAYOUT_3DHP = (
    "MATLAB v7.3 (HDF5) with annot2 [N,1,17,2] px, annot3 / univ_annot3 [N,1,17,3] mm, "
    "valid_frame [N,1] (h5py shows each transposed)"
)


def _mat_joints(f, key: str, channels: int, path: Path) -> np.ndarray:
    """A [N, 1, 17, C] MATLAB array as read by h5py -> [N, 17, C] float64. h5py reverses MATLAB's
    axis order, so the file shows [C, 17, 1, N]; the documented [N, 1, 17, C] is accepted too."""
    if key not in f:
        raise InputKeyError(f"expected dataset {key!r} in {path} ({_LAYOUT_3DHP}), got {sorted(f.keys())}; {README}")
    array = np.asarray(f[key], dtype=np.float64)
    if array.ndim == 4 and array.shape[1] == 1 and array.shape[2:] == (17, channels):
        return array[:, 0]  # documented layout [N, 1, 17, C]
    if array.ndim == 4 and array.shape[:3] == (channels, 17, 1):
        return array.transpose(3, 2, 1, 0)[:, 0]  # h5py view of MATLAB's [N, 1, 17, C]
    raise UserInputError(
        f"expected {key!r} in {path} of shape [N, 1, 17, {channels}] (or [{channels}, 17, 1, N] as h5py "
        f"shows MATLAB arrays), got {list(array.shape)}; {README}"
    )


def _mat_vector(f, key: str, frames: int, path: Path) -> np.ndarray:
    if key not in f:
        raise InputKeyError(f"expected dataset {key!r} in {path} ({_LAYOUT_3DHP}), got {sorted(f.keys())}; {README}")
    array = np.asarray(f[key])
    if array.size != frames or sum(s != 1 for s in array.shape) > 1:
        raise UserInputError(
            f"expected {key!r} in {path} of shape [{frames}, 1] (or [1, {frames}]), got {list(array.shape)}; {README}"
        )
    return array.reshape(frames)


def _fit_intrinsics(points_camera: np.ndarray, pixels: np.ndarray):
    """Least-squares pinhole intrinsics u = f * X / Z + c per image axis, from 3D-2D pairs."""
    ratio = points_camera[..., :2] / points_camera[..., 2:]
    out = []
    for axis in range(2):
        design = np.stack([ratio[..., axis].ravel(), np.ones(ratio[..., axis].size)], 1)
        solution, *_ = np.linalg.lstsq(design, pixels[..., axis].ravel(), rcond=None)
        out.append(solution)
    (fx, cx), (fy, cy) = out
    return (fx, fy), (cx, cy), _residual(points_camera, pixels, (fx, fy), (cx, cy))


def _residual(points_camera: np.ndarray, pixels: np.ndarray, focal, center) -> float:
    """Mean pixel distance of the pinhole projection of ``points_camera`` to ``pixels``."""
    projected = np.asarray(focal) * points_camera[..., :2] / points_camera[..., 2:] + np.asarray(center)
    return float(np.sqrt(((pixels - projected) ** 2).sum(-1)).mean())


def load_mpi_inf_3dhp(
    data_dir="data/mpi_inf_3dhp",
    sequences=None,
    universal: bool = False,
    camera: str = "official",
) -> list[Sequence]:
    """The MPI-INF-3DHP test set, one ``Sequence`` per test sequence ``TSn/annot_data.mat``.

    ``sequences``: names among ``MPI_INF_3DHP_SEQUENCES`` (each must exist), or None for every
    one of them that is present in ``data_dir`` (at least one must be).

    Joints are reordered to the Human3.6M order (``skeleton.mpi_inf_3dhp_to_h36m``), 3D goes from
    mm to metres and is made root-relative (pelvis), and 2D is normalised with the sequence's
    resolution (``MPI_INF_3DHP_IMAGE_SIZES``). ``valid`` comes from ``valid_frame``: evaluate
    those frames only. Ground truth: ``annot3`` (camera coordinates, true scale), as the official
    DDHPose evaluation (its ``*_3dhp_ori.npz`` files); ``universal=True`` takes ``univ_annot3``
    (rescaled to the Human3.6M body height, as other papers report) instead.
    ``trajectory`` is always the pelvis of ``annot3`` (the true camera-frame position).
    ``camera`` (for J-Agg): "official", the pinhole of the official evaluation
    (``MPI_INF_3DHP_CAMERAS``), or "fitted", a pinhole fitted to the annot2/annot3 pairs of the
    valid frames; ``extra["reprojection_px"]`` holds the mean distance of annot3 projected with it
    to annot2. With ``universal=True`` the sequences carry no camera: universal-scale poses put
    back on the annot3 trajectory do not project onto the image, so there is no J-Agg.
    Non-finite values in frames marked invalid are replaced by 0; in valid frames they raise.
    ``extra["activity"]`` holds ``activity_annotation`` when present.
    """
    if camera not in CAMERA_CHOICES:
        raise UserInputError(f"expected camera as one of {CAMERA_CHOICES}, got {camera!r}")
    data_dir = Path(data_dir)
    if sequences is None:
        sequences = [n for n in MPI_INF_3DHP_SEQUENCES if (data_dir / n / "annot_data.mat").is_file()]
        if not sequences:
            raise MissingInputError(f"expected at least one of {data_dir}/TS1..TS6/annot_data.mat "
                                    f"({_LAYOUT_3DHP}), found none; {README}")
    if isinstance(sequences, str):
        sequences = [sequences]
    out = []
    for name in sequences:
        if name not in MPI_INF_3DHP_IMAGE_SIZES:
            raise UserInputError(f"expected test sequences among {list(MPI_INF_3DHP_SEQUENCES)}, got {name!r}")
        path = data_dir / name / "annot_data.mat"
        if not path.is_file():
            raise MissingInputError(f"expected {path} ({_LAYOUT_3DHP}); {README}")
        try:
            f = h5py.File(path, "r")
        except OSError as error:
            raise UserInputError(
                f"expected {path} to be a MATLAB v7.3 (HDF5) file ({_LAYOUT_3DHP}), h5py cannot open it: {error}; "
                f"{README}"
            ) from error
        with f:
            annot2 = _mat_joints(f, "annot2", 2, path)
            frames = annot2.shape[0]
            annot3 = _mat_joints(f, "annot3", 3, path)
            chosen = _mat_joints(f, "univ_annot3", 3, path) if universal else annot3
            for key, array in (("annot3", annot3), ("univ_annot3", chosen)):
                if array.shape[0] != frames:
                    raise UserInputError(
                        f"expected {key!r} in {path} with {frames} frames like annot2, got {array.shape[0]}; {README}"
                    )
            valid = _mat_vector(f, "valid_frame", frames, path).astype(bool)
            activity = _mat_vector(f, "activity_annotation", frames, path) if "activity_annotation" in f else None
        bad = ~(np.isfinite(annot2).all((1, 2)) & np.isfinite(annot3).all((1, 2)) & np.isfinite(chosen).all((1, 2)))
        if (bad & valid).any():
            raise UserInputError(
                f"expected finite annotations in the valid frames of {path}, got {int((bad & valid).sum())} "
                f"frames with NaN or infinite values"
            )
        annot2, annot3, chosen = (np.where(bad[:, None, None], 0.0, a) for a in (annot2, annot3, chosen))
        width, height = MPI_INF_3DHP_IMAGE_SIZES[name]
        kp = mpi_inf_3dhp_to_h36m(annot2)
        camera_m = mpi_inf_3dhp_to_h36m(annot3) / 1000.0  # mm -> m
        poses = mpi_inf_3dhp_to_h36m(chosen) / 1000.0
        lens = None
        extra = {"universal": universal}
        usable = valid & (camera_m[:, :, 2] > 1e-3).all(1)
        if camera == "official":
            focal, center = MPI_INF_3DHP_CAMERAS[name]
            lens = Camera(width, height, focal, center, name=f"{name} (official pinhole)")
            if usable.any():
                extra["reprojection_px"] = _residual(camera_m[usable], kp[usable], focal, center)
        elif usable.any():
            focal, center, residual = _fit_intrinsics(camera_m[usable], kp[usable])
            if min(focal) > 0:
                lens = Camera(width, height, focal, center, name=f"{name} (fitted pinhole)")
                extra["reprojection_px"] = residual
        if universal:
            lens = None
        if activity is not None:
            extra["activity"] = torch.from_numpy(activity.astype(np.int64))
        out.append(Sequence(
            keypoints_2d=normalize_screen(torch.from_numpy(kp), width, height).float(),
            poses_3d=torch.from_numpy(poses - poses[:, :1]).float(),
            subject=name, action="", camera=lens,
            trajectory=torch.from_numpy(camera_m[:, 0]).float(),
            valid=torch.from_numpy(valid), image_size=(width, height), extra=extra,
        ))
    log.info("loaded %d MPI-INF-3DHP test sequences from %s", len(out), data_dir)
    return out


_LAYOUT_NPZ = ("key 'data': a pickled dict; train: 'S1 Seq1' -> [ {camera: {'data_3d' [T, 17, 3], "
               "'data_2d' [T, 17, 2] px}} ]; test: 'TS1' -> {'data_3d', 'data_2d', 'valid' [T]}")


def load_mpi_inf_3dhp_npz(data_dir="data", split: str = "train", units: str = "auto",
                          suffix: str = "_ori") -> list[Sequence]:
    """MPI-INF-3DHP as the official DDHPose code reads it: ``data_dir/data_train_3dhp_ori.npz``
    (one Sequence per subject, sequence and camera) or ``data_dir/data_test_3dhp_ori.npz`` (one per
    TSn, with ``valid`` frames; its 3D is ``annot3``). ``suffix``: the file name's ending before
    ``.npz``; ``""`` reads ``data_{split}_3dhp.npz``, the files of P-STMO-style code.

    Joints in the 3DHP file order (pelvis at 14) are reordered to ``skeleton.MPI_INF_3DHP``'s
    slots and made root-relative; 2D is normalised by the image size as that code does (training
    cameras 2048 x 2048, test ``MPI_INF_3DHP_IMAGE_SIZES``). ``units``: the 3D unit of the file,
    "m", "mm", or "auto" (millimetres when the median pelvis-to-neck distance exceeds 10, as it is
    about 0.5 in metres). ``trajectory`` holds the pelvis; no camera is stored.
    """
    if split not in ("train", "test"):
        raise UserInputError(f"expected split 'train' or 'test', got {split!r}")
    if units not in ("auto", "m", "mm"):
        raise UserInputError(f"expected units 'auto', 'm' or 'mm', got {units!r}")
    path = Path(data_dir) / f"data_{split}_3dhp{suffix}.npz"
    if not path.is_file():
        others = sorted(p.name for p in Path(data_dir).glob(f"data_{split}_3dhp*.npz"))
        hint = f" (found {others}: choose one with suffix=...)" if others else ""
        raise MissingInputError(f"expected {path} ({_LAYOUT_NPZ}){hint}; {README}")
    archive = np.load(path, allow_pickle=True)
    if "data" not in archive.files:
        raise InputKeyError(f"expected key 'data' in {path} ({_LAYOUT_NPZ}), got keys {archive.files}; {README}")
    data = archive["data"]
    data = data.item() if data.dtype == object and data.shape == () else data
    if not isinstance(data, dict) or not data:
        raise UserInputError(f"expected {path}['data'] to hold a non-empty pickled dict ({_LAYOUT_NPZ}); {README}")
    recordings = []  # (name, camera, record)
    for name in sorted(data):
        if split == "test":
            recordings.append((str(name), None, data[name]))
            continue
        entry = data[name]
        cameras = entry[0] if isinstance(entry, (list, tuple)) and entry else entry
        if not isinstance(cameras, dict):
            raise UserInputError(f"expected {path}['data'][{name!r}] as [{{camera: record}}] ({_LAYOUT_NPZ}); {README}")
        recordings += [(str(name), camera, cameras[camera]) for camera in sorted(cameras)]
    scale = _unit_scale(recordings, units, path)
    out = []
    for name, camera, record in recordings:
        where = f"{path}['data'][{name!r}]" + ("" if camera is None else f"[0][{camera!r}]")
        for key in ("data_3d", "data_2d") + (("valid",) if split == "test" else ()):
            if not isinstance(record, dict) or key not in record:
                raise InputKeyError(f"expected key {key!r} in {where} ({_LAYOUT_NPZ}); {README}")
        poses, pixels = np.asarray(record["data_3d"], np.float64), np.asarray(record["data_2d"], np.float64)
        if poses.ndim != 3 or poses.shape[1:] != (17, 3) or pixels.shape != poses.shape[:2] + (2,):
            raise UserInputError(f"expected {where} data_3d [T, 17, 3] and data_2d [T, 17, 2], got "
                             f"{list(poses.shape)} and {list(pixels.shape)}; {README}")
        poses = mpi_inf_3dhp_to_h36m(poses) * scale
        size = MPI_INF_3DHP_IMAGE_SIZES.get(name, TRAIN_IMAGE_SIZE) if split == "test" else TRAIN_IMAGE_SIZE
        valid = None
        if split == "test":
            valid = torch.from_numpy(np.asarray(record["valid"]).reshape(-1).astype(bool))
            if valid.numel() != len(poses):
                raise UserInputError(f"expected {where}['valid'] with {len(poses)} frames, got {valid.numel()}; "
                                     f"{README}")
        subject, _, sequence = name.partition(" ")
        out.append(Sequence(
            keypoints_2d=normalize_screen(torch.from_numpy(mpi_inf_3dhp_to_h36m(pixels)), *size).float(),
            poses_3d=torch.from_numpy(poses - poses[:, :1]).float(), subject=subject,
            action=sequence, trajectory=torch.from_numpy(poses[:, 0]).float(), valid=valid, image_size=size,
            extra={"camera_index": camera, "source": path.name},
        ))
    log.info("loaded %d MPI-INF-3DHP %s sequences from %s", len(out), split, path)
    return out


def _unit_scale(recordings, units: str, path: Path) -> float:
    """Metres per file unit: 1 for "m", 0.001 for "mm", detected for "auto"."""
    if units != "auto":
        return 1.0 if units == "m" else 0.001
    poses = np.asarray(recordings[0][2]["data_3d"], np.float64)
    neck = np.linalg.norm(poses[:, 1] - poses[:, 14], axis=-1)  # file order: neck 1, pelvis 14
    median = float(np.median(neck[np.isfinite(neck)])) if np.isfinite(neck).any() else 0.0
    if median <= 0:
        raise UserInputError(f"expected poses in {path} to have a pelvis-to-neck distance, got none; {README}")
    return 0.001 if median > 10 else 1.0
