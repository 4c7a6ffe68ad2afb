"""The ablation runner: a tiny budget end to end through the CLI (the recipe's warm starts, the
stored training loss and figure poses, a well-formed report, a rerun that trains nothing), the
paired rule and the findings on hand-made numbers, and the shipped (version-1) results file that
lesson 07 reads."""
from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest
import torch

from ddhpose_lite import ablations, trainer as trainer_module
from ddhpose_lite.ablations import (BUDGETS, RESOLVED_RULE, RESULTS, SCHEMA, SCHEMA_V1, TABLES, V1_FAMILY_ROWS,
                                    VARIANTS, check_results, compare, family_members, family_rows, figure_poses,
                                    findings, learning_curves, level_errors, load_results, markdown_report, paired,
                                    paired_comparisons, resolved, run_folder, table_rows, training_curves, verdicts,
                                    waves)
from ddhpose_lite.checkpoint import load_checkpoint
from ddhpose_lite.errors import UserInputError
from ddhpose_lite.train import PROFILES, Trainer

MICRO = dataclasses.replace(BUDGETS["quick"], train_frames=300, val_frames=40, test_frames=40, multi_frames=18,
                            lift_frames=18, figure_frames=3, seeds=(0, 1))
CHOSEN = ["pose loss only", "refine", "joints", "baseline"]  # + ddhpose (Table 6) + regression (their start)


def _cli(work, *extra):
    original = BUDGETS["quick"]
    BUDGETS["quick"] = MICRO
    try:
        ablations.main(["--quick", "--work", str(work), "--out", str(work / "results.json"), "--variants",
                        "ddhpose", *CHOSEN, *extra])
    finally:
        BUDGETS["quick"] = original


@pytest.fixture(scope="module")
def micro_run(tmp_path_factory):
    """Table 6, the joint-space member, the refinement and the MLP baseline, 2 seeds, via the CLI."""
    work = tmp_path_factory.mktemp("ablations")
    _cli(work)
    return work


def test_runner_writes_results_and_a_markdown_report(micro_run):
    results = load_results(micro_run / "results.json")
    assert results["schema"] == SCHEMA and results["budget"]["name"] == "quick"
    assert list(results["tables"]) == ["Table 6"]  # Tables 4 and 5 need variants that did not run
    assert set(results["runs"]) == {"ddhpose", "pose loss only", "refine", "joints", "baseline", "regression"}
    assert results["family"] == ["baseline", "regression", "joints", "ddhpose", "refine"]
    report = (micro_run / "results.md").read_text()
    assert report.startswith("# Ablations at a small scale (quick budget)")
    table = report.split("## Table 6")[1].split("##")[0].strip().splitlines()
    assert table[0] == "| row | paper | procedural | captured | Δ procedural | Δ captured |"
    assert len(table) == 4 and all(line.count("|") == 7 for line in table)
    assert "| pose loss only | 39.87 |" in table[2] and table[3].endswith("| reference | reference |")
    assert "resolved" in table[2]
    said = report.split("## What the numbers show")[1].split("\n## ")[0]
    assert all(f"- {line}" in said for line in findings(results))
    for section in ("training loss per epoch", "Error by hierarchy level (procedural", "Error by hierarchy level (captured"):
        assert section in report
    assert [row["variant"] for row in family_rows(results)] == results["family"]
    spreads = {row["variant"]: row["spread"][0] for row in family_rows(results)}
    assert spreads["baseline"] == pytest.approx(0.0, abs=1e-3)  # one pose (mm)
    assert spreads["regression"] == pytest.approx(0.0, abs=1e-3)
    assert all(spreads[name] > 0.1 for name in ("joints", "ddhpose", "refine"))  # diffusion: hypotheses differ


def test_diffusion_variants_start_from_the_same_seeds_regression_run_with_the_recipe(micro_run):
    for seed in MICRO.seeds:
        regression = load_checkpoint(run_folder(micro_run, "regression", seed) / "last.pt")["config"]
        assert regression["init_from"] == "" and regression["large_t"] == 0.0 and regression["lr"] == MICRO.start_lr
        for name in ("ddhpose", "joints", "pose loss only", "refine"):
            config = load_checkpoint(run_folder(micro_run, name, seed) / "last.pt")["config"]
            assert config["init_from"] == str(run_folder(micro_run, "regression", seed) / "last.pt")
            assert (config["lr_schedule"], config["fresh_data"], config["batch_size"]) == ("onecycle", True, 8)
            assert (config["lr"], config["large_t"], config["epochs"], config["seed"]) == (MICRO.lr, 0.2, 1, seed)


def test_the_training_loss_and_the_figure_poses_are_stored(micro_run):
    results = load_results(micro_run / "results.json")
    for name, records in results["runs"].items():
        for record in records:
            history = load_checkpoint(run_folder(micro_run, name, record["seed"]) / "last.pt")["history"]
            assert record["train_loss"] == [h["loss"] for h in history] and len(history) == 1
    assert len(training_curves(results, ["ddhpose"])["ddhpose"]["mean"]) == 1
    poses = figure_poses(results)
    assert len(poses["frames"]) == MICRO.figure_frames == len(set(poses["frames"]))
    truth, ddhpose, joints = (torch.tensor(poses[k]) for k in ("truth", "ddhpose", "joints"))
    assert truth.shape == ddhpose.shape == joints.shape == (MICRO.figure_frames, 17, 3)
    assert float(truth[:, 0].abs().max()) == 0 and float(truth.abs().max()) > 100  # root-relative, mm
    assert (ddhpose - truth).norm(dim=-1).mean() > 1  # a prediction, not a copy of the truth
    assert "figure" not in results["runs"]["refine"][0]


def test_the_epoch_loss_is_the_mean_of_the_step_losses(monkeypatch):
    steps = []
    original = trainer_module.diffusion_loss

    def recorded(*args, **kwargs):
        objective, parts = original(*args, **kwargs)
        steps.append(float(parts["loss"]))
        return objective, parts

    monkeypatch.setattr(trainer_module, "diffusion_loss", recorded)
    config = dataclasses.replace(PROFILES["tiny"], epochs=1, train_frames=200, val_frames=30)
    history = Trainer(config).fit()
    assert len(steps) > 2 and history[0]["loss"] == pytest.approx(sum(steps) / len(steps), rel=1e-5)


def test_a_rerun_trains_nothing_and_an_interrupted_run_continues(micro_run, monkeypatch):
    before = json.loads((micro_run / "results.json").read_text())
    stamps = {p: p.stat().st_mtime_ns for p in micro_run.glob("*/seed*/*")}

    def no_training(self, *args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(Trainer, "fit", no_training)
    _cli(micro_run)
    after = json.loads((micro_run / "results.json").read_text())
    assert after["runs"] == before["runs"]
    assert {p: p.stat().st_mtime_ns for p in micro_run.glob("*/seed*/*")} == stamps
    monkeypatch.undo()
    done = run_folder(micro_run, "ddhpose", 0) / "result.json"  # killed after training, before the evaluation
    stored = json.loads(done.read_text())
    done.unlink()
    monkeypatch.setattr(Trainer, "train_epoch", no_training)  # its last.pt holds every epoch already
    record = ablations.run_variant("ddhpose", 0, MICRO, micro_run)
    assert record["train_loss"] == stored["train_loss"] and record["single"] == stored["single"]


@pytest.mark.parametrize("call, pattern", [
    pytest.param(lambda micro_run, tmp_path: ablations.run_variant(
                     "ddhpose", 0, dataclasses.replace(MICRO, train_frames=301), micro_run),
                 lambda micro_run, tmp_path: (
                     re.escape(f"expected the finished run at {micro_run / 'ddhpose' / 'seed0' / 'result.json'} to come "
                               "from the budget {") + ".*'train_frames': 301.*" + re.escape("}, got {")
                     + ".*'train_frames': 300.*" + re.escape("}; use another --work for another budget")),
                 id="another-budget"),
    pytest.param(lambda micro_run, tmp_path: ablations.run_variant("joints", 1, MICRO, tmp_path),
                 lambda micro_run, tmp_path: re.escape(
                     "expected the finished 'regression' run of seed 1 (its result.json and "
                     f"{tmp_path / 'regression' / 'seed1' / 'last.pt'}) before 'joints', found none"),
                 id="missing-start"),
])
def test_a_finished_run_of_another_budget_or_a_missing_start_is_refused(micro_run, tmp_path, call, pattern):
    with pytest.raises(UserInputError, match=pattern(micro_run, tmp_path)):
        call(micro_run, tmp_path)


def test_the_recipe_budget_is_the_cpu_profile_and_its_recipe():
    recipe, cpu = BUDGETS["recipe"], PROFILES["cpu"]
    assert len(recipe.seeds) >= 3 and recipe.batch_size == cpu.batch_size == 32
    ddhpose = recipe.train_config(VARIANTS["ddhpose"], 2, "runs/r/last.pt")
    assert ddhpose.model == cpu.model  # its size and input options
    assert (ddhpose.lr, ddhpose.large_t, ddhpose.stride) == (cpu.lr, cpu.large_t, cpu.stride)
    assert (ddhpose.epochs, ddhpose.train_frames) == (recipe.epochs, recipe.train_frames) == (4, 100_000)
    assert (ddhpose.lr_schedule, ddhpose.fresh_data, ddhpose.init_from, ddhpose.seed) == ("onecycle", True,
                                                                                          "runs/r/last.pt", 2)
    regression = recipe.train_config(VARIANTS["regression"], 2)
    assert (regression.lr, regression.epochs, regression.large_t) == (1e-3, 8, 0.0)  # tools/train_checkpoint.py
    assert regression.model == dataclasses.replace(cpu.model, noisy_input="none")
    baseline = recipe.train_config(VARIANTS["baseline"], 0)
    assert baseline.method == "baseline" and baseline.model.architecture == "mlp"
    assert baseline.batch_size == 32 * 27  # the transformer's frames per step
    no_hierarchy = recipe.train_config(VARIANTS["no hierarchy"], 0, "x.pt").model
    assert not (no_hierarchy.hierarchical_embedding or no_hierarchy.hrst or no_hierarchy.hrtt)
    with pytest.raises(ValueError, match="expected a start checkpoint for a diffusion variant.*got ''"):
        recipe.train_config(VARIANTS["ddhpose"], 0)


def test_the_command_line_resizes_a_budget(monkeypatch, tmp_path):
    asked = {}

    def run_ablations(budget, work, jobs, variants, budget_name):
        asked.update(budget=budget, work=work, name=budget_name)
        return _fake({"ddhpose": [40.0, 41.0]}) | {"machine": {"cores": 2},
                                                   "budget": {"name": budget_name, **dataclasses.asdict(budget)}}

    monkeypatch.setattr(ablations.cli, "run_ablations", run_ablations)
    ablations.main(["--budget", "pilot", "--train-frames", "2000", "--epochs", "2", "--start-epochs", "3",
                    "--seeds", "4", "5", "--work", str(tmp_path)])
    assert asked["budget"] == dataclasses.replace(BUDGETS["pilot"], train_frames=2000, epochs=2, start_epochs=3,
                                                  seeds=(4, 5))
    assert asked["name"] == "pilot" and json.loads((tmp_path / "ablations.json").read_text())["schema"] == SCHEMA
    assert "- Captured test split: no variant to compare with DDHPose." in (tmp_path / "ablations.md").read_text()
    with pytest.raises(SystemExit):
        ablations.main(["--quick", "--train-frames", "0", "--work", str(tmp_path)])


def test_every_run_starts_after_what_it_builds_on():
    plan = waves(list(VARIANTS))
    assert plan[0] == [n for n, v in VARIANTS.items() if v.stage == "start"] and len(plan) == 2
    for later, wave in enumerate(plan):
        for name in wave:
            for needed in {VARIANTS[name].start, VARIANTS[name].needs} - {""}:
                assert any(needed in earlier for earlier in plan[:later])
                assert VARIANTS[needed].model == VARIANTS[name].model  # the same backbone
    assert waves(["refine"]) == [["regression"], ["refine"]]
    for name, variant in VARIANTS.items():
        assert (variant.stage == "diffusion") == bool(variant.start), name


# -- the paired rule and the findings, on hand-made numbers -------------------------------------

def _fake(values: dict, tables=None, family=()) -> dict:
    """Version-2 results with the given H = K = 1 MPJPE (mm) per seed for each variant."""
    runs = {name: [{"seed": s, "curve": [0.1], "train_loss": [0.5],
                    "single": {split: {"P-Agg": {"MPJPE": v / 1000, "P-MPJPE": 0.0, "levels": [0.0]}, "spread": 0.0}
                               for split in ("procedural", "captured")}}
                   for s, v in enumerate(per_seed)] for name, per_seed in values.items()}
    tables = {} if tables is None else {name: [{"label": label, "variant": variant, "paper": paper}
                                                for label, variant, paper in TABLES[name]] for name in tables}
    return {"schema": SCHEMA, "budget": {}, "runtime_seconds": 0.0, "tables": tables, "family": list(family),
            "runs": runs}


def test_the_resolved_rule_by_hand():
    assert resolved([-3, -4, -5])  # mean -4, spread 2
    assert not resolved([-1, -4, -7])  # mean -4, spread 6
    assert not resolved([1, -2, 2])  # the sign varies
    assert not resolved([0.0, 0.0])  # no sign at all
    assert resolved([5, 4, 3]) and not resolved([1, 0.5, 2])  # mean 7/6 < spread 1.5
    with pytest.raises(ValueError, match=r"at least 2 seeds, got \[1.0\]"):
        resolved([1])
    assert "same sign" in RESOLVED_RULE and "largest minus smallest" in RESOLVED_RULE


FAKE = {"ddhpose": [40.0, 41.0, 42.0], "joints": [37.0, 37.0, 37.0], "bones out": [45.0, 45.0, 45.0],
        "joints, bones out": [41.0, 39.0, 44.0], "regression": [39.0, 40.0, 45.0], "gmm": [40.5, 41.6, 42.4],
        "baseline": [41.0, 41.5, 44.0]}
FAKE_FAMILY = ("baseline", "regression", "joints", "ddhpose", "gmm")


def test_paired_differences_by_hand():
    results = _fake(FAKE, ["Table 4"], family=FAKE_FAMILY)
    joints = paired(results, "joints", split="captured", table="Table 4")
    assert joints["differences"] == [-3.0, -4.0, -5.0] and joints["seeds"] == [0, 1, 2]
    assert joints["mean"] == pytest.approx(-4.0) and joints["spread"] == pytest.approx(2.0)
    assert joints["spread_percent"] == pytest.approx(100 * 2 / 41)
    assert joints["resolved"] and joints["better"] == "better"
    assert joints["paper_delta"] == pytest.approx(40.23 - 39.65) and joints["paper"] == "contradicts"
    bones_out = paired(results, "bones out", table="Table 4")
    assert bones_out["differences"] == [5.0, 4.0, 3.0] and bones_out["paper"] == "agrees"
    assert bones_out["better"] == "worse"
    mixed = paired(results, "joints, bones out", table="Table 4")
    assert mixed["differences"] == [1.0, -2.0, 2.0] and not mixed["resolved"] and mixed["paper"] is None
    gmm = paired(results, "gmm")  # +0.5, +0.6, +0.4: small, but every seed and larger than the spread
    assert gmm["resolved"] and gmm["paper"] == "agrees" and gmm["paper_delta"] is None
    assert paired(results, "baseline")["paper_sign"] is None  # the paper has no MLP row
    rows = paired_comparisons(results, "captured")
    assert [(r["table"], r["label"]) for r in rows] == [
        ("Table 4", "input joints / output joints"), ("Table 4", "input joints / output bones"),
        ("Table 4", "input bones / output bones"), ("Family", "baseline"), ("Family", "regression"),
        ("Family", "gmm")]  # joints: compared in Table 4 already


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: paired(_fake(FAKE, ["Table 4"], family=FAKE_FAMILY), "joints", split="test"),
                 "expected split as one of ('procedural', 'captured'), got 'test'", id="split-test"),
    pytest.param(lambda: paired(_fake({"ddhpose": [40.0], "joints": [41.0, 42.0]}), "joints"),
                 "expected at least 2 seeds run by both 'joints' and 'ddhpose', got [0]", id="one-common-seed"),
])
def test_paired_differences_refuse_a_bad_split_or_too_few_seeds(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_the_findings_are_written_from_the_numbers():
    results = _fake(FAKE, ["Table 4"], family=("baseline", "regression", "joints", "ddhpose", "gmm"))
    lines = findings(results, ["captured"])
    assert lines[0] == f"Rule: {RESOLVED_RULE}."
    assert lines[1] == ("Captured test split: 3 of 6 differences resolved, 1 of them against the paper's direction; "
                        "the paired spread is at most 9.8 % of DDHPose's error.")  # regression: 4 / 41
    assert lines[2] == ("Table 4, captured: input joints / output joints is 4.0 mm better than DDHPose in every seed "
                        "(-3.0, -4.0, -5.0 mm; spread 2.0 mm): resolved, against the paper's direction "
                        "(paper +0.58 mm).")
    assert lines[3] == ("Table 4, captured: input bones / output bones is 4.0 mm worse than DDHPose in every seed "
                        "(+5.0, +4.0, +3.0 mm; spread 2.0 mm): resolved, in the paper's direction (paper +0.83 mm).")
    assert lines[4] == ("Family, captured: gmm is 0.5 mm worse than DDHPose in every seed (+0.5, +0.6, +0.4 mm; "
                        "spread 0.2 mm): resolved, in the paper's direction (DiffPose, Table 2).")
    assert lines[5] == ("Table 4, captured: input joints / output bones vs DDHPose: +0.3 mm (+1.0, -2.0, +2.0 mm; "
                        "spread 4.0 mm): not resolved (the seeds disagree in sign).")
    assert lines[6] == ("Family, captured: baseline vs DDHPose: +1.2 mm (+1.0, +0.5, +2.0 mm; spread 1.5 mm): "
                        "not resolved (smaller than the spread).")
    assert lines[7] == ("Family, captured: regression vs DDHPose: +0.3 mm (-1.0, -1.0, +3.0 mm; spread 4.0 mm): "
                        "not resolved (the seeds disagree in sign).")
    assert len(lines) == 8 and len(findings(results)) == 2 * 7 + 1  # both splits
    family_joints = findings(_fake(FAKE, family=("joints", "ddhpose")), ["captured"])
    assert family_joints[2].endswith("resolved, against the paper's direction (D3DP, Table 1).")


def test_the_unpaired_comparison_of_lesson_07_still_holds():
    results = _fake({"ddhpose": [40.0, 41.0, 42.0], "a": [45.0, 46.0, 47.0], "b": [39.0, 43.0, 41.5],
                     "c": [40.5, 41.6, 42.4]})
    assert compare(results, "a")["exceeds"]  # Δ = 5 mm, spread √2 mm, every seed worse
    assert not compare(results, "b")["exceeds"]  # the sign varies between seeds
    same_sign_but_small = compare(results, "c")  # Δ = 0.5 mm < spread, although every seed is worse
    assert same_sign_but_small["same_sign"] and not same_sign_but_small["exceeds"]
    assert compare(results, "a")["delta"] == pytest.approx(5.0)
    assert paired(results, "c")["resolved"]  # the paired rule resolves it: +0.5, +0.6, +0.4


def _without(results: dict, *keys) -> dict:
    """results with the entry at the path ``keys`` deleted."""
    *parents, last = keys
    inner = results
    for key in parents:
        inner = inner[key]
    del inner[last]
    return results


@pytest.mark.parametrize("results, message", [
    pytest.param({"schema": "other"},
                 "expected ablation results of schema 'ddhpose_lite/ablations/2' (or 'ddhpose_lite/ablations/1'), "
                 "got 'other'", id="other-schema"),
    pytest.param(_fake({"ddhpose": [40.0]}), "expected at least 2 seeds of 'ddhpose' for a spread, got 1",
                 id="one-seed"),
    pytest.param(_fake({"ddhpose": [40.0, 41.0]}, ["Table 6"]),
                 "expected runs of variant 'pose loss only' (Table 6), got ['ddhpose']", id="table-without-its-runs"),
    pytest.param(_without(_fake({"ddhpose": [40.0, 41.0]}), "family"),
                 "expected key 'family' in the ablation results, got ['budget', 'runs', 'runtime_seconds', 'schema', "
                 "'tables']", id="no-family"),
    pytest.param(_fake({"ddhpose": [40.0, 41.0]}, family=("ddhpose", "gmm")),
                 "expected runs of the family member 'gmm', got ['ddhpose']", id="family-member-without-runs"),
    pytest.param(_without(_fake({"ddhpose": [40.0, 41.0]}), "runs", "ddhpose", 1, "train_loss"),
                 "expected 'train_loss' in every run of 'ddhpose', got ['curve', 'seed', 'single']",
                 id="no-train-loss"),
])
def test_bad_results_are_refused_with_what_is_missing(results, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_results(results)


def test_the_shipped_results_have_everything_lesson_07_reads():
    results = load_results()
    assert RESULTS.stat().st_size < 300_000
    if results["schema"] == SCHEMA_V1:  # the shared budget, until the recipe run ships
        assert family_members(results) == list(V1_FAMILY_ROWS)  # its "baseline" is Table 5's row, not a member
        assert results["budget"]["name"] == "shared" and len(results["budget"]["seeds"]) >= 2
        with pytest.raises(ValueError, match="'train_loss' in every run of 'ddhpose' \\(version-2 results\\)"):
            training_curves(results, ["ddhpose"])
    else:
        assert results["budget"]["name"] == "recipe" and len(results["budget"]["seeds"]) >= 3
        assert set(results["runs"]) == set(VARIANTS) and results["family"] == list(ablations.FAMILY_ROWS)
        assert len(training_curves(results)["ddhpose"]["mean"]) == results["budget"]["epochs"]
        assert set(figure_poses(results)) == {"frames", "truth", "joints", "ddhpose"}
    assert list(results["tables"]) == list(TABLES)
    assert results["runtime_seconds"] > 0 and results["machine"]["cores"] >= 1
    for table, rows in TABLES.items():
        for split in ("procedural", "captured"):
            got = table_rows(results, table, split)
            assert [r["paper"] for r in got] == [paper for _, _, paper in rows]
            assert all(r["std"] > 0 for r in got)
    for split in ("procedural", "captured"):
        family = family_rows(results, split)
        assert [r["variant"] for r in family] == family_members(results)
        assert all({"P-Agg 5", "J-Best 5", "spread", "seconds"} <= set(r) for r in family)
    curves = learning_curves(results, ["joints", "ddhpose"])
    assert len(curves["ddhpose"]["mean"]) == results["budget"]["epochs"]
    levels = level_errors(results, ["joints", "ddhpose"], "captured")
    assert len(levels["ddhpose"]) == 6 and levels["ddhpose"][0] == 0
    members = len(family_members(results)) - 1  # but DDHPose
    assert len(verdicts(results)) == 2 * (3 + 3 + 1) + 2 * members
    assert len(findings(results)) == 1 + 2 * (1 + 3 + 3 + 1 + members - 1)  # joints: in Table 4 already
    report = markdown_report(copy.deepcopy(results))
    assert "## Table 4" in report and "## What the numbers show (paired per seed)" in report
