"""The recipe options of training (docs/recipe.md) and the baseline member: values, not just "runs".

- ``large_t``: the share of clips trained at t >= 0.9 T;
- ``lr_schedule="onecycle"``: the learning rate per step (warm-up, peak, end);
- ``fresh_data``: a new draw of the training population per epoch, and exact resume with it;
- ``init_from``: DDHPose started from the regression member predicts exactly what it does;
- ``relative_2d``: each joint's token also sees its 2D offset from the root; ``whole_pose_2d``: every
  token of a frame also sees an embedding of the frame's whole 2D pose;
- the single-frame MLP of Martinez et al. (``baseline``): per-frame, root at the origin, trains and
  lifts through the same trainer, CLI and lifter.
"""
from __future__ import annotations

import dataclasses
import re

import pytest
import torch

from conftest import tiny_config
from ddhpose_lite.baseline import BaselineMLP, build_model
from ddhpose_lite.checkpoint import load_checkpoint, save_checkpoint
from ddhpose_lite.errors import UserInputError
from ddhpose_lite.lifter import load_pretrained
from ddhpose_lite.mocap import load_clips
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser
from ddhpose_lite.objective import draw_timesteps
from ddhpose_lite.profiles import PROFILES, baseline_model, family_config
from ddhpose_lite.sampling import method_of
from ddhpose_lite.train import config_from_args, main, parse_args
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.trainer import FRESH_SEED, Trainer, initialise_from


# ------------------------------------------------------------------ timesteps


def test_uniform_timesteps_are_the_plain_draw():
    """large_t = 0 draws exactly randint(0, T) from the generator (the paper's objective unchanged)."""
    a, b = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    assert torch.equal(draw_timesteps(50, 1000, a), torch.randint(0, 1000, (50,), generator=b))


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_large_t_sets_the_share_of_late_timesteps(share):
    """P(t >= 900) = p + 0.1 (1 - p); 40,000 draws put the share within 4 binomial SDs of it."""
    t = draw_timesteps(40_000, 1000, torch.Generator().manual_seed(0), large_t=share)
    expected = share + 0.1 * (1 - share)
    sd = (expected * (1 - expected) / 40_000) ** 0.5
    assert abs(float((t >= 900).float().mean()) - expected) <= 4 * sd + 1e-9
    assert int(t.min()) >= 0 and int(t.max()) <= 999
    if share == 1.0:
        assert int(t.min()) == 900 and int(t.max()) == 999


@pytest.mark.parametrize("refused, message", [
    pytest.param(lambda: draw_timesteps(4, 1000, torch.Generator(), large_t=1.5), r"large_t in \[0, 1\], got 1.5",
                 id="draw_timesteps-1.5"),
    pytest.param(lambda: tiny_config(large_t=-0.1), r"large_t in \[0, 1\], got -0.1", id="config-minus-0.1"),
])
def test_large_t_refuses_a_share_outside_0_1(refused, message):
    with pytest.raises(ValueError, match=message):
        refused()


# ------------------------------------------------------------------ learning-rate schedule


def test_onecycle_warms_up_peaks_and_ends_low(sequences):
    """Per step: lr starts at lr / 25, reaches lr after warmup x total steps, ends at lr / 25 / 1e4
    (torch's OneCycleLR defaults), and the exponential schedule still steps per epoch."""
    config = tiny_config(lr_schedule="onecycle", warmup=0.25, lr=1e-3, epochs=2)
    trainer = Trainer(config, train_sequences=list(sequences), val_sequences=[])
    steps = trainer.steps_per_epoch
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 / 25)
    rates = []
    for _ in range(2 * steps):
        rates.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.optimizer.step()
        trainer.scheduler.step()
    peak = max(range(len(rates)), key=rates.__getitem__)
    assert rates[peak] == pytest.approx(1e-3, rel=1e-3) and abs(peak - 0.25 * 2 * steps) <= 1
    assert rates[-1] == pytest.approx(1e-3 / 25 / 1e4, rel=1e-3)
    with pytest.raises(ValueError, match="at most epochs=2 with the one-cycle schedule"):
        trainer.fit(3)
    plain = Trainer(tiny_config(lr=1e-3, lr_decay=0.5, epochs=1), train_sequences=list(sequences), val_sequences=[])
    plain.fit()
    assert plain.optimizer.param_groups[0]["lr"] == pytest.approx(5e-4)


# ------------------------------------------------------------------ fresh data and exact resume


def test_hip_jitter_reaches_every_draw_of_the_trainer_and_only_the_2d_hips(tmp_path):
    """``--hip-jitter`` sets ``TrainConfig.hip_jitter``; the trainer's first draw, its validation and
    its fresh draws all move the 2D hips and pelvis (``datasets.film``), nothing else."""
    assert config_from_args(parse_args(["--hip-jitter", "0.03", "--out", "x"])).hip_jitter == 0.03
    base = dataclasses.replace(PROFILES["tiny"], epochs=2, train_frames=400, val_frames=60, fresh_data=True)
    plain, jittered = Trainer(base), Trainer(dataclasses.replace(base, hip_jitter=0.05))
    hips = [H36M.index("Pelvis"), H36M.index("RHip"), H36M.index("LHip")]
    others = [j for j in range(17) if j not in hips]
    rows = torch.arange(8)
    for a, b in ((plain.train_data, jittered.train_data), (plain.val_data, jittered.val_data),
                 (plain._epoch_data(1), jittered._epoch_data(1))):
        x, y = a.batch(rows), b.batch(rows)
        assert torch.equal(x["poses_3d"], y["poses_3d"])
        assert torch.equal(x["keypoints_2d"][..., others, :], y["keypoints_2d"][..., others, :])
        assert not torch.equal(x["keypoints_2d"][..., hips, :], y["keypoints_2d"][..., hips, :])


@pytest.mark.parametrize("value", [-0.01, 0.5])
def test_hip_jitter_out_of_range_is_refused(value):
    with pytest.raises(UserInputError, match=re.escape(f"expected hip_jitter in metres in [0, 0.5), got {value}")):
        dataclasses.replace(PROFILES["tiny"], hip_jitter=value)


def test_fresh_data_draws_a_new_population_each_epoch_and_resumes_exactly(tmp_path):
    """Epoch 1 trains on the trainer's windows, epoch e >= 2 on a draw seeded seed + FRESH_SEED + e;
    a run resumed after epoch 1 ends with the same weights as an uninterrupted one."""
    config = dataclasses.replace(PROFILES["tiny"], epochs=2, train_frames=400, val_frames=60, fresh_data=True,
                                 lr_schedule="onecycle")
    straight = Trainer(config, tmp_path / "a")
    assert straight._epoch_data(0) is straight.train_data
    first, second = straight.train_data.batch(torch.arange(3)), straight._epoch_data(1).batch(torch.arange(3))
    assert not torch.equal(first["poses_3d"], second["poses_3d"])
    again = straight._epoch_data(1).batch(torch.arange(3))
    assert torch.equal(second["poses_3d"], again["poses_3d"])  # a pure function of (seed, epoch)
    assert FRESH_SEED + 1 != 10_000  # never the validation draw
    straight.fit()
    half = Trainer(config, tmp_path / "b")
    half.fit(1)
    resumed = Trainer(config, tmp_path / "b")
    resumed.load(tmp_path / "b" / "last.pt")
    resumed.fit()
    for (name, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        assert torch.equal(a, b), name
    with pytest.raises(ValueError, match="embedded data"):
        tiny_config(fresh_data=True, data="h36m")


# ------------------------------------------------------------------ starting from the regression member


@pytest.mark.parametrize("relative_2d", [False, True], ids=["2d", "2d+relative"])
def test_ddhpose_started_from_the_regression_member_predicts_what_it_does(tmp_path, relative_2d):
    """initialise_from copies the shared backbone, gives the noisy state zero input weights and the
    timestep MLP a zero output: x̂_0 is the regression's answer for ANY x_t and t."""
    torch.manual_seed(0)
    base = tiny_config()
    base = dataclasses.replace(base, model=dataclasses.replace(base.model, relative_2d=relative_2d))
    regression_config = family_config("regression", base)
    model = HSTDenoiser(regression_config.model)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    save_checkpoint(tmp_path / "r.pt", {"config": regression_config.to_dict(), "model": model.state_dict()})
    ddhpose = HSTDenoiser(base.model)
    fresh = initialise_from(ddhpose, tmp_path / "r.pt")
    assert sorted(fresh) == ["time_mlp.0.bias", "time_mlp.0.weight", "time_mlp.2.bias", "time_mlp.2.weight"]
    model.eval(), ddhpose.eval()
    kp = torch.randn(2, 9, 17, 2) * 0.3
    expected = model(kp, None, None)
    for t in (0, 500, 999):
        noisy = torch.randn(2, 9, 16, 4)
        assert torch.allclose(ddhpose(kp, noisy, torch.full((2,), t)), expected, atol=1e-5)
    with pytest.raises(ValueError, match="same backbone"):
        initialise_from(BaselineMLP(baseline_model(tiny_config().model)), tmp_path / "r.pt")


# ------------------------------------------------------------------ relative_2d


def _twin_models(seed: int = 0):
    """A plain model and a relative_2d one with every shared weight equal; the relative one's
    input embedding is [screen columns, relative columns, noisy-state columns]."""
    torch.manual_seed(seed)
    config = DenoiserConfig(frames=9, width=16, depth=2, heads=2)
    plain = HSTDenoiser(config)
    relative = HSTDenoiser(dataclasses.replace(config, relative_2d=True))
    for name, tensor in relative.state_dict().items():
        if name != "input_embedding.weight":
            tensor.copy_(plain.state_dict()[name])
    return plain.eval(), relative.eval()


def test_relative_2d_adds_each_joints_offset_from_the_root():
    """With the relative columns at zero the relative model IS the plain one; with the screen
    columns at zero it sees offsets only, so moving the whole 2D pose changes nothing."""
    plain, relative = _twin_models()
    screen_weights, state_weights = plain.input_embedding.weight[:, :2], plain.input_embedding.weight[:, 2:]
    kp, noisy, t = torch.randn(2, 9, 17, 2) * 0.3, torch.randn(2, 9, 16, 4), torch.tensor([10, 900])
    shift = torch.tensor([0.4, -0.25])
    with torch.no_grad():
        relative.input_embedding.weight.copy_(torch.cat([screen_weights, torch.zeros(16, 2), state_weights], 1))
        assert torch.allclose(relative(kp, noisy, t), plain(kp, noisy, t), atol=1e-6)
        assert not torch.allclose(relative(kp + shift, noisy, t), relative(kp, noisy, t), atol=1e-3)
        relative.input_embedding.weight.copy_(torch.cat([torch.zeros(16, 2), screen_weights, state_weights], 1))
        assert torch.allclose(relative(kp + shift, noisy, t), relative(kp, noisy, t), atol=1e-5)
        root_at_origin = kp - kp[..., :1, :]  # then offsets and screen coordinates coincide
        assert torch.allclose(relative(kp, noisy, t), plain(root_at_origin, noisy, t), atol=1e-5)


def test_whole_pose_2d_adds_one_embedding_of_the_frames_2d_pose_to_its_tokens():
    """A constant pose embedding (zero weights, bias b) is b added to every joint's embedding;
    with weights, moving one joint's 2D changes the other joints' tokens from layer 0 on."""
    torch.manual_seed(0)
    config = DenoiserConfig(frames=9, width=16, depth=1, heads=2, hrst=False, hrtt=False)
    plain, whole = HSTDenoiser(config).eval(), HSTDenoiser(dataclasses.replace(config, whole_pose_2d=True)).eval()
    whole.load_state_dict(plain.state_dict(), strict=False)
    assert whole.pose_embedding.in_features == 17 * 2
    kp, noisy, t = torch.randn(2, 9, 17, 2) * 0.3, torch.randn(2, 9, 16, 4), torch.tensor([10, 900])
    bias = torch.randn(16)
    with torch.no_grad():
        whole.pose_embedding.weight.zero_()
        whole.pose_embedding.bias.copy_(bias)
        plain.joint_embedding.add_(bias)
        assert torch.allclose(whole(kp, noisy, t), plain(kp, noisy, t), atol=1e-5)
        whole.pose_embedding.weight.normal_()
        moved = kp.clone()
        moved[:, 4, 16] += 0.5  # one joint of one frame
        change = (whole(moved, noisy, t) - whole(kp, noisy, t)).norm(dim=-1)  # [B, F, J]
    assert bool((change[:, 4, 1:16] > 1e-4).all())  # every other joint of that frame moves
    assert float(change[:, [0, 1, 2, 3, 5, 6, 7, 8]].max()) > 0  # and the temporal blocks carry it on


def test_whole_pose_hidden_makes_the_pose_embedding_a_two_hidden_layer_gelu_mlp():
    """With ``whole_pose_hidden`` = h the frame's 2D pose goes through Linear(·, h), GELU, Linear(h, h),
    GELU, Linear(h, width), written out here by hand, and is added to every token of that frame."""
    torch.manual_seed(1)
    config = DenoiserConfig(frames=5, width=16, depth=1, heads=2, relative_2d=True, whole_pose_2d=True,
                            whole_pose_hidden=8)
    model = HSTDenoiser(config).eval()
    first, second, third = (module for module in model.pose_embedding if isinstance(module, torch.nn.Linear))
    assert (first.in_features, first.out_features, second.out_features, third.out_features) == (17 * 4, 8, 8, 16)
    kp = torch.randn(2, 5, 17, 2) * 0.3
    pose = torch.cat([kp, kp - kp[..., :1, :]], -1).flatten(-2)

    def gelu(x):
        return 0.5 * x * (1 + torch.erf(x / 2 ** 0.5))

    by_hand = gelu(gelu(pose @ first.weight.T + first.bias) @ second.weight.T + second.bias) @ third.weight.T + third.bias
    with torch.no_grad():
        assert torch.allclose(model.pose_embedding(pose), by_hand, atol=1e-6)
    plain = HSTDenoiser(dataclasses.replace(config, whole_pose_hidden=0))
    assert isinstance(plain.pose_embedding, torch.nn.Linear)
    extra = sum(p.numel() for p in model.parameters()) - sum(p.numel() for p in plain.parameters())
    assert extra == (68 * 8 + 8) + (8 * 8 + 8) + (8 * 16 + 16) - (68 * 16 + 16)


@pytest.mark.parametrize("changes, message", [
    ({"whole_pose_hidden": 8}, "expected whole_pose_2d=True with whole_pose_hidden=8, got False"),
    ({"whole_pose_2d": True, "whole_pose_hidden": -1}, "expected whole_pose_hidden as an int >= 0, got -1"),
    ({"whole_pose_2d": True, "whole_pose_hidden": 2.5}, "expected whole_pose_hidden as an int >= 0, got 2.5"),
])
def test_whole_pose_hidden_rejects_bad_values(changes, message):
    with pytest.raises(UserInputError, match=re.escape(message)):
        DenoiserConfig(**changes)


def test_input_switches_on_the_command_line_and_in_checkpoints(tmp_path):
    config = config_from_args(parse_args(["--relative-2d", "--whole-pose-2d", "--whole-pose-hidden", "32", "--out", "x"]))
    assert config.model.relative_2d and config.model.whole_pose_2d and config.model.whole_pose_hidden == 32
    assert DenoiserConfig.from_dict({k: v for k, v in config.model.to_dict().items() if k != "whole_pose_hidden"}) \
        == dataclasses.replace(config.model, whole_pose_hidden=0)  # older checkpoints: one Linear
    assert DenoiserConfig.from_dict(config.model.to_dict()) == config.model
    model = HSTDenoiser(dataclasses.replace(tiny_config().model, relative_2d=True, whole_pose_2d=True))
    assert (model.input_embedding.in_features, model.pose_embedding.in_features) == (4 + 4, 17 * 4)


# ------------------------------------------------------------------ the baseline member


def baseline_by_hand(model: BaselineMLP, kp: torch.Tensor) -> torch.Tensor:
    """Martinez et al.'s network written out layer by layer (eval mode: batch norm with running stats)."""
    def layer(sequential, x):
        linear, norm = sequential[0], sequential[1]
        x = x @ linear.weight.T + linear.bias
        x = (x - norm.running_mean) / torch.sqrt(norm.running_var + norm.eps) * norm.weight + norm.bias
        return x.clamp(min=0)

    x = layer(model.stem, kp.reshape(-1, 34))
    for block in model.blocks:
        x = x + layer(block.layers[1], layer(block.layers[0], x))
    out = (x @ model.head.weight.T + model.head.bias).reshape(*kp.shape[:2], 16, 3)
    return torch.cat([torch.zeros(*kp.shape[:2], 1, 3), out], 2)


def test_baseline_is_the_residual_mlp_per_frame():
    """The forward pass equals the layers by hand; frames never see each other; the root is zero."""
    torch.manual_seed(1)
    config = baseline_model(DenoiserConfig(width=8))
    assert (config.width, config.depth, config.frames, config.architecture) == (64, 2, 1, "mlp")
    model = build_model(config)
    assert isinstance(model, BaselineMLP) and isinstance(build_model(DenoiserConfig(width=8, heads=2)), HSTDenoiser)
    with torch.no_grad():
        for norm in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)):
            norm.running_mean.uniform_(-0.5, 0.5), norm.running_var.uniform_(0.5, 2), norm.weight.uniform_(0.5, 1.5)
    model.eval()
    kp = torch.randn(2, 5, 17, 2) * 0.4
    out = model(kp)
    assert torch.allclose(out, baseline_by_hand(model, kp), atol=1e-5)
    assert out[..., 0, :].abs().max() == 0
    changed = kp.clone()
    changed[:, 3] += 0.2
    moved = (model(changed) - out).abs().amax((-1, -2))
    assert moved[:, 3].min() > 0 and moved[:, [0, 1, 2, 4]].max() == 0


@pytest.mark.parametrize("refused, message", [
    pytest.param(lambda: build_model(baseline_model(DenoiserConfig(width=8))).eval()(
                     torch.randn(2, 5, 17, 2)[:, :, 1:]),
                 r"expected keypoints_2d of shape \[B, F, 17, 2\], got \[2, 5, 16, 2\]", id="16-joints"),
    pytest.param(lambda: DenoiserConfig(architecture="mlp"), "noisy_input='none' for the mlp baseline, got 'bones'",
                 id="mlp-with-bone-noise"),
])
def test_baseline_refuses_bad_input(refused, message):
    with pytest.raises(ValueError, match=message):
        refused()


def test_baseline_member_takes_as_many_frames_per_step_and_cli_overrides_win():
    """family_config('baseline') keeps the frames per step (clips x frames) of its base profile; the
    CLI applies its overrides after the member, so --batch-size sets the baseline's batch."""
    config = family_config("baseline", PROFILES["cpu"])
    assert config.batch_size == 32 * 27 and config.model.width == 512 and config.method == "baseline"
    args = parse_args(["--method", "baseline", "--batch-size", "512", "--lr-schedule", "onecycle", "--fresh-data",
                       "--out", "x"])
    config = config_from_args(args)
    assert (config.batch_size, config.lr_schedule, config.fresh_data, config.model.width) == (512, "onecycle", True, 512)
    args = parse_args(["--width", "96", "--frames", "9", "--heads", "8", "--large-t", "0.2", "--init-from", "r.pt",
                       "--stride", "9", "--out", "x"])
    config = config_from_args(args)
    assert (config.model.width, config.model.frames, config.large_t, config.init_from, config.stride) == \
        (96, 9, 0.2, "r.pt", 9)


def test_baseline_trains_lifts_and_evaluates_through_the_clis(tmp_path, capsys):
    """``--method baseline`` on tiny: a checkpoint whose lifter is the baseline (one pose for every
    hypothesis), evaluated by ``python -m ddhpose_lite.evaluate``."""
    from ddhpose_lite import evaluate
    main(["--profile", "tiny", "--method", "baseline", "--epochs", "1", "--out", str(tmp_path)])
    state = load_checkpoint(tmp_path / "last.pt")
    assert state["config"]["method"] == "baseline" and state["config"]["model"]["architecture"] == "mlp"
    lifter = load_pretrained(tmp_path / "last.pt")
    assert lifter.method == "baseline" == method_of(lifter.model)
    result = lifter.lift(torch.randn(30, 17, 2) * 0.3, hypotheses=3, iterations=2)
    assert result.poses.shape == (2, 3, 30, 17, 3) and float(result.poses.std(1).max()) == 0
    evaluate.main(["--checkpoint", str(tmp_path / "last.pt"), "--data", "synthetic", "--frames", "200"])
    assert "MPJPE" in capsys.readouterr().out


def test_holdout_and_speed_jitter_reach_every_draw_of_the_trainer():
    """``--holdout`` trains and validates without the held-out CMU subjects (split "fit");
    ``--speed-jitter`` plays the captured clips of every draw at jittered speeds."""
    args = config_from_args(parse_args(["--holdout", "--speed-jitter", "0.2", "--out", "x"]))
    assert args.holdout and args.speed_jitter == 0.2
    base = dataclasses.replace(PROFILES["tiny"], train_frames=3000, val_frames=600, fresh_data=True)
    plain, changed = Trainer(base), Trainer(dataclasses.replace(base, holdout=True, speed_jitter=0.2))
    for a, b in ((plain.train_data, changed.train_data), (plain.val_data, changed.val_data),
                 (plain._epoch_data(1), changed._epoch_data(1))):
        captured = [s for s in b.sequences if s.subject.startswith("cmu-")]
        assert captured and not {"cmu-1", "cmu-9"} & {s.subject for s in captured}
        assert {"cmu-1", "cmu-9"} & {s.subject for s in a.sequences}
        clips = {c.name: c.num_frames for c in load_clips("train")}
        assert any(len(s) != clips[s.extra["clip"]] for s in captured[:-1])  # the last one is cut to fit


@pytest.mark.parametrize("change, message", [
    ({"speed_jitter": 0.9}, "expected speed_jitter in [0, 0.9), got 0.9"),
    ({"speed_jitter": -0.1}, "expected speed_jitter in [0, 0.9), got -0.1"),
    ({"holdout": True, "data": "synthetic"},
     "expected data 'mocap' or 'mix' (captured clips) for speed_jitter and holdout, got 'synthetic'"),
])
def test_speed_jitter_and_holdout_bad_values_are_refused(change, message):
    with pytest.raises(UserInputError, match=re.escape(message)):
        dataclasses.replace(PROFILES["tiny"], **change)
