"""Fixtures shared by the tests: the tiny model configuration, a tiny model, and small datasets."""
from __future__ import annotations

import pytest
import torch

from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.lifter import Lifter, load_pretrained
from ddhpose_lite.model import HSTDenoiser
from ddhpose_lite.train import PROFILES, TrainConfig

TINY = PROFILES["tiny"].model
"""The `tiny` training profile's denoiser: 9 frames, width 16, depth 2, 2 heads (seconds to train)."""


def tiny_config(**changes) -> TrainConfig:
    """The `tiny` profile with short data, overridable per test."""
    settings = dict(model=TINY, epochs=2, batch_size=4, train_frames=900, val_frames=100)
    return TrainConfig(**{**settings, **changes})


@pytest.fixture(scope="module")
def tiny_model() -> HSTDenoiser:
    torch.manual_seed(0)
    return HSTDenoiser(TINY).eval()


@pytest.fixture(scope="module")
def lifter(tiny_model) -> Lifter:
    """An untrained tiny lifter: fast, deterministic, for shapes, seeds and input handling."""
    return Lifter(tiny_model)


@pytest.fixture(scope="module")
def sequences():
    """900 frames of the synthetic training split with 2 px detector noise."""
    return synthetic_sequences("train", 900, seed=3, noise_2d=2.0)


@pytest.fixture(scope="session")
def pretrained() -> Lifter:
    """The checkpoint shipped in the package."""
    return load_pretrained()
