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
# # Lesson 08 · Lift your own video: from pixels to 3D hypotheses, offline
#
# **The question of this lesson:** *what does it take to go from a video of a real person to
# DDHPose's 3D hypotheses, and which parts of the answer can you trust?*
#
# Every lesson so far fed the model 2D keypoints we made ourselves. A video gives pixels. Between
# the two sits a **2D pose detector**, and each step on the way (which person, which joints, what
# happens when a joint is hidden, what frame rate, how big the person is in the image) changes
# what the lifter sees. Here you run the whole path on a real clip, on a laptop CPU, with nothing
# downloaded: the detector (MediaPipe Pose) ships its models inside its Python wheel.
#
# **Learning objectives.** By the end of this lesson you can:
# - lift a clip of your own: detect, map to Human3.6M-17, fill gaps, resample, lift;
# - say what the detector gives and how its 33 landmarks become the model's 17 joints;
# - read per-joint confidence and hypothesis spread over time, and say which parts of a lift not
#   to trust (depth, occluded limbs, people unlike the training data);
# - explain why the person's size in the frame matters, and what the zoom does about it.
#
# **Time:** about 45 minutes: 25 to read and explore, 20 for the exercises.
#
# You will:
# 1. follow the path from a video to 3D, one function per step;
# 2. pick a video (the sample clip, or your own, upright even when a phone stored it on its side),
#    see its first frame with the people found in it, and choose whom to follow;
# 3. run the detector and look at what it saw, joint by joint, over time;
# 4. lift it and scrub frames and hypotheses over the video;
# 5. find where the hypotheses disagree, and what the lift should not be trusted on;
# 6. save the result and load it back.
#
# **Runtime:** about 20 s on a 2-core CPU for the 10-second sample (detection about 4 s, two
# lifts of 5 hypotheses about 5 s each), under 700 MB of memory. The detector is an optional extra,
# `pip install "ddhpose_lite[video]"`; without it (or without the sample clip) the lesson uses
# the sample's saved detections and draws no video frames.

# %% [markdown]
# ## Setup
#
# Run this cell first. Locally and on Binder it checks the environment. On Google Colab it first
# installs the package with its video extra and OpenCV's sample media (about two minutes) and
# switches on Colab's support for interactive widgets. On your own machine, install the extra once
# with `pip install "ddhpose_lite[video]"` and the sample clip with `apt install opencv-doc`
# (Debian, Ubuntu), or upload a video of your own below.

# %%
import subprocess
import sys

REPOSITORY = "https://github.com/ddhpose-lite/ddhpose_lite"  # the one place: pyproject.toml [project.urls]
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"ddhpose_lite @ git+{REPOSITORY}"], check=True)
    # the detector and the sample clip; without them the lesson still runs, on saved detections
    detector = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "mediapipe==0.10.14"], check=False)
    if detector.returncode != 0:
        print(f"Installing the detector (mediapipe) FAILED (pip exit status {detector.returncode}): the lesson runs "
              "on the sample's saved detections, and an uploaded clip cannot be used.")
    subprocess.run(["apt-get", "install", "-y", "-qq", "opencv-doc"], check=False)

import ddhpose_lite

ddhpose_lite.notebook_setup()

# %%
import tempfile
import warnings
from pathlib import Path

import ipywidgets
import numpy as np
from IPython.display import display

from ddhpose_lite import video, viz, widgets
from ddhpose_lite.keypoints import MEDIAPIPE_NAMES, mediapipe_to_h36m
from ddhpose_lite.skeleton import H36M

try:
    video.require_video_extra()
    HAVE_DETECTOR = True
except ImportError as error:
    HAVE_DETECTOR = False
    print(error)
print("detector:", "MediaPipe Pose" if HAVE_DETECTOR else "not installed",
      "· sample clip:", video.SAMPLE_VIDEO if video.SAMPLE_VIDEO.exists() else "not installed (apt install opencv-doc)")

# %% [markdown]
# ## 1 · From a video to 3D, one step at a time
#
# ```
#  video ──► detect_landmarks ──► Detections: 33 MediaPipe landmarks per frame (pixels, visibility)
#                                   │
#             video_keypoints  ◄────┘  33 → Human3.6M-17, gaps filled or cut, resampled to 50 fps
#                  │
#                  ▼
#            VideoTrack ──► lift_track ──► VideoLift: K × H × F × 17 × 3 hypotheses (Lifter.lift)
# ```
#
# - **The detector.** MediaPipe Pose (BlazePose) finds one person and gives 33 landmarks per
#   frame with a *visibility* in 0..1. In video mode it tracks the person from frame to frame and
#   smooths the landmarks a little.
# - **33 → 17.** Limbs map one to one. Pelvis = mid-hips, thorax = mid-shoulders, spine = their
#   midpoint, nose = the nose, head = the centre of the eyes and ears that are seen. A detector's
#   hips are not motion-capture hips: annotators click on the body's surface, while Human3.6M's hip
#   joints are the centres of the ball joints inside the pelvis. On OpenCV's photos of standing
#   people MediaPipe's hips are 0.60 to 0.62 of the shoulder width apart, our test bodies' 0.86.
#   What an offset costs, measured on captured test people (`benchmarks/hip_offset.py`, H = K = 1,
#   125 mm without offset): hips 4 cm further in or out, about 1 mm; 5 cm up or down, 4 to 5 mm;
#   10 cm up, 16 mm. The model barely minds the width and minds the height.
# - **Gaps.** A joint barely visible (or no person at all) for at most 0.3 s is filled in linearly
#   from the frames around it. No person for longer cuts the clip: those frames are not lifted. A
#   joint hidden for longer keeps the detector's own guess, flagged by its low confidence.
# - **Frame rate.** The model was trained at 50 fps; a 10 fps or 30 fps clip is resampled in
#   time, so one model frame is always 20 ms.
# - **Jitter.** On top of the detector's own filter, a light Gaussian in time (40 ms). That is as
#   much as the lifter needs (`benchmarks/smoothing.py`, captured test people with detector-like
#   noise): it costs 0.1 mm on clean 2D and saves 3 mm at 8 px of noise and 9 mm at 15 px. The
#   model was trained with 3 px of noise; more smoothing blurs fast motion.
# - **Screen coordinates.** Pixels are turned into the normalised screen coordinates the model
#   was trained on, with the video's image size.

# %% [markdown]
# ## 2 · Pick a video
#
# The sample is 10 seconds of OpenCV's `vtest.avi` (pedestrians on a campus, 768 × 576 px,
# 10 fps). People are small in this wide shot, too small for the detector in the whole frame, so
# we tell it where one man is in the first frame (`SAMPLE_BOX`) and it follows him with a crop.
#
# **Your own video:** upload a short clip (a few seconds, whole body in view) with the button
# below. The line under it says which file arrived, how long it is and at what frame rate, and
# shows its first frame with the people found in it. Then run the cells after it again. A phone
# clip filmed upright is stored on its side with a note to turn it (its *rotation metadata*);
# every frame is turned upright before the detector sees it, and the line says by how much.

# %%
def preview(path: Path, start: float, box="auto", person=None, rotation=None):
    """Print whom the detector will follow and return (the frame at ``start`` with pixel axes and
    the people found, numbered, the choice); (None, None) and why when the frame cannot be read."""
    try:
        first = video.first_frame(path, start, rotation=rotation)
    except (ImportError, ValueError, FileNotFoundError) as error:
        print("no preview:", error)
        return None, None
    choice = video.choose_person(first, box if person is None else "auto", person)
    print(choice["message"])
    h, w = first.shape[:2]
    figure = viz.frame_preview(video.image_data_uri(first, width=w), (w, h), people=choice["people"],
                               box=None if isinstance(box, str) else box, chosen=choice["chosen"],
                               title=f"The frame at {start:g} s: hover to read x, y in pixels")
    return figure, choice


upload = ipywidgets.FileUpload(accept="video/*", multiple=False, description="Upload a video",
                               tooltip="Choose a short video of one person")
received = ipywidgets.Output()


def show_upload(change) -> None:
    """Say which file arrived (the button is too narrow to show its name) and show its first frame."""
    received.clear_output()
    with received:
        saved = video.saved_upload(upload.value)
        print("received:", video.describe_video(saved) if saved is not None else "nothing")
        if saved is not None:
            figure, _ = preview(saved, 0.0)
            if figure is not None:
                display(figure)


upload.observe(show_upload, names="value")
ipywidgets.VBox([upload, received])

# %% [markdown]
# Or give your video by its path (easier for big phone videos than the browser's upload), and
# which part of it to use. Whom to follow: `BOX` is (x0, y0, x1, y1) in pixels around the person
# in the first frame (read the corners off the preview below by hovering), or "auto": the whole
# frame if the detector sees someone there, else the person OpenCV's HOG people detector is surest
# of. `PERSON`, a number from the preview (people are numbered left to right), picks that one
# instead. `ROTATION` (degrees clockwise) turns a clip whose metadata is missing or wrong;
# `None` trusts the file.

# %%
VIDEO_PATH = None  # e.g. "~/Videos/me.mp4", a file on the machine that runs this notebook
START, SECONDS, BOX = 0.0, 10.0, "auto"
PERSON = None  # e.g. 2: person #2 of the preview (wins over BOX)
ROTATION = None  # e.g. 90: turn every frame a quarter clockwise, whatever the file says


# %%
def chosen_video():
    """(path, start, seconds, box) of VIDEO_PATH if set, else of the uploaded video if there is
    one, else of the sample."""
    if VIDEO_PATH:
        return Path(VIDEO_PATH).expanduser(), START, SECONDS, BOX
    uploaded = video.saved_upload(upload.value)
    if uploaded is not None:
        return uploaded, START, SECONDS, BOX
    return video.SAMPLE_VIDEO, video.SAMPLE_START, 10.0, video.SAMPLE_BOX


path, start, seconds, box = chosen_video()
print("video:", video.describe_video(path))
print(f"used: from {start} s for up to {seconds} s (a shorter clip: all of it) · box: {box} · person: {PERSON}"
      + ("" if ROTATION is None else f" · turned {ROTATION}° clockwise"))

# %% [markdown]
# The first frame of the part you chose: x and y in the video's pixels (hover to read them), the
# people OpenCV's people detector found there (blue, numbered), the box setting (dashed) and the
# one the pose detector will follow (orange). To follow someone else, set `PERSON` to their number
# or draw `BOX` around them in the settings cell, and run the cells from there again. (Without the
# video extra there is no picture; the lesson goes on with the sample's saved detections.)

# %%
first_preview, choice = preview(path, start, box, PERSON, ROTATION)
first_preview

# %% [markdown]
# ## 3 · What the detector saw
#
# Detection is the slow part: about 0.04 s per frame on one core. Each frame also keeps a small
# JPEG picture for the figures. Without the extra, we load the sample's saved detections (the
# same numbers, no pictures).

# %%
if HAVE_DETECTOR and path.exists():
    detections = video.detect_landmarks(path, start, seconds, box if choice is None else choice["box"],
                                        rotation=ROTATION)
else:
    missing = ([] if HAVE_DETECTOR else [f"the detector (install it with {video.VIDEO_EXTRA}, then restart the kernel)"])
    missing += [] if path.exists() else [f"the video {path}" + ("" if path != video.SAMPLE_VIDEO else
                                                                 " (apt install opencv-doc)")]
    print("Missing here:", " and ".join(missing) + ".")
    if path != video.SAMPLE_VIDEO:
        print(f"Your video {path.name} is NOT used.")
    print("Using the saved detections of the sample clip instead.")
    detections = video.Detections.load(video.SAMPLE_DETECTIONS)

# %%
# NBVAL_CHECK_OUTPUT
print(f"{detections.frames} frames at {detections.fps:g} fps, {detections.image_size[0]} x {detections.image_size[1]} px")
print(f"a person in {detections.found.mean():.0%} of the frames")

# %% [markdown]
# One frame, up close: the detector's 33 landmarks (grey; hover for their names) and the 17 joints
# the model reads, made from them. The dotted lines tie each joint that is an average (pelvis,
# spine, thorax, head) to the landmarks it averages. Change `frame` and run the cell again.

# %%
frame = min(30, detections.frames - 1)
while not detections.found[frame]:
    frame -= 1
joints, _ = mediapipe_to_h36m(detections.landmarks[frame:frame + 1], detections.visibility[frame:frame + 1],
                              min_visibility=0)  # one frame: the detector's guesses stay
viz.landmarks_to_joints(detections.landmarks[frame], joints[0], image_size=detections.image_size,
                        picture=None if detections.pictures is None else detections.pictures[frame],
                        title=f"Frame {frame}: {len(MEDIAPIPE_NAMES)} landmarks → 17 joints")

# %% [markdown]
# **Think!** In the sample clip the man walks away from us: we see his back. Where did the
# detector put his nose and eyes, and how visible does it say they are? (With a clip of your own,
# ask the same of your person; the next cell's numbers are about the clip you chose.)
#
# <details><summary>Answer</summary>
#
# In the sample, on the back of his head, with a visibility close to 1. The detector always returns a whole
# person, face included, and its visibility says "inside the image and not hidden by something",
# not "I saw it". Worse, a person seen from behind looks much like one seen from the front: when
# the detector takes the back for the front, left and right swap. The next cell counts how often
# the detector has the person facing us (their left shoulder on the image's right): for a man
# walking away, each of those frames is a swap.
#
# </details>

# %%
facing_us = detections.landmarks[:, MEDIAPIPE_NAMES.index("left_shoulder"), 0] > \
    detections.landmarks[:, MEDIAPIPE_NAMES.index("right_shoulder"), 0]  # their left on the image's right
nose = detections.visibility[detections.found, MEDIAPIPE_NAMES.index("nose")]
print(f"the detector has the person facing us in {facing_us[detections.found].mean():.0%} of the frames; "
      f"median visibility of the nose: {np.median(nose):.2f}")

# %% [markdown]
# The track the lifter reads: Human3.6M-17 keypoints at 50 fps. The figure shows its confidence
# per joint over time: the detector's visibility, **0 (white) where a gap was filled in**, and low
# where a joint was hidden for longer (the detector's guess). Hover to read values; blank columns
# are time that was not lifted.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    track = video.video_keypoints(detections)
for warning in caught:
    print("warning:", warning.message)
print(f"{track.frames} frames at {track.fps:g} fps in {len(track.segments())} segment(s); "
      f"{track.guessed.mean():.0%} of the joints are the detector's guesses")
viz.joint_timeline(track.confidence, track.times, title="Detector confidence per joint (0 = filled in)",
                   label="confidence", colorscale="Blues", zmin=0, zmax=1)

# %% [markdown]
# **Think!** Which joints are least visible (the next cell lists them for the clip you chose),
# and why would a man walking across the image, as in the sample, hide those ones?

# %%
least = np.argsort(track.confidence.mean(0))[:4]
print("least visible joints:", ", ".join(f"{H36M.names[j]} ({track.confidence[:, j].mean():.2f})" for j in least))

# %% [markdown]
# <details><summary>Answer</summary>
#
# In the sample, the wrists and elbows (then the knees): seen from the side, the far arm swings behind the body
# at every step and the near one in front of it, so one of them is always partly hidden. The
# torso, hips and head stay in view. Those are the joints to distrust in 3D too.
#
# </details>

# %% [markdown]
# ## 4 · Lift it, and scrub frames and hypotheses over the video
#
# `lift_track` lifts each segment with the shipped checkpoint: 5 hypotheses, 5 DDIM iterations,
# test-time flip. The scrubber is lesson 06's, with the video frame behind the 2D panel: the grey
# skeleton is the detector's (mapped to 17 joints), the blue ones each hypothesis reprojected onto
# it; the 3D panel shows the hypotheses, joints coloured by how much they disagree.

# %%
lifted = video.lift_track(track, hypotheses=5, iterations=5, seed=0)
pictures = None if detections.pictures is None else [detections.pictures[i] for i in track.source_frame]
scrubber = widgets.hypothesis_scrubber(lifted.result(), backgrounds=pictures)
scrubber

# %% [markdown]
# `scrubber.update(frame=100, hypothesis=2)` does what moving the sliders does. Without a live
# kernel (a static page), the kernel-free twin: the upper slider scrubs iteration · hypothesis at
# the frame where the hypotheses disagree most, the lower one 8 frames of the clip.

# %%
viz.hypothesis_explorer(lifted.result(), backgrounds=pictures, frames=np.linspace(0, track.frames - 1, 8).astype(int))

# %% [markdown]
# **Experiment.** Move the frame slider through a stride: do the hypotheses agree more when the
# legs are apart or when they pass each other? Then pick one hypothesis and step the iteration
# slider from 1 to 5.

# %% [markdown]
# ## 5 · What not to trust
#
# **Where the hypotheses disagree.** The spread per joint over time (mean distance of the 5
# hypotheses to their mean). It is the model saying "the image does not tell me". The blocks about
# half a second wide are the model's windows: it lifts 27 frames (0.54 s) at a time.

# %%
spread_mm = lifted.uncertainty() * 1000
viz.joint_timeline(spread_mm, track.times, title="Where the hypotheses disagree: spread per joint (mm)",
                   label="spread (mm)", zmin=0)

# %%
by_joint = spread_mm.mean(0)
worst = [H36M.names[j] for j in np.argsort(by_joint)[::-1][:4]]
print("most uncertain joints:", ", ".join(worst))
if track.guessed.any():
    print(f"mean spread of the joints the detector guessed: {spread_mm[track.guessed].mean():.0f} mm, "
          f"of the ones it saw: {spread_mm[~track.guessed].mean():.0f} mm")

# %% [markdown]
# Read the figure with four warnings in mind:
#
# 1. **Depth.** Everything is root-relative: the model never learns where the person is, only
#    their pose around the pelvis. And along the viewing direction the image says least: wrists
#    and ankles can swing forwards or backwards with the same 2D. That is where the spread is.
# 2. **Occluded limbs.** A joint the detector guessed (low confidence) is a guess fed into a
#    lifter: the 3D there is a guess of a guess, however confident the spread looks.
# 3. **The detector.** Its mistakes reach the lifter unflagged: a face on the back of the head,
#    left and right swapped when it takes a back for a front (section 3). The hypotheses' spread
#    does not show them; the lift is only as good as its 2D.
# 4. **People unlike the training data.** The shipped model saw captured and procedural motion
#    filmed by virtual cameras at 3 to 8 m. Unusual poses, clothing the detector misreads, and a
#    person much smaller or larger in the frame than in training all move it away from what it
#    knows.
#
# The last one we can measure: how tall is the person in the frame, as a fraction of the image
# width, against the median person in training (`video.TYPICAL_HEIGHT`)?

# %%
extent = track.keypoints[..., 1].max(-1) - track.keypoints[..., 1].min(-1)  # pixels, per frame
print(f"the person: {np.median(extent) / track.image_size[0]:.0%} of the image width tall (median over frames); "
      f"the median person in training: {video.TYPICAL_HEIGHT:.0%}")

# %% [markdown]
# In the sample the man is far smaller than the people in training. Without help the model takes
# a small person for a *small person*. `lift_track` therefore zooms by default: it scales the keypoints of each segment about
# their centre until the person has the typical training height (a virtual longer lens; the
# 2D panel keeps the real keypoints). Here is what it changes.

# %%
unzoomed = video.lift_track(track, hypotheses=5, iterations=5, seed=0, zoom=False)


def thigh_m(lift):
    aggregate = lift.aggregate
    return float(np.linalg.norm(aggregate[:, 2] - aggregate[:, 1], axis=-1).mean())


for name, lift in (("without zoom", unzoomed), ("with zoom", lifted)):
    print(f"{name:13s} thigh {thigh_m(lift):.2f} m, mean spread {lift.uncertainty().mean() * 1000:.0f} mm")

# %% [markdown]
# A grown-up's thigh is about 0.45 m (Human3.6M's subjects). In the sample, without the zoom the
# model makes the man a child, and is less sure of everything; with it he is closer to a grown-up,
# and the hypotheses agree more (compare the two lines above for your clip; a person already the
# typical size is barely zoomed). It does not make the lift right: on real people the shipped
# model is still many centimetres off on average (README, "transfer"), more on people far from
# its training.

# %% [markdown]
# ## 6 · Save the result, load it back
#
# One NPZ file holds the 2D keypoints (pixels), their confidence and times, all hypotheses of all
# iterations, the final hypotheses and their aggregate (P-Agg). NumPy reads it anywhere:
# `np.load("lift.npz")["aggregate"]` is a [F, 17, 3] array in metres.

# %%
# NBVAL_CHECK_OUTPUT
saved = lifted.save(Path(tempfile.gettempdir()) / "ddhpose_lift.npz")
again = video.VideoLift.load(saved)
print("same hypotheses after loading:", np.array_equal(again.poses, lifted.poses))
with np.load(saved) as data:
    print({key: list(data[key].shape) for key in ("keypoints_2d", "times", "hypotheses", "aggregate")})

# %% [markdown]
# ## Summary
#
# - A video becomes 3D in three steps: a 2D detector (MediaPipe Pose, offline), a mapping to the
#   model's 17 joints with gaps filled or cut and time resampled to 50 fps, and the lifter.
# - Every step changes what the lifter sees: the detector's hips are not mocap hips, hidden
#   joints are guesses, long gaps are not lifted at all.
# - The hypotheses' spread shows where the image does not pin the pose down: depth, and the
#   extremities. It does not show the detector's mistakes: a face on the back of a head, left and
#   right swapped when a back is taken for a front (section 3 counts how often, for your clip).
# - A person much smaller in the frame than in training is read as a small person; zooming the
#   keypoints to the typical training size fixes much of that.

# %% [markdown]
# ## Exercises
#
# Three exercises: a warm-up, a core one and a stretch one. Each ends with a check that says
# "not yet" while the slot is empty, then what is off or "correct!". Stuck? Worked solutions are
# in `ddhpose_lite/lessons/solutions.py`; `show_solution(8, 2)` prints one. Try first.

# %%
from ddhpose_lite.lessons import lesson08 as exercises
from ddhpose_lite.lessons import show_solution

# %% [markdown]
# **Exercise 1 (warm-up) · MediaPipe's coordinates to the model's.** MediaPipe gives its
# landmarks normalised by the image's own size: (x / w, y / h), each in 0..1. Write
# `to_screen(points, width, height)`: such points [..., 2] (a torch tensor) in; the model's
# normalised screen coordinates out, where x spans [-1, 1] across the image and y keeps the
# aspect ratio. The check tries a landscape and a portrait (phone) video.

# %%
def to_screen(points, width, height):
    """MediaPipe's (x / w, y / h) -> normalised screen coordinates."""
    return None  # your code here


exercises.check_to_screen(to_screen)

# %% [markdown]
# **Exercise 2 (core) · Fill the short gaps, keep the long ones.** Write
# `fill_gap(values, seen, longest)`: one coordinate of one joint over time [F] (NumPy), which
# frames were seen [F] (bool) and the longest gap to fill (frames) in; out, the values with every
# run of at most `longest` unseen frames replaced by linear interpolation in time between the
# seen ones (held constant before the first and after the last seen frame), while longer runs
# keep their values: the detector's own guesses, as in section 1.

# %%
def fill_gap(values, seen, longest):
    """Short gaps linearly interpolated from the seen values; long gaps kept."""
    return None  # your code here


exercises.check_fill_gap(fill_gap)

# %% [markdown]
# **Exercise 3 (stretch) · How much zoom?** Write `zoom_factor(pixels, width, found)`: a
# detector's keypoints in pixels [F, 17, 2] (NumPy), the image width, and which frames have a
# person [F] (bool; the other frames hold NaN) in; out, the factor that makes the person as tall
# as the median training person, `video.TYPICAL_HEIGHT` (a fraction of the image width). One
# height per clip, robust to a few frames where the detector went wrong. What do you measure,
# in which unit, and how do you summarise the frames? The check's message says why.

# %%
def zoom_factor(pixels, width, found):
    """TYPICAL_HEIGHT over the person's height."""
    return None  # your code here


exercises.check_zoom_factor(zoom_factor)

# %% [markdown]
# ## References
#
# - Cai et al. *Disentangled Diffusion-Based 3D Human Pose Estimation with Hierarchical Spatial
#   and Temporal Denoiser.* AAAI 2024. [arXiv:2403.04444](https://arxiv.org/abs/2403.04444)
#   (Fig. 5: inference, the lifter used here).
# - Bazarevsky et al. *BlazePose: On-device Real-time Body Pose tracking.* CVPR Workshops 2020.
#   [arXiv:2006.10204](https://arxiv.org/abs/2006.10204) (the detector: 33 landmarks, tracking).
# - Lugaresi et al. *MediaPipe: A Framework for Building Perception Pipelines.* 2019.
#   [arXiv:1906.08172](https://arxiv.org/abs/1906.08172) (the `mediapipe` package).
# - Ionescu et al. *Human3.6M.* TPAMI 2014. [vision.imar.ro/human3.6m](http://vision.imar.ro/human3.6m)
#   (the 17 joints the landmarks are mapped to).
# - OpenCV sample data, `vtest.avi` (Debian / Ubuntu package `opencv-doc`; OpenCV's licence): the
#   sample clip.
