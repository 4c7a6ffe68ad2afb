"""Training: the objective (L = L_pos + L_l + L_d), the trainer, exact resume."""
from __future__ import annotations

import pytest
import torch

import dataclasses
import re

from conftest import mirror_by_hand, tiny_config
from test_datasets_real import fake_2d, world_motion, write_h36m, write_mpi_npz
from ddhpose_lite.bones import disentangle
from ddhpose_lite.checkpoint import load_checkpoint, load_model
from ddhpose_lite.datasets import ClipDataset, Sequence, synthetic_sequences
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.lifter import ASSET
from ddhpose_lite.memory import format_memory, memory_estimate
from ddhpose_lite.model import HSTDenoiser, count_parameters
from ddhpose_lite.skeleton import H36M, MPI_INF_3DHP
from ddhpose_lite.train import PROFILES, LossWeights, Trainer, diffusion_loss, file_sequences, main, resolve_amp
from ddhpose_lite.trainer import fit_prior


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


def test_resume_refuses_a_model_only_checkpoint(sequences, tmp_path):
    trainer = Trainer(tiny_config(), tmp_path, train_sequences=list(sequences), val_sequences=[])
    with pytest.raises(ValueError, match="training checkpoint"):
        trainer.load(ASSET)


# ---------------------------------------------------------------- data sources and the CLI


def test_tiny_profile_trains_a_few_steps_on_the_mix(tmp_path):
    config = dataclasses.replace(PROFILES["tiny"], epochs=1, train_frames=600, val_frames=200)
    assert config.data == "mix"
    trainer = Trainer(config, tmp_path)
    subjects = {s.subject.split("-")[0] for s in trainer.train_data.sequences}
    assert subjects == {"cmu", "synthetic"}  # captured and procedural motion
    history = trainer.fit()
    assert len(history) == 1 and torch.isfinite(torch.tensor(history[0]["loss"]))
    assert "val_mpjpe" in history[0]  # fresh draws of the training population
    assert load_checkpoint(tmp_path / "last.pt")["config"]["data"] == "mix"


def test_h36m_trains_on_all_five_training_subjects_without_validation(tmp_path):
    subjects = ("S1", "S5", "S6", "S7", "S8", "S9")
    positions_3d = {s: {"Walking": world_motion(12, i)} for i, s in enumerate(subjects)}
    positions_2d = {s: {"Walking": fake_2d(12, 10 * i)} for i, s in enumerate(subjects)}
    write_h36m(tmp_path, positions_3d, positions_2d)
    config = dataclasses.replace(PROFILES["tiny"], data="h36m")
    assert {s.subject for s in file_sequences(config, tmp_path, "gt")} == {"S1", "S5", "S6", "S7", "S8"}
    main(["--profile", "tiny", "--data", "h36m", "--data-dir", str(tmp_path), "--keypoints", "gt",
          "--out", str(tmp_path / "run"), "--epochs", "1", "--batch-size", "2"])
    state = load_checkpoint(tmp_path / "run" / "last.pt")
    assert state["config"]["data"] == "h36m" and "val_mpjpe" not in state["history"][-1]


def test_3dhp_trains_with_its_own_skeleton(tmp_path):
    write_mpi_npz(tmp_path, "train")
    main(["--profile", "tiny", "--data", "3dhp", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"),
          "--epochs", "1", "--batch-size", "2"])
    model, _ = load_model(tmp_path / "run" / "last.pt")
    assert model.config.skeleton == MPI_INF_3DHP


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: Trainer(dataclasses.replace(PROFILES["tiny"], data="h36m")),
                 "expected train_sequences for data 'h36m' (files: load them, or use "
                 "`python -m ddhpose_lite.train --data h36m`), got None", id="h36m-without-sequences"),
    pytest.param(lambda: dataclasses.replace(PROFILES["tiny"], data="coco"),
                 "expected data as one of ('synthetic', 'mocap', 'mix', 'h36m', '3dhp'), got 'coco'",
                 id="unknown-data"),
])
def test_file_data_needs_its_sequences(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_profiles_follow_the_paper_where_they_say_so():
    paper = PROFILES["paper"]
    assert (paper.model.frames, paper.model.width, paper.model.depth, paper.model.heads) == (243, 512, 8, 8)
    assert (paper.lr, paper.lr_decay, paper.epochs, paper.batch_size) == (1e-4, 0.993, 400, 4)
    assert (paper.weight_decay, paper.grad_clip, paper.amp) == (0.1, 0.0, "off")
    assert paper.loss.form == "official" and paper.model.clip == 1.1 and paper.data == "h36m"
    assert PROFILES["cpu"].loss.form == "paper" and PROFILES["cpu"].data == "mix"


def as_if_on_a_tesla_t4(monkeypatch) -> torch.device:
    """A GPU that only emulates bfloat16 (a T4, compute capability 7.5)."""
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Tesla T4")
    return torch.device("cuda", 0)


@pytest.mark.parametrize("device, message", [
    pytest.param(lambda monkeypatch: torch.device("cpu"),
                 "expected amp 'auto' or 'off' on cpu (autocast bf16 needs a CUDA GPU), got 'bf16'", id="cpu"),
    pytest.param(as_if_on_a_tesla_t4, "expected a GPU with native bfloat16 for amp='bf16' (compute capability >= 8.0), "
                 "got Tesla T4; use amp='fp16' or 'auto'", id="tesla-t4"),
])
def test_amp_bf16_fails_loudly_without_native_bfloat16(monkeypatch, device, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        resolve_amp("bf16", device(monkeypatch))


def test_amp_is_resolved_per_device(monkeypatch):
    assert resolve_amp("auto", torch.device("cpu")) is None and resolve_amp("off", torch.device("cpu")) is None
    assert resolve_amp("auto", as_if_on_a_tesla_t4(monkeypatch)) == torch.float16  # emulated bfloat16: float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)  # an A100
    assert resolve_amp("auto", torch.device("cuda", 0)) == torch.bfloat16


def test_compile_failure_is_loud(monkeypatch):
    def broken(model):
        raise RuntimeError("Dynamo is not supported on Python 3.99")

    monkeypatch.setattr(torch, "compile", broken)
    with pytest.raises(RuntimeError, match="torch.compile failed.*train without --compile"):
        Trainer(tiny_config(), train_sequences=synthetic_sequences("train", 200, 0), val_sequences=[],
                compile_model=True)


def real_saved_bytes(model, *inputs):
    """Measured on real memory: the bytes of every distinct storage autograd keeps during a real
    forward pass (by data pointer, whatever the views), less the parameters' own storages."""
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameters:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(*inputs)
    return sum(storages.values())


def test_dry_run_memory_matches_a_real_forward_pass():
    """The meta-device arithmetic equals what a real (CPU) forward pass of the same model keeps."""
    config = PROFILES["tiny"].model
    estimate = memory_estimate(config, batch_size=3)
    torch.manual_seed(0)
    model = HSTDenoiser(config).train()
    assert estimate.parameters == count_parameters(model)
    g = torch.Generator().manual_seed(0)
    inputs = (torch.randn(3, 9, 17, 2, generator=g), torch.randn(3, 9, 16, 4, generator=g),
              torch.zeros(3, dtype=torch.long))
    assert estimate.activations_fp32 == real_saved_bytes(model, *inputs)
    assert estimate.static == 16 * estimate.parameters  # weights, gradients and two AdamW moments, float32
    text = format_memory(memory_estimate(PROFILES["paper"].model, 4))
    assert "36,677,635 parameters" in text and "GiB" in text


# ---------------------------------------------------------------- independent references (issue 28)


def _clip(frames: int, seed: int = 0) -> Sequence:
    seq = synthetic_sequences("train", 400, seed=seed)[0]
    return Sequence(seq.keypoints_2d[:frames], seq.poses_3d[:frames])


def test_flip_half_mirrors_half_the_clips_both_in_2d_and_3d():
    trainer = Trainer(tiny_config(), train_sequences=[_clip(40)], val_sequences=[])
    g = torch.Generator().manual_seed(0)
    kp, pose = torch.randn(400, 9, 17, 2, generator=g), torch.randn(400, 9, 17, 3, generator=g)
    out_kp, out_pose = trainer._flip_half(kp, pose, epoch=0, step=0)
    flipped = []
    for i in range(400):  # each clip either as it is or mirrored (hand-written mirror), 2D and 3D alike
        if torch.equal(out_kp[i], kp[i]):
            assert torch.equal(out_pose[i], pose[i]), i
            flipped.append(False)
        else:
            torch.testing.assert_close(out_kp[i], mirror_by_hand(kp[i]), rtol=0, atol=0)
            torch.testing.assert_close(out_pose[i], mirror_by_hand(pose[i]), rtol=0, atol=0)
            flipped.append(True)
    assert abs(sum(flipped) - 200) < 40  # half at random: binomial sd 10, 4 sd
    again = trainer._flip_half(kp, pose, epoch=0, step=0)[0]
    assert torch.equal(again, out_kp)  # seeded by (epoch, step): a resumed run flips the same clips
    assert not torch.equal(trainer._flip_half(kp, pose, epoch=0, step=1)[0], out_kp)
    assert not torch.equal(trainer._flip_half(kp, pose, epoch=1, step=0)[0], out_kp)
    chosen = torch.tensor([True, False] * 200)  # flip_both's own choice is followed exactly
    out_kp, out_pose = trainer._flip_half(kp, pose, 0, 0, chosen)
    torch.testing.assert_close(out_kp[0], mirror_by_hand(kp[0]), rtol=0, atol=0)
    assert torch.equal(out_kp[1::2], kp[1::2]) and torch.equal(out_pose[1::2], pose[1::2])


def test_learning_rate_decays_by_the_factor_each_epoch():
    """Exponential decay by hand: 1e-3, 5e-4, 2.5e-4 over three epochs, 1.25e-4 after them."""
    config = tiny_config(lr=1e-3, lr_decay=0.5, epochs=3, batch_size=2)
    trainer = Trainer(config, train_sequences=[_clip(21)], val_sequences=[])
    history = trainer.fit()
    assert [h["lr"] for h in history] == pytest.approx([1e-3, 5e-4, 2.5e-4], rel=1e-12)
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(1.25e-4, rel=1e-12)


def _first_step_gradients(config):
    """The gradients the optimiser is handed at its first step."""
    trainer = Trainer(config, train_sequences=[_clip(21)], val_sequences=[])
    seen = []

    def recording(optimizer, args, kwargs):
        if not seen:
            seen.append([p.grad.detach().clone() for p in trainer.model.parameters()])

    trainer.optimizer.register_step_pre_hook(recording)
    trainer.train_epoch()
    return seen[0]


def test_gradient_clipping_scales_the_whole_gradient_to_the_bound():
    """Clip by hand: the same first step without clipping gives g; with grad_clip c the optimiser gets
    g · c / (|g| + 1e-6) when |g| > c (one norm over all parameters, the direction kept), g itself when not."""
    free = _first_step_gradients(tiny_config(batch_size=2, grad_clip=0.0))
    norm = float(torch.sqrt(sum(g.double().square().sum() for g in free)))
    bound = norm / 3
    clipped = _first_step_gradients(tiny_config(batch_size=2, grad_clip=bound))
    for g, c in zip(free, clipped):
        torch.testing.assert_close(c, g * (bound / (norm + 1e-6)), rtol=1e-5, atol=1e-9)
    loose = _first_step_gradients(tiny_config(batch_size=2, grad_clip=2 * norm))
    for g, c in zip(free, loose):
        torch.testing.assert_close(c, g, rtol=0, atol=0)


def test_fit_prior_fits_the_valid_root_relative_training_poses():
    """One component: the mixture is the mean and the (biased) spread of exactly the valid frames of the
    windows, joints 1..16. Windows of 9 at stride 9: a 20-frame sequence gives frames 0-8, 9-17 and 11-19; a
    5-frame one its 5 real frames (the replicated edge frames masked out)."""
    long, short = _clip(20, seed=0), _clip(5, seed=1)
    dataset = ClipDataset([long, short], 9, 9)
    config = tiny_config(model=dataclasses.replace(PROFILES["tiny"].model, noisy_input="joints"), method="gmm",
                         gmm_components=1)
    prior, base = fit_prior(config, dataset)
    assert base is None
    frames = torch.cat([long.poses_3d[0:9], long.poses_3d[9:18], long.poses_3d[11:20], short.poses_3d])
    points = frames[:, 1:].reshape(len(frames), -1).double()
    torch.testing.assert_close(prior.means[0], points.mean(0), rtol=0, atol=1e-6)
    torch.testing.assert_close(prior.scales[0], points.std(0, unbiased=False), rtol=0, atol=1e-6)
    # max_frames caps the windows at max_frames // 9: two of the four windows, whichever
    capped, _ = fit_prior(config, dataset, max_frames=18)
    windows = [long.poses_3d[0:9], long.poses_3d[9:18], long.poses_3d[11:20], short.poses_3d]
    means = [torch.cat([windows[i], windows[j]])[:, 1:].reshape(-1, 48).double().mean(0)
             for i in range(4) for j in range(i + 1, 4)]
    assert sum(torch.allclose(capped.means[0], m, atol=1e-6) for m in means) == 1
    assert fit_prior(tiny_config(), dataset) == (None, None)  # DDHPose needs no start distribution
