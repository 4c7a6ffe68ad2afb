"""The ablation runner: a tiny budget end to end through the CLI (a well-formed report and results
file), the verdict rule on hand-made numbers, and the shipped results file that lesson 07 reads."""
from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from ddhpose_lite import ablations
from ddhpose_lite.ablations import (BUDGETS, FAMILY_ROWS, RESULTS, SCHEMA, TABLES, VARIANTS, check_results, compare,
                                    family_rows, learning_curves, level_errors, load_results, markdown_report,
                                    table_rows, verdicts)
from ddhpose_lite.train import PROFILES

MICRO = dataclasses.replace(BUDGETS["quick"], train_frames=300, val_frames=40, test_frames=40, multi_frames=18,
                            lift_frames=18)


@pytest.fixture(scope="module")
def micro_run(tmp_path_factory):
    """Table 6 and two family members (the refinement pulls in its regression base), 2 seeds, via the CLI."""
    work = tmp_path_factory.mktemp("ablations")
    original = BUDGETS["quick"]
    BUDGETS["quick"] = MICRO
    try:
        ablations.main(["--quick", "--work", str(work), "--out", str(work / "results.json"),
                        "--variants", "ddhpose", "pose loss only", "refine"])
    finally:
        BUDGETS["quick"] = original
    return work


def test_runner_writes_results_and_a_markdown_report(micro_run, capsys):
    results = load_results(micro_run / "results.json")
    assert results["schema"] == SCHEMA and results["budget"]["name"] == "quick"
    assert list(results["tables"]) == ["Table 6"]  # Tables 4 and 5 need variants that did not run
    assert set(results["runs"]) == {"ddhpose", "pose loss only", "refine", "regression"}
    report = (micro_run / "results.md").read_text()
    assert report.startswith("# Ablations at a small scale (quick budget)")
    table = report.split("## Table 6")[1].split("##")[0].strip().splitlines()
    assert table[0] == "| row | paper | procedural | captured | Δ procedural | Δ captured |"
    assert len(table) == 4 and all(line.count("|") == 7 for line in table)
    assert "| pose loss only | 39.87 |" in table[2] and table[3].endswith("| reference | reference |")
    assert "exceed" in report.split("## Which differences")[1]
    assert [row["variant"] for row in family_rows(results)] == ["regression", "ddhpose", "refine"]
    assert family_rows(results)[0]["spread"] == pytest.approx((0.0, 0.0), abs=1e-3)  # regression: one pose (mm)
    assert all(row["spread"][0] > 0.1 for row in family_rows(results)[1:])  # diffusion: hypotheses differ


def test_finished_runs_are_not_trained_again(micro_run):
    record = ablations.run_variant("ddhpose", 0, MICRO, micro_run)
    stored = json.loads((micro_run / "ddhpose" / "seed0" / "result.json").read_text())
    assert record == stored


def test_the_shipped_budget_is_the_cpu_profile_model():
    cpu = PROFILES["cpu"].model
    assert BUDGETS["shared"].model == {"frames": cpu.frames, "width": cpu.width, "depth": cpu.depth,
                                       "heads": cpu.heads}


def _fake(values: dict) -> dict:
    """Results with the given H = K = 1 MPJPE (mm) per seed for each variant."""
    runs = {name: [{"seed": s, "curve": [0.1], "single": {split: {"P-Agg": {"MPJPE": v / 1000, "P-MPJPE": 0.0,
                                                                            "levels": [0.0]}, "spread": 0.0}
                                                          for split in ("procedural", "captured")}}
                   for s, v in enumerate(per_seed)] for name, per_seed in values.items()}
    return {"schema": SCHEMA, "budget": {}, "runtime_seconds": 0.0, "tables": {}, "runs": runs}


def test_a_difference_counts_only_beyond_the_spread_and_with_one_sign():
    results = _fake({"ddhpose": [40.0, 41.0, 42.0], "a": [45.0, 46.0, 47.0], "b": [39.0, 43.0, 41.5],
                     "c": [40.5, 41.6, 42.4]})
    assert compare(results, "a")["exceeds"]  # Δ = 5 mm, spread √2 mm, every seed worse
    assert not compare(results, "b")["exceeds"]  # the sign varies between seeds
    same_sign_but_small = compare(results, "c")  # Δ = 0.5 mm < spread, although every seed is worse
    assert same_sign_but_small["same_sign"] and not same_sign_but_small["exceeds"]
    assert compare(results, "a")["delta"] == pytest.approx(5.0)


def test_bad_results_are_refused_with_what_is_missing():
    with pytest.raises(ValueError, match="schema 'ddhpose_lite/ablations/1', got 'other'"):
        check_results({"schema": "other"})
    results = _fake({"ddhpose": [40.0]})
    with pytest.raises(ValueError, match="at least 2 seeds of 'ddhpose'"):
        check_results(results)
    broken = _fake({"ddhpose": [40.0, 41.0]})
    broken["tables"] = {"Table 6": [{"label": "x", "variant": "pose loss only", "paper": 39.87}]}
    with pytest.raises(ValueError, match="runs of variant 'pose loss only'"):
        check_results(broken)


def test_the_shipped_results_have_everything_lesson_07_reads():
    results = load_results()
    assert RESULTS.stat().st_size < 200_000
    assert list(results["tables"]) == list(TABLES)
    assert set(results["runs"]) == set(VARIANTS)
    assert len(results["budget"]["seeds"]) >= 2
    shipped = {**dataclasses.asdict(BUDGETS["shared"]), "seeds": list(BUDGETS["shared"].seeds), "name": "shared"}
    assert results["budget"] == shipped  # the command regenerates exactly this file
    assert results["runtime_seconds"] > 0 and results["machine"]["cores"] >= 1
    for table, rows in TABLES.items():
        for split in ("procedural", "captured"):
            got = table_rows(results, table, split)
            assert [r["paper"] for r in got] == [paper for _, _, paper in rows]
            assert all(r["std"] > 0 for r in got)
    for split in ("procedural", "captured"):
        family = family_rows(results, split)
        assert [r["variant"] for r in family] == list(FAMILY_ROWS)
        assert all({"P-Agg 5", "J-Best 5", "spread", "seconds"} <= set(r) for r in family)
    curves = learning_curves(results, ["joints", "ddhpose"])
    assert len(curves["ddhpose"]["mean"]) == results["budget"]["epochs"]
    levels = level_errors(results, ["joints", "ddhpose"])
    assert len(levels["ddhpose"]) == 6 and levels["ddhpose"][0] == 0
    assert len(verdicts(results)) == 2 * (3 + 3 + 1) + 2 * (len(FAMILY_ROWS) - 1)
    assert "## Table 4" in markdown_report(copy.deepcopy(results))
