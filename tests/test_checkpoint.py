"""Checkpoints: atomic writes, format checks, the skeleton travelling with the model, the shipped file."""
from __future__ import annotations

import dataclasses
import os
import re

import pytest
import torch

from conftest import TINY
from ddhpose_lite import checkpoint
from ddhpose_lite.checkpoint import FORMAT, load_checkpoint, load_model, save_checkpoint
from ddhpose_lite.errors import UserInputError
from ddhpose_lite.lifter import ASSET, PRETRAINED, Lifter, load_pretrained
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser
from ddhpose_lite.skeleton import MPI_INF_3DHP, Skeleton
from ddhpose_lite.train import PROFILES, TrainConfig


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"config": {}, "model": {}, "value": 1})

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        save_checkpoint(path, {"config": {}, "model": {}, "value": Unpicklable()})
    assert load_checkpoint(path)["value"] == 1
    assert os.listdir(tmp_path) == ["last.pt"]


def test_a_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(f"expected a checkpoint file at {tmp_path / 'missing.pt'}, "
                                                          "found none")):
        load_checkpoint(tmp_path / "missing.pt")


def save_model(path, config: DenoiserConfig, timesteps: int = 1000) -> HSTDenoiser:
    torch.manual_seed(1)
    model = HSTDenoiser(config)
    train_config = TrainConfig(model=config, timesteps=timesteps)
    save_checkpoint(path, {"config": train_config.to_dict(), "model": model.state_dict()})
    return model


def test_load_model_rebuilds_the_same_denoiser_and_schedule(tmp_path):
    model = save_model(tmp_path / "m.pt", TINY, timesteps=500)
    loaded, schedule = load_model(tmp_path / "m.pt")
    assert loaded.config == TINY and not loaded.training and schedule.T == 500
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    assert load_checkpoint(tmp_path / "m.pt")["format"] == FORMAT


def test_the_skeleton_travels_in_the_checkpoint(tmp_path):
    """A model of another skeleton (here a 7-joint toy and MPI-INF-3DHP's) comes back with it and lifts."""
    toy = Skeleton(("root", "a", "b", "c", "l", "r", "tip"), (-1, 0, 1, 2, 0, 0, 3), (4,), (5,))
    for skeleton in (toy, MPI_INF_3DHP):
        config = DenoiserConfig(frames=9, width=16, depth=2, heads=2, skeleton=skeleton)
        save_model(tmp_path / "s.pt", config)
        loaded, schedule = load_model(tmp_path / "s.pt")
        assert loaded.config.skeleton == skeleton
        result = Lifter(loaded, schedule).lift(torch.randn(12, skeleton.num_joints, 2) * 0.3, 2, 2)
        assert result.poses.shape == (2, 2, 12, skeleton.num_joints, 3)
        assert torch.all(result.poses[..., 0, :] == 0)


def test_format_1_checkpoints_mean_h36m(tmp_path):
    config = TrainConfig(model=TINY).to_dict()
    del config["model"]["skeleton"]  # format 1 did not store it
    model = HSTDenoiser(TINY)
    torch.save({"format": "ddhpose_lite/1", "config": config, "model": model.state_dict()}, tmp_path / "old.pt")
    loaded, _ = load_model(tmp_path / "old.pt")
    assert loaded.config == TINY


@pytest.mark.parametrize("content, message", [
    ({"format": "something/9", "config": {}, "model": {}}, "format ddhpose_lite/2 or ddhpose_lite/1"),
    ({"format": FORMAT, "model": {}}, "key 'config'"),
    ([1, 2, 3], "got 'list'"),
])
def test_foreign_files_are_refused_with_a_clear_error(tmp_path, content, message):
    torch.save(content, tmp_path / "x.pt")
    with pytest.raises(ValueError, match=message):
        load_checkpoint(tmp_path / "x.pt")


@pytest.mark.parametrize("shipped, present, absent", [
    pytest.param(False, ["writes last.pt atomically", "re-run the training that wrote it"], [], id="a-run-of-yours"),
    pytest.param(True, ["`git checkout -- ddhpose_lite/assets/last.pt`", "reinstall the package",
                        "tools/train_checkpoint.py"], ["atomically"], id="a-shipped-asset"),
])
def test_a_truncated_file_says_so_with_its_size_and_where_a_good_copy_comes_from(tmp_path, monkeypatch, shipped,
                                                                                 present, absent):
    save_model(tmp_path / "m.pt", TINY)
    data = (tmp_path / "m.pt").read_bytes()
    cut = tmp_path / "last.pt"
    cut.write_bytes(data[: len(data) // 2])
    if shipped:
        monkeypatch.setattr(checkpoint, "SHIPPED", tmp_path.resolve())  # as if it were a shipped asset
    with pytest.raises(UserInputError) as run:
        load_checkpoint(cut)
    message = str(run.value)
    assert f"at {cut}, got a truncated or corrupt file ({len(data) // 2:,} bytes; torch.load: " in message, message
    assert all(text in message for text in present), message
    assert not any(text in message for text in absent), message


def test_shipped_checkpoint_is_small_and_loads_with_weights_only(pretrained):
    assert ASSET.stat().st_size < 5_000_000
    state = torch.load(ASSET, weights_only=True)  # no pickled code can run
    config = TrainConfig.from_dict(state["config"])
    # `python -m ddhpose_lite.train --profile cpu --init-from runs/cpu_regression/last.pt` reproduces it
    assert config.init_from == "runs/cpu_regression/last.pt"
    assert dataclasses.replace(config, init_from="") == PROFILES["cpu"]
    assert config.model.frames == pretrained.frames
    assert state["history"] and "val_mpjpe" in state["history"][-1]
    assert state["init_history"] and "val_mpjpe" in state["init_history"][-1]  # the regression stage's curve


def test_shipped_baseline_is_the_baseline_member_of_the_same_data():
    """``load_pretrained("baseline")``: Martinez et al.'s MLP, stored in float16 (loaded as float32),
    trained on the same data mix by the command its checkpoint names."""
    path = PRETRAINED["baseline"]
    assert path.stat().st_size < 2_500_000
    state = torch.load(path, weights_only=True)
    assert {v.dtype for v in state["model"].values() if v.is_floating_point()} == {torch.float16}
    config = TrainConfig.from_dict(state["config"])
    assert (config.method, config.data, config.model.architecture, config.model.width) == ("baseline", "mix", "mlp", 512)
    assert "--method baseline" in state["trained_on"]
    lifter = load_pretrained("baseline")
    assert lifter.method == "baseline" and next(lifter.model.parameters()).dtype == torch.float32
    with pytest.raises(FileNotFoundError, match="expected a checkpoint file at .*missing.pt"):
        load_pretrained(path.with_name("missing.pt"))


@pytest.mark.parametrize("stage", ["baseline", "ddhpose"])
def test_train_checkpoint_stages_reproduce_the_shipped_configs(stage):
    """tools/train_checkpoint.py's command line of each shipped stage, read through today's profiles,
    gives exactly the config stored in the shipped checkpoint (only where the regression stage lies differs):
    a profile change that would silently retrain something else fails here."""
    import importlib.util
    from pathlib import Path
    from ddhpose_lite.train import config_from_args, parse_args
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("train_checkpoint", root / "tools" / "train_checkpoint.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    runs = Path("runs")
    command = config_from_args(parse_args(tool.stage_command(stage, runs)))
    shipped = TrainConfig.from_dict(load_checkpoint(PRETRAINED[tool.SHIPPED[stage]])["config"])
    assert dataclasses.replace(command, init_from="") == dataclasses.replace(shipped, init_from="")
