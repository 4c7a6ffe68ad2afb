"""2D keypoints as detectors give them: COCO-17 and MediaPipe layouts, keypoint files, detector-like noise.

``coco_to_h36m`` turns COCO-17 detections (Detectron2, MMPose, YOLO-pose, ...) and
``mediapipe_to_h36m`` MediaPipe Pose's 33 landmarks into the Human3.6M-17 layout the model is
trained on (one mapping for both); ``load_keypoints_json`` reads a keypoint file (the
shipped ``EXAMPLE_COCO`` by default); ``detector_noise`` imitates what a 2D detector does to clean
projections (jitter, temporally correlated drift, gross errors and left/right swaps).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

from ._tensors import as_torch, check_number, numpy_rng
from .skeleton import H36M, Skeleton

__all__ = ["COCO_NAMES", "MEDIAPIPE_NAMES", "H36M_SOURCES", "coco_to_h36m", "mediapipe_to_h36m", "load_keypoints_json",
           "EXAMPLE_COCO", "detector_noise", "smooth_in_time"]

EXAMPLE_COCO = Path(__file__).resolve().parent / "assets" / "example_coco.json"
"""A shipped 2D keypoint sequence in COCO-17 layout (pixels, image size, per-joint scores),
made by ``tools/make_example_coco.py``."""

COCO_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
"""The COCO-17 keypoint order (as detectors such as Detectron2, MMPose or YOLO-pose return it)."""

MEDIAPIPE_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
"""The 33 MediaPipe Pose landmarks in their public order (``mediapipe.solutions.pose.PoseLandmark``)."""

H36M_SOURCES: tuple[tuple[str, ...], ...] = (
    ("left_hip", "right_hip"),                                     # 0 Pelvis = mid-hips
    ("right_hip",),                                                # 1 RHip
    ("right_knee",),                                               # 2 RKnee
    ("right_ankle",),                                              # 3 RAnkle
    ("left_hip",),                                                 # 4 LHip
    ("left_knee",),                                                # 5 LKnee
    ("left_ankle",),                                               # 6 LAnkle
    ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),  # 7 Spine = mid(pelvis, thorax)
    ("left_shoulder", "right_shoulder"),                           # 8 Thorax = mid-shoulders
    ("nose",),                                                     # 9 Nose
    ("left_eye", "right_eye", "left_ear", "right_ear"),            # 10 Head = centre of the seen ones
    ("left_shoulder",),                                            # 11 LShoulder
    ("left_elbow",),                                               # 12 LElbow
    ("left_wrist",),                                               # 13 LWrist
    ("right_shoulder",),                                           # 14 RShoulder
    ("right_elbow",),                                              # 15 RElbow
    ("right_wrist",),                                              # 16 RWrist
)
"""Each Human3.6M joint as the mean of these named detector points, one rule for every layout
(COCO's names are a subset of MediaPipe's). Pelvis, thorax and spine are midpoints (spine: of
pelvis and thorax = the mean of hips and shoulders); "Nose" (H36M's point between neck and face)
is the detector's nose; "Head" is the centre of the face points that were seen (eyes and ears),
so a profile view with one eye and one ear hidden still gives a head."""
_ANY_OF = {10}  # joints that need at least one of their sources; the others need all of them

_MAPPING_DOC = """Layout: pelvis = mid-hips, thorax = mid-shoulders, spine = midpoint of the two; Nose = the
    detector's nose; Head = the centre of the eyes and ears that were seen (a few cm below H36M's
    head joint, which sits higher on the skull: a small, systematic offset the model has to live
    with); limbs map one to one. Detector hips are not motion-capture hips: detectors learn them
    from annotators' guesses on the body's surface, not the joint centres inside the pelvis that
    Human3.6M's hips stand for, so expect a systematic offset of hips and pelvis too.
    A derived joint's confidence is the lowest of its sources (Head: the highest of its seen face
    points)."""


def coco_to_h36m(keypoints, scores=None, min_score: float = 0.3, missing: str = "interpolate"):
    """COCO-17 keypoints [F, 17, 2] (pixels or any coordinates) -> (H36M-17 keypoints [F, 17, 2],
    confidence [F, 17]), as the same kind (torch / NumPy) as ``keypoints``.

    {mapping}

    A COCO point is *missing* when its score is below ``min_score`` or its coordinates are NaN.
    A joint is missing when a source it needs is (Head: when all four face points are).
    ``missing="error"``: raise a ValueError that lists them; ``"interpolate"``: fill each
    missing joint linearly in time from its nearest seen frames (held constant before the first
    and after the last); a joint never seen raises. Filled joints get confidence 0.
    """
    return _to_h36m(keypoints, scores, min_score, missing, COCO_NAMES, "COCO", ("keypoints", "scores", "min_score"))


def mediapipe_to_h36m(landmarks, visibility=None, min_visibility: float = 0.5, missing: str = "interpolate"):
    """MediaPipe Pose landmarks [F, 33, 2] (pixels or any coordinates; MediaPipe returns x and y
    divided by the image width and height) -> (H36M-17 keypoints [F, 17, 2], confidence [F, 17]),
    as the same kind (torch / NumPy) as ``landmarks``. ``visibility`` [F, 33]: MediaPipe's
    per-landmark visibility in 0..1 (default: all seen).

    The same mapping as ``coco_to_h36m`` (the landmark order is ``MEDIAPIPE_NAMES``); the inner
    and outer eye corners, the mouth, the hands and the feet are not used. {mapping}

    A landmark is *missing* when its visibility is below ``min_visibility`` or its coordinates
    are NaN; ``missing`` handles missing joints as in ``coco_to_h36m`` ("interpolate" in time,
    filled joints get confidence 0, or "error").
    """
    return _to_h36m(landmarks, visibility, min_visibility, missing, MEDIAPIPE_NAMES, "MediaPipe Pose",
                    ("landmarks", "visibility", "min_visibility"))


for _function in (coco_to_h36m, mediapipe_to_h36m):  # the mapping, written once, in both docstrings
    if _function.__doc__:  # None under python -OO
        _function.__doc__ = _function.__doc__.replace("{mapping}", _MAPPING_DOC)
del _function


def _to_h36m(keypoints, scores, min_score, missing: str, layout: tuple[str, ...], label: str,
             arguments: tuple[str, str, str]):
    """Detector points [F, P, 2] named by ``layout`` -> (H36M-17 [F, 17, 2], confidence [F, 17])
    by ``H36M_SOURCES``. ``arguments``: the caller's names for points, scores and the threshold,
    which the errors use."""
    p = len(layout)
    points_name, score_name, min_name = arguments
    what = f"{label} {points_name}"
    kp, back = as_torch(keypoints, points_name)
    if kp.ndim != 3 or kp.shape[1:] != (p, 2) or kp.shape[0] < 1:
        raise ValueError(f"expected {what} of shape [F, {p}, 2] with F >= 1, got {list(kp.shape)}")
    if missing not in ("interpolate", "error"):
        raise ValueError(f"expected missing='interpolate' or 'error', got {missing!r}")
    if not (isinstance(min_score, (int, float)) and 0 <= min_score <= 1):
        raise ValueError(f"expected {min_name} as a number in 0..1, got {min_score!r}")
    dtype = kp.dtype
    kp = kp.double()
    if scores is None:
        score = torch.ones(kp.shape[:2], dtype=torch.float64)
    else:
        score, _ = as_torch(scores, score_name)
        if tuple(score.shape) != tuple(kp.shape[:2]):
            raise ValueError(f"expected {score_name} of shape {list(kp.shape[:2])} ([F, {p}]), got {list(score.shape)}")
        score = torch.nan_to_num(score.double(), nan=0.0)
    if torch.isinf(kp).any():
        raise ValueError(f"expected finite {what} (NaN marks a missing point), got infinite values")
    seen = (score >= min_score) & ~torch.isnan(kp).any(-1)  # [F, P]
    sources = torch.zeros(17, p, dtype=torch.bool)  # [H36M joint, detector point]
    for j, names in enumerate(H36M_SOURCES):
        sources[j, [layout.index(name) for name in names]] = True
    use = sources[None] & seen[:, None, :]  # [F, 17 H36M, P]: the seen sources of each joint
    counts = use.sum(-1)
    any_of = torch.zeros(17, dtype=torch.bool)
    any_of[sorted(_ANY_OF)] = True
    ok = torch.where(any_of, counts > 0, counts == sources.sum(-1))
    out = torch.einsum("fjc,fcd->fjd", use.double(), torch.nan_to_num(kp)) / counts.clamp_min(1)[..., None]
    source_scores = score[:, None, :].expand(use.shape)
    lowest = torch.where(sources[None], source_scores, torch.inf).amin(-1)
    highest_seen = torch.where(use, source_scores, 0.0).amax(-1)
    confidence = torch.where(ok, torch.where(any_of, highest_seen, lowest), 0.0)
    if not bool(ok.all()):
        if missing == "error":
            raise ValueError(f"expected every joint seen ({score_name} >= {min_score}), got {_describe_missing(~ok)}; "
                             "pass missing='interpolate' to fill them in from neighbouring frames")
        out = _interpolate(out, ok)
    return back(out.to(dtype)), back(confidence.to(dtype))


def _describe_missing(missing: torch.Tensor) -> str:
    parts = []
    for j in torch.nonzero(missing.any(0)).flatten().tolist():
        frames = torch.nonzero(missing[:, j]).flatten().tolist()
        shown = ", ".join(str(f) for f in frames[:6]) + (", ..." if len(frames) > 6 else "")
        parts.append(f"{H36M.names[j]} in {len(frames)} frame(s) ({shown})")
    return f"{int(missing.sum())} missing: " + "; ".join(parts)


def _interpolate(values: torch.Tensor, ok: torch.Tensor) -> torch.Tensor:
    """Fill values [F, J, 2] where not ok [F, J], linearly over frames per joint."""
    never = ~ok.any(0)
    if bool(never.any()):
        names = [H36M.names[j] for j in torch.nonzero(never).flatten().tolist()]
        raise ValueError(f"expected every joint seen in at least one frame to interpolate from, got none for {names}")
    out = values.clone()
    frames = np.arange(values.shape[0])
    for j in torch.nonzero((~ok).any(0)).flatten().tolist():  # only the joints with gaps
        good = ok[:, j].numpy()
        for c in range(values.shape[-1]):
            out[:, j, c] = torch.from_numpy(np.interp(frames, frames[good], values[good, j, c].numpy()))
    return out


def load_keypoints_json(path: str | Path | None = None) -> dict:
    """A 2D keypoint file as written by ``tools/make_example_coco.py`` (default: the shipped
    ``EXAMPLE_COCO``): a dict with ``keypoints`` [F, 17, 2] float32 pixels, ``scores`` [F, 17],
    ``image_size`` (w, h), ``layout`` ("coco17"), ``fps`` and whatever else the file holds
    (lists stay lists). JSON keys: "keypoints", "scores", "image_size" are required."""
    path = Path(EXAMPLE_COCO if path is None else path)
    data = json.loads(path.read_text())
    for key in ("keypoints", "scores", "image_size"):
        if key not in data:
            raise ValueError(f"expected a key {key!r} in {path.name}, got keys {sorted(data)}")
    data["keypoints"] = np.asarray(data["keypoints"], dtype=np.float32)
    data["scores"] = np.asarray(data["scores"], dtype=np.float32)
    data["image_size"] = tuple(int(v) for v in data["image_size"])
    return data


# Relative 2D noise per joint: detectors are least precise at hips (hidden by clothing),
# wrists and ankles (fast, small), most at the face and shoulders.
_JOINT_NOISE = torch.tensor(
    (1.0, 1.3, 1.0, 1.1, 1.3, 1.0, 1.1, 1.2, 0.9, 0.7, 0.8, 0.8, 1.0, 1.3, 0.8, 1.0, 1.3),
    dtype=torch.float64,
)


def moved_hips(points, out, up, skeleton: Skeleton = H36M) -> torch.Tensor:
    """3D joints [F, J, 3] (metres, any frame) with both hips moved ``out`` metres along pelvis → hip
    and ``up`` metres along pelvis → thorax, per frame (floats, or tensors of F values). A 2D
    detector's hips are clicked on the body's surface, not at motion capture's hip-joint centres
    (``benchmarks/hip_offset.py`` measures what that costs a lifter). Other joints are unchanged."""
    points = torch.as_tensor(points).double().clone()
    j = skeleton.num_joints
    if points.ndim != 3 or points.shape[1:] != (j, 3):
        raise ValueError(f"expected points of shape [F, {j}, 3], got {list(points.shape)}")
    pelvis, thorax = skeleton.index("Pelvis"), skeleton.index("Thorax")
    out = torch.as_tensor(out, dtype=torch.float64).reshape(-1, 1)
    up = torch.as_tensor(up, dtype=torch.float64).reshape(-1, 1)
    spine = _unit(points[:, thorax] - points[:, pelvis])
    for hip in (skeleton.index("RHip"), skeleton.index("LHip")):
        points[:, hip] += out * _unit(points[:, hip] - points[:, pelvis]) + up * spine
    return points


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-9)


def detector_noise(pixels, sigma: float, outliers: float = 0.0, seed=0, skeleton: Skeleton = H36M):
    """Detector-like errors added to clean pixels [F, J, 2] (same kind out): Gaussian noise
    (sigma px, scaled per joint and per sequence) with half of its variance temporally correlated
    (white noise smoothed by a Gaussian kernel of 1-3 frames, renormalised), and outliers: with
    probability ``outliers`` per joint and frame, a jump of 10-50 % of the person's size (the
    longer side of their bounding box) or, 1 time in 3, the position of the mirror joint (a
    left/right swap). ``seed``: int, numpy or torch Generator."""
    pixel_t, back = as_torch(pixels, "pixels")
    j = skeleton.num_joints
    if pixel_t.ndim != 3 or pixel_t.shape[1:] != (j, 2):
        raise ValueError(f"expected pixels of shape [F, {j}, 2], got {list(pixel_t.shape)}")
    check_number(sigma, "sigma", low=0)
    check_number(outliers, "outliers", low=0, high=1)
    rng = numpy_rng(seed)
    pixels = pixel_t.double()
    frames = pixels.shape[0]
    weights = _JOINT_NOISE if skeleton == H36M else torch.ones(j, dtype=torch.float64)
    mirror = torch.tensor(skeleton.flip_permutation)
    noisy = pixels
    if sigma > 0:
        width = rng.uniform(1.0, 3.0)
        radius = int(math.ceil(3 * width))
        kernel = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float64) / width) ** 2)
        kernel = kernel / kernel.square().sum().sqrt()  # unit gain for white noise variance
        white = torch.from_numpy(rng.standard_normal((2 * j, 1, frames + 2 * radius)))
        smooth = torch.nn.functional.conv1d(white, kernel.view(1, 1, -1))  # [2J, 1, F]
        smooth = smooth.view(j, 2, frames).permute(2, 0, 1)
        fresh = torch.from_numpy(rng.standard_normal((frames, j, 2)))
        scale = sigma * rng.uniform(0.5, 1.5) * weights[:, None]
        noisy = noisy + scale * math.sqrt(0.5) * (smooth + fresh)
    if outliers > 0:
        hit = torch.from_numpy(rng.random((frames, j)) < outliers)
        swap = torch.from_numpy(rng.random((frames, j)) < 1 / 3) & (mirror != torch.arange(j))
        extent = (pixels.amax(-2) - pixels.amin(-2)).amax(-1)[:, None, None]  # works lying down too
        direction = torch.from_numpy(rng.standard_normal((frames, j, 2)))
        direction = direction / direction.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        jump = torch.from_numpy(rng.uniform(0.1, 0.5, size=(frames, j, 1))) * extent * direction
        wrong = torch.where(swap[..., None], noisy[:, mirror], noisy + jump)
        noisy = torch.where(hit[..., None], wrong, noisy)
    return back(noisy.to(pixel_t.dtype))


def smooth_in_time(keypoints, sigma: float):
    """Keypoints [F, J, C] smoothed along F by a normalised Gaussian of ``sigma`` frames (0: as
    they are). The ends are extended by point reflection, so motion at constant speed passes
    unchanged, up to the ends. Same kind out (torch / NumPy). How much the shipped lifter
    needs: ``benchmarks/smoothing.py``."""
    check_number(sigma, "sigma", low=0)
    tensor, back = as_torch(keypoints, "keypoints")
    if tensor.ndim != 3 or tensor.shape[0] < 1:
        raise ValueError(f"expected keypoints of shape [F, J, C] with F >= 1, got {list(tensor.shape)}")
    radius = min(math.ceil(3 * sigma), tensor.shape[0] - 1)
    if sigma == 0 or radius == 0:
        return back(tensor)
    kernel = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float64) / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    series = tensor.double().reshape(tensor.shape[0], -1).T[:, None]  # [J * C, 1, F]
    before = 2 * series[..., :1] - series[..., 1:radius + 1].flip(-1)
    after = 2 * series[..., -1:] - series[..., -radius - 1:-1].flip(-1)
    out = torch.nn.functional.conv1d(torch.cat([before, series, after], -1), kernel)
    return back(out[:, 0].T.reshape(tensor.shape).to(tensor.dtype))
