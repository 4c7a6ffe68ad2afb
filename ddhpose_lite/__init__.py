"""ddhpose_lite: a small, readable PyTorch DDHPose (Cai et al., AAAI 2024) for learning and trying.

One module per concept: skeleton, bones, camera, motion, datasets, diffusion, model, metrics,
train, lifter, viz, widgets. ``load_pretrained()`` returns the checkpoint shipped in the package.
"""
from .lifter import Lifter, LiftResult, load_pretrained

__version__ = "0.1.0"
__all__ = ["Lifter", "LiftResult", "load_pretrained", "__version__"]
