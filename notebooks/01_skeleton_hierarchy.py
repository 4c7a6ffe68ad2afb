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
# # Lesson 01 · The skeleton is a tree
#
# **The question of this lesson:** *why does DDHPose care about the skeleton's hierarchy?*
#
# Most 3D pose estimators see a pose as 17 points. DDHPose (Cai et al., AAAI 2024) sees a
# **tree of bones** hanging from the pelvis, sorted into six **hierarchy levels**, and builds
# that tree into its denoiser. Before we get to diffusion, let's get to know the tree.
#
# **Learning objectives.** By the end of this lesson you can:
# - name the 17 Human3.6M joints with their parents and hierarchy levels, and compute levels for
#   any tree;
# - explain why a joint's error grows with its depth in the tree;
# - list the parent → joint → child triplets that HRST uses and the attention scores it edits;
# - mirror a pose, and map another dataset's joint order onto Human3.6M's.
#
# **Time:** about 40 minutes: 20 to read and explore, 20 for the exercises.
#
# You will:
# 1. meet the 17 Human3.6M joints, their parents and their levels (paper Fig. 1, left);
# 2. see why a joint's depth in the tree matters: it inherits every error above it;
# 3. find chains and the **triplets** {J_p, J, J_c} that HRST (Algorithm 1) is built on;
# 4. explore the tree with a joint picker;
# 5. handle left/right symmetry and the MPI-INF-3DHP joint order.
#
# **Runtime:** about 10 s on a 2-core CPU, under 400 MB of memory. No GPU, no downloads.

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

from ddhpose_lite import viz, widgets
from ddhpose_lite.bones import compose, disentangle, rest_pose
from ddhpose_lite.skeleton import (
    H36M,
    H36M_TO_MPI_INF_3DHP,
    MPI_INF_3DHP_NAMES,
    MPI_INF_3DHP_TO_H36M,
    mpi_inf_3dhp_to_h36m,
)

# %% [markdown]
# ## 1 · The 17 joints
#
# Human3.6M poses come with 17 joints in a fixed order (the VideoPose3D order). Each joint
# except the pelvis has a **parent**; its **level** is the number of bones between it and the
# pelvis.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'idx':>3}  {'joint':<10} {'parent':<10} {'level':>5}  side")
for j, name in enumerate(H36M.names):
    parent = H36M.parents[j]
    parent_name = H36M.names[parent] if parent >= 0 else "-"
    side = "left" if j in H36M.joints_left else "right" if j in H36M.joints_right else "middle"
    print(f"{j:>3}  {name:<10} {parent_name:<10} {H36M.levels[j]:>5}  {side}")
# the levels by hand: 0 for the pelvis, the parent's level + 1 for every other joint (parents come first)
levels_by_hand = [0] * 17
for j in range(1, 17):
    assert H36M.parents[j] < j, f"parent of {H36M.names[j]} comes first"
    levels_by_hand[j] = levels_by_hand[H36M.parents[j]] + 1
assert list(H36M.levels) == levels_by_hand, f"levels {list(H36M.levels)}, by hand {levels_by_hand}"

# %% [markdown]
# Two things to notice:
# - every parent comes **before** its child in the list, so one pass from joint 0 to joint 16
#   always meets a parent before its children;
# - "Nose" and "Head" are Human3.6M's names for a point on the face and the top of the head.
#
# **Think!** At which level is the right wrist? Count the bones to the pelvis before you look at
# the table.
#
# <details><summary>Answer</summary>
#
# Level 5: RWrist → RElbow → RShoulder → Thorax → Spine → Pelvis is five bones. The wrists are
# the deepest joints of the tree, with the left wrist.
#
# </details>
#
# Here is the skeleton in 3D, coloured by level. Drag to rotate, hover a joint for its name.
# `rest_pose()` is a standing person in metres, z up, facing +y, pelvis at the origin.

# %%
pose = rest_pose()
print("pose:", tuple(pose.shape), "(joints, xyz in metres)")
viz.skeleton_3d(pose, title="Human3.6M skeleton, coloured by level")

# %% [markdown]
# ## 2 · Six hierarchy levels
#
# Grouping the joints by level gives the six rows of the paper's Fig. 1 (left):

# %%
for level, joints in enumerate(H36M.level_groups):
    print(f"level {level}: " + ", ".join(H36M.names[j] for j in joints))

viz.kinematic_tree(title="The kinematic tree (paper Fig. 1, left)")

# %% [markdown]
# **Why the levels matter.** A joint's position is the pelvis plus the sum of the bone vectors
# along its chain. So if a bone is wrong, *everything below it* moves with it. Let's tilt one
# bone, the left shoulder (bone 11, Thorax → LShoulder), and see which joints move.
# (Bone *k* ends at joint *k*; in the 16-bone tensors it sits at index *k − 1*.)

# %%
length, direction = disentangle(pose)  # [16, 1] lengths and [16, 3] unit directions
tilted = direction.clone()
tilted[11 - 1] = torch.nn.functional.normalize(tilted[11 - 1] + torch.tensor([0.0, 0.0, 0.5]), dim=0)
moved = (compose(length, tilted) - pose).norm(dim=-1)
for j in torch.nonzero(moved > 1e-6).flatten().tolist():
    print(f"{H36M.names[j]:<10} level {H36M.levels[j]}  moved {100 * moved[j]:.1f} cm")

# %% [markdown]
# The whole arm rides along with the shoulder. Now give *every* bone a small random error, as
# an imperfect estimator would (about 2 cm per axis at the end of each bone), and average over
# 2000 tries. A joint at level *k* collects the errors of *k* bones:

# %%
generator = torch.Generator().manual_seed(0)
noise = 0.02 * torch.randn((2000, 16, 3), generator=generator)
bone_vectors = length * direction  # [16, 3]
# compose() multiplies length by direction; with length 1 it takes the bone vectors as they are
noisy_poses = compose(torch.ones(16, 1), bone_vectors + noise)  # [2000, 17, 3]
error = (noisy_poses - pose).norm(dim=-1).mean(dim=0)  # [17], metres
error_by_level = [100 * error[list(joints)].mean().item() for joints in H36M.level_groups]
print("mean error per level (cm):", [round(e, 1) for e in error_by_level])
print(f"level 5 against level 1: {error_by_level[5]:.1f} against {error_by_level[1]:.1f} cm, "
      f"{error_by_level[5] / error_by_level[1]:.2f} times")
viz.line_by_level({"2 cm noise on every bone": error_by_level}, ylabel="mean joint error (cm)",
                  title="Errors accumulate down the tree")

# %% [markdown]
# Deep joints inherit the errors of all their ancestors. That is one reason why wrists and
# ankles are the hardest joints to estimate: lesson 02 measures the effect on a thousand poses
# with three kinds of noise, and lesson 05 on the trained model's own predictions (its error per
# hierarchy level). DDHPose gives the network this structure in two ways: a learned **embedding
# per level** (the joints of a level share it), and **attention that follows the tree** (HRST
# across joints, HRTT across frames).
#
# **Think!** The error at level 5 is not five times the error at level 1 (the cell's last line
# prints the ratio). Why does it grow more slowly than the number of bones?
#
# <details><summary>Answer</summary>
#
# The bones' errors are independent and point in random directions, so they partly cancel. For
# independent errors the *variances* add: k bones give √k times the error of one, and √5 ≈ 2.24,
# close to the printed ratio. Errors that do not cancel (a bias shared by the bones of a limb) would add
# up faster, up to k times.
#
# </details>
#
# ## 3 · Parents, children, chains
#
# A **chain** is the path from the pelvis to a leaf. There are five: two legs, the head and
# two arms.

# %%
for chain in H36M.chains:
    print(" → ".join(H36M.names[j] for j in chain))
print()
print("children of Thorax:", [H36M.names[c] for c in H36M.children[H36M.index("Thorax")]])
print("chain of LElbow:   ", H36M.chain_of(H36M.index("LElbow")))

# %% [markdown]
# ## 4 · Triplets {J_p, J, J_c}
#
# A **triplet** is a joint J together with its parent J_p and one of its children J_c. Every
# joint that has both gives one triplet per child; the Thorax, with three children, gives three.

# %%
# NBVAL_CHECK_OUTPUT
print(len(H36M.triplets), "triplets (parent, joint, child):")
for p, j, c in H36M.triplets:
    print(f"  ({p:>2}, {j:>2}, {c:>2})  {H36M.names[p]} → {H36M.names[j]} → {H36M.names[c]}")
# by hand: one triplet per bone whose upper joint is not the pelvis, so 16 bones - 3 from the pelvis = 13
triplets_by_hand = [(H36M.parents[j], j, c) for j in range(1, 17) for c in range(17) if H36M.parents[c] == j]
assert sorted(H36M.triplets) == sorted(triplets_by_hand) and len(triplets_by_hand) == 16 - 3, "triplets by hand"

# %% [markdown]
# **What HRST does with them (Algorithm 1).** In the spatial attention, `A[a][b] = q_a·k_b/√d`
# scores how much joint *a* looks at joint *b*. For every triplet, HRST replaces the
# joint↔child scores by their average with the parent→joint score:
#
# `A[J][J_c] = (A[J][J_c] + A[J_p][J]) / 2` and `A[J_c][J] = (A[J_c][J] + A[J_p][J]) / 2`.
#
# So how an elbow and a wrist attend to each other is tied to how the shoulder attends to
# the elbow: information flows down the same chains along which errors accumulate.
# The map below marks the scores HRST edits. They are the bones in both directions, except the
# three bones leaving the pelvis: the pelvis has no parent, so it is never the middle joint.
# (The paper's Fig. 3a draws the same idea inside HRST's attention block; lesson 04 runs it on a
# trained model.)

# %%
edited = np.zeros((17, 17), dtype=int)
for p, j, c in H36M.triplets:
    edited[j, c] = edited[c, j] = 1
print("scores edited by HRST:", int(edited.sum()), "of", 17 * 17)
go.Figure(
    go.Heatmap(z=edited, x=list(H36M.names), y=list(H36M.names), showscale=False,
               colorscale=[[0, "#f4f4f4"], [1, viz.LEVEL_COLORS[1]]], xgap=1, ygap=1,
               hovertemplate="A[%{y}][%{x}]<extra></extra>"),
    layout=viz.base_layout(500, 500, "Attention scores that HRST edits",
                           margin=dict(l=110, r=10, t=40, b=100),
                           yaxis=dict(autorange="reversed", title=dict(text="query joint a")),
                           xaxis=dict(title=dict(text="key joint b"), tickangle=-60)),
)

# %% [markdown]
# **Think!** The Thorax is the middle joint of three triplets, (Spine, Thorax, Nose),
# (Spine, Thorax, LShoulder) and (Spine, Thorax, RShoulder). Which single score do all three
# read, and what does that say about how the head and the arms are tied to the torso?
#
# <details><summary>Answer</summary>
#
# All three read A[Spine][Thorax], how much the spine attends to the thorax. The thorax's links
# to the head and to both shoulders are each pulled towards that one score, so the upper body's
# three branches share the same "parent influence", as they share the thorax in the tree.
#
# </details>

# %% [markdown]
# ## 5 · Explore: the joint picker
#
# Pick a joint. The 3D view and the tree highlight it (diamond), its parent and children
# (large) and its chain up to the pelvis; the table lists its level, parent, children and
# triplets. Try the Thorax (three triplets), a wrist (a leaf) and the pelvis (the root).

# %%
picker = widgets.joint_picker()
picker

# %% [markdown]
# The widget needs a running kernel. Its logic is a plain function, so you can also drive it
# from code, for example `picker.update("RKnee")`. On a static page, use this kernel-free
# version instead: same view, with a dropdown in the top-right corner.

# %%
viz.joint_explorer(pose, title="Joint explorer (no kernel needed)")

# %% [markdown]
# ## 6 · Left and right
#
# Six joints are on the left, six on the right. Mirroring a pose means negating the left-right
# coordinate **and** swapping each left joint with its right partner, otherwise the "left
# wrist" would end up on the right side of the body. The swap is `H36M.flip_permutation`.
# Pose estimators use mirroring to double their training data and to average a prediction with
# the prediction for the mirrored input (DDHPose's official code always does this at test time).

# %%
print("flip permutation:", H36M.flip_permutation)
for left, right in zip(H36M.joints_left, H36M.joints_right):
    print(f"  {H36M.names[left]:<10} ↔ {H36M.names[right]}")


def mirror(pose: torch.Tensor) -> torch.Tensor:
    """Reflect a [17, 3] pose whose left-right axis is x: negate x, then swap left and right."""
    reflected = pose * torch.tensor([-1.0, 1.0, 1.0])
    return reflected[list(H36M.flip_permutation)]


print("the rest pose is symmetric:", torch.allclose(mirror(pose), pose, atol=1e-6))

# %% [markdown]
# A pose that is *not* symmetric shows the difference: here the left forearm points forward
# (bone 13, LElbow → LWrist, gets a new direction; forward kinematics rebuilds the joints).

# %%
reach = direction.clone()
reach[H36M.index("LWrist") - 1] = torch.tensor([0.0, 1.0, 0.0])
reaching = compose(length, reach)
viz.skeletons_3d({"left forearm forward": reaching, "mirrored": mirror(reaching)},
                 title="A pose and its mirror image")

# %% [markdown]
# ## 7 · Another dataset, another order: MPI-INF-3DHP
#
# MPI-INF-3DHP also has 17 joints, but in a different order and with different names. To use
# it with a model trained on Human3.6M we reorder its joints: for each Human3.6M slot,
# `MPI_INF_3DHP_TO_H36M` gives the MPI-INF-3DHP index that goes there.

# %%
# NBVAL_CHECK_OUTPUT
print("H36M slot          <- MPI-INF-3DHP joint")
for slot, mpi_index in enumerate(MPI_INF_3DHP_TO_H36M):
    print(f"{slot:>2} {H36M.names[slot]:<15} <- {mpi_index:>2} {MPI_INF_3DHP_NAMES[mpi_index]}")
# a round trip: the two index lists undo each other, and each is a permutation of 0..16
assert sorted(MPI_INF_3DHP_TO_H36M) == list(range(17)), "MPI -> H36M is a permutation"
assert all(H36M_TO_MPI_INF_3DHP[MPI_INF_3DHP_TO_H36M[slot]] == slot for slot in range(17)), "round trip of the orders"

# %% [markdown]
# Joints are matched by their role in the tree, not by name: MPI's `head` fills the H36M
# "Nose" slot (the middle of the head, the child of the neck) and `head_top` fills "Head".
# The trees differ in one bone: in the official DDHPose code for MPI-INF-3DHP, `head_top` hangs
# from the neck beside `head` (level 3), not from `head` as Human3.6M's Head hangs from the Nose
# (level 4); `skeleton.MPI_INF_3DHP` is that tree, with its own triplets and levels.
# A round trip through both orders gives the pose back:

# %%
pose_in_mpi_order = pose[list(H36M_TO_MPI_INF_3DHP)]
print("round trip exact:", torch.equal(mpi_inf_3dhp_to_h36m(pose_in_mpi_order), pose))

# %% [markdown]
# ## Summary
#
# - A pose is a **tree**: 16 bones hanging from the pelvis, 6 levels deep. A joint's level is the
#   number of bones between it and the pelvis (the paper's Fig. 1, left).
# - A joint's position is the sum of the bone vectors on its chain, so **errors accumulate with
#   depth**: a wrist (level 5) collects the errors of five bones, about √5 times the error of one
#   when they are independent.
# - A **triplet** {J_p, J, J_c} is a joint with its parent and one child; Human3.6M has 13, and
#   HRST (Algorithm 1) edits two attention scores per triplet, 26 in all, never the pelvis's row.
# - DDHPose builds the tree into its denoiser: one embedding per **level**, attention that
#   averages along **triplets** (HRST) and between a joint and its children (HRTT).
# - Mirroring needs a **permutation** (left ↔ right); another dataset needs a **mapping**
#   (MPI-INF-3DHP → Human3.6M). Both are just index lists.
#
# Next, lesson 02 splits poses into bone lengths and directions, the representation DDHPose
# adds its noise to.
#
# ## Exercises
#
# Three exercises: a warm-up, a core one and a stretch one. Each ends with a check that says
# "not yet" while the slot is empty, then what is off or "correct!". The checks use trees the
# package's `Skeleton` cannot hold (it wants the root first and every parent before its
# children): MPI-INF-3DHP's joints in the order of its files, where the pelvis is joint 14, and a
# dog. So your functions take a plain list of parents. Stuck? Worked solutions are in
# `ddhpose_lite/lessons/solutions.py`; `show_solution(1, 2)` prints one. Try first.

# %%
from ddhpose_lite.lessons import lesson01 as exercises
from ddhpose_lite.lessons import show_solution

for name, (parents, joint_names) in exercises.TREES.items():
    print(f"{name}: parents {list(parents)}")
print("the dog's joints:", ", ".join(f"{j} {n}" for j, n in enumerate(exercises.DOG_NAMES)))

# %% [markdown]
# **Exercise 1 (warm-up) · Levels of any tree.** Write `levels_from_parents(parents)`: the level
# of every joint (0 for the root, its parent's level + 1 for the others) for a tree whose joints
# come in any order. Careful: in MPI-INF-3DHP's order `head_top` (joint 0) hangs from the
# `neck` (joint 1), so one pass from joint 0 to joint 16 meets a child before its parent.

# %%
def levels_from_parents(parents):
    """parents[j] is the parent of joint j (-1 for the root) -> the level of every joint."""
    return None  # your code here


exercises.check_levels(levels_from_parents)

# %% [markdown]
# **Exercise 2 (core) · The tree path between two joints.** Write `path_between(parents, a, b)`:
# the joints on the tree path from joint `a` to joint `b`, both included. From LWrist to RWrist
# the path climbs to the Thorax and back down. The number of bones on the path is how many
# hops along the tree separate two joints. (Hint: the chains from `a` and from `b` up to the root
# meet at the joint where the path turns.)

# %%
def path_between(parents, a, b):
    """The joints from a to b along the tree, a and b included."""
    return None  # your code here


exercises.check_path(path_between)

# %% [markdown]
# **Exercise 3 (stretch) · Triplets of any tree.** Write `triplets_of(parents)`: every
# (parent, joint, child) triplet of a tree in any joint order, each once. Then: how many
# attention scores would HRST edit in the dog's spatial attention?

# %%
def triplets_of(parents):
    """Every (parent, joint, child) triplet: a joint with its parent and one of its children."""
    return None  # your code here


exercises.check_triplets(triplets_of)

# %% [markdown]
# ## References
#
# - Cai, Hu, Hou, Yao, Huang. *Disentangled Diffusion-Based 3D Human Pose Estimation with
#   Hierarchical Spatial and Temporal Denoiser.* AAAI 2024. [arXiv:2403.04444](https://arxiv.org/abs/2403.04444)
#   (Fig. 1: the hierarchy levels; Algorithm 1: the triplets); official code:
#   [github.com/Andyen512/DDHPose](https://github.com/Andyen512/DDHPose).
# - Ionescu, Papava, Olaru, Sminchisescu. *Human3.6M: Large Scale Datasets and Predictive Methods
#   for 3D Human Sensing in Natural Environments.* TPAMI 2014. [vision.imar.ro/human3.6m](http://vision.imar.ro/human3.6m)
#   (the 17-joint skeleton).
# - Pavllo, Feichtenhofer, Grangier, Auli. *3D human pose estimation in video with temporal
#   convolutions and semi-supervised training.* CVPR 2019. [arXiv:1811.11742](https://arxiv.org/abs/1811.11742)
#   (VideoPose3D: the joint order and the data files everyone uses).
# - Mehta, Rhodin, Casas, Fua, Sotnychenko, Xu, Theobalt. *Monocular 3D Human Pose Estimation In
#   The Wild Using Improved CNN Supervision.* 3DV 2017. [arXiv:1611.09813](https://arxiv.org/abs/1611.09813)
#   (MPI-INF-3DHP and its joint order).
