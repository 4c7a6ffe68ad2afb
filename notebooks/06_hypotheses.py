# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 06 · Many answers: multi-hypothesis inference
#
# **The question of this lesson:** *one 2D pose has many 3D explanations. How does DDHPose
# produce several of them, how do we turn them back into one answer, and what does their
# disagreement tell us?*
#
# Lifting 2D to 3D is ambiguous: a wrist seen at one spot in the image could be 20 cm in front
# of the body or 20 cm behind it. A regression network has to commit to one answer (in practice
# the average of the plausible ones). A diffusion model samples: start from different noise and
# you get different, equally plausible poses. DDHPose (Cai et al., AAAI 2024) draws **H
# hypotheses** and refines each over **K DDIM iterations**, then aggregates them.
#
# **Learning objectives.** By the end of this lesson you can:
# - run DDHPose's inference (the paper's Fig. 5) and say what each of the K iterations and H
#   hypotheses contributes;
# - aggregate hypotheses four ways (P-Agg, J-Agg, J-Best, P-Best), say what each needs, and
#   compute them by hand;
# - read the hypotheses' spread as an uncertainty estimate, and say where and why it is large;
# - lift 2D keypoints from a detector file (COCO layout) to 3D.
#
# **Time:** about 60 minutes: 35 to read and explore, 25 for the exercises.
#
# You will:
# 1. run the inference pipeline of the paper's Fig. 5 on a clip and look at what comes out;
# 2. scrub DDIM iterations, hypotheses and frames and watch the hypotheses converge and disagree;
# 3. aggregate hypotheses four ways (P-Agg, J-Agg, J-Best, P-Best), by hand and with the library;
# 4. measure how H and K change the error, and what a camera is worth to J-Agg;
# 5. find where hypotheses disagree, and why that is the point of a probabilistic model;
# 6. lift a 2D keypoint file from a detector (COCO layout) yourself.
# 7. read what the paper's numbers depend on beyond Fig. 5: test-time flip, the camera J-Agg uses, how
#    P-Best is picked.
#
# **Runtime:** about 30 s on a 2-core CPU (up to a minute when the machine is busy), under
# 900 MB of memory. No GPU, no downloads: it uses the small checkpoint shipped in the package.

# %% [markdown]
# ## Setup
#
# Run this cell first. Locally and on Binder everything is installed already, and it only checks
# the environment (`ddhpose_lite.notebook_setup()` runs `doctor()`: versions, device, widget support,
# memory). On Google Colab it first installs the package from the repository (about a minute) and
# switches on Colab's support for interactive widgets.

# %%
import subprocess
import sys

REPOSITORY = "https://github.com/ddhpose-lite/ddhpose_lite"  # the one place: pyproject.toml [project.urls]
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"ddhpose_lite @ git+{REPOSITORY}"], check=True)

import ddhpose_lite

ddhpose_lite.notebook_setup()

# %% [markdown]
# The figures below redraw when you move a control once the kernel is idle: after **Run All**,
# wait until the last cell has finished (the circle at the top right of JupyterLab turns empty).

# %%
import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

import ddhpose_lite
from ddhpose_lite import metrics, viz, widgets
from ddhpose_lite.datasets import synthetic_sequences
from ddhpose_lite.diffusion import ddim_time_pairs
from ddhpose_lite.keypoints import COCO_NAMES, coco_to_h36m, load_keypoints_json
from ddhpose_lite.lifter import LiftResult
from ddhpose_lite.skeleton import H36M

lifter = ddhpose_lite.load_pretrained()  # a small HSTDenoiser trained on captured + generated motion (lesson 05)
test = synthetic_sequences("test", 3000, seed=0, noise_2d=2.0)  # held-out subjects, 2 px detector-like noise
print(f"the model sees {lifter.frames} frames at a time; {len(test)} test sequences")

# %% [markdown]
# ## 1 · The inference pipeline (paper Fig. 5)
#
# Training taught the denoiser D one thing: given the 2D keypoints and a noisy bone state at
# time t, predict the clean 3D pose x̂₀. Inference uses it like this:
#
# ```
#  2D keypoints [F, 17, 2] ────────────────────────────┐ (the condition, every step)
#                                                      ▼
#  H × bone states ~ N(0, I) ──► D(2D, x_t, t) ──► x̂₀ (3D joints) ──► disentangle (Eq. 1)
#        x_T, t = 999              ▲                                     │
#                                  └──── DDIM step (Eq. 4): x_t → x_t' ◄─┘     K times
#
#  after K steps: H hypotheses x̂₀ ──► aggregate (P-Agg, J-Agg, ...) ──► one pose per frame
# ```
#
# The H hypotheses run side by side in one batch, so 5 hypotheses cost 5× the compute but only
# one pass through the Python code. A sequence longer than the model's window is cut into
# overlapping windows that are blended back together, so any length works.
#
# `Lifter.lift` does all of this and keeps **every** x̂₀ of every iteration and hypothesis.
# By default it also averages each prediction with that of the mirrored input (test-time flip
# augmentation, as the official code always does). Let's lift 54 frames of a test clip.

# %%
seq = test[1]
clip = slice(0, 54)
kp, truth = seq.keypoints_2d[clip], seq.poses_3d[clip]  # normalised screen coords; metres, camera frame
trajectory = seq.trajectory[clip]  # where the pelvis is, in the camera frame (J-Agg needs it)
result = lifter.lift(kp, hypotheses=5, iterations=5, seed=0)

# %%
# NBVAL_CHECK_OUTPUT
print("poses:        ", list(result.poses.shape), "= [K iterations, H hypotheses, F frames, 17 joints, xyz]")
print("P-Agg:        ", list(result.p_agg().shape))
print("uncertainty:  ", list(result.uncertainty().shape), "(spread of the hypotheses per joint, metres)")
print("reprojections:", list(result.reproject().shape), "(each hypothesis back in 2D)")
print("DDIM times:   ", ddim_time_pairs(1000, 5))
# the times by hand: T = 1000 steps in K = 5 jumps of T / K = 200, from t = 999 down to -1 (x̂₀ itself)
assert ddim_time_pairs(1000, 5) == [(999 - 200 * k, 999 - 200 * (k + 1)) for k in range(5)], "DDIM times"

# %% [markdown]
# **Diffusion or a plain regressor?** The package ships a second model trained on the same data:
# the single-frame baseline of Martinez et al. (ICCV 2017), an MLP that maps one frame's 2D
# keypoints to one 3D pose, with no hypotheses and no time context. Same clip, both models:

# %%
baseline = ddhpose_lite.load_pretrained("baseline")
plain = baseline.lift(kp, hypotheses=1, iterations=1).p_agg()
one_step = lifter.lift(kp, hypotheses=1, iterations=1, seed=0).p_agg()
for name, pose in {"baseline (MLP)": plain, "DDHPose, H = K = 1": one_step, "DDHPose, H = K = 5": result.p_agg()}.items():
    print(f"{name:<20} MPJPE {1000 * float(metrics.mpjpe(pose, truth)):6.1f} mm   "
          f"P-MPJPE {1000 * float(metrics.p_mpjpe(pose, truth)):6.1f} mm")

# %% [markdown]
# One clip of 54 frames is a small sample: the README's table compares the two on thousands of
# test frames of people neither model saw. What DDHPose adds beyond the number is what the rest
# of this lesson is about: several hypotheses, and how much they disagree where the 2D is ambiguous.

# %% [markdown]
# Iteration k starts from the state at time t_k and predicts x̂₀; the DDIM step then moves to
# t_{k+1}, re-noising x̂₀ to that level. With η = 1 and jumps this big, the fresh noise is not a
# little: it is nearly all of the noise the next level has (85 to 100 % of √(1 − ᾱ_{t+1}), lesson
# 03, sections 5 and 7), so each iteration is close to "predict x̂₀, re-noise it, predict again".
# The first iteration sees pure noise at t = 999, so its x̂₀ is the model's best guess from the 2D
# alone.
#
# **Notation.** The paper calls the number of iterations **W** (Table 1's "H = 20, W = 10"); here
# it is **K**, the `iterations` argument of `Lifter.lift` and the first axis of `result.poses`
# above. Each iteration is one (t, t′) pair of the DDIM times, one call of the denoiser per
# hypothesis.
#
# ## 2 · Scrub iterations, hypotheses and frames
#
# Left: the 3D hypotheses (camera frame, drawn upright; dashed green is the ground truth).
# Right: the 2D input (grey) with every hypothesis projected back onto the image (blue) through
# the sequence's camera. Joints are coloured by how much the hypotheses disagree there (their
# mean distance to their mean, in mm). With hypothesis = "all", the thick black skeleton is
# the aggregate P-Agg; pick one hypothesis to see it alone. The frame starts where the
# hypotheses disagree most. Everything was computed by the lift above: the sliders only look
# things up, the model never runs again.

# %%
scrubber = widgets.hypothesis_scrubber(result, camera=seq.camera, trajectory=trajectory, truth=truth)
scrubber

# %% [markdown]
# `scrubber.update(iteration=0, hypothesis=2)` does what moving the sliders does (0-based
# indices; the iteration slider counts from 1). Without a live kernel use the kernel-free twin:
# the upper slider scrubs iteration · hypothesis at the most ambiguous frame, the lower one the
# clip's frames (last iteration, all hypotheses).

# %%
viz.hypothesis_explorer(result, reprojections=result.reproject(seq.camera, trajectory), truth=truth)

# %% [markdown]
# Things to look for:
#
# - **Iteration 1 is already a person.** The denoiser predicts x̂₀ directly, so even from pure
#   noise it returns a plausible pose; later iterations revise it rather than build it.
# - **The reprojections all sit on the input.** Every hypothesis explains the 2D keypoints
#   (that is what the condition is for). They differ where the image cannot tell them apart:
#   rotate the 3D view and look along the depth axis.
# - **The spread is not uniform.** Pelvis and hips barely move between hypotheses; wrists,
#   ankles and the head move most.
#
# How quickly do the hypotheses settle? The mean spread per iteration, how far each
# iteration's P-Agg still is from the final one, and its error:

# %%
for k in range(result.iterations):
    spread = 1000 * result.uncertainty(k)[:, 1:].mean()
    change = 1000 * (result.p_agg(k) - result.p_agg()).norm(dim=-1).mean()
    error = 1000 * metrics.mpjpe(result.p_agg(k), truth)
    print(f"iteration {k + 1}: spread {spread:5.1f} mm, distance to the final P-Agg {change:5.1f} mm, "
          f"MPJPE {error:5.1f} mm")

# %% [markdown]
# The distance to the final answer shrinks step by step: each DDIM step moves the state a
# smaller way (the steps get closer to t = 0). Whether the *error* falls with it depends on the
# denoiser: it must be at least as good at small t (fine corrections) as at t = 999. If your
# MPJPE column rises, the checkpoint is less accurate at small t than from pure noise, and more
# iterations cannot help it (ours is small and briefly trained; the paper's gains from K are
# small too, see section 3).
#
# **Think!** Iteration 1 starts from pure noise and already returns a plausible person. What are
# iterations 2 to K for, then?
#
# <details><summary>Answer</summary>
#
# Each later iteration sees x̂₀ re-noised to a lower level: the pose is partly given, and the
# denoiser only has to correct it, which a network that is good at small t does better than a
# guess from pure noise. The fresh noise added at every step also lets the hypotheses explore
# different corrections. If the network is not better at small t than at t = 999, more iterations
# do not help, which is what the MPJPE column above tests.
#
# </details>
#
# ## 3 · Four ways to turn H hypotheses into one pose
#
# A benchmark wants one pose per frame. D3DP (Shan et al., ICCV 2023) defined the
# aggregations that DDHPose reports:
#
# | name | per | picks | needs |
# |---|---|---|---|
# | **P-Agg** | pose | the mean of the hypotheses | nothing |
# | **J-Agg** | joint | the hypothesis whose 2D reprojection is closest to the input 2D | camera + root trajectory |
# | **J-Best** | joint | the hypothesis closest to the ground truth | ground truth (an oracle) |
# | **P-Best** | pose | the whole hypothesis with the lowest MPJPE | ground truth (an oracle) |
#
# The oracles are not usable in practice; they measure how good the *best available* answer
# among the hypotheses is, i.e. whether the right pose is in the sample at all. Let's check the
# definitions on a case small enough to compute in your head: three hypotheses of one frame,
# identical except for the left wrist (x = 0.3, 0.0, −0.3 m) and the head's depth
# (z = 0.0, 0.6, 0.25 m). In truth the wrist is at x = −0.2 and the head at z = 0.5; the 2D
# input sees the wrist on the left too.

# %%
# NBVAL_CHECK_OUTPUT
base = torch.zeros(17, 3)
base[1:, 1] = -torch.arange(1, 17, dtype=torch.float32) * 0.05  # a vertical line of joints
hand = base.repeat(3, 1, 1)  # [H = 3, 17, 3]
hand[:, 13, 0] = torch.tensor([0.3, 0.0, -0.3])  # LWrist x of each hypothesis
hand[:, 10, 2] = torch.tensor([0.0, 0.6, 0.25])  # Head depth of each hypothesis
target = base.clone()
target[13, 0], target[10, 2] = -0.2, 0.5
seen_2d = base[:, :2] * 0.5  # a weak-perspective "camera": half scale
seen_2d[13, 0] = -0.1
toy = LiftResult(poses=hand[None, :, None], keypoints_2d=seen_2d[None])  # K = 1, H = 3, F = 1

rows = {"P-Agg": toy.p_agg(), "J-Agg (weak persp.)": toy.j_agg_weak_perspective(),
        "J-Best": toy.j_best(target[None]), "P-Best": toy.p_best(target[None])}
print("aggregation            LWrist x   Head z   MPJPE (mm)")
for name, pose in rows.items():
    print(f"{name:<20} {pose[0, 13, 0].item():9.3f} {pose[0, 10, 2].item():8.3f} "
          f"{1000 * metrics.mpjpe(pose, target[None]).item():10.1f}")
print("spread (mm):", {H36M.names[j]: round(1000 * v, 1) for j, v in enumerate(toy.uncertainty()[0].tolist()) if v})

# The same numbers by hand, from the definitions: only the wrist (true x = -0.2) and the head (true z = 0.5)
# are off, so MPJPE = (wrist error + head error) / 17 joints; the spread is the mean distance to the mean.
head_mean = (0.0 + 0.6 + 0.25) / 3
picked = {"P-Agg": (0.0, head_mean), "J-Agg (weak persp.)": (-0.3, 0.0), "J-Best": (-0.3, 0.6), "P-Best": (0.0, 0.6)}
for name, (wrist_x, head_z) in picked.items():
    by_hand = (wrist_x, head_z, 1000 * (abs(wrist_x + 0.2) + abs(head_z - 0.5)) / 17)
    got = (rows[name][0, 13, 0].item(), rows[name][0, 10, 2].item(), 1000 * metrics.mpjpe(rows[name], target[None]).item())
    assert np.allclose(got, by_hand, atol=1e-4), f"{name}: {got}, by hand {by_hand}"
spread_by_hand = {"Head": sum(abs(z - head_mean) for z in (0.0, 0.6, 0.25)) / 3, "LWrist": (0.3 + 0.0 + 0.3) / 3}
for joint, value in spread_by_hand.items():
    assert abs(toy.uncertainty()[0, H36M.index(joint)].item() - value) < 1e-6, f"spread of {joint}"

# %% [markdown]
# Read it joint by joint:
#
# - **P-Agg** averages: the wrist lands at 0.0, between the two sides, where it never was.
#   Averaging is safe (never the worst hypothesis) but blurs genuinely different answers.
# - **J-Agg** looks at the image: only the hypothesis with the wrist on the left reprojects
#   onto the input, so it wins that joint. The head's depth is **invisible** in 2D: all three
#   heads reproject to the same point, and the tie goes to the first hypothesis. J-Agg can fix
#   what the image shows, not what it hides.
# - **J-Best** takes, per joint, whichever hypothesis is closest to the truth: x = −0.3 for the
#   wrist and z = 0.6 for the head. **P-Best** must take one whole hypothesis (the middle one).
#   So J-Best ≤ P-Best always: picking per joint can only do better.
#
# **Think!** Is J-Best always at least as good as P-Agg, too?
#
# <details><summary>Answer</summary>
#
# No. J-Best can only pick a position some hypothesis has; P-Agg's mean can lie where none of them
# is. Two hypotheses of a wrist at ±10 cm around the true position: P-Agg is exact, J-Best is
# 10 cm off. On real samples J-Best usually wins because the hypotheses rarely straddle the
# truth that symmetrically, but nothing guarantees it.
#
# </details>
#
# ### How H and K change the error
#
# Now the real thing, on held-out test clips (the shipped checkpoint; without flip, to keep the
# lesson quick). One lift with H = 20 gives the curve over H for free: its first h hypotheses
# are h independent draws. For K we need one lift per value (the DDIM times depend on K).

# %%
n = lifter.frames
per_clip = n * max(1, 54 // n)  # whole windows only: overlap=0 below cuts them back to back
clips = [(s, slice(100, 100 + per_clip)) for s in test[:3]]


def evaluate(hypotheses: int, iterations: int, seed: int = 0) -> list[tuple]:
    out = []
    for s, c in clips:
        lifted = lifter.lift(s.keypoints_2d[c], hypotheses, iterations, seed=seed, flip=False, overlap=0)
        out.append((lifted, s.poses_3d[c], s.camera, s.trajectory[c]))
    return out


def table(lifts: list[tuple], hypotheses: int | None = None) -> dict[str, float]:
    """MPJPE (mm) of every aggregation, frames of all clips pooled."""
    rows = [(r if hypotheses is None else r.subset(hypotheses)).errors(gt, cam, traj) for r, gt, cam, traj in lifts]
    frames = [r.frames for r, *_ in lifts]
    return {name: 1000 * sum(row[name] * f for row, f in zip(rows, frames)) / sum(frames) for name in rows[0]}


many = evaluate(hypotheses=20, iterations=5)
by_h = {h: table(many, h) for h in (1, 2, 5, 10, 20)}
by_k = {k: table(evaluate(hypotheses=5, iterations=k)) for k in (1, 2, 10)}
by_k[5] = by_h[5]
by_k = dict(sorted(by_k.items()))

names = list(by_h[1])
print(f"{sum(r.frames for r, *_ in many)} test frames; MPJPE in mm")
print(f"{'':>9}" + "".join(f"{name:>21}" for name in names))
for label, rows in (("K = 5, H", by_h), ("H = 5, K", by_k)):
    for value, row in rows.items():
        print(f"{label} = {value:<2}" + "".join(f"{row[name]:21.1f}" for name in names))

# %%
fig = make_subplots(rows=1, cols=2, subplot_titles=("K = 5, more hypotheses H", "H = 5, more iterations K"),
                    horizontal_spacing=0.1)
palette = {"P-Agg": "#000000", "J-Agg": "#0072B2", "J-Agg (weak persp.)": "#56B4E9", "J-Best": "#D55E00",
           "P-Best": "#E69F00"}
for col, rows in ((1, by_h), (2, by_k)):
    for name in names:
        fig.add_trace(go.Scatter(x=list(rows), y=[round(rows[v][name], 1) for v in rows], name=name,
                                 mode="lines+markers", line=dict(color=palette[name]), showlegend=col == 1),
                      row=1, col=col)
    fig.update_xaxes(type="log", title_text="H" if col == 1 else "K", tickvals=list(rows), row=1, col=col)
fig.update_yaxes(title_text="MPJPE (mm)", row=1, col=1)
fig.update_layout(viz.base_layout(820, 360, "Error of each aggregation", showlegend=True))

# %% [markdown]
# What the table and the curves say (your numbers depend on the checkpoint, the pattern should not):
#
# - **The oracles keep improving with H**; J-Best most, because it can combine the best wrist of
#   one hypothesis with the best knee of another. With more draws the right answer is more
#   likely to be *somewhere* in the sample.
# - **P-Agg barely moves** beyond a few hypotheses: the mean of more samples converges to the
#   model's mean pose. The gap between P-Agg and J-Best is the information the aggregation
#   leaves on the table.
# - **J-Agg sits in between**: it recovers part of that gap using only the image, with no ground
#   truth. It improves with H as long as the extra hypotheses contain better joints *and* the
#   reprojection can tell them apart.
# - **K helps for a few steps, then stops helping**: one DDIM step already predicts x̂₀ from the
#   2D; the next few revise it from a less noisy state and give the hypotheses room to differ,
#   but more is not automatically better (compare K = 5 with K = 10). The paper sees a small
#   effect too (H = 1, K = 1: 39.7 mm; H = 20, K = 10: 39.0 mm on Human3.6M).
#
# ## 4 · Why J-Agg needs a camera, and what going without one costs
#
# To compare a 3D hypothesis with the 2D input, J-Agg must *project* it: put the root-relative
# pose back at the pelvis position in the camera frame (the **trajectory**), divide by depth and
# apply the focal length and principal point (the **intrinsics**). On Human3.6M both are known
# (D3DP uses the ground-truth root). A video from the internet has neither.
#
# The camera-free variant fits a **weak-perspective** camera instead: per frame, a scale s and a
# shift t so that s·(x, y) + t of the mean pose matches the 2D input best (closed-form least
# squares), and reprojects every hypothesis with it. It ignores perspective: parts nearer the
# camera look bigger, and a pose seen off-centre is seen at an angle. Does that matter? J-Agg
# ranks hypotheses by *small* 2D differences, so compare the size of the model error with the
# size of those differences:

# %%
for h in (5, 20):
    row = by_h[h]
    print(f"H = {h:>2}: J-Agg with the camera {row['J-Agg']:5.1f} mm, weak perspective {row['J-Agg (weak persp.)']:5.1f} mm, "
          f"P-Agg {row['P-Agg']:5.1f} mm")
full = many[0][0]
weak = full.reproject()[-1]  # [H, F, 17, 2] with the fitted weak-perspective camera
pinhole = full.reproject(many[0][2], many[0][3])[-1]
to_px = many[0][2].res_w / 2  # normalised units -> pixels of this camera
model_error = (weak - pinhole).norm(dim=-1)[..., 1:].mean() * to_px
between = (pinhole - pinhole.mean(0)).norm(dim=-1)[..., 1:].mean() * to_px
print(f"weak perspective vs pinhole, same hypothesis: {model_error:.1f} px on average")
print(f"hypotheses vs their mean, pinhole:            {between:.1f} px on average")

# %% [markdown]
# The hypotheses differ by a few pixels in 2D (they all explain the input; they differ in
# depth, which projects to almost nothing). If the weak-perspective camera is off by more than
# that, its ranking is decided by the camera's own error as much as by the hypotheses, and
# camera-free J-Agg can end up no better than P-Agg, or worse: check its column in the table.
# That is the cost of going without a camera. It shrinks for people far from the camera and
# near the image centre (where weak perspective is nearly exact); a better fix is to estimate
# the intrinsics (e.g. from the EXIF focal length) and the root depth, and use the real J-Agg.
#
# ## 5 · Where hypotheses disagree, and why that is the point
#
# A probabilistic model does not only give an answer; the spread of its samples says **how
# sure** it is. Split the spread of each joint into its image-plane part (x, y) and its depth
# part (z), averaged over the frames of the lift from section 1:

# %%
final = result.hypotheses_at(-1)  # [H, F, 17, 3]
deviation = (final - final.mean(0)).abs().mean((0, 1)) * 1000  # [17, 3] mean |offset| per axis, mm
image_plane, depth = deviation[:, :2].norm(dim=-1), deviation[:, 2]
order = sorted(range(1, 17), key=lambda j: -depth[j].item())
print("joint       level  image plane  depth  (mean |deviation from the mean|, mm)")
for j in order:
    print(f"{H36M.names[j]:<10} {H36M.levels[j]:>5} {image_plane[j]:12.1f} {depth[j]:6.1f}")

# %% [markdown]
# Two patterns:
#
# - **Depth dominates.** The 2D input pins down x and y (up to the scale of the person), so the
#   hypotheses agree there; they disagree along the viewing ray, which the image does not show.
# - **Extremities disagree most**, the same hierarchy as lessons 01–02: a wrist's depth depends
#   on the shoulder and elbow angles above it, so uncertainty accumulates down the tree.
#
# Is the spread *informative*, i.e. are the joints the model is unsure about also the ones it
# gets wrong? Compare spread and error of P-Agg joint by joint, frame by frame:

# %%
spread_all = torch.cat([r.uncertainty().flatten() for r, *_ in many])
error_all = torch.cat([(r.p_agg() - gt).norm(dim=-1).flatten() for r, gt, *_ in many])
keep = spread_all > 0  # not the root
ranks = lambda x: x.argsort().argsort().double()  # noqa: E731
rho = torch.corrcoef(torch.stack([ranks(spread_all[keep]), ranks(error_all[keep])]))[0, 1]
quartiles = spread_all[keep].quantile(torch.tensor([0.25, 0.75]))
low, high = error_all[keep][spread_all[keep] <= quartiles[0]], error_all[keep][spread_all[keep] >= quartiles[1]]
print(f"rank correlation of spread and error: {rho:.2f}")
print(f"mean error of the 25 % most certain joints {1000 * low.mean():.0f} mm, "
      f"of the 25 % least certain {1000 * high.mean():.0f} mm")

# %% [markdown]
# A positive correlation means the spread works as an error bar you get for free. That is the
# practical payoff of sampling: a downstream user (an animator, a physiotherapy app, a robot)
# can trust the confident joints and treat the others with care.
#
# **Think!** Imagine a model whose hypotheses always agree exactly, whatever the input. Is that a
# better model?
#
# <details><summary>Answer</summary>
#
# Not necessarily. Zero spread is fine when the 2D input pins the pose down, but a depth-ambiguous
# wrist has several plausible answers, and a model that always returns one of them behaves like a
# regression network: its spread no longer tells you anything, and J-Agg and the oracles have
# nothing to choose from. A good probabilistic model is confident where the image is clear and
# spread out where it is not.
#
# </details>
#
# **Occlusion.** A real detector is unsure about hidden joints: their 2D positions jitter and
# their confidences drop. Let's simulate an occluded left arm in frames 20–34 by jittering its
# 2D keypoints (about 15 px on a 1000 px image) and lift again with the same seed:

# %%
occluded = kp.clone()
hidden = slice(20, 35)
jitter = torch.randn(15, 2, 2, generator=torch.Generator().manual_seed(0)) * 0.03
occluded[hidden, [12, 13]] += jitter  # LElbow and LWrist
noisy = lifter.lift(occluded, hypotheses=5, iterations=5, seed=0)
wrist = H36M.index("LWrist")
fig = go.Figure(layout=viz.base_layout(700, 300, "Spread of the left wrist over time", showlegend=True))
fig.add_vrect(x0=19.5, x1=34.5, fillcolor="#eee", line_width=0, annotation_text="jittered 2D")
for name, r, color in (("clean 2D", result, "#0072B2"), ("jittered left arm", noisy, "#D55E00")):
    fig.add_trace(go.Scatter(y=(1000 * r.uncertainty()[:, wrist]).round().tolist(), name=name, line=dict(color=color)))
fig.update_xaxes(title_text="frame")
fig.update_yaxes(title_text="spread (mm)")
for name, r in (("clean 2D", result), ("jittered left arm", noisy)):
    inside = 1000 * r.uncertainty()[hidden, wrist].mean()
    error = 1000 * (r.p_agg()[hidden, wrist] - truth[hidden, wrist]).norm(dim=-1).mean()
    print(f"{name:<18} frames 20-34: LWrist spread {inside:5.1f} mm, P-Agg error {error:5.1f} mm")
fig

# %% [markdown]
# Compare the two curves inside the grey band. If the model has learned that jittery 2D means
# an unreliable joint (the synthetic training data has detector noise and outliers), the spread
# rises there. If it barely changes, the model treats the jittered points as the truth and
# confidently lifts the wrong pose, which is the limit of any 2D-to-3D lifter: it cannot know
# what the 2D detector got wrong unless training showed it such errors. Either way, the
# detector's own confidence is the first line of defence, which is where the next section starts.
#
# ## 6 · Lift your own keypoints
#
# Off-the-shelf 2D detectors (Detectron2, MMPose, YOLO-pose, ...) usually return the **COCO-17**
# layout: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles, each with a
# confidence. The model wants the Human3.6M-17 layout, which has a pelvis, spine, thorax and
# head instead of a face. `coco_to_h36m` builds them: pelvis = mid-hips, thorax =
# mid-shoulders, spine = their midpoint, H36M's "Nose" = the COCO nose, "Head" = the centre of
# the visible eyes and ears. Check it on a hand-made frame:

# %%
# NBVAL_CHECK_OUTPUT
by_name = {"nose": (100, 40), "left_eye": (104, 36), "right_eye": (96, 36), "left_ear": (110, 38),
           "right_ear": (90, 38), "left_shoulder": (120, 70), "right_shoulder": (80, 70), "left_elbow": (130, 100),
           "right_elbow": (70, 100), "left_wrist": (135, 130), "right_wrist": (65, 130), "left_hip": (112, 150),
           "right_hip": (88, 150), "left_knee": (114, 200), "right_knee": (86, 200), "left_ankle": (115, 250),
           "right_ankle": (85, 250)}
coco = np.array([[by_name[name] for name in COCO_NAMES]], dtype=np.float32)  # [F = 1, 17, 2] pixels
scores = np.full((1, 17), 0.9, dtype=np.float32)
scores[0, [2, 4]] = 0.2  # the right eye and ear are hidden: the face is turned away
h36m, confidence = coco_to_h36m(coco, scores, min_score=0.3)
for j in (0, 7, 8, 9, 10, 13):
    print(f"{H36M.names[j]:<9} {h36m[0, j].tolist()}  confidence {confidence[0, j]:.1f}")


# by hand: the midpoints of the named COCO points (the head: of the eye and ear that are seen); every point used
# was seen with score 0.9, so every confidence is 0.9
def mid(*names):
    return np.mean([by_name[name] for name in names], axis=0)


pelvis, thorax = mid("left_hip", "right_hip"), mid("left_shoulder", "right_shoulder")
by_hand = {0: pelvis, 7: (pelvis + thorax) / 2, 8: thorax, 9: mid("nose"), 10: mid("left_eye", "left_ear"),
           13: mid("left_wrist")}
for j, xy in by_hand.items():
    assert np.allclose(h36m[0, j], xy) and confidence[0, j] == np.float32(0.9), H36M.names[j]

# %% [markdown]
# With the right eye and ear below `min_score`, the head is the centre of the left eye and ear
# only: (107, 37). Heads are the weak point of the conversion: H36M's head joint sits higher on
# the skull than any COCO point, so expect a few centimetres of systematic error there.
#
# The package ships an example file in the format a detector script would write: pixels, the
# image size and a score per point. It is **not** a detector's output: `tools/make_example_coco.py`
# made it from captured motion (CMU subject 2 bending over to scoop something up and rising, a
# test subject the model never trained on), seen by a random 1920×1080 camera, with detector-like
# jitter, a few low scores and a briefly hidden wrist; because it is made, it also carries the
# ground truth. Some points have low confidence; asking for strictness shows which:

# %%
data = load_keypoints_json()  # default: the shipped example; pass a path for your own file
print({key: (value.shape if hasattr(value, "shape") else value) for key, value in data.items()
       if key in ("keypoints", "scores", "image_size", "fps", "layout")})
try:
    coco_to_h36m(data["keypoints"], data["scores"], min_score=0.3, missing="error")
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# `missing="interpolate"` (the default) fills such gaps linearly from the neighbouring frames,
# which is usually right for short occlusions at 50 fps. Then lift, telling the lifter the image
# size so it can normalise the pixels. NumPy keypoints give a NumPy result; we pass a tensor to
# keep working with tensors:

# %%
h36m, confidence = coco_to_h36m(data["keypoints"], data["scores"], missing="interpolate")
mine = lifter.lift(torch.as_tensor(h36m), hypotheses=5, iterations=5, seed=0, image_size=data["image_size"])
truth_mine = torch.tensor(data["ground_truth"]["poses_3d"], dtype=torch.float32)
errors = {name: 1000 * value for name, value in mine.errors(truth_mine).items()}
print("MPJPE (mm):", {name: round(value, 1) for name, value in errors.items()})
per_joint = 1000 * (mine.p_agg() - truth_mine).norm(dim=-1).mean(0)
print("P-Agg error per joint (mm):", {H36M.names[j]: round(per_joint[j].item()) for j in range(1, 17)})

# %%
viz.animate_clip({"P-Agg": viz.to_display(mine.p_agg(), "camera"),
                  "ground truth": viz.to_display(truth_mine, "camera")},
                 stride=4, fps=data["fps"], title="Your keypoints in 3D (camera frame, upright)")

# %% [markdown]
# Without a camera, J-Agg falls back to the weak-perspective fit: `mine.j_agg_weak_perspective()`.
# For your own video: run any COCO-17 detector, save `keypoints` [F, 17, 2] in pixels, `scores`
# [F, 17] and `image_size` [w, h] as JSON, and `load_keypoints_json(path)` reads it.
#
# Remember what the model has seen: captured people (about ten minutes of CMU motion capture)
# and generated ones (the actions of lesson 02, upright and on the floor), on varied bodies,
# filmed by random cameras with detector-like noise. Real video differs (clothes, detector
# quirks, motions neither source has), so expect larger errors than on the test splits, and look
# at the spread.
#
# The paper's qualitative **Fig. 6** shows DDHPose's poses beside MixSTE's and D3DP's on Human3.6M,
# circling high-hierarchy joints (wrists, ankles) where DDHPose is closer to the truth. Lesson 07
# compares the members of the pose-diffusion family, trained alike at small scale, on the same
# test clips: standard diffusion on joints (as in D3DP) against disentangled diffusion on bones
# (as in DDHPose), in numbers, among them their errors per hierarchy level, the quantity behind
# Fig. 6's circles.
#
# ## 7 · Paper errata and notation
#
# Fig. 5 and the inference text describe the sampler; the reported numbers also depend on
# details they leave out. None changes the method, but each changes what you can compare.
# Each row with a number to check is checked below.
#
# | where | what the paper says or leaves out | what is meant (and what the code does) |
# |---|---|---|
# | Fig. 5, Table 1 | W iterations ("H = 20, W = 10") | our K: `iterations` of `Lifter.lift`, the first axis of `result.poses`, one (t, t′) pair of DDIM times each. Check 1. |
# | Fig. 5 | one pass of the denoiser per hypothesis and step | the official code also feeds the mirrored 2D and averages the two predictions at every step (test-time flip, twice the compute); `Lifter.lift(flip=True)`, the default, does the same. Check 2. |
# | Table 1 (J-Agg) | a practical aggregation, unlike the oracles J-Best and P-Best | on Human3.6M it reprojects with the dataset's calibrated camera at the ground-truth root position (D3DP's protocol, kept by the official code): no 3D pose from the ground truth, but its root. Without a camera our `errors` has no "J-Agg", only the weak-perspective stand-in of section 4. Check 3. |
# | P-Best (from D3DP) | the best hypothesis per pose | the official evaluation averages each hypothesis's error over a whole test batch and keeps one hypothesis for the batch, so its P-Best depends on the batch size. Ours picks per pose (`metrics.p_best`); the official one is `metrics.p_best_batch`, never better. Check 4. |
# | Table 7, J-Agg and J-Best | P-MPJPE of the aggregated pose | the official evaluation Procrustes-aligns every hypothesis to the ground truth first, then picks per joint (`metrics.picked_p_errors`, the default of `python -m ddhpose_lite.evaluate`; docs/design.md) |

# %%
# NBVAL_CHECK_OUTPUT
# 1. W = K: the iterations are the first axis of the result, one DDIM (t, t') pair each
print("1. K = W = 5:", result.iterations == len(ddim_time_pairs(1000, 5)) == result.poses.shape[0] == 5)
# 2. Test-time flip changes the answer: the mirrored input is a second opinion, averaged in
window = kp[:lifter.frames]
plain, flipped = (lifter.lift(window, 1, 1, seed=0, flip=f).p_agg() for f in (False, True))
print("2. flip=True differs from flip=False:", not torch.allclose(plain, flipped))
# 3. Without a camera and the root's position there is no J-Agg, only its weak-perspective stand-in
print("3. J-Agg without a camera:", "J-Agg" in result.errors(truth),
      "| with camera and root:", "J-Agg" in result.errors(truth, seq.camera, trajectory))
# 4. P-Best per pose is never worse than the official P-Best per batch (here: one batch per clip)
stacked = torch.stack([r.hypotheses_at(-1) for r, *_ in many], 1)  # [H, clips, F, 17, 3]
targets = torch.stack([gt for _, gt, *_ in many])  # [clips, F, 17, 3]
per_pose = metrics.mpjpe(metrics.p_best(stacked, targets), targets)
per_batch = [metrics.mpjpe(metrics.p_best_batch(stacked, targets, size), targets) for size in (1, None)]
print("4. P-Best per pose <= per batch (batch = 1 clip, all clips):", [bool(per_pose <= b) for b in per_batch])

# %% [markdown]
# ## Summary
#
# - DDHPose infers by **sampling**: H hypotheses from noise, each refined over K DDIM steps by a
#   denoiser that predicts the clean pose from the 2D input at every step (paper Fig. 5, Eq. 4).
# - **Aggregation** turns them into one pose: P-Agg (mean; needs nothing), J-Agg (best 2D
#   reprojection per joint; needs a camera and root, or a weak-perspective stand-in), and the
#   oracles J-Best ≤ P-Best that show what the sample contains.
# - **More hypotheses** help the oracles a lot and the practical aggregations little; **more
#   iterations** help for the first few steps only, because each step already predicts x̂₀.
# - Hypotheses disagree mostly in **depth** and at the **extremities**: exactly what a single
#   image cannot tell. That spread is an uncertainty estimate for free.
# - Your own detections work after a **COCO → H36M** conversion, with interpolation for
#   low-confidence joints.
# - The paper's W is our K; with η = 1 each iteration re-noises x̂₀ almost completely. Its numbers
#   also use test-time flip, J-Agg with the calibrated camera at the true root, and a P-Best picked
#   per test batch (section 7).

# %% [markdown]
# ## Exercises
#
# Three exercises: a warm-up, a core one and a stretch one. Each ends with a check that says
# "not yet" while the slot is empty, then what is off or "correct!". The aggregations are checked
# on hand-made hypotheses: J-Agg with the reprojections given (the package's J-Agg needs a camera,
# or fits one), and an aggregation the package does not have. Stuck? Worked solutions are in
# `ddhpose_lite/lessons/solutions.py`; `show_solution(6, 2)` prints one. Try first.

# %%
from ddhpose_lite.lessons import lesson06 as exercises
from ddhpose_lite.lessons import show_solution

# %% [markdown]
# **Exercise 1 (warm-up) · What works on a video from the internet?** You lift a dance video
# from the internet: no ground truth, no calibration. Which aggregations can you use? Answer with
# a set of names from `exercises.AGGREGATIONS`: {"P-Agg", "J-Agg", "J-Agg (weak persp.)",
# "J-Best", "P-Best"}.

# %%
answer_1 = None  # a set of names

exercises.check_usable(answer_1)

# %% [markdown]
# **Exercise 2 (core) · J-Agg from given reprojections.** Write
# `j_agg_by_hand(hypotheses, reprojections, keypoints_2d)`: hypotheses [H, F, J, 3], their 2D
# reprojections [H, F, J, 2] (however they were made: a calibrated camera, a fitted one) and the
# input keypoints [F, J, 2] in; per frame and joint, the 3D position of the hypothesis whose
# reprojection is closest to the input keypoint out, [F, J, 3]. (Hint:
# `torch.linalg.vector_norm(..., dim=-1).argmin(0)` and `torch.gather`.)

# %%
def j_agg_by_hand(hypotheses, reprojections, keypoints_2d):
    """Per frame and joint, the hypothesis whose reprojection lands closest to the input keypoint."""
    return None  # your code here


exercises.check_j_agg(j_agg_by_hand)

# %% [markdown]
# **Exercise 3 (stretch) · A robust aggregation: the medoid.** P-Agg needs nothing, but a single
# wild hypothesis drags it. Write `medoid_pose(hypotheses)`: hypotheses [H, F, J, 3] in; per frame
# and joint, the hypothesis whose summed distance to all the others is smallest (the *medoid*;
# ties go to the first) out, [F, J, 3]. It needs no camera and no ground truth, like P-Agg.

# %%
def medoid_pose(hypotheses):
    """Per frame and joint, the hypothesis closest (in summed distance) to all the others."""
    return None  # your code here


exercises.check_medoid(medoid_pose)

# %% [markdown]
# ## References
#
# - Cai et al. *Disentangled Diffusion-Based 3D Human Pose Estimation with Hierarchical Spatial
#   and Temporal Denoiser.* AAAI 2024. [arXiv:2403.04444](https://arxiv.org/abs/2403.04444)
#   (Eq. 4; Fig. 5: inference; Fig. 6; Tables 1 and 7: H and W).
# - Shan et al. *Diffusion-Based 3D Human Pose Estimation with Multi-Hypothesis Aggregation*
#   (D3DP). ICCV 2023. [arXiv:2303.11579](https://arxiv.org/abs/2303.11579) (P-Agg, J-Agg,
#   J-Best, P-Best; the multi-hypothesis sampler).
# - Song, Meng, Ermon. *Denoising Diffusion Implicit Models.* ICLR 2021.
#   [arXiv:2010.02502](https://arxiv.org/abs/2010.02502) (the DDIM iterations).
# - Zhang et al. *MixSTE.* CVPR 2022. [arXiv:2203.00859](https://arxiv.org/abs/2203.00859) (the
#   deterministic baseline of Fig. 6).
# - Ionescu et al. *Human3.6M.* TPAMI 2014. [vision.imar.ro/human3.6m](http://vision.imar.ro/human3.6m)
#   (the 17-joint layout the COCO keypoints are converted to).
# - CMU Graphics Lab Motion Capture Database. [mocap.cs.cmu.edu](http://mocap.cs.cmu.edu) (the
#   motion behind the example keypoint file).
