"""The reverse process over hypotheses and iterations (``sampling``): shapes, seeds, passes, flip."""
from __future__ import annotations

import dataclasses
import re

import pytest
import torch

from conftest import TINY
from ddhpose_lite.bones import compose, mirror
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.lifter import Lifter
from ddhpose_lite.model import HSTDenoiser
from ddhpose_lite.sampling import denoise, sample_poses


def test_sampler_shapes_and_seeds():
    model = HSTDenoiser(TINY)
    kp = torch.randn(2, 9, 17, 2)
    poses = sample_poses(model, kp, Schedule.cosine(), hypotheses=3, iterations=2, seed=0)
    assert poses.shape == (2, 3, 2, 9, 17, 3)
    again = sample_poses(model, kp, Schedule.cosine(), hypotheses=3, iterations=2, seed=0)
    other = sample_poses(model, kp, Schedule.cosine(), hypotheses=3, iterations=2, seed=1)
    assert torch.equal(poses, again) and not torch.equal(poses, other)


@pytest.mark.parametrize("max_tokens", [1, 9 * 17 * 2, 9 * 17 * 3 - 1, 10**6])
def test_denoise_in_passes_equals_one_pass(max_tokens):
    torch.manual_seed(0)
    model = HSTDenoiser(TINY).eval()
    kp, bones, t = torch.randn(7, 9, 17, 2), torch.randn(7, 9, 16, 4), torch.randint(0, 1000, (7,))
    calls = []
    handle = model.register_forward_hook(lambda m, args, out: calls.append(len(args[0])))
    with torch.no_grad():
        whole = model(kp, bones, t)
        calls.clear()
        parts = denoise(model, kp, bones, t, max_tokens)
    handle.remove()
    torch.testing.assert_close(parts, whole, rtol=1e-5, atol=1e-6)
    per_pass = max(1, max_tokens // (9 * 17))
    assert calls == [min(per_pass, 7 - start) for start in range(0, 7, per_pass)]  # 7 clips, split in order


@pytest.mark.parametrize("bad", [0, -5, 2.5, True], ids=repr)
def test_denoise_rejects_bad_max_tokens(bad):
    model = HSTDenoiser(TINY)
    kp, bones, t = torch.randn(2, 9, 17, 2), torch.randn(2, 9, 16, 4), torch.zeros(2, dtype=torch.long)
    with pytest.raises(ValueError, match=re.escape(f"expected max_tokens as an int >= 1, got {bad!r}")):
        denoise(model, kp, bones, t, bad)


def test_flip_averages_the_direct_and_the_mirrored_back_prediction(tiny_model):
    """With one DDIM step (t = 999 -> x̂_0), flip = mean of the model on the input and the mirror image
    of the model on the mirrored input, with the mirrored initial noise."""
    kp = torch.randn(2, 9, 17, 2) * 0.3
    schedule = Schedule.cosine()
    flipped = sample_poses(tiny_model, kp, schedule, 1, 1, seed=3, flip=True)[0, 0]
    x_t = torch.randn((1, 2, 9, 16, 4), generator=torch.Generator().manual_seed(3))[0]
    t = torch.full((2,), 999)
    with torch.no_grad():
        direct = tiny_model(kp, x_t, t)
        mirrored = mirror(tiny_model(mirror(kp), mirror(x_t), t))
    torch.testing.assert_close(flipped, (direct + mirrored) / 2, rtol=1e-5, atol=1e-6)


class PerFrameModel(torch.nn.Module):
    """A stand-in denoiser whose x̂_0 at a frame depends only on that frame's noisy bones (and t):
    joints rebuilt from the noisy directions with fixed lengths. Lets tests see which noise a frame got."""

    def __init__(self, config=TINY, scale: float = 1.0) -> None:
        super().__init__()
        self.config, self.scale = config, scale
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, keypoints_2d, noisy, t):
        direction = torch.nn.functional.normalize(noisy[..., :3], dim=-1)
        return compose(torch.full(noisy.shape[:-1] + (1,), 0.3 * self.scale), direction)


def test_overlapping_windows_share_their_noise_per_frame():
    """Lifting with windows that overlap: hypothesis h of a frame is one draw in every window that
    shows it, so blending keeps the hypotheses apart instead of averaging independent draws."""
    lifter = Lifter(PerFrameModel())
    kp = torch.zeros(30, 17, 2)
    rows, weights = lifter.windows(30, overlap=4)
    result = lifter.lift(kp, hypotheses=3, iterations=2, seed=0, flip=False, overlap=4)
    clips = kp[rows]
    per_window = sample_poses(lifter.model, clips, lifter.schedule, 3, 2, seed=0, frame_index=rows)[-1]  # [H, W, N, J, 3]
    for frame in range(30):
        seen = per_window[:, rows == frame]  # [H, windows showing it, J, 3]
        assert torch.allclose(seen, seen[:, :1].expand_as(seen), atol=1e-6)  # every window agrees
        torch.testing.assert_close(result.poses[-1, :, frame], seen[:, 0], atol=1e-5, rtol=0)
    independent = sample_poses(lifter.model, clips, lifter.schedule, 3, 2, seed=0)[-1]
    overlap = (rows == rows[1, 0]).nonzero()  # the first frame of window 1 is also in window 0
    assert not torch.allclose(independent[:, overlap[0, 0], overlap[0, 1]], independent[:, overlap[1, 0], overlap[1, 1]])


def test_frame_index_must_match_the_clips():
    kp = torch.zeros(2, 9, 17, 2)
    with pytest.raises(ValueError, match=r"frame_index of shape \[2, 9\], got \[2, 8\]"):
        sample_poses(PerFrameModel(), kp, Schedule.cosine(), frame_index=torch.zeros(2, 8, dtype=torch.long))


def test_official_clamp_in_the_pose_sampler():
    """With config.clip the returned joints are clamped to ±clip (the official x_start_pos) and the network
    only ever sees a clamped x_t; without it nothing is clamped."""
    seen = []

    class Recording(PerFrameModel):
        def forward(self, keypoints_2d, noisy, t):
            seen.append(noisy.abs().max())
            return super().forward(keypoints_2d, noisy, t)

    config = dataclasses.replace(TINY, clip=1.1)
    kp = torch.zeros(1, 9, 17, 2)
    clamped = sample_poses(Recording(config, scale=2.5), kp, Schedule.cosine(), 2, 3, seed=1)
    assert clamped.abs().max() <= 1.1 and max(seen) <= 1.1
    seen.clear()
    free = sample_poses(Recording(TINY, scale=2.5), kp, Schedule.cosine(), 2, 3, seed=1)
    assert free.abs().max() > 1.1 and max(seen) > 1.1
