"""Inference: 2D keypoint sequences of any length -> 3D pose hypotheses (``Lifter``, ``LiftResult``).

``Lifter.lift`` cuts a sequence into windows of the model's frame count (``datasets.sliding_windows``),
samples every window's hypotheses in one batch per DDIM step (``sampling.sample_poses``) and
blends overlapping windows. ``LiftResult`` keeps every x̂_0 of every iteration and hypothesis,
with the hypothesis aggregations (docs/design.md, "Hypothesis aggregation"). ``load_pretrained``
returns the checkpoint shipped in the package. COCO-17 detections: ``keypoints.coco_to_h36m``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from . import metrics
from ._tensors import as_torch, check_finite, check_int
from .camera import Camera, normalize_screen, project
from .checkpoint import load_model
from .datasets import sliding_windows
from .diffusion import Schedule
from .model import HSTDenoiser
from .sampling import sample_poses

__all__ = ["Lifter", "LiftResult", "load_pretrained", "blend", "window_weights", "ASSET"]

ASSET = Path(__file__).resolve().parent / "assets" / "ddhpose_small.pt"
"""The checkpoint shipped in the package (``tools/train_checkpoint.py`` rebuilds it)."""


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
    """

    poses: torch.Tensor
    keypoints_2d: torch.Tensor
    image_size: tuple[int, int] | None = None

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
        return _iteration(self.poses, iteration)

    def p_agg(self, iteration: int = -1) -> torch.Tensor:
        """P-Agg: the mean pose over hypotheses, [F, J, 3]."""
        return metrics.p_agg(_iteration(self.poses, iteration))

    def j_agg(self, camera: Camera, trajectory, iteration: int = -1, distort: bool = True) -> torch.Tensor:
        """J-Agg (D3DP): per joint, the hypothesis whose reprojection with ``camera`` and the root
        ``trajectory`` [F, 3] (camera frame, metres) is closest to the input 2D, [F, J, 3]."""
        traj, _ = as_torch(trajectory, "trajectory")
        return metrics.j_agg(_iteration(self.poses, iteration), self.keypoints_2d, camera, traj, distort)

    def j_agg_weak_perspective(self, iteration: int = -1) -> torch.Tensor:
        """J-Agg without a camera: reprojection with a weak-perspective camera (scale + shift)
        fitted per frame to the input 2D (``metrics.j_agg_weak_perspective``), [F, J, 3]."""
        return metrics.j_agg_weak_perspective(_iteration(self.poses, iteration), self.keypoints_2d)

    def j_best(self, target, iteration: int = -1) -> torch.Tensor:
        """J-Best (oracle): per joint, the hypothesis closest to ``target`` [F, J, 3]."""
        return metrics.j_best(_iteration(self.poses, iteration), _target(target, self.poses.shape[2:]))

    def p_best(self, target, iteration: int = -1) -> torch.Tensor:
        """P-Best (oracle): per frame, the whole hypothesis with the lowest MPJPE to ``target``."""
        return metrics.p_best(_iteration(self.poses, iteration), _target(target, self.poses.shape[2:]))

    def uncertainty(self, iteration: int = -1) -> torch.Tensor:
        """Per-joint spread of the hypotheses [F, J] (metres): the mean distance of the
        hypotheses to their mean (P-Agg). Zero with one hypothesis and at the root."""
        hyp = _iteration(self.poses, iteration)
        return (hyp - hyp.mean(0)).norm(dim=-1).mean(0)

    def reproject(self, camera: Camera | None = None, trajectory=None, distort: bool = True) -> torch.Tensor:
        """Every hypothesis of every iteration back in 2D, [K, H, F, J, 2], normalised screen.

        With ``camera`` and ``trajectory`` [F, 3]: the pinhole projection J-Agg uses. Without:
        the weak-perspective camera of ``j_agg_weak_perspective``, fitted per iteration and frame
        to the input with the mean pose, so the hypotheses' differences stay visible.
        """
        if camera is None:
            if trajectory is not None:
                raise ValueError("expected a camera together with the trajectory, got only the trajectory")
            mean = self.poses.mean(1, keepdim=True)  # [K, 1, F, J, 3]
            scale, shift = metrics.weak_perspective_fit(mean, self.keypoints_2d.expand(mean.shape[:-1] + (2,)))
            return scale * self.poses[..., :2] + shift
        if trajectory is None:
            raise ValueError("expected the root trajectory [F, 3] together with the camera, got None")
        traj, _ = as_torch(trajectory, "trajectory")
        if tuple(traj.shape) != (self.frames, 3):
            raise ValueError(f"expected trajectory of shape [{self.frames}, 3], got {list(traj.shape)}")
        pixels = project(self.poses + traj.to(self.poses)[:, None, :], camera, distort=distort)
        return normalize_screen(pixels, camera.res_w, camera.res_h)

    def errors(self, target, camera: Camera | None = None, trajectory=None, iteration: int = -1) -> dict[str, float]:
        """MPJPE (metres) of every aggregation against ``target`` [F, J, 3]: P-Agg, J-Agg (only
        with camera and trajectory), J-Agg (weak perspective), J-Best and P-Best."""
        target = _target(target, self.poses.shape[2:]).to(self.poses)
        table = {"P-Agg": self.p_agg(iteration)}
        if camera is not None:
            table["J-Agg"] = self.j_agg(camera, trajectory, iteration)
        table["J-Agg (weak persp.)"] = self.j_agg_weak_perspective(iteration)
        table["J-Best"] = self.j_best(target, iteration)
        table["P-Best"] = self.p_best(target, iteration)
        return {name: float(metrics.mpjpe(pose, target)) for name, pose in table.items()}

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
    """A trained denoiser with its diffusion schedule: 2D keypoint sequences -> 3D hypotheses."""

    def __init__(self, model: HSTDenoiser, schedule: Schedule | None = None, max_tokens: int | None = None) -> None:
        self.model = model.eval()
        self.schedule = schedule or Schedule.cosine()
        self.max_tokens = max_tokens  # tokens per forward pass (``denoise``); None: automatic

    @property
    def frames(self) -> int:
        return self.model.config.frames

    @property
    def skeleton(self):
        return self.model.config.skeleton

    def lift(self, keypoints_2d, hypotheses: int = 5, iterations: int = 5, seed=0, flip: bool = True,
             eta: float = 1.0, image_size: tuple[int, int] | None = None, overlap: int | None = None) -> LiftResult:
        """keypoints_2d [F, J, 2] (the model's skeleton, Human3.6M-17 for the shipped one; any
        F >= 1) -> LiftResult [K, H, F, J, 3].

        Coordinates: normalised screen coordinates (``camera.normalize_screen``), or pixels when
        ``image_size=(width, height)`` is given. COCO-17 detections: convert with
        ``keypoints.coco_to_h36m`` first. ``flip`` (default True, as the official code, which
        always flips): test-time augmentation, the mirrored input runs alongside and both
        predictions are averaged at every DDIM step (twice the compute). ``seed`` fixes the hypotheses.

        Long sequences are cut into windows of the model's frame count that overlap by
        ``overlap`` frames (default ``frames // 8``; 0 = back to back), all lifted in one batch
        per DDIM step and blended with tent weights (normalised per frame, so every frame's
        weights sum to 1); a short sequence is padded by repeating its edges.
        """
        kp, _ = as_torch(keypoints_2d, "keypoints_2d")
        joints = self.skeleton.num_joints
        if kp.ndim != 3 or kp.shape[-2:] != (joints, 2) or kp.shape[0] < 1:
            raise ValueError(f"expected keypoints_2d of shape [F, {joints}, 2] with F >= 1, got {list(kp.shape)}")
        check_finite(kp, "keypoints_2d")
        check_int(hypotheses, "hypotheses", low=1)
        check_int(iterations, "iterations", low=1)
        if image_size is not None:
            w, h = _image_size(image_size)
            kp = normalize_screen(kp.double(), w, h)
            image_size = (w, h)
        device = next(self.model.parameters()).device
        rows, weights = self.windows(kp.shape[0], overlap)
        clips = kp.float()[rows].to(device)  # [W, N, J, 2]
        poses = sample_poses(self.model, clips, self.schedule, hypotheses, iterations, seed, eta, flip,
                             self.max_tokens, frame_index=rows).cpu()
        return LiftResult(poses=blend(poses, rows, weights, kp.shape[0]), keypoints_2d=kp.float(),
                          image_size=image_size)

    def windows(self, length: int, overlap: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Frame indices [W, N] of the windows over a sequence and their blending weights [W, N]
        (zero on replicated edge frames). Consecutive windows share ``overlap`` frames (default
        N // 8: 3 for N = 27, so 243 frames take 10 windows instead of 18 at half overlap)."""
        n = self.frames
        overlap = check_int(n // 8 if overlap is None else overlap, "overlap", 0, n - 1)
        rows, real, _ = sliding_windows(length, n, n - overlap)
        return rows, window_weights(n) * real


def _image_size(image_size) -> tuple[int, int]:
    try:
        w, h = image_size
        ok = all(not isinstance(v, bool) and float(v) > 0 and float(v) == int(v) for v in (w, h))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"expected image_size as (width, height) in whole pixels > 0, got {image_size!r}")
    return int(w), int(h)


def blend(poses: torch.Tensor, rows: torch.Tensor, weights: torch.Tensor, length: int) -> torch.Tensor:
    """Window predictions [..., W, N, J, C] -> [..., F, J, C], weights normalised per frame."""
    lead, tail = poses.shape[:-4], poses.shape[-2:]
    flat = poses.reshape(-1, *poses.shape[-4:]).double()
    total = torch.zeros(flat.shape[0], length, *tail, dtype=torch.float64)
    norm = torch.zeros(length, dtype=torch.float64).index_add_(0, rows.flatten(), weights.flatten().double())
    weighted = flat * weights.double()[None, :, :, None, None]
    total.index_add_(1, rows.flatten(), weighted.reshape(flat.shape[0], -1, *tail))
    return (total / norm[None, :, None, None]).float().reshape(*lead, length, *tail)


def load_pretrained(path: str | Path | None = None, device=None) -> Lifter:
    """A ``Lifter`` for the checkpoint at ``path`` (default: the one shipped in the package,
    trained by ``tools/train_checkpoint.py``) on ``device`` (default: the CPU)."""
    return Lifter(*load_model(ASSET if path is None else path, device))
