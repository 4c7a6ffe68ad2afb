"""Evaluate a checkpoint: MPJPE / P-MPJPE / N-MPJPE, per level, per action, per torso tilt, PCK / AUC.

    python -m ddhpose_lite.evaluate                                      # shipped checkpoint, the report below
    python -m ddhpose_lite.evaluate --data mocap --hypotheses 5 --iterations 5
    python -m ddhpose_lite.evaluate --data h36m --data-dir data --checkpoint runs/paper/last.pt --hypotheses 20 --iterations 10
    python -m ddhpose_lite.evaluate --data 3dhp --data-dir data/mpi_inf_3dhp --checkpoint runs/paper_3dhp/last.pt
    python -m ddhpose_lite.evaluate --profile paper --data h36m --data-dir data --checkpoint runs/paper/last.pt

Every sequence is lifted whole (``Lifter.lift``: blended overlapping windows, or with
``--windows chunks`` the official back-to-back chunks); hypotheses are aggregated with
P-Agg, J-Agg (reprojection with the sequence's camera and ground-truth root, as in D3DP),
J-Best and P-Best (oracles, per pose). The P-MPJPE of J-Agg and J-Best follows the official
evaluation: every hypothesis is Procrustes-aligned first, then joints are picked
(``metrics.picked_p_errors``), and P-Best's P-MPJPE picks the hypothesis by its aligned error
(``metrics.p_best_p_errors``); ``--picks assembled`` aligns the assembled pose instead.
Human3.6M reports the mean of per-action errors (Table 1); MPI-INF-3DHP per sequence, per scene
and overall (Table 3), every aggregation, against ``annot3`` and with the overall row the plain
mean over the sequences, as the official evaluation (``--universal``, ``--overall frames`` for
the other conventions). ``--profile paper`` sets what the paper's figures used: the official
windows, and H, K from ``profiles.TEST_TIME`` unless given. Without ``--data`` the report of the embedded test data runs: the
procedural test split, the captured test subjects (CMU) and the stress split of their
non-upright frames (torso tilted more than 45°), each at H = K = 1 and H = K = 5, with the error
by torso-tilt bin.
"""
from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field

import torch

from . import metrics
from .datasets import (H36M_TEST_SUBJECTS, MPI_INF_3DHP_SCENES, embedded_sequences, h36m_action, load_h36m,
                       load_mpi_inf_3dhp, load_mpi_inf_3dhp_npz, mocap_sequences, synthetic_sequences, torso_tilt)
from .errors import user_errors_exit
from .lifter import WINDOW_SCHEMES, Lifter, load_pretrained
from .profiles import TEST_TIME

log = logging.getLogger(__name__)

AGGREGATIONS = ("P-Agg", "J-Agg", "J-Best", "P-Best")
PICKS = ("official", "assembled")
TILT_BINS = ((0, 30), (30, 60), (60, 90), (90, 180))
"""Torso tilt from vertical, degrees: upright, leaning, nearly lying, lying or upside down."""
STRESS_TILT = 45.0
"""The stress split: frames whose torso is tilted more than this from vertical."""
OVERALL = ("sequences", "frames")
"""The overall row of the 3DHP table: the plain mean over sequences (official) or pooled frames."""
OFFICIAL_3DHP_SAMPLER = (
    "note: the official 3DHP sampler (ddhpose_3dhp.py) computes the noise estimate of the bones ending at "
    "file joints 0-13 from the noisy state of the NEXT slot (its bone tensor has the root at slot 14, but "
    "it drops slot 0, as for Human3.6M), so its multi-step (K > 1) 3DHP figures come from a sampler that "
    "mixes bones; ours reads each bone's own state. K = 1 (Table 3's H = W = 1) is not affected.")
"""Printed beside multi-step 3DHP results: why they are not comparable with the official code's."""


@dataclass
class Record:
    """One evaluated sequence (valid frames only): the truth [F, J, 3], each aggregation's poses,
    the official per-frame P-MPJPE of J-Agg / J-Best, and the torso tilt [F] (degrees) when the
    sequence knows where up is."""

    subject: str
    action: str
    target: torch.Tensor
    predictions: dict[str, torch.Tensor]
    picked_p: dict[str, torch.Tensor] = field(default_factory=dict)
    tilt: torch.Tensor | None = None
    spread: torch.Tensor | None = None  # [F] metres: mean distance of the hypotheses to their mean (non-root joints)

    def frames(self, keep: torch.Tensor) -> "Record":
        """The same record restricted to the frames where ``keep`` [F] is True."""
        return Record(self.subject, self.action, self.target[keep], {k: v[keep] for k, v in self.predictions.items()},
                      {k: v[keep] for k, v in self.picked_p.items()}, None if self.tilt is None else self.tilt[keep],
                      None if self.spread is None else self.spread[keep])


@dataclass
class Evaluation:
    """The evaluated sequences; ``summary`` turns them into a table, ``subset`` selects."""

    records: list[Record] = field(default_factory=list)

    @property
    def num_frames(self) -> int:
        return sum(len(r.target) for r in self.records)

    def subset(self, keep) -> "Evaluation":
        """Records (or frames) for which ``keep(record)`` is True: a bool, or a bool mask [F]."""
        out = []
        for record in self.records:
            chosen = keep(record)
            if isinstance(chosen, torch.Tensor):
                if bool(chosen.any()):
                    out.append(record.frames(chosen))
            elif chosen:
                out.append(record)
        return Evaluation(out)

    def by_tilt(self, low: float, high: float) -> "Evaluation":
        """The frames whose torso tilt is in [low, high) degrees (records without tilt dropped)."""
        return self.subset(lambda r: False if r.tilt is None else (r.tilt >= low) & (r.tilt < high))

    def summary(self, per_action: bool = False, picks: str = "official") -> dict[str, dict[str, float]]:
        """aggregation -> {"MPJPE", "P-MPJPE", "N-MPJPE", "level 0"..} in metres. ``per_action``:
        the mean of per-action errors (Table 1). ``picks``: P-MPJPE of J-Agg / J-Best as the
        official evaluation computes it, or of the assembled pose."""
        if picks not in PICKS:
            raise ValueError(f"expected picks as one of {PICKS}, got {picks!r}")
        if not self.records:
            raise ValueError("expected at least one evaluated frame, got none")
        targets = [r.target for r in self.records]
        actions = [r.action for r in self.records]
        target = torch.cat(targets)
        table = {}
        for name in AGGREGATIONS:
            if not all(name in r.predictions for r in self.records):
                continue
            parts = [r.predictions[name] for r in self.records]
            official = picks == "official" and all(name in r.picked_p for r in self.records)
            if per_action:
                row = {"MPJPE": metrics.per_action_errors(parts, targets, actions)["Average"]}
                row["P-MPJPE"] = (_per_action_mean([r.picked_p[name] for r in self.records], actions) if official
                                  else metrics.per_action_errors(parts, targets, actions, "p_mpjpe")["Average"])
            else:
                pred = torch.cat(parts)
                row = {"MPJPE": float(metrics.mpjpe(pred, target)),
                       "P-MPJPE": float(torch.cat([r.picked_p[name] for r in self.records]).mean()) if official
                       else float(metrics.p_mpjpe(pred, target)),
                       "N-MPJPE": float(metrics.n_mpjpe(pred, target))}
            by_level = metrics.mpjpe_by_level(torch.cat(parts), target)
            row.update({f"level {i}": float(v) for i, v in enumerate(by_level)})
            table[name] = row
        return table

    def mean_spread(self) -> float:
        """The hypotheses' spread (metres) averaged over frames: 0 with one hypothesis."""
        spreads = [r.spread for r in self.records if r.spread is not None]
        if not spreads:
            raise ValueError("expected records with a spread (from ``evaluate``), got none")
        return float(torch.cat(spreads).mean())

    def pck_summary(self, aggregation: str = "P-Agg") -> dict[str, float]:
        """PCK (150 mm) and AUC (0..150 mm), 0..100, and MPJPE (metres) of one aggregation."""
        pred = torch.cat([r.predictions[aggregation] for r in self.records])
        target = torch.cat([r.target for r in self.records])
        return {"PCK": metrics.pck(pred, target), "AUC": metrics.auc(pred, target),
                "MPJPE": float(metrics.mpjpe(pred, target))}


def _per_action_mean(errors: list[torch.Tensor], actions: list[str]) -> float:
    """The mean over actions of the mean per-frame error within each (Table 1 grouping)."""
    pooled: dict[str, list[torch.Tensor]] = {}
    for error, action in zip(errors, actions):
        pooled.setdefault(h36m_action(action), []).append(error)
    values = [float(torch.cat(parts).mean()) for parts in pooled.values()]
    return sum(values) / len(values)


def evaluate(lifter: Lifter, sequences, hypotheses: int = 1, iterations: int = 1, seed: int = 0,
             flip: bool = True, windows: str = "blend") -> Evaluation:
    """Lift every sequence and collect the aggregated predictions (valid frames only).
    ``windows``: "blend" or "chunks" (the official evaluation's; ``Lifter.lift``)."""
    result = Evaluation()
    for seq in sequences:
        lifted = lifter.lift(seq.keypoints_2d, hypotheses=hypotheses, iterations=iterations, seed=seed, flip=flip,
                             windows=windows)
        hyp = lifted.poses[-1]  # [H, F, J, 3], the last DDIM iteration
        keep = seq.valid if seq.valid is not None else torch.ones(len(seq), dtype=torch.bool)
        truth = seq.poses_3d.float()
        predictions = {"P-Agg": metrics.p_agg(hyp), "J-Best": metrics.j_best(hyp, truth),
                       "P-Best": metrics.p_best(hyp, truth)}
        picked = {"J-Best": metrics.picked_p_errors(hyp, truth), "P-Best": metrics.p_best_p_errors(hyp, truth)}
        if seq.camera is not None and seq.trajectory is not None:
            distances = metrics.reprojection_distances(hyp, seq.keypoints_2d.float(), seq.camera, seq.trajectory.float())
            predictions["J-Agg"] = metrics.j_agg(hyp, seq.keypoints_2d.float(), seq.camera, seq.trajectory.float())
            picked["J-Agg"] = metrics.picked_p_errors(hyp, truth, distances)
        world = seq.extra.get("poses_world") if isinstance(seq.extra, dict) else None
        spread = (hyp - hyp.mean(0))[..., 1:, :].norm(dim=-1).mean((0, 2))
        record = Record(seq.subject, seq.action, truth, predictions, picked,
                        None if world is None else torso_tilt(world.float()), spread)
        result.records.append(record.frames(keep))
    return result


def format_summary(table: dict[str, dict[str, float]]) -> str:
    """``Evaluation.summary`` as a Markdown table in millimetres."""
    columns = list(next(iter(table.values())))
    rows = [[name, *(f"{1000 * row[c]:.1f}" for c in columns)] for name, row in table.items()]
    return metrics.markdown_table(["aggregation", *columns], rows) + "\n(mm)"


def mpi_inf_3dhp_table(evaluation: Evaluation, aggregation: str = "P-Agg", overall: str = "sequences") -> str:
    """PCK / AUC / MPJPE per test sequence, per scene (those present) and overall (Table 3 layout).

    ``overall``: "sequences" (default, as the official evaluation): a scene's row and the "all" row
    are the plain mean of their sequences' figures, whatever their lengths; "frames": the frames of
    those sequences pooled (longer sequences weigh more)."""
    if overall not in OVERALL:
        raise ValueError(f"expected overall as one of {OVERALL}, got {overall!r}")
    per_sequence = {r.subject: evaluation.subset(lambda x, name=r.subject: x.subject == name).pck_summary(aggregation)
                    for r in evaluation.records}
    rows = []
    groups = [(name, (name,)) for name in per_sequence]
    groups += [(scene, names) for scene, names in MPI_INF_3DHP_SCENES.items() if any(n in names for n in per_sequence)]
    groups.append(("all", tuple(per_sequence)))
    for label, names in groups:
        if overall == "frames" or len(names) == 1:
            values = evaluation.subset(lambda r: r.subject in names).pck_summary(aggregation)
        else:
            present = [per_sequence[n] for n in names if n in per_sequence]
            values = {key: sum(v[key] for v in present) / len(present) for key in ("PCK", "AUC", "MPJPE")}
        rows.append([label, f"{values['PCK']:.1f}", f"{values['AUC']:.1f}", f"{1000 * values['MPJPE']:.1f}"])
    return metrics.markdown_table([aggregation, "PCK", "AUC", "MPJPE (mm)"], rows)


def tilt_table(evaluations: dict[str, Evaluation], aggregation: str = "P-Agg") -> str:
    """MPJPE / P-MPJPE (mm) and frame share per torso-tilt bin, one row per evaluation."""
    header = ["data"] + [f"{low}-{high}°" if high < 180 else f"> {low}°" for low, high in TILT_BINS]
    rows = []
    for name, evaluation in evaluations.items():
        cells = [name]
        for low, high in TILT_BINS:
            part = evaluation.by_tilt(low, high)
            if not part.records:
                cells.append("-")
                continue
            row = part.summary()[aggregation]
            share = 100 * part.num_frames / max(1, evaluation.num_frames)
            cells.append(f"{1000 * row['MPJPE']:.0f} / {1000 * row['P-MPJPE']:.0f} ({share:.0f} %)")
        rows.append(cells)
    return metrics.markdown_table(header, rows) + "\n(MPJPE / P-MPJPE in mm, share of frames)"


def report_sequences(frames: int = 5000, seed: int = 0) -> dict[str, list]:
    """The embedded test data of the report: procedural test split and captured test subjects."""
    options = dict(noise_2d=3.0, outliers=0.002)
    return {"procedural": synthetic_sequences("test", frames, seed, **options),
            "captured": mocap_sequences("test", seed, **options)}


def transfer_report(lifters: dict[str, Lifter], frames: int = 5000, seed: int = 0) -> str:
    """The real-motion report: for each lifter, MPJPE / P-MPJPE on the procedural test split, the
    captured test subjects and the stress split (their frames with the torso tilted more than
    ``STRESS_TILT``), at H = K = 1 and H = K = 5 (P-Agg), then the error by torso-tilt bin."""
    data = report_sequences(frames, seed)
    rows, tilts = [], {}
    for name, lifter in lifters.items():
        for h, k in ((1, 1), (5, 5)):
            evaluations = {label: evaluate(lifter, seqs, h, k, seed) for label, seqs in data.items()}
            stress = Evaluation([r for e in evaluations.values() for r in e.by_tilt(STRESS_TILT, 181).records])
            cells = [name, f"H = K = {h}"]
            for evaluation in (*evaluations.values(), stress):
                if not evaluation.records:
                    cells.append("-")
                    continue
                row = evaluation.summary()["P-Agg"]
                cells.append(f"{1000 * row['MPJPE']:.1f} / {1000 * row['P-MPJPE']:.1f}")
            rows.append(cells)
            if h == 1:
                tilts.update({f"{name}, {label}": e for label, e in evaluations.items()})
    header = ["checkpoint", "H, K", "procedural test", "captured test (CMU)", f"stress (tilt > {STRESS_TILT:.0f}°)"]
    return (metrics.markdown_table(header, rows) + "\n(MPJPE / P-MPJPE in mm, P-Agg)\n\n"
            + "Error by torso tilt, H = K = 1:\n\n" + tilt_table(tilts))


EXAMPLES = __doc__.split("\n\n")[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ddhpose_lite.evaluate", description=__doc__.splitlines()[0],
                                     epilog="examples:\n" + EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", action="append",
                        help="a checkpoint (default: the shipped one); repeat to compare several in the report")
    parser.add_argument("--data", choices=("synthetic", "mocap", "mix", "h36m", "3dhp", "3dhp-npz"),
                        help="one dataset (default: the report on the embedded test data)")
    parser.add_argument("--data-dir", default=None, help="data (h36m, 3dhp-npz) or data/mpi_inf_3dhp (3dhp)")
    parser.add_argument("--keypoints", default="cpn_ft_h36m_dbb", help="h36m 2D keypoints: cpn_ft_h36m_dbb or gt")
    parser.add_argument("--frames", type=int, default=5_000, help="frames of the embedded test data")
    parser.add_argument("--hypotheses", type=int, default=None, help="H (default 1, or the profile's)")
    parser.add_argument("--iterations", type=int, default=None, help="K (default 1, or the profile's)")
    parser.add_argument("--profile", choices=sorted(TEST_TIME),
                        help="the test-time set-up of a training profile: its H, K (per dataset) and windows")
    parser.add_argument("--windows", choices=WINDOW_SCHEMES, default=None,
                        help="blend overlapping windows (default) or the official back-to-back chunks "
                             "(the default with --profile paper)")
    parser.add_argument("--universal", action="store_true", help="3dhp: ground truth univ_annot3 instead of annot3")
    parser.add_argument("--npz-suffix", default="_ori",
                        help="3dhp-npz: data_test_3dhp{SUFFIX}.npz ('_ori': the official DDHPose files)")
    parser.add_argument("--overall", choices=OVERALL, default="sequences",
                        help="3DHP overall row: mean over sequences (official) or pooled frames")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--picks", choices=PICKS, default="official", help="P-MPJPE of J-Agg / J-Best")
    parser.add_argument("--no-flip", action="store_true", help="no test-time flip augmentation")
    args = parser.parse_args(argv)
    setup = TEST_TIME.get(args.profile, {}).get("3dhp" if (args.data or "").startswith("3dhp") else "h36m")
    if args.hypotheses is None:
        args.hypotheses = setup.hypotheses if setup else 1
    if args.iterations is None:
        args.iterations = setup.iterations if setup else 1
    if args.windows is None:
        args.windows = setup.windows if setup else "blend"
    for name in ("hypotheses", "iterations", "frames"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.data is not None and len(set(args.checkpoint or [])) > 1:
        parser.error("--data evaluates one checkpoint; repeat --checkpoint only for the report")
    with user_errors_exit(parser.prog):  # a bad input (a missing file, a lift too big): one line, status 2
        run(args)


def run(args: argparse.Namespace) -> None:
    """Evaluate as the command line's ``args`` say and print the tables."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    paths = args.checkpoint or [None]
    lifters = {("shipped" if p is None else p): load_pretrained(p, device=device) for p in paths}
    if args.data is None:
        print(transfer_report(lifters, args.frames, args.seed))
        return
    lifter = next(iter(lifters.values()))
    if args.data in ("synthetic", "mocap", "mix"):
        sequences = embedded_sequences(args.data, "test", args.frames, args.seed, noise_2d=3.0, outliers=0.002)
    elif args.data == "h36m":
        sequences = load_h36m(args.data_dir or "data", args.keypoints, subjects=H36M_TEST_SUBJECTS)
    elif args.data == "3dhp":
        sequences = load_mpi_inf_3dhp(args.data_dir or "data/mpi_inf_3dhp", universal=args.universal)
    else:
        sequences = load_mpi_inf_3dhp_npz(args.data_dir or "data", "test", suffix=args.npz_suffix)
    result = evaluate(lifter, sequences, args.hypotheses, args.iterations, args.seed, flip=not args.no_flip,
                      windows=args.windows)
    print(f"{args.data}: {len(sequences)} sequences, {result.num_frames} frames, H={args.hypotheses}, "
          f"K={args.iterations}, flip={not args.no_flip}, windows={args.windows}, P-MPJPE of picks: {args.picks}")
    print(format_summary(result.summary(per_action=args.data == "h36m", picks=args.picks)))
    if args.data == "h36m":
        for metric, label in (("mpjpe", "Protocol #1 (MPJPE)"), ("p_mpjpe", "Protocol #2 (P-MPJPE)")):
            rows = {name: metrics.per_action_errors([r.predictions[name] for r in result.records],
                                                    [r.target for r in result.records],
                                                    [r.action for r in result.records], metric)
                    for name in AGGREGATIONS if all(name in r.predictions for r in result.records)}
            print(f"\n{label}, mm (P-MPJPE of the assembled poses per action)\n" + metrics.format_action_table(rows))
    if args.data.startswith("3dhp"):
        for name in AGGREGATIONS:
            if all(name in r.predictions for r in result.records):
                print()
                print(mpi_inf_3dhp_table(result, name, args.overall))
        if args.iterations > 1:
            print("\n" + OFFICIAL_3DHP_SAMPLER)
    if any(r.tilt is not None for r in result.records):
        print("\nError by torso tilt:\n\n" + tilt_table({args.data: result}))


if __name__ == "__main__":
    main()
