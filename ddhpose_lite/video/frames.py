"""Video in and out: the optional extra (MediaPipe, which brings OpenCV), the sample clip, reading a
video's facts and frames (upright: a phone clip's rotation metadata is applied), a frame as a JPEG
``data:`` URI for figures, and a file uploaded in a notebook. Everything here but ``saved_upload``,
``upright`` and ``rotation_degrees`` needs the extra (``require_video_extra``)."""
from __future__ import annotations

import base64
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .._tensors import check_number

__all__ = ["VIDEO_EXTRA", "SAMPLE_VIDEO", "SAMPLE_START", "SAMPLE_BOX", "require_video_extra", "video_info",
           "read_frames", "image_data_uri", "saved_upload", "upright", "rotation_degrees", "describe_video",
           "first_frame"]

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


def rotation_degrees(value, source: str = "rotation") -> int:
    """A rotation in degrees clockwise as 0, 90, 180 or 270 (-90 -> 270, 450 -> 90), or a
    ValueError naming ``source`` when it is not a whole quarter turn."""
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    degrees = float(value) if number else math.nan
    if not math.isfinite(degrees) or degrees % 90:
        raise ValueError(f"expected {source} as a multiple of 90 degrees (0, 90, 180, 270), got {value!r}")
    return int(degrees) % 360


def upright(image, rotation: int) -> np.ndarray:
    """A frame as the file stores it [h, w, ...] turned ``rotation`` degrees clockwise (0, 90, 180,
    270; ``video_info``'s "rotation"), as a player shows it: the stored pixel in row r, column c
    is then, for 90, in row c, column h - 1 - r; for 180, row h - 1 - r, column w - 1 - c; for 270,
    row w - 1 - c, column r."""
    image = np.asarray(image)
    if image.ndim < 2:
        raise ValueError(f"expected an image [h, w, ...], got {list(image.shape)}")
    return np.ascontiguousarray(np.rot90(image, -rotation_degrees(rotation) // 90))


def video_info(path, fps: float | None = None, rotation: int | None = None) -> dict:
    """``fps``, ``frames`` (as the file's header says), ``image_size`` (w, h, upright: as the
    frames of ``read_frames``) and ``rotation`` (degrees clockwise that turn the stored frames
    upright: a phone's portrait clip stores landscape frames and says 90 or 270 in its metadata,
    the MP4 display matrix or the older ``rotate`` tag) of a video file. ``fps``: the frame rate
    to use instead of the header's (some files carry none, or a wrong one). ``rotation``: instead
    of the file's metadata (a clip on its side without any)."""
    cv2 = _cv2()
    capture = _open(cv2, path)
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) if fps is None else check_number(fps, "fps", low=0)
        size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        stored = capture.get(cv2.CAP_PROP_ORIENTATION_META)
    finally:
        capture.release()
    if not (fps and math.isfinite(fps) and fps > 0):
        raise ValueError(f"expected a video with a frame rate, got {fps!r} frames per second from {path}: "
                         "pass fps= if you know it")
    if rotation is None:
        rotation = rotation_degrees(stored, f"the rotation in the metadata of {Path(path).name}")
    else:
        rotation = rotation_degrees(rotation)
    if rotation in (90, 270):
        size = size[::-1]
    return dict(fps=float(fps), frames=frames, image_size=size, rotation=rotation)


def _open(cv2, path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"expected a video file, got {str(path)!r}, which does not exist")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"expected a video OpenCV can read (mp4, avi, mov, webm, ...), got {path.name}")
    # the stored frames and sizes; ``upright`` turns them (OpenCV's own turning changed default and
    # direction between versions: on before 4.11, off in 4.11, turned the wrong way in 4.6.0)
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return capture


def read_frames(path, start: float = 0.0, seconds: float | None = None, fps: float | None = None,
                rotation: int | None = None):
    """The frames of a video as RGB uint8 arrays [h, w, 3], upright (the file's rotation metadata
    applied), from ``start`` seconds on, for ``seconds`` (None: to the end; ``fps`` and
    ``rotation`` as in ``video_info``). A generator: frames are decoded one at a time."""
    check_number(start, "start", low=0)
    if seconds is not None:
        check_number(seconds, "seconds", low=0)
    cv2 = _cv2()
    info = video_info(path, fps, rotation)
    fps, rotation = info["fps"], info["rotation"]
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
            yield upright(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), rotation)
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


def describe_video(path) -> str:
    """One line about a video file for a person: its name and size, and with the extra its length,
    frame rate, image size (upright) and the turn its rotation metadata asks for; what is wrong
    where it cannot be read."""
    path = Path(path).expanduser()
    if not path.is_file():
        return f"{path.name}: no such file"
    text = f"{path.name}, {path.stat().st_size / 1e6:.1f} MB"
    try:
        info = video_info(path)
    except ImportError:
        return text + " (its length and frame rate need the video extra)"
    except ValueError as error:
        return f"{text}: {error}"
    length = f"{info['frames'] / info['fps']:.1f} s" if info["frames"] > 0 else "length unknown"
    w, h = info["image_size"]
    turned = f", turned {info['rotation']}° clockwise as its metadata asks" if info["rotation"] else ""
    return f"{text}, {length} at {info['fps']:g} fps, {w} x {h} px{turned}"


def first_frame(path, start: float = 0.0, fps: float | None = None, rotation: int | None = None) -> np.ndarray:
    """The frame at ``start`` seconds, upright, as RGB uint8 [h, w, 3] (``fps``, ``rotation`` as in
    ``video_info``): the picture to choose a ``box`` on."""
    image = next(read_frames(path, start, None, fps, rotation), None)
    if image is None:
        raise ValueError(f"expected a frame at {start:g} s in {Path(path).name}, got none (the clip is shorter)")
    return image
