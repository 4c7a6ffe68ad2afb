"""Every action the generator knows, its label, and how often the default population draws it.

``ACTIONS`` fixes the labels (indices into the tuple; the 15 everyday actions keep their old
labels). ``SCRIPTS`` maps each action to its script.
"""
from __future__ import annotations

from .actions import EVERYDAY

__all__ = ["ACTIONS", "SCRIPTS"]

SCRIPTS = {**EVERYDAY}
ACTIONS = tuple(SCRIPTS)
"""The actions the generator knows (labels are indices into this tuple)."""
