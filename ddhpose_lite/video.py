"""Your own video -> 2D keypoints -> 3D hypotheses, offline (lesson 08).

Three steps, one function each::

    detections = detect_landmarks(path, seconds=10)            # MediaPipe Pose, 33 landmarks per frame
    track = video_keypoints(detections)                        # Human3.6M-17 pixels at the model's 50 fps
    lifted = lift_track(track, load_pretrained())              # Lifter.lift per segment -> VideoLift

or ``lift_video(path)`` for all three. ``Detections`` and ``VideoLift`` save to NPZ files and
load back. Only ``detect_landmarks`` (and ``detect_image``, ``find_person``, ``read_frames``,
``video_info``) need the optional extra, ``pip install "ddhpose_lite[video]"`` (``mediapipe==0.10.14``, whose
wheel ships its pose models, so nothing is downloaded at run time; optional because its
dependencies, jax, opencv-contrib and matplotlib, are heavy). The rest runs on saved detections
(``Detections.load``), e.g. ``SAMPLE_DETECTIONS``, those of the sample clip shipped in the package.

What ``video_keypoints`` does to the detections: landmarks -> Human3.6M-17
(``keypoints.mediapipe_to_h36m``). No person for at most ``max_gap`` seconds: filled in linearly
from the frames around it (confidence 0); longer: the clip is cut into *segments*, the frames in
between are not lifted (``VideoTrack.dropped``, and a warning), and each segment is lifted on its
own, so no pose is made up from far-away frames. A joint barely visible for at most ``max_gap``:
filled in the same way; longer: the detector's own guess stays, flagged by its low confidence
(``VideoTrack.guessed``). Each segment is resampled linearly in time from the video's frame rate
to the model's 50 fps (``mocap.resample``). Jitter: MediaPipe's own landmark filter (video mode),
then a light Gaussian in time (``SMOOTH``, 40 ms), as much as the lifter needs (the model was
trained on detector-like noise, ``keypoints.detector_noise``; more only blurs fast motion).
"""
from __future__ import annotations

import base64
import json
import math
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from . import metrics
from ._tensors import check_image_size, check_int, check_number
from .camera import normalize_screen
from .keypoints import mediapipe_to_h36m, smooth_in_time
from .lifter import Lifter, LiftResult, load_pretrained
from .mocap import FPS, resample

__all__ = ["VIDEO_EXTRA", "SAMPLE_VIDEO", "SAMPLE_START", "SAMPLE_BOX", "SAMPLE_DETECTIONS", "SMOOTH", "TYPICAL_HEIGHT",
           "Detections", "VideoTrack", "VideoLift", "require_video_extra", "video_info", "read_frames", "saved_upload",
           "image_data_uri", "detect_image", "find_person", "detect_landmarks", "video_keypoints", "zoomed", "lift_track", "lift_video"]

VIDEO_EXTRA = 'pip install "ddhpose_lite[video]"'
"""The command that installs the optional video extra (the MediaPipe detector)."""

SAMPLE_VIDEO = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
"""The sample clip: pedestrians on a campus, 768 x 576 px, 10 fps, from OpenCV's sample data
(Debian / Ubuntu package ``opencv-doc``: ``apt install opencv-doc``; OpenCV's licence)."""

SAMPLE_START = 5.0
"""Where lesson 08's part of the sample clip starts (seconds)."""

SAMPLE_BOX = (655, 240, 730, 391)
"""Where the man lesson 08 follows stands at ``SAMPLE_START`` in the sample clip (x0, y0, x1, y1
px, found by OpenCV's HOG people detector): people are too small in the whole frame for the pose
detector, so ``detect_landmarks`` follows him with a crop."""

SAMPLE_DETECTIONS = Path(__file__).resolve().parent / "assets" / "sample_video_detections.npz"
"""``detect_landmarks(SAMPLE_VIDEO, SAMPLE_START, 10, SAMPLE_BOX)`` saved (landmarks only, no
pictures), so that lesson 08 also runs where the extra or the clip is missing
(``tools/make_sample_detections.py`` rebuilds it)."""

SMOOTH = 0.04
"""Temporal smoothing of a track: a Gaussian of 40 ms (2 frames at 50 fps), on top of MediaPipe's
own landmark filter. Measured with ``benchmarks/smoothing.py`` (captured test people, detector-like
noise, H = K = 1): it costs 0.1 mm MPJPE on clean 2D and saves 0.6, 3 and 9 mm at 3, 8 and 15 px
of noise; twice as much (80 ms) saves 2 mm more at 15 px but costs 0.6 mm on clean 2D."""

_FORMAT = "ddhpose_lite.video/1"


def require_video_extra():
    """The ``mediapipe`` module, or an ImportError that says how to install it (``VIDEO_EXTRA``)."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging: errors only
    try:
        import mediapipe
    except ImportError as error:
        raise ImportError(
            f"lifting your own video needs the MediaPipe pose detector, an optional extra: {VIDEO_EXTRA} "
            "(optional because its dependencies, jax, opencv-contrib and matplotlib, are heavy)"
        ) from error
    return mediapipe


def _rgb(image) -> np.ndarray:
    """An RGB image [h, w, 3] of uint8 as a contiguous array, or a ValueError saying what came."""
    image = np.ascontiguousarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB image [h, w, 3] of uint8, got {image.dtype} {list(image.shape)}")
    return image


def _cv2():
    require_video_extra()  # OpenCV comes with the detector (opencv-contrib-python)
    import cv2
    return cv2


# ---------------------------------------------------------------- reading video


def video_info(path, fps: float | None = None) -> dict:
    """``fps``, ``frames`` (as the file's header says) and ``image_size`` (w, h) of a video file.
    ``fps``: the frame rate to use instead of the header's (some files carry none, or a wrong one)."""
    cv2 = _cv2()
    capture = _open(cv2, path)
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) if fps is None else check_number(fps, "fps", low=0)
        size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()
    if not (fps and math.isfinite(fps) and fps > 0):
        raise ValueError(f"expected a video with a frame rate, got {fps!r} frames per second from {path}: "
                         "pass fps= if you know it")
    return dict(fps=float(fps), frames=frames, image_size=size)


def _open(cv2, path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected a video file, got {str(path)!r}, which does not exist")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"expected a video OpenCV can read (mp4, avi, mov, webm, ...), got {path.name}")
    return capture


def read_frames(path, start: float = 0.0, seconds: float | None = None, fps: float | None = None):
    """The frames of a video as RGB uint8 arrays [h, w, 3], from ``start`` seconds on, for
    ``seconds`` (None: to the end; ``fps`` as in ``video_info``). A generator: frames are decoded
    one at a time."""
    check_number(start, "start", low=0)
    if seconds is not None:
        check_number(seconds, "seconds", low=0)
    cv2 = _cv2()
    fps = video_info(path, fps)["fps"]
    first = round(start * fps)
    stop = None if seconds is None else first + max(1, round(seconds * fps))
    capture = _open(cv2, path)
    try:
        if first:
            capture.set(cv2.CAP_PROP_POS_FRAMES, first)
        index = first
        while stop is None or index < stop:
            ok, frame = capture.read()
            if not ok:
                break
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()


def image_data_uri(image, width: int = 768, quality: int = 80) -> str:
    """An RGB image [h, w, 3] uint8 as a JPEG ``data:`` URI (scaled down to ``width`` px), the
    form plotly draws behind a figure (``viz.hypothesis_arrays(backgrounds=...)``)."""
    cv2 = _cv2()
    image = _rgb(image)
    width = min(width, image.shape[1])  # never larger than the frame
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the image as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")


def saved_upload(value, folder=None) -> Path | None:
    """The file of an ipywidgets ``FileUpload``'s ``value`` (ipywidgets 8: a tuple of dicts with
    "name" and "content"), written to ``folder`` (default: the system's temporary folder) under
    its own file name; None when nothing was uploaded."""
    if not value:
        return None
    item = value[0]
    try:
        name, content = Path(str(item["name"])).name, bytes(item["content"])
    except (TypeError, KeyError) as error:
        raise ValueError(f"expected a FileUpload value (dicts with 'name' and 'content'), got {item!r:.80}") from error
    if not name or name in (".", ".."):
        raise ValueError(f"expected an uploaded file with a name, got {item.get('name')!r}")
    path = Path(tempfile.gettempdir() if folder is None else folder) / name
    path.write_bytes(content)
    return path


# ---------------------------------------------------------------- the detector


@dataclass
class Detections:
    """MediaPipe Pose on every frame of a clip.

    ``landmarks`` [F, 33, 2] float32 pixels (``keypoints.MEDIAPIPE_NAMES`` order; NaN where no
    person was found), ``visibility`` [F, 33] (0..1; 0 where none), ``fps`` of the video,
    ``image_size`` (w, h), ``start`` (seconds into the video of frame 0), ``source`` (the file's
    name), ``pictures``: one small JPEG ``data:`` URI per frame for figures (not saved).
    """

    landmarks: np.ndarray
    visibility: np.ndarray
    fps: float
    image_size: tuple[int, int]
    start: float = 0.0
    source: str = ""
    pictures: list[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.landmarks = np.asarray(self.landmarks, dtype=np.float32)
        self.visibility = np.asarray(self.visibility, dtype=np.float32)
        f = self.landmarks.shape[0] if self.landmarks.ndim else 0
        if self.landmarks.shape != (f, 33, 2) or f < 1:
            raise ValueError(f"expected landmarks of shape [F, 33, 2] with F >= 1, got {list(self.landmarks.shape)}")
        if self.visibility.shape != (f, 33):
            raise ValueError(f"expected visibility of shape [{f}, 33], got {list(self.visibility.shape)}")
        check_number(self.fps, "fps", low=0)
        if not self.fps > 0:
            raise ValueError(f"expected fps > 0, got {self.fps!r}")
        self.image_size = check_image_size(self.image_size)
        if self.pictures is not None and len(self.pictures) != f:
            raise ValueError(f"expected one picture per frame ({f}), got {len(self.pictures)}")

    @property
    def frames(self) -> int:
        return self.landmarks.shape[0]

    @property
    def found(self) -> np.ndarray:
        """[F] bool: frames with a person."""
        return ~np.isnan(self.landmarks).any((1, 2))

    def save(self, path) -> Path:
        """An NPZ file with the landmarks, visibility and the clip's facts (no pictures)."""
        meta = dict(format=_FORMAT, kind="detections", fps=self.fps, image_size=list(self.image_size),
                    start=self.start, source=self.source, layout="mediapipe33")
        return _save(path, meta, landmarks=self.landmarks, visibility=self.visibility)

    @classmethod
    def load(cls, path) -> "Detections":
        meta, arrays = _load(path, "detections")
        return cls(arrays["landmarks"], arrays["visibility"], meta["fps"], tuple(meta["image_size"]), meta["start"],
                   meta["source"])


def detect_image(image, complexity: int = 1):
    """MediaPipe Pose on one RGB image [h, w, 3] uint8: (landmarks [33, 2] pixels, visibility
    [33]), or None when no person is found."""
    mp = require_video_extra()
    image = _rgb(image)
    with _quiet(), _started_pose(mp, True, complexity) as pose:
        found = _landmarks(pose.process(image), (0, 0), image.shape[1], image.shape[0])
    return found


def _landmarks(result, offset, width, height):
    if result.pose_landmarks is None:
        return None
    points = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64)
    xy = points[:, :2] * (width, height) + offset
    return xy.astype(np.float32), points[:, 2].astype(np.float32)


def _started_pose(mp, static: bool, complexity: int):
    """A MediaPipe Pose, started on a black image with the process's stderr silenced: its C++ start-up
    messages (TensorFlow Lite, absl) write there directly and would show as red text in notebooks."""
    with _silenced_stderr():
        pose = mp.solutions.pose.Pose(static_image_mode=static, model_complexity=complexity)
        pose.process(np.zeros((64, 64, 3), np.uint8))
    return pose


@contextmanager
def _silenced_stderr():
    """File descriptor 2 points at the null device inside the block (Python's own sys.stderr, used
    by warnings and the progress bar, is flushed first and works again after it)."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


class _quiet(warnings.catch_warnings):
    """Hide the protobuf deprecation warning MediaPipe 0.10 raises on every frame."""

    def __enter__(self):
        out = super().__enter__()
        warnings.filterwarnings("ignore", message=".*GetPrototype.*")
        return out


def detect_landmarks(path, start: float = 0.0, seconds: float | None = 10.0, box="auto", complexity: int = 1,
                     progress: bool = True, picture_width: int = 768, fps: float | None = None) -> Detections:
    """MediaPipe Pose (video mode, its landmark filter on) on every frame of a clip -> Detections.

    ``start``/``seconds``: the part of the video (None: to the end). ``box`` (x0, y0, x1, y1 px):
    where the person is in the first frame; the detector then looks at a square crop around it
    that follows the person (re-centred on each detection, 1.6 times their size), which is how
    people who are small in the frame (a wide shot) are found. ``box=None``: the whole frame, where
    the detector finds the most prominent person. ``box="auto"`` (default): the whole frame if the
    detector finds someone in the first frame, else the person OpenCV's HOG people detector is
    surest of (``find_person``). ``progress``: a progress bar (tqdm).
    ``picture_width``: the width of the per-frame JPEG pictures kept for figures (0: none).
    ``fps``: the video's frame rate, if its header has none or a wrong one.
    Cost: about 0.04 s per frame on one laptop CPU core (``complexity`` 1; 0 is faster, 2 better).
    """
    mp = require_video_extra()
    check_int(complexity, "complexity", 0, 2)
    check_int(picture_width, "picture_width", 0)
    info = video_info(path, fps)
    w, h = info["image_size"]
    if isinstance(box, str) and box == "auto":
        first = next(read_frames(path, start, seconds, info["fps"]), None)
        box = None if first is None or detect_image(first, complexity) is not None else find_person(first)
    crop = None if box is None else _square(_box(box, w, h), w, h)
    total = None if seconds is None else max(1, round(seconds * info["fps"]))
    landmarks, visibility, pictures = [], [], []
    frames = read_frames(path, start, seconds, info["fps"])
    with _quiet(), _started_pose(mp, False, complexity) as pose:
        for image in tqdm(frames, total=total, desc="detecting", unit="frame", disable=not progress):
            x0, y0, x1, y1 = (0, 0, w, h) if crop is None else crop
            found = _landmarks(pose.process(np.ascontiguousarray(image[y0:y1, x0:x1])), (x0, y0), x1 - x0, y1 - y0)
            if found is None:
                landmarks.append(np.full((33, 2), np.nan, np.float32))
                visibility.append(np.zeros(33, np.float32))
            else:
                landmarks.append(found[0])
                visibility.append(found[1])
                if crop is not None:
                    crop = _follow(found[0], found[1], w, h, crop)
            if picture_width:
                pictures.append(image_data_uri(image, picture_width))
    if not landmarks:
        raise ValueError(f"expected frames from {path} between {start} s and {start + (seconds or 0)} s, got none")
    return Detections(np.stack(landmarks), np.stack(visibility), info["fps"], (w, h), float(start), Path(path).name,
                      pictures if picture_width else None)


def find_person(image):
    """The person OpenCV's HOG people detector is surest of in an RGB image [h, w, 3] uint8, as a
    box (x0, y0, x1, y1) in pixels, or None. For people too small for the pose detector in the
    whole frame; about 0.3 s for a 768 x 576 image."""
    cv2 = _cv2()
    image = _rgb(image)
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    boxes, weights = hog.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), winStride=(4, 4), padding=(8, 8),
                                          scale=1.05)
    if len(boxes) == 0:
        return None
    x, y, bw, bh = (int(v) for v in boxes[int(np.argmax(np.ravel(weights)))])
    return x, y, x + bw, y + bh


def _box(box, w: int, h: int) -> tuple[int, int, int, int]:
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        x0 = x1 = y0 = y1 = math.nan
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f"expected box as (x0, y0, x1, y1) pixels inside the {w} x {h} image with x0 < x1 "
                         f"and y0 < y1, got {box!r}")
    return round(x0), round(y0), round(x1), round(y1)


def _square(box, w: int, h: int, scale: float = 1.0) -> tuple[int, int, int, int]:
    """The square of side ``scale`` x the box's longer side around its centre, shifted inside the image."""
    x0, y0, x1, y1 = box
    side = min(max(scale * max(x1 - x0, y1 - y0), 64), w, h)
    left = min(max((x0 + x1 - side) / 2, 0), w - side)
    top = min(max((y0 + y1 - side) / 2, 0), h - side)
    return round(left), round(top), round(left + side), round(top + side)


def _follow(points, visibility, w: int, h: int, crop):
    """The next crop: around the seen landmarks, 1.6 times their extent; the old one if too few are seen."""
    seen = points[visibility >= 0.5]
    if len(seen) < 8:
        return crop
    low, high = seen.min(0), seen.max(0)
    return _square((low[0], low[1], high[0], high[1]), w, h, scale=1.6)


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
               progress: bool = True) -> tuple[Detections, VideoLift]:
    """The whole path: ``detect_landmarks`` -> ``video_keypoints`` -> ``lift_track``."""
    detections = detect_landmarks(path, start, seconds, box, progress=progress)
    lifted = lift_track(video_keypoints(detections), lifter, hypotheses, iterations, seed, progress=progress)
    return detections, lifted


# ---------------------------------------------------------------- files


def _save(path, meta: dict, **arrays) -> Path:
    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(f"expected a file name ending in .npz, got {path.name!r}")
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, meta=np.array(json.dumps(meta)), **arrays)
    os.replace(partial, path)  # atomic: a crash never leaves half a file under the real name
    return path


def _load(path, kind: str):
    path = Path(path)
    with np.load(path, allow_pickle=False) as data:
        if "meta" not in data:
            raise ValueError(f"expected a file written by ddhpose_lite.video, got {path.name} without 'meta'")
        meta = json.loads(str(data["meta"]))
        arrays = {key: data[key] for key in data.files if key != "meta"}
    if meta.get("format") != _FORMAT or meta.get("kind") != kind:
        raise ValueError(f"expected a {kind} file of format {_FORMAT}, got {meta.get('kind')!r} of "
                         f"{meta.get('format')!r} in {path.name}")
    return meta, arrays
