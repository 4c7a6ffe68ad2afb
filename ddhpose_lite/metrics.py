"""Pose errors: MPJPE, P-MPJPE, error per hierarchy level, PCK and AUC.

Poses are [..., J, 3] in metres (torch or NumPy; results come back as the same kind).
MPJPE is Protocol #1 of Human3.6M; P-MPJPE (Protocol #2) first aligns the prediction to the
ground truth with the best similarity transform (Procrustes). PCK / AUC follow the MPI-INF-3DHP
protocol (150 mm, thresholds 0, 5, ..., 150 mm).
"""
from __future__ import annotations

import torch

from ._tensors import as_torch, check_finite
from .skeleton import H36M, Skeleton

PCK_THRESHOLD = 0.150
AUC_THRESHOLDS = tuple(round(0.005 * i, 3) for i in range(31))
PCK_JOINTS = tuple(j for j in range(17) if j not in (0, 7, 9))
"""The 14 H36M slots scored by MPI-INF-3DHP PCK: all but pelvis, spine and (3DHP) head."""


def _pair(pred, target):
    pred_t, back = as_torch(pred, "pred")
    target_t, _ = as_torch(target, "target")
    if pred_t.shape[-1] != 3 or pred_t.ndim < 2:
        raise ValueError(f"expected pred of shape [..., J, 3], got {list(pred_t.shape)}")
    if pred_t.shape != target_t.shape:
        raise ValueError(f"expected target of the same shape as pred {list(pred_t.shape)}, got {list(target_t.shape)}")
    check_finite(pred_t, "pred")
    check_finite(target_t, "target")
    return pred_t, target_t.to(pred_t), back


def joint_errors(pred, target):
    """Euclidean error of every joint, [..., J]."""
    pred_t, target_t, back = _pair(pred, target)
    return back(torch.linalg.vector_norm(pred_t - target_t, dim=-1))


def mpjpe(pred, target):
    """Mean per-joint position error (Protocol #1), a scalar in the input's units."""
    pred_t, target_t, back = _pair(pred, target)
    return back(torch.linalg.vector_norm(pred_t - target_t, dim=-1).mean())


def mpjpe_by_level(pred, target, skeleton: Skeleton = H36M):
    """Mean error of the joints of each hierarchy level, [num_levels] (paper Fig. 1 / Fig. 4)."""
    pred_t, target_t, back = _pair(pred, target)
    errors = torch.linalg.vector_norm(pred_t - target_t, dim=-1).reshape(-1, pred_t.shape[-2]).mean(0)
    levels = torch.tensor(skeleton.levels, device=errors.device)
    sums = torch.zeros(skeleton.num_levels, dtype=errors.dtype, device=errors.device).index_add_(0, levels, errors)
    return back(sums / torch.bincount(levels).to(errors))


def procrustes_align(pred, target):
    """Align each pred pose to its target with scale, rotation and translation (least squares).

    Umeyama's solution: with centred X (target) and Y (pred), H = Yᵀ X = U S Vᵀ, R = U Vᵀ
    (reflection removed), scale = tr(S) / ||Y||², t = mean(X) - scale · mean(Y) R.
    """
    pred_t, target_t, back = _pair(pred, target)
    mu_pred, mu_target = pred_t.mean(-2, keepdim=True), target_t.mean(-2, keepdim=True)
    y, x = pred_t - mu_pred, target_t - mu_target
    u, s, vh = torch.linalg.svd(y.transpose(-1, -2) @ x)
    sign = torch.sign(torch.linalg.det(u @ vh))
    flip = torch.ones_like(s)
    flip[..., -1] = sign
    rotation = (u * flip.unsqueeze(-2)) @ vh
    scale = (s * flip).sum(-1, keepdim=True) / y.square().sum((-1, -2)).clamp_min(1e-12).unsqueeze(-1)
    aligned = scale.unsqueeze(-1) * (y @ rotation) + mu_target
    return back(aligned)


def p_mpjpe(pred, target):
    """MPJPE after Procrustes alignment of every pose (Protocol #2)."""
    pred_t, target_t, back = _pair(pred, target)
    aligned = procrustes_align(pred_t, target_t)
    return back(torch.linalg.vector_norm(aligned - target_t, dim=-1).mean())


def pck(pred, target, threshold: float = PCK_THRESHOLD, joints=PCK_JOINTS):
    """Percentage of the scored joints with error below ``threshold`` (metres), 0..100."""
    errors = torch.as_tensor(joint_errors(pred, target))[..., list(joints)]
    return float((errors < threshold).double().mean() * 100)


def auc(pred, target, thresholds=AUC_THRESHOLDS, joints=PCK_JOINTS):
    """Mean PCK over thresholds 0, 5, ..., 150 mm, 0..100."""
    errors = torch.as_tensor(joint_errors(pred, target))[..., list(joints)]
    levels = torch.tensor(thresholds, dtype=errors.dtype, device=errors.device)
    return float((errors.unsqueeze(-1) < levels).double().mean() * 100)
