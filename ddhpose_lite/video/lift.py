"""Lifting a track: ``Lifter.lift`` per segment, after a virtual zoom to the training data's person
size (``zoomed``, ``TYPICAL_HEIGHT``); ``VideoLift`` holds the hypotheses and saves to NPZ;
``lift_video`` is the whole path from a video file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import metrics
from ..camera import normalize_screen
from ..lifter import Lifter, LiftResult, load_pretrained
from ..mocap import FPS
from .detector import Detections, detect_landmarks
from .files import _FORMAT, _load, _save
from .track import VideoTrack, video_keypoints

__all__ = ["TYPICAL_HEIGHT", "VideoLift", "lift_track", "zoomed", "lift_video"]

# ---------------------------------------------------------------- lifting


@dataclass
class VideoLift:
    """A lifted clip: the ``track`` and the 3D hypotheses ``poses`` [K, H, F, 17, 3] (DDIM
    iterations, hypotheses, frames; root-relative metres in the camera frame; float32)."""

    track: VideoTrack
    poses: np.ndarray

    @property
    def hypotheses(self) -> np.ndarray:
        """The final hypotheses [H, F, 17, 3]."""
        return self.poses[-1]

    @property
    def aggregate(self) -> np.ndarray:
        """P-Agg of the final hypotheses, [F, 17, 3] (their mean; ``metrics.p_agg``)."""
        return metrics.p_agg(torch.from_numpy(self.poses[-1])).numpy()

    def uncertainty(self) -> np.ndarray:
        """Per joint and frame, the final hypotheses' mean distance to their mean, [F, 17] metres."""
        return self.result().uncertainty()

    def result(self) -> LiftResult:
        """As a ``LiftResult`` (keypoints in normalised screen coordinates), e.g. for
        ``widgets.hypothesis_scrubber``."""
        w, h = self.track.image_size
        return LiftResult(self.poses, normalize_screen(self.track.keypoints, w, h).astype(np.float32), (w, h))

    def save(self, path) -> Path:
        """An NPZ file: keypoints_2d (pixels), confidence, times, segment, source_frame, poses
        [K, H, F, 17, 3], hypotheses (the last iteration), aggregate (P-Agg) and the facts."""
        t = self.track
        meta = dict(format=_FORMAT, kind="lift", fps=t.fps, image_size=list(t.image_size), source=t.source,
                    dropped=[list(d) for d in t.dropped], min_visibility=t.min_visibility, layout="h36m17",
                    units="keypoints_2d: pixels; poses: m")
        return _save(path, meta, keypoints_2d=t.keypoints, confidence=t.confidence, times=t.times,
                     segment=t.segment, source_frame=t.source_frame, poses=self.poses, hypotheses=self.hypotheses,
                     aggregate=self.aggregate)

    @classmethod
    def load(cls, path) -> "VideoLift":
        meta, a = _load(path, "lift")
        track = VideoTrack(a["keypoints_2d"], a["confidence"], a["times"], a["segment"], a["source_frame"],
                           tuple(meta["image_size"]), meta["fps"], [tuple(d) for d in meta["dropped"]], meta["source"],
                           meta["min_visibility"])
        return cls(track, a["poses"])


def lift_track(track: VideoTrack, lifter: Lifter | None = None, hypotheses: int = 5, iterations: int = 5,
               seed: int = 0, zoom: bool = True, progress: bool = False) -> VideoLift:
    """``Lifter.lift`` on each segment of a track -> VideoLift. Default lifter: the shipped
    checkpoint (``load_pretrained``).

    ``zoom``: show the model each segment as a virtual camera with a longer (or shorter) lens
    would, i.e. its normalised keypoints scaled about their mean centre so that the person's
    median height is ``TYPICAL_HEIGHT``, the median of the training data. A person far away
    (small in the frame) otherwise looks to the model like a small person near the camera: on
    the sample clip (people about 9 % of the image width tall) the lifted thighs are 0.25 m
    without the zoom and 0.36 m with it. The track and ``VideoLift.result()`` keep the real keypoints.
    """
    lifter = lifter or load_pretrained()
    if abs(track.fps - FPS) > 1e-6:
        raise ValueError(f"expected a track at the model's {FPS} fps, got {track.fps} fps")
    w, h = track.image_size
    screen = normalize_screen(track.keypoints.astype(np.float64), w, h)
    parts = []
    for part in tqdm(track.segments(), desc="lifting", unit="segment", disable=not progress):
        keypoints = screen[part]
        if zoom:
            keypoints = zoomed(keypoints)
        lifted = lifter.lift(torch.from_numpy(keypoints).float(), hypotheses, iterations, seed)
        parts.append(lifted.poses.numpy())
    return VideoLift(track, np.concatenate(parts, axis=2).astype(np.float32))


TYPICAL_HEIGHT = 0.24
"""The median height of the people the shipped model was trained on, as a fraction of the image
width (``datasets.person_scale`` over ``datasets.mixed_sequences("train")``)."""


def zoomed(keypoints: np.ndarray, height: float = TYPICAL_HEIGHT) -> np.ndarray:
    """Normalised keypoints [F, J, 2] scaled about their mean bounding-box centre so that the
    person's median height (bounding box, fraction of the image width) is ``height``."""
    extent = keypoints.max(1) - keypoints.min(1)  # [F, 2]
    median = float(np.median(extent[:, 1] / 2))
    if not median > 0:
        raise ValueError("expected a person with some height in the keypoints, got all joints at one height")
    centre = ((keypoints.max(1) + keypoints.min(1)) / 2).mean(0)
    return (keypoints - centre) * (height / median) + centre


def lift_video(path, lifter: Lifter | None = None, start: float = 0.0, seconds: float | None = 10.0, box="auto",
               hypotheses: int = 5, iterations: int = 5, seed: int = 0,
               progress: bool = True, person: int | None = None,
               rotation: int | None = None) -> tuple[Detections, VideoLift]:
    """The whole path: ``detect_landmarks`` -> ``video_keypoints`` -> ``lift_track`` (``box``,
    ``person``, ``rotation`` as in ``detect_landmarks``)."""
    detections = detect_landmarks(path, start, seconds, box, progress=progress, person=person, rotation=rotation)
    lifted = lift_track(video_keypoints(detections), lifter, hypotheses, iterations, seed, progress=progress)
    return detections, lifted
