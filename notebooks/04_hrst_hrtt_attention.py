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
# # Lesson 04 · Attention that knows the skeleton: HRST and HRTT
#
# **The question of this lesson:** *how can attention know the skeleton?*
#
# The denoiser of DDHPose (Cai et al., AAAI 2024) is a transformer. It looks at a clip of frames
# × 17 joints of tokens (243 frames in the paper; 27 in the small model shipped with this course,
# printed below) and alternates **spatial** attention (the joints of one frame look at each
# other) with **temporal** attention (one joint looks at itself in the other frames). Plain
# attention has no idea which joints are connected: to it, the 17 joints are a *set*. DDHPose
# builds the kinematic tree of lesson 01 into attention in two ways:
#
# - **HRST** (Hierarchical-Related Spatial Transformer, Algorithm 1) rewrites the spatial
#   attention *logits* along every parent → joint → child triplet;
# - **HRTT** (Hierarchical-Related Temporal Transformer, Eq. 6) lets each joint's temporal
#   attention also listen to its *children*.
#
# **Learning objectives.** By the end of this lesson you can:
# - draw the denoiser's architecture (the paper's Fig. 2b) and say what each block attends over;
# - compute attention by hand (Eq. 5) and explain why plain attention cannot know the skeleton;
# - apply Algorithm 1 (HRST) to a logit map, and tell its two readings apart;
# - build HRTT's child features and show that its two logit terms are one attention call;
# - count the denoiser's parameters, and say what each ablation switch removes.
#
# **Time:** about 75 minutes: 45 to read and explore, 30 for the exercises.
#
# You will:
# 1. take the trained denoiser apart and compute its attention by hand (Eq. 5);
# 2. see why plain attention cannot know the skeleton (it is permutation-equivariant);
# 3. run Algorithm 1 step by step on a real 17 × 17 logit map: which entries change, and why;
# 4. compute both readings of Algorithm 1 (every update from the original map, or in place
#    chain by chain as the official code does) and measure how much they differ;
# 5. build HRTT's child cross-attention and check the identity A_s + A_c = Q(K + K_c)ᵀ/√d;
# 6. meet two pitfalls of the official code (17-frame clips; the child features' missing permute);
# 7. count parameters, explore the trained model's attention maps, and flip the ablation switches;
# 8. check the paper's attention notation against the code (errata and notation, section 10).
#
# **Runtime:** about 15 s on a 2-core CPU, about 550 MB of memory. No GPU, no downloads (the small
# trained checkpoint ships with the package).

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
import math

import numpy as np
import torch
from einops import rearrange

from ddhpose_lite import load_pretrained, viz, widgets
from ddhpose_lite.bones import disentangle
from ddhpose_lite.datasets import ClipDataset, synthetic_sequences
from ddhpose_lite.diffusion import bone_state, q_sample
from ddhpose_lite.model import (
    DenoiserConfig,
    HSTDenoiser,
    capture_attention,
    count_parameters,
    hrst_logits,
    hrst_logits_sequential,
)
from ddhpose_lite.skeleton import H36M

names = H36M.names
lifter = load_pretrained()  # the small checkpoint shipped with the package (captured + generated motion)
model = lifter.model
print(model.config)
print(f"{count_parameters(model):,} parameters")

# %% [markdown]
# ## 1 · The denoiser, and one real input
#
# `HSTDenoiser` maps (2D keypoints, noisy bones, t) to x̂₀, the clean 3D pose (lesson 03's
# oracle, now learned). Inside, after the embeddings, come `depth` **layers**, each a spatial
# block and then a temporal block. Layer 0 is plain (MixSTE-style); layers 1, 2, … use HRST and
# HRTT. (Two inputs of our small model differ from the paper's, as the printed config shows:
# with `relative_2d=True` each joint's token gets its 2D offset from the pelvis beside its screen
# position, 4 numbers instead of 2, and with `whole_pose_2d=True` every token of a frame also
# gets one embedding of the frame's whole 2D pose. At our size they took 6–21 % off the error;
# `docs/recipe.md` has the experiments.)

# %%
for layer in range(model.config.depth):
    spatial, temporal = model.blocks[2 * layer].attention, model.blocks[2 * layer + 1].attention
    print(f"layer {layer}: {type(spatial).__name__}(hrst={spatial.hrst}), "
          f"{type(temporal).__name__}(hrtt={temporal.hrtt})")

# %% [markdown]
# The same walk through the modules, drawn: our counterpart of the paper's **Fig. 2b** (the
# HSTDenoiser's architecture). `viz.denoiser_diagram` reads every block's class and switches from
# the loaded model itself, so a model trained with other settings is drawn as it was built. (A
# checkpoint trained before the norms between blocks existed has none; a model built today with
# `DenoiserConfig()` has them, and adds TP before the first temporal block, as the official code
# does: try `viz.denoiser_diagram(HSTDenoiser(DenoiserConfig()))`.) Hover a box for details.

# %%
viz.denoiser_diagram(model)

# %% [markdown]
# We need something to look at: a 27-frame clip of the synthetic test set (2D keypoints and the
# true 3D pose, camera coordinates), its bones noised to t = 200 exactly as in training
# (lesson 03), and one forward pass. `capture_attention(model)` records every layer's maps;
# the pre-hooks below also keep each attention module's *input*, so we can redo its maths.

# %%
frames = model.config.frames
middle = frames // 2
clips = ClipDataset(synthetic_sequences("test", 2000, seed=0), frames)
# The clip whose person most squarely faces the camera (hips along the image's x axis) in its
# middle frame, so the 3D pictures below are easy to read.
middle_frames = clips.batch(range(len(clips)))["poses_3d"][:, middle]  # [clips, 17, 3]
hips = middle_frames[:, H36M.index("RHip")] - middle_frames[:, H36M.index("LHip")]
clip = clips[int((hips[:, 0].abs() / hips.norm(dim=-1)).argmax())]
keypoints, truth = clip["keypoints_2d"], clip["poses_3d"]  # [27, 17, 2], [27, 17, 3], camera coordinates
t = 200
noisy_bones, _ = q_sample(bone_state(*disentangle(truth)), t, lifter.schedule, seed=0)  # [27, 16, 4]

inputs = {}  # block index -> the tensor its attention module received


def keep_input(index):
    def hook(module, args):
        inputs[index] = args[0].detach()
    return hook


hooks = [block.attention.register_forward_pre_hook(keep_input(i)) for i, block in enumerate(model.blocks)]
with torch.no_grad(), capture_attention(model) as maps:
    prediction = model(keypoints[None], noisy_bones[None].float(), torch.tensor([t]))[0]
for hook in hooks:
    hook.remove()

print("spatial maps per layer: ", tuple(maps.spatial[0].shape), "= [frames, heads, query joint, key joint]")
print("temporal maps per layer:", tuple(maps.temporal[0].shape), "= [joints, heads, query frame, key frame]")
print(f"x̂₀ at t = {t}: MPJPE {1000 * (prediction - truth).norm(dim=-1).mean():.0f} mm")

# %% [markdown]
# ## 2 · Attention by hand (Eq. 5), and why it cannot know the skeleton
#
# Each joint token x_j (a vector of width 64) is projected to a query q_j, a key k_j and a
# value v_j, split into 4 heads of d = 16 channels. Per head (paper Eq. 5):
#
# Attention(Q, K, V) = softmax(QKᵀ / √d) V.
#
# Entry (i, j) of the **logits** A = QKᵀ/√d says how well query joint i matches key joint j;
# softmax turns each row into weights that sum to 1; the output of joint i is the weighted mean
# of the values. Let's recompute layer 1's spatial logits from its input and compare with what
# the model recorded:

# %%
attention = model.blocks[2].attention  # layer 1, spatial
x = inputs[2]  # [frames, joints, width]: the normalised features of every frame
q, k, v = rearrange(attention.qkv(x), "n j (three h d) -> three n h j d", three=3, h=attention.heads)
d = q.shape[-1]
logits = q @ k.transpose(-1, -2) / math.sqrt(d)
print(f"d = {d}, scale 1/√d = {1 / math.sqrt(d):.4f}")
print("max |by hand − recorded|:", f"{(logits - maps.spatial_logits[1]).abs().max():.1e}")

# %% [markdown]
# Here is one of those maps as the network uses it, after softmax (layer 0, plain attention,
# head 0, the middle frame). Rows are queries; each row sums to 1. Hover for the numbers.

# %%
frame, head = middle, 0
viz.attention_heatmap(maps.spatial[0][frame, head], title=f"layer 0, head {head}, frame {frame}: softmax(QKᵀ/√d)")

# %% [markdown]
# **Why plain attention cannot know the skeleton.** Nothing in softmax(QKᵀ/√d)V refers to a
# joint's index: shuffle the joints and the outputs come out shuffled the same way
# (*permutation equivariance*). Whatever the network knows about which joint is which comes from
# the embeddings added at the input. Check it on layer 0's spatial attention, then on layer 1's,
# which uses HRST:

# %%
shuffle = torch.randperm(17, generator=torch.Generator().manual_seed(0))
for index in (0, 2):
    module = model.blocks[index].attention
    x = inputs[index]
    with torch.no_grad():
        gap = (module(x[:, shuffle]) - module(x)[:, shuffle]).abs().max()
    print(f"layer {index // 2} ({'HRST' if module.hrst else 'plain'}): max |f(shuffled x) − shuffled f(x)| = {gap:.1e}")

# %% [markdown]
# Plain attention is exactly equivariant (up to rounding); HRST is not. HRST ties specific
# entries of the map to specific joints: **that is how the skeleton gets in.**
#
# **Think!** Layer 0 is plain attention, blind to which token is which. How can it still treat
# the left wrist differently from the right knee?
#
# <details><summary>Answer</summary>
#
# Through its input. Before the first block every token gets its joint's embedding and its
# level's embedding (HSP), and it carries its own 2D keypoint and noisy bone. Attention itself is
# equivariant, but the tokens it mixes are not interchangeable: shuffle the joints *and* their
# embeddings together and the output shuffles along. HRST adds a second, structural way in.
#
# </details>
#
# ## 3 · Algorithm 1 (HRST) step by step
#
# For every triplet (j_p, j, j_c), parent → joint → child, Algorithm 1 rewrites two logits:
#
# A[j][j_c] ← (A[j][j_c] + A[j_p][j]) / 2   and   A[j_c][j] ← (A[j_c][j] + A[j_p][j]) / 2.
#
# In words: how much j attends to its child, and how much the child attends back to j, are both
# pulled towards **how much the parent attends to j**. The link j–j_c inherits the strength of
# the link j_p → j one level up. Every update reads the *original* A (the algorithm is a
# `for each triplet` over a fixed map). Which entries are written, and which are read?

# %%
edited, read = viz.hrst_entries()
print(f"{len(H36M.triplets)} triplets write {len(edited)} entries and read {len(read)}:")
for p, j, c in H36M.triplets:
    print(f"  ({names[p]}, {names[j]}, {names[c]}): writes A[{j}][{c}], A[{c}][{j}]  reads A[{p}][{j}]")
print("written and also read:", sorted(set(edited) & set(read)))
print("rows never touched:", [names[r] for r in range(17) if all(e[0] != r for e in edited)])

# %% [markdown]
# Now the real thing: layer 1, the middle frame, and the head whose logits vary most across
# the triplet entries (so the changes are easy to see). One triplet by hand,
# (Thorax, LShoulder, LElbow):

# %%
A = maps.spatial_logits[1][frame]  # [heads, 17, 17], before HRST
head = int(torch.stack([A[:, j, c] for _, j, c in H36M.triplets], -1).std(-1).argmax())
A = A[head]
after = hrst_logits(A)
p, j, c = 8, 11, 12
print(f"layer 1, head {head}, frame {frame}")
print(f"A[{names[j]}][{names[c]}] = {A[j, c]:+.3f},  A[{names[c]}][{names[j]}] = {A[c, j]:+.3f},  "
      f"A[{names[p]}][{names[j]}] = {A[p, j]:+.3f}")
print(f"by hand:       {(A[j, c] + A[p, j]) / 2:+.3f} and {(A[c, j] + A[p, j]) / 2:+.3f}")
print(f"hrst_logits:   {after[j, c]:+.3f} and {after[c, j]:+.3f}")

# %% [markdown]
# And all 13 triplets at once, as a picture: our counterpart of the paper's **Fig. 3a** (HRST).
# Squares mark the 26 entries HRST writes, circles (left) the 11 parent entries it reads. The right panel is after − before: only the squares
# change, each by half the gap between its old value and its parent entry.

# %%
viz.hrst_before_after(A, title=f"Algorithm 1 on a real logit map (layer 1, head {head}, frame {frame})")

# %% [markdown]
# What does this do to the attention **weights**? Softmax works row by row, so a row with an
# edited entry changes as a whole (the other weights of the row make room). We measure each
# row's change by its total variation ½ Σ|w′ − w|, the share of attention that moved:

# %%
moved = 0.5 * (after.softmax(-1) - A.softmax(-1)).abs().sum(-1)
for r in moved.argsort(descending=True)[:5].tolist():
    print(f"row {names[r]:<10} {100 * moved[r]:5.1f} % of its attention moved")
print(f"Pelvis row: {100 * moved[0]:.1f} %   (the root is never edited)")

# %% [markdown]
# Keep in mind that the network was **trained with** this rewrite: its Q and K have learned to
# produce logits that make sense *after* HRST. Lesson 07 trains the same model without HRST at
# small scale, the "+ HRST" row of the paper's Table 5, to measure what it is worth.
#
# **Think!** HRST has no parameters: it is a fixed rewrite of the logits, and Q and K are
# learned anyway. How can it help?
#
# <details><summary>Answer</summary>
#
# It constrains what the learned Q and K can express: whatever they produce, a joint's link to its
# child is pulled towards its parent's link to it, in every frame, head and layer. That is prior
# knowledge (the chain structure of the body) the network does not have to discover from data.
# Whether the constraint helps is an empirical question: the paper's Table 5 finds 40.08 → 39.68 mm.
#
# </details>
#
# Here is where the left elbow looks in this map after HRST (rays and joint colours: weights of
# its row, white = least, dark = most; marker size: the weight itself). Rotate it!

# %%
viz.attention_skeleton(truth[frame], after.softmax(-1), "LElbow", coordinates="camera",
                       title=f"LElbow's attention after HRST (layer 1, head {head})")

# %% [markdown]
# ## 4 · Algorithm 1 can be read two ways
#
# Algorithm 1 loops over the triplets and writes A[j][j_c] and A[j_c][j] from A[j_p][j]. It
# does not say whether A[j_p][j] is the **original** entry or one an earlier iteration of the
# loop has already rewritten (the parent's own row is rewritten when the parent is the middle of
# an earlier triplet). Two readings follow:
#
# - **every update reads the original map**: a pure function of A, the same whatever order the
#   triplets come in (ours, `hrst_logits`);
# - **updates run in place**, each reading what earlier ones wrote: the result depends on the
#   order. The official implementation takes this reading. It walks the five kinematic chains
#   ([0,1,2,3], [0,4,5,6], [0,7,8,9,10], [0,7,8,11,12,13], [0,7,8,14,15,16]) and for each window
#   (grand-parent, parent, joint) updates `attn[parent, joint]` and `attn[joint, parent]` in place
#   from `attn[grand-parent, parent]`. Down a chain the rewrite compounds, and the three chains
#   through the thorax share the window (Pelvis, Spine, Thorax): the entries Spine ↔ Thorax are
#   averaged with A[Pelvis][Spine] **three times**.
#
# `hrst_logits_sequential` computes the in-place reading. On a seeded toy map (no trained weights
# involved), which entries differ between the two readings?

# %%
# NBVAL_CHECK_OUTPUT
toy = torch.randn(17, 17, generator=torch.Generator().manual_seed(0), dtype=torch.float64).round(decimals=1)
official, algorithm_1 = hrst_logits_sequential(toy), hrst_logits(toy)
differs = [tuple(e) for e in (official - algorithm_1).abs().gt(1e-12).nonzero().tolist()]
print(f"{len(differs)} of {len(edited)} edited entries differ:", differs)
print("the same as Algorithm 1 (first window of a chain):", sorted(set(edited) - set(differs)))
a78, a07 = toy[7, 8].item(), toy[0, 7].item()
print(f"Spine→Thorax: A = {a78:+.2f}, A[Pelvis][Spine] = {a07:+.2f}")
print(f"  from the original map (one average):  {algorithm_1[7, 8]:+.4f}")
print(f"  in place, chain by chain (three):      {official[7, 8]:+.4f} = A/8 + 7/8·A[Pelvis][Spine] = "
      f"{a78 / 8 + 7 * a07 / 8:+.4f}")
# By hand, walking the chains' windows (g, p, j) as the in-place loop does: an entry comes out as Algorithm 1's
# only if it is written once, from an A[g][p] that no earlier window has rewritten.
writes, stale = {}, set()
for chain in H36M.chains:
    for g, p_, j_ in zip(chain[:-2], chain[1:-1], chain[2:]):
        if (g, p_) in writes:
            stale |= {(p_, j_), (j_, p_)}
        for e in ((p_, j_), (j_, p_)):
            writes[e] = writes.get(e, 0) + 1
same_by_hand = {e for e, n in writes.items() if n == 1 and e not in stale}
assert set(writes) == set(edited) and len(edited) == 2 * len(H36M.triplets) == 26, "the 26 entries written"
assert same_by_hand == {(1, 2), (2, 1), (4, 5), (5, 4)}, "the first window of each leg"
assert differs == sorted(set(edited) - same_by_hand), "the entries that differ"
# Spine ↔ Thorax: one average, (A + b)/2; three in a row, ((((A + b)/2 + b)/2) + b)/2 = A/8 + 7b/8
assert abs(algorithm_1[7, 8].item() - (a78 + a07) / 2) < 1e-12, "Algorithm 1: one average"
for r, c in ((7, 8), (8, 7)):
    assert abs(official[r, c].item() - (toy[r, c].item() / 8 + 7 * a07 / 8)) < 1e-12, f"in place: A[{r}][{c}]"

# %% [markdown]
# 22 of the 26 entries differ: only the first window of each leg (Pelvis → hip → knee) gives
# the same result in both readings. The upper body's first window, Pelvis → Spine → Thorax, is repeated by
# three chains, and every later window reads an entry an earlier one rewrote. How big is the
# difference on the trained model's real maps? Over every frame, head and HRST layer of our
# clip:

# %%
for layer in range(1, model.config.depth):
    real = maps.spatial_logits[layer]  # [frames, heads, 17, 17]
    gap = hrst_logits_sequential(real) - hrst_logits(real)
    spread = hrst_logits(real).std(-1).mean()
    weights_moved = 0.5 * (hrst_logits_sequential(real).softmax(-1) - hrst_logits(real).softmax(-1)).abs().sum(-1)
    mean_gap = gap.abs().sum() / (real.numel() / 289 * 22)  # over the 22 entries that differ
    print(f"layer {layer}: the 22 logits differ by {mean_gap:.3f} on average, {gap.abs().max():.3f} at most "
          f"(a row's logits spread by {spread:.3f}); attention moved per row: "
          f"mean {100 * weights_moved.mean():.1f} %, max {100 * weights_moved.max():.1f} %")

# %% [markdown]
# The two readings are different functions: a network trained with one and run with the other
# would see shifted logits, and the official results measure the in-place reading. We take the
# other one, for three reasons: it does not depend on the order of the chains (nothing in the
# paper fixes one), it treats the three chains through the thorax alike instead of averaging
# Spine ↔ Thorax three times, and it vectorises (no loop over joints: one gather and one scatter
# of the 26 entries it updates; see `hrst_logits`). Both are one function call here, so you can
# train either.
#
# ## 5 · HRTT: the child cross-attention (Eq. 6)
#
# Temporal attention runs per joint over the frames: joint j at frame f asks "which frames of
# *me* matter?" HRTT adds a second question: "which frames of **my children** matter?" It forms
# a child feature
#
# f_c(j) = mean of the features of j and of j's children (a leaf keeps its own),
#
# projects it with its own key matrix to K_c, and adds a second logit term (Eq. 6):
#
# A_s = QKᵀ/√d,  A_c = QK_cᵀ/√d,  attention = softmax(A_s + A_c) V.
#
# (The paper's **Fig. 3b** draws this block; the cells below compute it, and a figure after them
# draws it as section 4 drew Fig. 3a.)
#
# Which joints does each f_c average?

# %%
temporal = model.blocks[3].attention  # layer 1, temporal (HRTT)
for j in (0, 7, 8, 11, 13):
    members = [names[m] for m in range(17) if temporal.child_mean[j, m] > 0]
    print(f"f_c({names[j]:<9}) = mean of {', '.join(members)}")

# %% [markdown]
# Now recompute layer 1's temporal attention from its input both ways: as two logit terms, and
# as one product with the summed keys. Because (A_s + A_c) = QKᵀ/√d + QK_cᵀ/√d = Q(K + K_c)ᵀ/√d,
# both must agree, and match the recorded map:

# %%
x = inputs[3]  # [1, frames, joints, width]
heads = temporal.heads
q, k, v = rearrange(temporal.qkv(x), "b f j (three h d) -> three (b j) h f d", three=3, h=heads)
f_c = torch.einsum("jk,bfkc->bfjc", temporal.child_mean, x)  # the child features
k_c = rearrange(temporal.child_key(f_c), "b f j (h d) -> (b j) h f d", h=heads)
with torch.no_grad():
    A_s = q @ k.transpose(-1, -2) / math.sqrt(d)
    A_c = q @ k_c.transpose(-1, -2) / math.sqrt(d)
    two_terms = (A_s + A_c).softmax(-1)
    one_product = (q @ (k + k_c).transpose(-1, -2) / math.sqrt(d)).softmax(-1)
print(f"max |softmax(A_s + A_c) − softmax(Q(K + K_c)ᵀ/√d)| = {(two_terms - one_product).abs().max():.1e}")
print(f"max |by hand − recorded map|                   = {(one_product - maps.temporal[1]).abs().max():.1e}")
print(f"share of attention moved by the child term: mean "
      f"{100 * 0.5 * (two_terms - A_s.softmax(-1)).abs().sum(-1).mean():.1f} % per row")

# %% [markdown]
# Drawn like Fig. 3a: our counterpart of the paper's **Fig. 3b**. One joint's temporal logits,
# the LElbow's (its f_c is the mean of the elbow and the wrist): its queries against its own keys
# (left, A_s), against the keys of f_c (middle, A_c), and their sum, which HRTT softmaxes
# (right). Circles mark the key frame with the largest logit in each row, where that frame's
# attention peaks: where a circle moves between the left and the right panel, the child term
# changed which frame the elbow listens to most.

# %%
elbow = names.index("LElbow")
print(f"rows whose peak frame the child term moves: "
      f"{int((A_s[elbow, head].argmax(-1) != (A_s + A_c)[elbow, head].argmax(-1)).sum())} of {A_s.shape[-1]}")
viz.hrtt_logit_terms(A_s[elbow, head], A_c[elbow, head],
                     title=f"HRTT on the LElbow's temporal logits (layer 1, head {head})")

# %% [markdown]
# The identity is why our `TemporalAttention` adds K_c to K and makes **one** attention call:
# the same maths, one F × F product instead of two, and it can use the fused kernels of
# `torch.nn.functional.scaled_dot_product_attention` on a GPU.
#
# **Think!** Adding the child term to the logits is not the same as averaging two attention maps,
# softmax(A_s) and softmax(A_c). What is the difference?
#
# <details><summary>Answer</summary>
#
# exp(a + b) = exp(a) · exp(b): adding logits *multiplies* the two sets of unnormalised weights
# before the row is normalised. A frame gets much weight only if both the joint's own key and its
# children's keys favour it (a product of experts); averaging the maps would let either one alone
# give a frame half its weight (a mixture).
#
# </details>
#
# **Which features go into f_c? A choice.** Eq. 6 writes f_c inside each HRTT layer without
# saying from which features. We recompute it in every layer from that layer's own input, the
# joint's and its children's *current* features, so K_c always describes the same features as
# K does. The official code computes f_c once, after the first layer, and reuses it in every
# later layer (cheaper, but the children's keys then describe what the network knew after one
# layer). How stale would that be here? Compare the child features of each layer's input with
# layer 1's:

# %%
first = torch.einsum("jk,bfkc->bfjc", temporal.child_mean, inputs[3])
for layer in range(2, model.config.depth):
    later = torch.einsum("jk,bfkc->bfjc", temporal.child_mean, inputs[2 * layer + 1])
    similarity = torch.nn.functional.cosine_similarity(first, later, dim=-1).mean()
    print(f"layer {layer}: cosine similarity of f_c with layer 1's f_c = {similarity:.2f}")

# %% [markdown]
# ## 6 · Two pitfalls of the official code
#
# **A missing permute.** Temporal attention wants one row per joint with the frames along it:
# [batch·joints, frames, channels] from a [batch, frames, joints, channels] tensor. That needs a
# permute *before* the reshape. The official code reshapes f_c without it. A tiny tensor whose
# values spell out where they came from (value = 10 · frame + joint) shows what happens:

# %%
frames_, joints_ = 3, 4
demo = torch.tensor([[10 * f + j for j in range(joints_)] for f in range(frames_)]).reshape(1, frames_, joints_, 1)
right = rearrange(demo, "b f j c -> (b j) f c")  # a permute, then the reshape
wrong = demo.reshape(1 * joints_, frames_, 1)  # the reshape alone reads memory in (frame, joint) order
print("with the permute: one row per joint, frames along it (value = 10·frame + joint)")
print(right[..., 0].tolist())
print("without: rows mix joints and frames")
print(wrong[..., 0].tolist())

# %% [markdown]
# Without the permute, "joint 1's sequence" is joint 3 of frame 0 followed by joints 0 and 1 of
# frame 1: the child keys of each temporal row come from other joints and other frames. No error is raised: the
# shapes are right.
#
# **Spatial or temporal, decided by size.** The official attention module is shared by the
# spatial and the temporal blocks and applies HRST when `q.shape[-2] == 17`, the number of
# joints. With **17-frame clips** the temporal sequence also has length 17, so the temporal
# blocks would silently run Algorithm 1 over *frames*, treating frame 8 as the Thorax and
# frames 7 → 8 → 11 as a kinematic chain. Our spatial and temporal blocks are different
# classes, so a 17-frame model is fine:

# %%
# NBVAL_CHECK_OUTPUT
def official_branch(sequence_length: int) -> str:
    return "spatial (HRST)" if sequence_length == 17 else "temporal (HRTT)"


for clip_frames in (27, 17):
    tiny = HSTDenoiser(DenoiserConfig(frames=clip_frames, width=16, depth=2, heads=2))
    with torch.no_grad(), capture_attention(tiny) as tiny_maps:
        tiny(torch.zeros(1, clip_frames, 17, 2), torch.zeros(1, clip_frames, 16, 4), torch.tensor([0]))
    layer = 1  # the first hierarchical layer
    for kind, captured in (("spatial", tiny_maps.spatial[layer]), ("temporal", tiny_maps.temporal[layer])):
        length = captured.shape[-1]
        verdict = "ok" if official_branch(length).startswith(kind) else "WRONG"
        print(f"{clip_frames} frames, our {kind:<8} block attends over {length:>2} tokens; "
              f"the size rule would run {official_branch(length):<15} {verdict}")
        # by hand: a spatial row has one token per joint, a temporal row one per frame; the size rule
        # goes wrong exactly when the frames number 17, in the temporal block
        assert length == (17 if kind == "spatial" else clip_frames), f"{clip_frames} frames, {kind}: tokens"
        fails = kind == "temporal" and clip_frames == 17
        assert (verdict == "WRONG") == fails, f"{clip_frames} frames, {kind}: the size rule"

# %% [markdown]
# ## 7 · How big is the denoiser?
#
# The shipped model is tiny so that it trains on a laptop; the paper's is 8 layers of width
# 512 over 243 frames. Parameters of both, and what each switch costs:

# %%
# NBVAL_CHECK_OUTPUT
configs = {
    "small (27 frames, width 64, depth 4)": DenoiserConfig(frames=27, width=64, depth=4, heads=4),
    "  without HRTT (no child keys)": DenoiserConfig(frames=27, width=64, depth=4, heads=4, hrtt=False),
    "  without HRST (no parameters)": DenoiserConfig(frames=27, width=64, depth=4, heads=4, hrst=False),
    "  without level embedding": DenoiserConfig(frames=27, width=64, depth=4, heads=4, hierarchical_embedding=False),
    "paper (243 frames, width 512, depth 8)": DenoiserConfig(frames=243, width=512, depth=8, heads=8),
}
counts, projections = {}, {}
for label, config in configs.items():
    denoiser = HSTDenoiser(config)
    counts[label] = count_parameters(denoiser)
    projections[label] = sum(p.numel() for name, p in denoiser.blocks.named_parameters() if "norm" not in name)
    print(f"{label:<40} {counts[label]:>12,}")
# By hand. The switches (section 9's table): HRTT's child keys are (depth − 1)(w² + w), the level embedding
# 6 levels × w, HRST nothing. The blocks' projections (the formula below): per layer
# 2 (3w² + 3w + w² + w + 2·2w² + 3w), plus the child key w² + w from layer 1 on.
small, paper = counts["small (27 frames, width 64, depth 4)"], counts["paper (243 frames, width 512, depth 8)"]
assert small - counts["  without HRTT (no child keys)"] == (4 - 1) * (64 * 64 + 64), "HRTT's child keys"
assert small - counts["  without level embedding"] == 6 * 64, "the level embedding"
assert counts["  without HRST (no parameters)"] == small, "HRST has no parameters"
for label, w, depth in (("small (27 frames, width 64, depth 4)", 64, 4),
                        ("paper (243 frames, width 512, depth 8)", 512, 8)):
    by_hand = 2 * depth * (3 * w * w + 3 * w + w * w + w + 2 * 2 * w * w + 3 * w) + (depth - 1) * (w * w + w)
    assert projections[label] == by_hand and by_hand > 0.9 * counts[label], f"{label}: the blocks' projections"
# the totals against exercise 3's closed form (not printed here: it is your exercise below)
from ddhpose_lite.lessons.solutions import denoiser_parameters

assert small == denoiser_parameters(27, 64, 4), "small: total"
assert paper == denoiser_parameters(243, 512, 8), "paper: total"

# %% [markdown]
# Nearly all of it sits in the blocks' projections: per layer a spatial and a temporal block,
# each with QKV (3w² + 3w), the output projection (w² + w) and the MLP (2 · 2w² + 3w), plus
# HRTT's child key (w² + w) in layers 1 and up. HRST adds no parameters at all: it is a fixed
# rewrite of the logits. (Exercise 3 asks you to write the formula.)
#
# **Think!** The table's models have 4 or 8 heads, yet the count never mentions heads. Why does
# the number of heads not change the number of parameters?
#
# <details><summary>Answer</summary>
#
# Heads split the width, they do not add to it: the QKV projection is one w × 3w matrix whether
# its output is read as 8 heads of w/8 channels or 4 heads of w/4. Heads change how the products
# QKᵀ are grouped (and their cost), not the weights.
#
# </details>
#
# ## 8 · Explore the trained model's attention
#
# Choose a layer, a head (or their mean), a query joint and a frame. Left: the spatial map of
# that frame (the query's row outlined); middle: the temporal map of that joint (the frame's
# row outlined); right: the true pose of that frame with the query's attention drawn on it.
# Every map was captured in the one forward pass above, so the controls only redraw. Each
# map's colours stretch from its smallest to its largest weight: read the colour bars.

# %%
explorer = widgets.attention_explorer(maps, pose=truth, layer=1, head="mean", joint="LElbow", frame=middle)
explorer

# %% [markdown]
# The callback is a plain function: `explorer.update(layer=3, joint="RWrist")` does what the
# controls do. Without a live kernel, use the kernel-free twin: a plotly slider over
# (layer, head) views for a fixed joint and frame.

# %%
viz.attention_browser(maps, truth, joint="LElbow", frame=middle)

# %% [markdown]
# Questions to explore (the answers depend on how well trained the checkpoint is, so measure
# rather than guess):
#
# - Are the maps close to uniform (every weight near 1/17 ≈ 0.059 spatially, 1/27 ≈ 0.037
#   temporally for 27 frames) or peaked? Does that change with depth?
# - Does a joint attend more to its **tree neighbours** (parent and children) than chance?
# - Do temporal maps favour **nearby frames** (a band along the diagonal)?
#
# The numbers, per layer (mean of heads and of all queries):

# %%
neighbours = torch.zeros(17, 17, dtype=torch.bool)
for parent, child in H36M.bones:
    neighbours[parent, child] = neighbours[child, parent] = True
offset = (torch.arange(frames)[:, None] - torch.arange(frames)[None]).abs()
chance_neighbours = (neighbours.sum(-1) / 17).mean()
chance_near = (offset <= 2).float().sum(-1).div(frames).mean()
print(f"chance: {100 * chance_neighbours:.0f} % of a joint's attention on its tree neighbours, "
      f"{100 * chance_near:.0f} % of a frame's attention within ±2 frames")
for layer in range(model.config.depth):
    s, tm = maps.spatial[layer], maps.temporal[layer]
    entropy_s = -(s * s.clamp_min(1e-12).log()).sum(-1).mean() / math.log(17)
    entropy_t = -(tm * tm.clamp_min(1e-12).log()).sum(-1).mean() / math.log(frames)
    on_neighbours = (s * neighbours).sum(-1).mean()
    near = (tm * (offset <= 2)).sum(-1).mean()
    print(f"layer {layer}: spatial entropy {entropy_s:.2f} (1 = uniform), {100 * on_neighbours:.0f} % on tree "
          f"neighbours | temporal entropy {entropy_t:.2f}, {100 * near:.0f} % within ±2 frames")

# %% [markdown]
# ## 9 · The ablation switches: what changes in the computation
#
# `DenoiserConfig` has one flag per component of the paper's Table 5:
#
# | flag | when False | parameters |
# |---|---|---|
# | `hierarchical_embedding` | no per-level embedding: joints of a level no longer share a vector | − 6 · w |
# | `hrst` | spatial blocks of layers ≥ 1 use softmax(A) instead of softmax(HRST(A)) | none |
# | `hrtt` | temporal blocks of layers ≥ 1 use K instead of K + K_c | − (depth − 1)(w² + w) |
#
# The paper retrains for each row of Table 5 (lesson 07 retrains every row at small scale, with
# several seeds, on the embedded data). Here we ask
# another question: *how much does the trained network lean on each component?* Load its
# weights into a model with the switch off (the extra parameters are simply not used) and feed
# the same input:

# %%
state = model.state_dict()
condition = (keypoints[None], noisy_bones[None].float(), torch.tensor([t]))
reference_error = 1000 * (prediction - truth).norm(dim=-1).mean()
print(f"{'full model':<34} MPJPE {reference_error:5.0f} mm")
for flag in ("hrst", "hrtt", "hierarchical_embedding"):
    ablated = HSTDenoiser(DenoiserConfig(**{**vars(model.config), flag: False})).eval()
    missing, unused = ablated.load_state_dict(state, strict=False)
    with torch.no_grad(), capture_attention(ablated) as ablated_maps:
        output = ablated(*condition)[0]
    change = 1000 * (output - prediction).norm(dim=-1).mean()
    error = 1000 * (output - truth).norm(dim=-1).mean()
    print(f"{flag + '=False':<34} MPJPE {error:5.0f} mm, x̂₀ moves by {change:5.1f} mm  (unused: {len(unused)} tensors)")
    if flag == "hrst":
        same_logits = (ablated_maps.spatial_logits[1] - maps.spatial_logits[1]).abs().max()
        plain = (ablated_maps.spatial[1] - maps.spatial_logits[1].softmax(-1)).abs().max()
        print(f"{'':<34} layer 1: same logits as the full model (max gap {same_logits:.0e}); "
              f"weights are plain softmax(A) (max gap {plain:.0e})")

# %% [markdown]
# With `hrst=False` nothing before layer 1's spatial softmax changes, so its logits match the
# full model's exactly; only what is done with them differs. (Switching the level embedding off
# changes the input of every layer instead.) The further x̂₀ moves, the more the trained network
# relies on the component. These are measurements on one clip and one t: try another clip,
# `t = 50` or `t = 900`.
#
# ## 10 · Paper errata and notation
#
# | where | the paper writes | what is meant (and what the code does) |
# |---|---|---|
# | title, abstract | HRST and HRTT | the **Hierarchical-Related** Spatial and Temporal Transformers |
# | Eq. 5 | A = QKᵀ/√d_m, with d_m "the dimension of feature" | with several heads, d is the dimension of one head, width / heads (16 here, 64 in the paper's model); the official code scales by `head_dim ** -0.5`, as MixSTE does, and so do we (folded into W_q). Checked below. |
# | Algorithm 1, lines 3–5 | `A[j][jc] += A[jp][j]`, `A[jc][j] += A[jp][j]`, then `A[j][jc]/2.0, A[jc][j]/2.0` | an update in place, divided by 2 (line 5 has no assignment); whether later triplets read the updated entries is left open: section 4 computes both readings |
# | Eq. 6, Fig. 3b | f_c, the child feature | from which layer's features is not said: we recompute it in every HRTT layer, the official code once after the first layer, with a reshape that mixes frames and joints (sections 5 and 6) |

# %%
# NBVAL_CHECK_OUTPUT
attention = model.blocks[2].attention  # layer 1, spatial, as in section 2
q, k, _ = rearrange(attention.qkv(inputs[2]), "n j (three h d) -> three n h j d", three=3, h=attention.heads)
recorded = maps.spatial_logits[1]
gaps = {}
for name, size in (("one head's dimension d", q.shape[-1]), ("the width d_m", model.config.width)):
    gap = gaps[size] = (q @ k.transpose(-1, -2) / math.sqrt(size) - recorded).abs().max().item()
    print(f"logits scaled by 1/√({name} = {size}) match the model's: {gap < 1e-4}")
# by hand: d = 64 / 4 heads = 16, and 1/√64 = ½ · 1/√16, so scaling by the width gives half the model's
# logits: its gap is half the largest |logit|
assert q.shape[-1] == model.config.width // model.config.heads == 16 and gaps[16] < 1e-4, "scale 1/√d, d = 16"
assert abs(gaps[64] - recorded.abs().max().item() / 2) < 1e-4, "scale 1/√64 halves the logits"

# %% [markdown]
# ## Summary
#
# - The denoiser (Fig. 2b) embeds [2D, noisy direction, noisy length] per joint, adds joint, level
#   (HSP), timestep and frame (TP) embeddings, then alternates spatial blocks (the joints of a
#   frame) and temporal blocks (the frames of a joint): layer 0 plain, layers 1 and up with HRST
#   and HRTT.
# - Plain attention, softmax(QKᵀ/√d)V (Eq. 5, d the dimension of one head), treats the joints as a
#   set: shuffle them and the output shuffles along. The skeleton must be put in.
# - **HRST** (Algorithm 1, Fig. 3a) rewrites 26 spatial logits: for each triplet (j_p, j, j_c),
#   A[j][j_c] and A[j_c][j] move halfway towards A[j_p][j]. No parameters; every row but the
#   root's changes after softmax.
# - The official **in-place chain loop** is a different function: 22 of the 26 entries differ,
#   and Spine ↔ Thorax is averaged three times.
# - **HRTT** (Eq. 6, Fig. 3b) adds child keys: softmax(QKᵀ/√d + QK_cᵀ/√d) =
#   softmax(Q(K + K_c)ᵀ/√d), one attention call. f_c is the mean of a joint and its children,
#   recomputed in every layer.
# - Decide spatial vs temporal by **class**, not by tensor size (17-frame clips), and permute
#   before reshaping (frames × joints).
# - Nearly all parameters sit in the blocks, about 8w² each; HRST costs none, HRTT one w × w
#   key projection per layer.
#
# Next, lesson 05 trains this denoiser on a GPU (or the CPU), and lesson 06 samples many
# hypotheses with it.
#
# ## Exercises
#
# Three exercises: a warm-up, a core one and a stretch one. Each ends with a check that says
# "not yet" while the slot is empty, then what is off or "correct!". HRST and the child features
# are checked on trees the model cannot be built for (MPI-INF-3DHP in the order of its files and
# lesson 01's dog, `exercises.TREES`), the count on skeletons and sizes of the check's choosing.
# Stuck? Worked solutions are in `ddhpose_lite/lessons/solutions.py`; `show_solution(4, 1)` prints
# one. Try first.

# %%
from ddhpose_lite.lessons import lesson01, show_solution
from ddhpose_lite.lessons import lesson04 as exercises

print("the dog's parents:", lesson01.DOG_PARENTS)

# %% [markdown]
# **Exercise 1 (warm-up) · Algorithm 1 for any list of triplets.** Write `my_hrst(A, triplets)`:
# logits A [J, J] and a list of (parent, joint, child) triplets in, the rewritten copy out, every
# update reading the original A. The check runs it on three trees, with the triplets in two
# different orders.

# %%
def my_hrst(A, triplets):
    """Algorithm 1: for each (p, j, c), A[j][c] and A[c][j] move halfway towards A[p][j]."""
    return None  # your code here


exercises.check_hrst(my_hrst)

# %% [markdown]
# **Exercise 2 (core) · HRTT's child features for any tree.** Write
# `my_child_features(x, parents)`: features x [F, J, C] of a tree given by its parents (in any
# order) in, f_c [F, J, C] out, row j the mean of joint j's feature and its children's (a leaf
# keeps its own). Bonus: do it with one matrix product.

# %%
def my_child_features(x, parents):
    """f_c: each joint's feature averaged with its children's features."""
    return None  # your code here


exercises.check_child_features(my_child_features)

# %% [markdown]
# **Exercise 3 (stretch) · Count the denoiser's parameters.** Write
# `my_count(frames, width, depth, joints=17, levels=6, mlp_ratio=2.0)`: the number of parameters
# of `HSTDenoiser` with HRST, HRTT, the level embedding and the norms between blocks on, for a
# skeleton of `joints` joints in `levels` levels. Read `HSTDenoiser.__init__` (and `Block`, `Mlp`
# and the attention classes) in `ddhpose_lite/model.py`. Hints: `nn.Linear(a, b)` has a·b + b
# parameters, `nn.LayerNorm(w)` 2w; the head regresses 3 numbers per joint. Then one more case,
# a model `HSTDenoiser` cannot build: with `shared_child_keys=True`, every HRTT layer uses one
# and the same K_c projection instead of one of its own (a way to save parameters). How many
# does that save at the paper's size?

# %%
def my_count(frames, width, depth, joints=17, levels=6, mlp_ratio=2.0, shared_child_keys=False):
    """The number of parameters of HSTDenoiser(DenoiserConfig(frames, width, depth, ...)), or of
    the variant whose HRTT layers share one K_c projection."""
    return None  # your code here


exercises.check_count(my_count)

# %% [markdown]
# ## References
#
# - Cai et al. *Disentangled Diffusion-Based 3D Human Pose Estimation with Hierarchical Spatial
#   and Temporal Denoiser.* AAAI 2024. [arXiv:2403.04444](https://arxiv.org/abs/2403.04444)
#   (Fig. 2b and Fig. 3; Eq. 5–6; Algorithm 1; Table 5); official code:
#   [github.com/Andyen512/DDHPose](https://github.com/Andyen512/DDHPose).
# - Zhang, Tang, Shi, Chen, Huang. *MixSTE: Seq2seq Mixed Spatio-Temporal Encoder for 3D Human
#   Pose Estimation in Video.* CVPR 2022. [arXiv:2203.00859](https://arxiv.org/abs/2203.00859)
#   (the alternating spatial and temporal blocks, the norms between them).
# - Vaswani et al. *Attention Is All You Need.* NeurIPS 2017.
#   [arXiv:1706.03762](https://arxiv.org/abs/1706.03762) (scaled dot-product attention, Eq. 5).
