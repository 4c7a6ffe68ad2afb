"""The reverse process over hypotheses and iterations (``sampling``): shapes, seeds, passes, flip."""
from __future__ import annotations

import pytest
import torch

from conftest import TINY
from ddhpose_lite.bones import mirror
from ddhpose_lite.diffusion import Schedule
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


def test_denoise_rejects_bad_max_tokens():
    model = HSTDenoiser(TINY)
    kp, bones, t = torch.randn(2, 9, 17, 2), torch.randn(2, 9, 16, 4), torch.zeros(2, dtype=torch.long)
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match=f"max_tokens as an int >= 1, got {bad!r}"):
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
