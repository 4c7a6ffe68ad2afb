"""The official code's training set-up as named options, on by default in the `paper` profile only:
non-overlapping windows each used as it is and mirrored, PyTorch's default initialisation with zero
embeddings, drop path per (clip, joint) sequence in temporal blocks, the test-time H / K."""
from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from einops import rearrange

from conftest import TINY, tiny_config
from ddhpose_lite.bones import mirror
from ddhpose_lite.datasets import Sequence, synthetic_sequences
from ddhpose_lite.model import Block, DenoiserConfig, HSTDenoiser, TemporalAttention, drop_path
from ddhpose_lite.profiles import PROFILES, TEST_TIME, TrainConfig
from ddhpose_lite.trainer import Trainer


def _sequence(frames: int) -> Sequence:
    seq = synthetic_sequences("train", 400, seed=0)[0]
    return Sequence(seq.keypoints_2d[:frames], seq.poses_3d[:frames])


def test_flip_both_uses_every_window_as_it_is_and_mirrored():
    """Hand-computed: 20 frames in windows of 9 at stride 9 start at 0, 9, 11 (3 windows). An epoch
    of flip_both has 6 items: each window once as it is and once mirrored."""
    config = tiny_config(stride=9, flip_both=True, batch_size=2)
    trainer = Trainer(config, train_sequences=[_sequence(20)], val_sequences=[])
    assert trainer.train_data.windows[:, 1].tolist() == [0, 9, 11]
    items = torch.cat(trainer._batches(0))
    assert sorted(items.tolist()) == [0, 1, 2, 3, 4, 5] and trainer.steps_per_epoch == 3
    windows, mirrored = Trainer._split_mirrored(items, 3)
    assert sorted(zip(windows.tolist(), mirrored.tolist())) == [(0, False), (0, True), (1, False), (1, True),
                                                                 (2, False), (2, True)]
    # the chosen items are mirrored, the others left as they are
    batch = trainer.train_data.batch(torch.tensor([0, 1]))
    kp, pose = trainer._flip_half(batch["keypoints_2d"], batch["poses_3d"], 0, 0, torch.tensor([True, False]))
    torch.testing.assert_close(kp[0], mirror(batch["keypoints_2d"][0], config.model.skeleton))
    torch.testing.assert_close(pose[1], batch["poses_3d"][1])
    trainer.train_epoch()  # runs
    with pytest.raises(ValueError, match="flip=True with flip_both"):
        tiny_config(flip=False, flip_both=True)


def test_official_init_is_pytorch_defaults_with_zero_embeddings():
    torch.manual_seed(0)
    official = HSTDenoiser(dataclasses.replace(TINY, init="official"))
    for name in ("joint_embedding", "level_embedding", "frame_embedding"):
        assert torch.count_nonzero(getattr(official, name)) == 0
    # nn.Linear's default: weights and biases uniform in ±1/sqrt(fan_in); fan_in = 2 + 4 channels here
    layer = official.input_embedding.requires_grad_(False)
    bound = 1 / math.sqrt(6)
    assert float(layer.weight.abs().max()) <= bound and float(layer.bias.abs().max()) > 0
    assert float(layer.weight.std()) == pytest.approx(bound / math.sqrt(3), rel=0.2)  # uniform's std
    ours = HSTDenoiser(TINY).requires_grad_(False)
    assert float(ours.joint_embedding.abs().max()) > 0 and torch.count_nonzero(ours.input_embedding.bias) == 0
    with pytest.raises(ValueError, match=r"init as one of \('trunc_normal', 'official'\), got 'xavier'"):
        DenoiserConfig(init="xavier")


def test_drop_path_per_sequence_matches_the_official_temporal_blocks():
    """The official temporal blocks see [(B·J), F, C] and drop per first-axis sample; transcribed."""
    x = torch.randn(2, 5, 3, 4)  # [B, F, J, C]
    torch.manual_seed(7)
    ours = drop_path(x, 0.5, True, axes=(0, 2))
    torch.manual_seed(7)
    flat = rearrange(x, "b f j c -> (b j) f c")
    keep = torch.rand((flat.shape[0], 1, 1)) >= 0.5
    official = rearrange(flat * keep / 0.5, "(b j) f c -> b f j c", b=2)
    torch.testing.assert_close(ours, official)
    config = dataclasses.replace(TINY, drop_path=0.1, drop_path_per="sequence")
    temporal = Block(config, TemporalAttention(config, False), 0.1)
    assert temporal.drop_axes == (0, 2)
    assert Block(dataclasses.replace(config, drop_path_per="clip"), TemporalAttention(config, False), 0.1).drop_axes == (0,)
    with pytest.raises(ValueError, match=r"drop_path_per as one of \('clip', 'sequence'\), got 'joint'"):
        DenoiserConfig(drop_path_per="joint")


def test_paper_profile_turns_the_official_options_on_and_the_others_keep_theirs():
    paper = PROFILES["paper"]
    assert (paper.stride, paper.flip, paper.flip_both) == (243, True, True)
    assert (paper.model.init, paper.model.drop_path_per) == ("official", "sequence")
    for name, stride in (("tiny", 0), ("cpu", 27), ("gpu", 0)):  # cpu: windows that do not overlap (docs/recipe.md)
        profile = PROFILES[name]
        assert (profile.stride, profile.flip_both) == (stride, False)
        assert (profile.model.init, profile.model.drop_path_per) == ("trunc_normal", "clip")
    assert not (PROFILES["paper"].model.relative_2d or PROFILES["paper"].model.whole_pose_2d)
    assert PROFILES["cpu"].model.relative_2d and PROFILES["cpu"].model.whole_pose_2d
    # the official README's test-time settings; windows as the official evaluation
    assert (TEST_TIME["paper"]["h36m"].hypotheses, TEST_TIME["paper"]["h36m"].iterations) == (20, 10)
    assert (TEST_TIME["paper"]["3dhp"].hypotheses, TEST_TIME["paper"]["3dhp"].iterations) == (5, 5)
    assert TEST_TIME["paper"]["h36m"].windows == "chunks"
    # checkpoints from before the options load as what they were
    old = {k: v for k, v in PROFILES["cpu"].to_dict().items() if k != "flip_both"}
    old["model"] = {k: v for k, v in old["model"].items() if k not in ("init", "drop_path_per")}
    assert TrainConfig.from_dict(old) == PROFILES["cpu"]
