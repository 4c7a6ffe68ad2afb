"""Every action the generator knows, its label, and how the default population draws them.

``ACTIONS`` fixes the labels (indices into the tuple; the 15 everyday actions keep the labels
they had before the floor actions were added). ``SCRIPTS`` maps each action to its script.
``MIX`` is the default mix of ``sequences.synthetic_motion``: per action, the probability of
drawing it, its typical and its minimum duration in seconds (a sequence's frames are shared in
proportion to random shares x typical durations, and never below the minimum, which floor
actions need to get down and up again).

The numbers aim at a population that still spends most of its time upright, going about
everyday life, but has a substantial share of frames tipped over. By labelled frames (training
split, seed 0): everyday upright actions 33 %, upright exercise 11 %, sitting, kneeling and
crouching on the floor 8 %, lying, crawling and floor exercises 32 %, cartwheels and handstands
3 %, random exploration 12 %. Coverage measured by ``tools/coverage.py`` (``datasets.coverage``)
over 50,000 frames, seeds 0-4: 33-36 % of frames have the torso tipped more than 45 deg from
upright, 11-12 % more than 90 deg, 56-59 % less than 30 deg.
"""
from __future__ import annotations

from .acrobatics import ACROBATICS
from .actions import EVERYDAY
from .exercise import EXERCISE
from .explore import EXPLORE
from .floor_actions import FLOOR

__all__ = ["ACTIONS", "SCRIPTS", "MIX", "UPRIGHT", "GROUPS"]

SCRIPTS = {**EVERYDAY, **FLOOR, **EXERCISE, **ACROBATICS, **EXPLORE}
ACTIONS = tuple(SCRIPTS)
"""The actions the generator knows (labels are indices into this tuple)."""

GROUPS = {
    "everyday": tuple(EVERYDAY),
    "floor": tuple(FLOOR),
    "exercise": tuple(EXERCISE),
    "acrobatics": tuple(ACROBATICS),
    "explore": tuple(EXPLORE),
}
"""The actions by family (one module each)."""

UPRIGHT = tuple(EVERYDAY) + tuple(EXERCISE)
"""Actions in which the feet carry the body: the lowest ankle is on the floor (except in the
flights of run, jump and jumping jacks)."""

_EVERYDAY = (0.0245, 3.0, 1.0)
MIX: dict[str, tuple[float, float, float]] = {
    **{action: _EVERYDAY for action in EVERYDAY},
    # near the floor, mostly upright torso
    "sit_floor": (0.028, 7.0, 4.0), "kneel": (0.028, 5.0, 3.0), "crouch": (0.028, 5.0, 3.0),
    # lying and on all fours
    "lie_back": (0.042, 8.0, 5.0), "lie_side": (0.042, 8.0, 5.0), "lie_front": (0.042, 8.0, 5.0),
    "crawl": (0.042, 6.0, 4.0), "push_up": (0.042, 7.0, 5.0), "sit_up": (0.042, 8.0, 5.0),
    # upright exercise
    "toe_touch": (0.028, 4.0, 2.0), "lunge": (0.028, 4.0, 2.0), "reach_high": (0.028, 4.0, 2.0),
    "jumping_jacks": (0.028, 4.0, 2.0),
    # inverted
    "cartwheel": (0.025, 5.0, 4.0), "handstand": (0.025, 6.0, 5.0),
    # everything the joint limits allow
    "explore": (0.1345, 8.0, 3.0),
}
"""action: (probability of drawing it, typical seconds, minimum seconds) in the default mix."""

if set(MIX) != set(ACTIONS):
    raise ImportError("MIX must list every action of ACTIONS")
if abs(sum(p for p, _, _ in MIX.values()) - 1.0) > 1e-9:
    raise ImportError("the probabilities of MIX must sum to 1")
