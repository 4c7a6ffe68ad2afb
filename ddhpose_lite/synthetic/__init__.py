"""Procedural human motion: an unlimited, offline source of 3D poses (the embedded dataset).

How a clip is made (lesson 02's picture, run backwards), one file per step:

1. ``subjects``: a person — bone lengths around Human3.6M proportions
   (``bones.H36M_BONE_LENGTHS``) scaled to a stature of 1.50-1.95 m, with a few % of variation
   per body part, and a personal style (tempo, amplitude, posture).
2. ``actions``: one script per action writes named joint-angle *channels* over time
   (``channels``: hip flexion, knee flexion, shoulder abduction, spine bend, ... with their
   joint limits) and a few root channels (walking speed, turn rate, flight height).
3. ``sequences``: consecutive actions are cross-faded by blending their channels, i.e. in
   rotation space, never in joint space; every channel is clamped to its joint limit.
4. ``kinematics``: channels -> one local rotation per bone, composed down the kinematic tree;
   forward kinematics (``bones.compose``, paper Eq. 1 inverted) and the root on the floor.

``synthetic_motion(split, frames, seed)`` draws the sequences of a split (subjects are split
train/test); ``datasets.film`` then puts a random camera on each and makes 2D keypoints.

Units: metres, seconds, world z-up (the person faces +y, right is +x). Everything is seeded:
the same seed gives identical tensors.
"""
from .catalogue import ACTIONS
from .channels import CHANNELS
from .sequences import Motion, generate_motion, generate_sequence, synthetic_motion
from .subjects import TEST_SUBJECTS, TRAIN_SUBJECTS, Style, Subject, sample_subject

__all__ = ["ACTIONS", "CHANNELS", "Motion", "Style", "Subject", "TEST_SUBJECTS", "TRAIN_SUBJECTS",
           "generate_motion", "generate_sequence", "sample_subject", "synthetic_motion"]
