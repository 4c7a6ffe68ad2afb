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
# # Lesson 03 · Noise on purpose: the cosine schedule and disentangled diffusion
#
# **The question of this lesson:** *how does a diffusion model turn a pose into noise and back,
# and what changes when the noise goes onto bone lengths and directions instead of joints?*
#
# A diffusion model learns to undo noise. Training needs noisy examples at every noise level
# (the **forward process**), sampling walks from pure noise back to a pose (the **reverse
# process**). DDHPose (Cai et al., AAAI 2024) runs both on the *disentangled* pose of lesson 02:
# 16 bone lengths and 16 bone directions, noised separately.
#
# **Learning objectives.** By the end of this lesson you can:
# - derive the closed form of the forward process (Eq. 2–3) from single noising steps, and
#   read a schedule through ᾱ_t and its signal-to-noise ratio;
# - explain why the cosine schedule keeps information longer than the linear one;
# - say why the same noise swamps bone lengths long before bone directions;
# - compute a DDIM step (Eq. 4) from ᾱ values, and say what η and the number of steps K do;
# - spot where the paper's notation and the code part ways (the errata box of section 7).
#
# **Time:** about 60 minutes: 35 to read and explore, 25 for the exercises.
#
# You will:
# 1. build the forward process from single noising steps and check its closed form (paper Eq. 2–3);
# 2. compare the linear and the cosine schedule, and see why the cosine one keeps information longer;
# 3. scrub the timestep t and watch the same pose noised as bones and as joints, and measure
#    why lengths and directions behave so differently;
# 4. run the reverse DDIM step (Eq. 4) with an *oracle* that knows the answer, so the sampler's
#    mechanics are visible before any network exists;
# 5. see what η and the number of steps K do;
# 6. compare the official code's conventions with ours;
# 7. check the paper's diffusion notation against the code (errata and notation).
#
# **Runtime:** about 10 s on a 2-core CPU, under 500 MB of memory. No GPU, no downloads.

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
import plotly.graph_objects as go
import torch

from ddhpose_lite import viz, widgets
from ddhpose_lite.bones import compose, disentangle
from ddhpose_lite.datasets import mocap_sequences
from ddhpose_lite.diffusion import (
    Schedule,
    bone_state,
    ddim_sample,
    ddim_step,
    ddim_time_pairs,
    forward_path,
    noise_bones,
    noise_joints,
    split_bone_state,
)
from ddhpose_lite.skeleton import H36M
from ddhpose_lite.synthetic import generate_motion

# One frame of a synthetic walk, root-relative (pelvis at the origin), metres, z up.
pose = generate_motion("walk", 50, seed=0)[25]
pose = pose - pose[:1]
length, direction = disentangle(pose)  # [16, 1] metres and [16, 3] unit vectors (lesson 02)
x0 = bone_state(length, direction)  # [16, 4]: direction (3) then length (1) per bone, as the model sees it
print("bone lengths (m):", [round(v, 2) for v in length.flatten().tolist()])

# %% [markdown]
# ## 1 · The forward process, one small step at a time
#
# Take a number x₀ (one coordinate of a pose). A **noising step** shrinks it a little and adds
# a little Gaussian noise:
#
# x_t = √(1 − β_t) · x_{t−1} + √β_t · z,  z ~ N(0, 1).
#
# The shrinking keeps the total variance at 1: if x_{t−1} has variance 1, so does x_t. After
# T = 1000 steps nothing of x₀ is left, only N(0, 1). Because Gaussians add up to Gaussians, all
# the steps up to t collapse into one (paper Eq. 2–3):
#
# q(x_t | x₀) = N(√ᾱ_t · x₀, (1 − ᾱ_t) I)  with  ᾱ_t = ∏_{s≤t} (1 − β_s),
#
# that is **x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε** with one ε ~ N(0, I). Training uses this shortcut
# to jump straight to any t. Let's check it: run the 1000 small steps on 20 000 copies of
# x₀ = 0.7 and compare with the closed form.

# %%
schedule = Schedule.cosine()  # T = 1000, s = 0.008, the betas of paper Eq. 2
generator = torch.Generator().manual_seed(0)
x = torch.full((20_000,), 0.7, dtype=torch.float64)
for t in range(schedule.T):
    beta = schedule.betas[t]
    x = (1 - beta).sqrt() * x + beta.sqrt() * torch.randn(x.shape, generator=generator, dtype=torch.float64)
    if t in (99, 499, 899):
        a = schedule.alpha_bar[t].item()
        mean, standard_error = math.sqrt(a) * 0.7, math.sqrt((1 - a) / x.numel())
        print(f"t = {t:>3}: mean {x.mean():.3f}, closed form {mean:.3f} (off by "
              f"{(x.mean() - mean) / standard_error:+.1f} standard errors);  variance {x.var():.3f}, "
              f"closed form {1 - a:.3f}")

# %% [markdown]
# Step by step and in one jump agree within sampling error: a mean of n samples scatters by
# one standard error, √((1 − ᾱ_t)/n), around the truth, so being off by one or two is normal.
# From here on we only use the jump: `q_sample(x0, t, schedule)`.
#
# **Think!** Each step first shrinks x by √(1 − β_t), then adds noise of variance β_t. What
# would go wrong if it only added the noise?
#
# <details><summary>Answer</summary>
#
# The variance would grow to 1 + Σβ instead of staying at 1, and x₀ would never fade: x_T would
# still be x₀ plus noise. The sampler starts from x_T ~ N(0, I), which must look like a fully
# noised pose, whatever the pose was. Shrinking is what makes q(x_T) the same N(0, I) for every
# x₀ (a variance-preserving process).
#
# </details>
#
# ## 2 · Two schedules: linear and cosine
#
# The **schedule** β_1 … β_T decides how fast information disappears. DDPM (Ho et al. 2020)
# used betas rising linearly from 10⁻⁴ to 0.02. Nichol & Dhariwal (2021) proposed the
# **cosine** schedule, which DDHPose uses: ᾱ(t) = f(t)/f(0) with
# f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008, each β clipped at 0.999.

# %%
# NBVAL_CHECK_OUTPUT
linear = Schedule.linear()
print("   t   ᾱ_t linear   ᾱ_t cosine")
for t in (0, 250, 500, 750, 999):
    print(f"{t:>4}   {linear.alpha_bar[t].item():10.4f}   {schedule.alpha_bar[t].item():10.4f}")
print("last three cosine betas:", [round(b, 4) for b in schedule.betas[-3:].tolist()])
# By hand. Cosine: ᾱ_t = f(t + 1)/f(0) (t counts from 0), f(u) = cos²((u/T + s)/(1 + s) · π/2), s = 0.008,
# and β_t = 1 - f(t + 1)/f(t), clipped at 0.999. Linear: ᾱ_t = ∏_{s≤t} (1 - β_s), β rising from 1e-4 to 0.02.
f = lambda u: math.cos((u / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
betas_by_hand = [min(1 - f(t + 1) / f(t), 0.999) for t in (997, 998, 999)]
assert np.allclose(schedule.betas[-3:].tolist(), betas_by_hand, rtol=1e-9), "last three cosine betas"
for t in (0, 250, 500, 750):
    assert abs(schedule.alpha_bar[t].item() - f(t + 1) / f(0)) < 1e-12, f"cosine ᾱ_{t}"
assert abs(schedule.alpha_bar[999].item() - f(999) / f(0) * (1 - 0.999)) < 1e-12, "cosine ᾱ_999 (β clipped)"
linear_by_hand, product = {}, 1.0
for t in range(1000):
    product *= 1 - (1e-4 + (0.02 - 1e-4) * t / 999)
    linear_by_hand[t] = product
for t in (0, 250, 500, 750, 999):
    assert abs(linear.alpha_bar[t].item() - linear_by_hand[t]) < 1e-12, f"linear ᾱ_{t}"

# %%
viz.schedule_curves({"linear": linear, "cosine": schedule}, t=500,
                    title="How much signal is left at time t")

# %% [markdown]
# **Reading the curves.** The linear schedule destroys the signal fast: by t = 500 less than
# 10 % of the signal's variance is left (the table above), and its last few hundred steps are
# spent on noise that is almost pure. The cosine schedule keeps ᾱ_t close to 1 early, passes
# 0.5 near the middle, and falls to 0 only at the end (the last β is the clipped 0.999).
#
# The right plot is the same story on the scale that matters for learning: the **log
# signal-to-noise ratio**. The cosine log-SNR falls almost linearly, so the 1000 steps are
# spread evenly over noise levels. A useful way to count: how many of the 1000 steps are
# "interesting", neither almost clean (SNR > 100) nor almost pure noise (SNR < 1/100)?

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'':>6} {'almost clean':>13} {'interesting':>12} {'almost pure noise':>18}   (steps of 1000)")
for name, s in (("linear", linear), ("cosine", schedule)):
    clean, noise = (s.snr >= 100).sum().item(), (s.snr <= 0.01).sum().item()
    print(f"{name:>6} {clean:>13} {s.T - clean - noise:>12} {f'{noise} ({noise / s.T:.0%})':>18}")
    # by hand from ᾱ (the cell above): SNR ≥ 100 means ᾱ ≥ 100/101, SNR ≤ 1/100 means ᾱ ≤ 1/101
    by_hand = list(linear_by_hand.values()) if name == "linear" else [f(t + 1) / f(0) for t in range(1000)]
    assert clean == sum(a >= 100 / 101 for a in by_hand), f"{name}: almost clean steps"
    assert noise == sum(a <= 1 / 101 for a in by_hand), f"{name}: almost pure noise steps"

# %% [markdown]
# The linear schedule loses about a third of its steps to almost pure noise, the cosine one
# far fewer. More steps in the useful range means more training examples where the denoiser
# has something to learn, and a sampler whose steps are not wasted. That is the sense in which
# the cosine schedule **keeps information longer**.
#
# ## 3 · Noising bones versus noising joints
#
# DDHPose does not noise the joints. It noises each bone's **length** and **direction**
# separately, with the same ᾱ_t (Eq. 2–3 applied twice). A standard pose diffusion model
# noises the 3D joints. Let's put both side by side.
#
# **What makes the comparison fair?** The same time t, hence the same ᾱ_t, and noise from the
# same N(0, I). We keep the root at the origin on the joint side (every root-relative pose has
# it there, so noising it says nothing), just as the bone side has no root slot.
# `forward_path` draws ε **once** and computes x_t for many t: moving t then shows the same
# noise growing while the signal shrinks, which is exactly x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε.
#
# Move the slider. Left: the skeleton rebuilt by forward kinematics from the noisy lengths and
# noisy directions, `compose(l_t, d_t)`. Middle: the joints noised directly. The grey skeleton
# is the clean pose; the dot on the right is where t sits on the ᾱ_t curve. The 3D boxes stay
# fixed around the clean pose so that poses at different t compare at one scale: at large t,
# bones that reach outside the box are cut at its walls, which is why the rebuilt skeleton can
# look like loose pieces there (drag the view out, or zoom with the wheel, to see them whole).

# %%
scrubber = widgets.timestep_scrubber(pose, schedule, seed=0, t=150)
scrubber

# %% [markdown]
# The callback is a plain function: `scrubber.update(300)` does what dragging to 300 does.
# Without a live kernel (a static page, or Colab without the custom widget manager), use the
# kernel-free twin below: the same view with a plotly slider over 32 precomputed times.

# %%
ts = list(range(0, 700, 25)) + [700, 800, 900, 999]
path = forward_path(pose, ts, schedule, seed=0)
viz.noising_explorer(path.bones_pose, path.joints, path.t, schedule.alpha_bar, reference=pose)

# %% [markdown]
# Things to look for while scrubbing from 0 to about 300:
#
# - **The joints-noised skeleton turns into a zigzag early.** Each bone there is the difference
#   of two independently noised joints, and a 0.1–0.4 m bone does not survive noise of a few
#   centimetres per coordinate at both ends. The bones-noised skeleton keeps its limbs pointing
#   roughly the right way much longer: its directions are noised as unit vectors.
# - **But its lengths go wrong early**, and some bones flip (a negative noisy length turns the
#   bone around).
# - **Errors accumulate down the tree** (lesson 01): every joint of the bones-noised skeleton
#   inherits the noise of all the bones above it, so wrists and ankles wander furthest.
# - **It shrinks faster.** A bone vector is length × direction, both scaled by √ᾱ_t, so its
#   signal is scaled by ᾱ_t, not √ᾱ_t.
#
# **What does a noisy direction look like?** It is no longer a unit vector: the noise adds
# length too. The denoiser sees it as it is (DDHPose does not renormalise).

# %%
for t in (50, 250, 500, 999):
    _, noisy_direction = noise_bones(length, direction, t, schedule, seed=0)
    norms = noisy_direction.norm(dim=-1)
    print(f"t = {t:>3}: |d_t| from {norms.min():.2f} to {norms.max():.2f} (mean {norms.mean():.2f})")

# %% [markdown]
# At t = 999 a noisy direction is a 3D standard normal vector, of typical length √3 ≈ 1.7.
#
# ### Why lengths and directions behave differently: measure it
#
# Both get the same noise variance 1 − ᾱ_t. But their **signals** have very different sizes:
# a direction is a unit vector, while a bone length is 0.1–0.4 m. The same noise is therefore
# a much bigger corruption of a length. (The official code does not rescale lengths either.)
# Let's measure with 600 noise draws per t. For the bone state: the median relative error of
# a length read back as l_t / √ᾱ_t, how often a noisy length is even negative, and the median
# angle between a noisy direction and the true one. For the joints-noised skeleton: the median
# angle of *its* bones (child joint − parent joint). And for both skeletons, as the denoiser
# would see them (not rescaled), the mean joint distance from the clean pose (MPJPE).

# %%
def corruption(t: int, draws: int = 600, seed: int = 0) -> dict:
    a = schedule.alpha_bar[t].item()
    lengths = length.expand(draws, 16, 1)
    directions = direction.expand(draws, 16, 3)
    noisy_length, noisy_direction = noise_bones(lengths, directions, t, schedule, seed=seed)
    noisy_joints, _ = noise_joints(pose.expand(draws, 17, 3), t, schedule, seed=seed + 1)
    _, joint_bone_directions = disentangle(noisy_joints)  # the bones of the joints-noised skeleton
    return {
        "t": t, "ᾱ_t": a,
        "length error": ((noisy_length / math.sqrt(a) - lengths).abs() / lengths).median().item(),
        "negative lengths": (noisy_length < 0).float().mean().item(),
        "direction angle": angle(noisy_direction, directions),
        "joints-noised bone angle": angle(joint_bone_directions, directions),
        "MPJPE bones-noised": 1000 * (compose(noisy_length, noisy_direction) - pose).norm(dim=-1).mean().item(),
        "MPJPE joints-noised": 1000 * (noisy_joints - pose).norm(dim=-1).mean().item(),
    }


def angle(u: torch.Tensor, v: torch.Tensor) -> float:
    """Median angle in degrees between vectors u and v [..., 3]."""
    cosine = torch.nn.functional.cosine_similarity(u, v, dim=-1).clamp(-1, 1)
    return torch.rad2deg(torch.acos(cosine)).median().item()


print("         |        bone state (DDHPose)        | joints noised |      MPJPE (mm)")
print("   t  ᾱ_t | length err  negative  dir. angle |  bone angle   | bones-n.  joints-n.")
for t in (25, 50, 100, 200, 300, 500):
    r = corruption(t)
    print(f"{t:>4} {r['ᾱ_t']:5.3f}|{r['length error']:10.0%} {r['negative lengths']:9.0%} {r['direction angle']:10.1f}° |"
          f"{r['joints-noised bone angle']:11.1f}°   |{r['MPJPE bones-noised']:8.0f} {r['MPJPE joints-noised']:10.0f}")

# %% [markdown]
# Read the table row by row:
#
# - **Inside the bone state, lengths are swamped early; directions carry the pose much
#   longer.** At t = 100, where ᾱ_t is still 0.97, directions are off by about 11° but lengths
#   by about half of themselves, and one noisy length in seven is negative. By t = 200 a length
#   is about as uncertain as it is long.
# - **Noising joints destroys the bones even faster.** The joints-noised skeleton's bones are
#   off by about 20° already at t = 25 and by 50° at t = 100: the zigzag you saw.
# - **Joint positions tell another story.** While t is small both skeletons are about equally
#   far from the clean pose; later the bones-noised one is further, because forward kinematics
#   adds up the errors of every bone on a chain.
#
# A compact way to say it: the signal-to-noise ratio of a quantity of typical size r is
# r² · ᾱ_t / (1 − ᾱ_t). A direction coordinate has r = 1/√3 ≈ 0.58; the lengths of this pose
# have r ≈ 0.25 m, so their SNR is about 5× lower at every t. Which t gives a direction the
# SNR that a length has at t = 100?

# %%
r_length = length.pow(2).mean().sqrt().item()
r_direction = direction.pow(2).mean().sqrt().item()
for t in (50, 100, 200):
    target = schedule.snr[t] * r_length**2 / r_direction**2  # the length's SNR at t, in direction units
    t_equivalent = int((schedule.snr > target).sum().item())  # the SNR falls with t
    print(f"lengths at t = {t:>3} are as noisy as directions at t ≈ {t_equivalent}")

# %% [markdown]
# For the denoiser this is a trade. The disentangled input keeps the pose's *structure* (which
# way each limb points) recognisable to much larger t and separates what is uncertain early
# (lengths) from what is uncertain late (directions), at the price of a representation in which
# small noise moves the extremities a lot. The paper's Table 4 finds disentangled *input* with
# *joint* output best (39.65 mm against 40.23 mm for joints in, joints out; lesson 07 retrains
# the four rows at small scale).
#
# **Think!** How could you make the lengths as robust to noise as the directions, and what would
# change for the denoiser?
#
# <details><summary>Answer</summary>
#
# Scale the lengths up before noising (for example divide them by 0.25 m, their typical size):
# their SNR would then follow the directions' at every t. Neither the paper nor the official
# code does it, so in DDHPose the lengths are decided in the low-noise steps, while the
# directions carry the pose through the high-noise ones. Rescaling would move that split, and
# the prediction would have to be scaled back.
#
# </details>
#
# ## 4 · Back from noise: the DDIM step (Eq. 4)
#
# The reverse process starts from x_T ~ N(0, I) and walks to t = −1 (clean) in K jumps,
# (t, t_next) given by `ddim_time_pairs(T, K)` with the official convention
# `linspace(-1, T-1, K+1)`, reversed and cast to int:

# %%
# NBVAL_CHECK_OUTPUT
for K in (1, 5, 10):
    print(f"K = {K:>2}:", ddim_time_pairs(1000, K))
    # by hand: K jumps of T / K from t = 999 down to -1 (x̂₀ itself)
    assert ddim_time_pairs(1000, K) == [(999 - 1000 // K * k, 999 - 1000 // K * (k + 1)) for k in range(K)], f"K = {K}"

# %% [markdown]
# At each jump a denoiser looks at x_t and predicts the clean x̂₀. DDIM (paper Eq. 4) then
# reads off the noise that x_t must contain if x̂₀ is right, and builds x_{t_next} from both:
#
# ε̂ = (x_t − √ᾱ_t x̂₀) / √(1 − ᾱ_t)
#
# x_{t_next} = √ᾱ_next · x̂₀ + √(1 − ᾱ_next − σ²) · ε̂ + σ · z,
# σ = η · √((1 − ᾱ_next)/(1 − ᾱ_t)) · √(1 − ᾱ_t/ᾱ_next).
#
# At the last jump (t_next = −1) the result is x̂₀ itself. η = 0 makes the walk deterministic;
# η = 1 (the official setting) replaces part of ε̂ by fresh noise z at every step.
#
# We have no network yet (that is lesson 04). But the sampler takes **any** function
# `predict_x0(x_t, t)`, so we can give it an **oracle** that always returns the true bone
# state. The network's job is to imitate this oracle; here we watch what the sampler does
# around it. Three hypotheses, K = 5 steps, batched in one call:

# %%
oracle = lambda x_t, t: x0.expand_as(x_t)  # noqa: E731  (the true x₀, whatever x_t is)
trajectory = ddim_sample(oracle, (16, 4), schedule, steps=5, hypotheses=3, eta=1.0, seed=0)
print("x̂₀ per step:", tuple(trajectory.x0.shape), " x_t per step:", tuple(trajectory.xt.shape))
print("the sample is the truth, exactly:", torch.equal(trajectory.sample, x0.expand(3, 16, 4)))


def as_pose(states: torch.Tensor) -> torch.Tensor:
    """Bone states [..., 16, 4] -> poses [..., 17, 3] by forward kinematics."""
    return compose(*split_bone_state(states))


viz.ddim_trajectory(as_pose(trajectory.x0[:, 0]), as_pose(trajectory.xt[:, 0]), trajectory.times,
                    schedule.alpha_bar, truth=pose)

# %% [markdown]
# Press ▶ or drag the slider. On the left, x_t starts as pure noise (a pose built from random
# "lengths" and "directions" flies off the box), then gathers around the truth as t falls. On
# the right, the oracle's x̂₀ is the truth at every step; a real network's x̂₀ would start
# blurry and sharpen. (`widgets.ddim_scrubber(...)`, with the same arguments, is the same view as
# an ipywidgets slider, for use in your own code.)

# %% [markdown]
# ## 5 · What η and K do
#
# **η.** Read off the noise ε̂ that x_t carries at each step and compare it with the noise the
# run started from. With η = 0 it is the *same* ε all the way: the sampler slides along
# x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, the forward process run backwards. With η = 1 the noise is
# replaced at every step.

# %%
for eta in (0.0, 0.5, 1.0):
    run = ddim_sample(oracle, (16, 4), schedule, steps=10, hypotheses=100, eta=eta, seed=0)
    implied = [(run.xt[k] - schedule.alpha_bar[t].sqrt().float() * x0) / (1 - schedule.alpha_bar[t]).sqrt().float()
               for k, (t, _) in enumerate(run.times)]
    similarity = [torch.nn.functional.cosine_similarity(implied[0].flatten(1), e.flatten(1)).mean().item()
                  for e in implied]
    print(f"η = {eta}: similarity of ε̂ to the starting noise, step by step:",
          " ".join(f"{v:5.2f}" for v in similarity))

# %% [markdown]
# With η = 1 and big jumps, σ is nearly all of √(1 − ᾱ_next): the first jump from t = 999
# throws the starting noise away completely (ᾱ_999 ≈ 2·10⁻⁹, so ε̂ *is* x_T), and the later
# ones keep only about half of ε̂. The official sampler is close to "predict x̂₀, then re-noise
# it to the next level".
#
# **Think!** With the oracle, every K and every η lands exactly on the truth. So when do K and
# η matter at all? Think about it before reading on.
#
# <details><summary>Answer</summary>
#
# When x̂₀ is wrong, which it always is for a trained network. Then each step's error becomes part
# of the next x_t, and the last x̂₀ is predicted from whatever x_t the walk reached: how noisy
# that last x_t is (set by K) and how much of the earlier error it still carries (set by η)
# decide the final error. The leaky oracle below makes this visible.
#
# </details>
#
# **K, and an imperfect predictor.** With the oracle every setting ends at the truth, so η and K
# cannot matter. They matter when x̂₀ is wrong. Let's make a *leaky* oracle that lets 10 % of
# the noise in x_t through, x̂₀ = x₀ + 0.1 · (x_t − √ᾱ_t x₀): its error is large at high noise
# and vanishes as t → 0, like a real denoiser's. Final error over 200 hypotheses:

# %%
def leaky_oracle(x_t: torch.Tensor, t: int) -> torch.Tensor:
    return x0 + 0.1 * (x_t - math.sqrt(schedule.alpha_bar[t].item()) * x0)


steps = (1, 2, 5, 10, 50)
errors = {}
for eta in (0.0, 1.0):
    errors[eta] = []
    for K in steps:
        run = ddim_sample(leaky_oracle, (16, 4), schedule, steps=K, hypotheses=200, eta=eta, seed=0)
        errors[eta].append(1000 * (as_pose(run.sample) - pose).norm(dim=-1).mean().item())
    print(f"η = {eta}: MPJPE (mm) for K = {steps}:", [round(e) for e in errors[eta]])

go.Figure(
    [go.Scatter(x=list(steps), y=[round(e, 1) for e in errors[eta]], name=f"η = {eta}", mode="lines+markers")
     for eta in errors],
    layout=viz.base_layout(480, 320, "A leaky oracle: more steps, smaller error", showlegend=True,
                           xaxis=dict(type="log", title=dict(text="DDIM steps K")),
                           yaxis=dict(title=dict(text="MPJPE (mm)"), rangemode="tozero"),
                           margin=dict(l=60, b=50, t=40, r=10)),
)

# %% [markdown]
# The last jump returns x̂₀ computed at the last t, so the final error is set by how noisy x_t
# still is there: with K = 1 that is t = 999 (pure noise), with K = 50 it is t = 19. More steps,
# smaller error; η = 1 helps a little here because fresh noise does not let the leaked error of
# one step feed into the next. DDHPose's network is good enough that K = 1 already gives
# 39.7 mm on Human3.6M, and K = 10 with 20 hypotheses 39.0 mm (paper, Table 1).
#
# ## 6 · The official code's conventions, and ours
#
# Our sampler differs from the official implementation in a few places, on purpose
# (docs/design.md lists them all):
#
# - **η = 1** is the official default and ours too (`eta=1.0`); η = 0 is one argument away.
# - **Clamping.** The official code clamps to ±1.1 in these places, and only these: the noisy
#   bone state in training; in sampling, the **copy** of x_t it feeds to the network; and the
#   network's prediction, which is a **pose**: every coordinate of the predicted joints (metres,
#   root-relative, camera axes) is clamped, and the bones of the next state are derived from
#   that clamped pose. The implied noise ε̂ is computed from the **unclamped** x_t and from the
#   bones of the unclamped pose (those bones are clamped too, but unit directions and lengths
#   under 1 m never reach 1.1), and the state x_t itself is never clamped. So the clamp of x̂₀
#   binds only where a predicted joint lies more than 1.1 m from the pelvis along an axis: a
#   wild prediction, or a tall person's hand stretched overhead (at Human3.6M's typical bone
#   lengths spine, neck, upper arm and forearm add up to about 1.0 m). The next cell measures how
#   far the joints of our captured test people get. The clamp of the network's input binds
#   often, early on: at t = 999 x_t is N(0, 1), and about a quarter of its entries lie beyond
#   ±1.1. We clamp nothing by default; `DenoiserConfig(clip=1.1)` makes training and the lifter
#   clamp exactly as above (`sampling.sample_poses` clamps the pose, then re-derives its bones),
#   and `ddim_sample(..., clip=1.1)` clamps the generic sampler's input copy and its x̂₀.

# %%
# NBVAL_CHECK_OUTPUT
captured = torch.cat([sequence.poses_3d for sequence in mocap_sequences("test", seed=0)])  # root-relative, metres
reach = captured.abs().amax(-1)  # [frames, 17]: each joint's largest coordinate, metres from the pelvis
farthest = reach.amax(0)
print(f"captured test people, {len(captured)} frames: some joint beyond ±1.1 m in "
      f"{(reach.amax(-1) > 1.1).float().mean():.1%} of them; the farthest joint: "
      f"{H36M.names[int(farthest.argmax())]}, {farthest.max():.2f} m")

# %% [markdown]
# On true poses the pose clamp does nothing here; it is a guard against wild predictions. Watch
# what the input clamp changes with the oracle: the input copy is clipped, the state is not,
# and the oracle's answer is the same.

# %%
# NBVAL_CHECK_OUTPUT
seen = []


def recording_oracle(x_t, t):
    seen.append((t, (x_t.abs() >= 1.1).float().mean().item()))  # what the network is shown
    return oracle(x_t, t)


clipped = ddim_sample(recording_oracle, (16, 4), schedule, steps=5, hypotheses=200, eta=1.0, seed=0, clip=1.1)
for k, (t, share) in enumerate(seen):
    state = (clipped.xt[k].abs() > 1.1).float().mean().item()
    print(f"t = {t:>3}: x_t beyond ±1.1 in {state:4.0%} of entries; the network's copy clipped in {share:4.0%}")
print("final error with the clamp:", f"{(clipped.sample - x0).abs().max().item():.1e}")
# By hand: with the oracle, x_t = √ᾱ_t x₀ + √(1 - ᾱ_t) ε at every step (η = 1 only renews ε), so an entry with
# clean value m lies beyond ±1.1 with probability Φ((-1.1 - m)/σ) + 1 - Φ((1.1 - m)/σ), σ = √(1 - ᾱ_t):
# at t = 999, ᾱ ≈ 0 and that is 2(1 - Φ(1.1)) = 27 %. 200 × 64 entries: one standard error is at most 0.45 points.
Phi = lambda z: 0.5 * (1 + torch.erf(z / math.sqrt(2)))  # noqa: E731  (the standard normal CDF)
for k, (t, share) in enumerate(seen):
    a = schedule.alpha_bar[t].item()
    mean, sd = math.sqrt(a) * x0.double(), math.sqrt(1 - a)
    expected = (Phi((-1.1 - mean) / sd) + 1 - Phi((1.1 - mean) / sd)).mean().item()
    state = (clipped.xt[k].abs() > 1.1).float().mean().item()
    assert abs(state - expected) < 0.015 and share == state, f"t = {t}: {state:.3f}, {share:.3f}, expected {expected:.3f}"
# the oracle returns x₀ itself (every entry within ±1.1, so the clamp leaves it alone), and the last jump returns x̂₀
assert x0.abs().max() < 1.1 and torch.equal(clipped.sample, x0.expand_as(clipped.sample)), "the oracle lands on x₀"

# %% [markdown]
# - **The root slot.** The official bone tensors have 17 slots. The root's is zero in the clean
#   target, but the forward process noises every slot, so in training the network sees
#   √(1 − ᾱ_t) ε there; at sampling the root slot keeps its first N(0, 1) draw for good. Ours
#   have 16 bones and no root slot: the model's root token gets a zero bone input.
#
# **Think!** The official sampler clamps the copy of x_t it shows the network, but never x_t
# itself, and computes ε̂ from the unclamped x_t. Why not simply clamp the state?
#
# <details><summary>Answer</summary>
#
# The clamp is there for the network: training clamped its inputs to ±1.1, so at sampling it
# should see inputs in the same range. The state is the sampler's bookkeeping: DDIM keeps part
# of the noise ε̂ that x_t carries. Clamping x_t would change that noise (a clipped N(0, 1) is
# no longer N(0, 1)), and every later step would start from a state the forward process never
# produces.
#
# </details>
#
# ## 7 · Paper errata and notation
#
# Reading the paper's diffusion equations next to the code, a few things do not match. None
# changes the method; each can trip you up when you implement it. Each row is checked below
# where a number can check it.
#
# | where | the paper writes | what is meant (and what the code does) |
# |---|---|---|
# | Eq. 2 | the cosine schedule "proposed by (Song and Ermon 2020)" | it is Nichol & Dhariwal's, from *Improved DDPM* (2021); Song & Ermon 2020 is about score-based models and does not have it. Check 1: their formula gives `Schedule.cosine()`. |
# | Eq. 2 | ᾱ_t := ∏_{s=0}^{t} α_s, and β "always increases as t increases" | t counts from 0, as our arrays do; DDIM's last jump goes to t′ = −1, where ᾱ is the empty product, 1. Check 2. |
# | Eq. 3 | one ε for both l_t and d_t | every one of the 4 numbers of a bone gets its own noise: the code (official and ours) draws one N(0, I) for the whole [16, 4] bone state. Check 3. |
# | text before Eq. 4 | "l̃₀ and l̃₀ are employed" | l̃₀ and d̃₀ |
# | text after Eq. 4 | σ_t = √((1 − ᾱ_t)/(1 − ᾱ_t)), which is identically 1 | the primes are missing: DDIM's σ with η = 1, the official setting (η is `eta` in the code), σ_t = √((1 − ᾱ_t′)/(1 − ᾱ_t)) · √(1 − ᾱ_t/ᾱ_t′). Check 4: this σ_t is the one of the code, and with big jumps it is nearly all of √(1 − ᾱ_t′); the printed one would add noise of variance 1 at every step. |
# | Eq. 4 | one ε in σ_t ε for both l and d | fresh noise drawn per entry, as in Eq. 3 (check 3). |
# | Eq. 4 and after | W iterations | our K: `steps` in `ddim_sample`, `iterations` in `Lifter.lift` (lesson 06). Check 5. |

# %%
# NBVAL_CHECK_OUTPUT
# 1. Nichol & Dhariwal's cosine schedule, written out from their formula, is Schedule.cosine()
T, offset = 1000, 0.008
f = lambda u: math.cos((u / T + offset) / (1 + offset) * math.pi / 2) ** 2  # noqa: E731
nichol = torch.tensor([f(t + 1) / f(0) for t in range(T)], dtype=torch.float64)  # ᾱ_t, t = 0..T-1
clipped_steps = int((schedule.betas >= 0.999).sum())
same = torch.allclose(nichol[:-clipped_steps], schedule.alpha_bar[:-clipped_steps], rtol=1e-12)
print(f"1. Nichol & Dhariwal's ᾱ(t) = f(t)/f(0) equals Schedule.cosine() before the clip: {same} "
      f"({clipped_steps} of the {T} β clipped at 0.999)")
# 2. t counts from 0; ᾱ at t' = -1 is 1; β grows with t
print("2. ᾱ_0 = 1 - β_0:", bool(schedule.alpha_bar[0] == 1 - schedule.betas[0]),
      "| ᾱ at t' = -1:", schedule.alpha_bar_at(-1, x0).item(),
      "| β increases with t:", bool((schedule.betas.diff() >= 0).all()))
# 3. Length and direction noise are independent draws, not one ε
a300 = schedule.alpha_bar[300].item()
noisy_l, noisy_d = noise_bones(length.expand(4000, 16, 1), direction.expand(4000, 16, 3), 300, schedule, seed=0)
eps_l = (noisy_l - math.sqrt(a300) * length) / math.sqrt(1 - a300)  # [4000, 16, 1], the noise of the lengths
eps_d = (noisy_d - math.sqrt(a300) * direction) / math.sqrt(1 - a300)  # [4000, 16, 3], of the directions
correlation = torch.corrcoef(torch.stack([eps_l.expand_as(eps_d).flatten(), eps_d.flatten()]))[0, 1]
print(f"3. correlation of the length noise with the direction noise: |r| < 0.02: {bool(correlation.abs() < 0.02)} "
      "(one shared ε would give r = 1)")
# 4. Eq. 4's σ_t is DDIM's σ with η = 1: read it off ddim_step as the factor in front of the fresh noise z
unit = torch.ones(16, 4, dtype=torch.float64)
for t, t_next in ddim_time_pairs(1000, 5):
    a_t, a_next = schedule.alpha_bar_at(t, unit).item(), schedule.alpha_bar_at(t_next, unit).item()
    sigma_paper = math.sqrt((1 - a_next) / (1 - a_t)) * math.sqrt(1 - a_t / a_next)
    step = lambda z: ddim_step(unit, 0.5 * unit, t, t_next, schedule, eta=1.0, noise=z)  # noqa: E731
    sigma_code = (step(unit) - step(0 * unit)).mean().item()
    share = f"σ_t / √(1 − ᾱ_t′) = {sigma_paper / math.sqrt(1 - a_next):.3f}" if t_next >= 0 else "the last jump: x̂₀"
    print(f"4. {t:>3} → {t_next:>3}: σ_t = {sigma_paper:.4f}, in ddim_step(η = 1) {sigma_code:.4f}; {share}")
# 5. W iterations = K DDIM steps
print("5. W = K = 5 iterations:", len(ddim_time_pairs(1000, 5)), "(t, t') pairs, each one call of the denoiser")
# the printed checks, as asserts: only the last β clips (f(1000) = cos²(π/2) = 0, so β_999 = 1 before the clip);
# ᾱ at t' = -1 is the empty product; the code's σ_t is the formula's
assert same and [t for t in range(T) if 1 - f(t + 1) / f(t) >= 0.999] == [T - 1] and clipped_steps == 1, "check 1"
assert schedule.alpha_bar_at(-1, x0).eq(1).all() and bool(correlation.abs() < 0.02), "checks 2 and 3"
for t, t_next in ddim_time_pairs(1000, 5):
    a_t, a_next = schedule.alpha_bar_at(t, unit).item(), schedule.alpha_bar_at(t_next, unit).item()
    sigma_paper = math.sqrt((1 - a_next) / (1 - a_t)) * math.sqrt(1 - a_t / a_next)
    sigma_code = (ddim_step(unit, 0.5 * unit, t, t_next, schedule, eta=1.0, noise=unit)
                  - ddim_step(unit, 0.5 * unit, t, t_next, schedule, eta=1.0, noise=0 * unit)).mean().item()
    assert abs(sigma_code - sigma_paper) < 1e-9, f"check 4: σ_{t} in ddim_step {sigma_code}, formula {sigma_paper}"
assert len(ddim_time_pairs(1000, 5)) == 5, "check 5"

# %% [markdown]
# ## Summary
#
# - The forward process has a closed form, x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε (Eq. 2–3): the small
#   steps shrink and add noise so that the variance stays 1, and training jumps straight to any t.
# - The **cosine** schedule keeps ᾱ_t near 1 early and spends most of its steps at useful
#   signal-to-noise ratios; the linear one loses about a third of them to almost pure noise
#   (section 2 counts them).
# - DDHPose noises **lengths and directions separately**. With the same noise, lengths
#   (0.1–0.5 m) are swamped far earlier than unit directions; forward kinematics then spreads
#   every bone's noise down its chain.
# - **DDIM** (Eq. 4) needs only a predictor of x̂₀: it reads off the noise x_t carries, keeps part
#   of it and adds fresh noise σ z. With an oracle it lands on the truth for any K and η; with an
#   imperfect predictor more steps help, and η = 1 (the official setting) replaces nearly all of
#   the noise at every big jump.
# - The paper credits the cosine schedule to the wrong authors, writes one ε where the code draws
#   independent noise, has no η in Eq. 4 (it is 1), prints a σ_t that is identically 1 (the
#   primes are missing) and calls K "W" (section 7).
#
# Next, lesson 04 builds the denoiser that replaces the oracle: HRST and HRTT attention.
#
# ## Exercises
#
# Three exercises: a warm-up, a core one and a stretch one. Each ends with a check that says
# "not yet" while the slot is empty, then what is off or "correct!". The DDIM step is checked on
# hand-made ᾱ values that belong to no schedule, and the schedule you build is one the package
# does not have. Stuck? Worked solutions are in `ddhpose_lite/lessons/solutions.py`;
# `show_solution(3, 2)` prints one. Try first.

# %%
from ddhpose_lite.lessons import lesson03 as exercises
from ddhpose_lite.lessons import show_solution

# %% [markdown]
# **Exercise 1 (warm-up) · When is a bone more noise than signal?** A thigh is about 0.4 m long.
# Find the first t at which the noise's standard deviation √(1 − ᾱ_t) is larger than the
# scaled-down thigh length √ᾱ_t · 0.4, i.e. where the noisy length is more noise than bone. Then
# the same for a unit direction (size 1). Answer with a pair (thigh, direction).

# %%
answer_1 = None  # (t_thigh, t_direction)

exercises.check_swamped(answer_1)

# %% [markdown]
# **Exercise 2 (core) · The DDIM step from two ᾱ values.** Write
# `my_ddim_step(x_t, x0_pred, alpha_bar_t, alpha_bar_next, eta, z)`: Eq. 4 with σ from η as in
# section 4, where `alpha_bar_t` and `alpha_bar_next` are plain numbers and `z` is the fresh
# noise (given, so the check can compare). No schedule, no package: the check uses ᾱ values that
# belong to no schedule, and ᾱ_next = 1 for the last step.

# %%
def my_ddim_step(x_t, x0_pred, alpha_bar_t, alpha_bar_next, eta, z):
    """x at the next noise level, from x_t, the predicted x̂₀, two ᾱ values, η and fresh noise z."""
    return None  # your code here


exercises.check_ddim_step(my_ddim_step)

# %% [markdown]
# **Exercise 3 (stretch) · A schedule of your own.** The cosine schedule's log-SNR is nearly,
# but not exactly, a straight line. Write `log_snr_betas(T, start, end)`: the betas [T] (float64)
# of a schedule whose log-SNR, log(ᾱ_t / (1 − ᾱ_t)), falls in a straight line from `start` at
# t = 0 to `end` at t = T − 1. The check tells you how many of its steps are "interesting" (the
# count of section 2), against the cosine schedule's.

# %%
def log_snr_betas(T, start, end):
    """Betas [T] whose log-SNR falls linearly from start (t = 0) to end (t = T - 1)."""
    return None  # your code here


exercises.check_log_snr_schedule(log_snr_betas)

# %% [markdown]
# ## References
#
# - Cai et al. *Disentangled Diffusion-Based 3D Human Pose Estimation with Hierarchical Spatial
#   and Temporal Denoiser.* AAAI 2024. [arXiv:2403.04444](https://arxiv.org/abs/2403.04444)
#   (Eq. 2–4; Table 4).
# - Ho, Jain, Abbeel. *Denoising Diffusion Probabilistic Models.* NeurIPS 2020.
#   [arXiv:2006.11239](https://arxiv.org/abs/2006.11239) (the forward process, the linear schedule).
# - Nichol, Dhariwal. *Improved Denoising Diffusion Probabilistic Models.* ICML 2021.
#   [arXiv:2102.09672](https://arxiv.org/abs/2102.09672) (the cosine schedule, s = 0.008, β ≤ 0.999).
# - Song, Meng, Ermon. *Denoising Diffusion Implicit Models.* ICLR 2021.
#   [arXiv:2010.02502](https://arxiv.org/abs/2010.02502) (the DDIM step and η).
# - Shan et al. *Diffusion-Based 3D Human Pose Estimation with Multi-Hypothesis Aggregation*
#   (D3DP). ICCV 2023. [arXiv:2303.11579](https://arxiv.org/abs/2303.11579) (the sampler DDHPose
#   follows: x̂₀ prediction, K steps at `linspace(-1, T-1, K+1)`, η = 1).
