"""The command lines (train, evaluate, ablations): a user's bad input (a missing data folder, a
truncated checkpoint) prints ``prog: error: MESSAGE`` on one line and exits with status 2; any
other exception (a bug) keeps its traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import TINY
from ddhpose_lite import evaluate, train
from ddhpose_lite.ablations import cli as ablations_cli
from ddhpose_lite.checkpoint import load_checkpoint, save_checkpoint
from ddhpose_lite.model import HSTDenoiser
from ddhpose_lite.train import TrainConfig

MISSING_H36M = "expected /nonexistent/data_3d_h36m.npz (key 'positions_3d'"


def user_error(main, argv, capsys) -> str:
    """Run a CLI's main in this process; expect exit status 2 and return its one line on stderr."""
    with pytest.raises(SystemExit) as run:
        main(argv)
    assert run.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.rstrip("\n")


@pytest.fixture
def truncated_checkpoint(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"config": TrainConfig(model=TINY).to_dict(), "model": HSTDenoiser(TINY).state_dict()})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def test_train_with_a_missing_data_folder_says_so_in_one_line(tmp_path, capsys):
    line = user_error(train.main, ["--data", "h36m", "--data-dir", "/nonexistent", "--out", str(tmp_path / "run")],
                      capsys)
    assert line.startswith(f"python -m ddhpose_lite.train: error: {MISSING_H36M}"), line
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_train_with_file_data_leaves_out_the_profiles_fresh_draws():
    """The cpu profile draws fresh embedded data every epoch; files have a fixed size, so --data h36m
    turns that off unless --fresh-data asks for it (then TrainConfig refuses, saying why)."""
    config = train.config_from_args(train.parse_args(["--data", "h36m", "--out", "x"]))
    assert train.PROFILES["cpu"].fresh_data and (config.data, config.fresh_data) == ("h36m", False)
    with pytest.raises(ValueError, match="expected embedded data .* for fresh_data"):
        train.config_from_args(train.parse_args(["--data", "h36m", "--fresh-data", "--out", "x"]))


def test_evaluate_with_a_truncated_checkpoint_says_so_in_one_line(truncated_checkpoint, capsys):
    line = user_error(evaluate.main, ["--checkpoint", str(truncated_checkpoint), "--data", "synthetic"], capsys)
    assert line.startswith(f"python -m ddhpose_lite.evaluate: error: expected a ddhpose_lite checkpoint at "
                           f"{truncated_checkpoint}, got a truncated or corrupt file"), line


def test_ablations_report_a_user_error_raised_while_running_in_one_line(truncated_checkpoint, monkeypatch, capsys):
    def run_ablations(*args, **kwargs):  # as if a variant's base checkpoint in the work folder were cut short
        load_checkpoint(truncated_checkpoint)

    monkeypatch.setattr(ablations_cli, "run_ablations", run_ablations)
    line = user_error(ablations_cli.main, ["--quick", "--work", str(truncated_checkpoint.parent)], capsys)
    assert line.startswith("python -m ddhpose_lite.ablations: error: expected a ddhpose_lite checkpoint at"), line


@pytest.mark.parametrize("error", [RuntimeError("an internal bug"), ValueError("a bug deep in the maths")])
def test_other_errors_are_bugs_and_propagate(error, monkeypatch):
    """Only ``UserInputError`` becomes a one-line message: a plain ValueError is a bug, as any other."""
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(evaluate, "load_pretrained", broken)
    with pytest.raises(type(error), match=str(error)):
        evaluate.main(["--data", "synthetic"])


def run_python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300)


def test_a_real_process_exits_2_without_a_traceback_and_a_bug_keeps_it():
    done = run_python("-m", "ddhpose_lite.evaluate", "--data", "h36m", "--data-dir", "/nonexistent")
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"python -m ddhpose_lite.evaluate: error: {MISSING_H36M}: subject -> action -> float32 " \
                          "[T, 32, 3], world metres); see data/README.md\n"
    done = run_python("-c", "from ddhpose_lite import evaluate\n"
                            "def broken(*args, **kwargs): raise RuntimeError('an internal bug')\n"
                            "evaluate.load_pretrained = broken\n"
                            "evaluate.main(['--data', 'synthetic'])")
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr and "RuntimeError: an internal bug" in done.stderr
