"""ddhpose_lite: a small, readable PyTorch DDHPose (Cai et al., AAAI 2024) for learning and trying.

One module per concept, layered from the skeleton up to the widgets (docs/design.md).
``load_pretrained()`` returns the checkpoint shipped in the package; ``doctor()`` checks the
environment the lessons run in, and ``notebook_setup()`` (each lesson's setup cell) prepares it first.
"""
from .doctor import doctor, notebook_setup
from .lifter import Lifter, LiftResult, load_pretrained

__version__ = "0.1.0"
__all__ = ["Lifter", "LiftResult", "load_pretrained", "doctor", "notebook_setup", "__version__"]
