"""Worked solutions of every lesson's exercises. Try first: a check that says "not quite" tells
you more than a solution read too early.

One function per exercise, grouped by lesson. For questions with a value as the answer, the
function computes and returns that value. ``ddhpose_lite.lessons.show_solution(lesson, number)``
prints one of them; ``tests/test_exercises.py`` runs every one through its check.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..ablations import load_results
from ..diffusion import Schedule
from ..skeleton import H36M
from ..video import TYPICAL_HEIGHT

# ---------------------------------------------------------------------------------------------
# Lesson 01 · The skeleton is a tree


def levels_from_parents(parents):
    """Exercise 1: the level (depth) of every joint of a tree, whatever the order of the joints.

    A joint's level is its parent's level + 1 and the root's is 0. Parents may come after their
    children, so one pass in index order is not enough: walk up from each joint instead.
    """
    levels = []
    for joint in range(len(parents)):
        depth = 0
        while parents[joint] >= 0:  # climb to the root, counting bones
            joint = parents[joint]
            depth += 1
        levels.append(depth)
    return levels


def path_between(parents, a, b):
    """Exercise 2: the joints on the tree path from a to b, both included.

    Climb from a to the root and from b to the root; the lowest joint the two climbs share is
    where the path turns. Up from a to it, then down to b.
    """
    def up(joint):  # joint, parent, grand-parent, ..., root
        chain = [joint]
        while parents[chain[-1]] >= 0:
            chain.append(parents[chain[-1]])
        return chain

    from_a, from_b = up(a), up(b)
    turn = next(joint for joint in from_a if joint in from_b)  # the lowest common ancestor
    return tuple(from_a[:from_a.index(turn) + 1]) + tuple(reversed(from_b[:from_b.index(turn)]))


def triplets_of(parents):
    """Exercise 3: every (parent, joint, child) triplet of a tree, in any order of the joints.

    Each joint that has a parent contributes one triplet per child.
    """
    triplets = []
    for child, joint in enumerate(parents):
        if joint >= 0 and parents[joint] >= 0:  # the child's parent is a joint that has a parent
            triplets.append((parents[joint], joint, child))
    return triplets


# ---------------------------------------------------------------------------------------------
# Lesson 02 · Bones: lengths and directions


def lever_arm_cm():
    """Exercise 1: how far the end of a 28 cm bone moves when its direction gets noise σ = 0.1.

    Only the part of σ·ε perpendicular to d turns the bone: the part along d changes the length
    of d + σε, which the normalisation removes. That part is a 2D Gaussian with σ per axis, whose
    mean length is σ·√(π/2) ≈ 1.25 σ. So the bone turns by about 0.125 rad, and its end moves by
    28 cm × 0.125 ≈ 3.5 cm.
    """
    return 28.0 * 0.1 * math.sqrt(math.pi / 2)


def forward_kinematics(parents, bone_vectors):
    """Exercise 2: joints [J, 3] from bone vectors [J, 3] (row j = y_j − y_parent(j); the root's
    row is meaningless) for a tree in any order, root at the origin.

    A joint is its parent plus its bone vector, so a parent must be placed before its children.
    Placing joints in order of their level guarantees that, whatever their indices.
    """
    vectors = torch.as_tensor(bone_vectors)
    levels = levels_from_parents(parents)
    joints = torch.zeros_like(vectors)
    for joint in sorted(range(len(parents)), key=levels.__getitem__):
        if parents[joint] >= 0:  # the root stays at the origin, whatever its row holds
            joints[joint] = joints[parents[joint]] + vectors[joint]
    return joints


def estimate_lengths(noisy_poses, sigma):
    """Exercise 3: the 16 bone lengths [16, 1] of a person from a clip of noisy poses [F, 17, 3]
    (every joint but the pelvis moved by σ·ε per axis, ε ~ N(0, 1)).

    Averaging the per-frame lengths removes the jitter but not the bias: a bone's noisy vector is
    v + e, where e is the difference of its two ends' noise, s² per axis (s² = 2σ², or σ² for a
    bone that starts at the fixed pelvis). Then E‖v + e‖² = l² + 3s² exactly, so average the
    *squared* lengths and subtract 3s².
    """
    from_pelvis = torch.tensor([1.0 if parent == 0 else 2.0 for parent in H36M.parents[1:]]).unsqueeze(-1)
    vectors = noisy_poses[..., 1:, :] - noisy_poses[..., list(H36M.parents[1:]), :]  # [F, 16, 3]
    mean_square = vectors.square().sum(-1, keepdim=True).mean(0)  # [16, 1]
    return (mean_square - 3 * from_pelvis * sigma**2).clamp_min(0).sqrt()


# ---------------------------------------------------------------------------------------------
# Lesson 03 · Noise on purpose


def swamped_timesteps():
    """Exercise 1: the first t at which a 0.4 m thigh, then a unit direction, is more noise than
    signal in the cosine schedule: √(1 − ᾱ_t) > √ᾱ_t · size, i.e. SNR_t = ᾱ_t / (1 − ᾱ_t) < 1/size².
    """
    snr = Schedule.cosine().snr
    thigh = int(torch.nonzero(snr < 1 / 0.4**2)[0])
    direction = int(torch.nonzero(snr < 1.0)[0])
    return thigh, direction


def ddim_step_from_alpha_bars(x_t, x0_pred, alpha_bar_t, alpha_bar_next, eta, z):
    """Exercise 2: one DDIM step (paper Eq. 4) from the two ᾱ values, with fresh noise z given.

    Read off the noise that x_t carries if x̂₀ is right, then rebuild x at the next noise level
    from x̂₀, part of that noise and a share σ of fresh noise.
    """
    eps = (x_t - math.sqrt(alpha_bar_t) * x0_pred) / math.sqrt(1 - alpha_bar_t)
    sigma = eta * math.sqrt((1 - alpha_bar_next) / (1 - alpha_bar_t) * (1 - alpha_bar_t / alpha_bar_next))
    kept = math.sqrt(max(1 - alpha_bar_next - sigma**2, 0.0))
    return math.sqrt(alpha_bar_next) * x0_pred + kept * eps + sigma * z


def log_snr_linear_betas(T, start, end):
    """Exercise 3: betas [T] whose log-SNR falls in a straight line from ``start`` (t = 0) to
    ``end`` (t = T − 1).

    SNR = ᾱ / (1 − ᾱ), so ᾱ = sigmoid(log SNR). Then each β undoes one step of the product:
    1 − β_t = ᾱ_t / ᾱ_{t−1} (and 1 − β_0 = ᾱ_0).
    """
    alpha_bar = torch.sigmoid(torch.linspace(start, end, T, dtype=torch.float64))
    previous = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bar[:-1]])
    return 1 - alpha_bar / previous


# ---------------------------------------------------------------------------------------------
# Lesson 04 · Attention that knows the skeleton


def hrst_by_hand(A, triplets):
    """Exercise 1: Algorithm 1 on logits A [J, J] for any list of (parent, joint, child) triplets,
    every update reading the original A (so the order of the triplets does not matter)."""
    out = A.clone()
    for p, j, c in triplets:
        out[j, c] = (A[j, c] + A[p, j]) / 2
        out[c, j] = (A[c, j] + A[p, j]) / 2
    return out


def child_features(x, parents):
    """Exercise 2: HRTT's f_c for features x [..., J, C] of any tree: row j is the mean of joint
    j's feature and its children's (a leaf keeps its own).

    As one matrix product: M[j, m] = 1 / (1 + number of children of j) for m in {j} ∪ children(j).
    """
    n = len(parents)
    mean = torch.zeros(n, n, dtype=x.dtype)
    for j in range(n):
        members = [j] + [c for c in range(n) if parents[c] == j]
        mean[j, members] = 1.0 / len(members)
    return torch.einsum("jk,...kc->...jc", mean, x)


def denoiser_parameters(frames, width, depth, joints=17, levels=6, mlp_ratio=2.0, shared_child_keys=False):
    """Exercise 3: the number of parameters of ``HSTDenoiser`` (HRST, HRTT, level embedding and
    the norms between blocks on), read off ``model.py``. The number of heads does not matter: the
    heads split the width, they do not add weights. ``shared_child_keys``: the variant whose HRTT
    layers (1 and up) share one K_c projection instead of one each.
    """
    w, hidden = width, int(width * mlp_ratio)
    linear = lambda a, b: a * b + b  # noqa: E731  weights and biases of nn.Linear(a, b)
    embeddings = linear(6, w) + joints * w + levels * w + frames * w  # input, joint (HSP), level (HSP), frame (TP)
    timestep = linear(w, 2 * w) + linear(2 * w, w)  # the MLP after the sinusoidal embedding
    block = 2 * (2 * w) + linear(w, 3 * w) + linear(w, w) + linear(w, hidden) + linear(hidden, w)  # 2 LayerNorms, qkv, proj, MLP
    hrtt_layers = depth - 1  # HRTT's K_c projection: one per layer 1 and up, or one for all of them
    child_keys = (min(hrtt_layers, 1) if shared_child_keys else hrtt_layers) * linear(w, w)
    norms = 2 * (2 * w) + 2 * w  # the shared spatial and temporal norms between blocks, the final norm
    return embeddings + timestep + 2 * depth * block + child_keys + norms + linear(w, 3)


# ---------------------------------------------------------------------------------------------
# Lesson 05 · Training DDHPose


def final_learning_rate():
    """Exercise 1: the paper decays lr 1e-4 by ×0.993 once per epoch, 400 times."""
    return 1e-4 * 0.993**400


def _bones(pose, parents):
    """Bone lengths [..., B, 1] and directions [..., B, 3] of every non-root joint of a tree."""
    children = [j for j, p in enumerate(parents) if p >= 0]
    vectors = pose[..., children, :] - pose[..., [parents[j] for j in children], :]
    length = vectors.norm(dim=-1, keepdim=True)
    return length, vectors / length


def paper_loss(pred, target, parents):
    """Exercise 2: the paper's objective (Eqs. 7–10) for poses [B, F, J, 3] of any tree:
    L = L_pos + L_l + L_d with plain norms, all weights 1.

    L_pos: mean joint distance (every joint, the root too); L_l: mean |l̂ − l| over bones and
    frames; L_d: mean ‖d̂ − d‖ over bones and frames.
    """
    pred_length, pred_direction = _bones(pred, parents)
    length, direction = _bones(target, parents)
    pose = (pred - target).norm(dim=-1).mean()
    return pose + (pred_length - length).abs().mean() + (pred_direction - direction).norm(dim=-1).mean()


def official_objective(pred, target, parents):
    """Exercise 3: what to backpropagate to get the official code's gradient.

    Its loss squares the length term, on lengths averaged over the frames of a clip (axis 1), and
    squares the direction term; then ``loss.backward(loss.detach())`` multiplies the gradient by
    the loss value. The gradient of L · stop_gradient(L) is exactly L · ∇L (so is that of L² / 2).
    """
    pred_length, pred_direction = _bones(pred, parents)
    length, direction = _bones(target, parents)
    pose = (pred - target).norm(dim=-1).mean()
    length_term = (pred_length.mean(1) - length.mean(1)).square().mean()
    direction_term = (pred_direction - direction).square().sum(-1).mean()
    loss = pose + length_term + direction_term
    return loss * loss.detach()


# ---------------------------------------------------------------------------------------------
# Lesson 06 · Many answers


def usable_aggregations():
    """Exercise 1: a video from the internet has no ground truth and no calibration. J-Best and
    P-Best compare with the ground truth; J-Agg projects with a calibrated camera at the true root.
    P-Agg needs nothing, the weak-perspective J-Agg only the 2D keypoints."""
    return {"P-Agg", "J-Agg (weak persp.)"}


def j_agg_from_reprojections(hypotheses, reprojections, keypoints_2d):
    """Exercise 2: J-Agg with the reprojections given: hypotheses [H, F, J, 3], their 2D
    reprojections [H, F, J, 2], the input keypoints [F, J, 2] -> [F, J, 3].

    Per frame and joint, take the 3D position of the hypothesis whose reprojection lands closest
    to the input keypoint.
    """
    best = (reprojections - keypoints_2d).norm(dim=-1).argmin(0)  # [F, J]: a hypothesis per joint
    index = best[None, ..., None].expand(1, *hypotheses.shape[1:])  # [1, F, J, 3]
    return torch.gather(hypotheses, 0, index)[0]


def medoid_aggregation(hypotheses):
    """Exercise 3: per frame and joint, the hypothesis with the smallest total distance to all the
    others (a medoid): no ground truth, no camera, and one wild hypothesis cannot drag it the way it
    drags the mean. hypotheses [H, F, J, 3] -> [F, J, 3].
    """
    distances = (hypotheses[:, None] - hypotheses[None]).norm(dim=-1)  # [H, H, F, J]
    best = distances.sum(1).argmin(0)  # [F, J]; ties go to the first hypothesis
    index = best[None, ..., None].expand(1, *hypotheses.shape[1:])
    return torch.gather(hypotheses, 0, index)[0]


# ---------------------------------------------------------------------------------------------
# Lesson 07 · The family and the ablations


def bones_out_paired_p_mpjpe():
    """"bones out" minus DDHPose, P-MPJPE on the captured test subjects, seed by seed (same seed, same data):
    the mean of the differences and their spread, max − min (mm)."""
    runs = load_results()["runs"]
    errors = {name: {r["seed"]: 1000 * r["single"]["captured"]["P-Agg"]["P-MPJPE"] for r in runs[name]}
              for name in ("bones out", "ddhpose")}
    differences = [errors["bones out"][seed] - errors["ddhpose"][seed] for seed in sorted(errors["ddhpose"])]
    return sum(differences) / len(differences), max(differences) - min(differences)


def shifted_forward(x0, alpha_bar, mean, scale, eps):
    """DiffPose's forward process (its Eq. 6): x_t = √ᾱ x0 + (1 − √ᾱ) μ + √(1 − ᾱ) σ ⊙ ε."""
    signal = math.sqrt(alpha_bar)
    return signal * x0 + (1 - signal) * mean + math.sqrt(1 - alpha_bar) * scale * eps


def em_step(x, weights, means, variances):
    """One EM iteration of a diagonal Gaussian mixture; x [N, D], weights [K], means and variances [K, D]."""
    diff = x[:, None, :] - means[None]  # [N, K, D]
    log_normal = -0.5 * (diff ** 2 / variances + torch.log(2 * math.pi * variances)).sum(-1)  # [N, K]
    gamma = torch.softmax(torch.log(weights) + log_normal, dim=1)  # E-step: normalised over k, in log space
    mass = gamma.sum(0)  # [K]
    new_means = gamma.T @ x / mass[:, None]
    new_variances = (gamma[..., None] * (x[:, None, :] - new_means[None]) ** 2).sum(0) / mass[:, None]
    return mass / len(x), new_means, new_variances


# ---------------------------------------------------------------------------------------------
# Lesson 08 · Your own video


def to_screen(points, width, height):
    """MediaPipe's (x / w, y / h) [..., 2] -> normalised screen coordinates: pixels first, then
    x / w * 2 - 1 and y / w * 2 - h / w."""
    pixels = points * torch.tensor([width, height], dtype=points.dtype)
    return pixels / width * 2 - torch.tensor([1.0, height / width], dtype=points.dtype)


def fill_gap(values, seen, longest):
    """Every run of at most ``longest`` unseen values [F] linearly interpolated in time from the
    seen ones (held beyond the ends); longer runs keep their values."""
    frames = np.arange(len(values))
    filled = np.interp(frames, frames[seen], values[seen])
    out = values.astype(float)
    first = 0
    while first < len(values):
        if seen[first]:
            first += 1
            continue
        stop = first
        while stop < len(values) and not seen[stop]:
            stop += 1
        if stop - first <= longest:  # a short gap: on the line; a long one keeps the detector's guesses
            out[first:stop] = filled[first:stop]
        first = stop
    return out


def zoom_factor(pixels, width, found):
    """TYPICAL_HEIGHT over the person's median height, as a fraction of the image width, over the
    frames with a person. The median ignores a few glitched frames; the width is the unit of
    TYPICAL_HEIGHT (in screen coordinates the width spans 2, hence lift_track's half extent)."""
    heights = (pixels[found, :, 1].max(-1) - pixels[found, :, 1].min(-1)) / width
    return TYPICAL_HEIGHT / float(np.median(heights))
