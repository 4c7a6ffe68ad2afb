"""Noise schedules, the forward process and the DDIM sampler (paper Eq. 2-4).

DDHPose diffuses bones, not joints: the forward process (Eq. 2-3) noises each bone's length and
direction separately, q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 - ᾱ_t) I), with the cosine schedule of
Nichol & Dhariwal (s = 0.008, T = 1000, betas clipped at 0.999). Sampling runs K DDIM steps
(Eq. 4) from pure noise; at every step a denoiser predicts x̂_0 and the implied noise carries the
sample to the next, less noisy time.

Our conventions, chosen explicitly (docs/design.md lists where the official code differs):
- state tensors hold 16 bones, no root slot (the official code keeps a 17th root slot whose
  sampling noise is never removed);
- nothing is clamped by default. The official code clamps to ±1.1 the noisy inputs in training
  and, in sampling, the copy of x_t it feeds to the network and x̂_0, while ε̂ is computed from the
  unclamped x_t and the state itself is never clamped; ``ddim_sample(clip=1.1)`` reproduces that.
  The clamp never binds for a good x̂_0 (unit directions, bone lengths under 1.1 m) but changes
  the network's input in the first steps (about 27 % of the entries of x_T ~ N(0, I) exceed 1.1).
- the bone state is direction (3) then length (1) per bone, [..., 16, 4] (``bone_state``,
  ``split_bone_state``), as the model's input; lengths are in metres and not rescaled (neither
  does the official code), so with the same noise a length (0.1-0.45 m) is corrupted far
  sooner than a unit direction.
- for comparison, ``noise_joints`` runs the same forward process on root-relative joints, the
  root staying at the origin (it is zero for every pose, so noising it would add nothing).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ._tensors import as_torch, check_finite, check_int, check_tail, torch_generator
from .bones import compose, disentangle
from .skeleton import H36M, Skeleton

__all__ = [
    "cosine_beta_schedule", "linear_beta_schedule", "Schedule", "ddim_time_pairs", "q_sample",
    "noise_bones", "ddim_step", "ddim_sample", "Trajectory",
    "bone_state", "split_bone_state", "noise_joints", "ForwardPath", "forward_path",
    "q_sample_shifted", "ddim_step_shifted",
]


def cosine_beta_schedule(T: int = 1000, s: float = 0.008) -> torch.Tensor:
    """Cosine schedule (Nichol & Dhariwal 2021, used by DDHPose Eq. 2): float64 betas [T].

    ᾱ(t) = f(t) / f(0) with f(t) = cos²((t/T + s) / (1 + s) · π/2), evaluated at t = 0..T;
    β_t = 1 - ᾱ(t+1) / ᾱ(t), clipped at 0.999.
    """
    _check_T(T)
    if not 0 <= s < 1:
        raise ValueError(f"expected the offset s in [0, 1), got {s}")
    t = torch.linspace(0, T, T + 1, dtype=torch.float64)
    f = torch.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bar = f / f[0]
    return (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(0, 0.999)


def linear_beta_schedule(T: int = 1000, start: float = 1e-4, end: float = 0.02) -> torch.Tensor:
    """DDPM's linear schedule (Ho et al. 2020) for comparison, rescaled to T steps: float64 [T]."""
    _check_T(T)
    scale = 1000 / T
    return torch.linspace(start * scale, end * scale, T, dtype=torch.float64)


def _check_T(T) -> None:
    if not isinstance(T, int) or T < 1:
        raise ValueError(f"expected the number of diffusion steps T as an int >= 1, got {T!r}")


@dataclass(frozen=True)
class Schedule:
    """Everything the forward process and the sampler need, precomputed once (float64 [T])."""

    betas: torch.Tensor

    @classmethod
    def cosine(cls, T: int = 1000, s: float = 0.008) -> "Schedule":
        return cls(cosine_beta_schedule(T, s))

    @classmethod
    def linear(cls, T: int = 1000) -> "Schedule":
        return cls(linear_beta_schedule(T))

    def __post_init__(self) -> None:
        betas = self.betas
        if betas.ndim != 1 or not bool(((betas > 0) & (betas < 1)).all()):
            raise ValueError(f"expected betas [T] in (0, 1), got shape {list(betas.shape)}")
        object.__setattr__(self, "betas", betas.double())

    @property
    def T(self) -> int:
        return self.betas.numel()

    @property
    def alpha_bar(self) -> torch.Tensor:
        """ᾱ_t = Π_{s<=t} (1 - β_s) (Eq. 2-3)."""
        return torch.cumprod(1 - self.betas, 0)

    @property
    def snr(self) -> torch.Tensor:
        """Signal-to-noise ratio ᾱ_t / (1 - ᾱ_t)."""
        alpha_bar = self.alpha_bar
        return alpha_bar / (1 - alpha_bar)

    @property
    def log_snr(self) -> torch.Tensor:
        return torch.log(self.snr)

    def alpha_bar_at(self, t, like: torch.Tensor) -> torch.Tensor:
        """ᾱ at integer times t (int or tensor [B]); t = -1 means 'no noise' (ᾱ = 1).

        Returned in ``like``'s dtype/device, shaped to broadcast over its trailing dims.
        """
        t = torch.as_tensor(t, device=self.betas.device)
        if bool(((t < -1) | (t >= self.T)).any()):
            raise ValueError(f"expected timesteps in -1..{self.T - 1}, got {t.tolist()}")
        padded = torch.cat([torch.ones(1, dtype=torch.float64, device=t.device), self.alpha_bar.to(t.device)])
        value = padded[t + 1].to(device=like.device, dtype=like.dtype)
        return value.reshape(value.shape + (1,) * (like.ndim - value.ndim))


def _randn_like(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=generator.device).to(x.device)


def q_sample(x0, t, schedule: Schedule, seed=0, noise=None):
    """Forward process (Eq. 2-3): x_t = sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε, ε ~ N(0, I).

    ``t`` is an int or a tensor [B] matching x0's first dim. Returns (x_t, ε), same kind as x0.
    """
    x, back = as_torch(x0, "x0")
    check_finite(x, "x0")
    eps = _randn_like(x, torch_generator(seed)) if noise is None else as_torch(noise, "noise")[0].to(x)
    if eps.shape != x.shape:
        raise ValueError(f"expected noise of shape {list(x.shape)}, got {list(eps.shape)}")
    t_tensor = torch.as_tensor(t)
    if t_tensor.ndim == 1 and t_tensor.numel() != x.shape[0]:
        raise ValueError(f"expected one timestep per batch item ({x.shape[0]}), got {t_tensor.numel()}")
    alpha_bar = schedule.alpha_bar_at(t_tensor, x)
    return back(alpha_bar.sqrt() * x + (1 - alpha_bar).sqrt() * eps), back(eps)


def q_sample_shifted(x0, t, schedule: Schedule, mean, scale, seed=0, noise=None):
    """A forward process that ends in N(mean, diag scale²) instead of N(0, I) (DiffPose, Gong et
    al. CVPR 2023, Eq. 6, one mixture component at a time):

        x_t = sqrt(ᾱ_t) x_0 + (1 - sqrt(ᾱ_t)) mean + sqrt(1 - ᾱ_t) scale ⊙ ε,   ε ~ N(0, I).

    At t = T (ᾱ ≈ 0) x_T ~ N(mean, diag scale²); at t = -1 it is x_0. ``mean`` and ``scale``
    broadcast to x0 (per sample, per joint). In whitened coordinates u = (x - mean) / scale it is
    Eq. 2-3 exactly: u_t = sqrt(ᾱ_t) u_0 + sqrt(1 - ᾱ_t) ε, so DDIM runs unchanged on u
    (``ddim_step_shifted``). The GMM start (``mean`` = the drawn component's mean) and the
    refinement start (``mean`` = the base estimate) both use it. Returns (x_t, ε), same kind as x0.
    """
    x, back = as_torch(x0, "x0")
    mean_t, scale_t = _shift(mean, scale, x)
    whitened, eps = q_sample((x - mean_t) / scale_t, t, schedule, seed=seed, noise=noise)
    return back(mean_t + scale_t * whitened), back(eps)


def _shift(mean, scale, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean_t = as_torch(mean, "mean")[0].to(like)
    scale_t = as_torch(scale, "scale")[0].to(like)
    try:
        torch.broadcast_shapes(mean_t.shape, scale_t.shape, like.shape)
    except RuntimeError:
        raise ValueError(f"expected mean and scale that broadcast to {list(like.shape)}, got "
                         f"{list(mean_t.shape)} and {list(scale_t.shape)}") from None
    if not bool((scale_t > 0).all()):
        raise ValueError("expected scale > 0 everywhere, got zero or negative entries")
    return mean_t, scale_t


def noise_bones(length, direction, t, schedule: Schedule, seed=0):
    """DDHPose's disentangled forward process: length and direction noised separately (Eq. 2-3).

    Independent noise for each (the same ᾱ_t). Returns (noisy_length, noisy_direction); the noisy
    direction is not renormalised (that is what the denoiser sees).
    """
    generator = torch_generator(seed)
    noisy_length, _ = q_sample(length, t, schedule, seed=generator)
    noisy_direction, _ = q_sample(direction, t, schedule, seed=generator)
    return noisy_length, noisy_direction


def bone_state(length, direction):
    """length [..., 16, 1] and direction [..., 16, 3] -> the state [..., 16, 4] (direction, length).

    The layout of the model's noisy input. Same kind (torch/NumPy) as ``direction``.
    """
    direction_t, back = as_torch(direction, "direction")
    length_t, _ = as_torch(length, "length")
    check_tail(length_t, "length", (None, 1), "..., B, 1")
    check_tail(direction_t, "direction", (None, 3), "..., B, 3")
    if length_t.shape[:-1] != direction_t.shape[:-1]:
        raise ValueError(f"expected length [..., B, 1] and direction [..., B, 3] with the same leading "
                         f"dims, got {list(length_t.shape)} and {list(direction_t.shape)}")
    return back(torch.cat([direction_t, length_t.to(direction_t)], -1))


def split_bone_state(x):
    """The inverse of ``bone_state``: [..., 16, 4] -> (length [..., 16, 1], direction [..., 16, 3])."""
    x_t, back = as_torch(x, "bone state")
    check_tail(x_t, "bone state", (None, 4), "..., B, 4")
    return back(x_t[..., 3:]), back(x_t[..., :3])


def noise_joints(pose, t, schedule: Schedule, seed=0, noise=None):
    """The forward process on joints, for comparison with ``noise_bones``: pose [..., 17, 3].

    The pose is made root-relative and its 16 non-root joints are noised with ``q_sample`` at
    time ``t`` (the same ᾱ_t as the bones would get); the root stays at the origin.
    ``noise`` [..., 16, 3] fixes ε. Returns (noisy pose [..., 17, 3], ε [..., 16, 3]).
    """
    x, back = as_torch(pose, "pose")
    check_tail(x, "pose", (None, 3), "..., J, 3")
    relative = x - x[..., :1, :]
    noisy, eps = q_sample(relative[..., 1:, :], t, schedule, seed=seed, noise=noise)
    return back(torch.cat([relative[..., :1, :], noisy], -2)), back(eps)


@dataclass
class ForwardPath:
    """One pose noised at many timesteps with ONE draw of ε: x_t = sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε.

    Scrubbing t then shows the same noise growing while the signal shrinks. t [N] (long),
    alpha_bar [N] (float64); length [N, 16, 1] and direction [N, 16, 3] noised separately (the
    direction not renormalised); joints [N, 17, 3] the root-relative joints noised directly;
    clean: the root-relative pose [17, 3].
    """

    t: torch.Tensor
    alpha_bar: torch.Tensor
    length: torch.Tensor
    direction: torch.Tensor
    joints: torch.Tensor
    clean: torch.Tensor
    skeleton: Skeleton = H36M

    @property
    def bones_pose(self) -> torch.Tensor:
        """[N, J, 3]: the skeleton rebuilt from the noisy bones, compose(noisy length, noisy direction)."""
        return compose(self.length, self.direction, skeleton=self.skeleton)


def forward_path(pose, ts=None, schedule: Schedule | None = None, seed=0, skeleton: Skeleton = H36M) -> ForwardPath:
    """Noise one pose [17, 3] at every time in ``ts`` (default 0..T-1; -1 = clean), both ways.

    ε is drawn once per seed, in this order: length [16, 1], direction [16, 3] (so a single t
    matches ``noise_bones(length, direction, t, schedule, seed)``), then joints [16, 3].
    ``schedule`` defaults to the cosine schedule.
    """
    schedule = Schedule.cosine() if schedule is None else schedule
    x, _ = as_torch(pose, "pose")
    j = skeleton.num_joints
    check_tail(x, "pose", (j, 3), f"{j}, 3")
    if x.ndim != 2:
        raise ValueError(f"expected one pose of shape [{j}, 3], got {list(x.shape)}")
    check_finite(x, "pose")
    relative = x - x[:1]
    ts = torch.arange(schedule.T) if ts is None else torch.as_tensor(ts)
    if ts.ndim != 1 or ts.numel() == 0 or ts.is_floating_point():
        raise ValueError(f"expected ts as a non-empty 1D sequence of integer times, got {ts!r}")
    ts = ts.long()
    length, direction = disentangle(relative, skeleton)
    generator = torch_generator(seed)
    eps_length = _randn_like(length, generator)
    eps_direction = _randn_like(direction, generator)
    eps_joints = _randn_like(relative[1:], generator)
    alpha_bar = schedule.alpha_bar_at(ts, torch.empty(0, dtype=torch.float64))
    a = alpha_bar.to(x.dtype).reshape(-1, 1, 1)
    signal, noise = a.sqrt(), (1 - a).sqrt()
    joints = signal * relative[1:] + noise * eps_joints
    return ForwardPath(
        t=ts, alpha_bar=alpha_bar,
        length=signal * length + noise * eps_length,
        direction=signal * direction + noise * eps_direction,
        joints=torch.cat([torch.zeros_like(joints[:, :1]), joints], 1),
        clean=relative, skeleton=skeleton,
    )


def ddim_time_pairs(T: int, K: int) -> list[tuple[int, int]]:
    """The official sampling times: linspace(-1, T-1, K+1) in float32 (torch's default, as the
    official code) reversed and cast to int, paired. The float32 rounding matters from K = 26 on
    (T = 1000, K = 26: 498.99997 -> 498, where float64 would give 499).

    K = 5, T = 1000 -> [(999, 799), (799, 599), (599, 399), (399, 199), (199, -1)].
    """
    _check_T(T)
    if not isinstance(K, int) or not 1 <= K <= T:
        raise ValueError(f"expected the number of DDIM steps K as an int in 1..T={T}, got {K!r}")
    times = torch.linspace(-1, T - 1, K + 1, dtype=torch.float32).flip(0).long().tolist()
    return list(zip(times[:-1], times[1:]))


def ddim_step(x_t, x0_pred, t: int, t_next: int, schedule: Schedule, eta: float = 1.0, generator=None,
              x0_for_eps=None, noise=None):
    """One DDIM update (Eq. 4), x_t -> x_{t_next}, given the predicted x̂_0.

    ε̂ = (x_t - sqrt(ᾱ_t) x̂_0) / sqrt(1 - ᾱ_t)
    σ = η sqrt((1 - ᾱ_next) / (1 - ᾱ_t)) sqrt(1 - ᾱ_t / ᾱ_next)
    x_next = sqrt(ᾱ_next) x̂_0 + sqrt(1 - ᾱ_next - σ²) ε̂ + σ z.   At t_next = -1: x_next = x̂_0.
    ``x0_for_eps`` (default x̂_0) is the x̂_0 that ε̂ is computed from (the official pose sampler
    uses two slightly different ones, see ``sampling.sample_poses``); z is ``noise`` if given,
    else drawn from ``generator``.
    """
    if t_next < 0:
        return x0_pred
    if not t > t_next:
        raise ValueError(f"expected t > t_next, got t={t}, t_next={t_next}")
    a_t = schedule.alpha_bar[t].item()  # coefficients in float64: 1 - ᾱ - σ² is tiny near t = T
    a_next = schedule.alpha_bar[t_next].item()
    x0_eps = x0_pred if x0_for_eps is None else x0_for_eps
    eps = (x_t - math.sqrt(a_t) * x0_eps) / math.sqrt(1 - a_t)
    sigma = eta * math.sqrt((1 - a_next) / (1 - a_t) * (1 - a_t / a_next))
    x_next = math.sqrt(a_next) * x0_pred + math.sqrt(max(1 - a_next - sigma**2, 0.0)) * eps
    if eta > 0:
        if noise is None and generator is None:
            raise ValueError("expected a torch.Generator or noise for eta > 0 (the step adds noise), got neither")
        x_next = x_next + sigma * (noise if noise is not None else _randn_like(x_t, generator))
    return x_next


def ddim_step_shifted(x_t, x0_pred, t: int, t_next: int, schedule: Schedule, mean, scale, eta: float = 1.0,
                      generator=None, noise=None):
    """One DDIM update (Eq. 4) for the shifted forward process of ``q_sample_shifted``: whiten
    with (x - mean) / scale, take ``ddim_step`` there, map back. ``noise`` (z) is in whitened
    units, so the fresh noise a step adds is scale ⊙ z."""
    mean_t, scale_t = _shift(mean, scale, x_t)
    step = ddim_step((x_t - mean_t) / scale_t, (x0_pred - mean_t) / scale_t, t, t_next, schedule, eta,
                     generator, noise=noise)
    return mean_t + scale_t * step


@dataclass
class Trajectory:
    """What a sampler run went through: x̂_0 at every step and x_t before every step.

    x0: [K, H, *shape] (the last is the sample); xt: [K + 1, H, *shape] (xt[0] is pure noise,
    xt[K] the final sample); times: the K (t, t_next) pairs.
    """

    x0: torch.Tensor
    xt: torch.Tensor
    times: list[tuple[int, int]]

    @property
    def sample(self) -> torch.Tensor:
        return self.xt[-1]


def ddim_sample(
    predict_x0: Callable[[torch.Tensor, int], torch.Tensor],
    shape: tuple[int, ...],
    schedule: Schedule,
    steps: int = 5,
    hypotheses: int = 1,
    eta: float = 1.0,
    seed=0,
    clip: float | None = None,
    dtype: torch.dtype = torch.float32,
    device=None,
    noise: Callable[[torch.Generator], torch.Tensor] | None = None,
    start: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Trajectory:
    """Run H hypotheses × K DDIM steps (Eq. 4) in one batch, from x_T ~ N(0, I).

    ``predict_x0(x_t, t)`` gets x_t of shape [H, *shape] and the int time t and returns x̂_0 of
    the same shape (any callable: a trained denoiser, or an oracle that returns the truth), or a
    pair (x̂_0, x̂_0 for ε̂) (see ``ddim_step``).
    ``clip`` (the official code uses 1.1): the predictor gets x_t clamped to ±clip and x̂_0 is
    clamped, but ε̂ is computed from the unclamped x_t and the state is never clamped, exactly as
    the official sampler; None (ours) clamps nothing.
    ``noise(generator)`` draws the noise of one step, [H, *shape] (default: i.i.d. N(0, I));
    the lifter uses it to give overlapping windows the same noise per frame.
    ``start`` = (mean, scale), broadcastable to [H, *shape]: the start distribution
    N(mean, diag scale²) of the shifted forward process (``q_sample_shifted``): x_T = mean + scale ⊙ z
    and every step is ``ddim_step_shifted`` (the GMM and refinement members of the family).
    None (DDHPose): N(0, I) and ``ddim_step``.
    """
    check_int(hypotheses, "hypotheses", low=1)
    if eta < 0:
        raise ValueError(f"expected eta >= 0, got {eta}")
    if clip is not None and not clip > 0:
        raise ValueError(f"expected clip > 0 or None, got {clip!r}")
    pairs = ddim_time_pairs(schedule.T, steps)
    generator = torch_generator(seed)
    full = (hypotheses, *shape)

    def draw() -> torch.Tensor:
        z = noise(generator) if noise is not None else torch.randn(full, generator=generator, dtype=dtype)
        if tuple(z.shape) != full:
            raise ValueError(f"expected noise of shape {list(full)}, got {list(z.shape)}")
        return z.to(device=device, dtype=dtype)

    if start is not None:
        if clip is not None:
            raise ValueError("expected clip=None with a shifted start (the official clamp is for N(0, I)), got both")
        mean, scale = (v.to(device=device, dtype=dtype) for v in _shift(*start, torch.empty(full, dtype=dtype)))
    x = draw() if start is None else mean + scale * draw()
    xs, x0s = [x], []
    for t, t_next in pairs:
        out = predict_x0(x if clip is None else x.clamp(-clip, clip), t)
        x0, x0_eps = out if isinstance(out, tuple) else (out, out)
        if x0.shape != x.shape or x0_eps.shape != x.shape:
            raise ValueError(f"expected predict_x0 to return shape {list(x.shape)}, got {list(x0.shape)}")
        if clip is not None:
            x0, x0_eps = x0.clamp(-clip, clip), x0_eps.clamp(-clip, clip)
        fresh = draw() if eta > 0 and t_next >= 0 else None
        if start is None:
            x = ddim_step(x, x0, t, t_next, schedule, eta, x0_for_eps=x0_eps, noise=fresh)
        else:
            x = ddim_step_shifted(x, x0, t, t_next, schedule, mean, scale, eta, noise=fresh)
        x0s.append(x0)
        xs.append(x)
    return Trajectory(x0=torch.stack(x0s), xt=torch.stack(xs), times=pairs)
