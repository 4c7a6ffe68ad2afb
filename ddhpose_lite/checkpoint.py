"""Checkpoints: written atomically, read with a format check, turned back into a model.

A checkpoint is a dict saved with ``torch.save``: ``format``, ``config`` (the training config as
plain data, the model's skeleton included), ``model`` (the denoiser's state dict) and, for
training checkpoints, the optimiser, scheduler, scaler and RNG state, the epoch and the history.
Members of the family other than DDHPose add ``prior`` (their fitted start distribution,
``starts``) and, for refinement, ``base`` (the base estimator's config and weights); the
method is ``config["method"]``, and a checkpoint without one is DDHPose.
It loads with ``weights_only=True`` (tensors and plain data only: no pickled code runs).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .baseline import build_model
from .diffusion import Schedule
from .errors import MissingInputError, UserInputError
from .model import DenoiserConfig, HSTDenoiser
from .starts import GaussianMixture, ResidualGaussian, prior_from_dict

__all__ = ["FORMAT", "save_checkpoint", "load_checkpoint", "load_model", "load_family", "model_from_state"]

FORMAT = "ddhpose_lite/2"
"""Format 2 stores the skeleton in ``config["model"]["skeleton"]``; format 1 (without it) means
Human3.6M and still loads."""
_READABLE = (FORMAT, "ddhpose_lite/1")
SHIPPED = Path(__file__).resolve().parent / "assets"
"""The folder of the checkpoints shipped in the package."""


def save_checkpoint(path: str | Path, state: dict) -> None:
    """Write ``state`` with torch.save to a temporary file in the same folder, then rename it over
    ``path``: a crash mid-write never leaves a truncated checkpoint behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save({"format": FORMAT, **state}, file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; a checkpoint is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Read a checkpoint written by ``save_checkpoint`` and check its format and keys."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"expected a checkpoint file at {path}, found none")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # a truncated or foreign file
        reason = str(error).split(". ")[0] or type(error).__name__  # torch's first sentence is the cause
        raise UserInputError(f"expected a ddhpose_lite checkpoint at {path}, got a truncated or corrupt file "
                             f"({path.stat().st_size:,} bytes; torch.load: {reason}). {_good_copy(path)}") from error
    if not isinstance(state, dict) or state.get("format") not in _READABLE:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise UserInputError(f"expected a ddhpose_lite checkpoint (format {' or '.join(_READABLE)}) at {path}, "
                             f"got {found!r}")
    for key in ("config", "model"):
        if key not in state:
            raise UserInputError(f"expected key {key!r} in the checkpoint at {path}, got keys {sorted(state)}")
    return state


def _good_copy(path: Path) -> str:
    """Where an intact copy of an unreadable checkpoint comes from."""
    if path.resolve().parent == SHIPPED:
        return (f"It ships with ddhpose_lite: restore it (`git checkout -- ddhpose_lite/assets/{path.name}` in a "
                "clone, or reinstall the package) or rebuild it with tools/train_checkpoint.py.")
    return ("The trainer writes last.pt atomically (a crash never leaves half a file), so this copy was cut later "
            "(a full disk, an interrupted copy or download): copy it again, use an older copy, or re-run the "
            "training that wrote it.")


def model_from_state(state: dict, device=None) -> HSTDenoiser:
    """The network of a checkpoint dict with ``config`` and ``model`` (eval mode, on ``device``):
    the denoiser, or the baseline MLP (``baseline.build_model``)."""
    model = build_model(DenoiserConfig.from_dict(state["config"]["model"]))
    model.load_state_dict(state["model"])
    return model.to(device or "cpu").eval()


def load_model(path: str | Path, device=None) -> tuple[HSTDenoiser, Schedule]:
    """The denoiser of a checkpoint (in eval mode, on ``device``) and its diffusion schedule."""
    state = load_checkpoint(path)
    return model_from_state(state, device), Schedule.cosine(int(state["config"].get("timesteps", 1000)))


def load_family(path: str | Path, device=None) -> tuple[HSTDenoiser, Schedule, str, GaussianMixture | ResidualGaussian
                                                         | None, HSTDenoiser | None]:
    """(denoiser, schedule, method, start distribution or None, base model or None) of a checkpoint
    of any member of the family; checkpoints without a method are DDHPose."""
    state = load_checkpoint(path)
    base = state.get("base")
    return (model_from_state(state, device), Schedule.cosine(int(state["config"].get("timesteps", 1000))),
            state["config"].get("method", "ddhpose"), prior_from_dict(state.get("prior")),
            None if base is None else model_from_state(base, device))
