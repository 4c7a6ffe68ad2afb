import math

import numpy as np
import pytest
import torch

from ddhpose_lite.bones import rest_pose
from ddhpose_lite.metrics import (
    AUC_THRESHOLDS,
    PCK_JOINTS,
    auc,
    joint_errors,
    mpjpe,
    mpjpe_by_level,
    p_mpjpe,
    pck,
    procrustes_align,
)


def random_rotation(generator):
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    return q if torch.linalg.det(q) > 0 else -q


def test_mpjpe_hand_values():
    target = np.zeros((2, 17, 3))
    pred = target.copy()
    pred[0, 3] = [0.03, 0.04, 0.0]  # one joint 5 cm off in one of 34 joints
    assert mpjpe(pred, target) == pytest.approx(0.05 / 34)
    np.testing.assert_allclose(joint_errors(pred, target)[0, 3], 0.05)


def test_mpjpe_by_level_averages_the_joints_of_each_level():
    target = torch.zeros(17, 3, dtype=torch.float64)
    pred = target.clone()
    pred[13, 0] = 0.1  # LWrist, level 5 (with RWrist): level mean 0.05
    pred[2, 1] = 0.3  # RKnee, level 2 (with LKnee, Thorax): level mean 0.1
    np.testing.assert_allclose(mpjpe_by_level(pred, target), [0, 0, 0.1, 0, 0, 0.05])


def test_p_mpjpe_is_zero_for_a_similarity_transform_and_finds_it():
    g = torch.Generator().manual_seed(0)
    target = rest_pose().double() + 0.05 * torch.randn(4, 17, 3, generator=g, dtype=torch.float64)
    rotation = random_rotation(g)
    pred = 1.7 * target @ rotation + torch.tensor([0.3, -2.0, 5.0], dtype=torch.float64)
    assert mpjpe(pred, target) > 0.5
    assert p_mpjpe(pred, target) < 1e-10
    np.testing.assert_allclose(procrustes_align(pred, target), target, atol=1e-10)


def test_p_mpjpe_never_exceeds_mpjpe_and_rejects_reflections():
    g = torch.Generator().manual_seed(1)
    target = torch.randn(8, 17, 3, generator=g, dtype=torch.float64)
    pred = target + 0.2 * torch.randn(8, 17, 3, generator=g, dtype=torch.float64)
    assert p_mpjpe(pred, target) <= mpjpe(pred, target)
    mirrored = target * torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64)
    aligned = procrustes_align(mirrored, target)
    assert p_mpjpe(mirrored, target) > 0.1  # a mirror image is not a rotation
    # the result is a proper rotation + scale of the prediction: pairwise distances scale uniformly
    d_pred = torch.cdist(mirrored, mirrored)
    d_aligned = torch.cdist(aligned, aligned)
    for pose in range(8):  # one scale per pose
        mask = d_pred[pose] > 0
        ratio = d_aligned[pose][mask] / d_pred[pose][mask]
        assert torch.allclose(ratio, ratio[0])


def test_pck_and_auc_hand_values():
    target = np.zeros((1, 17, 3))
    pred = target.copy()
    pred[0, list(PCK_JOINTS[:7]), 0] = 0.1  # half of the 14 scored joints off by 100 mm
    pred[0, 0, 0] = 5.0  # pelvis is not scored
    assert pck(pred, target) == pytest.approx(100.0)
    assert pck(pred, target, threshold=0.05) == pytest.approx(50.0)
    # thresholds 0..150 mm: the exact joints pass from 5 mm on (30 of 31), the others above 100 mm (10 of 31)
    expected = (30 / 31 + 10 / 31) / 2 * 100
    assert auc(pred, target) == pytest.approx(expected)
    assert len(PCK_JOINTS) == 14 and len(AUC_THRESHOLDS) == 31 and math.isclose(AUC_THRESHOLDS[-1], 0.15)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"same shape as pred \[17, 3\], got \[16, 3\]"):
        mpjpe(np.zeros((17, 3)), np.zeros((16, 3)))
    with pytest.raises(ValueError, match=r"pred of shape \[\.\.\., J, 3\]"):
        mpjpe(np.zeros((17, 2)), np.zeros((17, 2)))
    with pytest.raises(ValueError, match="finite target"):
        mpjpe(np.zeros((17, 3)), np.full((17, 3), np.nan))
