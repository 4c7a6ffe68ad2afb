"""Train the small checkpoint shipped in the package (ddhpose_lite/assets/ddhpose_small.pt).

    .venv/bin/python tools/train_checkpoint.py --out runs/small        # resumable; ~1 h on 2 CPU cores

Trains on the embedded synthetic dataset only (detector-like 2D noise and outliers), then
exports weights + config + training history (no optimiser state) to the package's assets.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ddhpose_lite.model import DenoiserConfig
from ddhpose_lite.train import Trainer, TrainConfig, load_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parents[1]
ASSET = ROOT / "ddhpose_lite" / "assets" / "ddhpose_small.pt"

CONFIG = TrainConfig(
    model=DenoiserConfig(frames=27, width=64, depth=4, heads=8),
    epochs=20, batch_size=8, lr=5e-4, lr_decay=0.95, train_frames=50_000, val_frames=5_000,
    noise_2d=3.0, outliers=0.002, seed=0,
)


def export(checkpoint: dict, path: Path = ASSET) -> None:
    """Keep what inference needs from a training checkpoint: config, float32 weights, history."""
    state = {
        "format": checkpoint["format"],
        "config": checkpoint["config"],
        "model": {k: v.detach().cpu().float() for k, v in checkpoint["model"].items()},
        "epoch": checkpoint["epoch"],
        "history": checkpoint["history"],
        "trained_on": "ddhpose_lite.motion synthetic_dataset('train', 50_000, seed=0, noise_2d=3 px, outliers=0.002)",
    }
    save_checkpoint(path, state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "runs" / "small"))
    parser.add_argument("--epochs", type=int, default=CONFIG.epochs)
    parser.add_argument("--export-only", action="store_true", help="export OUT/last.pt without training")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    last = Path(args.out) / "last.pt"
    if not args.export_only:
        trainer = Trainer(CONFIG, args.out)
        if last.exists():
            trainer.load(last)
        trainer.fit(args.epochs)
    export(load_checkpoint(last))
    logging.info("exported %s (%d bytes)", ASSET, ASSET.stat().st_size)


if __name__ == "__main__":
    main()
