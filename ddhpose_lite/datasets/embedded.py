"""The embedded data: 3D motion made or shipped by the package, filmed by random cameras.

``film`` turns world poses into what a 2D detector and a lifter see: a random camera aimed at
the area the person moves in (``camera.random_camera``), camera-frame poses, projected 2D
keypoints in normalised screen coordinates with detector-like noise (``keypoints.detector_noise``).
``synthetic_sequences`` films procedural motion (``synthetic.synthetic_motion``).
"""
from __future__ import annotations

import logging

import torch

from .._tensors import check_number, numpy_rng, single_thread
from ..camera import normalize_screen, project, random_camera, world_to_camera
from ..keypoints import detector_noise
from ..synthetic import ACTIONS, synthetic_motion
from .clips import Sequence

__all__ = ["film", "synthetic_sequences"]

log = logging.getLogger(__name__)


def film(poses_world, seed, *, subject_height: float | None = None, noise_2d: float = 0.0,
         outliers: float = 0.0, distortion: bool = False, **sequence_fields) -> Sequence:
    """World poses [F, 17, 3] (metres, z-up) seen by one random camera -> a ``Sequence``.

    The camera is aimed at the area the pelvis moves in and placed so a person of
    ``subject_height`` (default: estimated from the poses) fits the image. ``seed`` (int) fixes
    the camera and, on a separate stream, the 2D noise: ``noise_2d`` px (1 sigma; 2-5 px is
    CPN-like on 1000 px images), ``outliers`` the probability per joint and frame of a gross
    error. ``sequence_fields`` (subject, action, extra) go into the Sequence.
    """
    noise_2d = check_number(noise_2d, "noise_2d", low=0)
    outliers = check_number(outliers, "outliers", low=0, high=1)
    world = poses_world.double()
    pelvis = world[:, 0, :2]
    centre = (pelvis.amax(0) + pelvis.amin(0)) / 2
    extent = float((pelvis - centre).norm(dim=-1).max())
    if subject_height is None:
        subject_height = max(1.0, float((world[..., 2].amax(-1) - world[..., 2].amin(-1)).max()) * 1.1)
    camera = random_camera(numpy_rng(seed, 1), target=tuple(centre.tolist()), subject_height=subject_height,
                           extent=extent, distortion=distortion)
    poses_camera = world_to_camera(world, camera)
    pixels = detector_noise(project(poses_camera, camera), noise_2d, outliers, numpy_rng(seed, 2))
    root = poses_camera[:, :1]
    return Sequence(
        keypoints_2d=normalize_screen(pixels, camera.res_w, camera.res_h).float(),
        poses_3d=(poses_camera - root).float(), camera=camera, trajectory=root[:, 0].float(),
        image_size=(camera.res_w, camera.res_h), **sequence_fields,
    )


def synthetic_sequences(split: str = "train", frames: int = 50_000, seed: int = 0, *, noise_2d: float = 0.0,
                        outliers: float = 0.0, distortion: bool = False, **motion_options) -> list[Sequence]:
    """The embedded procedural dataset: ``synthetic_motion(split, frames, seed)`` filmed by a
    random camera per sequence (``film``). ``extra`` holds the per-frame action ``labels``
    (indices into ``synthetic.ACTIONS``), the subject id and the world poses."""
    motions = synthetic_motion(split, frames, seed, **motion_options)
    sequences = []
    with single_thread():
        for motion in motions:
            sequences.append(film(
                motion.poses_world, motion.seed, subject_height=motion.subject.height, noise_2d=noise_2d,
                outliers=outliers, distortion=distortion, subject=f"synthetic-{motion.subject.id}",
                action="+".join(motion.action_names),
                extra={"labels": motion.labels, "actions": ACTIONS, "poses_world": motion.poses_world},
            ))
    log.debug("synthetic %s split: %d sequences, %d frames", split, len(sequences), frames)
    return sequences
