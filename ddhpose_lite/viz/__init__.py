"""Plotly figures for the lessons: skeletons in 3D and 2D, the kinematic tree, clips, charts.

Every function here is pure: it takes poses (torch or NumPy, or nested lists) and returns a
``plotly.graph_objects.Figure``; nothing is displayed or printed. Figures stay small when a
notebook saves them: no default template, fixed sizes, coordinates rounded (millimetres for
metres), and one colour per hierarchy level defined once in ``LEVEL_COLORS``.

Display frames for 3D poses:
- ``"world"``: z-up metres, as ``bones.rest_pose()`` (the person faces +y).
- ``"camera"``: camera coordinates (x right, y down, z forward), drawn upright by plotting
  (x, z, -y): depth runs into the screen and -y points up.

Interactive views (the widgets of ``ddhpose_lite.widgets`` and their kernel-free twins) come in
pairs: a figure function that draws one state and an update function that returns a
``FigureUpdate``, what changes for another state (``highlight_update``, ``noising_update``,
``ddim_update``, ``attention_update``, ``hypothesis_update``). ``apply_update`` writes one into a
figure or FigureWidget; ``update_frame`` turns one into a plotly frame for a slider.

One module per topic: ``core`` (colours, layout, checks, updates), ``poses`` (3D skeletons, the
tree, clips: lesson 01), ``keypoints2d`` (2D keypoints on the image: 01, 08), ``motion`` (galleries,
bone lengths, perturbations: 02), ``diffusion`` (03), ``attention``, ``attention_explorer`` and
``architecture`` (04), ``hypotheses`` (06), ``family`` (07). Everything public is importable from
``ddhpose_lite.viz`` directly.
"""
from .core import *  # noqa: F401,F403
from .poses import *  # noqa: F401,F403
from .keypoints2d import *  # noqa: F401,F403
from .motion import *  # noqa: F401,F403
from .diffusion import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .attention_explorer import *  # noqa: F401,F403
from .architecture import *  # noqa: F401,F403
from .hypotheses import *  # noqa: F401,F403
from .family import *  # noqa: F401,F403
from . import (  # noqa: E402
    architecture, attention, attention_explorer, core, diffusion, family, hypotheses, keypoints2d, motion, poses,
)

__all__ = (core.__all__ + poses.__all__ + keypoints2d.__all__ + motion.__all__ + diffusion.__all__ + attention.__all__
           + attention_explorer.__all__ + architecture.__all__ + hypotheses.__all__ + family.__all__)
