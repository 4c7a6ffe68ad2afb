"""Running the ablations: one variant with one seed (train on the data mix, evaluate on the
procedural and captured test splits, time a lift), and every run of a budget, in parallel
processes, each finished run saved under the work folder so an interrupted run resumes."""
from __future__ import annotations

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
from pathlib import Path

import torch

from ..datasets import embedded_sequences, mocap_sequences, synthetic_sequences
from ..evaluate import evaluate
from ..lifter import load_pretrained
from ..train import Trainer
from .variants import FAMILY_ROWS, SCHEMA, TABLES, VARIANTS, Budget

__all__ = ["run_variant", "run_ablations"]

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
