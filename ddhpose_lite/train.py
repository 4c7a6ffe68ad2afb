"""Training DDHPose: the objective, a resumable trainer and a CLI.

Objective (the paper's training section, Eq. 7-10): take ground-truth root-relative 3D poses,
disentangle them into bone lengths and directions (Eq. 1), noise both at a random t (Eq. 2-3), let
the denoiser predict x̂_0 as 3D joints from [2D, noisy direction, noisy length], and minimise
L = L_pos + L_l + L_d on x̂_0 (``diffusion_loss``; the paper's form or the official code's).

    python -m ddhpose_lite.train --out runs/small --epochs 20          # synthetic data, CPU or GPU
    torchrun --nproc_per_node 4 -m ddhpose_lite.train --out runs/gpu4  # several GPUs (DDP)

Checkpoints are written atomically (temporary file + rename) after every epoch; ``--resume``
continues exactly where the last checkpoint stopped (weights, optimiser, learning rate, RNG).
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from .bones import disentangle, mirror
from .checkpoint import load_checkpoint, save_checkpoint
from .datasets import (DATA_SOURCES, H36M_TRAIN_SUBJECTS, ClipDataset, embedded_sequences, load_h36m,
                       load_mpi_inf_3dhp_npz)
from .diffusion import Schedule, bone_state, q_sample
from .memory import format_memory, memory_estimate
from .metrics import mpjpe, p_mpjpe
from .model import DenoiserConfig, HSTDenoiser
from .skeleton import H36M, MPI_INF_3DHP, Skeleton
from .sampling import sample_poses

log = logging.getLogger(__name__)

__all__ = ["LossWeights", "TrainConfig", "Trainer", "PROFILES", "diffusion_loss"]


LOSS_FORMS = ("paper", "official")


@dataclass(frozen=True)
class LossWeights:
    """Weights of L_pos, L_l and L_d, and which form of the loss (``diffusion_loss``)."""

    pose: float = 1.0
    length: float = 1.0
    direction: float = 1.0
    form: str = "paper"

    def __post_init__(self) -> None:
        if self.form not in LOSS_FORMS:
            raise ValueError(f"expected the loss form as one of {LOSS_FORMS}, got {self.form!r}")
        if min(self.pose, self.length, self.direction) < 0:
            raise ValueError(f"expected non-negative loss weights, got {self.pose}, {self.length}, {self.direction}")

    @classmethod
    def from_dict(cls, data: dict) -> "LossWeights":
        """From a checkpoint's config; older ones said ``length_loss="per_frame"`` for the paper form."""
        data = dict(data)
        legacy = data.pop("length_loss", None)
        if legacy is not None and "form" not in data:
            if legacy != "per_frame":
                raise ValueError(f"expected length_loss 'per_frame' in an old checkpoint config, got {legacy!r}")
            data["form"] = "paper"
        return cls(**data)


def diffusion_loss(model: nn.Module, keypoints_2d: torch.Tensor, poses_3d: torch.Tensor, schedule: Schedule,
                   generator: torch.Generator, weights: LossWeights = LossWeights(), clip: float = 0.0,
                   skeleton: Skeleton = H36M):
    """One evaluation of the training objective on a batch [B, F, J, 2] / [B, F, J, 3] (root-relative).

    One t per clip, the bone state noised at t (Eq. 2-3; with ``clip`` > 0 the noisy state is
    clamped to ±clip, as the official code does with 1.1), x̂_0 = model(2D, noisy state, t) and:

    - ``form="paper"`` (Eq. 7-10, plain norms): L_pos = mean ‖ŷ − y‖ over joints and frames,
      L_l = mean |l̂ − l| over bones and frames, L_d = mean ‖d̂ − d‖.
    - ``form="official"`` (the official training loop): L_pos as above, L_l = mean over bones of
      (mean_f l̂ − mean_f l)² (frame-averaged lengths, squared), L_d = mean ‖d̂ − d‖², and the
      gradient is scaled by the loss value (``loss.backward(loss.detach())``): the objective to
      differentiate is L · stop_gradient(L).

    Returns (objective, parts): backpropagate ``objective``; ``parts`` holds the detached values
    "loss" (L), "pose", "length" and "direction".
    """
    length, direction = disentangle(poses_3d, skeleton)
    t = torch.randint(0, schedule.T, (poses_3d.shape[0],), generator=generator, device=generator.device)
    t = t.to(poses_3d.device)
    noisy, _ = q_sample(bone_state(length, direction), t, schedule, seed=generator)  # Eq. 2-3
    if clip > 0:
        noisy = noisy.clamp(-clip, clip)
    predicted = model(keypoints_2d, noisy, t)  # x̂_0 as joints
    pred_length, pred_direction = disentangle(predicted, skeleton)
    pose = (predicted - poses_3d).norm(dim=-1).mean()  # L_pos, MPJPE
    if weights.form == "official":
        length_error = (pred_length.mean(1) - length.mean(1)).square().mean()
        direction_error = (pred_direction - direction).square().sum(-1).mean()
    else:
        length_error = (pred_length - length).abs().mean()
        direction_error = (pred_direction - direction).norm(dim=-1).mean()
    loss = weights.pose * pose + weights.length * length_error + weights.direction * direction_error
    objective = loss * loss.detach() if weights.form == "official" else loss
    parts = {"loss": loss.detach(), "pose": pose.detach(), "length": length_error.detach(),
             "direction": direction_error.detach()}
    return objective, parts


# ---------------------------------------------------------------------------------------------
# The trainer


AMP_MODES = ("auto", "bf16", "fp16", "off")
DATA = DATA_SOURCES + ("h36m", "3dhp")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run needs; stored in every checkpoint. Paper: AdamW, lr 1e-4, x0.993 per epoch."""

    model: DenoiserConfig = field(default_factory=DenoiserConfig)
    epochs: int = 10
    batch_size: int = 8
    lr: float = 1e-4
    lr_decay: float = 0.993
    weight_decay: float = 0.1  # AdamW's, as the official code
    grad_clip: float = 0.0  # 0: off (the paper does not clip)
    loss: LossWeights = field(default_factory=LossWeights)
    timesteps: int = 1000
    flip: bool = True  # mirror half of the clips (x -> -x, left/right swapped)
    amp: str = "auto"  # mixed precision: "auto", "bf16", "fp16" or "off" (``resolve_amp``)
    seed: int = 0
    data: str = "mix"  # "synthetic", "mocap", "mix" (embedded) or "h36m", "3dhp" (files; data/README.md)
    train_frames: int = 50_000  # embedded data
    val_frames: int = 5_000
    noise_2d: float = 3.0  # px, detector-like
    outliers: float = 0.002
    stride: int = 0  # window stride; 0: frames // 2

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "timesteps", "train_frames", "val_frames"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"expected {name} as an int >= 1, got {value!r}")
        if not self.lr > 0 or not 0 < self.lr_decay <= 1:
            raise ValueError(f"expected lr > 0 and lr_decay in (0, 1], got {self.lr} and {self.lr_decay}")
        if self.amp not in AMP_MODES:
            raise ValueError(f"expected amp as one of {AMP_MODES}, got {self.amp!r}")
        if self.data not in DATA:
            raise ValueError(f"expected data as one of {DATA}, got {self.data!r}")

    def to_dict(self) -> dict:
        """Plain data for checkpoints (the model config with its skeleton)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["model"] = self.model.to_dict()
        out["loss"] = dataclasses.asdict(self.loss)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """The inverse of ``to_dict``. Older checkpoints: ``amp`` True/False means "auto"/"off",
        no ``data`` means the synthetic data they were trained on."""
        data = {"data": "synthetic", **data}
        if isinstance(data.get("amp"), bool):
            data["amp"] = "auto" if data["amp"] else "off"
        data["model"] = DenoiserConfig.from_dict(data["model"])
        data["loss"] = LossWeights.from_dict(data["loss"])
        return cls(**data)


_OURS = DenoiserConfig(frames=27, width=64, depth=4, heads=4)

PROFILES = {
    # seconds: for tests and CI
    "tiny": TrainConfig(model=DenoiserConfig(frames=9, width=16, depth=2, heads=2), epochs=2, batch_size=8,
                        lr=2e-3, lr_decay=0.9, train_frames=2_000, val_frames=500),
    # a useful model on two CPU cores (the shipped checkpoint; docs/design.md, "Training profiles")
    "cpu": TrainConfig(model=_OURS, epochs=7, batch_size=8, lr=5e-4, lr_decay=0.9, train_frames=50_000,
                       val_frames=5_000),
    # one consumer / Colab GPU in about an hour: our choices (bf16/fp16 autocast, gradient clipping)
    "gpu": TrainConfig(model=DenoiserConfig(frames=81, width=256, depth=6, heads=8, drop_path=0.1), epochs=60,
                       batch_size=32, lr=2e-4, lr_decay=0.97, grad_clip=1.0, train_frames=300_000,
                       val_frames=20_000),
    # the paper and the official code: 243 frames, width 512, depth 8, 8 heads, AdamW lr 1e-4 (weight decay 0.1)
    # x0.993 per epoch, 400 epochs, batch 4, fp32, no gradient clipping, the official loss and ±1.1 clamps
    "paper": TrainConfig(model=DenoiserConfig(frames=243, width=512, depth=8, heads=8, drop_path=0.1, clip=1.1),
                         epochs=400, batch_size=4, lr=1e-4, lr_decay=0.993, weight_decay=0.1, grad_clip=0.0,
                         amp="off", loss=LossWeights(form="official"), data="h36m"),
}
"""Named training set-ups: ``python -m ddhpose_lite.train --profile NAME``."""


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Trainer:
    """Single-process or DDP training with exact resume.

    Data order: the windows of every epoch are shuffled by a generator seeded with (seed, epoch),
    so a run resumed from the checkpoint of epoch e sees the same batches as an uninterrupted one;
    the noise generator's state is saved too. Under torchrun every rank takes every world-th batch.
    """

    def __init__(self, config: TrainConfig, out_dir: str | Path | None = None, device=None,
                 train_sequences=None, val_sequences=None, compile_model: bool = False,
                 progress: bool = False) -> None:
        self.config = config
        self.progress = progress  # a tqdm.auto bar with loss and frames/s (a widget in notebooks)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.rank, self.world = _distributed_rank_and_world()
        self.device = torch.device(device) if device is not None else _local_device(self.rank)
        frames = config.model.frames
        stride = config.stride or max(1, frames // 2)
        if train_sequences is None:
            if config.data not in DATA_SOURCES:
                raise ValueError(f"expected train_sequences for data {config.data!r} (files: load them, or use "
                                 f"`python -m ddhpose_lite.train --data {config.data}`), got None")
            train_sequences = embedded_sequences(config.data, "train", config.train_frames, config.seed,
                                                 noise_2d=config.noise_2d, outliers=config.outliers)
        if val_sequences is None:  # fresh draws of the training population; never the test split
            val_sequences = (embedded_sequences(config.data, "train", config.val_frames, config.seed + 10_000,
                                                noise_2d=config.noise_2d, outliers=config.outliers)
                             if config.data in DATA_SOURCES else [])
        self.train_data = ClipDataset(train_sequences, frames, stride)
        self.val_data = ClipDataset(val_sequences, frames, frames) if val_sequences else None
        torch.manual_seed(config.seed)
        self.model = HSTDenoiser(config.model).to(self.device)
        self.network = _compiled(self.model) if compile_model else self.model
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.network = nn.parallel.DistributedDataParallel(self.network, device_ids=ids)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, gamma=config.lr_decay)
        self.schedule = Schedule.cosine(config.timesteps)
        self.generator = torch.Generator(self.device).manual_seed(config.seed * 1000 + self.rank)
        self.amp_dtype = resolve_amp(config.amp, self.device)
        self.use_amp = self.amp_dtype is not None
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        self.epoch = 0
        self.history: list[dict] = []
        if self.out_dir is not None and self.rank == 0:  # a write killed half-way leaves a stray temporary
            for stray in self.out_dir.glob("*.pt*.tmp"):
                stray.unlink()

    # -- one epoch ------------------------------------------------------------------------------

    def _batches(self, epoch: int):
        order = torch.randperm(len(self.train_data), generator=torch.Generator().manual_seed(self.config.seed * 100_003 + epoch))
        size = self.config.batch_size
        batches = [order[i:i + size] for i in range(0, len(order) - size + 1, size)]  # full batches only
        batches = batches[: len(batches) // self.world * self.world]  # every rank takes as many steps
        return batches[self.rank::self.world]

    def _flip_half(self, keypoints_2d, poses_3d, epoch: int, step: int):
        g = torch.Generator().manual_seed(self.config.seed * 7919 + epoch * 100_000 + step)
        chosen = (torch.rand(keypoints_2d.shape[0], generator=g) < 0.5).to(keypoints_2d.device)
        skeleton = self.config.model.skeleton
        flipped_2d, flipped_3d = mirror(keypoints_2d, skeleton), mirror(poses_3d, skeleton)
        pick = chosen[:, None, None, None]
        return torch.where(pick, flipped_2d, keypoints_2d), torch.where(pick, flipped_3d, poses_3d)

    def train_epoch(self) -> dict:
        self.network.train()
        totals = torch.zeros(4, device=self.device)  # loss, pose, length, direction: summed on the device
        batches = self._batches(self.epoch)
        frames_per_step = self.config.batch_size * self.config.model.frames * self.world
        bar = tqdm(total=len(batches), desc=f"epoch {self.epoch + 1}", leave=False,
                   disable=not (self.progress and self.rank == 0))
        start = time.perf_counter()
        for step, indices in enumerate(batches):
            batch = self.train_data.batch(indices)
            if self.device.type == "cuda":
                batch = {k: v.pin_memory() for k, v in batch.items()}
            kp = batch["keypoints_2d"].to(self.device, non_blocking=True)
            pose = batch["poses_3d"].to(self.device, non_blocking=True)
            if self.config.flip:
                kp, pose = self._flip_half(kp, pose, self.epoch, step)
            with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
                objective, parts = diffusion_loss(self.network, kp, pose, self.schedule, self.generator,
                                                  self.config.loss, self.config.model.clip, self.config.model.skeleton)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(objective).backward()
            if self.config.grad_clip > 0:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            totals += torch.stack([parts["loss"], parts["pose"], parts["length"], parts["direction"]]).float()
            bar.update()
            if not bar.disable and (step % 10 == 9 or step == len(batches) - 1):  # a sync every 10 steps only
                rate = (step + 1) * frames_per_step / (time.perf_counter() - start)
                bar.set_postfix(loss=f"{float(totals[0]) / (step + 1):.4f}", frames_per_s=f"{rate:,.0f}")
        bar.close()
        self.scheduler.step()
        self.epoch += 1
        means = (totals / max(1, len(batches))).tolist()
        return dict(zip(("loss", "pose", "length", "direction"), means))

    @torch.no_grad()
    def validate(self, hypotheses: int = 1, iterations: int = 1, max_clips: int = 256) -> dict:
        """MPJPE / P-MPJPE (metres) of the mean over hypotheses, on held-out training subjects."""
        if self.val_data is None:
            return {}
        self.model.eval()
        indices = torch.arange(min(len(self.val_data), max_clips))
        batch = self.val_data.batch(indices)
        kp, truth, mask = (batch[k].to(self.device) for k in ("keypoints_2d", "poses_3d", "mask"))
        poses = sample_poses(self.model, kp, self.schedule, hypotheses, iterations, seed=self.config.seed)
        mean_pose = poses[-1].mean(0)[mask]
        return {"val_mpjpe": float(mpjpe(mean_pose, truth[mask])), "val_p_mpjpe": float(p_mpjpe(mean_pose, truth[mask]))}

    def fit(self, epochs: int | None = None) -> list[dict]:
        """Train up to ``epochs`` (default: config.epochs) in total, checkpointing after each."""
        target = self.config.epochs if epochs is None else epochs
        while self.epoch < target:
            record = {"epoch": self.epoch + 1, "lr": self.optimizer.param_groups[0]["lr"], **self.train_epoch()}
            if self.rank == 0:
                record.update(self.validate())
                self.history.append(record)
                log.info("epoch %d: %s", record["epoch"], {k: round(v, 5) for k, v in record.items() if k != "epoch"})
                if self.out_dir is not None:
                    self.save(self.out_dir / "last.pt")
        return self.history

    # -- checkpoints ----------------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "generator": self.generator.get_state(),
            "epoch": self.epoch,
            "history": self.history,
        }

    def save(self, path: str | Path) -> None:
        save_checkpoint(path, self.state_dict())

    def load(self, path: str | Path) -> None:
        state = load_checkpoint(path, map_location=self.device)
        if "optimizer" not in state:
            raise ValueError(f"expected a training checkpoint (with optimiser state) at {path}, got a model-only one")
        if state["config"] != self.config.to_dict():
            raise ValueError(f"expected the checkpoint at {path} to come from the same config, got {state['config']}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        self.generator.set_state(state["generator"].cpu())
        self.epoch, self.history = state["epoch"], list(state["history"])


def resolve_amp(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``, or None for full precision.

    "auto": bfloat16 on GPUs that compute it natively (compute capability 8.0 and newer), float16
    with a GradScaler on older GPUs (a T4 only emulates bfloat16, slowly), full precision on the
    CPU. "bf16" / "fp16" ask for one explicitly and fail loudly where it cannot run.
    """
    device = torch.device(device)
    if amp == "off":
        return None
    if device.type != "cuda":
        if amp == "auto":
            return None
        raise ValueError(f"expected amp 'auto' or 'off' on {device.type} (autocast {amp} needs a CUDA GPU), got {amp!r}")
    native_bf16 = _native_bf16(device)
    if amp == "bf16" and not native_bf16:
        raise ValueError(f"expected a GPU with native bfloat16 for amp='bf16' (compute capability >= 8.0), got "
                         f"{torch.cuda.get_device_name(device)}; use amp='fp16' or 'auto'")
    if amp == "bf16" or (amp == "auto" and native_bf16):
        return torch.bfloat16
    return torch.float16


def _native_bf16(device: torch.device) -> bool:
    """bfloat16 in hardware, not emulated (``is_bf16_supported`` alone says yes on emulating GPUs)."""
    try:
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:  # torch < 2.3 has no including_emulation; ask for compute capability 8.0
        return torch.cuda.get_device_capability(device) >= (8, 0)


def _compiled(model: nn.Module) -> nn.Module:
    """``torch.compile(model)``, failing loudly (with what to do) where it cannot work."""
    if not hasattr(torch, "compile"):
        raise RuntimeError(f"expected torch >= 2.0 for --compile, got torch {torch.__version__}")
    try:
        return torch.compile(model)
    except Exception as error:  # e.g. an unsupported Python version
        raise RuntimeError(f"torch.compile failed ({error}); train without --compile") from error


def _distributed_rank_and_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _local_device(rank: int) -> torch.device:
    if torch.cuda.is_available():
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device("cpu")


# ---------------------------------------------------------------------------------------------
# CLI


EXAMPLES = """examples:
  python -m ddhpose_lite.train --profile tiny --out runs/tiny              # seconds
  python -m ddhpose_lite.train --profile cpu --out runs/cpu --resume       # the shipped model (mixed data)
  python -m ddhpose_lite.train --profile gpu --out runs/gpu --epochs 80
  python -m ddhpose_lite.train --profile paper --data h36m --data-dir data --out runs/paper
  python -m ddhpose_lite.train --profile paper --data 3dhp --data-dir data --out runs/paper_3dhp
  python -m ddhpose_lite.train --profile paper --dry-run                   # memory arithmetic, no GPU needed
  torchrun --nproc_per_node 4 -m ddhpose_lite.train --profile paper --data h36m --out runs/paper4
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ddhpose_lite.train", description=__doc__.splitlines()[0],
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="cpu", help="named set-up (default: cpu)")
    parser.add_argument("--data", choices=DATA, help="training data (default: the profile's; docs/design.md)")
    parser.add_argument("--data-dir", default="data", help="folder with the Human3.6M / MPI-INF-3DHP files (data/README.md)")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb", help="2D keypoints for h36m: cpn_ft_h36m_dbb or gt")
    parser.add_argument("--out", help="folder for last.pt (written after every epoch); required unless --dry-run")
    parser.add_argument("--resume", action="store_true", help="continue exactly from OUT/last.pt if it exists")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (GPU; slow to start)")
    parser.add_argument("--amp", choices=AMP_MODES, help="mixed precision (default: the profile's)")
    parser.add_argument("--dry-run", action="store_true",
                        help="build the model on the meta device and print its memory arithmetic; train nothing")
    for name, kind in (("epochs", int), ("batch_size", int), ("lr", float), ("lr_decay", float), ("seed", int),
                       ("train_frames", int), ("grad_clip", float)):
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, help="override the profile's value")
    args = parser.parse_args(argv)
    if args.out is None and not args.dry_run:
        parser.error("the following arguments are required: --out (or --dry-run)")
    for name in ("epochs", "batch_size", "train_frames"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    return args


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    overrides = {name: getattr(args, name) for name in ("epochs", "batch_size", "lr", "lr_decay", "seed",
                                                        "train_frames", "grad_clip", "amp", "data")
                 if getattr(args, name) is not None}
    config = dataclasses.replace(PROFILES[args.profile], **overrides)
    if config.data == "3dhp":  # MPI-INF-3DHP has its own 17 joints; the skeleton travels in the checkpoint
        config = dataclasses.replace(config, model=dataclasses.replace(config.model, skeleton=MPI_INF_3DHP))
    return config


def file_sequences(config: TrainConfig, data_dir, keypoints: str = "cpn_ft_h36m_dbb"):
    """Training sequences of the real datasets, all training subjects (as the paper and the
    official code): Human3.6M S1, S5, S6, S7, S8, or the MPI-INF-3DHP training set."""
    if config.data == "h36m":
        return load_h36m(data_dir, keypoints, subjects=H36M_TRAIN_SUBJECTS)
    if config.data == "3dhp":
        return load_mpi_inf_3dhp_npz(data_dir, "train")
    raise ValueError(f"expected data 'h36m' or '3dhp' to read from files, got {config.data!r}")


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        if not torch.cuda.is_available():  # share the cores between the processes
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // dist.get_world_size()))
    config = config_from_args(args)
    if args.dry_run:
        print(format_memory(memory_estimate(config.model, config.batch_size)))
        return
    train_sequences = val_sequences = None
    if config.data not in DATA_SOURCES:  # no validation: every training subject trains, the test split is for testing
        train_sequences, val_sequences = file_sequences(config, args.data_dir, args.keypoints), []
    trainer = Trainer(config, args.out, train_sequences=train_sequences, val_sequences=val_sequences,
                      compile_model=args.compile, progress=True)
    last = Path(args.out) / "last.pt"
    if args.resume and last.exists():
        trainer.load(last)
        log.info("resumed from %s at epoch %d", last, trainer.epoch)
    log.info("training on %s (world size %d): %s", trainer.device, trainer.world, config)
    trainer.fit()
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
