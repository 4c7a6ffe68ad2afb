"""Lesson 07's worked solutions agree with the library they re-derive (beyond passing their checks,
tests/test_exercises.py): the shipped table, the shifted forward process, and EM's likelihood."""
from __future__ import annotations

import torch

import pytest

from ddhpose_lite.ablations import load_results, paired
from ddhpose_lite.diffusion import Schedule, q_sample_shifted
from ddhpose_lite.lessons import lesson07 as exercises
from ddhpose_lite.lessons import solutions
from ddhpose_lite.starts import GaussianMixture


def test_exercise_1_matches_the_librarys_paired_comparison():
    mean, spread = solutions.bones_out_paired_p_mpjpe()
    library = paired(load_results(), "bones out", split="captured", metric="P-MPJPE")
    assert abs(mean - library["mean"]) < 1e-9 and abs(spread - library["spread"]) < 1e-9
    assert spread > 0  # two or more seeds that differ: the check cannot pass with a zero spread


@pytest.mark.parametrize("mistake, says", [
    ("mpjpe", "that is the MPJPE difference; the exercise asks for P-MPJPE"),
    ("metres", "(metres → millimetres?)"),
    ("spread", "the spread is the largest per-seed difference minus the smallest"),
], ids=["mpjpe", "metres", "spread"])
def test_exercise_1_check_names_the_mistake(mistake, says):
    mean, spread = solutions.bones_out_paired_p_mpjpe()
    mpjpe = paired(load_results(), "bones out", split="captured", metric="MPJPE")
    answer = {"mpjpe": (mpjpe["mean"], mpjpe["spread"]), "metres": (mean / 1000, spread / 1000),
              "spread": (mean, spread + 1)}[mistake]
    verdict = exercises.check_paired_difference.verdict(answer)
    assert verdict.status == "wrong" and says in verdict.message
    assert exercises.check_paired_difference.verdict((mean, spread)).correct


def test_exercise_2_is_the_shifted_forward_process():
    schedule = Schedule.cosine()
    x0, mean, scale, eps = (torch.randn(5, 16, 3, generator=torch.Generator().manual_seed(i)) for i in range(4))
    scale = scale.abs() + 0.1
    for t in (0, 300, 999):
        expected, _ = q_sample_shifted(x0, t, schedule, mean, scale, noise=eps)
        got = solutions.shifted_forward(x0, schedule.alpha_bar[t].item(), mean, scale, eps)
        torch.testing.assert_close(got, expected)


def test_exercise_3_increases_the_likelihood_like_em():
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(50, 2, generator=g) - 2, torch.randn(30, 2, generator=g) + 2]).double()
    weights = torch.tensor([0.5, 0.5], dtype=torch.float64)
    means = torch.tensor([[-0.5, 0.0], [0.5, 0.0]], dtype=torch.float64)
    variances = torch.ones(2, 2, dtype=torch.float64)
    before = GaussianMixture(weights, means, variances.sqrt(), (2,)).log_prob(x).mean()
    w, m, v = solutions.em_step(x, weights, means, variances)
    after = GaussianMixture(w, m, v.sqrt(), (2,)).log_prob(x).mean()
    assert after > before and abs(float(w.sum()) - 1) < 1e-12
