"""MPI-INF-3DHP (files supplied by the user; data/README.md): the test set ``TSn/annot_data.mat``.

Joints are reordered from the file order to the slot order of ``skeleton.MPI_INF_3DHP`` (root
first), which lines up with Human3.6M's (``skeleton.MPI_INF_3DHP_TO_H36M``).
"""
from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import torch

from ..camera import Camera, normalize_screen
from ..skeleton import mpi_inf_3dhp_to_h36m
from .clips import Sequence
from .h36m import README

__all__ = ["MPI_INF_3DHP_SEQUENCES", "MPI_INF_3DHP_IMAGE_SIZES", "load_mpi_inf_3dhp"]

log = logging.getLogger(__name__)

MPI_INF_3DHP_SEQUENCES = ("TS1", "TS2", "TS3", "TS4", "TS5", "TS6")
MPI_INF_3DHP_IMAGE_SIZES = {
    "TS1": (2048, 2048), "TS2": (2048, 2048), "TS3": (2048, 2048), "TS4": (2048, 2048),
    "TS5": (1920, 1080), "TS6": (1920, 1080),
}
"""(width, height) in pixels of each test sequence: TS1-4 studio, TS5-6 outdoor."""

_LAYOUT_3DHP = (
    "MATLAB v7.3 (HDF5) with annot2 [N,1,17,2] px, annot3 / univ_annot3 [N,1,17,3] mm, "
    "valid_frame [N,1] (h5py shows each transposed)"
)


def _mat_joints(f, key: str, channels: int, path: Path) -> np.ndarray:
    """A [N, 1, 17, C] MATLAB array as read by h5py -> [N, 17, C] float64. h5py reverses MATLAB's
    axis order, so the file shows [C, 17, 1, N]; the documented [N, 1, 17, C] is accepted too."""
    if key not in f:
        raise KeyError(f"expected dataset {key!r} in {path} ({_LAYOUT_3DHP}), got {sorted(f.keys())}; {README}")
    array = np.asarray(f[key], dtype=np.float64)
    if array.ndim == 4 and array.shape[1] == 1 and array.shape[2:] == (17, channels):
        return array[:, 0]  # documented layout [N, 1, 17, C]
    if array.ndim == 4 and array.shape[:3] == (channels, 17, 1):
        return array.transpose(3, 2, 1, 0)[:, 0]  # h5py view of MATLAB's [N, 1, 17, C]
    raise ValueError(
        f"expected {key!r} in {path} of shape [N, 1, 17, {channels}] (or [{channels}, 17, 1, N] as h5py "
        f"shows MATLAB arrays), got {list(array.shape)}; {README}"
    )


def _mat_vector(f, key: str, frames: int, path: Path) -> np.ndarray:
    if key not in f:
        raise KeyError(f"expected dataset {key!r} in {path} ({_LAYOUT_3DHP}), got {sorted(f.keys())}; {README}")
    array = np.asarray(f[key])
    if array.size != frames or sum(s != 1 for s in array.shape) > 1:
        raise ValueError(
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
    residual = pixels - (np.stack([fx, fy]) * ratio + np.stack([cx, cy]))
    return (fx, fy), (cx, cy), float(np.sqrt((residual ** 2).sum(-1)).mean())


def load_mpi_inf_3dhp(
    data_dir="data/mpi_inf_3dhp",
    sequences=MPI_INF_3DHP_SEQUENCES,
    universal: bool = True,
) -> list[Sequence]:
    """The MPI-INF-3DHP test set, one ``Sequence`` per test sequence ``TSn/annot_data.mat``.

    Joints are reordered to the Human3.6M order (``skeleton.mpi_inf_3dhp_to_h36m``), 3D goes from
    mm to metres and is made root-relative (pelvis), and 2D is normalised with the sequence's
    resolution (``MPI_INF_3DHP_IMAGE_SIZES``). ``valid`` comes from ``valid_frame``: evaluate
    those frames only. ``universal``: 3D from ``univ_annot3`` (rescaled to the Human3.6M body
    height; what 3DHP results are usually reported on) rather than ``annot3``.
    ``trajectory`` is always the pelvis of ``annot3`` (the true camera-frame position), and
    ``camera`` is a pinhole fitted to the annot2/annot3 pairs of the valid frames
    (``extra["reprojection_px"]`` holds its mean residual) since the files carry no calibration.
    Non-finite values in frames marked invalid are replaced by 0; in valid frames they raise.
    ``extra["activity"]`` holds ``activity_annotation`` when present.
    """
    data_dir = Path(data_dir)
    if isinstance(sequences, str):
        sequences = [sequences]
    out = []
    for name in sequences:
        if name not in MPI_INF_3DHP_IMAGE_SIZES:
            raise ValueError(f"expected test sequences among {list(MPI_INF_3DHP_SEQUENCES)}, got {name!r}")
        path = data_dir / name / "annot_data.mat"
        if not path.is_file():
            raise FileNotFoundError(f"expected {path} ({_LAYOUT_3DHP}); {README}")
        try:
            f = h5py.File(path, "r")
        except OSError as error:
            raise ValueError(
                f"expected {path} to be a MATLAB v7.3 (HDF5) file ({_LAYOUT_3DHP}), h5py cannot open it: {error}; {README}"
            ) from error
        with f:
            annot2 = _mat_joints(f, "annot2", 2, path)
            frames = annot2.shape[0]
            annot3 = _mat_joints(f, "annot3", 3, path)
            chosen = _mat_joints(f, "univ_annot3", 3, path) if universal else annot3
            for key, array in (("annot3", annot3), ("univ_annot3", chosen)):
                if array.shape[0] != frames:
                    raise ValueError(
                        f"expected {key!r} in {path} with {frames} frames like annot2, got {array.shape[0]}; {README}"
                    )
            valid = _mat_vector(f, "valid_frame", frames, path).astype(bool)
            activity = _mat_vector(f, "activity_annotation", frames, path) if "activity_annotation" in f else None
        bad = ~(np.isfinite(annot2).all((1, 2)) & np.isfinite(annot3).all((1, 2)) & np.isfinite(chosen).all((1, 2)))
        if (bad & valid).any():
            raise ValueError(
                f"expected finite annotations in the valid frames of {path}, got {int((bad & valid).sum())} "
                f"frames with NaN or infinite values"
            )
        annot2, annot3, chosen = (np.where(bad[:, None, None], 0.0, a) for a in (annot2, annot3, chosen))
        width, height = MPI_INF_3DHP_IMAGE_SIZES[name]
        kp = mpi_inf_3dhp_to_h36m(annot2)
        camera_m = mpi_inf_3dhp_to_h36m(annot3) / 1000.0  # mm -> m
        poses = mpi_inf_3dhp_to_h36m(chosen) / 1000.0
        camera = None
        extra = {"universal": universal}
        usable = valid & (camera_m[:, :, 2] > 1e-3).all(1)
        if usable.any():
            focal, center, residual = _fit_intrinsics(camera_m[usable], kp[usable])
            if min(focal) > 0:
                camera = Camera(width, height, focal, center, name=f"{name} (fitted pinhole)")
                extra["reprojection_px"] = residual
        if activity is not None:
            extra["activity"] = torch.from_numpy(activity.astype(np.int64))
        out.append(Sequence(
            keypoints_2d=normalize_screen(torch.from_numpy(kp), width, height).float(),
            poses_3d=torch.from_numpy(poses - poses[:, :1]).float(),
            subject=name, action="", camera=camera,
            trajectory=torch.from_numpy(camera_m[:, 0]).float(),
            valid=torch.from_numpy(valid), image_size=(width, height), extra=extra,
        ))
    log.info("loaded %d MPI-INF-3DHP test sequences from %s", len(out), data_dir)
    return out
