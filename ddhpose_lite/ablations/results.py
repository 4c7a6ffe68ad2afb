"""Reading the ablation results: the JSON checked against its schema, the paper's tables with our
mean ± spread over seeds, which differences exceed the seed-to-seed spread (``comparisons``,
``verdicts``), the family side by side, learning curves, errors by level, a Markdown report."""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch

from .. import metrics
from .variants import FAMILY_ROWS, RESULTS, SCHEMA, SPLITS

__all__ = ["load_results", "check_results", "table_rows", "compare", "comparisons", "verdicts", "family_rows", "learning_curves", "level_errors", "markdown_report"]

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
