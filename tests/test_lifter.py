import pytest
import torch

from ddhpose_lite import load_pretrained
from ddhpose_lite.datasets import flip, synthetic_sequences
from ddhpose_lite.diffusion import Schedule
from ddhpose_lite.lifter import Lifter, blend, denoise, flip_bone_state, sample_poses
from ddhpose_lite.bones import disentangle
from ddhpose_lite.diffusion import bone_state
from ddhpose_lite.model import DenoiserConfig, HSTDenoiser

TINY = DenoiserConfig(frames=9, width=16, depth=2, heads=2)


@pytest.fixture(scope="module")
def lifter():
    torch.manual_seed(0)
    return Lifter(HSTDenoiser(TINY))


@pytest.mark.parametrize("length", [1, 5, 9, 10, 31, 100])
def test_windows_cover_every_frame_and_blending_reproduces_a_signal(lifter, length):
    rows, weights = lifter.windows(length)
    assert rows.min() >= 0 and rows.max() == length - 1
    coverage = torch.zeros(length).index_add_(0, rows.flatten(), (weights > 0).float().flatten())
    assert (coverage >= 1).all()
    signal = torch.randn(2, length, 17, 3)  # what every window would predict for its frames
    windowed = signal[:, rows]  # [2, W, N, 17, 3]
    torch.testing.assert_close(blend(windowed, rows, weights, length), signal)


@pytest.mark.parametrize("length, hypotheses, iterations", [(1, 1, 1), (9, 2, 3), (20, 3, 2)])
def test_lift_shapes_and_seeds(lifter, length, hypotheses, iterations):
    kp = torch.randn(length, 17, 2) * 0.3
    result = lifter.lift(kp, hypotheses=hypotheses, iterations=iterations, seed=0)
    assert result.poses.shape == (iterations, hypotheses, length, 17, 3)
    assert torch.equal(result.poses, lifter.lift(kp, hypotheses, iterations, seed=0).poses)
    if hypotheses > 1:
        assert not torch.equal(result.poses[:, 0], result.poses[:, 1])
    assert not torch.equal(result.poses, lifter.lift(kp, hypotheses, iterations, seed=1).poses)
    torch.testing.assert_close(result.p_agg(), result.poses[-1].mean(0))


def test_flip_bone_state_matches_flipping_the_pose():
    pose = synthetic_sequences("test", 100, seed=0)[0].poses_3d[:3]
    mirrored = flip(None, pose)[1]
    torch.testing.assert_close(flip_bone_state(bone_state(*disentangle(pose))), bone_state(*disentangle(mirrored)))


def test_flip_augmentation_is_mirror_consistent(lifter):
    # flip averages the direct and the mirrored-back prediction: seeded, and not the plain result
    kp = torch.randn(9, 17, 2) * 0.3
    with_flip = lifter.lift(kp, 2, 2, seed=0, flip=True).poses
    assert torch.equal(with_flip, lifter.lift(kp, 2, 2, seed=0, flip=True).poses)
    assert not torch.allclose(with_flip, lifter.lift(kp, 2, 2, seed=0, flip=False).poses)


@pytest.mark.parametrize("bad, message", [
    (torch.zeros(5, 16, 2), r"keypoints_2d of shape \[F, 17, 2\] with F >= 1, got \[5, 16, 2\]"),
    (torch.zeros(0, 17, 2), r"got \[0, 17, 2\]"),
    (torch.full((5, 17, 2), float("nan")), "finite keypoints_2d"),
])
def test_bad_keypoints(lifter, bad, message):
    with pytest.raises(ValueError, match=message):
        lifter.lift(bad)


@pytest.mark.parametrize("hypotheses, iterations", [(0, 1), (1, 0)])
def test_bad_counts(lifter, hypotheses, iterations):
    with pytest.raises(ValueError, match="as an int >= 1"):
        lifter.lift(torch.zeros(5, 17, 2), hypotheses, iterations)


def test_shipped_checkpoint_lifts_a_synthetic_clip_sensibly():
    lifter = load_pretrained()
    seq = synthetic_sequences("test", 300, seed=0, noise_2d=2.0)[0]
    result = lifter.lift(seq.keypoints_2d[:60], hypotheses=2, iterations=1, seed=0)
    error = (result.p_agg() - seq.poses_3d[:60]).norm(dim=-1).mean()
    assert error < 0.25  # metres; an untrained model is about 0.5 m off


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
        with pytest.raises(ValueError, match=f"max_tokens as an int >= 1 or None, got {bad!r}"):
            denoise(model, kp, bones, t, bad)
