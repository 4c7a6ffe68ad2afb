"""The resumable trainer: single process or DDP (torchrun), mixed precision, exact resume.

Checkpoints are written atomically (temporary file + rename) after every epoch; ``Trainer.load``
continues exactly where the last checkpoint stopped (weights, optimiser, learning rate, RNG).
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from .bones import mirror
from .checkpoint import load_checkpoint, model_from_state, save_checkpoint
from .datasets import DATA_SOURCES, ClipDataset, embedded_sequences
from .diffusion import Schedule
from .errors import UserInputError
from .metrics import mpjpe, p_mpjpe
from .baseline import build_model
from .objective import diffusion_loss
from .profiles import TrainConfig
from .sampling import regress, sample_poses
from .starts import DETERMINISTIC, fit_gmm, fit_residuals, prior_from_dict

log = logging.getLogger(__name__)

VALIDATION_FRAMES = 256 * 27
"""Frames the per-epoch validation looks at (256 windows of the cpu profile's 27 frames)."""

FRESH_SEED = 20_000
"""``fresh_data``: epoch e >= 1 draws its windows with seed + FRESH_SEED + e (validation uses
seed + 10_000, epoch 0 the seed itself)."""

__all__ = ["Trainer", "fit_prior", "resolve_amp", "default_device", "initialise_from"]


def embedded_draw(config: TrainConfig, frames: int, seed: int) -> list:
    """``frames`` frames of the embedded training population of ``config.data``, filmed as the
    config says (split "fit" with ``holdout``: without ``mocap.HOLDOUT_SUBJECTS``)."""
    jitter = {"speed_jitter": config.speed_jitter} if config.speed_jitter else {}
    return embedded_sequences(config.data, "fit" if config.holdout else "train", frames, seed,
                              noise_2d=config.noise_2d, outliers=config.outliers, hip_jitter=config.hip_jitter,
                              **jitter)


def fit_prior(config: TrainConfig, dataset: ClipDataset, device=None, max_frames: int = 20_000):
    """The start distribution a member needs, fitted on training windows (None for the others).

    "gmm": ``fit_gmm`` on up to ``max_frames`` root-relative training poses (seeded by
    config.seed); "refine": the base checkpoint's regression model lifts the training windows
    (no flip) and ``fit_residuals`` fits r = y - ŷ_base given the 2D. Returns (prior, base state
    dict for the checkpoint or None).
    """
    if config.method not in ("gmm", "refine"):
        return None, None
    clips = max(1, min(len(dataset), max_frames // config.model.frames))
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(config.seed))[:clips]
    batch = dataset.batch(order)
    mask = batch["mask"]
    truth = batch["poses_3d"][..., 1:, :]
    if config.method == "gmm":
        return fit_gmm(truth[mask], config.gmm_components, seed=config.seed), None
    state = load_checkpoint(config.base_checkpoint)
    if state["config"].get("method") not in DETERMINISTIC:
        raise UserInputError(f"expected a regression or baseline checkpoint as the base of 'refine', got method "
                             f"{state['config'].get('method', 'ddhpose')!r} at {config.base_checkpoint}")
    base = model_from_state(state, device)
    kp = batch["keypoints_2d"].to(next(base.parameters()).device)
    estimate = regress(base, kp).cpu()[..., 1:, :]
    prior = fit_residuals((truth - estimate)[mask], batch["keypoints_2d"][mask])
    return prior, {"config": state["config"], "model": state["model"]}


def initialise_from(model: nn.Module, path: str | Path) -> list[str]:
    """Start ``model`` from the weights of a checkpoint of the same backbone (e.g. DDHPose from the
    regression member): every tensor with the same name and shape is copied. The input embedding,
    wider in ``model`` by the noisy state's channels, takes the checkpoint's 2D columns and zeros
    for the rest, and the timestep MLP's last layer is zeroed, so that at the start the model's x̂_0
    is exactly the checkpoint's prediction from the 2D alone, whatever x_t and t (at t = T that IS
    the answer: x_T holds no information). Returns the names left at their initialisation."""
    source = load_checkpoint(path)["model"]
    own = model.state_dict()
    fresh = []
    with torch.no_grad():
        for name, tensor in own.items():
            theirs = source.get(name)
            if theirs is not None and theirs.shape == tensor.shape:
                tensor.copy_(theirs)
            elif name == "input_embedding.weight" and theirs is not None and theirs.shape[0] == tensor.shape[0]:
                tensor.zero_()[:, :theirs.shape[1]] = theirs
            else:
                fresh.append(name)
        if hasattr(model, "time_mlp"):
            model.time_mlp[-1].weight.zero_()
            model.time_mlp[-1].bias.zero_()
    if len(fresh) == len(own):
        raise UserInputError(f"expected a checkpoint of the same backbone at {path}, got no tensor that fits")
    return fresh


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
            train_sequences = embedded_draw(config, config.train_frames, config.seed)
        if val_sequences is None:  # fresh draws of the training population; never the test split
            val_sequences = (embedded_draw(config, config.val_frames, config.seed + 10_000)
                             if config.data in DATA_SOURCES else [])
        self.stride = stride
        self.train_data = ClipDataset(train_sequences, frames, stride)
        self.val_data = ClipDataset(val_sequences, frames, frames) if val_sequences else None
        self.prior, self.base_state = fit_prior(config, self.train_data, self.device)
        self.base = None if self.base_state is None else model_from_state(self.base_state, self.device)
        torch.manual_seed(config.seed)
        self.model = build_model(config.model)
        if config.init_from:
            initialise_from(self.model, config.init_from)
        self.model = self.model.to(self.device)
        self.network = _compiled(self.model) if compile_model else self.model
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.network = nn.parallel.DistributedDataParallel(self.network, device_ids=ids)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.steps_per_epoch = len(self._batches(0))
        if config.lr_schedule == "onecycle":  # stepped after every batch
            self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
                self.optimizer, max_lr=config.lr, total_steps=config.epochs * self.steps_per_epoch,
                pct_start=config.warmup)
        else:  # stepped after every epoch
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

    def _epoch_data(self, epoch: int) -> ClipDataset:
        """The training windows of an epoch: the same every epoch, or with ``fresh_data`` a new draw
        of the training population from epoch 2 on (seeded by (seed, epoch), so resuming redraws it)."""
        if not self.config.fresh_data or epoch == 0:
            return self.train_data
        config = self.config
        sequences = embedded_draw(config, config.train_frames, config.seed + FRESH_SEED + epoch)
        return ClipDataset(sequences, config.model.frames, self.stride)

    def _batches(self, epoch: int, data: ClipDataset | None = None):
        """The epoch's batches of window indices; with ``flip_both`` indices run over twice the
        windows, and index i >= len(data) is window i - len(data) mirrored (``_split_mirrored``)."""
        data = self.train_data if data is None else data
        items = len(data) * (2 if self.config.flip_both else 1)
        order = torch.randperm(items, generator=torch.Generator().manual_seed(self.config.seed * 100_003 + epoch))
        size = self.config.batch_size
        batches = [order[i:i + size] for i in range(0, len(order) - size + 1, size)]  # full batches only
        batches = batches[: len(batches) // self.world * self.world]  # every rank takes as many steps
        return batches[self.rank::self.world]

    @staticmethod
    def _split_mirrored(indices: torch.Tensor, windows: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``flip_both``: batch items -> (window indices, True where the window is used mirrored)."""
        return indices % windows, indices >= windows

    def _flip_half(self, keypoints_2d, poses_3d, epoch: int, step: int, chosen=None):
        if chosen is None:  # half the clips at random; ``flip_both`` passes its own choice
            g = torch.Generator().manual_seed(self.config.seed * 7919 + epoch * 100_000 + step)
            chosen = torch.rand(keypoints_2d.shape[0], generator=g) < 0.5
        chosen = chosen.to(keypoints_2d.device)
        skeleton = self.config.model.skeleton
        flipped_2d, flipped_3d = mirror(keypoints_2d, skeleton), mirror(poses_3d, skeleton)
        pick = chosen[:, None, None, None]
        return torch.where(pick, flipped_2d, keypoints_2d), torch.where(pick, flipped_3d, poses_3d)

    def train_epoch(self) -> dict:
        self.network.train()
        totals = torch.zeros(4, device=self.device)  # loss, pose, length, direction: summed on the device
        data = self._epoch_data(self.epoch)
        batches = self._batches(self.epoch, data)
        per_step = self.config.lr_schedule == "onecycle"
        if per_step:  # the schedule's length was fixed by epoch 1; a fresh draw may cut a few more windows
            batches = batches[:self.steps_per_epoch]
        frames_per_step = self.config.batch_size * self.config.model.frames * self.world
        bar = tqdm(total=len(batches), desc=f"epoch {self.epoch + 1}", leave=False,
                   disable=not (self.progress and self.rank == 0))
        start = time.perf_counter()
        for step, indices in enumerate(batches):
            mirrored = None
            if self.config.flip_both:
                indices, mirrored = self._split_mirrored(indices, len(data))
            batch = data.batch(indices)
            if self.device.type == "cuda":
                batch = {k: v.pin_memory() for k, v in batch.items()}
            kp = batch["keypoints_2d"].to(self.device, non_blocking=True)
            pose = batch["poses_3d"].to(self.device, non_blocking=True)
            if self.config.flip:
                kp, pose = self._flip_half(kp, pose, self.epoch, step, mirrored)
            with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
                objective, parts = diffusion_loss(self.network, kp, pose, self.schedule, self.generator,
                                                  self.config.loss, self.config.model.clip, self.config.model.skeleton,
                                                  self.config.method, self.prior, self.config.large_t)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(objective).backward()
            if self.config.grad_clip > 0:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if per_step:
                self.scheduler.step()
            totals += torch.stack([parts["loss"], parts["pose"], parts["length"], parts["direction"]]).float()
            bar.update()
            if not bar.disable and (step % 10 == 9 or step == len(batches) - 1):  # a sync every 10 steps only
                rate = (step + 1) * frames_per_step / (time.perf_counter() - start)
                bar.set_postfix(loss=f"{float(totals[0]) / (step + 1):.4f}", frames_per_s=f"{rate:,.0f}")
        bar.close()
        if not per_step:
            self.scheduler.step()
        self.epoch += 1
        means = (totals / max(1, len(batches))).tolist()
        return dict(zip(("loss", "pose", "length", "direction"), means))

    @torch.no_grad()
    def validate(self, hypotheses: int = 1, iterations: int = 1, max_clips: int | None = None) -> dict:
        """MPJPE / P-MPJPE (metres) of the mean over hypotheses, on fresh draws of the training
        population; at most ``max_clips`` windows (default: as many as hold ``VALIDATION_FRAMES``)."""
        if self.val_data is None:
            return {}
        self.model.eval()
        max_clips = max(1, VALIDATION_FRAMES // self.config.model.frames) if max_clips is None else max_clips
        indices = torch.arange(min(len(self.val_data), max_clips))
        batch = self.val_data.batch(indices)
        kp, truth, mask = (batch[k].to(self.device) for k in ("keypoints_2d", "poses_3d", "mask"))
        poses = sample_poses(self.model, kp, self.schedule, hypotheses, iterations, seed=self.config.seed,
                             method=self.config.method, prior=self.prior, base=self.base)
        mean_pose = poses[-1].mean(0)[mask]
        return {"val_mpjpe": float(mpjpe(mean_pose, truth[mask])), "val_p_mpjpe": float(p_mpjpe(mean_pose, truth[mask]))}

    def fit(self, epochs: int | None = None) -> list[dict]:
        """Train up to ``epochs`` (default: config.epochs) in total, checkpointing after each."""
        target = self.config.epochs if epochs is None else epochs
        if self.config.lr_schedule == "onecycle" and target > self.config.epochs:
            raise ValueError(f"expected at most epochs={self.config.epochs} with the one-cycle schedule (its length "
                             f"is fixed at the start), got {target}")
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
        extra = {} if self.prior is None else {"prior": self.prior.to_dict()}
        if self.base_state is not None:
            extra["base"] = self.base_state
        return {
            **extra,
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
            raise UserInputError(f"expected a training checkpoint (with optimiser state) at {path}, "
                                 "got a model-only one")
        if TrainConfig.from_dict(state["config"]).to_dict() != self.config.to_dict():
            raise UserInputError(f"expected the checkpoint at {path} to come from the same config, "
                                 f"got {state['config']}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        self.generator.set_state(state["generator"].cpu())
        self.epoch, self.history = state["epoch"], list(state["history"])
        if "prior" in state:
            self.prior = prior_from_dict(state["prior"])


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
        raise UserInputError(f"expected amp 'auto' or 'off' on {device.type} (autocast {amp} needs a CUDA GPU), "
                             f"got {amp!r}")
    native_bf16 = _native_bf16(device)
    if amp == "bf16" and not native_bf16:
        raise UserInputError(f"expected a GPU with native bfloat16 for amp='bf16' (compute capability >= 8.0), got "
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
