"""Evaluate a checkpoint: MPJPE / P-MPJPE / N-MPJPE, per level, per action, PCK / AUC.

    python -m ddhpose_lite.evaluate                                     # shipped checkpoint, synthetic test split
    python -m ddhpose_lite.evaluate --checkpoint runs/cpu/last.pt --hypotheses 20 --iterations 10
    python -m ddhpose_lite.evaluate --data h36m --data-dir data --checkpoint runs/paper/last.pt
    python -m ddhpose_lite.evaluate --data 3dhp --data-dir data/mpi_inf_3dhp

Every sequence is lifted whole (sliding windows, ``Lifter.lift``); hypotheses are aggregated with
P-Agg, J-Agg (reprojection with the sequence's camera and ground-truth root, as in D3DP),
J-Best and P-Best (oracles, per pose). Human3.6M reports the mean of per-action errors (Table 1).
"""
from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field

import torch

from . import metrics
from .datasets import H36M_TEST_SUBJECTS, load_h36m, load_mpi_inf_3dhp, synthetic_sequences
from .lifter import Lifter, load_pretrained

log = logging.getLogger(__name__)

AGGREGATIONS = ("P-Agg", "J-Agg", "J-Best", "P-Best")


@dataclass
class Evaluation:
    """Per-sequence predictions of each aggregation, and the matching ground truth."""

    predictions: dict[str, list[torch.Tensor]] = field(default_factory=lambda: {a: [] for a in AGGREGATIONS})
    targets: list[torch.Tensor] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def summary(self, per_action: bool = False) -> dict[str, dict[str, float]]:
        """aggregation -> {"MPJPE", "P-MPJPE", "N-MPJPE", "level 0".."level 5"} in metres."""
        table = {}
        target = torch.cat(self.targets)
        for name, parts in self.predictions.items():
            if not parts:
                continue
            if per_action:
                row = {"MPJPE": metrics.per_action_errors(parts, self.targets, self.actions)["Average"],
                       "P-MPJPE": metrics.per_action_errors(parts, self.targets, self.actions, "p_mpjpe")["Average"]}
            else:
                pred = torch.cat(parts)
                row = {"MPJPE": float(metrics.mpjpe(pred, target)), "P-MPJPE": float(metrics.p_mpjpe(pred, target)),
                       "N-MPJPE": float(metrics.n_mpjpe(pred, target))}
            by_level = metrics.mpjpe_by_level(torch.cat(parts), target)
            row.update({f"level {i}": float(v) for i, v in enumerate(by_level)})
            table[name] = row
        return table


def evaluate(lifter: Lifter, sequences, hypotheses: int = 1, iterations: int = 1, seed: int = 0,
             flip: bool = True) -> Evaluation:
    """Lift every sequence and collect the aggregated predictions (valid frames only)."""
    result = Evaluation()
    for seq in sequences:
        lifted = lifter.lift(seq.keypoints_2d, hypotheses=hypotheses, iterations=iterations, seed=seed, flip=flip)
        hyp = lifted.poses[-1]  # [H, F, 17, 3], the last DDIM iteration
        keep = seq.valid if seq.valid is not None else torch.ones(len(seq), dtype=torch.bool)
        truth = seq.poses_3d.float()
        result.predictions["P-Agg"].append(metrics.p_agg(hyp)[keep])
        if seq.camera is not None and seq.trajectory is not None:
            picked = metrics.j_agg(hyp, seq.keypoints_2d.float(), seq.camera, seq.trajectory.float())
            result.predictions["J-Agg"].append(picked[keep])
        result.predictions["J-Best"].append(metrics.j_best(hyp, truth)[keep])
        result.predictions["P-Best"].append(metrics.p_best(hyp, truth)[keep])
        result.targets.append(truth[keep])
        result.actions.append(seq.action)
    if len(result.predictions["J-Agg"]) != len(result.targets):
        result.predictions["J-Agg"] = []  # some sequence had no camera: not comparable
    return result


def format_summary(table: dict[str, dict[str, float]]) -> str:
    """``Evaluation.summary`` as a Markdown table in millimetres."""
    columns = list(next(iter(table.values())))
    rows = [[name, *(f"{1000 * row[c]:.1f}" for c in columns)] for name, row in table.items()]
    return metrics.markdown_table(["aggregation", *columns], rows) + "\n(mm)"


EXAMPLES = __doc__.split("\n\n")[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ddhpose_lite.evaluate", description=__doc__.splitlines()[0],
                                     epilog="examples:\n" + EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="a training checkpoint or exported model (default: the shipped one)")
    parser.add_argument("--data", choices=("synthetic", "h36m", "3dhp"), default="synthetic")
    parser.add_argument("--data-dir", default=None, help="data (h36m) or data/mpi_inf_3dhp (3dhp)")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb", help="h36m 2D keypoints: cpn_ft_h36m_dbb or gt")
    parser.add_argument("--frames", type=int, default=10_000, help="synthetic test frames")
    parser.add_argument("--hypotheses", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-flip", action="store_true", help="no test-time flip augmentation")
    args = parser.parse_args(argv)
    for name in ("hypotheses", "iterations", "frames"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")

    device = "cuda" if torch.cuda.is_available() else "cpu"
    lifter = load_pretrained(args.checkpoint, device=device)
    if args.data == "synthetic":
        sequences = synthetic_sequences("test", args.frames, seed=0, noise_2d=3.0, outliers=0.002)
    elif args.data == "h36m":
        sequences = load_h36m(args.data_dir or "data", args.keypoints, subjects=H36M_TEST_SUBJECTS)
    else:
        sequences = load_mpi_inf_3dhp(args.data_dir or "data/mpi_inf_3dhp")
    result = evaluate(lifter, sequences, args.hypotheses, args.iterations, args.seed, flip=not args.no_flip)
    print(f"{args.data}: {len(sequences)} sequences, {sum(len(t) for t in result.targets)} frames, "
          f"H={args.hypotheses}, K={args.iterations}, flip={not args.no_flip}")
    print(format_summary(result.summary(per_action=args.data == "h36m")))
    if args.data == "h36m":
        for metric, label in (("mpjpe", "Protocol #1 (MPJPE)"), ("p_mpjpe", "Protocol #2 (P-MPJPE)")):
            rows = {"P-Agg": metrics.per_action_errors(result.predictions["P-Agg"], result.targets, result.actions, metric)}
            print(f"\n{label}, mm\n" + metrics.format_action_table(rows))
    if args.data == "3dhp":
        pred, target = torch.cat(result.predictions["P-Agg"]), torch.cat(result.targets)
        print(f"\nPCK@150mm {metrics.pck(pred, target):.1f}  AUC {metrics.auc(pred, target):.1f}")


if __name__ == "__main__":
    main()
