"""Procedural human motion: an unlimited, offline source of 3D poses (the embedded dataset).

How a clip is made (lesson 02's picture, run backwards), one file per step:

1. ``subjects``: a person — bone lengths around Human3.6M proportions
   (``bones.H36M_BONE_LENGTHS``) scaled to a stature of 1.50-1.95 m, with a few % of variation
   per body part, and a personal style (tempo, amplitude, posture).
2. Scripts write named joint-angle *channels* over time (``channels``: hip flexion, knee
   flexion, shoulder abduction, spine bend, ... with their joint limits), a few root channels
   (walking speed, turn rate, flight height, which limbs are planted) and the whole-body
   orientation (``body_pitch``, ``body_roll``: lying, on all fours, upside down). One script per
   action, one module per family (``catalogue`` lists them all, with their labels and the
   default mix):

   - ``actions``: everyday upright motion (walk, run, jump, sit on a chair, wave, ...);
   - ``floor_actions``: lying on the back, a side or the front, sitting on the floor, kneeling,
     crawling, push-ups, sit-ups, crouching. They get down from standing and up again
     (``postures``: whole-body postures and the keyframed path between them), so cross-fades
     with other actions always blend two standing people;
   - ``exercise``: forward fold to the floor, lunges, reaching high, jumping jacks;
   - ``acrobatics``: cartwheels, kick-up to a handstand;
   - ``explore``: smooth random trajectories through every channel's joint-limit box at random
     whole-body orientations.

   ``timing`` holds the time-shaping helpers (smooth steps, pulses, cycles, keyframes) and
   ``Span``, what a script knows about its place in a sequence.
3. ``sequences``: consecutive actions are cross-faded by blending their channels, i.e. in
   rotation space, never in joint space; every channel is clamped to its joint limit.
4. ``kinematics``: channels -> one local rotation per bone, composed down the kinematic tree
   below the whole-body orientation; forward kinematics (``bones.compose``, paper Eq. 1
   inverted); the root: the lowest point of the body on the floor z = 0 (each joint a ball of
   the body's thickness, ``BODY_RADII``; the ankles have radius 0, so an upright person stands
   on the lowest ankle) and planted limbs that do not slide.

``synthetic_motion(split, frames, seed)`` draws the sequences of a split (subjects are split
train/test; actions from ``catalogue.MIX``: ~1/3 of the frames have the torso tipped more than
45 deg); ``datasets.film`` then puts a random camera on each and makes 2D keypoints, and
``datasets.coverage`` measures what a dataset covers.

Units: metres, seconds, world z-up (the person faces +y, right is +x). Everything is seeded:
the same seed gives identical tensors.
"""
from .catalogue import ACTIONS, GROUPS, MIX, UPRIGHT
from .channels import CHANNELS
from .sequences import Motion, generate_motion, generate_sequence, synthetic_motion
from .subjects import TEST_SUBJECTS, TRAIN_SUBJECTS, Style, Subject, sample_subject

__all__ = ["ACTIONS", "CHANNELS", "GROUPS", "MIX", "Motion", "Style", "Subject", "TEST_SUBJECTS", "TRAIN_SUBJECTS",
           "UPRIGHT", "generate_motion", "generate_sequence", "sample_subject", "synthetic_motion"]
