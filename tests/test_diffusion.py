import math

import numpy as np
import pytest
import torch

from ddhpose_lite.bones import disentangle, rest_pose
from ddhpose_lite.diffusion import (
    Schedule,
    cosine_beta_schedule,
    ddim_sample,
    ddim_step,
    ddim_time_pairs,
    linear_beta_schedule,
    noise_bones,
    q_sample,
)


def test_cosine_schedule_matches_its_closed_form():
    betas = cosine_beta_schedule(1000)
    assert betas.dtype == torch.float64 and betas.shape == (1000,)
    f = lambda t: math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2
    alpha_bar = Schedule(betas).alpha_bar
    for t in (0, 1, 250, 500, 900, 998):
        assert alpha_bar[t].item() == pytest.approx(f(t + 1) / f(0), rel=1e-9)
    assert betas[-1] == pytest.approx(0.999)  # the last beta is the clipped one
    assert (betas <= 0.999).all() and (betas > 0).all()
    assert (alpha_bar[1:] < alpha_bar[:-1]).all()


def test_cosine_keeps_information_longer_than_linear():
    cosine, linear = Schedule.cosine(1000), Schedule.linear(1000)
    assert cosine.alpha_bar[500] > 0.45 and linear.alpha_bar[500] < 0.1
    assert linear_beta_schedule(1000)[0] == pytest.approx(1e-4) and linear_beta_schedule(1000)[-1] == pytest.approx(0.02)
    np.testing.assert_allclose(cosine.log_snr, torch.log(cosine.alpha_bar / (1 - cosine.alpha_bar)))


@pytest.mark.parametrize("t", [0, 100, 500, 999])
def test_forward_process_mean_and_variance(t):
    schedule = Schedule.cosine()
    x0 = torch.full((200_000,), 0.7, dtype=torch.float64)
    xt, _ = q_sample(x0, t, schedule, seed=t)
    a = schedule.alpha_bar[t].item()
    # standard error of the mean is sqrt((1-a)/n) <= 0.0023; 5 sigma tolerance
    assert xt.mean().item() == pytest.approx(math.sqrt(a) * 0.7, abs=5 * math.sqrt((1 - a) / x0.numel()) + 1e-12)
    # the sample variance has relative standard error sqrt(2/n) = 0.0032
    assert xt.var().item() == pytest.approx(1 - a, rel=0.02, abs=1e-12)


def test_forward_process_is_seeded_and_takes_a_timestep_per_item():
    schedule = Schedule.cosine()
    x0 = torch.zeros(3, 16, 3)
    a, _ = q_sample(x0, 500, schedule, seed=1)
    b, _ = q_sample(x0, 500, schedule, seed=1)
    c, _ = q_sample(x0, 500, schedule, seed=2)
    assert torch.equal(a, b) and not torch.equal(a, c)
    xt, eps = q_sample(torch.ones(3, 4), torch.tensor([-1, 0, 999]), schedule, seed=0)
    assert torch.equal(xt[0], torch.ones(4))  # t = -1: no noise
    expected = schedule.alpha_bar[999].sqrt() + (1 - schedule.alpha_bar[999]).sqrt() * eps[2]
    torch.testing.assert_close(xt[2], expected.float())


def test_noise_bones_noises_length_and_direction_independently():
    length, direction = disentangle(rest_pose())
    noisy_length, noisy_direction = noise_bones(length, direction, 999, Schedule.cosine(), seed=0)
    assert noisy_length.shape == (16, 1) and noisy_direction.shape == (16, 3)
    l0, d0 = noise_bones(length, direction, -1, Schedule.cosine(), seed=0)
    assert torch.equal(l0, length) and torch.equal(d0, direction)


@pytest.mark.parametrize("T, K, expected", [
    (1000, 1, [(999, -1)]),
    (1000, 5, [(999, 799), (799, 599), (599, 399), (399, 199), (199, -1)]),
])
def test_time_pairs_official_convention(T, K, expected):
    assert ddim_time_pairs(T, K) == expected


def test_time_pairs_for_ten_and_every_step():
    pairs = ddim_time_pairs(1000, 10)
    assert pairs[0] == (999, 899) and pairs[-1] == (99, -1) and len(pairs) == 10
    every = ddim_time_pairs(1000, 1000)
    assert every[0] == (999, 998) and every[-1] == (0, -1) and len(every) == 1000
    assert all(t > t_next for t, t_next in every)


@pytest.mark.parametrize("K", [0, 1001, 2.5])
def test_time_pairs_reject_bad_k(K):
    with pytest.raises(ValueError, match="number of DDIM steps K as an int in 1..T=1000"):
        ddim_time_pairs(1000, K)


@pytest.mark.parametrize("K", [1, 2, 5, 10, 50])
@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_with_an_oracle_ends_exactly_at_x0(K, eta):
    length, direction = disentangle(rest_pose())
    x0 = torch.cat([direction, length], -1)  # [16, 4] bone state
    trajectory = ddim_sample(lambda x, t: x0.expand_as(x), (16, 4), Schedule.cosine(), steps=K,
                             hypotheses=3, eta=eta, seed=0)
    assert trajectory.x0.shape == (K, 3, 16, 4) and trajectory.xt.shape == (K + 1, 3, 16, 4)
    assert torch.equal(trajectory.sample, x0.expand(3, 16, 4))
    if eta == 0:  # deterministic: the same noise, scaled down step by step
        distance = (trajectory.xt - x0).flatten(1).norm(dim=1)
        assert (distance[1:] < distance[:-1]).all()


def test_eta_zero_is_deterministic_and_eta_one_is_not():
    schedule = Schedule.cosine()
    target = torch.zeros(16, 4)
    halfway = lambda x, t: 0.5 * x  # a predictor that depends on its input
    x_t = torch.randn(2, 16, 4, generator=torch.Generator().manual_seed(0))
    a = ddim_step(x_t, halfway(x_t, 999), 999, 799, schedule, eta=0.0)
    b = ddim_step(x_t, halfway(x_t, 999), 999, 799, schedule, eta=0.0, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    c = ddim_step(x_t, halfway(x_t, 999), 999, 799, schedule, eta=1.0, generator=torch.Generator().manual_seed(1))
    d = ddim_step(x_t, halfway(x_t, 999), 999, 799, schedule, eta=1.0, generator=torch.Generator().manual_seed(2))
    assert not torch.equal(c, d)
    # the same seed reproduces a whole stochastic run
    run = lambda seed: ddim_sample(halfway, (16, 4), schedule, steps=5, eta=1.0, seed=seed).xt
    assert torch.equal(run(3), run(3)) and not torch.equal(run(3), run(4))
    del target


def test_ddim_eta_zero_step_matches_the_formula():
    schedule = Schedule.cosine()
    x_t, x0 = torch.randn(5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    a_t, a_n = schedule.alpha_bar[599], schedule.alpha_bar[399]
    eps = (x_t - a_t.sqrt() * x0) / (1 - a_t).sqrt()
    torch.testing.assert_close(ddim_step(x_t, x0, 599, 399, schedule, eta=0.0), a_n.sqrt() * x0 + (1 - a_n).sqrt() * eps)


def test_clip_reproduces_the_official_clamp():
    trajectory = ddim_sample(lambda x, t: 3 * torch.ones_like(x), (4,), Schedule.cosine(), steps=5, clip=1.1)
    assert trajectory.x0.max() <= 1.1 and trajectory.sample.max() == pytest.approx(1.1)


def test_bad_input_errors():
    schedule = Schedule.cosine()
    with pytest.raises(ValueError, match="timesteps in -1..999"):
        q_sample(torch.zeros(3), 1000, schedule)
    with pytest.raises(ValueError, match="one timestep per batch item"):
        q_sample(torch.zeros(3, 2), torch.tensor([1, 2]), schedule)
    with pytest.raises(ValueError, match=r"noise of shape \[3\]"):
        q_sample(torch.zeros(3), 5, schedule, noise=torch.zeros(4))
    with pytest.raises(ValueError, match="hypotheses as an int >= 1"):
        ddim_sample(lambda x, t: x, (4,), schedule, hypotheses=0)
    with pytest.raises(ValueError, match=r"predict_x0 to return shape \[1, 4\]"):
        ddim_sample(lambda x, t: x[..., :2], (4,), schedule)
    with pytest.raises(ValueError, match="T as an int >= 1"):
        cosine_beta_schedule(0)
    with pytest.raises(ValueError, match="torch.Generator for eta > 0"):
        ddim_step(torch.zeros(2), torch.zeros(2), 999, 799, schedule, eta=1.0)
    with pytest.raises(TypeError, match="seed as int or torch.Generator"):
        q_sample(torch.zeros(2), 3, schedule, seed="a")
