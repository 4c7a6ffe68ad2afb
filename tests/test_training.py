"""Training: the objective (L = L_pos + L_l + L_d), the trainer, exact resume."""
from __future__ import annotations

import pytest
import torch

from conftest import tiny_config
from ddhpose_lite.bones import disentangle
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.skeleton import H36M
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
    with pytest.raises(ValueError, match=r"loss form as one of \('paper', 'official'\), got 'mean'"):
        LossWeights(form="mean")
    assert LossWeights.from_dict({"pose": 1.0, "length": 1.0, "direction": 1.0, "length_loss": "per_frame"}).form == "paper"


def official_loss_transcription(predicted, target, boneindex):
    """The official training loss written out from its loop: mpjpe + squared difference of the
    frame-averaged bone lengths + squared direction error (weights 1)."""
    def lengths(seq):
        return torch.stack([seq[:, :, c] - seq[:, :, p] for p, c in boneindex], 2).pow(2).sum(-1).pow(0.5)

    def directions(seq):
        bones = torch.stack([seq[:, :, c] - seq[:, :, p] for p, c in boneindex], 2)
        return bones / bones.pow(2).sum(-1, keepdim=True).pow(0.5)

    loss_pos = torch.mean(torch.norm(predicted - target, dim=-1))
    loss_length = torch.pow(lengths(target).mean(1) - lengths(predicted).mean(1), 2).mean()
    loss_dir = torch.pow(directions(target) - directions(predicted), 2).sum(-1).mean()
    return loss_pos + loss_length + loss_dir


@pytest.mark.parametrize("form", ["paper", "official"])
def test_loss_forms_against_direct_transcriptions(form):
    """Fixed tensors: the value of each form, and for the official one the gradient scaled by the loss
    (its loop calls loss.backward(loss.detach()))."""
    g = torch.Generator().manual_seed(0)
    target = synthetic_sequences("test", 200, seed=1)[0].poses_3d[:9].unsqueeze(0).double()
    guess = (target + 0.05 * torch.randn(target.shape, generator=g, dtype=torch.float64)) * (torch.arange(17) > 0)[:, None]
    guess.requires_grad_(True)

    class Fixed(torch.nn.Module):
        def forward(self, keypoints_2d, noisy, t):
            return guess

    objective, parts = diffusion_loss(Fixed(), torch.zeros(1, 9, 17, 2), target, Schedule.cosine(), g,
                                      LossWeights(form=form))
    boneindex = [(H36M.parents[c], c) for c in range(1, 17)]
    if form == "official":
        reference = official_loss_transcription(guess, target, boneindex)
    else:
        length, direction = disentangle(target)
        pred_length, pred_direction = disentangle(guess)
        reference = ((guess - target).norm(dim=-1).mean() + (pred_length - length).abs().mean()
                     + (pred_direction - direction).norm(dim=-1).mean())
    torch.testing.assert_close(parts["loss"], reference.detach())
    (grad,) = torch.autograd.grad(objective, guess)
    (reference_grad,) = torch.autograd.grad(reference, guess)
    scale = reference.detach() if form == "official" else 1.0
    torch.testing.assert_close(grad, scale * reference_grad)


def test_training_clamps_the_noisy_bones_when_asked():
    seen = []

    class Spy(torch.nn.Module):
        def forward(self, keypoints_2d, noisy, t):
            seen.append(noisy)
            return torch.zeros(noisy.shape[:2] + (17, 3))

    pose = synthetic_sequences("test", 200, seed=1)[0].poses_3d[:9].unsqueeze(0).repeat(64, 1, 1, 1)
    g = torch.Generator().manual_seed(0)
    diffusion_loss(Spy(), torch.zeros(64, 9, 17, 2), pose, Schedule.cosine(), g, clip=1.1)
    diffusion_loss(Spy(), torch.zeros(64, 9, 17, 2), pose, Schedule.cosine(), g)
    assert seen[0].abs().max() == pytest.approx(1.1) and seen[1].abs().max() > 1.1


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
