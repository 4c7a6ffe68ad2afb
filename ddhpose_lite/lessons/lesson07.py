"""Checks of lesson 07's exercises (the family and the ablations); worked solutions in ``solutions``.

Exercise 1 (a paired difference the lesson does not print) is recomputed from the raw records of
the shipped results, exercise 2 (DiffPose's
shifted forward process) on numbers worked out by hand, exercise 3 (one EM step of a diagonal
mixture) on clusters whose answer is known and on an overlap case computed by hand.
"""
from __future__ import annotations

import math

import torch

from ..ablations import load_results
from ._exercise import Wrong, call, exercise, tensor_answer

__all__ = ["check_paired_difference", "check_shifted_forward", "check_em_step"]


PAIRED_VARIANT, PAIRED_SPLIT, PAIRED_METRIC = "bones out", "captured", "P-MPJPE"
"""Exercise 1's case: one the lesson does not print (it prints MPJPE)."""


def _paired_by_hand(metric: str, scale: float = 1000.0) -> tuple[list[int], list[float]]:
    """(seeds, variant − DDHPose per seed) from the raw records, H = K = 1, P-Agg."""
    runs = load_results()["runs"]
    by_seed = {name: {r["seed"]: scale * r["single"][PAIRED_SPLIT]["P-Agg"][metric] for r in runs[name]}
               for name in (PAIRED_VARIANT, "ddhpose")}
    seeds = sorted(set(by_seed[PAIRED_VARIANT]) & set(by_seed["ddhpose"]))
    return seeds, [by_seed[PAIRED_VARIANT][s] - by_seed["ddhpose"][s] for s in seeds]


@exercise("07", 1, "warm-up", "A paired difference over seeds", solution="bones_out_paired_p_mpjpe", answer="value",
          empty="Replace None with (mean_mm, spread_mm).")
def check_paired_difference(answer) -> str:
    """"bones out" minus DDHPose, P-MPJPE on the captured test subjects (H = K = 1), seed by seed:
    the mean of the differences and their spread (max − min), in mm."""
    seeds, differences = _paired_by_hand(PAIRED_METRIC)
    mean, spread = sum(differences) / len(differences), max(differences) - min(differences)
    try:
        got_mean, got_spread = (float(v) for v in answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected a pair (mean_mm, spread_mm), got {answer!r}") from None
    if abs(got_mean - mean) > 0.05:
        _, in_mpjpe = _paired_by_hand("MPJPE")
        hint = (" (metres → millimetres?)" if abs(1000 * got_mean - mean) < 0.05 else
                " (that is the MPJPE difference; the exercise asks for P-MPJPE)"
                if abs(got_mean - sum(in_mpjpe) / len(in_mpjpe)) < 0.05 else "")
        raise Wrong(f"the mean of the {len(seeds)} per-seed differences is not {got_mean:.2f} mm{hint}")
    if abs(got_spread - spread) > 0.05:
        raise Wrong("the mean is right; the spread is the largest per-seed difference minus the smallest, "
                    "of the differences (not of either model's errors)")
    verdict = "larger" if abs(mean) > spread else "not larger"
    return (f"bones out − DDHPose = {mean:+.1f} mm P-MPJPE on average, spread {spread:.1f} mm over seeds "
            f"{seeds}: the mean difference is {verdict} than its spread.")


@exercise("07", 2, "core", "DiffPose's forward process by hand", solution="shifted_forward",
          empty="Define shifted_forward(x0, alpha_bar, mean, scale, eps) and pass the function.")
def check_shifted_forward(function) -> str:
    """shifted_forward(x0, alpha_bar, mean, scale, eps) = √ᾱ x0 + (1 − √ᾱ) μ + √(1 − ᾱ) σ ⊙ ε."""
    x0, mean = torch.tensor([1.0, -2.0]), torch.tensor([0.5, 0.5])
    scale, eps = torch.tensor([2.0, 0.1]), torch.tensor([1.0, -1.0])
    cases = [(0.64, [2.1, -1.56]), (1.0, [1.0, -2.0]), (0.0, [2.5, 0.4])]  # √0.64 = 0.8, √0.36 = 0.6
    for alpha_bar, expected in cases:
        got = tensor_answer(call(function, x0.clone(), alpha_bar, mean.clone(), scale.clone(), eps.clone(),
                                 what="shifted_forward"), (2,))
        if not torch.allclose(got, torch.tensor(expected, dtype=torch.float64), atol=1e-5):
            raise Wrong(f"at ᾱ = {alpha_bar} expected {expected}, got {got.tolist()}: the mean is weighted by "
                        "1 − √ᾱ (not 1 − ᾱ) and the noise by √(1 − ᾱ) σ")
    return "At ᾱ = 1 it is the clean pose, at ᾱ = 0 a draw from the start N(μ, σ²): the GMM member's start."


@exercise("07", 3, "stretch", "One EM step of a Gaussian mixture", solution="em_step",
          empty="Define em_step(x, weights, means, variances) and pass the function.")
def check_em_step(function) -> str:
    """em_step(x [N, D], weights [K], means [K, D], variances [K, D]) -> (weights, means, variances)."""
    f64 = dict(dtype=torch.float64)
    x = torch.tensor([[0.0], [0.2], [10.0], [10.4]], **f64)
    weights, means, variances = torch.tensor([0.5, 0.5], **f64), torch.tensor([[0.0], [10.0]], **f64), torch.ones(2, 1, **f64)
    new = call(function, x, weights.clone(), means.clone(), variances.clone(), what="em_step")
    new_weights, new_means, new_variances = (tensor_answer(v, s, name) for v, s, name in
                                             zip(new, ((2,), (2, 1), (2, 1)), ("weights", "means", "variances")))
    if abs(float(new_weights.sum()) - 1) > 1e-9:
        raise Wrong(f"the weights must sum to 1, yours sum to {float(new_weights.sum()):.4f}")
    # far-apart clusters: each point belongs (almost) entirely to its own component
    if not torch.allclose(new_weights, torch.tensor([0.5, 0.5], **f64), atol=1e-4):
        raise Wrong(f"two points per well-separated cluster give weights [0.5, 0.5], got {new_weights.tolist()}")
    if not torch.allclose(new_means[:, 0], torch.tensor([0.1, 10.2], **f64), atol=1e-4):
        raise Wrong(f"means {new_means[:, 0].tolist()}: expected each cluster's average, [0.1, 10.2]")
    if not torch.allclose(new_variances[:, 0], torch.tensor([0.01, 0.04], **f64), atol=1e-4):
        raise Wrong(f"variances {new_variances[:, 0].tolist()}: take them around the NEW means, weighted by γ")
    overlap = call(function, torch.tensor([[0.0], [1.0]], **f64), weights.clone(), torch.tensor([[0.0], [1.0]], **f64),
                   variances.clone(), what="em_step")
    gamma = 1 / (1 + math.exp(-0.5))  # point 0 under component 0: N(0; 0, 1) against N(0; 1, 1)
    expected_mean = (1 - gamma) / (gamma + (1 - gamma))  # component 0's mean: Σ γ x / Σ γ with x = 0 and 1
    if abs(float(tensor_answer(overlap[1], (2, 1), "means")[0, 0]) - expected_mean) > 1e-6:
        raise Wrong("for overlapping components the means are off: normalise the responsibilities over k")
    return "Repeat it until the log-likelihood stops growing and you have starts.fit_gmm."
