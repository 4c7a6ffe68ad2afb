"""Reproduce the two checkpoints shipped in the package: DDHPose (ddhpose_lite/assets/ddhpose_small.pt)
and the single-frame baseline of Martinez et al. (assets/baseline_small.pt), on the embedded data mix.

    .venv/bin/python tools/train_checkpoint.py                 # trains what is missing, then exports
    .venv/bin/python tools/train_checkpoint.py --export-only   # exports runs/cpu*/last.pt

The recipe (docs/recipe.md says why, experiment by experiment) runs three commands of
`python -m ddhpose_lite.train`, each resumable (--resume):

1. the baseline: `--method baseline` (512-wide residual MLP, one frame per clip, 512 frames a step);
2. the regression member (DDHPose's backbone without diffusion) with the cpu profile's recipe: one-cycle
   learning rate, a fresh draw of the training population every epoch;
3. DDHPose, started from stage 2's weights (`--init-from`: x̂_0 starts as the regression answer),
   with half of its clips at t >= 0.9 T (`--large-t 0.5`, the cpu profile's).

Each stage's epoch count was chosen on validation of fresh draws of the training population, never
the test split. Training is deterministic on one kind of CPU (two runs give bit-identical weights;
a resumed run continues exactly), not across kinds: vectorised kernels round differently with AVX2
and AVX-512, and many steps amplify it. The export keeps what inference needs: config, float32
weights and the training history.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ddhpose_lite import train
from ddhpose_lite.checkpoint import load_checkpoint, save_checkpoint
from ddhpose_lite.lifter import PRETRAINED
from ddhpose_lite.mocap import ACKNOWLEDGEMENT

ROOT = Path(__file__).resolve().parents[1]

STAGES = {
    "baseline": ["--profile", "cpu", "--method", "baseline", "--batch-size", "512", "--lr", "1e-3", "--epochs", "30",
                 "--large-t", "0", "--stride", "0", "--train-frames", "100000"],  # stride 0: every frame
    "regression": ["--profile", "cpu", "--method", "regression", "--lr", "1e-3", "--epochs", "8", "--large-t", "0"],
    "ddhpose": ["--profile", "cpu"],  # + --init-from the regression stage
}
"""The command line of each stage (``python -m ddhpose_lite.train ... --out RUNS/cpu_STAGE``)."""

SHIPPED = {"baseline": "baseline", "ddhpose": "ddhpose"}
"""Which stage becomes which shipped checkpoint (``lifter.PRETRAINED``)."""


def stage_command(stage: str, runs: Path) -> list[str]:
    """The full command line of a stage, its output folder and --resume included."""
    args = [*STAGES[stage], "--out", str(runs / f"cpu_{stage}"), "--resume"]
    if stage == "ddhpose":
        args += ["--init-from", str(runs / "cpu_regression" / "last.pt")]
    return args


HALF = {"baseline"}
"""Stages exported with float16 weights (loaded back as float32): the baseline's 1.1 M parameters
take 2.2 MB instead of 4.4 MB, and lift within 0.01 mm of the float32 model."""


def export(checkpoint: dict, path: Path, command: list[str], half: bool = False, init_history=None) -> None:
    """The inference part of a training checkpoint, written to ``path``; ``init_history``: the
    validation curve of the run it was started from (lesson 05 draws both)."""
    dtype = torch.float16 if half else torch.float32
    state = {
        "config": checkpoint["config"],
        "model": {k: v.detach().cpu().to(dtype) if v.is_floating_point() else v.cpu()
                  for k, v in checkpoint["model"].items()},
        "epoch": checkpoint["epoch"],
        "history": checkpoint["history"],
        **({"init_history": init_history} if init_history else {}),
        "trained_on": "python -m ddhpose_lite.train " + " ".join(command) + " (the embedded mix: CMU mocap and "
                      "procedural motion)",
        "acknowledgement": ACKNOWLEDGEMENT,
    }
    save_checkpoint(path, state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="runs", help="folder of the three stages' runs (relative: to the checkout)")
    parser.add_argument("--export-only", action="store_true")
    args = parser.parse_args()
    runs = Path(args.runs)  # stored in the DDHPose checkpoint's config as its --init-from
    for stage in STAGES:
        if not args.export_only:
            train.main(stage_command(stage, runs))
    for stage, name in SHIPPED.items():
        command = [a for a in stage_command(stage, runs) if a != "--resume"]
        checkpoint = load_checkpoint(runs / f"cpu_{stage}" / "last.pt")
        before = None
        if stage == "ddhpose":  # the config names the regression stage as the command did
            before = load_checkpoint(runs / "cpu_regression" / "last.pt")["history"]
            checkpoint["config"] = {**checkpoint["config"], "init_from": command[command.index("--init-from") + 1]}
        export(checkpoint, PRETRAINED[name], command, stage in HALF, before)
        print(f"exported {PRETRAINED[name]} ({PRETRAINED[name].stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
