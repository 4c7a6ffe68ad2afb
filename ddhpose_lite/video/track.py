"""Detections -> the keypoints the lifter reads: MediaPipe's 33 landmarks -> Human3.6M-17, short
gaps filled in, long ones cut into segments, each segment resampled to the model's 50 fps and
smoothed in time (``VideoTrack``, ``video_keypoints``)."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._tensors import check_number
from ..keypoints import mediapipe_to_h36m, smooth_in_time
from ..mocap import FPS, resample
from .detector import Detections

__all__ = ["SMOOTH", "VideoTrack", "video_keypoints"]

SMOOTH = 0.04
"""Temporal smoothing of a track: a Gaussian of 40 ms (2 frames at 50 fps), on top of MediaPipe's
own landmark filter. Measured with ``benchmarks/smoothing.py`` (captured test people, detector-like
noise, H = K = 1): it costs 0.1 mm MPJPE on clean 2D and saves 0.6, 3 and 9 mm at 3, 8 and 15 px
of noise; twice as much (80 ms) saves 2 mm more at 15 px but costs 0.6 mm on clean 2D."""


# ---------------------------------------------------------------- detections -> keypoints at 50 fps


@dataclass
class VideoTrack:
    """The keypoints the lifter reads: Human3.6M-17 pixels at ``fps`` (the model's 50).

    ``keypoints`` [F, 17, 2] float32 pixels; ``confidence`` [F, 17]: the detector's visibility
    (a derived joint: the lowest of its sources), 0 where filled in; below ``min_visibility``
    it marks the detector's guess for a joint hidden too long to fill in (an occluded limb: do
    not trust it). ``times`` [F] seconds into the video, ``segment`` [F] int (frames of one
    segment are lifted together), ``source_frame`` [F] int (the nearest detection frame, e.g. for
    its picture), ``dropped``: (from, to) seconds not lifted (no person), ``image_size`` (w, h).
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    times: np.ndarray
    segment: np.ndarray
    source_frame: np.ndarray
    image_size: tuple[int, int]
    fps: float = FPS
    dropped: list[tuple[float, float]] = field(default_factory=list)
    source: str = ""
    min_visibility: float = 0.5

    @property
    def frames(self) -> int:
        return self.keypoints.shape[0]

    @property
    def guessed(self) -> np.ndarray:
        """[F, 17] bool: joints hidden for longer than the gaps that are filled in (the detector's guess)."""
        return (self.confidence > 0) & (self.confidence < self.min_visibility)

    def segments(self) -> list[slice]:
        """The frame range of each segment."""
        cuts = np.flatnonzero(np.diff(self.segment)) + 1
        edges = [0, *cuts.tolist(), self.frames]
        return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


def video_keypoints(detections: Detections, fps: float = FPS, max_gap: float = 0.3, min_segment: float = 0.2,
                    min_visibility: float = 0.5, smooth: float = SMOOTH) -> VideoTrack:
    """Detections -> a VideoTrack at ``fps``.

    Landmarks -> Human3.6M-17 (``keypoints.mediapipe_to_h36m``). Time without a person: at most
    ``max_gap`` seconds is filled in linearly from the frames around it; longer cuts the clip into
    segments and is not lifted (``dropped``, with a warning), nor are segments shorter than
    ``min_segment`` seconds. A joint seen with visibility below ``min_visibility``: for at most
    ``max_gap`` seconds it is filled in from the frames where it was seen (confidence 0); longer,
    the detector's own guess stays, with its low visibility as confidence (``VideoTrack.guessed``).
    Each segment is then resampled linearly to ``fps`` and smoothed in time by a Gaussian of
    ``smooth`` seconds (``keypoints.smooth_in_time``; 0: not at all). A ValueError says when
    nothing is left.
    """
    check_number(fps, "fps", low=0)
    check_number(max_gap, "max_gap", low=0)
    check_number(min_segment, "min_segment", low=0)
    check_number(min_visibility, "min_visibility", 0, 1)
    check_number(smooth, "smooth", low=0)
    source_fps = detections.fps
    longest_gap = math.floor(max_gap * source_fps + 1e-9)
    shortest = max(1, math.ceil(min_segment * source_fps - 1e-9))
    kept = ~_long_runs(~detections.found[:, None], longest_gap)
    parts, dropped_frames = [], ~kept
    for first, stop in _runs(kept):
        if stop - first < shortest or not detections.found[first:stop].any():
            dropped_frames[first:stop] = True
            continue
        kp, conf = _fill_short_gaps(detections.landmarks[first:stop], detections.visibility[first:stop],
                                    min_visibility, longest_gap)
        parts.append((first, smooth_in_time(resample(kp, source_fps, fps), smooth * fps),
                      resample(conf, source_fps, fps)))
    dropped = [(detections.start + a / source_fps, detections.start + b / source_fps)
               for a, b in _runs(dropped_frames)]
    name = detections.source or "the clip"
    if not parts:
        raise ValueError(f"expected a person seen for at least {min_segment} s in {name}, got "
                         f"{int(detections.found.sum())} of {detections.frames} frames with one, in shorter pieces")
    if dropped:
        ranges = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in dropped)
        warnings.warn(f"no person (for more than {max_gap} s) at {ranges} of {name}: those frames are not lifted",
                      stacklevel=2)
    times = [first / source_fps + np.arange(len(kp)) / fps for first, kp, _ in parts]
    return VideoTrack(
        keypoints=np.concatenate([kp for _, kp, _ in parts]).astype(np.float32),
        confidence=np.concatenate([conf for _, _, conf in parts]).astype(np.float32),
        times=detections.start + np.concatenate(times),
        segment=np.concatenate([np.full(len(kp), i) for i, (_, kp, _) in enumerate(parts)]),
        source_frame=np.concatenate([np.minimum(np.round(t * source_fps).astype(int), detections.frames - 1)
                                     for t in times]),
        image_size=detections.image_size, fps=float(fps), dropped=dropped, source=detections.source,
        min_visibility=float(min_visibility))


def _fill_short_gaps(landmarks, visibility, min_visibility: float, longest: int):
    """One segment's landmarks -> (H36M keypoints, confidence) [F, 17, ...]: the detector's
    positions wherever a person was found, then every run of at most ``longest`` frames in which a
    joint is missing (no person) or barely visible, interpolated from the frames around it."""
    kp, conf = mediapipe_to_h36m(landmarks, visibility, min_visibility=0.0)  # fills frames without a person
    seen = conf >= min_visibility
    frames = np.arange(len(kp))
    for j in range(kp.shape[1]):
        if not seen[:, j].any():
            continue
        for first, stop in _runs(~seen[:, j]):
            if stop - first <= longest:
                for c in range(2):
                    kp[first:stop, j, c] = np.interp(frames[first:stop], frames[seen[:, j]], kp[seen[:, j], j, c])
                conf[first:stop, j] = 0.0
    return kp, conf


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, stop) of every run of True in a 1D bool array."""
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _long_runs(missing: np.ndarray, longest: int) -> np.ndarray:
    """[F] bool: frames inside a run of more than ``longest`` frames in which one column of
    ``missing`` [F, C] is True."""
    out = np.zeros(missing.shape[0], dtype=bool)
    for j in range(missing.shape[1]):
        for first, stop in _runs(missing[:, j]):
            if stop - first > longest:
                out[first:stop] = True
    return out
