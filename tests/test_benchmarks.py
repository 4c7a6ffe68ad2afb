"""The benchmark scripts run end to end (tiny settings; their figures are not checked here)."""
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ddhpose_lite.profiles import PROFILES
from ddhpose_lite.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]


def test_lift_benchmark_runs_and_reports_every_figure():
    out = subprocess.run(
        [sys.executable, "benchmarks/lift_speed.py", "--frames", "30", "--hypotheses", "2", "--iterations", "1",
         "--repeats", "1", "--threads", "1", "--passes"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    for expected in ("GFLOP/s on this machine now", "whole batch:", "default / whole batch =",
                     "flip=True: best", "flip=False: best", "scrubber callback: median"):
        assert expected in out, f"missing {expected!r} in:\n{out}"


def test_hip_offset_benchmark_runs_and_prints_its_table():
    out = subprocess.run([sys.executable, "benchmarks/hip_offset.py", "--sequences", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
    rows = [line for line in out.splitlines() if re.match(r"\| -?\d", line)]
    assert len(rows) == 12, out  # 3 outward x 4 upward offsets
    assert "| 0 | 0 |" in out and out.split("| 0 | 0 |")[1].split("|")[1].strip() == "+0.0", out


def test_smoothing_benchmark_runs_and_prints_its_table():
    out = subprocess.run([sys.executable, "benchmarks/smoothing.py", "--sequences", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
    rows = [line for line in out.splitlines() if re.match(r"\| \d", line)]
    assert len(rows) == 4 and all(len(row.strip("|").split("|")) == 5 for row in rows), out


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A checkpoint of one short epoch of the tiny profile."""
    out = tmp_path_factory.mktemp("tiny_run")
    Trainer(dataclasses.replace(PROFILES["tiny"], epochs=1, train_frames=300, val_frames=60), out).fit()
    return out / "last.pt"


def test_seed_spread_benchmark_runs_and_reports_every_row(tiny_run):
    """On a tiny run: the 2 seed rows, the two spreads and the H/K rows are printed."""
    out = subprocess.run([sys.executable, "benchmarks/seed_spread.py", "--checkpoint", str(tiny_run),
                          "--frames", "60", "--seeds", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
    assert len(re.findall(r"H = K = 5, seed \d: +\d+\.\d / +\d+\.\d", out)) == 2, out
    assert out.count("seed spread (max - min)") == 2 and "H = 1, K = 1, seed 0" in out and "H = 20, K = 10" in out


def test_recipe_validation_prints_both_halves_per_setting(tiny_run):
    out = subprocess.run([sys.executable, "tools/recipe_validate.py", str(tiny_run), "--frames", "60",
                          "--settings", "1x1", "2x2", "--hips-up", "0.05"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    rows = re.findall(r"H=(\d) K=(\d)  mocap +\d+\.\d / +\d+\.\d  synthetic +\d+\.\d / +\d+\.\d  "
                      r"tilted +\S+ / +\S+  hips\+5cm +\d+\.\d / +\d+\.\d", out)
    assert rows == [("1", "1"), ("2", "2")], out


def test_recipe_validation_with_holdout_adds_the_held_out_subjects():
    """``--holdout``: the captured half is split "fit", and a held-out column lifts subjects 1 and 9 only."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("recipe_validate", ROOT / "tools" / "recipe_validate.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    groups = dict(tool.validation_sequences(300, holdout=True))
    assert list(groups) == ["mocap", "synthetic", "held-out"]
    assert {s.subject for s in groups["held-out"]} == {"cmu-1", "cmu-9"}
    assert not {"cmu-1", "cmu-9"} & {s.subject for s in groups["mocap"]}
    assert {"cmu-1", "cmu-9"} & {s.subject for s in dict(tool.validation_sequences(3000))["mocap"]}
