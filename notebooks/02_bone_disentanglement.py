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
# # Lesson 02 · Bones: lengths and directions
#
# **The question of this lesson:** *why does DDHPose add its noise to bones instead of joints?*
#
# A 3D pose can be written down in two ways: as 17 joint positions, or as 16 bones, each with a
# **length** and a **direction** (paper Eq. 1). DDHPose's diffusion process noises the bones, so
# its denoiser sees noisy lengths and directions. Bones describe a body well (a person's bone
# lengths never change), but they come at a price: an error in one bone moves every joint below
# it. The paper warns that disentangling "could amplify the accumulation of hierarchical errors"
# and designs its denoiser against it. In this lesson you take poses apart into bones, put them
# back together, and measure both sides: what bones capture, and how their errors spread.
#
# **Learning objectives.** By the end of this lesson you can:
# - split a pose into bone lengths and directions (Eq. 1) and rebuild it by forward kinematics,
#   for any tree;
# - explain why a body's bone lengths are constant, and why per-frame joint noise makes them
#   jitter and lengthens them on average;
# - predict how noise on directions, lengths and joints spreads down the tree, and why
#   DDHPose noises bones but predicts joints.
#
# **Time:** about 60 minutes: 35 to read and explore, 25 for the exercises.
#
# You will:
# 1. meet the motion this course runs on: captured people (CMU motion capture) and generated
#    ones, how much of the space of body poses each covers, a clip and its 2D keypoints;
# 2. split a pose into bone lengths and directions (Eq. 1) and rebuild it (forward kinematics);
# 3. see that a real body's bone lengths are constant over a clip, and what per-frame joint
#    noise does to them;
# 4. reproduce the paper's motivation: noise on bones grows with the hierarchy level, noise on
#    joints does not (the shape of paper Fig. 1, right, and Fig. 4, right);
# 5. see how length noise and direction noise differ, then explore both with a slider.
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
from ipywidgets import FloatSlider, ToggleButtons, interact

from ddhpose_lite import viz
from ddhpose_lite.bones import H36M_BONE_LENGTHS, NOISE_TARGETS, compose, disentangle, perturb_pose, rest_pose
from ddhpose_lite.camera import project, random_camera, world_to_camera
from ddhpose_lite.datasets import coverage, film, synthetic_sequences
from ddhpose_lite.datasets.coverage import ANGLE_EDGES, TILT_EDGES
from ddhpose_lite.metrics import mpjpe_by_level
from ddhpose_lite.mocap import ACKNOWLEDGEMENT, load_clips, retarget
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.synthetic import ACTIONS, generate_motion, generate_sequence, sample_subject

torch.set_num_threads(1)  # the tensors here are tiny: a second thread only adds overhead

# %% [markdown]
# ## 1 · The data: captured people and generated ones
#
# Everything here runs offline on two sources of 3D motion, mixed half and half when the
# shipped model is trained (lesson 05):
#
# - **captured motion**: about ten minutes of real people from the CMU Graphics Lab Motion
#   Capture Database (walking, running, jumping, climbing, dancing, boxing, bending over, ...),
#   converted to our 17 joints and shipped with the package (`ddhpose_lite.mocap`);
# - **generated motion** (`ddhpose_lite.synthetic`): the generator builds poses exactly the way
#   this lesson takes them apart, only backwards. A person is 16 **bone lengths** (fixed for
#   that person), an action turns the bones (their **directions** change every frame), and
#   forward kinematics puts the joints together. It can make what the capture lacks: lying,
#   kneeling, crawling, push-ups, cartwheels, and random wandering through every joint's range.
#
# First, real people: one distinctive frame from each of a few captured clips, put on one body
# (the capture keeps each frame's bone directions; `mocap.retarget` gives them this body's bone
# lengths). Drag to rotate, hover a joint for its name.

# %%
subject = sample_subject(3, seed=0)
print(f"subject 3 is {subject.height:.2f} m tall")


def distinctive(clip: torch.Tensor) -> torch.Tensor:
    """The frame of a clip [F, 17, 3] furthest from the clip's average pose (pelvis at the origin)."""
    relative = clip - clip[:, :1]
    return clip[(relative - relative.mean(0)).norm(dim=-1).mean(-1).argmax()]


captured = {clip.name: clip for clip in load_clips("all")}
examples = ("01_08", "02_06", "02_05", "05_18", "06_14", "09_05", "13_10", "131_03")
real = {f"{name}: {captured[name].description[:22]}": distinctive(retarget(captured[name].poses_world, subject.bone_lengths))
        for name in examples}
print(ACKNOWLEDGEMENT)
viz.pose_gallery(real, columns=4, title="Captured motion (CMU), one body")

# %% [markdown]
# And the generator: the same subject doing each of its actions, again the most distinctive
# frame of a 2-second clip. The first 15 are everyday upright motion; the rest go down to the
# floor, upside down, or wander through the joints' ranges.

# %%
snapshots = {action: distinctive(generate_motion(action, 100, subject, seed=i)) for i, action in enumerate(ACTIONS)}
viz.pose_gallery(snapshots, columns=8, height=560, title=f"{len(ACTIONS)} generated actions, one subject")

# %% [markdown]
# **How much of the space of poses does each source cover?** One telling number is the **torso
# tilt**: the angle between the pelvis → thorax line and "up" (0° upright, 90° lying,
# 180° upside down; `datasets.torso_tilt`). Real video has people bending over, lying and
# kneeling; a model that has never seen a tipped torso will lift such a person upright. Here is
# the tilt of every frame of the generated test split and of every captured clip (each filmed by
# a random camera, as the training data is):

# %%
# NBVAL_CHECK_OUTPUT
test_split = synthetic_sequences("test", 5000, seed=0)
filmed = [film(clip.poses_world, seed=i, extra={"poses_world": clip.poses_world})
          for i, clip in enumerate(captured.values())]
generated, real_motion = coverage(test_split), coverage(filmed)
for name, c in (("generated (test split)", generated), ("captured (all CMU clips)", real_motion)):
    print(f"{name:<25} tilt > 45°: {100 * c['beyond_45']:4.1f} %, > 90°: {100 * c['beyond_90']:4.1f} %, "
          f"knee bent > 90°: {100 * sum(c['knee_histogram'][ANGLE_EDGES.index(90.0):]):4.1f} %")
# The same shares by hand, without angles: with v = thorax - pelvis, the tilt passes 45° when v_z < |v| / √2
# and 90° when v_z < 0; a knee bends past 90° when thigh · shin < 0.
for sequences, c in ((test_split, generated), (filmed, real_motion)):
    world = torch.cat([torch.as_tensor(s.extra["poses_world"]).double() for s in sequences])
    v = world[:, 8] - world[:, 0]
    legs = [((world[:, k] - world[:, h]) * (world[:, a] - world[:, k])).sum(-1) for h, k, a in ((1, 2, 3), (4, 5, 6))]
    by_hand = [float((v[:, 2] < v.norm(dim=-1) / 2**0.5).double().mean()), float((v[:, 2] < 0).double().mean()),
               float((torch.stack(legs) < 0).double().mean())]
    printed = [c["beyond_45"], c["beyond_90"], sum(c["knee_histogram"][ANGLE_EDGES.index(90.0):])]
    assert np.allclose(printed, by_hand, rtol=0, atol=1e-6), f"tilt and knee shares {printed}, by hand {by_hand}"

# %%
viz.coverage_bars({"generated": generated["tilt_histogram"], "captured (CMU)": real_motion["tilt_histogram"]},
                  TILT_EDGES, title="Torso tilt: the share of frames in each 10° bin")

# %% [markdown]
# The capture is real but upright: only a few per cent of its frames tilt past 45°, none past
# 90°. The generator's actions are imitations, but they cover the floor. Trained on both, the
# model sees real human timing *and* bodies in every orientation (lesson 05 measures what each
# brings). `python tools/coverage.py mix train test mocap` prints the full table, with knee and
# hip flexion and where people appear in the image.

# %% [markdown]
# Actions can follow each other, with smooth transitions. Press ▶ to play 4 seconds of
# walking, jumping and waving (every 4th frame of a 50 fps clip):

# %%
motion = generate_sequence(("walk", "jump", "wave"), 200, subject, seed=0)
clip = motion.poses_world  # [200, 17, 3]
print("actions:", [ACTIONS[a] for a in torch.unique_consecutive(motion.labels).tolist()])
viz.animate_clip(clip, stride=4, title="walk → jump → wave")

# %% [markdown]
# DDHPose does not see this 3D motion: it sees the **2D keypoints** a camera records. Put a
# random camera next to the person (world → camera coordinates, then the pinhole projection):

# %%
pelvis = clip[:, 0, :2].double()
centre = (pelvis.amax(0) + pelvis.amin(0)) / 2
extent = float((pelvis - centre).norm(dim=-1).max())
camera = random_camera(1, target=tuple(centre.tolist()), subject_height=subject.height, extent=extent)
pixels = project(world_to_camera(clip, camera), camera)  # [200, 17, 2] pixels
print(f"camera {camera.name}: focal length {camera.focal_length[0]:.0f} px")
viz.keypoints_2d(pixels, image_size=(camera.res_w, camera.res_h), stride=4, width=600,
                 title="What the camera sees (2D keypoints)")

# %% [markdown]
# Lifting these 2D keypoints back to 3D is the task of every model in this course.
#
# ## 2 · Eq. 1: a pose becomes bones
#
# Bone *k* runs from joint `parents[k]` to joint *k* (lesson 01). With y_p and y_c its
# parent and child joints, DDHPose writes it as
#
# **l = ‖y_c − y_p‖** (its length) and **d = (y_c − y_p) / l** (its direction, a unit vector).
#
# Here is Eq. 1 by hand for the left forearm (bone 13, LElbow → LWrist) in the first frame:

# %%
pose = clip[0] - clip[0, 0]  # root-relative: pelvis at the origin, [17, 3]
vector = pose[13] - pose[H36M.parents[13]]  # y_c - y_p
by_hand = (vector.norm(), vector / vector.norm())
length, direction = disentangle(pose)  # [16, 1] and [16, 3]; bone k sits at index k - 1
print(f"by hand:      l = {100 * by_hand[0]:.1f} cm, d = {by_hand[1].numpy().round(3)}")
print(f"disentangle:  l = {100 * length[12, 0]:.1f} cm, d = {direction[12].numpy().round(3)}")

# %% [markdown]
# **Paper errata and notation (Eq. 1).**
#
# | the paper | what it means here |
# |---|---|
# | "c_i and p_i are the child joint and parent joint, which are in the upstream and downstream of the i-th bone" | the other way round: the parent is upstream (nearer the pelvis), the child downstream. The direction d = (y_c − y_p)/l points from parent to child, away from the pelvis. |
# | bones indexed by i, with l₀ ∈ ℝ^(N×(J−1)×1) | bone k ends at joint k (k = 1..16) and sits at index k − 1 of our 16-bone tensors |
#
# Checked on the standing rest pose: the thighs must point down, away from the pelvis.

# %%
# NBVAL_CHECK_OUTPUT
_, rest_direction = disentangle(rest_pose())  # z up, pelvis at the origin
for k in (2, 5):  # the thighs: bone 2 ends at RKnee, bone 5 at LKnee
    print(f"bone {k} ({H36M.names[H36M.parents[k]]} → {H36M.names[k]}): direction z = "
          f"{rest_direction[k - 1, 2]:+.2f} (points down, from parent to child)")
    # Eq. 1 by hand: the rest pose's knee hangs straight below its hip, so d = (y_c - y_p) / l = (0, 0, -1)
    thigh = rest_pose()[k] - rest_pose()[H36M.parents[k]]
    assert torch.allclose(rest_direction[k - 1], thigh / thigh.norm(), atol=1e-6), f"bone {k} by Eq. 1"
    assert torch.allclose(rest_direction[k - 1], torch.tensor([0.0, 0.0, -1.0]), atol=1e-6), f"bone {k} points down"

# %% [markdown]
# `disentangle` does this for all 16 bones at once. The lengths belong to the person, so they
# are the same in every frame; they are close to the typical Human3.6M lengths scaled to the
# subject's height.

# %%
# NBVAL_CHECK_OUTPUT
scale = subject.height / 1.75  # the typical lengths belong to a person of about 1.75 m
print(f"{'bone':<22} {'level':>5} {'length (cm)':>12} {'typical × height/1.75':>22}")
for k, (p, c) in enumerate(H36M.bones, start=1):
    print(f"{k:>2} {H36M.names[p] + ' → ' + H36M.names[c]:<19} {H36M.levels[c]:>5} "
          f"{100 * length[k - 1, 0]:>12.1f} {100 * H36M_BONE_LENGTHS[k - 1] * scale:>22.1f}")
print("every direction has norm 1:", bool(torch.allclose(direction.norm(dim=-1), torch.ones(16))))
# Round trip: the generator built the clip from the subject's 16 lengths, and disentangle reads them back;
# by Eq. 1 each is also the distance between the bone's two joints.
assert torch.allclose(length.double(), subject.bone_lengths.double(), atol=1e-5), "lengths = the subject's"
by_eq1 = torch.stack([(pose[c] - pose[p]).norm() for p, c in H36M.bones])
assert torch.allclose(length[:, 0], by_eq1, atol=1e-6), "lengths by Eq. 1"

# %% [markdown]
# **Counting numbers.** 17 joints are 51 numbers; with the pelvis fixed at the origin, 48. Bones
# are 16 lengths + 16 × 3 direction components = 64 numbers, but each direction has norm 1,
# which removes 16: 48 again. Same pose, same freedom, different coordinates. (A diffusion
# model adds noise to all 64 numbers, so its noisy directions are not unit vectors; lesson 03.)
#
# **Think!** If the two descriptions hold the same 48 numbers' worth of pose, what can bones
# express that joints cannot, and the other way round?
#
# <details><summary>Answer</summary>
#
# Bones separate *who* the person is (16 lengths, fixed for life) from *what they do* (16
# directions, changing every frame): a model can keep the lengths constant over a clip and let
# only the directions move. Joints mix both in every coordinate. In return, joints are local: an
# error in one joint stays there, while an error in one bone moves everything below it.
#
# </details>
#
# ## 3 · Forward kinematics: bones become a pose
#
# Going back is one line per joint, **C = C_p + l · d**: start at the pelvis and walk down the
# tree. Because every parent comes before its children (lesson 01), one loop in joint order works:

# %%
joints = torch.zeros(17, 3)  # the pelvis stays at the origin
for k in range(1, 17):
    joints[k] = joints[H36M.parents[k]] + length[k - 1] * direction[k - 1]
print("loop matches the pose:", torch.allclose(joints, pose, atol=1e-6))

# %% [markdown]
# `compose` does the same without a loop. A joint is the sum of the bone vectors l·d on its
# chain, so all 17 joints are one matrix product with the 0/1 **ancestor matrix** (row *j*
# marks the bones on the path pelvis → *j*):

# %%
ancestors = torch.from_numpy(H36M.ancestor_matrix()).float()  # [17 joints, 16 bones]
wrist = H36M.index("LWrist")
print("bones on the path to LWrist:", [k + 1 for k in torch.nonzero(ancestors[wrist]).flatten().tolist()])
print("ancestors @ (l·d) matches:", torch.allclose(ancestors @ (length * direction), pose, atol=1e-6))
print("compose matches:          ", torch.allclose(compose(length, direction), pose, atol=1e-6))

# %% [markdown]
# The round trip pose → bones → pose is exact up to float32 rounding, for every frame at once
# (`disentangle` and `compose` accept any leading dimensions):

# %%
poses = clip - clip[:, :1]  # [200, 17, 3], root-relative
lengths, directions = disentangle(poses)  # [200, 16, 1], [200, 16, 3]
rebuilt = compose(lengths, directions)
print(f"round trip over {len(poses)} frames: largest error {1e6 * (rebuilt - poses).abs().max():.2f} µm")

# %% [markdown]
# These errors are far below a micrometre. The interesting question is what happens to errors
# that are *not* tiny: that is where the two representations behave very differently.
#
# ## 4 · Bone lengths over time
#
# A real body's bones do not stretch: in a clip, every bone length is constant. The generated
# clip agrees:

# %%
spread = 100 * lengths.std(dim=0).max()
print(f"largest change of a bone length over the clip (std over frames): {spread:.4f} cm")

# %% [markdown]
# Now imagine an estimator that predicts the 17 joints of every frame independently, with an
# error of 2.5 cm per axis on each joint: about 4 cm per joint on average, roughly the MPJPE of
# a good Human3.6M model (DDHPose: 39.7 mm). Nothing in its output says that the forearm of
# frame 10 must be as long as the forearm of frame 11:

# %%
noisy_poses = perturb_pose(poses, 0.025, where="joints", seed=0)  # every joint but the pelvis
noisy_lengths, _ = disentangle(noisy_poses)
print(f"mean joint error of the noisy clip: {100 * (noisy_poses - poses).norm(dim=-1)[:, 1:].mean():.1f} cm")
viz.bone_lengths_over_time({"generated clip": lengths, "joint noise, every frame": noisy_lengths},
                           bones=("RKnee", "LElbow", "Nose"), title="Bone length against time")

# %% [markdown]
# The clean lengths are flat lines; the noisy ones jitter by about 3.5 cm from frame to frame
# (√2 × 2.5 cm: both ends of a bone move). And they are **too long on average**: noise along a
# bone lengthens and shortens it equally, but noise across it can only lengthen it. To see this
# bias clearly, average over 20 noisy copies of the clip (4000 frames), shortest bone first:

# %%
copies = perturb_pose(poses.expand(20, -1, -1, -1), 0.025, where="joints", seed=1)  # [20, 200, 17, 3]
copies_lengths = 100 * disentangle(copies)[0].flatten(0, 1)[..., 0]  # [4000, 16] cm
true_lengths = 100 * lengths[0, :, 0]
print(f"{'bone':<20} {'true (cm)':>9} {'noisy mean':>11} {'bias':>6} {'std':>5}")
for k in true_lengths.argsort().tolist():
    name = H36M.names[H36M.parents[k + 1]] + " → " + H36M.names[k + 1]
    mean = copies_lengths[:, k].mean()
    print(f"{name:<20} {true_lengths[k]:>9.1f} {mean:>11.1f} {mean - true_lengths[k]:>+6.1f} "
          f"{copies_lengths[:, k].std():>5.1f}")

# %% [markdown]
# **Think!** The bias column is largest for the shortest bones (about +1.1 cm for the 11 cm
# Thorax → Nose, 2 to 4 mm for the 47 cm thighs and shins), although every joint gets the same
# noise. Why? And why do the hips, short as they are, get less than half a centimetre?
#
# <details><summary>Answer</summary>
#
# Noise across a bone can only lengthen it, by about s²/(2l) per sideways axis for a bone of
# length l whose end moves by s relative to its start (Pythagoras: √(l² + s²) ≈ l + s²/2l).
# Two sideways axes give s²/l: inversely proportional to the length. Here s² = 2 × (2.5 cm)²,
# so about 1.1 cm for an 11 cm bone and 0.3 cm for a 47 cm one. The hips start at the pelvis,
# which the noise leaves in place: only one end moves, s² = (2.5 cm)², half the bias. Exercise 3
# uses all of this.
#
# </details>
#
# Bone-length consistency is something a per-joint output has to learn, while a bone
# representation can simply keep one length per person. DDHPose feeds the denoiser the lengths
# explicitly and adds a bone-length loss (the official code compares frame-averaged lengths).
#
# ## 5 · Noise on bones accumulates down the tree
#
# Lesson 01 showed it on the rest pose: a joint's position is the sum of the bone vectors above
# it, so a joint at level *k* collects the errors of *k* bones. Now the real experiment, on many
# poses, comparing three places to put the **same amount** of noise:
#
# - **directions:** every bone direction becomes normalise(d + σ·ε), lengths untouched;
# - **lengths:** every bone length becomes l + σ·ε, directions untouched;
# - **joints:** every joint (except the pelvis) moves by σ·ε.
#
# The poses: every 6th frame of 6000 frames of the generated test split (the 8 held-out
# subjects, in camera coordinates, pelvis at the origin).

# %%
dataset = synthetic_sequences("test", frames=6000, seed=0)
many = torch.cat([sequence.poses_3d for sequence in dataset])[::6]  # [1000, 17, 3], pelvis at the origin
actions_seen = sorted({name for sequence in dataset for name in sequence.action.split("+")})
print(f"{len(many)} poses from {len(dataset)} sequences, subjects {sorted({s.subject for s in dataset})}")
print(f"{len(actions_seen)} actions:", ", ".join(actions_seen))

# %% [markdown]
# **What is "the same amount"?** σ means different things: a fraction of a unit vector for
# directions, metres for lengths and joints. We match the representations where nothing can
# accumulate yet: at **level 1** (hips and spine), whose joints hang directly from the fixed
# pelvis and so see exactly one noisy bone or one noisy joint. Each σ is tuned until level-1
# joints move by 2 cm on average. Any difference deeper down is then propagation, nothing else.
#
# The tuning is a short search. The same seed gives the same ε for every σ, so the level-1 error
# grows smoothly with σ: exactly in proportion for joints and (almost) lengths, a little slower
# for directions (a turned unit vector saturates). Re-scaling σ a few times converges:

# %%
def level_errors(where: str, sigma: float, poses: torch.Tensor = many) -> torch.Tensor:
    """Mean joint error (m) of each hierarchy level, [6], with noise sigma in `where`."""
    return mpjpe_by_level(perturb_pose(poses, sigma, where, seed=0), poses)


calibrated = {}


def calibrate(where: str, level1: float = 0.02) -> float:
    """The sigma that moves level-1 joints by `level1` metres on average (cached)."""
    key = (where, round(level1, 6))
    if key not in calibrated:
        sigma = level1
        for _ in range(20):
            error = float(level_errors(where, sigma)[1])
            if abs(error - level1) < 1e-5 * level1:
                break
            sigma *= level1 / error
        calibrated[key] = sigma
    return calibrated[key]


per_level = {where: 100 * level_errors(where, calibrate(where)) for where in NOISE_TARGETS}  # cm

# %%
# NBVAL_CHECK_OUTPUT
units = {"directions": "(unitless)", "lengths": "m", "joints": "m per axis"}
print("sigma that moves level-1 joints by 2 cm on average:")
for where in NOISE_TARGETS:
    print(f"  {where:<10} {calibrate(where):.3f} {units[where]}")
print()
print("mean joint error (mm) by level  " + "".join(f"{f'L{k}':>4}" for k in range(6)) + "   L3/L1  L5/L1")
for where, errors in per_level.items():
    print(f"  noise on {where:<21}" + "".join(f"{10 * e:>4.0f}" for e in errors.tolist())
          + f"{errors[3] / errors[1]:>8.1f}{errors[5] / errors[1]:>7.1f}")
# What can be derived: the calibration puts level 1 at 2 cm (to 1e-5 of it); a joint moved by σ·ε, ε ~ N(0, I₃),
# moves σ·E|ε| = σ·√(8/π) on average, at every level; a level-1 joint whose bone length gets σ·ε (ε ~ N(0, 1))
# moves σ·E|ε| = σ·√(2/π). So σ = 2 cm / √(8/π) and 2 cm / √(2/π), up to sampling: 3000 level-1 joints
# (1000 poses × 3) put the mean of |ε| within about 0.8 % (joints) and 1.4 % (lengths), one standard error.
for where, errors in per_level.items():
    assert errors[0] == 0 and abs(errors[1].item() - 2.0) < 1e-4, f"noise on {where}: pelvis fixed, level 1 at 2 cm"
assert abs(calibrate("joints") / (0.02 / np.sqrt(8 / np.pi)) - 1) < 0.03, "σ for joints = 2 cm / √(8/π)"
assert abs(calibrate("lengths") / (0.02 / np.sqrt(2 / np.pi)) - 1) < 0.05, "σ for lengths = 2 cm / √(2/π)"
assert (per_level["joints"][1:] / 2.0 - 1).abs().max() < 0.03, "noise on joints: levels 1 to 5 at 2 cm (ratio 1)"

# %%
viz.line_by_level({f"noise on {where}": errors for where, errors in per_level.items()},
                  ylabel="mean joint error (cm)", title="Same noise at level 1, different growth")

# %% [markdown]
# (The table is in millimetres, the unit of the paper's tables; the chart in centimetres.)
#
# This is the effect behind the paper's per-level error plots (Fig. 1, right; Fig. 4, right):
# with errors in the bones, the error grows with the hierarchy level. The two ratio columns
# compare the ankles (level 3) and the wrists (level 5) with the hips (level 1): with direction
# noise they end up about three times worse, with length noise about two to two and a half
# times. Noise on joints stays flat (ratio 1): each joint gets its own error and inherits
# nothing. (Lesson 07 retrains the left half of Fig. 4, the learning curves of bone and joint
# input, at small scale, and says what its curves do and do not show.)
#
# So why does DDHPose put its noise on bones at all? Because bones carry the body's structure:
# lengths that stay constant for a person (section 4) and directions that carry the motion,
# each with its own kind of noise (section 6). The accumulation is the price, and DDHPose
# counters it in two ways:
# - its denoiser takes noisy bones as **input** but predicts **joints** as output. The paper's
#   Table 4 (MPJPE, mm): joints in / joints out 40.23, bones in / joints out **39.65**, bones in /
#   bones out 40.48: predicting bones lets the accumulation bite (lesson 07 retrains all four
#   rows of Table 4 at small scale);
# - it builds the tree into the denoiser: one shared embedding per hierarchy level, and
#   attention along parent → joint → child triplets (HRST) and between a joint and its children
#   (HRTT), so that a joint's estimate can take its ancestors into account (lesson 04).
#
# **Think!** Noise on joints gives the flattest curve. Why, then, does DDHPose not simply
# noise joints, as D3DP does?
#
# <details><summary>Answer</summary>
#
# The noise is only the training signal; what matters is what the denoiser learns from it.
# Noised bones keep the body's structure visible (a length per person, a direction per limb,
# each with its own kind of noise), and the prediction is made in joints, so the accumulation
# does not reach the output. The paper's Table 4 measures exactly this: bones in and joints out
# (39.65 mm) beats joints in and out (40.23 mm).
#
# </details>
#
# The direction curve is not a straight line: it jumps at level 2 and dips at level 4. The next
# section explains why.
#
# ## 6 · Lengths and directions are different kinds of noise
#
# Look at a single bone: how far does its child end move *relative to its parent*, i.e. how
# wrong is the bone vector y_c − y_p? Plotted against the bone's length:

# %%
def bone_vector_errors(where: str) -> torch.Tensor:
    """Mean error (cm) of each of the 16 bone vectors y_c - y_p under the calibrated noise."""
    noisy = perturb_pose(many, calibrate(where), where, seed=0)
    clean_vectors = many[..., 1:, :] - many[..., list(H36M.parents[1:]), :]
    noisy_vectors = noisy[..., 1:, :] - noisy[..., list(H36M.parents[1:]), :]
    return 100 * (noisy_vectors - clean_vectors).norm(dim=-1).mean(0)


mean_lengths = 100 * disentangle(many)[0].mean(0).squeeze(-1)  # [16] cm
bone_names = [f"{H36M.names[p]} → {H36M.names[c]}" for p, c in H36M.bones]
go.Figure(
    [go.Scatter(x=mean_lengths.numpy().round(2), y=bone_vector_errors(where).numpy().round(3),
                mode="markers", name=f"noise on {where}", text=bone_names, marker=dict(size=9),
                hovertemplate="%{text}<br>length %{x:.1f} cm, error %{y:.2f} cm<extra></extra>")
     for where in NOISE_TARGETS],
    layout=viz.base_layout(560, 340, "Error of each bone vector against the bone's length",
                           showlegend=True, legend=dict(x=0.01, y=0.99),
                           xaxis=dict(title=dict(text="bone length (cm)"), rangemode="tozero"),
                           yaxis=dict(title=dict(text="mean error of y_c − y_p (cm)"), rangemode="tozero"),
                           margin=dict(l=60, r=10, t=40, b=50)),
)

# %% [markdown]
# - **Direction noise** turns a bone, and the end of a bone swings with a **lever arm** equal to
#   its length: the error is proportional to the length. The 2 cm at level 1 come from short
#   bones (hips about 13 cm, spine 22 cm), so the 42 cm thighs and shins get almost three times
#   more: that is the jump at level 2 (the knees) and the high level 3 (the ankles, below two
#   long bones). Level 4 holds the head and the elbows, whose chains are made of shorter bones,
#   hence the dip.
# - **Length noise** does not care how long a bone is: every bone end moves by the same amount,
#   so the error grows smoothly, like a random walk. It grows a little faster than √level
#   because the bones of a limb are often nearly parallel (thigh and shin, upper arm and forearm),
#   so their length errors add up along the same line.
# - **Joint noise** moves both ends of a bone independently (√2 × more, except for the bones
#   that start at the fixed pelvis), but none of it is passed on.
#
# They also push joints in different **directions**: a length error slides the joint along its
# bone, a direction error swings it sideways. Here is the share of each bone's error that lies
# along the bone:

# %%
def share_along_bone(where: str) -> float:
    """Fraction of the squared bone-vector error that lies along the clean bone."""
    noisy = perturb_pose(many, calibrate(where), where, seed=0)
    _, clean_direction = disentangle(many)
    error = (noisy[..., 1:, :] - noisy[..., list(H36M.parents[1:]), :]) - (
        many[..., 1:, :] - many[..., list(H36M.parents[1:]), :])
    along = (error * clean_direction).sum(-1)
    return float(along.square().sum() / error.square().sum())


for where in NOISE_TARGETS:
    print(f"noise on {where:<10}: {100 * share_along_bone(where):5.1f} % of the error along the bone")

# %% [markdown]
# Lengths: all of it; directions: almost none; joints: about a third.
#
# **Think!** Why a third for joint noise?
#
# <details><summary>Answer</summary>
#
# Joint noise is isotropic: the same variance along x, y and z, hence along any three
# perpendicular axes, one of which can be the bone. The squared error splits evenly over the
# three axes, so one third of it lies along the bone.
#
# </details>
#
# The two kinds of bone noise push joints in perpendicular directions. So the two halves of DDHPose's bone representation carry different information,
# which is one reason the paper keeps them apart and noises them separately (lesson 03 shows the
# cosine schedule that does it).
#
# ## 7 · Explore: the noise slider
#
# Choose where the noise goes and how strong it is (as the average movement of the level-1
# joints, as above). Left: one pose from the dataset, clean (grey) with the noisy copy
# (coloured by level). Right: the per-level error of all three kinds of noise at that strength,
# averaged over the 1000 poses. Try 6 cm of direction noise, then 6 cm of length noise.

# %%
shown = many[int((many[:, 13, 0] - many[:, 16, 0]).abs().argmax())]  # arms widest across the image


def noise_figure(where: str = "directions", level1_cm: float = 2.0):
    """One pose with noise in `where` tuned to `level1_cm` at level 1, and all per-level errors."""
    level1 = level1_cm / 100
    curves = {where_: 100 * level_errors(where_, calibrate(where_, level1)) for where_ in NOISE_TARGETS}
    noisy = perturb_pose(shown, calibrate(where, level1), where, seed=1)
    label = f"noise on {where}, {level1_cm:g} cm at level 1"
    return viz.perturbation_explorer(shown, {label: (noisy, curves)}, frame="camera", ymax=5 * level1_cm,
                                     title=label)


interact(noise_figure, where=ToggleButtons(options=NOISE_TARGETS, description="noise on"),
         level1_cm=FloatSlider(value=2.0, min=0.5, max=8.0, step=0.5, continuous_update=False,
                               description="level 1 (cm)"));

# %% [markdown]
# The controls need a running kernel. On a static page, use this version instead: the slider
# steps through three strengths of each kind of noise (no kernel needed).

# %%
steps = {}
for where in NOISE_TARGETS:
    for level1_cm in (1.0, 2.0, 4.0):
        level1 = level1_cm / 100
        curves = {where_: 100 * level_errors(where_, calibrate(where_, level1)) for where_ in NOISE_TARGETS}
        noisy = perturb_pose(shown, calibrate(where, level1), where, seed=1)
        steps[f"{where} {level1_cm:g} cm"] = (noisy, curves)
viz.perturbation_explorer(shown, steps, frame="camera", title="Noise on directions, lengths or joints")

# %% [markdown]
# Things to notice: at large strengths directions saturate (a bone cannot point more than
# "anywhere"), so the direction curve bends; length noise makes limbs visibly longer or shorter
# while they keep their angles; joint noise makes a crumpled skeleton whose error stays flat.
#
# ## Summary
#
# - Eq. 1 splits a pose into 16 bone **lengths** l = ‖y_c − y_p‖ and **directions**
#   d = (y_c − y_p)/l; forward kinematics C = C_p + l·d (`compose`, one matrix product) puts it
#   back together exactly.
# - A body's bone lengths are **constant** over time; per-frame joint errors make them jitter and
#   lengthen short bones.
# - The same amount of noise behaves differently by representation: on bones it **accumulates
#   down the tree** (with direction noise the wrists end up about three times worse than the
#   hips), on joints it stays flat.
# - So DDHPose noises bones (they carry the body's structure) but predicts joints, and builds the
#   hierarchy into its denoiser to keep the accumulation in check.
# - Direction errors scale with the bone's length (a lever arm) and move joints sideways;
#   length errors move joints along their bones, the same amount for every bone.
#
# Next, lesson 03 builds the diffusion process that adds noise to lengths and directions step
# by step, and compares it with noising joints.
#
# ## Exercises
#
# Three exercises: a warm-up, a core one and a stretch one. Each ends with a check that says
# "not yet" while the slot is empty, then what is off or "correct!". The core exercise runs on
# trees `compose` cannot take (MPI-INF-3DHP in the order of its files, and lesson 01's dog); the
# stretch exercise on clips the check generates itself. Stuck? Worked solutions are in
# `ddhpose_lite/lessons/solutions.py`; `show_solution(2, 1)` prints one. Try first.

# %%
from ddhpose_lite.lessons import lesson02 as exercises
from ddhpose_lite.lessons import show_solution

# %% [markdown]
# **Exercise 1 (warm-up) · The lever arm.** Direction noise with σ = 0.1 turns a bone a little:
# d becomes normalise(d + σε). On average, how far (in cm) does the end of a 28 cm upper arm
# move? Estimate it with pencil and paper first (hint: which part of σε actually turns the
# bone?), then check: within 10 % counts.

# %%
answer_1 = None  # centimetres

exercises.check_lever_arm(answer_1)

# %% [markdown]
# **Exercise 2 (core) · Forward kinematics for any tree.** Write
# `forward_kinematics(parents, bone_vectors)`: `bone_vectors` [J, 3] holds, in row j, the vector
# from joint j's parent to joint j (the root's row means nothing); return the joints [J, 3] with
# the root at the origin. In MPI-INF-3DHP's file order the pelvis is joint 14 and some parents
# come after their children, so one loop in index order is not enough (lesson 01's exercise 1
# helps).

# %%
def forward_kinematics(parents, bone_vectors):
    """Joints [J, 3] from bone vectors [J, 3]: every joint is its parent plus its bone vector."""
    return None  # your code here


exercises.check_forward_kinematics(forward_kinematics)

# %% [markdown]
# **Exercise 3 (stretch) · A person's bone lengths from noisy joints.** Write
# `estimate_lengths(noisy_poses, sigma)`: from a clip [F, 17, 3] in which every joint but the
# pelvis was moved by σ·ε per axis (as in section 4), estimate the person's 16 bone lengths
# [16, 1] in metres. The check generates three clips (400 frames each, σ from 2.5 to 4 cm) and
# wants the mean error below 3.5 mm; the plain average of the per-frame lengths is off by 6 to
# 14 mm. (Hint: the bias of section 4. What is the expected *squared* length of a bone vector
# plus Gaussian noise?)

# %%
def estimate_lengths(noisy_poses, sigma):
    """The 16 bone lengths [16, 1] (metres) of the person in a noisy clip [F, 17, 3]."""
    return None  # your code here


exercises.check_bone_lengths(estimate_lengths)

# %% [markdown]
# ## References
#
# - Cai et al. *Disentangled Diffusion-Based 3D Human Pose Estimation with Hierarchical Spatial
#   and Temporal Denoiser.* AAAI 2024. [arXiv:2403.04444](https://arxiv.org/abs/2403.04444)
#   (Eq. 1; Fig. 1 and Fig. 4, right: error by hierarchy level; Table 4: disentangled input and
#   output).
# - Shan, Liu, Zhang, Wang, Ma, Huang, Gao. *Diffusion-Based 3D Human Pose Estimation with
#   Multi-Hypothesis Aggregation* (D3DP). ICCV 2023. [arXiv:2303.11579](https://arxiv.org/abs/2303.11579)
#   (diffusion on joints, the baseline DDHPose disentangles).
# - Ionescu et al. *Human3.6M.* TPAMI 2014. [vision.imar.ro/human3.6m](http://vision.imar.ro/human3.6m)
#   (the skeleton and its typical bone lengths).
# - CMU Graphics Lab Motion Capture Database. [mocap.cs.cmu.edu](http://mocap.cs.cmu.edu)
#   (the captured motion of section 1).
