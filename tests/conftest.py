"""What the tests share: the tiny model configuration and small datasets (training, sampling,
lifting), and for the figure, widget and browser tests small inputs made without the shipped model
with their independent expectations."""
from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch

from ddhpose_lite.bones import compose, disentangle, rest_pose
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.diffusion import Schedule, bone_state, ddim_sample, split_bone_state
from ddhpose_lite.lifter import Lifter, LiftResult, load_pretrained
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser, capture_attention
from ddhpose_lite.train import PROFILES, TrainConfig

try:  # Hypothesis: the same examples on every run and machine (HYPOTHESIS_PROFILE=explore draws afresh)
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    _hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # a development dependency: the property tests then fail at import, loudly
    pass


@pytest.fixture(autouse=True)
def _seeded_global_rngs():
    """Every test starts from the same global random state (torch, NumPy, random), whatever ran before
    it: inputs drawn without a generator are the same in a single test and in the whole suite."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


TINY = PROFILES["tiny"].model
"""The `tiny` training profile's denoiser: 9 frames, width 16, depth 2, 2 heads (seconds to train)."""


def skip_or_fail(reason: str, required_by: str) -> None:
    """Skip with the reason, or fail when the environment variable ``required_by`` is "required"
    (CI sets it, so that what a learner's machine may lack must be there)."""
    if os.environ.get(required_by) == "required":
        pytest.fail(f"{required_by}=required but {reason}")
    pytest.skip(reason)


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


# ---------------------------------------------------------------- figures and widgets

OUTPUT_AREA = 848 - 17
"""px: JupyterLab's output area at a 1280 px window with the file browser open (848 px) less the
notebook's vertical scrollbar (15 px in Chrome on Linux, 17 px on Windows; test_jupyterlab.py
measures it in a real browser)."""
FIGURE_WIDTH = OUTPUT_AREA - 8
"""The widest a figure may be by default: ipywidgets' Output (as ``interact`` uses) takes a few px."""

HYPOTHESIS_SHAPE = (3, 4, 6)  # K iterations, H hypotheses, F frames of make_result
ATTENTION_CONFIG = DenoiserConfig(frames=9, width=32, depth=3, heads=4)


def make_result(seed: int = 0) -> LiftResult:
    """A LiftResult of K x H noisy copies of the upright rest pose (camera axes), without a model."""
    K, H, F = HYPOTHESIS_SHAPE
    generator = torch.Generator().manual_seed(seed)
    pose = rest_pose()[:, [0, 2, 1]] * torch.tensor([1.0, -1.0, 1.0])  # upright in camera axes (y down)
    poses = pose + 0.04 * torch.randn(K, H, F, 17, 3, generator=generator)
    poses = poses - poses[..., :1, :]
    keypoints = pose[None, :, :2].repeat(F, 1, 1) / 4 + 0.01 * torch.randn(F, 17, 2, generator=generator)
    return LiftResult(poses, keypoints)


def expected_noisy(pose: torch.Tensor, t: int, schedule: Schedule, seed: int):
    """(bones-noised pose, joints-noised pose) at t, from scratch: the seeded draws (length,
    direction, joints, in that order) and x_t = √ᾱ x_0 + √(1-ᾱ) ε, independent of forward_path."""
    generator = torch.Generator().manual_seed(seed)
    eps_length = torch.randn(16, 1, generator=generator)
    eps_direction = torch.randn(16, 3, generator=generator)
    eps_joints = torch.randn(16, 3, generator=generator)
    a = schedule.alpha_bar[t].item()
    length, direction = disentangle(pose)
    s, n = a ** 0.5, (1 - a) ** 0.5
    bones = compose(s * length + n * eps_length, s * direction + n * eps_direction)
    joints = torch.cat([torch.zeros(1, 3), s * pose[1:] + n * eps_joints])
    return bones.numpy(), joints.numpy()


def random_inputs(batch: int, seed: int = 0):
    """(keypoints, noisy bones, t) for the small denoiser of ``attention_model``."""
    g = torch.Generator().manual_seed(seed)
    frames = ATTENTION_CONFIG.frames
    return (torch.randn(batch, frames, 17, 2, generator=g), torch.randn(batch, frames, 16, 4, generator=g),
            torch.full((batch,), 500))


def sizes_by_joint(trace) -> dict[int, float]:
    """Joint index -> marker size of a highlight trace (gaps between segments skipped)."""
    return {j: s for j, s in zip(trace.customdata, trace.marker.size) if j is not None}


def joints_of(trace) -> np.ndarray:
    return np.stack([trace.x, trace.y, trace.z], axis=-1).astype(float)


def z_of(trace) -> np.ndarray:
    return np.asarray(trace.z, dtype=np.float64)


@pytest.fixture(scope="session")
def pose() -> torch.Tensor:
    return rest_pose()


@pytest.fixture(scope="session")
def schedule() -> Schedule:
    return Schedule.cosine()


@pytest.fixture(scope="session")
def oracle_run(pose, schedule):
    """A 5-step DDIM run whose denoiser always returns the rest pose: (trajectory, x0 poses, xt poses)."""
    x0 = bone_state(*disentangle(pose))
    trajectory = ddim_sample(lambda x, t: x0.expand_as(x), (16, 4), schedule, steps=5, hypotheses=2, seed=0)
    as_pose = lambda states: compose(*split_bone_state(states))  # noqa: E731
    return trajectory, as_pose(trajectory.x0[:, 1]), as_pose(trajectory.xt[:, 1])


@pytest.fixture(scope="session")
def attention_model() -> HSTDenoiser:
    """A small untrained denoiser (fast, deterministic)."""
    torch.manual_seed(0)
    return HSTDenoiser(ATTENTION_CONFIG).eval()


@pytest.fixture(scope="session")
def capture(attention_model):
    """Maps of a batch of 2 (so the sample index matters) and the predictions [2, F, 17, 3]."""
    with torch.no_grad(), capture_attention(attention_model) as maps:
        prediction = attention_model(*random_inputs(2))
    return maps, prediction


# ---------------------------------------------------------------- artifacts

SCREENSHOTS = pytest.StashKey["Path"]()
"""Where test_jupyterlab.py saved its screenshots (set by its fixture, printed at the end of the run)."""


def pytest_terminal_summary(terminalreporter, config):
    folder = config.stash.get(SCREENSHOTS, None)
    if folder is not None:
        terminalreporter.write_line(f"JupyterLab screenshots: {folder}")


H36M_TWINS = ((1, 4), (2, 5), (3, 6), (14, 11), (15, 12), (16, 13))
"""Human3.6M's right/left joint pairs, written out by hand (hip, knee, foot; shoulder, elbow, wrist)."""


def mirror_by_hand(x: torch.Tensor) -> torch.Tensor:
    """The mirror image written from its definition for H36M, independent of ``bones.mirror``: x -> -x
    (channel 0), and every left joint swaps with its right twin. Joints [..., 17, C] or bones
    [..., 16, C] (bone k ends at joint k + 1)."""
    swap = list(range(17))
    for right, left in H36M_TWINS:
        swap[right], swap[left] = left, right
    order = swap if x.shape[-2] == 17 else [swap[k + 1] - 1 for k in range(16)]
    out = x[..., order, :].clone()
    out[..., 0] = -out[..., 0]
    return out


DETECTOR_JOINT_WEIGHTS = torch.tensor((1.0, 1.3, 1.0, 1.1, 1.3, 1.0, 1.1, 1.2, 0.9, 0.7, 0.8, 0.8, 1.0, 1.3, 0.8, 1.0, 1.3),
                                      dtype=torch.float64)
"""keypoints.detector_noise's per-joint noise weights for H36M, written out (wrists, feet and hips noisier,
the head less): its Gaussian part has sd sigma x (a per-sequence factor in [0.5, 1.5]) x weight per coordinate."""
