"""The embedded data: 3D motion made or shipped by the package, filmed by random cameras.

``film`` turns world poses into what a 2D detector and a lifter see: a random camera aimed at
the area the person moves in (``camera.random_camera``), camera-frame poses, projected 2D
keypoints in normalised screen coordinates with detector-like noise (``keypoints.detector_noise``).
``synthetic_sequences`` films procedural motion (``synthetic.synthetic_motion``),
``mocap_sequences`` the captured CMU clips (``mocap.load_clips``) on random bodies, and
``mixed_sequences`` both: the default training data (``DATA_SOURCES``).
"""
from __future__ import annotations

import dataclasses
import logging

import torch

from .._tensors import check_int, check_number, numpy_rng, single_thread
from ..camera import normalize_screen, project, random_camera, turned, world_to_camera
from ..keypoints import detector_noise, moved_hips
from ..skeleton import H36M
from ..mocap import FPS, load_clips, resample, retarget
from ..synthetic import ACTIONS, TEST_SUBJECTS, TRAIN_SUBJECTS, sample_subject, synthetic_motion
from .clips import Sequence

__all__ = ["film", "with_moved_hips", "synthetic_sequences", "mocap_sequences", "mixed_sequences", "embedded_sequences",
           "DATA_SOURCES", "CAPTURED_SHARE"]

DATA_SOURCES = ("synthetic", "mocap", "mix")
"""The embedded training and test data: procedural motion, captured motion, or both."""

CAPTURED_SHARE = 0.5
"""In ``mixed_sequences``, the share of frames that comes from captured motion. Half: the
captured clips teach real human timing and poses, the procedural half covers what the capture
lacks (lying, kneeling, crawling, inverted bodies, any orientation); docs/data.md."""

log = logging.getLogger(__name__)


def film(poses_world, seed, *, subject_height: float | None = None, noise_2d: float = 0.0,
         outliers: float = 0.0, distortion: bool = False, hip_jitter: float = 0.0, **sequence_fields) -> Sequence:
    """World poses [F, 17, 3] (metres, z-up) seen by one random camera -> a ``Sequence``.

    The camera is aimed at the area the pelvis moves in and placed so a person of
    ``subject_height`` (default: estimated from the poses) fits the image, then turned so that the
    person lands anywhere in the frame (``_placed_anywhere``). ``seed`` (int) fixes
    the camera and, on a separate stream, the 2D noise: ``noise_2d`` px (1 sigma; 2-5 px is
    CPN-like on 1000 px images), ``outliers`` the probability per joint and frame of a gross
    error. ``hip_jitter`` (metres, 1 sigma; ours, docs/recipe.md): the 2D hips of the whole sequence
    are those of hips moved out and up by one draw each (``keypoints.moved_hips``) and the 2D pelvis
    their midpoint, as a detector's; the 3D poses keep the true hips. ``sequence_fields`` (subject,
    action, extra) go into the Sequence.
    """
    noise_2d = check_number(noise_2d, "noise_2d", low=0)
    hip_jitter = check_number(hip_jitter, "hip_jitter", low=0)
    outliers = check_number(outliers, "outliers", low=0, high=1)
    world = poses_world.double()
    pelvis = world[:, 0, :2]
    centre = (pelvis.amax(0) + pelvis.amin(0)) / 2
    extent = float((pelvis - centre).norm(dim=-1).max())
    if subject_height is None:
        subject_height = max(1.0, float((world[..., 2].amax(-1) - world[..., 2].amin(-1)).max()) * 1.1)
    camera = random_camera(numpy_rng(seed, 1), target=tuple(centre.tolist()), subject_height=subject_height,
                           extent=extent, distortion=distortion)
    camera = _placed_anywhere(camera, world, numpy_rng(seed, 3))
    poses_camera = world_to_camera(world, camera)
    pixels = project(poses_camera, camera)
    if hip_jitter:
        out, up = numpy_rng(seed, 5).normal(0.0, hip_jitter, 2)
        hips = [H36M.index("RHip"), H36M.index("LHip")]
        pixels[:, hips] = project(moved_hips(poses_camera, out, up), camera)[:, hips]
        pixels[:, H36M.index("Pelvis")] = pixels[:, hips].mean(1)
    pixels = detector_noise(pixels, noise_2d, outliers, numpy_rng(seed, 2))
    root = poses_camera[:, :1]
    return Sequence(
        keypoints_2d=normalize_screen(pixels, camera.res_w, camera.res_h).float(),
        poses_3d=(poses_camera - root).float(), camera=camera, trajectory=root[:, 0].float(),
        image_size=(camera.res_w, camera.res_h), **sequence_fields,
    )


def with_moved_hips(sequence: Sequence, out: float, up: float) -> Sequence:
    """A filmed sequence whose 2D hips are the clean projections of hips moved ``out`` and ``up``
    metres (``keypoints.moved_hips``) and whose 2D pelvis is their midpoint, as a detector's; the 3D
    and every other 2D joint stay. Needs the sequence's camera and trajectory (``film`` keeps both)."""
    if sequence.camera is None or sequence.trajectory is None:
        raise ValueError("expected a filmed sequence with its camera and trajectory, got "
                         f"camera {type(sequence.camera).__name__} and trajectory {type(sequence.trajectory).__name__}")
    points = moved_hips(sequence.poses_3d.double() + sequence.trajectory.double()[:, None], out, up)
    camera = sequence.camera
    screen = normalize_screen(project(points, camera), camera.res_w, camera.res_h)
    hips = [H36M.index("RHip"), H36M.index("LHip")]
    keypoints = sequence.keypoints_2d.clone()
    keypoints[:, hips] = screen[:, hips].to(keypoints.dtype)
    keypoints[:, H36M.index("Pelvis")] = keypoints[:, hips].mean(1)
    return dataclasses.replace(sequence, keypoints_2d=keypoints)


def _placed_anywhere(camera, world, rng):
    """The camera turned so that the person's box (over the whole clip) lands at a random place
    that keeps it inside the image: people are seen anywhere in the frame, not only centred
    (``camera.turned``). The camera stays as it is when the box does not fit."""
    pixels = project(world_to_camera(world, camera), camera).reshape(-1, 2)
    low, high = pixels.amin(0), pixels.amax(0)
    size = torch.tensor([camera.res_w, camera.res_h], dtype=pixels.dtype)
    room_low, room_high = -low, size - high  # shifts that keep the box inside
    if bool((room_low > room_high).any()) or bool((room_low > 0).any()) or bool((room_high < 0).any()):
        return camera
    dx, dy = (float(rng.uniform(a, b)) for a, b in zip(room_low.tolist(), room_high.tolist()))
    moved = turned(camera, dx, dy)
    pixels = project(world_to_camera(world, moved), moved).reshape(-1, 2)
    inside = bool((pixels.amin(0) >= 0).all()) and bool((pixels.amax(0) <= size).all())
    return moved if inside else camera


PROCEDURAL_SPLIT = {"fit": "train", "holdout": "train"}
"""The procedural population of the captured-only splits of recipe experiments (``mocap.SPLITS``)."""


def synthetic_sequences(split: str = "train", frames: int = 50_000, seed: int = 0, *, noise_2d: float = 0.0,
                        outliers: float = 0.0, distortion: bool = False, hip_jitter: float = 0.0,
                        **motion_options) -> list[Sequence]:
    """The embedded procedural dataset: ``synthetic_motion(split, frames, seed)`` filmed by a
    random camera per sequence (``film``). ``extra`` holds the per-frame action ``labels``
    (indices into ``synthetic.ACTIONS``), the subject id and the world poses."""
    motions = synthetic_motion(PROCEDURAL_SPLIT.get(split, split), frames, seed, **motion_options)
    sequences = []
    with single_thread():
        for motion in motions:
            sequences.append(film(
                motion.poses_world, motion.seed, subject_height=motion.subject.height, noise_2d=noise_2d,
                outliers=outliers, distortion=distortion, hip_jitter=hip_jitter, subject=f"synthetic-{motion.subject.id}",
                action="+".join(motion.action_names),
                extra={"labels": motion.labels, "actions": ACTIONS, "poses_world": motion.poses_world},
            ))
    log.debug("synthetic %s split: %d sequences, %d frames", split, len(sequences), frames)
    return sequences


def mocap_sequences(split: str = "train", seed: int = 0, *, frames: int | None = None, noise_2d: float = 0.0,
                    outliers: float = 0.0, distortion: bool = False, hip_jitter: float = 0.0,
                    speed_jitter: float = 0.0) -> list[Sequence]:
    """The shipped captured clips of ``split`` (CMU subjects; ``mocap.load_clips``), each on a
    random body and seen by its own random camera (``film``).

    Bodies come from the procedural population of the same split (``synthetic.sample_subject``
    with train or test subject ids), so neither the capture's proportions nor a test body is
    learned. ``frames`` (default: every clip once) takes the clips in a seeded random order and
    cycles through them, each pass with new bodies and cameras, until that many frames are
    filmed (the last clip is cut to fit). ``speed_jitter`` S (ours, docs/recipe.md): each clip is
    played at a speed drawn uniformly from [1 - S, 1 + S] (``mocap.resample``), before its body.
    Splits "fit" and "holdout" (recipe experiments, ``mocap.HOLDOUT_SUBJECTS``) take training bodies.
    """
    clips = load_clips(split)
    speed_jitter = check_number(speed_jitter, "speed_jitter", low=0, high=0.9)
    bodies = {"test": TEST_SUBJECTS, "all": TRAIN_SUBJECTS + TEST_SUBJECTS}.get(split, TRAIN_SUBJECTS)
    total = sum(c.num_frames for c in clips) if frames is None else check_int(frames, "frames", low=1)
    rng = numpy_rng(seed, 3 if split in ("train", "fit") else 4, 29)
    sequences, filmed = [], 0
    with single_thread():
        while filmed < total:
            for index in rng.permutation(len(clips)):
                clip = clips[int(index)]
                poses = clip.poses_world
                if speed_jitter:
                    poses = resample(poses, FPS * rng.uniform(1 - speed_jitter, 1 + speed_jitter), FPS)
                take = min(len(poses), total - filmed)
                body = sample_subject(int(rng.choice(bodies)), seed)
                world = retarget(poses[:take], body.bone_lengths)
                sequences.append(film(
                    world, int(rng.integers(2**62)), subject_height=body.height, noise_2d=noise_2d,
                    outliers=outliers, distortion=distortion, hip_jitter=hip_jitter, subject=f"cmu-{clip.subject}",
                    action=clip.description, extra={"poses_world": world, "clip": clip.name, "body": body.id},
                ))
                filmed += take
                if filmed >= total:
                    break
            if frames is None:  # every clip once, at whatever speed it was played
                break
    log.debug("mocap %s split: %d sequences, %d frames", split, len(sequences), filmed)
    return sequences


def mixed_sequences(split: str = "train", frames: int = 50_000, seed: int = 0, *,
                    captured: float = CAPTURED_SHARE, speed_jitter: float = 0.0, **film_options) -> list[Sequence]:
    """``frames`` frames of both: ``captured`` of them from ``mocap_sequences`` (its clips played at
    a jittered speed with ``speed_jitter``) and the rest from ``synthetic_sequences`` of the same
    split, filmed alike (``film_options``)."""
    check_number(captured, "captured", low=0, high=1)
    check_int(frames, "frames", low=1)
    from_capture = round(captured * frames)
    out = (mocap_sequences(split, seed, frames=from_capture, speed_jitter=speed_jitter, **film_options)
           if from_capture else [])
    if frames - from_capture:
        out += synthetic_sequences(split, frames - from_capture, seed, **film_options)
    return out


def embedded_sequences(data: str, split: str = "train", frames: int = 50_000, seed: int = 0,
                       **film_options) -> list[Sequence]:
    """One of ``DATA_SOURCES`` by name: ``frames`` frames of it (for "mocap", every clip once
    when the split has fewer frames than asked)."""
    if data == "synthetic":
        return synthetic_sequences(split, frames, seed, **film_options)
    if data == "mocap":
        return mocap_sequences(split, seed, frames=frames, **film_options)
    if data == "mix":
        return mixed_sequences(split, frames, seed, **film_options)
    raise ValueError(f"expected data as one of {DATA_SOURCES}, got {data!r}")
