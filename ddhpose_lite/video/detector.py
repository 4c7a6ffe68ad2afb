"""The detector: MediaPipe Pose on an image or every frame of a clip (video mode, a crop that follows
a person who is small in the frame, OpenCV's HOG people detector to find them), its C++ start-up
noise silenced, and ``Detections``, the landmarks it found, saved and loaded as NPZ."""
from __future__ import annotations

import math
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .._tensors import check_image_size, check_int, check_number
from .files import _FORMAT, _load, _save
from .frames import _cv2, _rgb, image_data_uri, read_frames, require_video_extra, video_info
from .people import distinct_people, people_message, pick_person

__all__ = ["SAMPLE_DETECTIONS", "Detections", "detect_image", "find_people", "find_person", "choose_person",
           "detect_landmarks", "expected_frames"]

SAMPLE_DETECTIONS = Path(__file__).resolve().parents[1] / "assets" / "sample_video_detections.npz"
"""``detect_landmarks(SAMPLE_VIDEO, SAMPLE_START, 10, SAMPLE_BOX)`` saved (landmarks only, no
pictures), so that lesson 08 also runs where the extra or the clip is missing
(``tools/make_sample_detections.py`` rebuilds it)."""


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


def expected_frames(info: dict, start: float = 0.0, seconds: float | None = None) -> int | None:
    """How many frames ``read_frames(path, start, seconds)`` will give, from ``video_info``'s
    ``fps`` and ``frames`` (the header's count; None if it has none and ``seconds`` is None): a
    clip shorter than ``start + seconds`` gives what it has, which is no error."""
    fps, count = info["fps"], info.get("frames") or 0
    left = None if count <= 0 else max(0, count - round(start * fps))
    asked = None if seconds is None else max(1, round(seconds * fps))
    if left is None:
        return asked
    return left if asked is None else min(asked, left)


def detect_landmarks(path, start: float = 0.0, seconds: float | None = 10.0, box="auto", complexity: int = 1,
                     progress: bool = True, picture_width: int = 768, fps: float | None = None,
                     rotation: int | None = None, person: int | None = None) -> Detections:
    """MediaPipe Pose (video mode, its landmark filter on) on every frame of a clip -> Detections.

    ``start``/``seconds``: the part of the video (None: to the end). ``box`` (x0, y0, x1, y1 px):
    where the person is in the first frame; the detector then looks at a square crop around it
    that follows the person (re-centred on each detection, 1.6 times their size), which is how
    people who are small in the frame (a wide shot) are found. ``box=None``: the whole frame, where
    the detector finds the most prominent person. ``box="auto"`` (default): the whole frame if the
    detector finds someone in the first frame, else the person OpenCV's HOG people detector is
    surest of (``find_person``). ``person``: the number of one of the people found in the first
    frame, numbered left to right (``choose_person`` says who was found; ``viz.frame_preview``
    numbers them on the picture). ``progress``: a progress bar (tqdm).
    ``picture_width``: the width of the per-frame JPEG pictures kept for figures (0: none).
    ``fps``: the video's frame rate, if its header has none or a wrong one. ``rotation``: degrees
    clockwise that turn the stored frames upright, if the file's metadata is missing or wrong
    (``video_info``); frames, landmarks and pictures are all upright.
    Cost: about 0.04 s per frame on one laptop CPU core (``complexity`` 1; 0 is faster, 2 better).
    """
    mp = require_video_extra()
    check_int(complexity, "complexity", 0, 2)
    check_int(picture_width, "picture_width", 0)
    info = video_info(path, fps, rotation)
    w, h = info["image_size"]
    if person is not None or isinstance(box, str) and box == "auto":
        first = next(read_frames(path, start, seconds, info["fps"], info["rotation"]), None)
        box = None if first is None else choose_person(first, box, person, complexity)["box"]
    crop = None if box is None else _square(_box(box, w, h), w, h)
    landmarks, visibility, pictures = [], [], []
    frames = read_frames(path, start, seconds, info["fps"], info["rotation"])
    bar = tqdm(frames, total=expected_frames(info, start, seconds), desc="detecting", unit="frame",
               disable=not progress)
    with _quiet(), _started_pose(mp, False, complexity) as pose, bar:
        for image in bar:
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
        if not bar.disable and bar.total != bar.n:  # the header's frame count was off: every frame there was is done
            bar.total = bar.n
            bar.refresh()
    if not landmarks:
        raise ValueError(f"expected frames from {path} between {start} s and {start + (seconds or 0)} s, got none")
    return Detections(np.stack(landmarks), np.stack(visibility), info["fps"], (w, h), float(start), Path(path).name,
                      pictures if picture_width else None)


def find_people(image) -> tuple[np.ndarray, np.ndarray]:
    """The people OpenCV's HOG people detector finds in an RGB image [h, w, 3] uint8: their boxes
    [N, 4] (x0, y0, x1, y1 px), numbered left to right (by the box's centre), and how sure it is
    of each [N]; a box that mostly covers a surer one is the same person again and is left out
    (``distinct_people``). For people too small for the pose detector in the whole frame, and to
    choose one among several (``choose_person``); about 0.3 s for a 768 x 576 image."""
    cv2 = _cv2()
    image = _rgb(image)
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    found, weights = hog.detectMultiScale(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), winStride=(4, 4), padding=(8, 8),
                                          scale=1.05)
    boxes = np.array([(x, y, x + bw, y + bh) for x, y, bw, bh in np.reshape(found, (-1, 4))], dtype=np.float64)
    boxes, scores = boxes.reshape(-1, 4), np.ravel(weights).astype(np.float64)
    kept = distinct_people(boxes, scores)
    boxes, scores = boxes[kept], scores[kept]
    order = np.argsort((boxes[:, 0] + boxes[:, 2]) / 2, kind="stable")
    return boxes[order], scores[order]


def find_person(image):
    """The person OpenCV's HOG people detector is surest of in an RGB image [h, w, 3] uint8, as a
    box (x0, y0, x1, y1) in pixels, or None (``find_people`` finds them all)."""
    boxes, scores = find_people(image)
    if not len(boxes):
        return None
    return tuple(int(v) for v in boxes[pick_person(boxes, None, scores)])


def choose_person(image, box="auto", person: int | None = None, complexity: int = 1) -> dict:
    """Whom ``detect_landmarks`` follows from this first frame (RGB [h, w, 3] uint8), among the
    people ``find_people`` finds there, and a message that says how many were found and which one:

    - ``person`` (a number, as the preview numbers them, left to right): that person's box;
    - ``box`` (x0, y0, x1, y1 px): that box, and which of the people found it overlaps most;
    - ``box="auto"``: the whole frame if the pose detector sees someone there (the most prominent
      person: the message says which of those found it is), else the person the people detector is
      surest of;
    - ``box=None``: the whole frame, nobody looked for.

    Returns dict(box= what to follow: a box or None for the whole frame, people= the boxes found
    [N, 4], chosen= the number of the one followed or None, message=)."""
    if person is not None and not (box is None or isinstance(box, str) and box == "auto"):
        raise ValueError(f"expected a box or a person number, not both, got box={box!r} and person={person!r}")
    image = _rgb(image)
    h, w = image.shape[:2]
    if box is None and person is None:
        return dict(box=None, people=np.zeros((0, 4)), chosen=None, message="The pose detector looks at the whole frame.")
    if not (person is not None or isinstance(box, str) and box == "auto"):
        box = _box(box, w, h)
    people, scores = find_people(image)
    if person is not None:
        chosen = pick_person(people, person)
        return dict(box=tuple(int(v) for v in people[chosen]), people=people, chosen=chosen,
                    message=people_message(people, chosen, person))
    if not isinstance(box, str):
        chosen = _overlapping(people, box)
        message = (people_message(people, chosen, box) if len(people)
                   else "The people detector found nobody in the first frame: following what is inside the box.")
        return dict(box=box, people=people, chosen=chosen, message=message)
    seen = detect_image(image, complexity)
    if seen is not None:
        points = seen[0][np.isfinite(seen[0]).all(1)]
        chosen = _overlapping(people, (*points.min(0), *points.max(0)))
        message = people_message(people, chosen, "auto") if len(people) else \
            "The pose detector sees someone in the whole frame, and follows them."
        return dict(box=None, people=people, chosen=chosen, message=message)
    if not len(people):
        return dict(box=None, people=people, chosen=None,
                    message="Nobody found in the first frame: the pose detector looks at the whole frame.")
    chosen = pick_person(people, None, scores)
    return dict(box=tuple(int(v) for v in people[chosen]), people=people, chosen=chosen,
                message=people_message(people, chosen))


def _overlapping(people: np.ndarray, box) -> int | None:
    """The person whose box overlaps ``box`` most, or None if none does."""
    try:
        return pick_person(people, tuple(float(v) for v in box))
    except ValueError:
        return None


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
