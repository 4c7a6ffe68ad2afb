"""Sequences, windows and clips, and the embedded data: procedural motion filmed by random cameras."""
from __future__ import annotations

import re
from functools import lru_cache

import pytest
import torch

from conftest import DETECTOR_JOINT_WEIGHTS
from ddhpose_lite._tensors import numpy_rng
from ddhpose_lite.camera import normalize_screen, project, world_to_camera
from ddhpose_lite.datasets import (ClipDataset, Sequence, film, sliding_windows, synthetic_sequences, window_starts,
                                   with_moved_hips)
from ddhpose_lite.keypoints import moved_hips
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.synthetic import generate_motion, sample_subject


@lru_cache(maxsize=None)
def small(split: str, **kwargs) -> list:
    return synthetic_sequences(split, 3000, seed=0, **kwargs)


# ---------------------------------------------------------------- windows and clips


def test_window_starts_cover_every_frame():
    for length, frames, stride in [(100, 27, 13), (27, 27, 5), (10, 27, 1), (50, 9, 9), (1, 5, 3)]:
        starts = window_starts(length, frames, stride)
        covered = torch.zeros(length, dtype=torch.bool)
        for s in starts:
            covered[max(s, 0):min(s + frames, length)] = True
        assert covered.all(), (length, frames, stride)
    assert window_starts(100, 27, 13) == [0, 13, 26, 39, 52, 65, 73]


@pytest.mark.parametrize("frames, stride, message", [
    pytest.param(0, 1, "expected frames as an int >= 1, got 0", id="zero-frames"),
    pytest.param(5, 0, "expected stride as an int >= 1, got 0", id="zero-stride"),
])
def test_window_starts_refuse_zero_frames_or_stride(frames, stride, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        window_starts(10, frames, stride)


def test_clip_dataset_replicates_edges_and_masks_them():
    kp = torch.arange(5 * 17 * 2, dtype=torch.float32).reshape(5, 17, 2)
    pose = torch.zeros(5, 17, 3)
    data = ClipDataset([Sequence(kp, pose)], frames=9)
    item = data[0]
    assert item["keypoints_2d"].shape == (9, 17, 2)
    assert item["mask"].tolist() == [False, False, True, True, True, True, True, False, False]
    assert torch.equal(item["keypoints_2d"][0], kp[0]) and torch.equal(item["keypoints_2d"][-1], kp[-1])
    assert torch.equal(item["keypoints_2d"][2:7], kp)


def test_clip_batches_match_items(sequences):
    data = ClipDataset(sequences, 9, 4)
    batch = data.batch([3, 10])
    for row, index in enumerate([3, 10]):
        seq, start = data.windows[index].tolist()
        torch.testing.assert_close(batch["poses_3d"][row], sequences[seq].poses_3d[start:start + 9])


@pytest.mark.parametrize("keypoints, poses, message", [
    pytest.param(torch.zeros(5, 17, 2), torch.zeros(4, 17, 3), "expected poses_3d of shape [5, 17, 3], got [4, 17, 3]",
                 id="4-poses-for-5-frames"),
    pytest.param(torch.full((5, 17, 2), float("nan")), torch.zeros(5, 17, 3),
                 "expected finite keypoints_2d, got 170 NaN or infinite values", id="nan-keypoints"),
])
def test_sequence_validation(keypoints, poses, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Sequence(keypoints, poses)


@pytest.mark.parametrize("length, frames, stride", [(100, 27, 13), (27, 27, 5), (10, 27, 1), (1, 5, 3)])
def test_sliding_windows_rows_match_starts_and_mask_padding(length, frames, stride):
    rows, real, starts = sliding_windows(length, frames, stride)
    assert starts.tolist() == window_starts(length, frames, stride)
    positions = starts[:, None] + torch.arange(frames)
    assert torch.equal(real, (positions >= 0) & (positions < length))
    assert torch.equal(rows[real], positions[real])  # real frames index themselves
    assert torch.equal(rows[~real], positions[~real].clamp(0, length - 1))  # padding repeats the edges


# ---------------------------------------------------------------- filming and the synthetic dataset


def test_synthetic_sequences_are_deterministic():
    one = synthetic_sequences("test", 800, seed=3, noise_2d=2.0, outliers=0.01)
    two = synthetic_sequences("test", 800, seed=3, noise_2d=2.0, outliers=0.01)
    other = synthetic_sequences("test", 800, seed=4, noise_2d=2.0, outliers=0.01)
    for a, b in zip(one, two):
        assert a.camera == b.camera
        for name in ("keypoints_2d", "poses_3d", "trajectory"):
            assert torch.equal(getattr(a, name), getattr(b, name))
    assert not torch.equal(one[0].poses_3d, other[0].poses_3d)


def test_filmed_sequences_are_consistent_with_their_camera():
    data = small("train")
    assert sum(len(s) for s in data) == 3000 and len(data) >= 2
    for seq in data:
        n = len(seq)
        world = seq.extra["poses_world"]
        assert seq.poses_3d.shape == (n, 17, 3) and seq.keypoints_2d.shape == (n, 17, 2)
        assert seq.keypoints_2d.dtype == torch.float32 and seq.extra["labels"].shape == (n,)
        assert seq.image_size == (seq.camera.res_w, seq.camera.res_h)
        assert seq.subject.startswith("synthetic-")
        camera = world_to_camera(world.double(), seq.camera)
        torch.testing.assert_close(seq.poses_3d, (camera - camera[:, :1]).float(), atol=1e-5, rtol=0)
        torch.testing.assert_close(seq.trajectory, camera[:, 0].float(), atol=1e-5, rtol=0)
        assert (camera[..., 2] > 0.5).all()
        clean = normalize_screen(project(camera, seq.camera), *seq.image_size)
        torch.testing.assert_close(seq.keypoints_2d, clean.float(), atol=1e-5, rtol=0)


def test_keypoints_mostly_inside_the_image():
    x = torch.cat([seq.keypoints_2d[..., 0].flatten() for seq in small("train")])
    assert ((x >= -1) & (x <= 1)).float().mean() > 0.99


def test_detector_noise_and_outliers_change_only_the_2d():
    """Per sequence the Gaussian part has sd 4 px x s x w_j per coordinate, s uniform in [0.5, 1.5] (measured
    0.55-1.31 on these six sequences); the outliers, drawn after it from the same seed, replace exactly 2 % of
    the points: 51,000 points, binomial sd 0.06 %, measured 1.99 %."""
    clean = small("test")
    gaussian = small("test", noise_2d=4.0)
    noisy = small("test", noise_2d=4.0, outliers=0.02)
    hits = []
    for a, b, c in zip(clean, gaussian, noisy):
        assert torch.equal(a.poses_3d, c.poses_3d) and a.camera == c.camera  # same motion and camera
        pixels = (b.keypoints_2d - a.keypoints_2d).double() * a.image_size[0] / 2
        assert 0.45 < float((pixels / (4.0 * DETECTOR_JOINT_WEIGHTS[:, None])).square().mean().sqrt()) < 1.55
        hits.append(((c.keypoints_2d - b.keypoints_2d).abs().amax(-1) > 0).flatten())
    assert float(torch.cat(hits).double().mean()) == pytest.approx(0.02, abs=0.003)


def test_many_cameras():
    assert len({seq.camera.name for seq in synthetic_sequences("train", 20_000, seed=1)}) >= 4


def test_film_any_world_poses():
    poses = generate_motion("walk", 60, sample_subject(1, 0), seed=1)
    seq = film(poses, seed=5, noise_2d=0.0, subject="me", action="walk")
    again = film(poses, seed=5)
    assert seq.camera == again.camera and torch.equal(seq.keypoints_2d, again.keypoints_2d)
    assert film(poses, seed=6).camera != seq.camera
    assert (seq.subject, seq.action, len(seq)) == ("me", "walk", 60)


@pytest.mark.parametrize("options, message", [
    pytest.param(dict(noise_2d=-1.0), "expected noise_2d as a finite number >= 0, got -1.0", id="negative-noise"),
    pytest.param(dict(outliers=2.0), "expected outliers as a finite number in [0, 1], got 2.0", id="outliers-2"),
])
def test_film_refuses_bad_noise(options, message):
    poses = generate_motion("walk", 60, sample_subject(1, 0), seed=1)
    with pytest.raises(ValueError, match=re.escape(message)):
        film(poses, seed=5, **options)


def test_people_are_filmed_anywhere_in_the_frame_and_inside_it():
    data = small("train")
    centres = []
    for seq in data:
        w, h = seq.image_size
        clean = normalize_screen(project(world_to_camera(seq.extra["poses_world"].double(), seq.camera), seq.camera), w, h)
        assert (clean[..., 0].abs() <= 1.0 + 1e-6).all() and (clean[..., 1].abs() <= h / w + 1e-6).all()
        centres.append((clean.amin((0, 1)) + clean.amax((0, 1)))[0] / 2)
    centres = torch.stack(centres)
    assert float(centres.max() - centres.min()) > 0.5  # box centres spread across the image, not all centred


# ------------------------------------------------------------------ hips where a detector puts them


def test_moved_hips_by_hand():
    """Pelvis at the origin, hips at ±0.1 m on x, thorax 0.5 m up on z: 2 cm out moves the hips to
    ±0.12 m, 5 cm up adds 0.05 m on z; per-frame amounts apply frame by frame; nothing else moves."""
    pose = torch.zeros(2, 17, 3, dtype=torch.float64)
    pose[:, H36M.index("RHip"), 0], pose[:, H36M.index("LHip"), 0] = -0.1, 0.1
    pose[:, H36M.index("Thorax"), 2] = 0.5
    pose[:, H36M.index("Head"), 2] = 0.7
    moved = moved_hips(pose, torch.tensor([0.02, -0.02]), torch.tensor([0.05, 0.0]))
    torch.testing.assert_close(moved[0, H36M.index("RHip")], torch.tensor([-0.12, 0.0, 0.05], dtype=torch.float64))
    torch.testing.assert_close(moved[0, H36M.index("LHip")], torch.tensor([0.12, 0.0, 0.05], dtype=torch.float64))
    torch.testing.assert_close(moved[1, H36M.index("LHip")], torch.tensor([0.08, 0.0, 0.0], dtype=torch.float64))
    others = [j for j in range(17) if j not in (H36M.index("RHip"), H36M.index("LHip"))]
    assert torch.equal(moved[:, others], pose[:, others])
    assert torch.equal(moved_hips(pose, 0.0, 0.0), pose)


def test_moved_hips_refuses_a_wrong_shape():
    with pytest.raises(ValueError, match=re.escape("expected points of shape [F, 17, 3], got [17, 3]")):
        moved_hips(torch.zeros(17, 3), 0.0, 0.0)


def test_hip_jitter_moves_only_the_2d_hips_and_puts_the_pelvis_between_them():
    """One draw (out, up) ~ N(0, σ²) per sequence from the film seed's stream 5: the 3D stays true, every
    other 2D joint is unchanged, the 2D hips are the projections of hips moved by that draw, the pelvis
    their midpoint."""
    world = small("test")[0].extra["poses_world"]
    plain, jittered = film(world, 7), film(world, 7, hip_jitter=0.05)
    out, up = numpy_rng(7, 5).normal(0.0, 0.05, 2)
    hips, pelvis = [H36M.index("RHip"), H36M.index("LHip")], H36M.index("Pelvis")
    others = [j for j in range(17) if j not in hips + [pelvis]]
    assert torch.equal(plain.poses_3d, jittered.poses_3d) and plain.camera == jittered.camera
    assert torch.equal(plain.keypoints_2d[:, others], jittered.keypoints_2d[:, others])
    camera_points = world_to_camera(world.double(), plain.camera)
    expected = normalize_screen(project(moved_hips(camera_points, out, up), plain.camera), *plain.image_size)
    torch.testing.assert_close(jittered.keypoints_2d[:, hips], expected[:, hips].float(), atol=1e-5, rtol=0)
    torch.testing.assert_close(jittered.keypoints_2d[:, pelvis], expected[:, hips].mean(1).float(), atol=1e-5, rtol=0)
    assert float((jittered.keypoints_2d[:, hips] - plain.keypoints_2d[:, hips]).abs().max()) > 1e-3


def test_hip_jitter_zero_is_the_plain_film_and_a_negative_one_is_refused():
    assert all(torch.equal(a.keypoints_2d, b.keypoints_2d) for a, b in zip(small("test"), small("test", hip_jitter=0.0)))
    with pytest.raises(ValueError, match=re.escape("expected hip_jitter as a finite number >= 0, got -0.01")):
        small("test", hip_jitter=-0.01)


def test_with_moved_hips_agrees_with_film_and_needs_a_camera():
    """Moving the hips of a filmed sequence afterwards gives film's hip_jitter for the same draw
    (both without 2D noise); a sequence without its camera is refused."""
    world = small("test")[0].extra["poses_world"]
    out, up = numpy_rng(7, 5).normal(0.0, 0.05, 2)
    afterwards, jittered = with_moved_hips(film(world, 7), out, up), film(world, 7, hip_jitter=0.05)
    torch.testing.assert_close(afterwards.keypoints_2d, jittered.keypoints_2d, atol=1e-5, rtol=0)
    assert torch.equal(afterwards.poses_3d, jittered.poses_3d)
    bare = Sequence(keypoints_2d=afterwards.keypoints_2d, poses_3d=afterwards.poses_3d)
    with pytest.raises(ValueError, match=re.escape("expected a filmed sequence with its camera and trajectory, "
                                                   "got camera NoneType and trajectory NoneType")):
        with_moved_hips(bare, 0.0, 0.05)


def test_speed_jitter_plays_each_captured_clip_at_a_drawn_speed():
    """Each clip is resampled to speed v ~ U(1 - S, 1 + S) (the seeded stream of the clip order), then
    gets its body: the filmed world poses are retarget(resample(clip, 50 v, 50)); S = 0 is the plain draw."""
    from ddhpose_lite.datasets import mocap_sequences
    from ddhpose_lite.mocap import FPS, load_clips, resample, retarget
    from ddhpose_lite.synthetic import TRAIN_SUBJECTS, sample_subject
    jittered = mocap_sequences("holdout", 3, speed_jitter=0.3)
    clips = load_clips("holdout")
    rng = numpy_rng(3, 4, 29)
    order = rng.permutation(len(clips))
    speeds = []
    for sequence, index in zip(jittered, order):
        clip = clips[int(index)]
        speed = rng.uniform(0.7, 1.3)
        body = sample_subject(int(rng.choice(TRAIN_SUBJECTS)), 3)
        rng.integers(2**62)
        expected = retarget(resample(clip.poses_world, FPS * speed, FPS), body.bone_lengths)
        assert sequence.extra["clip"] == clip.name and len(sequence) == int((clip.num_frames - 1) / speed) + 1
        torch.testing.assert_close(sequence.extra["poses_world"], expected)
        speeds.append(speed)
    assert len(jittered) == len(clips) and min(speeds) < 0.9 and max(speeds) > 1.1
    plain = mocap_sequences("holdout", 3)
    assert [len(s) for s in plain] == [clips[int(i)].num_frames for i in numpy_rng(3, 4, 29).permutation(len(clips))]
    assert all(torch.equal(a.keypoints_2d, b.keypoints_2d) for a, b in zip(plain, mocap_sequences("holdout", 3, speed_jitter=0)))


@pytest.mark.parametrize("value", [-0.1, 0.95])
def test_speed_jitter_out_of_range_is_refused(value):
    from ddhpose_lite.datasets import mocap_sequences
    with pytest.raises(ValueError, match=re.escape(f"expected speed_jitter as a finite number in [0, 0.9], got {value}")):
        mocap_sequences("holdout", 0, frames=10, speed_jitter=value)
