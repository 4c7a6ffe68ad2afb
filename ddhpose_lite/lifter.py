"""Inference: 2D keypoints -> 3D pose hypotheses with the trained denoiser (paper Fig. 5).

``sample_poses`` is DDHPose's sampler: H hypotheses of bone states start as N(0, I); at each of
the K DDIM steps (Eq. 4) the denoiser predicts x̂_0 as joints, which are disentangled again
(Eq. 1) into the bone state that the DDIM update works on. The last step returns x̂_0 itself.

``Lifter.lift`` runs it on a whole sequence of any length (sliding windows, blended) and returns
a ``LiftResult`` with every x̂_0 of every iteration and hypothesis, and the aggregations of
DESIGN.md "Hypothesis aggregation". ``coco_to_h36m`` turns COCO-17 detections (e.g. from an
off-the-shelf 2D detector) into the Human3.6M-17 layout the model was trained on.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import metrics
from ._tensors import as_torch, check_finite
from .bones import disentangle
from .camera import Camera, normalize_screen, project
from .diffusion import Schedule, bone_state, ddim_sample
from .datasets import window_starts
from .model import HSTDenoiser
from .skeleton import H36M, Skeleton

__all__ = ["sample_poses", "denoise", "CPU_TOKENS_PER_PASS", "Lifter", "LiftResult", "load_pretrained",
           "COCO_NAMES", "coco_to_h36m", "load_keypoints_json", "EXAMPLE_COCO"]


def flip_bone_state(state: torch.Tensor, skeleton: Skeleton = H36M) -> torch.Tensor:
    """Mirror a bone state [..., 16, 4]: bones swap sides, directions get x -> -x."""
    perm = [skeleton.flip_permutation[k + 1] - 1 for k in range(skeleton.num_bones)]
    out = state[..., perm, :].clone()
    out[..., 0] = -out[..., 0]
    return out


CPU_TOKENS_PER_PASS = 8192
"""On the CPU a batch goes through the denoiser in passes of at most this many tokens (clips x
frames x joints), so that a pass's attention maps stay in the processor's cache and freed buffers
are reused: lifting 243 frames at H = K = 5 took 0.71-0.79x the time of one pass over all 100
clips; 4096-16384 tokens did about equally well, 2048 was slower (``benchmarks/lift_speed.py
--passes``). GPUs take the whole batch at once."""


def denoise(model, keypoints_2d: torch.Tensor, noisy_bones: torch.Tensor, t: torch.Tensor,
            max_tokens: int | None = None) -> torch.Tensor:
    """``model(keypoints_2d, noisy_bones, t)`` in passes of at most ``max_tokens`` tokens
    (default: ``CPU_TOKENS_PER_PASS`` on the CPU, everything at once elsewhere)."""
    if max_tokens is None and keypoints_2d.device.type == "cpu":
        max_tokens = CPU_TOKENS_PER_PASS
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        raise ValueError(f"expected max_tokens as an int >= 1 or None, got {max_tokens!r}")
    clips = len(keypoints_2d) if max_tokens is None else max(1, max_tokens // math.prod(keypoints_2d.shape[1:3]))
    if clips >= len(keypoints_2d):
        return model(keypoints_2d, noisy_bones, t)
    parts = zip(keypoints_2d.split(clips), noisy_bones.split(clips), t.split(clips))
    return torch.cat([model(*part) for part in parts])


def sample_poses(model, keypoints_2d: torch.Tensor, schedule: Schedule, hypotheses: int = 1, iterations: int = 1,
                 seed=0, eta: float = 1.0, flip: bool = False, max_tokens: int | None = None) -> torch.Tensor:
    """keypoints_2d [B, F, 17, 2] -> x̂_0 of every iteration and hypothesis [K, H, B, F, 17, 3].

    ``flip``: test-time augmentation; the mirrored input (and mirrored noisy bones) runs in the
    same batch and its mirrored-back prediction is averaged with the direct one. All B clips and
    H hypotheses (and their mirror images) form one batch per DDIM step, which ``denoise`` runs
    in cache-sized passes on the CPU (``max_tokens``).
    """
    if keypoints_2d.ndim != 4 or keypoints_2d.shape[-2:] != (17, 2):
        raise ValueError(f"expected keypoints_2d of shape [B, F, 17, 2], got {list(keypoints_2d.shape)}")
    batch, frames = keypoints_2d.shape[:2]
    condition = keypoints_2d.repeat(hypotheses, 1, 1, 1)  # all hypotheses in one batch
    if flip:
        condition = torch.cat([condition, mirror(condition)])
    poses = []

    def predict_x0(state: torch.Tensor, t: int) -> torch.Tensor:
        flat = state.reshape(hypotheses * batch, frames, 16, 4)
        if flip:
            flat = torch.cat([flat, flip_bone_state(flat)])
        joints = denoise(model, condition, flat, torch.full((flat.shape[0],), t, device=state.device), max_tokens)
        if flip:
            direct, mirrored = joints.chunk(2)
            joints = (direct + mirror(None, mirrored)[1]) / 2
        poses.append(joints.reshape(hypotheses, batch, frames, 17, 3))
        length, direction = disentangle(joints)
        return bone_state(length, direction).reshape(state.shape)

    with torch.inference_mode():  # no autograd bookkeeping at all (a little faster than no_grad)
        ddim_sample(predict_x0, (batch, frames, 16, 4), schedule, steps=iterations, hypotheses=hypotheses, eta=eta,
                    seed=seed, dtype=keypoints_2d.dtype, device=keypoints_2d.device)
        stacked = torch.stack(poses)
    return stacked.clone()  # a normal tensor again (inference tensors refuse in-place use later)


def mirror(keypoints_2d=None, poses_3d=None):
    """``datasets.flip`` for one or both; with only keypoints returns the mirrored keypoints."""
    from .datasets import flip

    flipped = flip(keypoints_2d, poses_3d)
    return flipped[0] if poses_3d is None else flipped


def window_weights(frames: int) -> torch.Tensor:
    """Blending weights of one window [frames]: a tent, highest in the middle, never zero."""
    position = (torch.arange(frames, dtype=torch.float64) + 0.5) / frames
    return 1 - (2 * position - 1).abs() * 0.98


ASSET = Path(__file__).resolve().parent / "assets" / "ddhpose_small.pt"
EXAMPLE_COCO = Path(__file__).resolve().parent / "assets" / "example_coco.json"
"""A shipped 2D keypoint sequence in COCO-17 layout (pixels, image size, per-joint scores),
made by ``tools/make_example_coco.py`` from the synthetic motion and a random camera."""


def _iteration(poses: torch.Tensor, iteration: int) -> torch.Tensor:
    count = poses.shape[0]
    if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)) or not -count <= iteration < count:
        raise ValueError(f"expected iteration as an int in 0..{count - 1} (or negative from the end), got {iteration!r}")
    return poses[int(iteration)]


@dataclass
class LiftResult:
    """Every x̂_0 of a lift and its input.

    ``poses`` [K, H, F, 17, 3]: iterations (DDIM steps), hypotheses, frames; root-relative metres
    in the camera frame; ``poses[-1]`` are the final hypotheses. ``keypoints_2d`` [F, 17, 2]: the
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
        """The hypotheses [H, F, 17, 3] of one iteration."""
        return _iteration(self.poses, iteration)

    def p_agg(self, iteration: int = -1) -> torch.Tensor:
        """P-Agg: the mean pose over hypotheses, [F, 17, 3]."""
        return metrics.p_agg(_iteration(self.poses, iteration))

    def j_agg(self, camera: Camera, trajectory, iteration: int = -1, distort: bool = True) -> torch.Tensor:
        """J-Agg (D3DP): per joint, the hypothesis whose reprojection with ``camera`` and the root
        ``trajectory`` [F, 3] (camera frame, metres) is closest to the input 2D, [F, 17, 3]."""
        traj, _ = as_torch(trajectory, "trajectory")
        return metrics.j_agg(_iteration(self.poses, iteration), self.keypoints_2d, camera, traj, distort)

    def j_agg_weak_perspective(self, iteration: int = -1) -> torch.Tensor:
        """J-Agg without a camera: reprojection with a weak-perspective camera (scale + shift)
        fitted per frame to the input 2D (``metrics.j_agg_weak_perspective``), [F, 17, 3]."""
        return metrics.j_agg_weak_perspective(_iteration(self.poses, iteration), self.keypoints_2d)

    def j_best(self, target, iteration: int = -1) -> torch.Tensor:
        """J-Best (oracle): per joint, the hypothesis closest to ``target`` [F, 17, 3]."""
        return metrics.j_best(_iteration(self.poses, iteration), _target(target, self.frames))

    def p_best(self, target, iteration: int = -1) -> torch.Tensor:
        """P-Best (oracle): per frame, the whole hypothesis with the lowest MPJPE to ``target``."""
        return metrics.p_best(_iteration(self.poses, iteration), _target(target, self.frames))

    def uncertainty(self, iteration: int = -1) -> torch.Tensor:
        """Per-joint spread of the hypotheses [F, 17] (metres): the mean distance of the
        hypotheses to their mean (P-Agg). Zero with one hypothesis and at the root."""
        hyp = _iteration(self.poses, iteration)
        return (hyp - hyp.mean(0)).norm(dim=-1).mean(0)

    def reproject(self, camera: Camera | None = None, trajectory=None, distort: bool = True) -> torch.Tensor:
        """Every hypothesis of every iteration back in 2D, [K, H, F, 17, 2], normalised screen.

        With ``camera`` and ``trajectory`` [F, 3]: the pinhole projection J-Agg uses. Without:
        the weak-perspective camera of ``j_agg_weak_perspective``, fitted per iteration and frame
        to the input with the mean pose, so the hypotheses' differences stay visible.
        """
        if camera is None:
            if trajectory is not None:
                raise ValueError("expected a camera together with the trajectory, got only the trajectory")
            mean = self.poses.mean(1, keepdim=True)  # [K, 1, F, 17, 3]
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
        """MPJPE (metres) of every aggregation against ``target`` [F, 17, 3]: P-Agg, J-Agg (only
        with camera and trajectory), J-Agg (weak perspective), J-Best and P-Best."""
        target = _target(target, self.frames).to(self.poses)
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
        if isinstance(hypotheses, bool) or not isinstance(hypotheses, int) or not 1 <= hypotheses <= self.hypotheses:
            raise ValueError(f"expected hypotheses as an int in 1..{self.hypotheses}, got {hypotheses!r}")
        return LiftResult(self.poses[:, :hypotheses], self.keypoints_2d, self.image_size)


def _target(target, frames: int) -> torch.Tensor:
    tensor, _ = as_torch(target, "target")
    if tuple(tensor.shape) != (frames, 17, 3):
        raise ValueError(f"expected target of shape [{frames}, 17, 3], got {list(tensor.shape)}")
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

    def lift(self, keypoints_2d, hypotheses: int = 5, iterations: int = 5, seed=0, flip: bool = True,
             eta: float = 1.0, image_size: tuple[int, int] | None = None, overlap: int | None = None) -> LiftResult:
        """keypoints_2d [F, 17, 2] (H36M-17 layout, any F >= 1) -> LiftResult [K, H, F, 17, 3].

        Coordinates: normalised screen coordinates (``camera.normalize_screen``), or pixels when
        ``image_size=(width, height)`` is given. COCO-17 detections: convert with ``coco_to_h36m``
        first. ``flip`` (default True, as the official code, which always flips): test-time
        augmentation, the mirrored input runs alongside and both predictions are averaged at
        every DDIM step (twice the compute). ``seed`` fixes the hypotheses.

        Long sequences are cut into windows of the model's frame count that overlap by
        ``overlap`` frames (default ``frames // 8``; 0 = back to back), all lifted in one batch
        per DDIM step and blended with tent weights (normalised per frame, so every frame's
        weights sum to 1); a short sequence is padded by repeating its edges.
        """
        kp, _ = as_torch(keypoints_2d, "keypoints_2d")
        if kp.ndim != 3 or kp.shape[-2:] != (17, 2) or kp.shape[0] < 1:
            raise ValueError(f"expected keypoints_2d of shape [F, 17, 2] with F >= 1, got {list(kp.shape)}")
        check_finite(kp, "keypoints_2d")
        for name, value in (("hypotheses", hypotheses), ("iterations", iterations)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"expected {name} as an int >= 1, got {value!r}")
        if image_size is not None:
            w, h = _image_size(image_size)
            kp = normalize_screen(kp.double(), w, h)
            image_size = (w, h)
        device = next(self.model.parameters()).device
        rows, weights = self.windows(kp.shape[0], overlap)
        clips = kp.float()[rows].to(device)  # [W, N, 17, 2]
        poses = sample_poses(self.model, clips, self.schedule, hypotheses, iterations, seed, eta, flip,
                             self.max_tokens).cpu()
        return LiftResult(poses=blend(poses, rows, weights, kp.shape[0]), keypoints_2d=kp.float(),
                          image_size=image_size)

    def windows(self, length: int, overlap: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Frame indices [W, N] of the windows over a sequence and their blending weights [W, N]
        (zero on replicated edge frames). Consecutive windows share ``overlap`` frames (default
        N // 8: 3 for N = 27, so 243 frames take 10 windows instead of 18 at half overlap)."""
        n = self.frames
        overlap = n // 8 if overlap is None else overlap
        if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < n:
            raise ValueError(f"expected overlap as an int in 0..{n - 1} frames, got {overlap!r}")
        starts = window_starts(length, n, n - overlap)
        positions = torch.tensor(starts).unsqueeze(1) + torch.arange(n)
        real = (positions >= 0) & (positions < length)
        weights = window_weights(n).expand(len(starts), n) * real
        return positions.clamp(0, length - 1), weights


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
    """Window predictions [..., W, N, 17, 3] -> [..., F, 17, 3], weights normalised per frame."""
    lead = poses.shape[:-4]
    flat = poses.reshape(-1, *poses.shape[-4:]).double()
    total = torch.zeros(flat.shape[0], length, 17, 3, dtype=torch.float64)
    norm = torch.zeros(length, dtype=torch.float64).index_add_(0, rows.flatten(), weights.flatten().double())
    weighted = flat * weights.double()[None, :, :, None, None]
    total.index_add_(1, rows.flatten(), weighted.reshape(flat.shape[0], -1, 17, 3))
    return (total / norm[None, :, None, None]).float().reshape(*lead, length, 17, 3)


def load_pretrained(path: str | Path | None = None, device=None) -> Lifter:
    """The checkpoint shipped in the package (trained by tools/train_checkpoint.py on synthetic data)."""
    from .train import TrainConfig, load_checkpoint

    state = load_checkpoint(ASSET if path is None else path)
    config = TrainConfig.from_dict(state["config"])
    model = HSTDenoiser(config.model)
    model.load_state_dict(state["model"])
    return Lifter(model.to(device or "cpu"), Schedule.cosine(config.timesteps))


# --------------------------------------------------------------------------------------------
# COCO-17 detections -> H36M-17
# --------------------------------------------------------------------------------------------
COCO_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
"""The COCO-17 keypoint order (as detectors such as Detectron2, MMPose or YOLO-pose return it)."""

# Each H36M joint as the mean of some COCO points. Pelvis, thorax and spine are midpoints;
# "Nose" (H36M's point between neck and face) is the COCO nose; "Head" is the centre of the
# face points that were seen (eyes and ears), so a profile view with one eye and one ear hidden
# still gives a head. Spine: the midpoint of pelvis and thorax = the mean of hips and shoulders.
_H36M_FROM_COCO: tuple[tuple[int, ...], ...] = (
    (11, 12),          # 0 Pelvis = mid-hips
    (12,),             # 1 RHip
    (14,),             # 2 RKnee
    (16,),             # 3 RAnkle
    (11,),             # 4 LHip
    (13,),             # 5 LKnee
    (15,),             # 6 LAnkle
    (5, 6, 11, 12),    # 7 Spine = midpoint of pelvis and thorax
    (5, 6),            # 8 Thorax = mid-shoulders
    (0,),              # 9 Nose
    (1, 2, 3, 4),      # 10 Head = centre of the visible eyes and ears
    (5,),              # 11 LShoulder
    (7,),              # 12 LElbow
    (9,),              # 13 LWrist
    (6,),              # 14 RShoulder
    (8,),              # 15 RElbow
    (10,),             # 16 RWrist
)
_ANY_OF = {10}  # joints that need at least one of their sources; the others need all of them


def coco_to_h36m(keypoints, scores=None, min_score: float = 0.3, missing: str = "interpolate"):
    """COCO-17 keypoints [F, 17, 2] (pixels or any coordinates) -> (H36M-17 keypoints [F, 17, 2],
    confidence [F, 17]), as the same kind (torch / NumPy) as ``keypoints``.

    Layout: pelvis = mid-hips, thorax = mid-shoulders, spine = midpoint of the two; Nose = the
    COCO nose; Head = the centre of the eyes and ears that were seen (a few cm below H36M's head
    joint, which sits higher on the skull: a small, systematic offset the model has to live
    with); limbs map one to one. A derived joint's confidence is the lowest of its sources (Head:
    the highest of its seen face points).

    A COCO point is *missing* when its score is below ``min_score`` or its coordinates are NaN.
    A joint is missing when a source it needs is (Head: when all four face points are).
    ``missing="error"``: raise a ValueError that lists them; ``"interpolate"``: fill each
    missing joint linearly in time from its nearest seen frames (held constant before the first
    and after the last); a joint never seen raises. Filled joints get confidence 0.
    """
    kp, back = as_torch(keypoints, "keypoints")
    if kp.ndim != 3 or kp.shape[1:] != (17, 2) or kp.shape[0] < 1:
        raise ValueError(f"expected COCO keypoints of shape [F, 17, 2] with F >= 1, got {list(kp.shape)}")
    if missing not in ("interpolate", "error"):
        raise ValueError(f"expected missing='interpolate' or 'error', got {missing!r}")
    if not (isinstance(min_score, (int, float)) and 0 <= min_score <= 1):
        raise ValueError(f"expected min_score as a number in 0..1, got {min_score!r}")
    dtype = kp.dtype
    kp = kp.double()
    if scores is None:
        score = torch.ones(kp.shape[:2], dtype=torch.float64)
    else:
        score, _ = as_torch(scores, "scores")
        if tuple(score.shape) != tuple(kp.shape[:2]):
            raise ValueError(f"expected scores of shape {list(kp.shape[:2])} ([F, 17]), got {list(score.shape)}")
        score = torch.nan_to_num(score.double(), nan=0.0)
    if torch.isinf(kp).any():
        raise ValueError("expected finite keypoints (NaN marks a missing point), got infinite values")
    seen = (score >= min_score) & ~torch.isnan(kp).any(-1)  # [F, 17 COCO]
    sources = torch.zeros(17, 17, dtype=torch.bool)  # [H36M joint, COCO point]
    for j, members in enumerate(_H36M_FROM_COCO):
        sources[j, list(members)] = True
    use = sources[None] & seen[:, None, :]  # [F, 17 H36M, 17 COCO]: the seen sources of each joint
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
            raise ValueError(f"expected every joint seen (score >= {min_score}), got {_describe_missing(~ok)}; "
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
