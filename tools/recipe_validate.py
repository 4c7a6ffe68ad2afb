"""Validation of checkpoints on fresh draws of the TRAINING population (never a test split): the
figures of docs/recipe.md.

    .venv/bin/python tools/recipe_validate.py runs/a/last.pt runs/b/last.pt [--frames 8000] [--settings 1x1 5x5]

Each checkpoint lifts whole sequences with ``Lifter.lift`` (flip on, seed 0), as a user would, at
every H x K setting; the sequences are the data mix's training subjects and actions, filmed anew with
seed 30_000 (the trainer validates with seed + 10_000 and trains with seed and seed + 20_000 + e).
Prints MPJPE / P-MPJPE in mm per checkpoint and setting, for the captured and the procedural half,
and for the frames of both halves whose torso is tilted more than 45 degrees (the training
population's counterpart of the evaluation's stress split). ``--hips-up M`` adds a column: both
halves with the 2D hips where a detector may put them, M metres up the spine
(``datasets.with_moved_hips``; ``benchmarks/hip_offset.py`` does the same on the test people).
``--holdout`` is for runs trained with ``--holdout``: the captured half is then the subjects they
trained on (split "fit") and a "held-out" column lifts the two held-out training subjects
(``mocap.HOLDOUT_SUBJECTS``): people and motions the run never saw, without the test split.
"""
from __future__ import annotations

import argparse
import time

from ddhpose_lite.datasets import embedded_sequences, with_moved_hips
from ddhpose_lite.evaluate import STRESS_TILT, Evaluation, evaluate
from ddhpose_lite.lifter import load_pretrained

SEED = 30_000


def validation_sequences(frames: int, noise_2d: float = 3.0, holdout: bool = False):
    """(name, sequences) of both halves of the mix, ``frames`` each; with ``holdout`` the captured
    half without the held-out subjects, and those as a third group, "held-out"."""
    def draw(data, split):
        return embedded_sequences(data, split, frames, SEED, noise_2d=noise_2d, outliers=0.002)
    if not holdout:
        return [(name, draw(name, "train")) for name in ("mocap", "synthetic")]
    return [("mocap", draw("mocap", "fit")), ("synthetic", draw("synthetic", "train")),
            ("held-out", draw("mocap", "holdout"))]


def errors(evaluation: Evaluation) -> tuple[float, float]:
    """Frame-weighted MPJPE and P-MPJPE (mm) of P-Agg over the evaluated frames."""
    row = evaluation.summary()["P-Agg"]
    return 1000 * row["MPJPE"], 1000 * row["P-MPJPE"]


def columns(lifter, halves, hypotheses: int, iterations: int, hips_up: float = 0.0) -> list[tuple[str, float, float]]:
    """(column, MPJPE, P-MPJPE): each half, the tilted frames of both (``STRESS_TILT``), and with
    ``hips_up`` both halves with the 2D hips moved that far up."""
    evaluations = {name: evaluate(lifter, seqs, hypotheses, iterations, seed=0) for name, seqs in halves}
    population = [name for name in evaluations if name != "held-out"]
    tilted = Evaluation([r for name in population for r in evaluations[name].by_tilt(STRESS_TILT, 181).records])
    out = {**evaluations, "tilted": tilted}
    if hips_up:
        moved = [with_moved_hips(s, 0.0, hips_up) for name, seqs in halves if name in population for s in seqs]
        out[f"hips+{100 * hips_up:.0f}cm"] = evaluate(lifter, moved, hypotheses, iterations, seed=0)
    return [(name, *errors(e)) for name, e in out.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--frames", type=int, default=8000, help="frames per half of the mix")
    parser.add_argument("--settings", nargs="+", default=["1x1", "5x5"], help="HxK settings")
    parser.add_argument("--hips-up", type=float, default=0.0, help="also lift with the 2D hips moved up (metres)")
    parser.add_argument("--holdout", action="store_true",
                        help="runs trained with --holdout: validate on the held-out training subjects too")
    args = parser.parse_args()
    halves = validation_sequences(args.frames, holdout=args.holdout)
    for path in args.checkpoints:
        lifter = load_pretrained(path)
        for setting in args.settings:
            h, k = (int(v) for v in setting.split("x"))
            start = time.perf_counter()
            row = [f"{name} {m:6.1f} / {p:5.1f}" for name, m, p in columns(lifter, halves, h, k, args.hips_up)]
            print(f"{path}  H={h} K={k}  " + "  ".join(row) + f"  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
