"""Where the reverse process starts: the start distributions of the pose-diffusion family.

DDHPose and D3DP start from N(0, I). Two members of the family start somewhere informed and
use the shifted forward process ``diffusion.q_sample_shifted``, which ends in that start:

- **GMM start** (DiffPose, Gong et al. CVPR 2023): a Gaussian mixture fitted to training poses
  (``GaussianMixture``, fitted by ``fit_gmm``, a seeded EM). DiffPose fits its mixture to an
  initial distribution built from the 2D heatmaps and a depth prior of each input; ours is one
  mixture over root-relative training poses, with diagonal covariances, the same for every
  input (the 2D conditions the denoiser at every step, as in every member).
- **Refinement** (D3PRefiner style): the base estimator's 3D output plus a residual drawn from a
  conditional Gaussian fitted to that estimator's residuals (``ResidualGaussian``, fitted by
  ``fit_residuals``). Our conditional model: residual r = y - ŷ_base (what the base misses),
  r | c ~ N(W [c, 1], diag σ²): the mean is linear in the flattened 2D keypoints c (least
  squares with a small ridge), σ one standard deviation per joint and axis.

States are root-relative non-root joints [..., J-1, 3] (metres), flattened to D = 3 (J-1) for
the fits. The package's skeleton never enters: any J works.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._tensors import as_torch, check_finite, check_int, check_number, torch_generator

__all__ = ["METHODS", "NOISY_INPUT", "DETERMINISTIC", "GaussianMixture", "ResidualGaussian", "fit_gmm", "fit_residuals",
           "prior_from_dict"]

METHODS = ("ddhpose", "regression", "joints", "refine", "gmm", "baseline")
"""The members of the family (``profiles.FAMILY`` says what each follows and simplifies)."""

NOISY_INPUT = {"ddhpose": "bones", "regression": "none", "joints": "joints", "refine": "joints", "gmm": "joints",
               "baseline": "none"}
"""What the denoiser gets per joint besides the 2D keypoint, per method (``DenoiserConfig.noisy_input``)."""

DETERMINISTIC = ("regression", "baseline")
"""Members without diffusion: one forward pass from the 2D alone (no noisy state, no time)."""

VARIANCE_FLOOR = 1e-6
"""m², (1 mm)²: no mixture component or residual collapses onto a point."""


def _points(x, name: str) -> torch.Tensor:
    """[N, ..., C] -> float64 [N, D], checked."""
    tensor, _ = as_torch(x, name)
    if tensor.ndim < 2 or tensor.shape[0] < 1:
        raise ValueError(f"expected {name} as [N, ...] with N >= 1, got {list(tensor.shape)}")
    check_finite(tensor, name)
    return tensor.reshape(tensor.shape[0], -1).double()


@dataclass(frozen=True)
class GaussianMixture:
    """p(x) = Σ_k π_k N(x; μ_k, diag σ_k²) over flattened states; ``shape`` is one state's shape.

    weights [K], means [K, D], scales [K, D] (standard deviations), float64.
    """

    weights: torch.Tensor
    means: torch.Tensor
    scales: torch.Tensor
    shape: tuple[int, ...]

    @property
    def components(self) -> int:
        return self.weights.numel()

    def log_prob(self, x) -> torch.Tensor:
        """log p(x) per row of x [N, *shape] -> [N]."""
        return torch.logsumexp(self._joint_log(_points(x, "x")), -1)

    def _joint_log(self, x: torch.Tensor) -> torch.Tensor:
        """log π_k + log N(x_n; μ_k, σ_k²) [N, K]."""
        z = (x[:, None, :] - self.means) / self.scales
        log_normal = -0.5 * z.square().sum(-1) - self.scales.log().sum(-1) - 0.5 * x.shape[1] * math.log(2 * math.pi)
        return self.weights.log() + log_normal

    def component_of(self, uniform: torch.Tensor) -> torch.Tensor:
        """Component indices (long, same shape) for uniforms in [0, 1): the inverse CDF of π."""
        edges = self.weights.cumsum(0).to(uniform.device, torch.float64)
        return torch.searchsorted(edges[:-1].contiguous(), uniform.double().contiguous(), right=True)

    def start(self, uniform: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, scale) [*uniform.shape, *shape] of the components that ``uniform`` picks."""
        k = self.component_of(uniform)
        unflat = lambda v: v[k].reshape(*k.shape, *self.shape).float()  # noqa: E731
        return unflat(self.means), unflat(self.scales)

    def sample(self, count: int, seed=0) -> torch.Tensor:
        """``count`` draws [count, *shape]: a component by its weight, then its Gaussian."""
        check_int(count, "count", low=1)
        generator = torch_generator(seed)
        mean, scale = self.start(torch.rand(count, generator=generator, dtype=torch.float64))
        return mean + scale * torch.randn(mean.shape, generator=generator)

    def to_dict(self) -> dict:
        return {"kind": "gmm", "weights": self.weights, "means": self.means, "scales": self.scales,
                "shape": list(self.shape)}


def fit_gmm(x, components: int = 5, iterations: int = 100, seed=0, tolerance: float = 1e-6) -> GaussianMixture:
    """Fit a diagonal Gaussian mixture to states x [N, *shape] by EM (Dempster et al. 1977).

    Start: K distinct rows of x drawn with ``seed`` as the means, the overall variance for every
    component, equal weights. E-step: responsibilities γ_nk ∝ π_k N(x_n; μ_k, σ_k²); M-step:
    π_k = mean_n γ_nk, μ_k = Σ γ x / Σ γ, σ_k² = Σ γ (x - μ_k)² / Σ γ (floored at
    ``VARIANCE_FLOOR``). Stops after ``iterations`` or when the mean log-likelihood gains less
    than ``tolerance``.
    """
    tensor, _ = as_torch(x, "x")
    points = _points(x, "x")
    components = check_int(components, "components", low=1)
    check_int(iterations, "iterations", low=1)
    if points.shape[0] < components:
        raise ValueError(f"expected at least as many states as components ({components}), got {points.shape[0]}")
    generator = torch_generator(seed)
    pick = torch.randperm(points.shape[0], generator=generator)[:components]
    variance = points.var(0, unbiased=False).clamp_min(VARIANCE_FLOOR)
    mixture = GaussianMixture(torch.full((components,), 1.0 / components, dtype=torch.float64), points[pick].clone(),
                              variance.sqrt().expand(components, -1).clone(), tuple(tensor.shape[1:]))
    previous = -math.inf
    for _ in range(iterations):
        joint = mixture._joint_log(points)
        likelihood = float(torch.logsumexp(joint, -1).mean())
        gamma = (joint - torch.logsumexp(joint, -1, keepdim=True)).exp()  # E-step [N, K]
        mass = gamma.sum(0).clamp_min(1e-12)  # M-step
        means = (gamma.T @ points) / mass[:, None]
        variances = (gamma.T @ points.square()) / mass[:, None] - means.square()
        mixture = GaussianMixture(mass / points.shape[0], means, variances.clamp_min(VARIANCE_FLOOR).sqrt(),
                                  mixture.shape)
        if likelihood - previous < tolerance:
            break
        previous = likelihood
    return mixture


@dataclass(frozen=True)
class ResidualGaussian:
    """r | c ~ N(W [c, 1], diag σ²): the residual r = y - ŷ_base of a base estimator given its 2D input c.

    weight [C + 1, D] (the last row is the intercept), scale [D] (σ), float64; ``shape`` is one
    state's shape (D = its size), ``condition_shape`` one input's (C = its size).
    """

    weight: torch.Tensor
    scale: torch.Tensor
    shape: tuple[int, ...]
    condition_shape: tuple[int, ...]

    def mean(self, condition) -> torch.Tensor:
        """E[r | c] [..., *shape] for 2D inputs c [..., *condition_shape] (float32)."""
        c, _ = as_torch(condition, "condition")
        lead = c.shape[: c.ndim - len(self.condition_shape)]
        if tuple(c.shape[len(lead):]) != self.condition_shape:
            raise ValueError(f"expected condition [..., {', '.join(map(str, self.condition_shape))}], "
                             f"got {list(c.shape)}")
        flat = c.reshape(*lead, -1).double()
        out = flat @ self.weight[:-1].to(c.device) + self.weight[-1].to(c.device)
        return out.reshape(*lead, *self.shape).float()

    def start(self, base, condition) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, scale) of the refinement start N(ŷ_base + E[r | c], diag σ²): base [..., *shape]."""
        b, _ = as_torch(base, "base")
        return b + self.mean(condition).to(b), self.scale.reshape(self.shape).to(b)

    def to_dict(self) -> dict:
        return {"kind": "residual", "weight": self.weight, "scale": self.scale, "shape": list(self.shape),
                "condition_shape": list(self.condition_shape)}


def fit_residuals(residuals, conditions, ridge: float = 1e-3) -> ResidualGaussian:
    """Fit ``ResidualGaussian`` by least squares: residuals [N, *shape], 2D inputs [N, *condition_shape].

    W = argmin ‖[C, 1] W - R‖² + ridge ‖W‖² (the intercept not penalised), solved in float64 from
    the normal equations; σ² per output = the mean squared residual left after the linear mean
    (floored at ``VARIANCE_FLOOR``).
    """
    r_tensor, _ = as_torch(residuals, "residuals")
    c_tensor, _ = as_torch(conditions, "conditions")
    r, c = _points(residuals, "residuals"), _points(conditions, "conditions")
    if r.shape[0] != c.shape[0]:
        raise ValueError(f"expected as many residuals as conditions, got {r.shape[0]} and {c.shape[0]}")
    ridge = check_number(ridge, "ridge", low=0)
    design = torch.cat([c, torch.ones(len(c), 1, dtype=torch.float64)], 1)
    penalty = torch.eye(design.shape[1], dtype=torch.float64) * ridge * len(c)
    penalty[-1, -1] = 0
    weight = torch.linalg.solve(design.T @ design + penalty, design.T @ r)
    left = r - design @ weight
    scale = left.square().mean(0).clamp_min(VARIANCE_FLOOR).sqrt()
    return ResidualGaussian(weight, scale, tuple(r_tensor.shape[1:]), tuple(c_tensor.shape[1:]))


def prior_from_dict(data: dict | None) -> GaussianMixture | ResidualGaussian | None:
    """The inverse of ``to_dict`` (checkpoints); None stays None."""
    if data is None:
        return None
    kind = data.get("kind")
    if kind == "gmm":
        return GaussianMixture(data["weights"].double(), data["means"].double(), data["scales"].double(),
                               tuple(data["shape"]))
    if kind == "residual":
        return ResidualGaussian(data["weight"].double(), data["scale"].double(), tuple(data["shape"]),
                                tuple(data["condition_shape"]))
    raise ValueError(f"expected a start distribution of kind 'gmm' or 'residual', got {kind!r}")
