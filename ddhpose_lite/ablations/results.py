"""Reading the ablation results: the JSON checked against its schema, the paper's tables with our
mean ± spread over seeds, the paired per-seed differences to DDHPose and the one rule that calls
one resolved (``paired``, ``RESOLVED_RULE``), the sentences a reader is told (``findings``), the
family side by side, learning curves (validation error and training loss), errors by level, the
poses of a Fig. 6 analogue, a Markdown report."""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch

from .. import metrics
from .variants import FIGURE_VARIANTS, PAPER_FAMILY, RESULTS, SCHEMA, SCHEMA_V1, SPLITS, V1_FAMILY_ROWS

__all__ = ["load_results", "check_results", "table_rows", "compare", "comparisons", "verdicts", "family_rows",
           "family_members", "learning_curves", "training_curves", "level_errors", "figure_poses", "RESOLVED_RULE",
           "resolved", "paired", "paired_comparisons", "findings", "markdown_report"]

RESOLVED_RULE = ("a difference (variant minus DDHPose, MPJPE, same seed) is resolved when every seed's difference has "
                 "the same sign and the absolute mean of the differences is larger than their spread (largest minus "
                 "smallest)")
"""The one rule for "resolved" (``resolved``): paired per seed, because a seed changes the
training draws, the initial weights and the noise of every variant alike, so the seed-to-seed
offset that all variants share cancels in the difference."""


def check_results(results: dict) -> dict:
    """``results`` if it has the shape the lesson and the report read (``SCHEMA``, or the shipped
    ``SCHEMA_V1``); a ValueError naming the first thing missing otherwise."""
    if not isinstance(results, dict) or results.get("schema") not in (SCHEMA, SCHEMA_V1):
        found = results.get("schema") if isinstance(results, dict) else type(results).__name__
        raise ValueError(f"expected ablation results of schema {SCHEMA!r} (or {SCHEMA_V1!r}), got {found!r}")
    v2 = results["schema"] == SCHEMA
    for key in ("budget", "runs", "tables", "runtime_seconds") + (("family",) if v2 else ()):
        if key not in results:
            raise ValueError(f"expected key {key!r} in the ablation results, got {sorted(results)}")
    for name, rows in results["tables"].items():
        for row in rows:
            if row["variant"] not in results["runs"]:
                raise ValueError(f"expected runs of variant {row['variant']!r} ({name}), got {sorted(results['runs'])}")
    for name in family_members(results):
        if name not in results["runs"]:
            raise ValueError(f"expected runs of the family member {name!r}, got {sorted(results['runs'])}")
    for name, records in results["runs"].items():
        if len(records) < 2:
            raise ValueError(f"expected at least 2 seeds of {name!r} for a spread, got {len(records)}")
        for record in records:
            for key in ("seed", "curve", "single") + (("train_loss",) if v2 else ()):
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


def family_members(results: dict) -> list[str]:
    """The family rows the results hold, in ``FAMILY_ROWS`` order (a version-1 file: ``V1_FAMILY_ROWS``,
    its "baseline" is Table 5's row)."""
    if "family" in results:
        return list(results["family"])
    return [name for name in V1_FAMILY_ROWS if name in results["runs"]]


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
    unpaired seed-to-seed spread √(s_variant² + s_reference²), and whether Δ is larger than that
    spread AND has the same sign in every seed ("exceeds"). The rule lesson 07's current text
    uses; ``paired`` (``RESOLVED_RULE``) replaces it once the lesson reads version-2 results."""
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
    """One plain sentence per comparison: which differences exceed the unpaired seed-to-seed
    spread (``compare``; lesson 07's current text). ``findings`` states the paired rule's."""
    lines = []
    for table in results["tables"]:
        for split in SPLITS:
            for c in comparisons(results, table, split):
                word = "exceeds" if c["exceeds"] else "does NOT exceed"
                lines.append(f"{table}, {split}: {c['label']} vs DDHPose: Δ = {c['delta']:+.1f} mm {word} the "
                             f"seed-to-seed spread ({c['spread']:.1f} mm{'' if c['same_sign'] else ', sign varies'})"
                             + ("" if c["paper_delta"] is None else f"; paper Δ = {c['paper_delta']:+.2f} mm"))
    for split in SPLITS:
        for name in family_members(results):
            if name == "ddhpose" or "ddhpose" not in results["runs"]:
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
    for name in family_members(results):
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


def training_curves(results: dict, variants=None) -> dict[str, dict]:
    """The training loss per epoch (the mean over the epoch's steps of the objective L of Eq. 7-10,
    our loss weights; the paper's Fig. 4, left): variant -> {"epoch", "mean", "std"} over seeds. Version-2
    results only (version 1 stored the validation curve alone)."""
    out = {}
    for name in variants or results["runs"]:
        records = results["runs"][name]
        if any("train_loss" not in r for r in records):
            raise ValueError(f"expected 'train_loss' in every run of {name!r} (version-2 results), got "
                             f"{sorted(records[0])}")
        curves = torch.tensor([r["train_loss"] for r in records], dtype=torch.float64)
        out[name] = {"epoch": list(range(1, curves.shape[1] + 1)), "mean": curves.mean(0).tolist(),
                     "std": (curves.std(0) if len(curves) > 1 else torch.zeros(curves.shape[1])).tolist()}
    return out


def figure_poses(results: dict, seed: int = 0, variants=FIGURE_VARIANTS) -> dict:
    """A Fig. 6 analogue's data: the same captured test frames lifted by each of ``variants``
    (H = K = 1, P-Agg, seed ``seed``'s run), root-relative in mm: {"frames", "truth" [N, J, 3],
    variant -> [N, J, 3]}."""
    out = {}
    for name in variants:
        record = next((r for r in results["runs"].get(name, []) if r["seed"] == seed), None)
        if record is None or "figure" not in record:
            raise ValueError(f"expected a run of {name!r} with seed {seed} and stored figure poses (version-2 "
                             f"results), got {'none' if record is None else sorted(record)}")
        figure = record["figure"]
        if "frames" in out and figure["frames"] != out["frames"]:
            raise ValueError(f"expected the same frames for every variant, got {out['frames']} and "
                             f"{figure['frames']} ({name!r})")
        out.update(frames=figure["frames"], truth=figure["truth"])
        out[name] = figure["prediction"]
    return out


def resolved(differences) -> bool:
    """``RESOLVED_RULE`` on per-seed differences (mm): one sign in every seed, and
    |mean| > max − min. E.g. −3, −4, −5: mean −4, spread 2, resolved; −1, −4, −7: spread 6, not."""
    values = [float(d) for d in differences]
    if len(values) < 2:
        raise ValueError(f"expected per-seed differences of at least 2 seeds, got {values}")
    one_sign = all(v > 0 for v in values) or all(v < 0 for v in values)
    return one_sign and abs(sum(values) / len(values)) > max(values) - min(values)


def _paper_sign(results: dict, variant: str, reference: str, table: str | None) -> tuple[float | None, int | None]:
    """The paper's difference (mm, Human3.6M) and its sign for "variant minus reference": a table's
    numbers, or for a family member +1 where the paper reports DDHPose ahead (``PAPER_FAMILY``)."""
    if table is not None:
        paper = {r["variant"]: r["paper"] for r in results["tables"][table]}
        if reference in paper:
            delta = paper[variant] - paper[reference]
            return delta, (delta > 0) - (delta < 0)
        return None, None
    return None, (1 if variant in PAPER_FAMILY and reference == "ddhpose" else None)


def paired(results: dict, variant: str, reference: str = "ddhpose", split: str = "procedural",
           metric: str = "MPJPE", table: str | None = None) -> dict:
    """``variant`` minus ``reference`` per seed (H = K = 1, P-Agg, mm; the seeds both ran): the
    differences, their mean and spread (max − min), the spread as a percentage of the reference's
    mean error, ``resolved`` (``RESOLVED_RULE``), which is better ("better" / "worse": the
    variant, by the mean), and the paper's difference and sign (from ``table``, or the family's)
    with "agrees" / "contradicts" for a resolved difference (None where the paper has no sign)."""
    if split not in SPLITS:
        raise ValueError(f"expected split as one of {SPLITS}, got {split!r}")
    by_seed = {name: {r["seed"]: 1000 * r["single"][split]["P-Agg"][metric] for r in results["runs"][name]}
               for name in (variant, reference)}
    seeds = sorted(set(by_seed[variant]) & set(by_seed[reference]))
    if len(seeds) < 2:
        raise ValueError(f"expected at least 2 seeds run by both {variant!r} and {reference!r}, got {seeds}")
    differences = [by_seed[variant][s] - by_seed[reference][s] for s in seeds]
    mean, spread = sum(differences) / len(differences), max(differences) - min(differences)
    reference_mean = sum(by_seed[reference][s] for s in seeds) / len(seeds)
    paper_delta, paper_sign = _paper_sign(results, variant, reference, table)
    is_resolved = resolved(differences)
    paper = None
    if is_resolved and paper_sign:
        paper = "agrees" if (mean > 0) == (paper_sign > 0) else "contradicts"
    return {"variant": variant, "reference": reference, "split": split, "seeds": seeds, "differences": differences,
            "mean": mean, "spread": spread, "spread_percent": 100 * spread / reference_mean, "resolved": is_resolved,
            "better": "better" if mean < 0 else "worse", "paper_delta": paper_delta, "paper_sign": paper_sign,
            "paper": paper}


def paired_comparisons(results: dict, split: str = "procedural", reference: str = "ddhpose") -> list[dict]:
    """``paired`` for every table row but the reference (with "table" and "label"), then every
    family member but the reference and those a table compares already ("table": "Family",
    "label": its name), so that no difference is counted twice."""
    out = []
    for table, rows in results["tables"].items():
        for row in rows:
            if row["variant"] != reference:
                out.append({"table": table, "label": row["label"],
                            **paired(results, row["variant"], reference, split, table=table)})
    in_tables = {c["variant"] for c in out}
    for name in family_members(results):
        if name != reference and name not in in_tables and reference in results["runs"]:
            out.append({"table": "Family", "label": name, **paired(results, name, reference, split)})
    return out


def _finding(c: dict) -> str:
    seeds = ", ".join(f"{d:+.1f}" for d in c["differences"])
    head = f"{c['table']}, {c['split']}: {c['label']}"
    if c["resolved"]:
        text = (f"{head} is {abs(c['mean']):.1f} mm {c['better']} than DDHPose in every seed ({seeds} mm; spread "
                f"{c['spread']:.1f} mm): resolved")
    else:
        why = "the seeds disagree in sign" if min(c["differences"]) <= 0 <= max(c["differences"]) else \
            "smaller than the spread"
        text = f"{head} vs DDHPose: {c['mean']:+.1f} mm ({seeds} mm; spread {c['spread']:.1f} mm): not resolved ({why})"
    if c["paper"] is not None:
        paper = f"paper {c['paper_delta']:+.2f} mm" if c["paper_delta"] is not None else PAPER_FAMILY[c["variant"]]
        text += f", {'against' if c['paper'] == 'contradicts' else 'in'} the paper's direction ({paper})"
    return text + "."


def findings(results: dict, splits=SPLITS) -> list[str]:
    """The sentences a reader is told, written from the numbers (``paired_comparisons`` on both
    splits): per split one line with how many differences are resolved and how large the paired
    spread is against DDHPose's error, then every resolved difference (and whether it agrees with
    the paper's direction), then every unresolved one."""
    lines = [f"Rule: {RESOLVED_RULE}."]
    for split in splits:
        rows = paired_comparisons(results, split)
        if not rows:
            lines.append(f"{split.capitalize()} test split: no variant to compare with DDHPose.")
            continue
        done = [c for c in rows if c["resolved"]]
        against = [c for c in done if c["paper"] == "contradicts"]
        lines.append(f"{split.capitalize()} test split: {len(done)} of {len(rows)} differences resolved, "
                     f"{len(against)} of them against the paper's direction; the paired spread is at most "
                     f"{max(c['spread_percent'] for c in rows):.1f} % of DDHPose's error.")
        lines += [_finding(c) for c in done] + [_finding(c) for c in rows if not c["resolved"]]
    return lines


def _pm(pair) -> str:
    return f"{pair[0]:.1f} ± {pair[1]:.1f}"


def markdown_report(results: dict) -> str:
    """Every table (both splits, with the paired differences), the findings, the family table,
    the learning curves (validation error; training loss where stored) and the error by level
    (both splits), as Markdown."""
    budget = results["budget"]
    seeds = len(budget["seeds"])
    if "start_epochs" in budget:
        training = (f"starts (regression, MLP baseline) {budget['start_epochs']} epochs, diffusion variants "
                    f"{budget['epochs']} more epochs from their start, of {budget['train_frames']:,} fresh mixed "
                    f"training frames each, one-cycle lr, batch {budget['batch_size']}")
    else:
        training = f"{budget['epochs']} epochs of {budget['train_frames']:,} mixed training frames"
    lines = [f"# Ablations at a small scale ({budget.get('name') or 'custom'} budget)", "",
             f"Model {budget['model']}, {training}, {seeds} seeds (mean ± std over seeds), test: "
             f"{budget['test_frames']:,} frames per split, H = K = 1, P-Agg, test-time flip. Runtime "
             f"{results['runtime_seconds'] / 60:.1f} min with {results.get('jobs', 1)} job(s) on "
             f"{results['machine']['cores']} cores"
             + (f" ({results['cpu_seconds'] / 60:.0f} CPU-minutes)." if "cpu_seconds" in results else ".")
             + " The paper's column is Human3.6M (mm): the shape of each comparison, not a target.", "",
             f"Δ: the paired difference to DDHPose, mean of the per-seed differences and their spread (max − min); "
             f"{RESOLVED_RULE}.", ""]
    for table in results["tables"]:
        lines += [f"## {table}", ""]
        by_split = {s: table_rows(results, table, s) for s in SPLITS}
        differences = {s: {c["variant"]: c for c in paired_comparisons(results, s) if c["table"] == table}
                       for s in SPLITS}
        rows = []
        for proc, cap in zip(by_split["procedural"], by_split["captured"]):
            cells = [proc["label"], f"{proc['paper']:.2f}", _pm((proc["mean"], proc["std"])), _pm((cap["mean"], cap["std"]))]
            for split in SPLITS:
                c = differences[split].get(proc["variant"])
                cells.append("reference" if c is None else f"{c['mean']:+.1f} (spread {c['spread']:.1f}): "
                             + ("resolved" if c["resolved"] else "not resolved"))
            rows.append(cells)
        lines += [metrics.markdown_table(["row", "paper", "procedural", "captured", "Δ procedural",
                                          "Δ captured"], rows), ""]
    lines += ["## What the numbers show (paired per seed)", "", *(f"- {line}" for line in findings(results)), ""]
    family = family_rows(results)
    if family:
        lines += ["## The family side by side (procedural test / captured test)", ""]
        rows = []
        for proc, cap in zip(family, family_rows(results, "captured")):
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
                  f"not columns; seconds to lift {family[0].get('lift_frames', '?')} frames with flip, seed 0)", ""]
    curves = {"validation MPJPE per epoch, mm": learning_curves(results)}
    if all("train_loss" in r for records in results["runs"].values() for r in records):
        curves["training loss per epoch"] = training_curves(results)
    for title, table in curves.items():
        epochs = max(len(c["epoch"]) for c in table.values())
        digits = 0 if "mm" in title else 4
        lines += [f"## Learning curves ({title})", "",
                  metrics.markdown_table(["variant", *(f"epoch {e}" for e in range(1, epochs + 1))],
                                         [[name, *(f"{m:.{digits}f}" for m in c["mean"])] for name, c in table.items()]),
                  ""]
    for split in SPLITS:
        levels = level_errors(results, [v for v in ("joints", "ddhpose", "bones out") if v in results["runs"]], split)
        if levels:
            lines += [f"## Error by hierarchy level ({split}, mm)", "",
                      metrics.markdown_table(["variant", *(f"level {i}" for i in range(1, len(next(iter(levels.values())))))],
                                             [[name, *(f"{v:.1f}" for v in values[1:])] for name, values in levels.items()]),
                      ""]
    return "\n".join(lines)
