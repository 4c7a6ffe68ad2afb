"""The paper's ablations and the pose-diffusion family, at a scale a laptop can run.

    python -m ddhpose_lite.ablations --jobs 2         # the shipped results (the ``shared`` budget); resumable
    python -m ddhpose_lite.ablations --quick          # minutes: the same tables from a toy budget, a check
    python -m ddhpose_lite.ablations --budget full --jobs 2 --work runs/ablations_full   # more data, 3 seeds

Reproduces the STRUCTURE of Table 4 (disentangled input / output), Table 5 (hierarchical
embedding, HRST, HRTT), Table 6 (the disentanglement loss), the learning curves of Fig. 4 (left),
the error by hierarchy level (Fig. 1, right) and the family side by side (``train.FAMILY``):
every variant is trained on the data mix (``embedded_sequences("mix", "train", ...)``, new data
per seed) with several seeds, and evaluated on the procedural test split and the captured test
subjects. Table rows are MPJPE of H = K = 1 (P-Agg, test-time flip); the family table adds
H = K = 5 (P-Agg, J-Best), the hypotheses' spread and the seconds per lift.

Synthetic and captured data at a small scale are not Human3.6M: the paper's numbers are shown
beside ours for the shape of each comparison, not as targets. ``comparisons`` says which
differences are larger than the seed-to-seed spread.

Results are a JSON file (``RESULTS``, shipped so lesson 07 loads instantly; this command
regenerates it) and a Markdown report (``markdown_report``). Each finished run is also saved
under ``--work``, so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import logging
import math
import multiprocessing
import os
import platform
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import torch

from . import metrics
from .datasets import embedded_sequences, mocap_sequences, synthetic_sequences
from .evaluate import evaluate
from .lifter import load_pretrained
from .model import DenoiserConfig
from .train import LossWeights, TrainConfig, Trainer, family_config

log = logging.getLogger(__name__)

__all__ = ["Variant", "VARIANTS", "TABLES", "FAMILY_ROWS", "Budget", "BUDGETS", "RESULTS", "SCHEMA", "run_variant",
           "run_ablations", "load_results", "check_results", "table_rows", "compare", "comparisons", "verdicts", "family_rows",
           "learning_curves", "level_errors", "markdown_report"]

SCHEMA = "ddhpose_lite/ablations/1"
RESULTS = Path(__file__).resolve().parent / "assets" / "ablations.json"
"""The shipped results (``python -m ddhpose_lite.ablations`` rewrites it)."""
SPLITS = ("procedural", "captured")


@dataclass(frozen=True)
class Variant:
    """One trained configuration: a family member with model switches and loss weights."""

    method: str = "ddhpose"
    model: dict = field(default_factory=dict)  # DenoiserConfig changes (ablation switches)
    loss: dict = field(default_factory=dict)  # LossWeights changes
    needs: str = ""  # the variant whose checkpoint it builds on (refinement: its regression base)


VARIANTS = {
    "ddhpose": Variant(),
    "joints": Variant("joints"),
    "joints, bones out": Variant("joints", {"disentangled_output": True}),
    "bones out": Variant(model={"disentangled_output": True}),
    "baseline": Variant(model={"hierarchical_embedding": False, "hrst": False, "hrtt": False}),
    "+ hierarchical embedding": Variant(model={"hrst": False, "hrtt": False}),
    "+ HRST": Variant(model={"hrtt": False}),
    "pose loss only": Variant(loss={"length": 0.0, "direction": 0.0}),
    "regression": Variant("regression"),
    "refine": Variant("refine", needs="regression"),
    "gmm": Variant("gmm"),
}
"""Every configuration the tables need; "ddhpose" is the full model and appears in every table."""

TABLES = {
    "Table 4": [("input joints / output joints", "joints", 40.23), ("input joints / output bones", "joints, bones out", 41.72),
                ("input bones / output joints", "ddhpose", 39.65), ("input bones / output bones", "bones out", 40.48)],
    "Table 5": [("baseline", "baseline", 40.10), ("+ hierarchical embedding", "+ hierarchical embedding", 40.08),
                ("+ HRST", "+ HRST", 39.68), ("+ HRTT (DDHPose)", "ddhpose", 39.65)],
    "Table 6": [("pose loss only", "pose loss only", 39.87), ("+ disentanglement loss (DDHPose)", "ddhpose", 39.65)],
}
"""(row label, variant, the paper's MPJPE on Human3.6M in mm). Table 4: disentangled input /
output; Table 5: the hierarchical components added one by one; Table 6: the loss."""

FAMILY_ROWS = ("regression", "joints", "ddhpose", "refine", "gmm")


@dataclass(frozen=True)
class Budget:
    """How big every run is. ``model`` is the DenoiserConfig before the variant's switches."""

    model: dict
    epochs: int
    batch_size: int
    lr: float
    lr_decay: float
    train_frames: int
    val_frames: int
    test_frames: int  # per test split, H = K = 1
    multi_frames: int  # per test split, H = K = 5 (family members only)
    lift_frames: int  # the clip timed for seconds per lift
    seeds: tuple[int, ...]

    def train_config(self, variant: Variant, seed: int, base_checkpoint: str = "") -> TrainConfig:
        base = TrainConfig(model=DenoiserConfig(**{**self.model, **variant.model}), epochs=self.epochs,
                           batch_size=self.batch_size, lr=self.lr, lr_decay=self.lr_decay, seed=seed, data="mix",
                           train_frames=self.train_frames, val_frames=self.val_frames,
                           loss=LossWeights(**variant.loss))
        return family_config(variant.method, base, base_checkpoint=base_checkpoint)


BUDGETS = {
    "shared": Budget(model=dict(frames=27, width=64, depth=4, heads=4), epochs=4, batch_size=16, lr=1e-3,
                     lr_decay=0.85, train_frames=2_500, val_frames=300, test_frames=600, multi_frames=150,
                     lift_frames=81, seeds=(0, 1)),
    "full": Budget(model=dict(frames=27, width=64, depth=4, heads=4), epochs=6, batch_size=16, lr=1e-3,
                   lr_decay=0.85, train_frames=20_000, val_frames=1_500, test_frames=3_000, multi_frames=1_000,
                   lift_frames=243, seeds=(0, 1, 2)),
    "quick": Budget(model=dict(frames=9, width=16, depth=2, heads=2), epochs=1, batch_size=8, lr=2e-3,
                    lr_decay=0.9, train_frames=400, val_frames=60, test_frames=60, multi_frames=27,
                    lift_frames=27, seeds=(0, 1)),
}
"""``shared`` (the default, and the shipped results): the ``cpu`` profile's model (width 64,
depth 4, 27 frames) for 4 epochs of 2,500 mixed frames, 2 seeds; the shipped file records how
long it took (``runtime_seconds``) on two cores shared with other work. ``full``: the same model
for 6 epochs of 20,000 frames, 3 seeds (about 12 times the training; not measured). ``quick``: the
``tiny`` model, a check that everything runs."""


# ---------------------------------------------------------------------------------------------
# Running


_OPTIONS = dict(noise_2d=3.0, outliers=0.002)  # detector-like 2D, as the evaluation report


@functools.lru_cache(maxsize=4)
def _test_data(frames: int) -> dict:
    """The test splits (seed 0), made once per process: the procedural test split and the captured test subjects."""
    return {"procedural": synthetic_sequences("test", frames, 0, **_OPTIONS),
            "captured": mocap_sequences("test", 0, frames=frames, **_OPTIONS)}


@functools.lru_cache(maxsize=2)
def _train_data(frames: int, val_frames: int, seed: int) -> tuple[list, list]:
    """The training mix of one seed and its validation draws (as ``Trainer`` makes them), made once per process."""
    return (embedded_sequences("mix", "train", frames, seed, **_OPTIONS),
            embedded_sequences("mix", "train", val_frames, seed + 10_000, **_OPTIONS))


def _scores(evaluation, aggregations=("P-Agg",)) -> dict:
    table = evaluation.summary()
    out = {}
    for name in aggregations:
        row = table[name]
        out[name] = {"MPJPE": row["MPJPE"], "P-MPJPE": row["P-MPJPE"],
                     "levels": [row[f"level {i}"] for i in range(sum(k.startswith("level") for k in row))]}
    out["spread"] = evaluation.mean_spread()
    return out


def run_variant(name: str, seed: int, budget: Budget, work: Path, family: bool | None = None) -> dict:
    """Train one variant with one seed (training data drawn with that seed), evaluate it and
    return its record (also written to ``work/<name>/seed<seed>/result.json``; an existing one
    is read back instead of training again)."""
    folder = Path(work) / name.replace(" ", "_").replace(",", "").replace("+", "plus") / f"seed{seed}"
    done = folder / "result.json"
    if done.exists():
        return json.loads(done.read_text())
    variant = VARIANTS[name]
    base = ""
    if variant.needs:
        base = str(Path(work) / variant.needs / f"seed{seed}" / "last.pt")
        if not Path(base).exists():
            raise ValueError(f"expected the {variant.needs!r} checkpoint of seed {seed} at {base} before {name!r}, "
                             f"found none")
    config = budget.train_config(variant, seed, base)
    train, val = _train_data(budget.train_frames, budget.val_frames, seed)
    start = time.perf_counter()
    trainer = Trainer(config, folder, train_sequences=train, val_sequences=val)
    history = trainer.fit()
    train_seconds = time.perf_counter() - start
    lifter = load_pretrained(folder / "last.pt")
    record = {"variant": name, "seed": seed, "method": variant.method, "train_seconds": train_seconds,
              "curve": [h["val_mpjpe"] for h in history], "single": {}, "multi": {}}
    for split, seqs in _test_data(budget.test_frames).items():
        record["single"][split] = _scores(evaluate(lifter, seqs, 1, 1, seed=0))
    if name in FAMILY_ROWS if family is None else family:
        for split, seqs in _test_data(budget.multi_frames).items():
            record["multi"][split] = _scores(evaluate(lifter, seqs, 5, 5, seed=0), ("P-Agg", "J-Best"))
        clip = _test_data(budget.lift_frames)["procedural"][0].keypoints_2d[: budget.lift_frames]
        record["seconds_per_lift"] = {f"H=K={h}": _timed_lift(lifter, clip, h) for h in (1, 5)}
        record["lift_frames"] = int(clip.shape[0])
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps(record))
    return record


def _timed_lift(lifter, clip: torch.Tensor, h: int) -> float:
    """Seconds of one lift (flip on) after one warm-up lift; the best of two."""
    lifter.lift(clip, hypotheses=h, iterations=h, seed=0)
    best = math.inf
    for _ in range(2):
        start = time.perf_counter()
        lifter.lift(clip, hypotheses=h, iterations=h, seed=0)
        best = min(best, time.perf_counter() - start)
    return best


def _run_in_worker(args) -> dict:
    torch.set_num_threads(1)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [{args[0]}, seed {args[1]}] %(message)s", force=True)
    return run_variant(*args)


def run_ablations(budget: Budget, work: str | Path, jobs: int = 1, variants=None, budget_name: str = "") -> dict:
    """Every variant of ``VARIANTS`` (or ``variants``) with every seed of the budget; those that
    others build on first. ``jobs`` > 1 trains in that many processes of one thread each.
    Returns the results dict (``SCHEMA``)."""
    names = list(VARIANTS) if variants is None else list(variants)
    first = [n for n in names if any(VARIANTS[m].needs == n for m in names)]
    rest = [n for n in names if n not in first]
    start = time.perf_counter()
    records = []
    for wave in (first, rest):
        tasks = [(name, seed, budget, Path(work)) for seed in budget.seeds for name in wave]
        if jobs > 1 and len(tasks) > 1:
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                records += list(pool.map(_run_in_worker, tasks))
        else:
            records += [run_variant(*task) for task in tasks]
    runs: dict[str, list] = {}
    for record in records:
        runs.setdefault(record["variant"], []).append(record)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return {"schema": SCHEMA, "budget": {"name": budget_name, **dataclasses.asdict(budget)},
            "runtime_seconds": time.perf_counter() - start, "jobs": jobs,
            "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in usage),
            "machine": {"processor": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                        "torch": torch.__version__},
            "tables": {name: [{"label": label, "variant": variant, "paper": paper} for label, variant, paper in rows]
                       for name, rows in TABLES.items() if all(v in names for _, v, _ in rows)},
            "runs": runs}


# ---------------------------------------------------------------------------------------------
# Reading the results


def check_results(results: dict) -> dict:
    """``results`` if it has the shape the lesson and the report read; a ValueError naming the
    first thing missing otherwise."""
    if not isinstance(results, dict) or results.get("schema") != SCHEMA:
        found = results.get("schema") if isinstance(results, dict) else type(results).__name__
        raise ValueError(f"expected ablation results of schema {SCHEMA!r}, got {found!r}")
    for key in ("budget", "runs", "tables", "runtime_seconds"):
        if key not in results:
            raise ValueError(f"expected key {key!r} in the ablation results, got {sorted(results)}")
    for name, rows in results["tables"].items():
        for row in rows:
            if row["variant"] not in results["runs"]:
                raise ValueError(f"expected runs of variant {row['variant']!r} ({name}), got {sorted(results['runs'])}")
    for name, records in results["runs"].items():
        if len(records) < 2:
            raise ValueError(f"expected at least 2 seeds of {name!r} for a spread, got {len(records)}")
        for record in records:
            for key in ("seed", "curve", "single"):
                if key not in record:
                    raise ValueError(f"expected {key!r} in every run of {name!r}, got {sorted(record)}")
            missing = set(SPLITS) - set(record["single"])
            if missing:
                raise ValueError(f"expected both test splits in {name!r}, missing {sorted(missing)}")
    return results


def load_results(path: str | Path | None = None) -> dict:
    """The results JSON at ``path`` (default: the shipped ``RESULTS``), checked."""
    path = RESULTS if path is None else Path(path)
    return check_results(json.loads(Path(path).read_text()))


def _values(results: dict, variant: str, split: str, metric: str = "MPJPE", multi: str | None = None) -> list[float]:
    """Millimetres per seed (sorted by seed): H = K = 1 P-Agg, or ``multi`` ("P-Agg", "J-Best") at H = K = 5."""
    records = sorted(results["runs"][variant], key=lambda r: r["seed"])
    if multi is None:
        return [1000 * r["single"][split]["P-Agg"][metric] for r in records]
    return [1000 * r["multi"][split][multi][metric] for r in records]


def _mean_std(values: list[float]) -> tuple[float, float]:
    tensor = torch.tensor(values, dtype=torch.float64)
    return float(tensor.mean()), float(tensor.std()) if len(values) > 1 else 0.0


def table_rows(results: dict, table: str, split: str = "procedural", metric: str = "MPJPE") -> list[dict]:
    """Rows of one table: label, variant, paper (mm), mean and std over seeds (mm), per-seed values."""
    if table not in results["tables"]:
        raise ValueError(f"expected a table of {sorted(results['tables'])}, got {table!r}")
    if split not in SPLITS:
        raise ValueError(f"expected split as one of {SPLITS}, got {split!r}")
    rows = []
    for row in results["tables"][table]:
        values = _values(results, row["variant"], split, metric)
        mean, std = _mean_std(values)
        rows.append({**row, "mean": mean, "std": std, "values": values})
    return rows


def compare(results: dict, variant: str, reference: str = "ddhpose", split: str = "procedural",
            metric: str = "MPJPE", multi: str | None = None) -> dict:
    """``variant`` against ``reference``: the mean difference Δ (mm, variant minus reference), the
    seed-to-seed spread √(s_variant² + s_reference²), and whether Δ is larger than that spread AND
    has the same sign in every seed (seeds share their training data, so they pair up). Only
    then do we call the difference real at this scale ("exceeds")."""
    a, b = _values(results, variant, split, metric, multi), _values(results, reference, split, metric, multi)
    (mean_a, std_a), (mean_b, std_b) = _mean_std(a), _mean_std(b)
    paired = [x - y for x, y in zip(a, b)]
    consistent = all(d > 0 for d in paired) or all(d < 0 for d in paired)
    delta, spread = mean_a - mean_b, math.hypot(std_a, std_b)
    return {"variant": variant, "reference": reference, "delta": delta, "spread": spread, "same_sign": consistent,
            "exceeds": abs(delta) > spread and consistent}


def comparisons(results: dict, table: str, split: str = "procedural", reference: str = "ddhpose") -> list[dict]:
    """``compare`` for every row of ``table`` but the reference, with the row label and the
    paper's difference (mm, Human3.6M) for the same pair."""
    rows = table_rows(results, table, split)
    paper = {r["variant"]: r["paper"] for r in results["tables"][table]}
    out = []
    for row in rows:
        if row["variant"] == reference:
            continue
        verdict = compare(results, row["variant"], reference, split)
        out.append({"label": row["label"], **verdict,
                    "paper_delta": paper[row["variant"]] - paper[reference] if reference in paper else None})
    return out


def verdicts(results: dict) -> list[str]:
    """One plain sentence per comparison: which differences exceed the seed-to-seed spread."""
    lines = []
    for table in results["tables"]:
        for split in SPLITS:
            for c in comparisons(results, table, split):
                word = "exceeds" if c["exceeds"] else "does NOT exceed"
                lines.append(f"{table}, {split}: {c['label']} vs DDHPose: Δ = {c['delta']:+.1f} mm {word} the "
                             f"seed-to-seed spread ({c['spread']:.1f} mm{'' if c['same_sign'] else ', sign varies'})"
                             + ("" if c["paper_delta"] is None else f"; paper Δ = {c['paper_delta']:+.2f} mm"))
    for split in SPLITS:
        for name in FAMILY_ROWS:
            if name == "ddhpose" or name not in results["runs"] or "ddhpose" not in results["runs"]:
                continue
            c = compare(results, name, "ddhpose", split)
            word = "exceeds" if c["exceeds"] else "does NOT exceed"
            lines.append(f"Family, {split}: {name} vs DDHPose (H = K = 1): Δ = {c['delta']:+.1f} mm {word} the "
                         f"seed-to-seed spread ({c['spread']:.1f} mm)")
    return lines


def family_rows(results: dict, split: str = "procedural") -> list[dict]:
    """The family side by side: mean ± std (mm) of MPJPE and P-MPJPE at H = K = 1, P-Agg and
    J-Best MPJPE at H = K = 5, the spread of 5 hypotheses (mm), seconds per lift (seed 0's)."""
    rows = []
    for name in FAMILY_ROWS:
        if name not in results["runs"]:
            continue
        records = sorted(results["runs"][name], key=lambda r: r["seed"])
        row = {"variant": name,
               "MPJPE": _mean_std(_values(results, name, split)),
               "P-MPJPE": _mean_std(_values(results, name, split, "P-MPJPE"))}
        if all(r.get("multi") for r in records):
            row["P-Agg 5"] = _mean_std(_values(results, name, split, multi="P-Agg"))
            row["J-Best 5"] = _mean_std(_values(results, name, split, multi="J-Best"))
            row["P-MPJPE 5"] = _mean_std(_values(results, name, split, "P-MPJPE", multi="P-Agg"))
            row["spread"] = _mean_std([1000 * r["multi"][split]["spread"] for r in records])
            row["seconds"] = records[0]["seconds_per_lift"]
            row["lift_frames"] = records[0]["lift_frames"]
        rows.append(row)
    return rows


def learning_curves(results: dict, variants=None) -> dict[str, dict]:
    """Validation MPJPE (mm, H = K = 1, fresh draws of the training population) per epoch:
    variant -> {"epoch": [...], "mean": [...], "std": [...]} over seeds."""
    out = {}
    for name in variants or results["runs"]:
        curves = torch.tensor([r["curve"] for r in results["runs"][name]], dtype=torch.float64) * 1000
        out[name] = {"epoch": list(range(1, curves.shape[1] + 1)), "mean": curves.mean(0).tolist(),
                     "std": (curves.std(0) if len(curves) > 1 else torch.zeros(curves.shape[1])).tolist()}
    return out


def level_errors(results: dict, variants=None, split: str = "procedural") -> dict[str, list[float]]:
    """MPJPE (mm) per hierarchy level (level 0 = the root, always 0), mean over seeds, H = K = 1."""
    out = {}
    for name in variants or results["runs"]:
        levels = torch.tensor([r["single"][split]["P-Agg"]["levels"] for r in results["runs"][name]])
        out[name] = (1000 * levels.double().mean(0)).tolist()
    return out


def _pm(pair) -> str:
    return f"{pair[0]:.1f} ± {pair[1]:.1f}"


def markdown_report(results: dict) -> str:
    """Every table (both splits), the verdicts, the family table and the learning curves, as Markdown."""
    budget = results["budget"]
    seeds = len(budget["seeds"])
    lines = [f"# Ablations at a small scale ({budget.get('name') or 'custom'} budget)", "",
             f"Model {budget['model']}, {budget['epochs']} epochs of {budget['train_frames']:,} mixed training frames, "
             f"{seeds} seeds (mean ± std over seeds), test: {budget['test_frames']:,} frames per split, H = K = 1, "
             f"P-Agg, test-time flip. Runtime {results['runtime_seconds'] / 60:.1f} min with {results.get('jobs', 1)} "
             f"job(s) on {results['machine']['cores']} cores"
             + (f" ({results['cpu_seconds'] / 60:.0f} CPU-minutes)." if "cpu_seconds" in results else ".")
             + " The paper's column is Human3.6M (mm): the shape of each comparison, not a target.", "",
             "A difference counts as larger than the seed-to-seed spread when |Δ| > √(s₁² + s₂²) and it has the "
             "same sign in every seed.", ""]
    for table in results["tables"]:
        lines += [f"## {table}", ""]
        rows = []
        on_procedural = {c["variant"]: c for c in comparisons(results, table, "procedural")}
        captured = {c["variant"]: c for c in comparisons(results, table, "captured")}
        by_split = {s: table_rows(results, table, s) for s in SPLITS}
        for i, row in enumerate(by_split["procedural"]):
            cap = by_split["captured"][i]
            cells = [row["label"], f"{row['paper']:.2f}", _pm((row["mean"], row["std"])), _pm((cap["mean"], cap["std"]))]
            for verdict in (on_procedural.get(row["variant"]), captured.get(row["variant"])):
                cells.append("reference" if verdict is None else
                             f"{verdict['delta']:+.1f} vs {verdict['spread']:.1f}: "
                             + ("exceeds" if verdict["exceeds"] else "within the spread"))
            rows.append(cells)
        lines += [metrics.markdown_table(["row", "paper", "procedural", "captured", "Δ procedural",
                                          "Δ captured"], rows), ""]
    lines += ["## Which differences exceed the seed-to-seed spread", "", *(f"- {v}" for v in verdicts(results)), ""]
    if not family_rows(results):
        return "\n".join(lines)
    lines += ["## The family side by side (procedural test / captured test)", ""]
    rows = []
    for proc, cap in zip(family_rows(results, "procedural"), family_rows(results, "captured")):
        cells = [proc["variant"], f"{_pm(proc['MPJPE'])} / {_pm(cap['MPJPE'])}",
                 f"{_pm(proc['P-MPJPE'])} / {_pm(cap['P-MPJPE'])}"]
        if "P-Agg 5" in proc:
            cells += [f"{_pm(proc['P-Agg 5'])} / {_pm(cap['P-Agg 5'])}", f"{_pm(proc['J-Best 5'])} / {_pm(cap['J-Best 5'])}",
                      f"{_pm(proc['spread'])} / {_pm(cap['spread'])}",
                      " / ".join(f"{v:.2f}" for v in proc["seconds"].values())]
        rows.append(cells)
    lines += [metrics.markdown_table(["member", "MPJPE H=K=1", "P-MPJPE H=K=1", "P-Agg H=K=5", "J-Best H=K=5",
                                      "spread (H=5)", "s per lift (H=K=1 / 5)"], rows),
              f"(mm; H = K = 1 on {budget['test_frames']:,} test frames per split, H = K = 5 and the spread on a "
              f"smaller test set of {budget['multi_frames']:,} frames per split, so compare members within a column, "
              f"not columns; seconds to lift {family_rows(results)[0].get('lift_frames', '?')} frames with flip, seed 0)",
              ""]
    lines += ["## Learning curves (validation MPJPE per epoch, mm)", ""]
    curves = learning_curves(results)
    epochs = max(len(c["epoch"]) for c in curves.values())
    lines += [metrics.markdown_table(["variant", *(f"epoch {e}" for e in range(1, epochs + 1))],
                                     [[name, *(f"{m:.0f}" for m in c["mean"])] for name, c in curves.items()]), ""]
    levels = level_errors(results, [v for v in ("joints", "ddhpose") if v in results["runs"]])
    lines += ["## Error by hierarchy level (procedural, mm)", "",
              metrics.markdown_table(["variant", *(f"level {i}" for i in range(1, len(next(iter(levels.values())))))],
                                     [[name, *(f"{v:.1f}" for v in values[1:])] for name, values in levels.items()]), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ddhpose_lite.ablations", description=__doc__.splitlines()[0],
                                     epilog="examples:\n" + __doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the toy budget (about a minute)")
    parser.add_argument("--budget", choices=sorted(BUDGETS), help="a named budget (default: shared; --quick = quick)")
    parser.add_argument("--work", default=None, help="folder for checkpoints and per-run results (resumable); "
                                                     "default: runs/ablations_<budget>")
    parser.add_argument("--out", default=None, help="results JSON (default: the shipped file for the shared "
                                                    "budget, WORK/ablations.json for the others)")
    parser.add_argument("--markdown", default=None, help="Markdown report (default: next to --out, .md)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (one thread each)")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the budget's seeds (at least 2)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), metavar="VARIANT",
                        help="only these variants (tables that need others are left out)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    name = args.budget or ("quick" if args.quick else "shared")
    budget = BUDGETS[name]
    if args.seeds:
        if len(args.seeds) < 2:
            parser.error("--seeds needs at least 2 seeds for a spread")
        budget = dataclasses.replace(budget, seeds=tuple(args.seeds))
    work = Path(args.work or f"runs/ablations_{name}")
    out = Path(args.out) if args.out else (RESULTS if name == "shared" else work / "ablations.json")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.jobs == 1:
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    variants = list(args.variants) if args.variants else None
    if variants:  # what the chosen ones build on runs too
        variants += [VARIANTS[v].needs for v in variants if VARIANTS[v].needs and VARIANTS[v].needs not in variants]
    results = run_ablations(budget, work, args.jobs, variants, budget_name=name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    report = markdown_report(results)
    (Path(args.markdown) if args.markdown else out.with_suffix(".md")).write_text(report + "\n")
    print(report)
    print(f"\nwrote {out} ({results['runtime_seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
