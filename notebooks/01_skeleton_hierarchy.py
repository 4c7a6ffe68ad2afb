# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
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
# the environment (`ddhpose_lite.doctor()`: versions, device, widget support, memory). On Google
# Colab it first installs the package from the repository (about a minute) and switches on
# Colab's support for interactive widgets.

# %%
import os
import subprocess
import sys

REPOSITORY = "https://github.com/ddhpose-lite/ddhpose_lite"  # the one place: pyproject.toml [project.urls]
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"ddhpose_lite @ git+{REPOSITORY}"], check=True)
    from google.colab import output

    output.enable_custom_widget_manager()
    os.environ["DDHPOSE_COLAB_WIDGETS"] = "1"

import ddhpose_lite

ddhpose_lite.doctor()

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

# %% [markdown]
# Two things to notice:
# - every parent comes **before** its child in the list, so one pass from joint 0 to joint 16
#   always meets a parent before its children;
# - "Nose" and "Head" are Human3.6M's names for a point on the face and the top of the head.
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
viz.line_by_level({"2 cm noise on every bone": error_by_level}, ylabel="mean joint error (cm)",
                  title="Errors accumulate down the tree")

# %% [markdown]
# Deep joints inherit the errors of all their ancestors. That is why wrists and ankles are the
# hardest joints to estimate (lesson 02 measures it on real predictions). DDHPose gives the
# network this structure in two ways: a learned **embedding per level** (the joints of a level
# share it), and **attention that follows the tree** (HRST across joints, HRTT across frames).
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

# %% [markdown]
# Joints are matched by their role in the tree, not by name: MPI's `head` fills the H36M
# "Nose" slot (the middle of the head, the child of the neck) and `head_top` fills "Head".
# A round trip through both orders gives the pose back:

# %%
pose_in_mpi_order = pose[list(H36M_TO_MPI_INF_3DHP)]
print("round trip exact:", torch.equal(mpi_inf_3dhp_to_h36m(pose_in_mpi_order), pose))

# %% [markdown]
# ## Takeaway
#
# - A pose is a **tree**: 16 bones hanging from the pelvis, 6 levels deep.
# - A joint's position is the sum of the bones along its chain, so **errors accumulate with
#   depth**: a wrist (level 5) collects the errors of five bones.
# - DDHPose builds the tree into its denoiser: one embedding per **level**, and attention that
#   averages along **triplets** {J_p, J, J_c} (HRST) and between a joint and its children (HRTT).
# - Mirroring needs a **permutation**; another dataset needs a **mapping**. Both are just
#   index lists.
#
# Next, lesson 02 splits poses into bone lengths and directions, the representation DDHPose
# adds its noise to.
#
# ## Exercises
#
# Each exercise has a self-check. Replace `None` with your answer and run the cell; a worked
# solution is in the comment below it.
#
# **Exercise 1.** At which level is the right wrist? (Try it without looking it up, then check.)

# %%
def check_level_of(joint_name: str, answer) -> None:
    if answer is None:
        print("Exercise 1: not yet. Replace None with your answer and run again.")
        return
    expected = H36M.levels[H36M.index(joint_name)]
    assert answer == expected, f"not quite: {joint_name} is not at level {answer}; count its bones up to the pelvis"
    print(f"Correct! {joint_name} is {expected} bones away from the pelvis: {H36M.chain_of(H36M.index(joint_name))}")


answer_1 = None
# Worked solution: RWrist → RElbow → RShoulder → Thorax → Spine → Pelvis is 5 bones.
# answer_1 = 5
check_level_of("RWrist", answer_1)

# %% [markdown]
# **Exercise 2.** List every triplet (as index tuples) in which the left shoulder is the
# **middle** joint J. How many bones does HRST tie together through it?

# %%
def check_middle_triplets(joint_name: str, answer) -> None:
    if answer is None:
        print("Exercise 2: not yet. Replace None with a list of (parent, joint, child) tuples.")
        return
    j = H36M.index(joint_name)
    expected = {t for t in H36M.triplets if t[1] == j}
    assert {tuple(t) for t in answer} == expected, "not quite: the middle index must be the joint itself"
    print(f"Correct! {joint_name} is the middle of {sorted(expected)}")


answer_2 = None
# Worked solution: its parent is the Thorax (8) and its only child the LElbow (12).
# answer_2 = [(8, 11, 12)]
# or, from the data: answer_2 = [t for t in H36M.triplets if t[1] == H36M.index("LShoulder")]
check_middle_triplets("LShoulder", answer_2)

# %% [markdown]
# **Exercise 3.** Write `path_between(a, b)`: the joints on the tree path from joint `a` to
# joint `b`, both included. For example, from LWrist to RWrist the path climbs to the Thorax and
# back down. (Hint: compare `H36M.chain_of(a)` and `H36M.chain_of(b)`.) The number of bones on
# that path is how many attention "hops" along the tree separate two joints.

# %%
def check_path_between(function) -> None:
    if function is None:
        print("Exercise 3: not yet. Define path_between(a, b) and pass it in.")
        return
    cases = {(13, 16): (13, 12, 11, 8, 14, 15, 16), (3, 6): (3, 2, 1, 0, 4, 5, 6),
             (12, 8): (12, 11, 8), (0, 10): (0, 7, 8, 9, 10), (10, 10): (10,)}
    for (a, b), expected in cases.items():
        got = tuple(function(a, b))
        assert got == expected, f"path_between({a}, {b}) gave {got}, expected {expected}"
    print("Correct! The two wrists are", len(cases[(13, 16)]) - 1, "bones apart.")


path_between = None
# Worked solution:
# def path_between(a, b):
#     up, down = H36M.chain_of(a), H36M.chain_of(b)
#     shared = 0  # length of the common prefix: the root down to the lowest common ancestor
#     while shared < min(len(up), len(down)) and up[shared] == down[shared]:
#         shared += 1
#     return tuple(reversed(up[shared - 1:])) + down[shared:]
check_path_between(path_between)
