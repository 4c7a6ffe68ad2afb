"""What the ablations compare, as data: each variant (a model configuration and its training),
the paper's tables as lists of variants with the paper's numbers, the family's rows, the budgets
(how much data, how many steps and seeds), and where the results live (``RESULTS``, ``SCHEMA``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ..model import DenoiserConfig
from ..starts import DETERMINISTIC
from ..train import PROFILES, LossWeights, TrainConfig, family_config

__all__ = ["Variant", "VARIANTS", "TABLES", "FAMILY_ROWS", "PAPER_FAMILY", "Budget", "BUDGETS", "RESULTS", "SCHEMA",
           "SCHEMA_V1", "V1_FAMILY_ROWS", "SPLITS", "FIGURE_VARIANTS"]

SCHEMA = "ddhpose_lite/ablations/2"
SCHEMA_V1 = "ddhpose_lite/ablations/1"
"""Version 1: the ``shared`` budget (exponential lr, every run from scratch, Table 5's first row
stored as variant "baseline"); still read, so the shipped file works until a version-2 run ships."""
RESULTS = Path(__file__).resolve().parents[1] / "assets" / "ablations.json"
"""The shipped results (``python -m ddhpose_lite.ablations --budget recipe --out RESULTS`` rewrites it)."""
SPLITS = ("procedural", "captured")


@dataclass(frozen=True)
class Variant:
    """One trained configuration: a family member with model switches and loss weights.

    ``start``: the regression run (same seed, same backbone switches) whose weights it starts from
    (``TrainConfig.init_from``, docs/recipe.md); ``needs``: the run its method builds on (the
    refinement's base estimator, ``TrainConfig.base_checkpoint``)."""

    method: str = "ddhpose"
    model: dict = field(default_factory=dict)  # DenoiserConfig changes (ablation switches)
    loss: dict = field(default_factory=dict)  # LossWeights changes
    needs: str = ""
    start: str = ""

    @property
    def stage(self) -> str:
        """"start" for the deterministic members (trained from scratch, ``Budget.start_epochs``),
        "diffusion" for the others (``Budget.epochs``, on top of their start)."""
        return "start" if self.method in DETERMINISTIC else "diffusion"


_NO_HIERARCHY = {"hierarchical_embedding": False, "hrst": False, "hrtt": False}
_BONES_OUT = {"disentangled_output": True}

VARIANTS = {
    # the starts: the regression member with each backbone the diffusion variants use, and the MLP baseline
    "regression": Variant("regression"),
    "regression, bones out": Variant("regression", _BONES_OUT),
    "regression, no hierarchy": Variant("regression", _NO_HIERARCHY),
    "regression, + hierarchical embedding": Variant("regression", {"hrst": False, "hrtt": False}),
    "regression, + HRST": Variant("regression", {"hrtt": False}),
    "baseline": Variant("baseline"),
    # the diffusion members and the ablations, each started from the regression run of its backbone
    "ddhpose": Variant(start="regression"),
    "joints": Variant("joints", start="regression"),
    "joints, bones out": Variant("joints", _BONES_OUT, start="regression, bones out"),
    "bones out": Variant(model=_BONES_OUT, start="regression, bones out"),
    "no hierarchy": Variant(model=_NO_HIERARCHY, start="regression, no hierarchy"),
    "+ hierarchical embedding": Variant(model={"hrst": False, "hrtt": False},
                                        start="regression, + hierarchical embedding"),
    "+ HRST": Variant(model={"hrtt": False}, start="regression, + HRST"),
    "pose loss only": Variant(loss={"length": 0.0, "direction": 0.0}, start="regression"),
    "refine": Variant("refine", needs="regression", start="regression"),
    "gmm": Variant("gmm", start="regression"),
}
"""Every configuration the tables and the family need; "ddhpose" is the full model and the
reference of every comparison. A diffusion variant starts from the regression run with its own
switches, not from the plain one: a backbone trained with HRST would carry HRST into the row
without it, and the bones-out head has no regression counterpart to copy."""

TABLES = {
    "Table 4": [("input joints / output joints", "joints", 40.23), ("input joints / output bones", "joints, bones out", 41.72),
                ("input bones / output joints", "ddhpose", 39.65), ("input bones / output bones", "bones out", 40.48)],
    "Table 5": [("baseline", "no hierarchy", 40.10), ("+ hierarchical embedding", "+ hierarchical embedding", 40.08),
                ("+ HRST", "+ HRST", 39.68), ("+ HRTT (DDHPose)", "ddhpose", 39.65)],
    "Table 6": [("pose loss only", "pose loss only", 39.87), ("+ disentanglement loss (DDHPose)", "ddhpose", 39.65)],
}
"""(row label, variant, the paper's MPJPE on Human3.6M in mm). Table 4: disentangled input /
output; Table 5: the hierarchical components added one by one (its "baseline" row is our variant
"no hierarchy", not the MLP baseline); Table 6: the loss."""

FAMILY_ROWS = ("baseline", "regression", "joints", "ddhpose", "refine", "gmm")
V1_FAMILY_ROWS = ("regression", "joints", "ddhpose", "refine", "gmm")
"""The family rows of a version-1 file (whose "baseline" is Table 5's row, not the MLP)."""

PAPER_FAMILY = {"regression": "MixSTE, Table 1", "joints": "D3DP, Table 1", "gmm": "DiffPose, Table 2"}
"""Family members the paper reports DDHPose ahead of on Human3.6M (where it does): the paper's
direction for "variant minus DDHPose" is positive. The MLP baseline and the refinement have no
row there."""

FIGURE_VARIANTS = ("joints", "ddhpose")
"""Runs that store a few captured test frames' poses for a Fig. 6 analogue (the paper's Fig. 6:
joint-space diffusion against DDHPose on the same frames)."""


@dataclass(frozen=True)
class Budget:
    """How big every run is, with the recipe of docs/recipe.md: one-cycle lr stepped per batch,
    a fresh draw of the training population every epoch, ``batch_size`` clips a step. The starts
    (regression runs, the MLP baseline) train ``start_epochs`` at ``start_lr``; every diffusion
    variant then trains ``epochs`` at ``lr`` from its start, with a share ``large_t`` of its clips
    at t >= 0.9 T. ``model`` is the DenoiserConfig before the variant's switches."""

    model: dict
    epochs: int
    start_epochs: int
    batch_size: int
    lr: float
    start_lr: float
    large_t: float
    train_frames: int
    val_frames: int
    test_frames: int  # per test split, H = K = 1
    multi_frames: int  # per test split, H = K = 5 (family members only)
    lift_frames: int  # the clip timed for seconds per lift
    figure_frames: int  # captured test frames whose poses FIGURE_VARIANTS store
    seeds: tuple[int, ...]
    stride: int = 0  # training windows every ``stride`` frames; 0: half the window

    def train_config(self, variant: Variant, seed: int, start_checkpoint: str = "",
                     base_checkpoint: str = "") -> TrainConfig:
        """The run of ``variant`` with ``seed``: ``start_checkpoint`` (its start's last.pt) for a
        diffusion variant, ``base_checkpoint`` for the refinement's base."""
        start = variant.stage == "start"
        if bool(start_checkpoint) == start:
            raise ValueError(f"expected a start checkpoint for a diffusion variant and none for a start, got "
                             f"{start_checkpoint!r} for method {variant.method!r}")
        base = TrainConfig(model=DenoiserConfig(**{**self.model, **variant.model}), seed=seed, data="mix",
                           epochs=self.start_epochs if start else self.epochs, batch_size=self.batch_size,
                           lr=self.start_lr if start else self.lr, lr_schedule="onecycle", fresh_data=True,
                           large_t=0.0 if start else self.large_t, init_from=start_checkpoint, stride=self.stride,
                           train_frames=self.train_frames, val_frames=self.val_frames, loss=LossWeights(**variant.loss))
        return family_config(variant.method, base, base_checkpoint=base_checkpoint)


_CPU = PROFILES["cpu"]
_CPU_MODEL = {f.name: getattr(_CPU.model, f.name) for f in dataclasses.fields(DenoiserConfig)
              if f.name in ("frames", "width", "depth", "heads")
              or (f.name != "skeleton" and getattr(_CPU.model, f.name) != getattr(DenoiserConfig(), f.name))}
"""The ``cpu`` profile's model: its size and every option that differs from ``DenoiserConfig()``."""
START_LR = 1e-3
"""The regression stage's peak learning rate (tools/train_checkpoint.py, docs/recipe.md R1)."""
_RECIPE = dict(model=_CPU_MODEL, batch_size=_CPU.batch_size, lr=_CPU.lr, start_lr=START_LR, large_t=_CPU.large_t,
               stride=_CPU.stride, lift_frames=243, figure_frames=6, seeds=(0, 1, 2))

BUDGETS = {
    "recipe": Budget(**_RECIPE, epochs=4, start_epochs=8, train_frames=100_000, val_frames=5_000, test_frames=5_000,
                     multi_frames=1_000),
    "pilot": Budget(**_RECIPE, epochs=4, start_epochs=8, train_frames=10_000, val_frames=2_000, test_frames=3_000,
                    multi_frames=600),
    "quick": Budget(model=dict(frames=9, width=16, depth=2, heads=2), epochs=1, start_epochs=1, batch_size=8,
                    lr=2e-3, start_lr=2e-3, large_t=0.2, train_frames=300, val_frames=40, test_frames=60,
                    multi_frames=18, lift_frames=18, figure_frames=3, seeds=(0, 1, 2)),
}
"""``recipe``: the ``cpu`` profile's model and recipe options (its lr, batch, ``large_t``, window
stride), with tools/train_checkpoint.py's two stages: the starts 8 epochs at lr 1e-3, then every
diffusion variant 4 epochs; 100,000 fresh frames an epoch, 3 seeds. ``pilot``: the same at a
tenth of the frames, to size the recipe run (``--train-frames``, ``--epochs``, ``--start-epochs``
resize any budget). ``quick``: the ``tiny`` model, a check that everything runs (under a minute)."""
