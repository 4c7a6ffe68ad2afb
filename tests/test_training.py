import os
from pathlib import Path

import pytest
import torch

from ddhpose_lite.bones import disentangle
from ddhpose_lite.datasets import ClipDataset, Sequence, flip, synthetic_sequences, window_starts
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.lifter import load_pretrained, sample_poses
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.train import (PROFILES, LossWeights, Trainer, TrainConfig, diffusion_loss, load_checkpoint,
                                save_checkpoint)

TINY = DenoiserConfig(frames=9, width=16, depth=2, heads=2)


@pytest.fixture(scope="module")
def sequences():
    return synthetic_sequences("train", 900, seed=3, noise_2d=2.0)


def tiny_config(**changes):
    settings = dict(model=TINY, epochs=2, batch_size=4, train_frames=900, val_frames=100)
    return TrainConfig(**{**settings, **changes})


def test_window_starts_cover_every_frame():
    for length, frames, stride in [(100, 27, 13), (27, 27, 5), (10, 27, 1), (50, 9, 9), (1, 5, 3)]:
        starts = window_starts(length, frames, stride)
        covered = torch.zeros(length, dtype=torch.bool)
        for s in starts:
            covered[max(s, 0):min(s + frames, length)] = True
        assert covered.all(), (length, frames, stride)
    assert window_starts(100, 27, 13) == [0, 13, 26, 39, 52, 65, 73]
    with pytest.raises(ValueError, match="frames >= 1 and stride >= 1"):
        window_starts(10, 0, 1)


def test_clip_dataset_replicates_edges_and_masks_them():
    kp = torch.arange(5 * 17 * 2, dtype=torch.float32).reshape(5, 17, 2)
    pose = torch.zeros(5, 17, 3)
    data = ClipDataset([Sequence(kp, pose)], frames=9)
    item = data[0]
    assert item["keypoints_2d"].shape == (9, 17, 2)
    assert item["mask"].tolist() == [False, False, True, True, True, True, True, False, False]
    assert torch.equal(item["keypoints_2d"][0], kp[0]) and torch.equal(item["keypoints_2d"][-1], kp[-1])
    assert torch.equal(item["keypoints_2d"][2:7], kp)


def test_clip_batches_match_items(sequences):
    data = ClipDataset(sequences, 9, 4)
    batch = data.batch([3, 10])
    for row, index in enumerate([3, 10]):
        seq, start = data.windows[index].tolist()
        torch.testing.assert_close(batch["poses_3d"][row], sequences[seq].poses_3d[start:start + 9])


def test_flip_mirrors_and_swaps_and_is_an_involution(sequences):
    kp, pose = sequences[0].keypoints_2d[:4], sequences[0].poses_3d[:4]
    kp_f, pose_f = flip(kp, pose)
    assert torch.equal(pose_f[:, 4, 0], -pose[:, 1, 0])  # LHip <- mirrored RHip
    assert torch.equal(kp_f[:, 9, 1], kp[:, 9, 1])  # the nose keeps its height
    back_kp, back_pose = flip(kp_f, pose_f)
    assert torch.equal(back_kp, kp) and torch.equal(back_pose, pose)
    torch.testing.assert_close(disentangle(pose_f)[0][:, [3, 4, 5]], disentangle(pose)[0][:, [0, 1, 2]])


def test_sequence_validation():
    with pytest.raises(ValueError, match=r"poses_3d of shape \[5, 17, 3\]"):
        Sequence(torch.zeros(5, 17, 2), torch.zeros(4, 17, 3))
    with pytest.raises(ValueError, match="finite keypoints_2d"):
        Sequence(torch.full((5, 17, 2), float("nan")), torch.zeros(5, 17, 3))


def test_loss_is_zero_for_a_perfect_denoiser_and_each_term_counts():
    pose = synthetic_sequences("test", 200, seed=1)[0].poses_3d[:9].unsqueeze(0)
    kp = torch.zeros(1, 9, 17, 2)

    class Oracle(torch.nn.Module):
        def forward(self, keypoints_2d, noisy, t):
            return pose

    g = torch.Generator().manual_seed(0)
    loss, parts = diffusion_loss(Oracle(), kp, pose, Schedule.cosine(), g)
    assert float(loss) < 1e-6
    shifted = pose + torch.tensor([0.0, 0.0, 0.1]) * (torch.arange(17) > 0).float().unsqueeze(-1)

    class Off(torch.nn.Module):
        def forward(self, keypoints_2d, noisy, t):
            return shifted

    loss, parts = diffusion_loss(Off(), kp, pose, Schedule.cosine(), g)
    assert float(parts["pose"]) == pytest.approx(0.1 * 16 / 17, rel=1e-4)
    only_pose, _ = diffusion_loss(Off(), kp, pose, Schedule.cosine(), g, LossWeights(length=0, direction=0))
    assert float(only_pose) == pytest.approx(float(parts["pose"]), rel=1e-5)
    with pytest.raises(ValueError, match="length_loss 'per_frame' or 'frame_averaged'"):
        LossWeights(length_loss="mean")


def test_training_reduces_the_loss(sequences):
    torch.manual_seed(0)
    config = tiny_config(epochs=6, lr=2e-3, lr_decay=1.0)
    trainer = Trainer(config, train_sequences=list(sequences), val_sequences=[])
    history = trainer.fit()
    assert history[-1]["loss"] < 0.8 * history[0]["loss"]


def test_resume_is_exact_and_checkpoints_are_atomic(sequences, tmp_path):
    config = tiny_config()
    straight = Trainer(config, tmp_path / "a", train_sequences=list(sequences), val_sequences=sequences[:1])
    straight.fit(2)
    first = Trainer(config, tmp_path / "b", train_sequences=list(sequences), val_sequences=sequences[:1])
    first.fit(1)
    resumed = Trainer(config, tmp_path / "b", train_sequences=list(sequences), val_sequences=sequences[:1])
    resumed.load(tmp_path / "b" / "last.pt")
    assert resumed.epoch == 1
    resumed.fit(2)
    for (name, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        assert torch.equal(a, b), name
    assert [h["loss"] for h in straight.history] == [h["loss"] for h in resumed.history]
    assert not [p for p in (tmp_path / "b").iterdir() if p.suffix == ".tmp"]


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"value": 1})

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        save_checkpoint(path, {"value": Unpicklable()})
    assert load_checkpoint(path)["value"] == 1
    assert os.listdir(tmp_path) == ["last.pt"]
    with pytest.raises(FileNotFoundError, match="expected a checkpoint file at"):
        load_checkpoint(tmp_path / "missing.pt")


def test_resume_refuses_another_config(sequences, tmp_path):
    trainer = Trainer(tiny_config(), tmp_path, train_sequences=list(sequences), val_sequences=[])
    trainer.save(tmp_path / "last.pt")
    other = Trainer(tiny_config(lr=3e-4), tmp_path, train_sequences=list(sequences), val_sequences=[])
    with pytest.raises(ValueError, match="same config"):
        other.load(tmp_path / "last.pt")


def test_sampler_shapes_and_seeds():
    model = HSTDenoiser(TINY)
    kp = torch.randn(2, 9, 17, 2)
    poses = sample_poses(model, kp, Schedule.cosine(), hypotheses=3, iterations=2, seed=0)
    assert poses.shape == (2, 3, 2, 9, 17, 3)
    again = sample_poses(model, kp, Schedule.cosine(), hypotheses=3, iterations=2, seed=0)
    other = sample_poses(model, kp, Schedule.cosine(), hypotheses=3, iterations=2, seed=1)
    assert torch.equal(poses, again) and not torch.equal(poses, other)


def test_shipped_checkpoint_is_small_and_loads_with_weights_only():
    from ddhpose_lite.lifter import ASSET

    assert ASSET.stat().st_size < 5_000_000
    state = torch.load(ASSET, weights_only=True)  # no pickled code can run
    config = TrainConfig.from_dict(state["config"])
    assert config == PROFILES["cpu"]  # `python -m ddhpose_lite.train --profile cpu` reproduces it
    assert config.model.frames == load_pretrained().frames
    assert state["history"] and "val_mpjpe" in state["history"][-1]
