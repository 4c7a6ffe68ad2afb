"""Training from a terminal: ``python -m ddhpose_lite.train`` (single process, or torchrun).

    python -m ddhpose_lite.train --out runs/small --epochs 20          # synthetic data, CPU or GPU
    torchrun --nproc_per_node 4 -m ddhpose_lite.train --out runs/gpu4  # several GPUs (DDP)

The pieces live where a reader looks for them: the objective (Eq. 7-10) in ``objective``, the
configs, profiles and family in ``profiles``, the resumable ``Trainer`` in ``trainer``; their
public names are importable from here too. ``--resume`` continues exactly where OUT/last.pt stopped.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from pathlib import Path

import torch
import torch.distributed as dist

from .checkpoint import load_checkpoint
from .datasets import DATA_SOURCES, H36M_TRAIN_SUBJECTS, load_h36m, load_mpi_inf_3dhp_npz
from .errors import user_errors_exit
from .memory import format_memory, memory_estimate
from .objective import LOSS_FORMS, LossWeights, diffusion_loss, noisy_state
from .profiles import AMP_MODES, DATA, FAMILY, LR_SCHEDULES, PROFILES, Member, TrainConfig, family_config
from .skeleton import MPI_INF_3DHP
from .starts import METHODS
from .trainer import Trainer, default_device, fit_prior, resolve_amp

log = logging.getLogger(__name__)

__all__ = ["LossWeights", "TrainConfig", "Trainer", "PROFILES", "diffusion_loss", "noisy_state", "FAMILY", "Member",
           "family_config", "fit_prior", "resolve_amp", "default_device", "load_checkpoint", "LOSS_FORMS",
           "AMP_MODES", "main"]


PROG = "python -m ddhpose_lite.train"

EXAMPLES = """examples:
  python -m ddhpose_lite.train --profile tiny --out runs/tiny              # seconds
  python -m ddhpose_lite.train --profile cpu --out runs/cpu --resume       # the shipped model (mixed data)
  python -m ddhpose_lite.train --profile gpu --out runs/gpu --epochs 80
  python -m ddhpose_lite.train --profile paper --data h36m --data-dir data --out runs/paper
  python -m ddhpose_lite.train --profile paper --data 3dhp --data-dir data --out runs/paper_3dhp
  python -m ddhpose_lite.train --profile paper --dry-run                   # memory arithmetic, no GPU needed
  python -m ddhpose_lite.train --method regression --out runs/regression  # another member of the family
  python -m ddhpose_lite.train --method refine --base runs/regression/last.pt --out runs/refine
  torchrun --nproc_per_node 4 -m ddhpose_lite.train --profile paper --data h36m --out runs/paper4
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0],
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="cpu", help="named set-up (default: cpu)")
    parser.add_argument("--data", choices=DATA, help="training data (default: the profile's; docs/design.md)")
    parser.add_argument("--data-dir", default="data", help="folder with the Human3.6M / MPI-INF-3DHP files (data/README.md)")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb", help="2D keypoints for h36m: cpn_ft_h36m_dbb or gt")
    parser.add_argument("--out", help="folder for last.pt (written after every epoch); required unless --dry-run")
    parser.add_argument("--resume", action="store_true", help="continue exactly from OUT/last.pt if it exists")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (GPU; slow to start)")
    parser.add_argument("--amp", choices=AMP_MODES, help="mixed precision (default: the profile's)")
    parser.add_argument("--method", choices=METHODS, help="the member of the family (default: ddhpose; FAMILY)")
    parser.add_argument("--base", help="--method refine: the regression checkpoint to refine")
    parser.add_argument("--dry-run", action="store_true",
                        help="build the model on the meta device and print its memory arithmetic; train nothing")
    for name, kind in RUN_OPTIONS + MODEL_OPTIONS:
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, help="override the profile's value")
    parser.add_argument("--lr-schedule", choices=LR_SCHEDULES, help="exponential (per epoch) or onecycle (per step)")
    parser.add_argument("--fresh-data", action="store_true", default=None,
                        help="embedded data: a new draw of --train-frames every epoch")
    parser.add_argument("--holdout", action="store_true", default=None,
                        help="recipe experiments: train without the held-out CMU subjects (docs/recipe.md)")
    parser.add_argument("--init-from", help="start from this checkpoint's weights (same backbone; docs/recipe.md)")
    parser.add_argument("--relative-2d", action="store_true", default=None,
                        help="each joint's token also gets its 2D offset from the root (docs/recipe.md)")
    parser.add_argument("--whole-pose-2d", action="store_true", default=None,
                        help="every token of a frame also gets an embedding of the frame's whole 2D pose")
    args = parser.parse_args(argv)
    if args.out is None and not args.dry_run:
        parser.error("the following arguments are required: --out (or --dry-run)")
    for name in ("epochs", "batch_size", "train_frames", "val_frames", "frames", "width", "depth", "heads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    return args


RUN_OPTIONS = (("epochs", int), ("batch_size", int), ("lr", float), ("lr_decay", float), ("seed", int),
               ("train_frames", int), ("val_frames", int), ("grad_clip", float), ("warmup", float),
               ("large_t", float), ("noise_2d", float), ("stride", int), ("hip_jitter", float),
               ("speed_jitter", float))
"""TrainConfig fields the command line can override (``--batch-size`` etc.)."""

MODEL_OPTIONS = (("frames", int), ("width", int), ("depth", int), ("heads", int), ("dropout", float),
                 ("drop_path", float), ("whole_pose_hidden", int))
"""DenoiserConfig fields the command line can override."""

MODEL_SWITCHES = (("relative_2d", bool), ("whole_pose_2d", bool))
"""DenoiserConfig switches the command line can turn on (``--relative-2d``, ``--whole-pose-2d``)."""


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The profile, as the family member ``--method`` (``family_config``), then every override."""
    config = PROFILES[args.profile]
    if getattr(args, "method", None) is not None:
        config = family_config(args.method, config, base_checkpoint=getattr(args, "base", None) or "")
    names = [name for name, _ in RUN_OPTIONS] + ["amp", "data", "lr_schedule", "fresh_data", "init_from", "holdout"]
    overrides = {name: getattr(args, name, None) for name in names}
    if overrides["data"] not in (None, *DATA_SOURCES) and overrides["fresh_data"] is None:
        overrides["fresh_data"] = False  # files have a fixed size: the profile's fresh draws do not apply
    model = {name: getattr(args, name, None) for name, _ in MODEL_OPTIONS + MODEL_SWITCHES}
    model = {name: value for name, value in model.items() if value is not None}
    if model:
        overrides["model"] = dataclasses.replace(config.model, **model)
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
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
    """The command line: a bad input (a missing data folder, a checkpoint of another config) exits
    with status 2 and one line on stderr (``errors.user_errors_exit``)."""
    args = parse_args(argv)
    with user_errors_exit(PROG):
        run(args)


def run(args: argparse.Namespace) -> None:
    """Train (or with ``--dry-run`` print the memory arithmetic) as ``args`` say."""
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
