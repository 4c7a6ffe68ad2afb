"""Training: the objective (L = L_pos + L_l + L_d), the trainer, exact resume."""
from __future__ import annotations

import pytest
import torch

from conftest import tiny_config
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.train import LossWeights, Trainer, diffusion_loss


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


def test_resume_refuses_another_config(sequences, tmp_path):
    trainer = Trainer(tiny_config(), tmp_path, train_sequences=list(sequences), val_sequences=[])
    trainer.save(tmp_path / "last.pt")
    other = Trainer(tiny_config(lr=3e-4), tmp_path, train_sequences=list(sequences), val_sequences=[])
    with pytest.raises(ValueError, match="same config"):
        other.load(tmp_path / "last.pt")


def test_resume_refuses_a_model_only_checkpoint(sequences, tmp_path, pretrained):
    from ddhpose_lite.lifter import ASSET

    trainer = Trainer(tiny_config(), tmp_path, train_sequences=list(sequences), val_sequences=[])
    with pytest.raises(ValueError, match="training checkpoint"):
        trainer.load(ASSET)
