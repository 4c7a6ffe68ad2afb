"""Pose errors: MPJPE, P-MPJPE, error per hierarchy level, PCK and AUC.

Poses are [..., J, 3] in metres (torch or NumPy; results come back as the same kind).
MPJPE is Protocol #1 of Human3.6M; P-MPJPE (Protocol #2) first aligns the prediction to the
ground truth with the best similarity transform (Procrustes). PCK / AUC follow the MPI-INF-3DHP
protocol (150 mm, thresholds 0, 5, ..., 150 mm). N-MPJPE aligns scale only.

Per-action tables (``per_action_errors``, ``format_action_table``) follow the layout of the
paper's Table 1. Several hypotheses [H, ..., J, 3] are reduced to one pose with the D3DP
aggregations: ``p_agg`` (mean), ``j_agg`` (per joint, best 2D reprojection; camera-free
``j_agg_weak_perspective``), and the oracles ``j_best`` / ``p_best`` (``p_best_batch``: the
official batch-level variant).
"""
from __future__ import annotations

import numpy as np
import torch

from ._tensors import as_torch, check_finite
from .camera import Camera, normalize_screen, project
from .datasets import H36M_ACTION_ABBREVIATIONS, h36m_action, table1_order
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


# --------------------------------------------------------------------------------------------
# N-MPJPE and per-action tables
# --------------------------------------------------------------------------------------------
def scale_align(pred, target):
    """Scale each pred pose [..., J, 3] by the least-squares s = <pred, target> / <pred, pred>
    (over the joints and coordinates of the pose): the alignment of N-MPJPE (Rhodin et al.,
    CVPR 2018; as evaluated by VideoPose3D)."""
    pred_t, target_t, back = _pair(pred, target)
    scale = (pred_t * target_t).sum((-1, -2), keepdim=True) / pred_t.square().sum((-1, -2), keepdim=True).clamp_min(1e-12)
    return back(scale * pred_t)


def n_mpjpe(pred, target):
    """MPJPE after scale-only alignment of every pose (``scale_align``): N-MPJPE."""
    pred_t, target_t, back = _pair(pred, target)
    return back(torch.linalg.vector_norm(scale_align(pred_t, target_t) - target_t, dim=-1).mean())


_METRICS = {"mpjpe": mpjpe, "p_mpjpe": p_mpjpe, "n_mpjpe": n_mpjpe}


def per_action_errors(predictions, targets, actions, metric="mpjpe", group: bool = True) -> dict[str, float]:
    """Error per action and their unweighted mean under "Average", the layout of Table 1.

    predictions, targets: lists of [T, J, 3] poses (one entry per sequence, e.g. per subject x
    action x camera), or single arrays; actions: one name per entry. Within an action the frames
    of all its sequences are pooled (a frame-weighted mean), and "Average" is the mean over
    actions (the Human3.6M protocol as evaluated by VideoPose3D and D3DP: the mean of per-action
    errors, not of all frames). ``metric``: "mpjpe" (Protocol #1), "p_mpjpe" (Protocol #2),
    "n_mpjpe" or a function (pred, target) -> scalar. ``group``: merge recordings of one Table 1
    action ("Directions 1" -> "Directions", see ``datasets.h36m_action``). The 15 Table 1
    actions come first in column order. Values are floats in the poses' units.
    """
    if isinstance(predictions, (torch.Tensor, np.ndarray)):  # one sequence
        predictions, targets, actions = [predictions], [targets], [actions]
    actions = list(actions)
    if not len(predictions) == len(targets) == len(actions):
        raise ValueError(
            f"expected one target and one action per prediction, got {len(predictions)} predictions, "
            f"{len(targets)} targets and {len(actions)} actions"
        )
    if not predictions:
        raise ValueError("expected at least one sequence, got none")
    fn = _METRICS.get(metric, metric) if isinstance(metric, str) else metric
    if not callable(fn):
        raise ValueError(f"expected metric as one of {sorted(_METRICS)} or a function, got {metric!r}")
    pooled: dict[str, tuple[list, list]] = {}
    for pred, target, action in zip(predictions, targets, actions):
        pred_t, target_t, _ = _pair(pred, target)
        key = h36m_action(action) if group else str(action)
        pooled.setdefault(key, ([], []))
        pooled[key][0].append(pred_t.reshape(-1, *pred_t.shape[-2:]))
        pooled[key][1].append(target_t.reshape(-1, *target_t.shape[-2:]))
    table = {}
    for key in table1_order(pooled):
        preds, targs = pooled[key]
        table[key] = float(fn(torch.cat(preds), torch.cat([t.to(preds[0]) for t in targs])))
    table["Average"] = sum(table.values()) / len(table)
    return table


def format_action_table(rows: dict, scale: float = 1000.0, digits: int = 1, transpose: bool = False) -> str:
    """A Markdown table like the paper's Table 1: one row per entry of ``rows`` (name -> the dict
    of ``per_action_errors``), actions as columns with Table 1's abbreviations, "Avg" last.
    ``scale`` 1000 turns metres into mm; ``transpose`` puts the actions in rows instead."""
    if not rows:
        raise ValueError("expected at least one row (name -> per-action errors), got none")
    columns = []
    for table in rows.values():
        columns += [k for k in table if k not in columns and k != "Average"]
    columns.append("Average")
    header = [H36M_ACTION_ABBREVIATIONS.get(c, "Avg" if c == "Average" else c) for c in columns]

    def cell(table, column):
        return f"{table[column] * scale:.{digits}f}" if column in table else "-"

    if transpose:
        return markdown_table(["action", *rows], [[h, *(cell(t, c) for t in rows.values())]
                                                  for c, h in zip(columns, header)])
    return markdown_table(["", *header], [[name, *(cell(t, c) for c in columns)] for name, t in rows.items()])


def markdown_table(header, rows) -> str:
    """A Markdown table from a header row and rows of cells (anything printable)."""
    def line(cells) -> str:
        return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"

    return "\n".join([line(header), "|---" * len(header) + "|", *(line(row) for row in rows)])


# --------------------------------------------------------------------------------------------
# Aggregating multiple hypotheses (D3DP conventions; docs/design.md, "Hypothesis aggregation")
# --------------------------------------------------------------------------------------------
# Hypotheses are [H, ..., F, J, 3] (H first), root-relative metres. Every function returns one
# pose per input pose, [..., F, J, 3], as the same kind (torch / NumPy) as ``hypotheses``.
def _hypotheses(hypotheses) -> tuple[torch.Tensor, object]:
    hyp, back = as_torch(hypotheses, "hypotheses")
    if hyp.ndim < 3 or hyp.shape[-1] != 3:
        raise ValueError(f"expected hypotheses of shape [H, ..., J, 3], got {list(hyp.shape)}")
    check_finite(hyp, "hypotheses")
    return hyp, back


def _like(x, name: str, shape, ref: torch.Tensor, tail: str) -> torch.Tensor:
    tensor, _ = as_torch(x, name)
    if tuple(tensor.shape) != tuple(shape):
        raise ValueError(f"expected {name} of shape {list(shape)} ([{tail}]), got {list(tensor.shape)}")
    check_finite(tensor, name)
    return tensor.to(ref)


def _pick_per_joint(hyp: torch.Tensor, distances: torch.Tensor) -> torch.Tensor:
    """hyp [H, ..., J, 3], distances [H, ..., J] -> per joint the hypothesis at the smallest one."""
    best = distances.argmin(0, keepdim=True)  # [1, ..., J]
    return torch.gather(hyp, 0, best.unsqueeze(-1).expand((1,) + hyp.shape[1:]))[0]


def p_agg(hypotheses):
    """P-Agg: the mean pose over the hypotheses (D3DP)."""
    hyp, back = _hypotheses(hypotheses)
    return back(hyp.mean(0))


def j_best(hypotheses, target):
    """J-Best (oracle, D3DP): per joint, the hypothesis closest to the ground truth."""
    hyp, back = _hypotheses(hypotheses)
    tgt = _like(target, "target", hyp.shape[1:], hyp, "..., J, 3")
    return back(_pick_per_joint(hyp, torch.linalg.vector_norm(hyp - tgt, dim=-1)))


def p_best(hypotheses, target):
    """P-Best (oracle): per pose (every frame of every sample), the whole hypothesis with the
    lowest MPJPE. Per joint J-Best can only do better, so MPJPE(J-Best) <= MPJPE(P-Best).

    The official D3DP / DDHPose evaluation instead picks one hypothesis for a whole batch after
    averaging its error over the batch, which makes the number depend on the batch size: see
    ``p_best_batch``.
    """
    hyp, back = _hypotheses(hypotheses)
    tgt = _like(target, "target", hyp.shape[1:], hyp, "..., J, 3")
    pose_error = torch.linalg.vector_norm(hyp - tgt, dim=-1).mean(-1)  # [H, ..., F]
    best = pose_error.argmin(0, keepdim=True)[..., None, None].expand((1,) + hyp.shape[1:])
    return back(torch.gather(hyp, 0, best)[0])


def p_best_batch(hypotheses, target, batch_size: int | None = None):
    """P-Best as the official D3DP / DDHPose evaluation computes it: the MPJPE of each hypothesis
    is averaged over a whole batch and the single best hypothesis index is used for every pose of
    that batch (so the result depends on how the data is batched).

    hypotheses [H, B, ..., J, 3]; ``batch_size`` splits axis B (the first after H) into batches of
    that many samples (the last may be smaller); None treats everything as one batch.
    """
    hyp, back = _hypotheses(hypotheses)
    tgt = _like(target, "target", hyp.shape[1:], hyp, "B, ..., J, 3")
    if hyp.ndim < 4:
        raise ValueError(f"expected hypotheses of shape [H, B, ..., J, 3], got {list(hyp.shape)}")
    size = hyp.shape[1] if batch_size is None else int(batch_size)
    if size < 1:
        raise ValueError(f"expected batch_size >= 1 or None, got {batch_size}")
    chunks = []
    for start in range(0, hyp.shape[1], size):
        h, t = hyp[:, start:start + size], tgt[start:start + size]
        error = torch.linalg.vector_norm(h - t, dim=-1).flatten(1).mean(1)  # [H]
        chunks.append(h[int(error.argmin())])
    return back(torch.cat(chunks))


def j_agg(hypotheses, keypoints_2d, camera, trajectory, distort: bool = True):
    """J-Agg (D3DP): per joint, the hypothesis whose 2D reprojection is closest to the input 2D.

    Each root-relative hypothesis is put back in the camera frame with the root ``trajectory``
    [..., F, 3] (metres), projected with ``camera`` (``camera.project``, with lens distortion when
    ``distort``) and normalised to screen coordinates with the camera's resolution; the joint is
    taken from the hypothesis with the smallest Euclidean distance to ``keypoints_2d``
    [..., F, J, 2] (normalised screen coordinates). In D3DP the trajectory is the ground-truth
    root: J-Agg needs no 3D ground truth for the pose itself, but does need camera and root.
    """
    hyp, back = _hypotheses(hypotheses)
    return back(_pick_per_joint(hyp, reprojection_distances(hyp, keypoints_2d, camera, trajectory, distort)))


def reprojection_distances(hypotheses, keypoints_2d, camera, trajectory, distort: bool = True) -> torch.Tensor:
    """[H, ..., F, J]: each hypothesis's joints put back in the camera frame with the root
    ``trajectory`` [..., F, 3], projected with ``camera`` and compared with ``keypoints_2d``
    [..., F, J, 2] (normalised screen coordinates): J-Agg's selection criterion."""
    hyp, _ = _hypotheses(hypotheses)
    if not isinstance(camera, Camera):
        raise TypeError(f"expected camera as a ddhpose_lite.camera.Camera, got {type(camera).__name__}")
    kp = _like(keypoints_2d, "keypoints_2d", hyp.shape[1:-1] + (2,), hyp, "..., F, J, 2")
    traj = _like(trajectory, "trajectory", hyp.shape[1:-2] + (3,), hyp, "..., F, 3")
    pixels = project(hyp + traj.unsqueeze(-2), camera, distort=distort)
    screen = normalize_screen(pixels, camera.res_w, camera.res_h)
    return torch.linalg.vector_norm(screen - kp, dim=-1)


def picked_p_errors(hypotheses, target, distances=None):
    """P-MPJPE of a per-joint selection as the official D3DP / DDHPose evaluation computes it, per
    pose [..., F] (mean over joints): every hypothesis is first Procrustes-aligned to the target,
    then per joint the aligned error of the chosen hypothesis counts. The choice is the smallest
    ``distances`` [H, ..., F, J] (J-Agg: ``reprojection_distances`` of the unaligned hypotheses),
    or with None the smallest aligned error itself (J-Best).

    This differs from the P-MPJPE of the assembled J-Agg / J-Best pose (``p_mpjpe`` of the output
    of ``j_agg`` / ``j_best``), which aligns the pose after picking; docs/design.md compares both.
    """
    hyp, back = _hypotheses(hypotheses)
    tgt = _like(target, "target", hyp.shape[1:], hyp, "..., F, J, 3")
    aligned = procrustes_align(hyp, tgt.expand_as(hyp))
    errors = torch.linalg.vector_norm(aligned - tgt, dim=-1)  # [H, ..., F, J]
    if distances is None:
        picked = errors.amin(0)
    else:
        choice = torch.as_tensor(distances).to(errors.device)
        if tuple(choice.shape) != tuple(errors.shape):
            raise ValueError(f"expected distances of shape {list(errors.shape)}, got {list(choice.shape)}")
        picked = torch.gather(errors, 0, choice.argmin(0, keepdim=True))[0]
    return back(picked.mean(-1))


def p_best_p_errors(hypotheses, target, batch_size: int | None = None):
    """P-MPJPE of P-Best as the official evaluation computes it, per pose [..., F]: every hypothesis
    is Procrustes-aligned first and the hypothesis with the lowest ALIGNED error is picked (the
    P-Best pose of ``p_best`` is picked by its unaligned error, so aligning it afterwards can give a
    larger P-MPJPE). ``batch_size`` None: one pick per pose; an int: the official batching, one pick
    for every ``batch_size`` samples of axis B of hypotheses [H, B, ..., F, J, 3] after averaging
    the aligned error over them (as ``p_best_batch`` does for MPJPE)."""
    hyp, back = _hypotheses(hypotheses)
    tgt = _like(target, "target", hyp.shape[1:], hyp, "..., F, J, 3")
    aligned = procrustes_align(hyp, tgt.expand_as(hyp))
    pose = torch.linalg.vector_norm(aligned - tgt, dim=-1).mean(-1)  # [H, ..., F]
    if batch_size is None:
        return back(pose.amin(0))
    if hyp.ndim < 5 or int(batch_size) < 1:
        raise ValueError(f"expected hypotheses [H, B, ..., F, J, 3] and batch_size >= 1, got {list(hyp.shape)} "
                         f"and {batch_size}")
    size = int(batch_size)
    chunks = [part[int(part.flatten(1).mean(1).argmin())] for part in pose.split(size, dim=1)]
    return back(torch.cat(chunks))


def weak_perspective_fit(pose, keypoints_2d):
    """Scale s [..., 1, 1] and translation t [..., 1, 2] minimising ||s * pose_xy + t - kp||^2 per
    pose (over its joints): the closed-form least squares with centred coordinates,
    s = <X - X̄, x - x̄> / ||X - X̄||², t = x̄ - s X̄ (orthographic camera + scale)."""
    xy, back = as_torch(pose, "pose")
    xy = xy[..., :2]
    kp = _like(keypoints_2d, "keypoints_2d", xy.shape, xy, "..., J, 2")
    mu_pose, mu_kp = xy.mean(-2, keepdim=True), kp.mean(-2, keepdim=True)
    centred = xy - mu_pose
    scale = (centred * (kp - mu_kp)).sum((-1, -2), keepdim=True) / centred.square().sum((-1, -2), keepdim=True).clamp_min(1e-12)
    return back(scale), back(mu_kp - scale * mu_pose)


def j_agg_weak_perspective(hypotheses, keypoints_2d):
    """J-Agg without a camera: a weak-perspective camera (scale + 2D translation) is fitted per
    pose to the input 2D with the P-Agg pose (``weak_perspective_fit``), every hypothesis is
    reprojected with it, and per joint the hypothesis closest to ``keypoints_2d`` [..., F, J, 2]
    is kept. An approximation of ``j_agg`` for in-the-wild video with unknown intrinsics."""
    hyp, back = _hypotheses(hypotheses)
    kp = _like(keypoints_2d, "keypoints_2d", hyp.shape[1:-1] + (2,), hyp, "..., F, J, 2")
    scale, shift = weak_perspective_fit(hyp.mean(0), kp)
    reprojected = scale * hyp[..., :2] + shift
    return back(_pick_per_joint(hyp, torch.linalg.vector_norm(reprojected - kp, dim=-1)))
