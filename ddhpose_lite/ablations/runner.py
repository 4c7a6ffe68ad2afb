"""Running the ablations: one variant with one seed (train on the data mix, evaluate on the
procedural and captured test splits, time a lift), and every run of a budget, in parallel
processes, in waves so that a run starts after the runs it builds on. Each finished run is saved
under the work folder (and each epoch's checkpoint), so an interrupted run resumes."""
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
from ..errors import UserInputError
from ..evaluate import evaluate
from ..lifter import load_pretrained
from ..train import Trainer
from .variants import FAMILY_ROWS, FIGURE_VARIANTS, SCHEMA, TABLES, VARIANTS, Budget

__all__ = ["run_variant", "run_ablations", "run_folder", "waves"]

log = logging.getLogger(__name__)

_OPTIONS = dict(noise_2d=3.0, outliers=0.002)  # detector-like 2D, as the evaluation report


@functools.lru_cache(maxsize=4)
def _test_data(frames: int) -> dict:
    """The test splits (seed 0), made once per process: the procedural test split and the captured test subjects."""
    return {"procedural": synthetic_sequences("test", frames, 0, **_OPTIONS),
            "captured": mocap_sequences("test", 0, frames=frames, **_OPTIONS)}


@functools.lru_cache(maxsize=4)  # the seeds of a budget: every wave reuses them
def _train_data(frames: int, val_frames: int, seed: int) -> tuple[list, list]:
    """The training mix of one seed (epoch 1's; later epochs draw afresh) and its validation
    draws (as ``Trainer`` makes them), made once per process."""
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


def _figure_poses(evaluation, count: int) -> dict:
    """``count`` frames evenly spaced over the evaluated frames (the same frames for every model
    of a budget): their index, truth and P-Agg prediction in mm (0.1 mm), root-relative."""
    truth = torch.cat([r.target for r in evaluation.records])
    prediction = torch.cat([r.predictions["P-Agg"] for r in evaluation.records])
    index = torch.linspace(0, len(truth) - 1, count).round().long()
    mm = lambda poses: (1000 * poses[index]).round(decimals=1).tolist()  # noqa: E731
    return {"frames": index.tolist(), "truth": mm(truth), "prediction": mm(prediction)}


def run_folder(work: str | Path, name: str, seed: int) -> Path:
    """Where the run of ``name`` with ``seed`` keeps last.pt and result.json."""
    return Path(work) / name.replace(" ", "_").replace(",", "").replace("+", "plus") / f"seed{seed}"


def run_variant(name: str, seed: int, budget: Budget, work: Path, family: bool | None = None) -> dict:
    """Train one variant with one seed (training data drawn with that seed), evaluate it and
    return its record (also written to ``run_folder(...)/result.json``; an existing one is read
    back instead of training again, and an interrupted training continues from its last.pt).
    A diffusion variant starts from the same seed's run of ``VARIANTS[name].start``."""
    folder = run_folder(work, name, seed)
    done = folder / "result.json"
    budget_dict = _budget_dict(budget)
    if done.exists():
        record = json.loads(done.read_text())
        stored = {**record.get("budget", {}), "seeds": list(budget.seeds)}  # more or fewer seeds may reuse a run
        if stored != {**budget_dict, "seeds": list(budget.seeds)}:
            raise UserInputError(f"expected the finished run at {done} to come from the budget {budget_dict}, got "
                             f"{record.get('budget')}; use another --work for another budget")
        return record
    variant = VARIANTS[name]
    start = base = ""
    for kind, needed in (("start", variant.start), ("base", variant.needs)):
        if needed:
            checkpoint = run_folder(work, needed, seed) / "last.pt"
            if not (run_folder(work, needed, seed) / "result.json").exists():
                raise UserInputError(f"expected the finished {needed!r} run of seed {seed} (its result.json and "
                                 f"{checkpoint}) before {name!r}, found none")
            start, base = (str(checkpoint), base) if kind == "start" else (start, str(checkpoint))
    config = budget.train_config(variant, seed, start, base)
    train, val = _train_data(budget.train_frames, budget.val_frames, seed)
    begin = time.perf_counter()
    trainer = Trainer(config, folder, train_sequences=train, val_sequences=val)
    if (folder / "last.pt").exists():
        trainer.load(folder / "last.pt")
        log.info("%s, seed %d: resumed after epoch %d", name, seed, trainer.epoch)
    history = trainer.fit()
    train_seconds = time.perf_counter() - begin
    lifter = load_pretrained(folder / "last.pt")
    record = {"variant": name, "seed": seed, "method": variant.method, "start": variant.start,
              "budget": budget_dict, "train_seconds": train_seconds,
              "train_loss": [h["loss"] for h in history], "curve": [h["val_mpjpe"] for h in history],
              "single": {}, "multi": {}}
    for split, seqs in _test_data(budget.test_frames).items():
        evaluation = evaluate(lifter, seqs, 1, 1, seed=0)
        record["single"][split] = _scores(evaluation)
        if split == "captured" and name in FIGURE_VARIANTS:
            record["figure"] = _figure_poses(evaluation, budget.figure_frames)
    if name in FAMILY_ROWS if family is None else family:
        for split, seqs in _test_data(budget.multi_frames).items():
            record["multi"][split] = _scores(evaluate(lifter, seqs, 5, 5, seed=0), ("P-Agg", "J-Best"))
        clip = _test_data(budget.lift_frames)["procedural"][0].keypoints_2d[: budget.lift_frames]
        record["seconds_per_lift"] = {f"H=K={h}": _timed_lift(lifter, clip, h) for h in (1, 5)}
        record["lift_frames"] = int(clip.shape[0])
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps(record))
    return record


def _budget_dict(budget: Budget) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(budget)))  # tuples as lists, as read back from JSON


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


def waves(names) -> list[list[str]]:
    """``names`` with every run they build on (``start``, ``needs``), in waves: each wave only
    builds on earlier ones (the starts, then the diffusion variants)."""
    todo = list(dict.fromkeys(names))
    for name in todo:  # grows while it runs: what the added ones need is added too
        for needed in (VARIANTS[name].start, VARIANTS[name].needs):
            if needed and needed not in todo:
                todo.append(needed)
    out, placed = [], set()
    while len(placed) < len(todo):
        wave = [n for n in todo if n not in placed and {VARIANTS[n].start, VARIANTS[n].needs} - {""} <= placed]
        if not wave:
            raise ValueError(f"expected variants that build on each other without a cycle, got {todo}")
        out.append(wave)
        placed.update(wave)
    return out


def run_ablations(budget: Budget, work: str | Path, jobs: int = 1, variants=None, budget_name: str = "") -> dict:
    """Every variant of ``VARIANTS`` (or ``variants`` and what they build on) with every seed of
    the budget, in ``waves``. ``jobs`` > 1 trains in that many processes of one thread each.
    Returns the results dict (``SCHEMA``)."""
    plan = waves(list(VARIANTS) if variants is None else variants)
    names = [name for wave in plan for name in wave]
    start = time.perf_counter()
    records = []
    for wave in plan:
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
    return {"schema": SCHEMA, "budget": {"name": budget_name, **_budget_dict(budget)},
            "runtime_seconds": time.perf_counter() - start, "jobs": jobs,
            "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in usage),
            "train_seconds": sum(r["train_seconds"] for r in records),
            "machine": {"processor": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                        "torch": torch.__version__},
            "family": [name for name in FAMILY_ROWS if name in names],
            "tables": {name: [{"label": label, "variant": variant, "paper": paper} for label, variant, paper in rows]
                       for name, rows in TABLES.items() if all(v in names for _, v, _ in rows)},
            "runs": runs}
