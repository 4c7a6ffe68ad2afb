"""Worked solutions of lesson 07's exercises. Open this file when you have tried them yourself.

In the notebook:  import sys; sys.path.insert(0, "solutions"); from lesson07 import *
"""
from __future__ import annotations

import math

import torch


def answer_1(results: dict) -> tuple[float, float]:
    """Exercise 1: DDHPose's MPJPE on the captured test subjects, mean and sample std over seeds (mm)."""
    values = [1000 * record["single"]["captured"]["P-Agg"]["MPJPE"] for record in results["runs"]["ddhpose"]]
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, std


def shifted_forward(x0, alpha_bar: float, mean, scale, eps):
    """Exercise 2: DiffPose's forward process, x_t = √ᾱ x0 + (1 − √ᾱ) μ + √(1 − ᾱ) σ ⊙ ε."""
    signal = math.sqrt(alpha_bar)
    return signal * x0 + (1 - signal) * mean + math.sqrt(1 - alpha_bar) * scale * eps


def em_step(x, weights, means, variances):
    """Exercise 3: one EM iteration of a diagonal Gaussian mixture; x [N, D], weights [K], means and
    variances [K, D] -> new (weights, means, variances)."""
    diff = x[:, None, :] - means[None]  # [N, K, D]
    log_normal = -0.5 * (diff ** 2 / variances + torch.log(2 * math.pi * variances)).sum(-1)  # [N, K]
    log_joint = torch.log(weights) + log_normal
    gamma = torch.softmax(log_joint, dim=1)  # E-step: normalised over k, in log space
    mass = gamma.sum(0)  # [K]
    new_weights = mass / len(x)
    new_means = gamma.T @ x / mass[:, None]
    new_variances = (gamma[..., None] * (x[:, None, :] - new_means[None]) ** 2).sum(0) / mass[:, None]
    return new_weights, new_means, new_variances
