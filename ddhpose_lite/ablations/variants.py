"""What the ablations compare, as data: each variant (a model configuration and its training),
the paper's tables as lists of variants with the paper's numbers, the family's rows, the budgets
(how much data, how many steps and seeds), and where the results live (``RESULTS``, ``SCHEMA``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model import DenoiserConfig
from ..train import LossWeights, TrainConfig, family_config

__all__ = ["Variant", "VARIANTS", "TABLES", "FAMILY_ROWS", "Budget", "BUDGETS", "RESULTS", "SCHEMA", "SPLITS"]

SCHEMA = "ddhpose_lite/ablations/1"
RESULTS = Path(__file__).resolve().parents[1] / "assets" / "ablations.json"
"""The shipped results (``python -m ddhpose_lite.ablations`` rewrites it)."""
SPLITS = ("procedural", "captured")


@dataclass(frozen=True)
class Variant:
    """One trained configuration: a family member with model switches and loss weights."""

    method: str = "ddhpose"
    model: dict = field(default_factory=dict)  # DenoiserConfig changes (ablation switches)
    loss: dict = field(default_factory=dict)  # LossWeights changes
    needs: str = ""  # the variant whose checkpoint it builds on (refinement: its regression base)


VARIANTS = {
    "ddhpose": Variant(),
    "joints": Variant("joints"),
    "joints, bones out": Variant("joints", {"disentangled_output": True}),
    "bones out": Variant(model={"disentangled_output": True}),
    "baseline": Variant(model={"hierarchical_embedding": False, "hrst": False, "hrtt": False}),
    "+ hierarchical embedding": Variant(model={"hrst": False, "hrtt": False}),
    "+ HRST": Variant(model={"hrtt": False}),
    "pose loss only": Variant(loss={"length": 0.0, "direction": 0.0}),
    "regression": Variant("regression"),
    "refine": Variant("refine", needs="regression"),
    "gmm": Variant("gmm"),
}
"""Every configuration the tables need; "ddhpose" is the full model and appears in every table."""

TABLES = {
    "Table 4": [("input joints / output joints", "joints", 40.23), ("input joints / output bones", "joints, bones out", 41.72),
                ("input bones / output joints", "ddhpose", 39.65), ("input bones / output bones", "bones out", 40.48)],
    "Table 5": [("baseline", "baseline", 40.10), ("+ hierarchical embedding", "+ hierarchical embedding", 40.08),
                ("+ HRST", "+ HRST", 39.68), ("+ HRTT (DDHPose)", "ddhpose", 39.65)],
    "Table 6": [("pose loss only", "pose loss only", 39.87), ("+ disentanglement loss (DDHPose)", "ddhpose", 39.65)],
}
"""(row label, variant, the paper's MPJPE on Human3.6M in mm). Table 4: disentangled input /
output; Table 5: the hierarchical components added one by one; Table 6: the loss."""

FAMILY_ROWS = ("regression", "joints", "ddhpose", "refine", "gmm")


@dataclass(frozen=True)
class Budget:
    """How big every run is. ``model`` is the DenoiserConfig before the variant's switches."""

    model: dict
    epochs: int
    batch_size: int
    lr: float
    lr_decay: float
    train_frames: int
    val_frames: int
    test_frames: int  # per test split, H = K = 1
    multi_frames: int  # per test split, H = K = 5 (family members only)
    lift_frames: int  # the clip timed for seconds per lift
    seeds: tuple[int, ...]

    def train_config(self, variant: Variant, seed: int, base_checkpoint: str = "") -> TrainConfig:
        base = TrainConfig(model=DenoiserConfig(**{**self.model, **variant.model}), epochs=self.epochs,
                           batch_size=self.batch_size, lr=self.lr, lr_decay=self.lr_decay, seed=seed, data="mix",
                           train_frames=self.train_frames, val_frames=self.val_frames,
                           loss=LossWeights(**variant.loss))
        return family_config(variant.method, base, base_checkpoint=base_checkpoint)


BUDGETS = {
    "shared": Budget(model=dict(frames=27, width=64, depth=4, heads=4), epochs=4, batch_size=16, lr=1e-3,
                     lr_decay=0.85, train_frames=2_500, val_frames=300, test_frames=600, multi_frames=150,
                     lift_frames=81, seeds=(0, 1)),
    "full": Budget(model=dict(frames=27, width=64, depth=4, heads=4), epochs=6, batch_size=16, lr=1e-3,
                   lr_decay=0.85, train_frames=20_000, val_frames=1_500, test_frames=3_000, multi_frames=1_000,
                   lift_frames=243, seeds=(0, 1, 2)),
    "quick": Budget(model=dict(frames=9, width=16, depth=2, heads=2), epochs=1, batch_size=8, lr=2e-3,
                    lr_decay=0.9, train_frames=400, val_frames=60, test_frames=60, multi_frames=27,
                    lift_frames=27, seeds=(0, 1)),
}
"""``shared`` (the default, and the shipped results): the ``cpu`` profile's model (width 64,
depth 4, 27 frames) for 4 epochs of 2,500 mixed frames, 2 seeds; the shipped file records how
long it took (``runtime_seconds``) on two cores shared with other work. ``full``: the same model
for 6 epochs of 20,000 frames, 3 seeds (about 12 times the training; not measured). ``quick``: the
``tiny`` model, a check that everything runs."""
