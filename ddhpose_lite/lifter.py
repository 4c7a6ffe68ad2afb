"""Inference: 2D keypoint sequences of any length -> 3D pose hypotheses (``Lifter``, ``LiftResult``).

``Lifter.lift`` cuts a sequence into windows of the model's frame count (``datasets.sliding_windows``),
samples every window's hypotheses in one batch per DDIM step (``sampling.sample_poses``) and
blends overlapping windows. ``LiftResult`` keeps every x̂_0 of every iteration and hypothesis,
with the hypothesis aggregations (docs/design.md, "Hypothesis aggregation"). ``load_pretrained``
returns the checkpoint shipped in the package. COCO-17 detections: ``keypoints.coco_to_h36m``.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import metrics
from ._tensors import as_torch, check_finite, check_image_size, check_int
from .camera import Camera, normalize_screen, project
from .checkpoint import load_family
from .datasets import chunk_windows, sliding_windows
from .diffusion import Schedule
from .errors import UserInputError
from .model import HSTDenoiser
from .sampling import method_of, sample_poses

__all__ = ["Lifter", "LiftResult", "load_pretrained", "blend", "window_weights", "ASSET"]

ASSET = Path(__file__).resolve().parent / "assets" / "ddhpose_small.pt"
"""The checkpoint shipped in the package (``tools/train_checkpoint.py`` rebuilds it)."""

PRETRAINED = {"ddhpose": ASSET, "baseline": ASSET.with_name("baseline_small.pt")}
"""The checkpoints shipped in the package by name: DDHPose (the default) and the single-frame
baseline of Martinez et al. trained on the same data (``load_pretrained("baseline")``)."""


WINDOW_SCHEMES = ("blend", "chunks")
"""How ``Lifter.lift`` covers a long sequence: overlapping windows blended with tent weights (ours),
or the official evaluation's back-to-back chunks plus one aligned to the end, unblended."""


def window_weights(frames: int) -> torch.Tensor:
    """Blending weights of one window [frames]: a tent, highest in the middle, never zero."""
    position = (torch.arange(frames, dtype=torch.float64) + 0.5) / frames
    return 1 - (2 * position - 1).abs() * 0.98


def _iteration(poses: torch.Tensor, iteration: int) -> torch.Tensor:
    count = poses.shape[0]
    ok = isinstance(iteration, int) and not isinstance(iteration, bool) and -count <= iteration < count
    if not ok:
        raise ValueError(f"expected iteration as an int in 0..{count - 1} (or negative from the end), got {iteration!r}")
    return poses[iteration]


@dataclass
class LiftResult:
    """Every x̂_0 of a lift and its input.

    ``poses`` [K, H, F, J, 3]: iterations (DDIM steps), hypotheses, frames; root-relative metres
    in the camera frame; ``poses[-1]`` are the final hypotheses. ``keypoints_2d`` [F, J, 2]: the
    input in normalised screen coordinates (converted when pixels came with ``image_size``);
    ``image_size`` (w, h) or None. Every method takes ``iteration`` (default -1, the last one).
    The arrays are torch tensors, or NumPy arrays when the lift's input was NumPy; every method
    returns the same kind as ``poses``.
    """

    poses: torch.Tensor
    keypoints_2d: torch.Tensor
    image_size: tuple[int, int] | None = None

    @property
    def _poses(self) -> torch.Tensor:
        return as_torch(self.poses, "poses")[0]

    @property
    def _keypoints(self) -> torch.Tensor:
        return as_torch(self.keypoints_2d, "keypoints_2d")[0]

    def _out(self, tensor: torch.Tensor):
        """``tensor`` as the kind of ``poses`` (torch or NumPy)."""
        return as_torch(self.poses, "poses")[1](tensor)

    @property
    def iterations(self) -> int:
        return self.poses.shape[0]

    @property
    def hypotheses(self) -> int:
        return self.poses.shape[1]

    @property
    def frames(self) -> int:
        return self.poses.shape[2]

    def hypotheses_at(self, iteration: int = -1) -> torch.Tensor:
        """The hypotheses [H, F, J, 3] of one iteration."""
        return self._out(_iteration(self._poses, iteration))

    def p_agg(self, iteration: int = -1) -> torch.Tensor:
        """P-Agg: the mean pose over hypotheses, [F, J, 3]."""
        return self._out(metrics.p_agg(_iteration(self._poses, iteration)))

    def j_agg(self, camera: Camera, trajectory, iteration: int = -1, distort: bool = True) -> torch.Tensor:
        """J-Agg (D3DP): per joint, the hypothesis whose reprojection with ``camera`` and the root
        ``trajectory`` [F, 3] (camera frame, metres) is closest to the input 2D, [F, J, 3]."""
        traj, _ = as_torch(trajectory, "trajectory")
        return self._out(metrics.j_agg(_iteration(self._poses, iteration), self._keypoints, camera, traj, distort))

    def j_agg_weak_perspective(self, iteration: int = -1) -> torch.Tensor:
        """J-Agg without a camera: reprojection with a weak-perspective camera (scale + shift)
        fitted per frame to the input 2D (``metrics.j_agg_weak_perspective``), [F, J, 3]."""
        return self._out(metrics.j_agg_weak_perspective(_iteration(self._poses, iteration), self._keypoints))

    def j_best(self, target, iteration: int = -1) -> torch.Tensor:
        """J-Best (oracle): per joint, the hypothesis closest to ``target`` [F, J, 3]."""
        return self._out(metrics.j_best(_iteration(self._poses, iteration), _target(target, self._poses.shape[2:])))

    def p_best(self, target, iteration: int = -1) -> torch.Tensor:
        """P-Best (oracle): per frame, the whole hypothesis with the lowest MPJPE to ``target``."""
        return self._out(metrics.p_best(_iteration(self._poses, iteration), _target(target, self._poses.shape[2:])))

    def uncertainty(self, iteration: int = -1) -> torch.Tensor:
        """Per-joint spread of the hypotheses [F, J] (metres): the mean distance of the
        hypotheses to their mean (P-Agg). Zero with one hypothesis and at the root."""
        hyp = _iteration(self._poses, iteration)
        return self._out((hyp - hyp.mean(0)).norm(dim=-1).mean(0))

    def reproject(self, camera: Camera | None = None, trajectory=None, distort: bool = True) -> torch.Tensor:
        """Every hypothesis of every iteration back in 2D, [K, H, F, J, 2], normalised screen.

        With ``camera`` and ``trajectory`` [F, 3]: the pinhole projection J-Agg uses. Without:
        the weak-perspective camera of ``j_agg_weak_perspective``, fitted per iteration and frame
        to the input with the mean pose, so the hypotheses' differences stay visible.
        """
        if camera is None:
            if trajectory is not None:
                raise ValueError("expected a camera together with the trajectory, got only the trajectory")
            poses = self._poses
            mean = poses.mean(1, keepdim=True)  # [K, 1, F, J, 3]
            scale, shift = metrics.weak_perspective_fit(mean, self._keypoints.expand(mean.shape[:-1] + (2,)))
            return self._out(scale * poses[..., :2] + shift)
        if trajectory is None:
            raise ValueError("expected the root trajectory [F, 3] together with the camera, got None")
        traj, _ = as_torch(trajectory, "trajectory")
        if tuple(traj.shape) != (self.frames, 3):
            raise ValueError(f"expected trajectory of shape [{self.frames}, 3], got {list(traj.shape)}")
        poses = self._poses
        pixels = project(poses + traj.to(poses)[:, None, :], camera, distort=distort)
        return self._out(normalize_screen(pixels, camera.res_w, camera.res_h))

    def errors(self, target, camera: Camera | None = None, trajectory=None, iteration: int = -1) -> dict[str, float]:
        """MPJPE (metres) of every aggregation against ``target`` [F, J, 3]: P-Agg, J-Agg (only
        with camera and trajectory), J-Agg (weak perspective), J-Best and P-Best."""
        target = _target(target, self._poses.shape[2:]).to(self._poses)
        table = {"P-Agg": self.p_agg(iteration)}
        if camera is not None:
            table["J-Agg"] = self.j_agg(camera, trajectory, iteration)
        table["J-Agg (weak persp.)"] = self.j_agg_weak_perspective(iteration)
        table["J-Best"] = self.j_best(target, iteration)
        table["P-Best"] = self.p_best(target, iteration)
        return {name: float(metrics.mpjpe(as_torch(pose, name)[0], target)) for name, pose in table.items()}

    def subset(self, hypotheses: int) -> "LiftResult":
        """The first ``hypotheses`` hypotheses (they are independent draws, so this is a lift with
        fewer hypotheses in distribution, not bit for bit)."""
        check_int(hypotheses, "hypotheses", 1, self.hypotheses)
        return LiftResult(self.poses[:, :hypotheses], self.keypoints_2d, self.image_size)


def _target(target, shape) -> torch.Tensor:
    tensor, _ = as_torch(target, "target")
    if tuple(tensor.shape) != tuple(shape):
        raise ValueError(f"expected target of shape {list(shape)}, got {list(tensor.shape)}")
    return tensor


class Lifter:
    """A trained denoiser with its diffusion schedule: 2D keypoint sequences -> 3D hypotheses.

    Any member of the family (``train.FAMILY``): ``method`` defaults to what the model and
    ``prior`` imply (``sampling.method_of``); "gmm" needs its ``prior`` (a fitted
    ``starts.GaussianMixture``), "refine" its prior (``starts.ResidualGaussian``) and ``base``
    (the regression model it refines). ``load_pretrained`` reads all of them from a checkpoint.
    """

    def __init__(self, model: HSTDenoiser, schedule: Schedule | None = None, max_tokens: int | None = None,
                 method: str | None = None, prior=None, base: HSTDenoiser | None = None) -> None:
        self.model = model.eval()
        self.schedule = schedule or Schedule.cosine()
        self.max_tokens = max_tokens  # tokens per forward pass (``denoise``); None: automatic
        self.method = method_of(model, prior) if method is None else method
        self.prior = prior
        self.base = None if base is None else base.eval()

    @property
    def frames(self) -> int:
        return self.model.config.frames

    @property
    def skeleton(self):
        return self.model.config.skeleton

    def lift(self, keypoints_2d, hypotheses: int = 5, iterations: int = 5, seed=0, flip: bool = True,
             eta: float = 1.0, image_size: tuple[int, int] | None = None, overlap: int | None = None,
             windows: str = "blend") -> LiftResult:
        """keypoints_2d [F, J, 2] (the model's skeleton, Human3.6M-17 for the shipped one; any
        F >= 1) -> LiftResult [K, H, F, J, 3].

        Coordinates: normalised screen coordinates (``camera.normalize_screen``), or pixels when
        ``image_size=(width, height)`` is given. COCO-17 detections: convert with
        ``keypoints.coco_to_h36m`` first. ``flip`` (default True, as the official code, which
        always flips): test-time augmentation, the mirrored input runs alongside and both
        predictions are averaged at every DDIM step (twice the compute). ``seed`` fixes the hypotheses.

        Long sequences are cut into windows of the model's frame count that overlap by
        ``overlap`` frames (default ``frames // 8``; 0 = back to back) and blended with tent
        weights (normalised per frame, so every frame's weights sum to 1); a short sequence is
        padded by repeating its edges. Overlapping windows share their noise per frame
        (``sampling.frame_noise``), so a hypothesis is one draw across windows.
        ``windows="chunks"``: the official evaluation's windows instead (``datasets.chunk_windows``:
        back-to-back chunks plus one aligned to the end, no blending; ``overlap`` is then unused).

        Memory: windows and hypotheses go through the sampler in chunks of at most
        ``LIFT_TOKENS_PER_CHUNK`` tokens, so the working memory does not grow with H or F; only
        the result [K, H, F, J, 3] does, and a lift whose result would not fit in the memory
        available refuses at once with a ``ValueError``. The chunks change nothing in the result.
        A lift that runs longer than ``LIFT_PROGRESS_DELAY`` seconds shows a progress bar over its
        passes through the sampler (tqdm.auto: a widget in notebooks); a short one prints nothing.
        """
        kp, back = as_torch(keypoints_2d, "keypoints_2d")
        joints = self.skeleton.num_joints
        if kp.ndim != 3 or kp.shape[-2:] != (joints, 2) or kp.shape[0] < 1:
            raise ValueError(f"expected keypoints_2d of shape [F, {joints}, 2] with F >= 1, got {list(kp.shape)}")
        check_finite(kp, "keypoints_2d")
        check_int(hypotheses, "hypotheses", low=1)
        check_int(iterations, "iterations", low=1)
        check_int(seed, "seed", low=0)
        if image_size is not None:
            w, h = check_image_size(image_size)
            kp = normalize_screen(kp.double(), w, h)
            image_size = (w, h)
        else:
            _check_normalised(kp)
        length = kp.shape[0]
        _check_fits(iterations, hypotheses, length, joints)
        device = next(self.model.parameters()).device
        rows, weights = self.windows(length, overlap, windows)
        clips = kp.float()[rows].to(device)  # [W, N, J, 2]
        per_clip = rows.shape[1] * joints * (2 if flip else 1)
        clips_per_chunk = max(1, LIFT_TOKENS_PER_CHUNK // per_clip)
        window_chunk = min(len(rows), clips_per_chunk)
        hypothesis_chunk = max(1, min(hypotheses, clips_per_chunk // window_chunk))
        total = torch.zeros(iterations, hypotheses, length, joints, 3)
        passes = [(first, start) for first in range(0, hypotheses, hypothesis_chunk)
                  for start in range(0, len(rows), window_chunk)]  # (first hypothesis, first window)
        for first, start in tqdm(passes, desc="lift", unit="pass", delay=LIFT_PROGRESS_DELAY, leave=False):
            count = min(hypothesis_chunk, hypotheses - first)
            part = slice(start, start + window_chunk)
            poses = sample_poses(self.model, clips[part], self.schedule, count, iterations, seed, eta, flip,
                                 self.max_tokens, frame_index=rows[part], first_hypothesis=first,
                                 method=self.method, prior=self.prior, base=self.base).cpu()
            _accumulate(total[:, first:first + count], poses, rows[part], weights[part])
        norm = torch.zeros(length, dtype=torch.float64).index_add_(0, rows.flatten(), weights.flatten().double())
        total /= norm.float()[:, None, None]
        return LiftResult(poses=back(total), keypoints_2d=back(kp.float()), image_size=image_size)

    def windows(self, length: int, overlap: int | None = None, scheme: str = "blend") -> tuple[torch.Tensor, torch.Tensor]:
        """Frame indices [W, N] of the windows over a sequence and their blending weights [W, N]
        (zero on replicated edge frames). Consecutive windows share ``overlap`` frames (default
        N // 8: 3 for N = 27, so 243 frames take 10 windows instead of 18 at half overlap).
        ``scheme`` (``WINDOW_SCHEMES``): "blend" (this), or "chunks", the official evaluation's
        windows with 0/1 weights (``datasets.chunk_windows``)."""
        if scheme not in WINDOW_SCHEMES:
            raise ValueError(f"expected windows as one of {WINDOW_SCHEMES}, got {scheme!r}")
        n = self.frames
        if scheme == "chunks":
            return chunk_windows(length, n)
        overlap = check_int(n // 8 if overlap is None else overlap, "overlap", 0, n - 1)
        rows, real, _ = sliding_windows(length, n, n - overlap)
        return rows, window_weights(n) * real



def blend(poses: torch.Tensor, rows: torch.Tensor, weights: torch.Tensor, length: int) -> torch.Tensor:
    """Window predictions [..., W, N, J, C] -> [..., F, J, C], weights normalised per frame."""
    lead, tail = poses.shape[:-4], poses.shape[-2:]
    total = torch.zeros(*lead, length, *tail, dtype=torch.float64)
    _accumulate(total, poses.double(), rows, weights)
    norm = torch.zeros(length, dtype=torch.float64).index_add_(0, rows.flatten(), weights.flatten().double())
    return (total / norm[:, None, None]).float()


def _accumulate(total: torch.Tensor, poses: torch.Tensor, rows: torch.Tensor, weights: torch.Tensor) -> None:
    """total [..., F, J, C] += the weighted window predictions poses [..., W, N, J, C] at their frames."""
    weighted = poses * weights.to(poses.dtype)[:, :, None, None]
    flat = weighted.reshape(*weighted.shape[:-4], -1, *weighted.shape[-2:]).to(total.dtype)
    total.index_add_(total.ndim - 3, rows.flatten(), flat)


LIFT_TOKENS_PER_CHUNK = 2**19
"""Tokens (clips x frames x joints, mirror images included) the lifter hands the sampler at once.
Bounds a lift's working memory (``benchmarks/lift_memory.py``) whatever H and F are."""
LIFT_PROGRESS_DELAY = 5.0
"""Seconds a lift runs before its progress bar appears (tqdm's ``delay``): long lifts show a
sign of life, short ones (the lessons' clips) print nothing."""
PIXEL_LIKE = 10.0
"""Normalised screen coordinates lie within about ±2 (±1 across the image); keypoints whose values
exceed this are taken for pixels and refused (``Lifter.lift``'s ``image_size`` converts them)."""


def _check_normalised(keypoints: torch.Tensor) -> None:
    """Refuse keypoints that are clearly pixels; warn about ones far outside the image."""
    largest = float(keypoints.abs().max())
    if largest > PIXEL_LIKE:
        raise UserInputError(f"expected keypoints_2d in normalised screen coordinates (within about ±2), got values "
                             f"up to {largest:.1f}, which look like pixels: pass image_size=(width, height), or "
                             f"convert with camera.normalize_screen(keypoints, width, height)")
    if largest > 3:
        warnings.warn(f"keypoints_2d reach {largest:.1f} in normalised screen coordinates (the image spans ±1): "
                      "is the person far outside the image, or are these not normalised?", stacklevel=3)


def _check_fits(iterations: int, hypotheses: int, frames: int, joints: int) -> None:
    """Refuse a lift whose result [K, H, F, J, 3] (float32) would not fit in the memory available."""
    needed = iterations * hypotheses * frames * joints * 3 * 4
    available = _available_memory()
    if available is not None and needed > 0.8 * available:
        raise UserInputError(f"expected a lift whose result fits in memory, but [K={iterations}, H={hypotheses}, "
                             f"F={frames}, {joints}, 3] needs {needed / 2**30:.1f} GiB and "
                             f"{available / 2**30:.1f} GiB is available: lift fewer hypotheses or iterations, "
                             "or a shorter clip")


def _available_memory() -> int | None:
    """Bytes of memory available now (Linux /proc/meminfo, else os.sysconf), or None if unknown."""
    try:
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def load_pretrained(path: str | Path | None = None, device=None) -> Lifter:
    """A ``Lifter`` for the checkpoint at ``path`` on ``device`` (default: the CPU); any member of
    the family, with its start distribution and base model. ``path`` may name a shipped checkpoint
    (``PRETRAINED``: "ddhpose", the default, or "baseline"); both are trained by
    ``tools/train_checkpoint.py``."""
    if path is None or path in PRETRAINED:
        path = PRETRAINED[path or "ddhpose"]
    model, schedule, method, prior, base = load_family(path, device)
    return Lifter(model, schedule, method=method, prior=prior, base=base)
