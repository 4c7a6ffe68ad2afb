"""Reproduce the checkpoint shipped in the package (ddhpose_lite/assets/ddhpose_small.pt).

    .venv/bin/python tools/train_checkpoint.py                 # trains, then exports
    .venv/bin/python tools/train_checkpoint.py --export-only   # exports runs/cpu/last.pt

Training is the CLI's `cpu` profile on the embedded data mix (captured CMU motion and procedural
motion, filmed by random cameras): `python -m ddhpose_lite.train --profile cpu --out runs/cpu --resume`.
The export keeps what inference needs: config, float32 weights and the training history.

Training is deterministic on one kind of CPU (two runs gave bit-identical weights), not across
kinds: vectorised kernels round differently with AVX2 and AVX-512, and seven epochs amplify it.
Retrained on an AVX-512 CPU, the weights differed from the shipped ones (made on an AVX2 CPU) by
up to 0.28 and scored MPJPE 97.1 / P-MPJPE 59.1 mm instead of 96.9 / 57.6.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ddhpose_lite import train
from ddhpose_lite.checkpoint import load_checkpoint, save_checkpoint
from ddhpose_lite.mocap import ACKNOWLEDGEMENT

ROOT = Path(__file__).resolve().parents[1]
ASSET = ROOT / "ddhpose_lite" / "assets" / "ddhpose_small.pt"


def export(checkpoint: dict, path: Path = ASSET) -> None:
    state = {
        "config": checkpoint["config"],
        "model": {k: v.detach().cpu().float() for k, v in checkpoint["model"].items()},
        "epoch": checkpoint["epoch"],
        "history": checkpoint["history"],
        "trained_on": "python -m ddhpose_lite.train --profile cpu (the embedded mix: CMU mocap and procedural motion)",
        "acknowledgement": ACKNOWLEDGEMENT,
    }
    save_checkpoint(path, state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "runs" / "cpu"))
    parser.add_argument("--export-only", action="store_true")
    args = parser.parse_args()
    if not args.export_only:
        train.main(["--profile", "cpu", "--out", args.out, "--resume"])
    export(load_checkpoint(Path(args.out) / "last.pt"))
    print(f"exported {ASSET} ({ASSET.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
