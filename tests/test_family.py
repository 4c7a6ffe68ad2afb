"""The pose-diffusion family as configurations of one package: forward processes on fixed tensors,
the fitted start distributions, the starts the sampler really uses, and every member training a
few steps and evaluating."""
from __future__ import annotations

import dataclasses
import math
import re

import pytest
import torch

from conftest import TINY, tiny_config
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.diffusion import Schedule, ddim_step, ddim_step_shifted, q_sample, q_sample_shifted
from ddhpose_lite.evaluate import evaluate
from ddhpose_lite.lifter import Lifter, load_pretrained
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser
from ddhpose_lite.sampling import method_of, sample_poses
from ddhpose_lite.starts import METHODS, GaussianMixture, ResidualGaussian, fit_gmm, fit_residuals
from ddhpose_lite.train import FAMILY, TrainConfig, Trainer, family_config, noisy_state


# ------------------------------------------------------------------ forward processes, by hand


def test_shifted_forward_process_matches_its_definition_by_hand():
    """x_t = √ᾱ x_0 + (1 - √ᾱ) mean + √(1 - ᾱ) scale ε, numbers worked out on paper with ᾱ = 0.64."""
    schedule = Schedule(torch.tensor([0.36, 0.5]))  # ᾱ_0 = 0.64, ᾱ_1 = 0.32
    x0, mean, scale = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, 0.5]]), torch.tensor([[2.0, 0.1]])
    eps = torch.tensor([[1.0, -1.0]])
    got, returned = q_sample_shifted(x0, 0, schedule, mean, scale, noise=eps)
    # √0.64 = 0.8, 1 - 0.8 = 0.2, √0.36 = 0.6:  0.8 + 0.1 + 1.2 = 2.1;  -1.6 + 0.1 - 0.06 = -1.56
    torch.testing.assert_close(got, torch.tensor([[2.1, -1.56]]))
    assert torch.equal(returned, eps)
    at_clean, _ = q_sample_shifted(x0, -1, schedule, mean, scale, noise=eps)
    torch.testing.assert_close(at_clean, x0)


def test_shifted_forward_process_with_a_standard_start_is_the_plain_one():
    schedule = Schedule.cosine()
    x0, eps = torch.randn(4, 16, 3), torch.randn(4, 16, 3)
    t = torch.tensor([0, 10, 500, 999])
    plain, _ = q_sample(x0, t, schedule, noise=eps)
    shifted, _ = q_sample_shifted(x0, t, schedule, torch.zeros(1), torch.ones(1), noise=eps)
    torch.testing.assert_close(shifted, plain)


def test_shifted_ddim_step_by_hand():
    """Whitened DDIM: u = (x - m)/s; with η = 0 and ᾱ_t = 0.32 -> ᾱ_next = 0.64 (from the schedule above)."""
    schedule = Schedule(torch.tensor([0.36, 0.5]))
    x_t, x0 = torch.tensor([3.0]), torch.tensor([1.0])
    mean, scale = torch.tensor([1.0]), torch.tensor([2.0])
    got = ddim_step_shifted(x_t, x0, 1, 0, schedule, mean, scale, eta=0.0)
    # u_t = 1, û_0 = 0, ε̂ = (1 - 0) / √0.68, u_next = √0.64·0 + √0.36·ε̂ = 0.6/√0.68; x = 1 + 2 u_next
    torch.testing.assert_close(got, torch.tensor([1 + 2 * 0.6 / math.sqrt(0.68)]))
    plain = ddim_step(x_t, x0, 1, 0, schedule, eta=0.0)
    torch.testing.assert_close(ddim_step_shifted(x_t, x0, 1, 0, schedule, torch.zeros(1), torch.ones(1), 0.0), plain)


@pytest.mark.parametrize("mean, scale, message", [
    pytest.param(torch.zeros(3), torch.zeros(3), "expected scale > 0 everywhere, got zero or negative entries",
                 id="zero-scale"),
    pytest.param(torch.zeros(4), torch.ones(3), "expected mean and scale that broadcast to [2, 3], got [4] and [3]",
                 id="4-means"),
])
def test_shifted_process_refuses_bad_scale_and_shapes(mean, scale, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        q_sample_shifted(torch.zeros(2, 3), 5, Schedule.cosine(), mean, scale)


def _replay(seed: int, batch: int):
    """A generator in the state ``noisy_state`` starts from, and t as it draws them."""
    generator = torch.Generator().manual_seed(seed)
    t = torch.randint(0, 1000, (batch,), generator=generator)
    return generator, t


def test_training_forward_processes_match_their_definitions():
    schedule = Schedule.cosine()
    poses = torch.randn(3, 9, 17, 3) * 0.3
    poses = poses - poses[..., :1, :]
    x0 = poses[..., 1:, :]
    a = lambda t: schedule.alpha_bar[t].float().reshape(-1, 1, 1, 1)  # noqa: E731

    got, t = noisy_state("joints", poses, schedule, torch.Generator().manual_seed(4))
    g, t_again = _replay(4, 3)
    eps = torch.randn(x0.shape, generator=g)
    assert torch.equal(t, t_again)
    torch.testing.assert_close(got, a(t).sqrt() * x0 + (1 - a(t)).sqrt() * eps)

    residual = ResidualGaussian(torch.zeros(35, 48, dtype=torch.float64), torch.full((48,), 0.05, dtype=torch.float64),
                                (16, 3), (17, 2))
    got, t = noisy_state("refine", poses, schedule, torch.Generator().manual_seed(5), residual)
    g, _ = _replay(5, 3)
    z, eps = torch.randn(x0.shape, generator=g), torch.randn(x0.shape, generator=g)
    m = x0 - 0.05 * z  # a simulated bias-corrected base estimate
    torch.testing.assert_close(got, a(t).sqrt() * x0 + (1 - a(t).sqrt()) * m + (1 - a(t)).sqrt() * 0.05 * eps)

    mixture = GaussianMixture(torch.tensor([0.25, 0.75], dtype=torch.float64), torch.stack([torch.zeros(48), torch.ones(48)]).double(),
                              torch.stack([torch.full((48,), 0.1), torch.full((48,), 0.2)]).double(), (16, 3))
    got, t = noisy_state("gmm", poses, schedule, torch.Generator().manual_seed(6), mixture)
    g, _ = _replay(6, 3)
    u = torch.rand((3, 9), generator=g, dtype=torch.float64)
    eps = torch.randn(x0.shape, generator=g)
    k = (u >= 0.25).float()[..., None, None]  # component 1 when u >= π_0
    mean, scale = k, 0.1 + 0.1 * k
    torch.testing.assert_close(got, a(t).sqrt() * x0 + (1 - a(t).sqrt()) * mean + (1 - a(t)).sqrt() * scale * eps)
    assert noisy_state("regression", poses, schedule, g) == (None, None)


# ------------------------------------------------------------------ the fitted start distributions


def test_em_recovers_a_known_mixture_and_is_seeded():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(600, 2, generator=g) * 0.1 + torch.tensor([2.0, 0.0])
    b = torch.randn(200, 2, generator=g) * 0.3 + torch.tensor([-2.0, 1.0])
    points = torch.cat([a, b])
    mixture = fit_gmm(points, components=2, seed=1)
    order = mixture.means[:, 0].argsort(descending=True)
    torch.testing.assert_close(mixture.weights[order], torch.tensor([0.75, 0.25], dtype=torch.float64), atol=0.01, rtol=0)
    torch.testing.assert_close(mixture.means[order], torch.tensor([[2.0, 0.0], [-2.0, 1.0]], dtype=torch.float64),
                               atol=0.05, rtol=0)
    torch.testing.assert_close(mixture.scales[order], torch.tensor([[0.1, 0.1], [0.3, 0.3]], dtype=torch.float64),
                               atol=0.03, rtol=0)
    again = fit_gmm(points, components=2, seed=1)
    assert torch.equal(again.means, mixture.means)
    draws = mixture.sample(20_000, seed=3)
    torch.testing.assert_close(draws.mean(0).double(), (mixture.weights[:, None] * mixture.means).sum(0), atol=0.03, rtol=0)
    assert float(mixture.log_prob(points).mean()) > float(fit_gmm(points, components=1).log_prob(points).mean())


def test_em_refuses_too_few_points():
    with pytest.raises(ValueError, match="at least as many states as components \\(5\\), got 3"):
        fit_gmm(torch.zeros(3, 4), components=5)


def test_least_squares_recovers_a_linear_residual_model():
    g = torch.Generator().manual_seed(0)
    c = torch.randn(2000, 4, 2, generator=g)
    w = torch.randn(9, 6, generator=g, dtype=torch.float64)
    noise = torch.randn(2000, 6, generator=g) * torch.tensor([0.01, 0.02, 0.03, 0.04, 0.05, 0.06])
    r = (c.reshape(2000, 8).double() @ w[:-1] + w[-1]).float() + noise
    fitted = fit_residuals(r.reshape(2000, 2, 3), c, ridge=0.0)
    torch.testing.assert_close(fitted.weight, w, atol=0.01, rtol=0)
    torch.testing.assert_close(fitted.scale.float(), torch.tensor([0.01, 0.02, 0.03, 0.04, 0.05, 0.06]), atol=0.005, rtol=0)
    torch.testing.assert_close(fitted.mean(c[:3]), (c[:3].reshape(3, 8).double() @ w[:-1] + w[-1]).float().reshape(3, 2, 3),
                               atol=0.01, rtol=0)
    with pytest.raises(ValueError, match="as many residuals as conditions, got 2000 and 5"):
        fit_residuals(r, c[:5])


# ------------------------------------------------------------------ the starts the sampler uses


class StartRecorder(torch.nn.Module):
    """A joint-space stand-in denoiser: records the noisy state of its first call (x_T) and returns it."""

    def __init__(self, noisy_input: str = "joints") -> None:
        super().__init__()
        self.config = dataclasses.replace(TINY, noisy_input=noisy_input)
        self.first = None

    def forward(self, keypoints_2d, noisy, t):
        if self.first is None:
            self.first = noisy.clone()
        return torch.nn.functional.pad(noisy, (0, 0, 1, 0))


def test_gmm_start_follows_the_fitted_mixture_not_a_standard_normal():
    poses = synthetic_sequences("train", 600, seed=1)[0].poses_3d[:, 1:]
    mixture = fit_gmm(poses, components=3, seed=0)
    recorder = StartRecorder()
    sample_poses(recorder, torch.zeros(4, 9, 17, 2), Schedule.cosine(), hypotheses=50, iterations=1, seed=0,
                 method="gmm", prior=mixture, max_tokens=10**8)  # one pass: the recorder sees every x_T
    start = recorder.first.reshape(-1, 48).double()  # 50 hypotheses x 4 clips x 9 frames
    expected_mean = (mixture.weights[:, None] * mixture.means).sum(0)
    expected_var = (mixture.weights[:, None] * (mixture.scales ** 2 + mixture.means ** 2)).sum(0) - expected_mean ** 2
    standard_error = (expected_var / len(start)).sqrt()  # 1800 independent draws (component per hypothesis and frame)
    assert bool(((start.mean(0) - expected_mean).abs() < 4 * standard_error).all())
    torch.testing.assert_close(start.var(0), expected_var, atol=0.002, rtol=0.2)
    assert float(start.std(0).mean()) < 0.5  # a standard normal start would give 1
    assert float((start.mean(0) - expected_mean).abs().max()) < float(expected_mean.abs().max())


def test_refinement_start_is_the_base_estimate_plus_the_residual_gaussian():
    torch.manual_seed(0)
    base = HSTDenoiser(dataclasses.replace(TINY, noisy_input="none")).eval()
    kp = torch.randn(2, 9, 17, 2) * 0.3
    weight = torch.zeros(35, 48, dtype=torch.float64)
    weight[-1] = 0.02  # a constant bias of 2 cm in every coordinate
    residual = ResidualGaussian(weight, torch.linspace(0.01, 0.05, 48, dtype=torch.float64), (16, 3), (17, 2))
    recorder = StartRecorder()
    sample_poses(recorder, kp, Schedule.cosine(), hypotheses=400, iterations=1, seed=0, method="refine",
                 prior=residual, base=base, max_tokens=10**8)
    with torch.no_grad():
        estimate = base(kp, None, None)[..., 1:, :]
    start = recorder.first.reshape(400, 2, 9, 16, 3)
    torch.testing.assert_close(start.mean(0), estimate + 0.02, atol=0.01, rtol=0)
    torch.testing.assert_close(start.std(0).mean((0, 1)).reshape(-1), torch.linspace(0.01, 0.05, 48).float(),
                               atol=0.004, rtol=0)


@pytest.mark.parametrize("method, message", [
    pytest.param("gmm", "expected a GaussianMixture prior for method 'gmm', got NoneType", id="gmm-without-prior"),
    pytest.param("ddhpose", "expected a model with noisy_input='bones' for method 'ddhpose', got 'joints'",
                 id="ddhpose-with-a-joints-model"),
    pytest.param("vae", "expected method as one of ('ddhpose', 'regression', 'joints', 'refine', 'gmm', 'baseline'), "
                 "got 'vae'", id="unknown-method"),
])
def test_sampler_refuses_a_member_without_what_it_needs(method, message):
    joints_model = HSTDenoiser(dataclasses.replace(TINY, noisy_input="joints"))
    with pytest.raises(ValueError, match=re.escape(message)):
        sample_poses(joints_model, torch.zeros(1, 9, 17, 2), Schedule.cosine(), method=method)


def test_regression_gives_one_pose_for_every_hypothesis_and_iteration():
    torch.manual_seed(0)
    model = HSTDenoiser(dataclasses.replace(TINY, noisy_input="none")).eval()
    assert method_of(model) == "regression"
    poses = sample_poses(model, torch.randn(2, 9, 17, 2), Schedule.cosine(), hypotheses=3, iterations=2, flip=True)
    assert poses.shape == (2, 3, 2, 9, 17, 3)
    assert torch.equal(poses[0, 0], poses[1, 2])
    with pytest.raises(ValueError, match=r"no noisy state \(None\) for noisy_input='none'"):
        model(torch.zeros(1, 9, 17, 2), torch.zeros(1, 9, 16, 4), torch.zeros(1, dtype=torch.long))


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda: TrainConfig(method="gmm"),
                 "expected model.noisy_input='joints' for method 'gmm', got 'bones' (family_config sets it)",
                 id="gmm-on-bones"),
    pytest.param(lambda: family_config("refine", tiny_config()),
                 "expected base_checkpoint (a regression checkpoint) for method 'refine', got none",
                 id="refine-without-base"),
    pytest.param(lambda: DenoiserConfig(noisy_input="pixels"),
                 "expected noisy_input as one of ('bones', 'joints', 'none'), got 'pixels'", id="unknown-input"),
])
def test_config_ties_the_method_to_the_model_input(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_every_family_member_has_its_config():
    assert set(FAMILY) == set(METHODS)
    assert family_config("regression", tiny_config()).model.noisy_input == "none"


# ------------------------------------------------------------------ every member trains and evaluates


@pytest.fixture(scope="module")
def family_runs(tmp_path_factory):
    """Each member trained one short epoch on tiny (the refinement on the regression checkpoint)."""
    root = tmp_path_factory.mktemp("family")
    config = tiny_config(epochs=1, train_frames=400, val_frames=60)
    runs = {}
    for method in ("regression", "joints", "ddhpose", "gmm", "refine", "baseline"):
        base = str(root / "regression" / "last.pt") if method == "refine" else ""
        trainer = Trainer(family_config(method, config, base_checkpoint=base), root / method)
        runs[method] = (trainer, trainer.fit(), root / method / "last.pt")
    return runs


@pytest.mark.parametrize("method", ["regression", "joints", "ddhpose", "gmm", "refine", "baseline"])
def test_every_member_trains_saves_and_evaluates(family_runs, method):
    trainer, history, path = family_runs[method]
    assert math.isfinite(history[-1]["loss"]) and math.isfinite(history[-1]["val_mpjpe"])
    lifter = load_pretrained(path)
    assert lifter.method == method
    assert isinstance(lifter.prior, {"gmm": GaussianMixture, "refine": ResidualGaussian}.get(method, type(None)))
    assert (lifter.base is not None) == (method == "refine")
    test = synthetic_sequences("test", 60, seed=0)[:1]
    evaluation = evaluate(lifter, test, hypotheses=2, iterations=2)
    row = evaluation.summary()["P-Agg"]
    # the evaluation's P-Agg is the mean of the lift's final hypotheses (seed 0, flipped), scored by hand
    lifted = lifter.lift(test[0].keypoints_2d, hypotheses=2, iterations=2, seed=0, flip=True).poses[-1].mean(0)
    assert row["MPJPE"] == pytest.approx(float((lifted - test[0].poses_3d).norm(dim=-1).mean()), rel=1e-5)
    # one epoch on 400 frames teaches little: every member measured 0.45-0.48 m, about the error of
    # putting every joint at the root (0.447 m); a broken member is much further off
    trivial = float(test[0].poses_3d.norm(dim=-1).mean())
    assert row["MPJPE"] < 1.15 * trivial
    assert (evaluation.mean_spread() == 0) == (method in ("regression", "baseline"))


def test_resuming_a_member_restores_its_prior(family_runs):
    trainer, _, path = family_runs["gmm"]
    again = Trainer(trainer.config)
    again.load(path)
    assert torch.equal(again.prior.means, trainer.prior.means) and again.epoch == 1


def test_checkpoints_without_a_method_are_ddhpose():
    lifter = load_pretrained()  # the shipped checkpoint predates the family
    assert lifter.method == "ddhpose" and lifter.prior is None and lifter.base is None
    assert isinstance(Lifter(HSTDenoiser(TINY)).method, str)
