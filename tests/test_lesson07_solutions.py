"""Lesson 07's worked solutions agree with the library they re-derive (beyond passing their checks,
tests/test_exercises.py): the shipped table, the shifted forward process, and EM's likelihood."""
from __future__ import annotations

import torch

from ddhpose_lite.ablations import load_results, table_rows
from ddhpose_lite.diffusion import Schedule, q_sample_shifted
from ddhpose_lite.lessons import solutions
from ddhpose_lite.starts import GaussianMixture


def test_exercise_1_matches_the_table_of_the_shipped_results():
    mean, std = solutions.ddhpose_captured_mean_std()
    row = next(r for r in table_rows(load_results(), "Table 4", "captured") if r["variant"] == "ddhpose")
    assert abs(mean - row["mean"]) < 1e-9 and abs(std - row["std"]) < 1e-9


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
