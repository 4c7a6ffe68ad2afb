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
    """From the definition (Eq. 2-3): two separate draws from the seeded generator, the lengths' ε_l
    [16, 1] first, then the directions' ε_d [16, 3]; each x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε with the same ᾱ_t."""
    length, direction = disentangle(rest_pose())
    schedule = Schedule.cosine()
    noisy_length, noisy_direction = noise_bones(length, direction, 500, schedule, seed=0)
    assert noisy_length.shape == (16, 1) and noisy_direction.shape == (16, 3)
    generator = torch.Generator().manual_seed(0)
    eps_length = torch.randn(16, 1, generator=generator, dtype=length.dtype)
    eps_direction = torch.randn(16, 3, generator=generator, dtype=direction.dtype)
    a = schedule.alpha_bar[500]
    torch.testing.assert_close(noisy_length, (a.sqrt() * length + (1 - a).sqrt() * eps_length).to(length.dtype))
    torch.testing.assert_close(noisy_direction,
                               (a.sqrt() * direction + (1 - a).sqrt() * eps_direction).to(direction.dtype))
    # not one noise reused: the length noise is not any column of the direction noise
    recovered_l = (noisy_length - a.sqrt() * length) / (1 - a).sqrt()
    recovered_d = (noisy_direction - a.sqrt() * direction) / (1 - a).sqrt()
    assert all(not torch.allclose(recovered_l[:, 0], recovered_d[:, i], atol=1e-3) for i in range(3))
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


def official_sampler_transcription(predict, shape, alphas_cumprod, steps, seed, clip=1.1, eta=1.0):
    """The official DDIM loop written out directly (float64): the network sees clamp(x_t), x̂_0 is
    clamped, ε̂ = (sqrt(1/ᾱ) x_t - x̂_0) / sqrt(1/ᾱ - 1) with the unclamped x_t, the state is never
    clamped."""
    generator = torch.Generator().manual_seed(seed)
    times = list(reversed(torch.linspace(-1, len(alphas_cumprod) - 1, steps + 1).int().tolist()))
    img = torch.randn(shape, generator=generator, dtype=torch.float64)
    outputs = []
    for time, time_next in zip(times[:-1], times[1:]):
        x_start = predict(img.clamp(-clip, clip), time).clamp(-clip, clip)
        alpha = alphas_cumprod[time]
        pred_noise = ((1 / alpha).sqrt() * img - x_start) / (1 / alpha - 1).sqrt()
        outputs.append(x_start)
        if time_next < 0:
            img = x_start
            continue
        alpha_next = alphas_cumprod[time_next]
        sigma = eta * ((1 - alpha / alpha_next) * (1 - alpha_next) / (1 - alpha)).sqrt()
        c = (1 - alpha_next - sigma ** 2).sqrt()
        img = x_start * alpha_next.sqrt() + c * pred_noise + sigma * torch.randn(shape, generator=generator,
                                                                                 dtype=torch.float64)
    return torch.stack(outputs), img


def test_clip_reproduces_the_official_sampler_exactly():
    schedule = Schedule.cosine()

    def toy(x, t):  # predictions that overshoot ±1.1, and depend on the (clamped) input
        return 2.5 * torch.tanh(3 * x) + t / 1000

    x0s, sample = official_sampler_transcription(toy, (3, 7), schedule.alpha_bar, 5, seed=4)
    trajectory = ddim_sample(toy, (7,), schedule, steps=5, hypotheses=3, seed=4, clip=1.1, dtype=torch.float64)
    torch.testing.assert_close(trajectory.x0, x0s)
    torch.testing.assert_close(trajectory.sample, sample)
    assert trajectory.x0.abs().max() <= 1.1 and trajectory.xt[1:-1].abs().max() > 1.1  # the state is not clamped
    free = ddim_sample(toy, (7,), schedule, steps=5, hypotheses=3, seed=4, dtype=torch.float64)
    assert free.x0.abs().max() > 1.1  # without clip nothing is clamped


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda s: q_sample(torch.zeros(3), 1000, s), ValueError, "timesteps in -1..999", id="t-past-T"),
    pytest.param(lambda s: q_sample(torch.zeros(3, 2), torch.tensor([1, 2]), s), ValueError,
                 r"^expected one timestep per batch item \(3\), got 2$", id="t-per-item"),
    pytest.param(lambda s: q_sample(torch.zeros(3), -2, s), ValueError, r"^expected timesteps in -1\.\.999, got -2$",
                 id="t-below-minus-one"),
    pytest.param(lambda s: q_sample(torch.full((3,), float("nan")), 5, s), ValueError,
                 r"^expected finite x0, got 3 NaN or infinite values$", id="nan-x0"),
    pytest.param(lambda s: q_sample(torch.zeros(3), 5, s, noise=[0.0] * 3), TypeError,
                 r"^expected noise as a torch\.Tensor or numpy\.ndarray, got list$", id="noise-list"),
    pytest.param(lambda s: Schedule(torch.full((2, 3), 0.1)), ValueError,
                 r"^expected betas \[T\] in \(0, 1\), got shape \[2, 3\]$", id="2d-betas"),
    pytest.param(lambda s: Schedule(torch.tensor([0.1, 0.0, 0.2])), ValueError, r"in \(0, 1\)", id="zero-beta"),
    pytest.param(lambda s: Schedule(torch.tensor([0.1, 1.0, 0.2])), ValueError, r"in \(0, 1\)", id="beta-one"),
    pytest.param(lambda s: Schedule(torch.tensor([0.1, 1.5, 0.2])), ValueError, r"in \(0, 1\)", id="beta-past-one"),
    pytest.param(lambda s: cosine_beta_schedule(10, 1.0), ValueError, r"^expected the offset s in \[0, 1\), got 1\.0$",
                 id="s-one"),
    pytest.param(lambda s: cosine_beta_schedule(10, 1.5), ValueError, r"offset s in \[0, 1\)", id="s-past-one"),
    pytest.param(lambda s: q_sample(torch.zeros(3), 5, s, noise=torch.zeros(4)), ValueError, r"noise of shape \[3\]",
                 id="noise-shape"),
    pytest.param(lambda s: ddim_sample(lambda x, t: x, (4,), s, hypotheses=0), ValueError,
                 "hypotheses as an int >= 1", id="no-hypotheses"),
    pytest.param(lambda s: ddim_sample(lambda x, t: x[..., :2], (4,), s), ValueError,
                 r"predict_x0 to return shape \[1, 4\]", id="prediction-shape"),
    pytest.param(lambda s: cosine_beta_schedule(0), ValueError, "T as an int >= 1", id="T-zero"),
    pytest.param(lambda s: ddim_step(torch.zeros(2), torch.zeros(2), 999, 799, s, eta=1.0), ValueError,
                 r"^expected a torch\.Generator or noise for eta > 0 \(the step adds noise\), got neither$",
                 id="eta-without-noise"),
    pytest.param(lambda s: q_sample(torch.zeros(2), 3, s, seed="a"), TypeError, "seed as int or torch.Generator",
                 id="seed-type"),
])
def test_bad_input_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Schedule.cosine())


# ---------------------------------------------------------------- bone state, joints, forward paths

from ddhpose_lite.bones import compose  # noqa: E402
from ddhpose_lite.diffusion import (  # noqa: E402
    bone_state,
    ddim_step_shifted,
    forward_path,
    noise_joints,
    q_sample_shifted,
    split_bone_state,
)


def test_bone_state_is_direction_then_length_and_splits_back():
    length, direction = disentangle(rest_pose())
    state = bone_state(length, direction)
    assert state.shape == (16, 4)
    assert torch.equal(state[:, :3], direction) and torch.equal(state[:, 3:], length)
    back_length, back_direction = split_bone_state(state)
    assert torch.equal(back_length, length) and torch.equal(back_direction, direction)
    batched = bone_state(length.expand(2, 5, 16, 1), direction.expand(2, 5, 16, 3))
    assert batched.shape == (2, 5, 16, 4)
    assert isinstance(bone_state(length.numpy(), direction.numpy()), np.ndarray)


@pytest.mark.parametrize("call, message", [
    pytest.param(lambda length, direction: split_bone_state(direction),
                 r"bone state of shape \[\.\.\., B, 4\], got \[16, 3\]", id="split-3-wide"),
    pytest.param(lambda length, direction: bone_state(length[:15], direction), "same leading dims", id="15-lengths"),
    pytest.param(lambda length, direction: bone_state(direction, direction), r"length of shape \[\.\.\., B, 1\]",
                 id="3-wide-length"),
])
def test_bone_state_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(*disentangle(rest_pose()))


def test_noise_joints_keeps_the_root_and_noises_the_rest_like_q_sample():
    schedule = Schedule.cosine()
    pose = rest_pose() + torch.tensor([1.0, 2.0, 3.0])  # not root-relative: made so first
    noisy, eps = noise_joints(pose, 300, schedule, seed=4)
    assert noisy.shape == (17, 3) and eps.shape == (16, 3)
    assert torch.equal(noisy[0], torch.zeros(3))
    expected, _ = q_sample(rest_pose()[1:], 300, schedule, seed=4)
    torch.testing.assert_close(noisy[1:], expected)
    same, _ = noise_joints(pose, 300, schedule, noise=eps)
    torch.testing.assert_close(same, noisy)
    with pytest.raises(ValueError, match=r"pose of shape \[\.\.\., J, 3\]"):
        noise_joints(torch.zeros(17, 2), 3, schedule)


def test_forward_path_uses_one_noise_draw_for_every_t():
    schedule = Schedule.cosine()
    pose = rest_pose()
    length, direction = disentangle(pose)
    path = forward_path(pose, [-1, 0, 250, 999], schedule, seed=7)
    assert path.t.tolist() == [-1, 0, 250, 999] and path.alpha_bar[0] == 1
    assert path.length.shape == (4, 16, 1) and path.direction.shape == (4, 16, 3)
    assert path.joints.shape == (4, 17, 3) and path.bones_pose.shape == (4, 17, 3)
    # t = -1 is the clean pose, both ways
    torch.testing.assert_close(path.bones_pose[0], pose)
    torch.testing.assert_close(path.joints[0], pose)
    # a single t matches noise_bones with the same seed, exactly
    noisy_length, noisy_direction = noise_bones(length, direction, 250, schedule, seed=7)
    assert torch.equal(path.length[2], noisy_length) and torch.equal(path.direction[2], noisy_direction)
    # the noise recovered from x_t is the same at every t
    a = path.alpha_bar[1:].float().reshape(-1, 1, 1)
    eps = (path.direction[1:] - a.sqrt() * direction) / (1 - a).sqrt()
    torch.testing.assert_close(eps[0], eps[1], atol=2e-3, rtol=0)  # float32, divided by sqrt(1 - ᾱ_0) = 0.006
    torch.testing.assert_close(eps[1], eps[2])
    eps_joints = (path.joints[2:, 1:] - a[1:].sqrt() * pose[1:]) / (1 - a[1:]).sqrt()
    torch.testing.assert_close(eps_joints[0], eps_joints[1])
    assert torch.equal(forward_path(pose, None, schedule, seed=7).t, torch.arange(1000))


@pytest.mark.parametrize("poses, times, message", [
    pytest.param(torch.zeros(2, 17, 3), [1], r"one pose of shape \[17, 3\]", id="two-poses"),
    pytest.param(rest_pose(), [0.5], "integer times", id="fractional-t"),
    pytest.param(rest_pose(), [1000], "timesteps in -1..999", id="t-past-T"),
])
def test_forward_path_bad_input(poses, times, message):
    with pytest.raises(ValueError, match=message):
        forward_path(poses, times)


# ---------------------------------------------------------------- references that mutation testing asked for


def test_linear_schedule_by_hand_and_its_defaults():
    """DDPM's betas, linspace(1e-4, 0.02, T) at T = 1000; at T = 500 both ends scale by 1000 / T = 2
    (2e-4 ... 0.04), so the product (1 - β) over the run stays comparable. float64, T = 1000 by default."""
    betas = linear_beta_schedule()
    assert betas.dtype == torch.float64 and betas.shape == (1000,)
    assert betas[1].item() == pytest.approx(1e-4 + (0.02 - 1e-4) / 999, rel=1e-12)
    half = linear_beta_schedule(500)
    assert half.dtype == torch.float64 and half.shape == (500,)
    assert half[0].item() == pytest.approx(2e-4, rel=1e-12) and half[-1].item() == pytest.approx(0.04, rel=1e-12)
    assert Schedule.linear().T == 1000 and Schedule.linear(500).T == 500
    torch.testing.assert_close(Schedule.linear(500).betas, half, rtol=0, atol=0)


@pytest.mark.parametrize("call, name", [
    pytest.param(lambda: split_bone_state([[0.0] * 4] * 16), "bone state", id="split_bone_state"),
    pytest.param(lambda: noise_joints([[0.0] * 3] * 17, 3, Schedule.cosine()), "pose", id="noise_joints"),
    pytest.param(lambda: bone_state([[0.0]] * 16, [[0.0] * 3] * 16), "direction", id="bone_state"),
    pytest.param(lambda: bone_state([[0.0]] * 16, torch.zeros(16, 3)), "length", id="bone_state-length"),
    pytest.param(lambda: q_sample([0.0], 3, Schedule.cosine()), "x0", id="q_sample"),
    pytest.param(lambda: forward_path([[0.0] * 3] * 17, [3]), "pose", id="forward_path"),
])
def test_a_list_is_refused_with_the_argument_name(call, name):
    with pytest.raises(TypeError, match=rf"^expected {name} as a torch.Tensor or numpy.ndarray, got list$"):
        call()


def test_noise_joints_draws_from_seed_zero_by_default():
    schedule = Schedule.cosine()
    pose = rest_pose()
    noisy, eps = noise_joints(pose, 400, schedule)
    expected = torch.randn(16, 3, generator=torch.Generator().manual_seed(0), dtype=pose.dtype)
    torch.testing.assert_close(eps, expected, rtol=0, atol=0)
    a = schedule.alpha_bar[400]
    torch.testing.assert_close(noisy[1:], (a.sqrt() * (pose[1:] - pose[0]) + (1 - a).sqrt() * expected).to(pose.dtype))


def test_noise_joints_on_a_batch_is_each_pose_noised_alone():
    schedule = Schedule.cosine()
    poses = torch.stack([rest_pose(), rest_pose().flip(-1) + 1.0])  # [2, 17, 3]
    eps = torch.randn(2, 16, 3, generator=torch.Generator().manual_seed(3), dtype=poses.dtype)
    noisy, _ = noise_joints(poses, 250, schedule, noise=eps)
    assert noisy.shape == (2, 17, 3)
    for i in range(2):
        alone, _ = noise_joints(poses[i], 250, schedule, noise=eps[i])
        torch.testing.assert_close(noisy[i], alone, rtol=0, atol=0)


def test_forward_path_defaults_and_a_given_schedule():
    """seed 0 by default: the first draw of Generator(0) is the length noise [16, 1]; a schedule
    passed in is used (the linear one's ᾱ, not the cosine default's)."""
    pose = rest_pose()
    length, _ = disentangle(pose)
    path = forward_path(pose, [300])
    eps_length = torch.randn(16, 1, generator=torch.Generator().manual_seed(0), dtype=pose.dtype)
    a = Schedule.cosine().alpha_bar[300]
    torch.testing.assert_close(path.length[0], (a.sqrt() * length + (1 - a).sqrt() * eps_length).to(pose.dtype))
    linear = Schedule.linear()
    other = forward_path(pose, [300], linear)
    assert other.alpha_bar.tolist() == [linear.alpha_bar[300].item()]
    assert other.alpha_bar.item() != pytest.approx(a.item(), rel=1e-3)


@pytest.mark.parametrize("pose, ts, message", [
    pytest.param(torch.zeros(17, 2), [1], r"^expected pose of shape \[17, 3\], got \[17, 2\]$", id="2d-pose"),
    pytest.param(torch.full((17, 3), float("nan")), [1], r"^expected finite pose, got 51 NaN or infinite values$",
                 id="nan-pose"),
    pytest.param(rest_pose(), [[1, 2]], "non-empty 1D sequence of integer times", id="2d-times"),
    pytest.param(rest_pose(), [], "non-empty 1D sequence of integer times", id="no-times"),
])
def test_forward_path_names_what_is_wrong(pose, ts, message):
    with pytest.raises(ValueError, match=message):
        forward_path(pose, ts)


def test_forward_path_is_root_relative_float64_in_alpha_and_follows_the_skeleton():
    from ddhpose_lite.skeleton import Skeleton

    pose = rest_pose() + torch.tensor([0.5, -1.0, 2.0])  # the root away from the origin
    path = forward_path(pose, [-1, 10])
    torch.testing.assert_close(path.clean, pose - pose[0])
    torch.testing.assert_close(path.joints[0], pose - pose[0])  # t = -1: the clean root-relative pose
    assert path.alpha_bar.dtype == torch.float64
    assert path.alpha_bar[1].item() == Schedule.cosine().alpha_bar[10].item()
    chain = Skeleton(names=("a", "b", "c", "d"), parents=(-1, 0, 1, 2))
    line = torch.tensor([[0.0, 0, 0], [0, 0, 1], [0, 0, 3], [0, 0, 6]])
    short = forward_path(line, [-1], skeleton=chain)
    assert short.length.shape == (1, 3, 1) and short.length[0, :, 0].tolist() == [1.0, 2.0, 3.0]
    torch.testing.assert_close(short.bones_pose[0], line)


def test_forward_path_joints_are_the_third_draw_by_hand_and_noise_bones_defaults_to_seed_zero():
    """forward_path draws ε in the order length [16, 1], direction [16, 3], joints [16, 3] from one
    generator; the joints at t are √ᾱ_t x_0 + √(1 - ᾱ_t) ε_joints (root-relative, root at 0)."""
    pose = rest_pose()
    length, direction = disentangle(pose)
    generator = torch.Generator().manual_seed(5)
    eps_length, eps_direction, eps_joints = (torch.randn(*shape, generator=generator, dtype=pose.dtype)
                                             for shape in ((16, 1), (16, 3), (16, 3)))
    path = forward_path(pose, [100, 700], seed=5)
    for i, t in enumerate((100, 700)):
        a = Schedule.cosine().alpha_bar[t]
        expected = (a.sqrt() * (pose[1:] - pose[0]) + (1 - a).sqrt() * eps_joints).to(pose.dtype)
        torch.testing.assert_close(path.joints[i, 1:], expected)
        assert torch.equal(path.joints[i, 0], torch.zeros(3))
        torch.testing.assert_close(path.direction[i], (a.sqrt() * direction + (1 - a).sqrt() * eps_direction).to(pose.dtype))
    default_length, default_direction = noise_bones(length, direction, 500, Schedule.cosine())
    seeded_length, seeded_direction = noise_bones(length, direction, 500, Schedule.cosine(), seed=0)
    assert torch.equal(default_length, seeded_length) and torch.equal(default_direction, seeded_direction)
    _, eps = q_sample(length, 500, Schedule.cosine(), seed=0)
    a = Schedule.cosine().alpha_bar[500]
    torch.testing.assert_close(default_length, (a.sqrt() * length + (1 - a).sqrt() * eps).to(length.dtype))


def test_bone_state_names_a_bad_direction_and_takes_the_directions_dtype():
    length, direction = disentangle(rest_pose())
    with pytest.raises(ValueError, match=r"^expected direction of shape \[\.\.\., B, 3\], got \[16, 4\]$"):
        bone_state(length, torch.zeros(16, 4))
    state = bone_state(length.double(), direction.float())
    assert state.dtype == torch.float32
    torch.testing.assert_close(state[:, 3:], length.float())


def test_ddim_sample_takes_five_steps_by_default():
    trajectory = ddim_sample(lambda x, t: torch.zeros_like(x), (3,), Schedule.cosine())
    assert trajectory.times == [(999, 799), (799, 599), (599, 399), (399, 199), (199, -1)]
    assert trajectory.x0.shape == (5, 1, 3) and trajectory.xt.shape == (6, 1, 3)


@pytest.mark.parametrize("t, t_next", [(599, 399), (1, 0)])
def test_ddim_step_with_noise_matches_the_formula(t, t_next):
    """Eq. 4 with η = 1 (the default), written out: ε̂ from x0_for_eps, σ = √((1 - ᾱ') / (1 - ᾱ)) √(1 - ᾱ / ᾱ'),
    x' = √ᾱ' x̂_0 + √(1 - ᾱ' - σ²) ε̂ + σ z; t_next = 0 is a step like any other (only -1 returns x̂_0)."""
    schedule = Schedule.cosine()
    g = torch.Generator().manual_seed(1)
    x_t, x0, x0_eps, z = (torch.randn(6, generator=g, dtype=torch.float64) for _ in range(4))
    a, a_next = schedule.alpha_bar[t].item(), schedule.alpha_bar[t_next].item()
    eps = (x_t - math.sqrt(a) * x0_eps) / math.sqrt(1 - a)
    sigma = math.sqrt((1 - a_next) / (1 - a)) * math.sqrt(1 - a / a_next)
    expected = math.sqrt(a_next) * x0 + math.sqrt(1 - a_next - sigma**2) * eps + sigma * z
    torch.testing.assert_close(ddim_step(x_t, x0, t, t_next, schedule, x0_for_eps=x0_eps, noise=z), expected)
    half = 0.5 * math.sqrt((1 - a_next) / (1 - a)) * math.sqrt(1 - a / a_next)
    expected_half = math.sqrt(a_next) * x0 + math.sqrt(1 - a_next - half**2) * eps + half * z
    torch.testing.assert_close(ddim_step(x_t, x0, t, t_next, schedule, 0.5, x0_for_eps=x0_eps, noise=z), expected_half)
    drawn = ddim_step(x_t, x0, t, t_next, schedule, x0_for_eps=x0_eps, generator=torch.Generator().manual_seed(9))
    z9 = torch.randn(6, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    torch.testing.assert_close(drawn, expected + sigma * (z9 - z))


@pytest.mark.parametrize("t, t_next", [(399, 399), (399, 599)])
def test_ddim_step_refuses_to_go_up_in_time(t, t_next):
    with pytest.raises(ValueError, match=rf"^expected t > t_next, got t={t}, t_next={t_next}$"):
        ddim_step(torch.zeros(2), torch.zeros(2), t, t_next, Schedule.cosine(), eta=0.0)


def test_ddim_step_to_minus_one_returns_the_prediction_itself():
    x0 = torch.randn(4)
    assert ddim_step(torch.randn(4), x0, 199, -1, Schedule.cosine()) is x0


def test_ddim_sample_starts_from_seed_zero_by_default():
    trajectory = ddim_sample(lambda x, t: torch.zeros_like(x), (3,), Schedule.cosine(), steps=1)
    start = torch.randn((1, 3), generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(trajectory.xt[0], start, rtol=0, atol=0)


@pytest.mark.parametrize("options, message", [
    pytest.param({"eta": -0.5}, r"^expected eta >= 0, got -0\.5$", id="negative-eta"),
    pytest.param({"clip": 0.0}, r"^expected clip > 0 or None, got 0\.0$", id="zero-clip"),
    pytest.param({"clip": -1.1}, r"^expected clip > 0 or None, got -1\.1$", id="negative-clip"),
])
def test_ddim_sample_refuses_bad_eta_and_clip(options, message):
    with pytest.raises(ValueError, match=message):
        ddim_sample(lambda x, t: x, (3,), Schedule.cosine(), **options)


def test_a_clip_below_one_clamps_the_prediction():
    trajectory = ddim_sample(lambda x, t: torch.full_like(x, 2.0), (3,), Schedule.cosine(), steps=2, clip=0.5)
    assert torch.equal(trajectory.x0, torch.full((2, 1, 3), 0.5)) and torch.equal(trajectory.sample, torch.full((1, 3), 0.5))


def test_ddim_sample_draws_its_noise_with_the_given_function_and_generator():
    """``noise(generator)`` draws x_T and every step's z from the run's generator, in float64 here:
    the state is cast to ``dtype`` (float32 by default)."""
    calls = []

    def noise(generator):
        calls.append(generator)
        return torch.randn((2, 3), generator=generator, dtype=torch.float64)

    trajectory = ddim_sample(lambda x, t: torch.zeros_like(x), (3,), Schedule.cosine(), steps=2, hypotheses=2,
                             seed=4, noise=noise)
    assert len(calls) == 2 and all(isinstance(g, torch.Generator) for g in calls)  # x_T, then z of the first step
    assert trajectory.xt.dtype == torch.float32
    start = torch.randn((2, 3), generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    torch.testing.assert_close(trajectory.xt[0], start.float(), rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"^expected noise of shape \[2, 3\], got \[2, 4\]$"):
        ddim_sample(lambda x, t: x, (3,), Schedule.cosine(), hypotheses=2, noise=lambda g: torch.zeros(2, 4))


def test_ddim_sample_from_a_shifted_start():
    """x_T = mean + scale ⊙ z; with an oracle the run still ends at x_0; the official clamp is refused."""
    mean, scale = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.5, 2.0, 1.0])
    x0 = torch.tensor([0.3, 0.1, -0.2])
    trajectory = ddim_sample(lambda x, t: x0.expand_as(x), (3,), Schedule.cosine(), steps=3, seed=2,
                             start=(mean, scale))
    z = torch.randn((1, 3), generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(trajectory.xt[0], mean + scale * z)
    torch.testing.assert_close(trajectory.sample, x0.expand(1, 3))
    with pytest.raises(ValueError, match=r"^expected clip=None with a shifted start \(the official clamp is for "
                                         r"N\(0, I\)\), got both$"):
        ddim_sample(lambda x, t: x, (3,), Schedule.cosine(), clip=1.1, start=(mean, scale))


# the shifted forward process (DiffPose Eq. 6): its by-hand references are in test_family.py
@pytest.mark.parametrize("x0, mean, scale, error, message", [
    pytest.param([[0.0] * 3] * 2, torch.zeros(3), torch.ones(3), TypeError, r"^expected x0 as a torch\.Tensor", id="x0-list"),
    pytest.param(torch.zeros(2, 3), [0.0] * 3, torch.ones(3), TypeError, r"^expected mean as a torch\.Tensor", id="mean-list"),
    pytest.param(torch.zeros(2, 3), torch.zeros(3), [1.0] * 3, TypeError, r"^expected scale as a torch\.Tensor",
                 id="scale-list"),
    pytest.param(torch.zeros(2, 3), torch.zeros(3), torch.ones(4), ValueError,
                 r"^expected mean and scale that broadcast to \[2, 3\], got \[3\] and \[4\]$", id="scale-4"),
    pytest.param(torch.zeros(2, 3), torch.zeros(4), torch.ones(4), ValueError,
                 r"^expected mean and scale that broadcast to \[2, 3\], got \[4\] and \[4\]$", id="both-4"),
    pytest.param(torch.zeros(2, 3), torch.zeros(3), torch.tensor([1.0, 0.0, 1.0]), ValueError,
                 r"^expected scale > 0 everywhere, got zero or negative entries$", id="zero-scale"),
])
def test_shifted_process_names_what_is_wrong(x0, mean, scale, error, message):
    with pytest.raises(error, match=message):
        q_sample_shifted(x0, 5, Schedule.cosine(), mean, scale)


def test_shifted_process_draws_from_the_seed_and_keeps_x0s_dtype():
    """x_t = √ᾱ x_0 + (1 - √ᾱ) m + √(1 - ᾱ) s ε with ε the first draw of Generator(seed), seed 0 by default;
    float64 mean and scale do not change a float32 x_0's dtype."""
    schedule = Schedule.cosine()
    x0 = torch.tensor([[0.2, -0.4, 1.0]])
    mean, scale = torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64), torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64)
    a = schedule.alpha_bar[300].item()
    for seed in (None, 0, 3):
        got, eps = q_sample_shifted(x0, 300, schedule, mean, scale, **({} if seed is None else {"seed": seed}))
        drawn = torch.randn((1, 3), generator=torch.Generator().manual_seed(seed or 0))
        torch.testing.assert_close(eps, drawn, rtol=0, atol=0)
        assert got.dtype == torch.float32
        expected = math.sqrt(a) * x0 + (1 - math.sqrt(a)) * mean.float() + math.sqrt(1 - a) * scale.float() * drawn
        torch.testing.assert_close(got, expected)


def test_shifted_ddim_step_with_noise_by_hand():
    """ᾱ_t = 0.32 -> ᾱ_next = 0.64 (betas 0.36, 0.5); η = 1 by default: σ = √(0.36 / 0.68) √(1 - 0.5),
    whitened u' = 0.8 û_0 + √(0.36 - σ²) ε̂ + σ z, x' = m + s u'; z from ``noise`` or drawn from ``generator``."""
    schedule = Schedule(torch.tensor([0.36, 0.5], dtype=torch.float64))
    x_t, x0 = torch.tensor([3.0, -1.0], dtype=torch.float64), torch.tensor([1.0, 0.5], dtype=torch.float64)
    mean, scale = torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([2.0, 0.5], dtype=torch.float64)
    u_t, u0 = (x_t - mean) / scale, (x0 - mean) / scale  # (1, -2) and (0, 1)
    eps = (u_t - math.sqrt(0.32) * u0) / math.sqrt(0.68)
    sigma = math.sqrt(0.36 / 0.68) * math.sqrt(0.5)
    z = torch.tensor([0.3, -1.2], dtype=torch.float64)
    expected = mean + scale * (0.8 * u0 + math.sqrt(0.36 - sigma**2) * eps + sigma * z)
    torch.testing.assert_close(ddim_step_shifted(x_t, x0, 1, 0, schedule, mean, scale, noise=z), expected)
    drawn = torch.randn(2, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    torch.testing.assert_close(ddim_step_shifted(x_t, x0, 1, 0, schedule, mean, scale,
                                                 generator=torch.Generator().manual_seed(6)),
                               expected + scale * sigma * (drawn - z))


def test_schedules_defaults_their_dtype_and_the_smallest_t():
    assert cosine_beta_schedule().shape == (1000,)
    assert Schedule(torch.tensor([0.1, 0.2], dtype=torch.float32)).betas.dtype == torch.float64
    assert cosine_beta_schedule(10, 0.0).shape == (10,)  # s = 0 is allowed
    torch.testing.assert_close(Schedule.cosine(100, 0.05).betas, cosine_beta_schedule(100, 0.05), rtol=0, atol=0)
    assert not torch.allclose(Schedule.cosine(100, 0.05).betas, Schedule.cosine(100).betas)
    one = cosine_beta_schedule(1)  # T = 1: one step, clipped at 0.999
    assert one.tolist() == [pytest.approx(0.999)] and ddim_time_pairs(1, 1) == [(0, -1)]


def test_q_sample_draws_in_x0s_dtype_from_seed_zero_by_default():
    schedule = Schedule.cosine()
    x0 = torch.linspace(-1, 1, 5, dtype=torch.float64)
    xt, eps = q_sample(x0, 200, schedule)
    drawn = torch.randn(5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert eps.dtype == torch.float64 and torch.equal(eps, drawn)
    a = schedule.alpha_bar[200]
    torch.testing.assert_close(xt, a.sqrt() * x0 + (1 - a).sqrt() * drawn)
    given = torch.linspace(0, 1, 5, dtype=torch.float64)
    xt32, eps32 = q_sample(x0.float(), 200, schedule, noise=given)
    assert xt32.dtype == torch.float32 and eps32.dtype == torch.float32  # the noise takes x0's dtype


def test_ddim_sample_passes_the_prediction_for_eps_and_checks_both_shapes():
    """predict_x0 may return (x̂_0, x̂_0 for ε̂): with η = 0 one step from t = 999 to 799 is
    √ᾱ' x̂_0 + √(1 - ᾱ') (x_T - √ᾱ x̂_0^ε) / √(1 - ᾱ)."""
    schedule = Schedule.cosine()
    trajectory = ddim_sample(lambda x, t: (torch.zeros_like(x), 0.5 * torch.ones_like(x)), (3,), schedule,
                             steps=5, eta=0.0, seed=1, dtype=torch.float64)
    a, a_next = schedule.alpha_bar[999].item(), schedule.alpha_bar[799].item()
    x_T = trajectory.xt[0]
    torch.testing.assert_close(trajectory.xt[1], math.sqrt(1 - a_next) * (x_T - math.sqrt(a) * 0.5) / math.sqrt(1 - a))
    with pytest.raises(ValueError, match=r"^expected predict_x0 to return shape \[1, 3\], got \[1, 3\]$"):
        ddim_sample(lambda x, t: (x, x[..., :2]), (3,), schedule)


@pytest.mark.parametrize("predict", [lambda x, t: 0.3 * x, lambda x, t: 0.3 * x + 1.0, lambda x, t: 0.3 * x - 1.0],
                         ids=["inside", "above", "below"])
def test_clip_clamps_the_input_and_the_prediction_on_both_sides(predict):
    """0.3 x stays inside ±1.1, so only the input clamp shows; ±1.0 pushes x̂_0 past either bound."""
    schedule = Schedule.cosine()
    x0s, sample = official_sampler_transcription(predict, (4, 7), schedule.alpha_bar, 5, seed=2)
    trajectory = ddim_sample(predict, (7,), schedule, steps=5, hypotheses=4, seed=2, clip=1.1, dtype=torch.float64)
    torch.testing.assert_close(trajectory.x0, x0s)
    torch.testing.assert_close(trajectory.sample, sample)


def test_a_clipped_pair_clamps_the_prediction_for_eps_too():
    schedule = Schedule.cosine()
    trajectory = ddim_sample(lambda x, t: (torch.zeros_like(x), torch.full_like(x, -3.0)), (3,), schedule,
                             steps=5, eta=0.0, seed=1, clip=1.1, dtype=torch.float64)
    a, a_next = schedule.alpha_bar[999].item(), schedule.alpha_bar[799].item()
    x_T = trajectory.xt[0]
    torch.testing.assert_close(trajectory.xt[1], math.sqrt(1 - a_next) * (x_T + math.sqrt(a) * 1.1) / math.sqrt(1 - a))


def test_fresh_noise_is_drawn_only_for_steps_that_add_it():
    """x_T, then one z per step with η > 0 that does not end at t = -1 (t_next = 0 included)."""
    schedule = Schedule(torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))  # pairs (2, 1), (1, 0), (0, -1)
    calls = []

    def noise(generator):
        calls.append(1)
        return torch.randn((1, 3), generator=generator)

    ddim_sample(lambda x, t: torch.zeros_like(x), (3,), schedule, steps=3, noise=noise)
    assert len(calls) == 3
    calls.clear()
    ddim_sample(lambda x, t: torch.zeros_like(x), (3,), schedule, steps=3, eta=0.0, noise=noise)
    assert len(calls) == 1


def test_a_shifted_start_keeps_float64_and_runs_deterministically_with_eta_zero():
    mean = torch.tensor([0.1234567890123, -2.0, 0.5], dtype=torch.float64)
    scale = torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64)
    trajectory = ddim_sample(lambda x, t: 0.5 * x, (3,), Schedule.cosine(), steps=3, seed=2, eta=0.0,
                             start=(mean, scale), dtype=torch.float64)
    z = torch.randn((1, 3), generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    torch.testing.assert_close(trajectory.xt[0], mean + scale * z, rtol=0, atol=1e-15)
    again = ddim_sample(lambda x, t: 0.5 * x, (3,), Schedule.cosine(), steps=3, seed=2, eta=0.0,
                        start=(mean, scale), dtype=torch.float64)
    assert torch.equal(trajectory.xt, again.xt)
