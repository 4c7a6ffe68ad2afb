"""Training set-ups as data: ``TrainConfig`` (everything a run needs, stored in every
checkpoint), the named ``PROFILES`` and the pose-diffusion ``FAMILY`` (``family_config``)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .datasets import DATA_SOURCES
from .errors import UserInputError
from .model import DenoiserConfig
from .objective import LossWeights
from .starts import METHODS, NOISY_INPUT

__all__ = ["TrainConfig", "PROFILES", "FAMILY", "Member", "family_config", "baseline_model", "AMP_MODES", "DATA",
           "LR_SCHEDULES", "EvalSetup", "TEST_TIME"]


AMP_MODES = ("auto", "bf16", "fp16", "off")
LR_SCHEDULES = ("exponential", "onecycle")
DATA = DATA_SOURCES + ("h36m", "3dhp")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run needs; stored in every checkpoint. Paper: AdamW, lr 1e-4, x0.993 per epoch."""

    model: DenoiserConfig = field(default_factory=DenoiserConfig)
    epochs: int = 10
    batch_size: int = 8
    lr: float = 1e-4
    lr_decay: float = 0.993
    weight_decay: float = 0.1  # AdamW's, as the official code
    grad_clip: float = 0.0  # 0: off (the paper does not clip)
    loss: LossWeights = field(default_factory=LossWeights)
    timesteps: int = 1000
    flip: bool = True  # mirror half of the clips (x -> -x, left/right swapped)
    flip_both: bool = False  # with flip: every window twice an epoch, as it is and mirrored (official), not at random
    amp: str = "auto"  # mixed precision: "auto", "bf16", "fp16" or "off" (``resolve_amp``)
    seed: int = 0
    data: str = "mix"  # "synthetic", "mocap", "mix" (embedded) or "h36m", "3dhp" (files; data/README.md)
    train_frames: int = 50_000  # embedded data
    val_frames: int = 5_000
    noise_2d: float = 3.0  # px, detector-like
    outliers: float = 0.002
    hip_jitter: float = 0.0  # metres: 2D hips moved as a detector's (``datasets.film``; ours, docs/recipe.md)
    speed_jitter: float = 0.0  # captured clips played at a speed in [1 - S, 1 + S] (``datasets.mocap_sequences``)
    holdout: bool = False  # recipe experiments: train without ``mocap.HOLDOUT_SUBJECTS`` (data split "fit")
    stride: int = 0  # window stride; 0: frames // 2
    method: str = "ddhpose"  # a member of the family (FAMILY); checkpoints without one are DDHPose
    base_checkpoint: str = ""  # "refine": the regression checkpoint it refines
    gmm_components: int = 5  # "gmm": mixture components (DiffPose uses 5)
    # the recipe (docs/recipe.md): how the optimisation budget is spent
    lr_schedule: str = "exponential"  # x lr_decay per epoch (paper), or "onecycle" per step (warm-up, then cosine)
    warmup: float = 0.3  # "onecycle": the fraction of all steps spent warming up
    fresh_data: bool = False  # embedded data: a new draw of train_frames every epoch instead of the same frames
    large_t: float = 0.0  # the fraction of clips trained at t >= 0.9 T (objective.draw_timesteps); 0: uniform t
    init_from: str = ""  # a checkpoint (regression member, same backbone) whose weights the model starts from

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "timesteps", "train_frames", "val_frames"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UserInputError(f"expected {name} as an int >= 1, got {value!r}")
        if not self.lr > 0 or not 0 < self.lr_decay <= 1:
            raise UserInputError(f"expected lr > 0 and lr_decay in (0, 1], got {self.lr} and {self.lr_decay}")
        if self.amp not in AMP_MODES:
            raise UserInputError(f"expected amp as one of {AMP_MODES}, got {self.amp!r}")
        if self.data not in DATA:
            raise UserInputError(f"expected data as one of {DATA}, got {self.data!r}")
        if self.method not in METHODS:
            raise UserInputError(f"expected method as one of {METHODS}, got {self.method!r}")
        if self.model.noisy_input != NOISY_INPUT[self.method]:
            raise UserInputError(f"expected model.noisy_input={NOISY_INPUT[self.method]!r} for method {self.method!r}, "
                                 f"got {self.model.noisy_input!r} (family_config sets it)")
        if self.method == "refine" and not self.base_checkpoint:
            raise UserInputError("expected base_checkpoint (a regression checkpoint) for method 'refine', got none")
        if self.lr_schedule not in LR_SCHEDULES:
            raise UserInputError(f"expected lr_schedule as one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if not 0 < self.warmup < 1:
            raise UserInputError(f"expected warmup in (0, 1), got {self.warmup!r}")
        if not 0 <= self.large_t <= 1:
            raise UserInputError(f"expected large_t in [0, 1], got {self.large_t!r}")
        if not 0 <= self.hip_jitter < 0.5:
            raise UserInputError(f"expected hip_jitter in metres in [0, 0.5), got {self.hip_jitter!r}")
        if not 0 <= self.speed_jitter < 0.9:
            raise UserInputError(f"expected speed_jitter in [0, 0.9), got {self.speed_jitter!r}")
        if (self.speed_jitter or self.holdout) and self.data not in ("mocap", "mix"):
            raise UserInputError(f"expected data 'mocap' or 'mix' (captured clips) for speed_jitter and holdout, "
                                 f"got {self.data!r}")
        if self.fresh_data and self.data not in DATA_SOURCES:
            raise UserInputError(f"expected embedded data {DATA_SOURCES} for fresh_data (files have a fixed size), "
                                 f"got {self.data!r}")
        if self.flip_both and not self.flip:
            raise UserInputError("expected flip=True with flip_both (every window as it is and mirrored), "
                                 "got flip=False")
        if not isinstance(self.gmm_components, int) or self.gmm_components < 1:
            raise UserInputError(f"expected gmm_components as an int >= 1, got {self.gmm_components!r}")

    def to_dict(self) -> dict:
        """Plain data for checkpoints (the model config with its skeleton)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["model"] = self.model.to_dict()
        out["loss"] = dataclasses.asdict(self.loss)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """The inverse of ``to_dict``. Older checkpoints: ``amp`` True/False means "auto"/"off",
        no ``data`` means the synthetic data they were trained on."""
        data = {"data": "synthetic", **data}
        if isinstance(data.get("amp"), bool):
            data["amp"] = "auto" if data["amp"] else "off"
        data["model"] = DenoiserConfig.from_dict(data["model"])
        data["loss"] = LossWeights.from_dict(data["loss"])
        return cls(**data)


_OURS = DenoiserConfig(frames=27, width=64, depth=4, heads=4, relative_2d=True, whole_pose_2d=True)

PROFILES = {
    # seconds: for tests and CI
    "tiny": TrainConfig(model=DenoiserConfig(frames=9, width=16, depth=2, heads=2), epochs=2, batch_size=8,
                        lr=2e-3, lr_decay=0.9, train_frames=2_000, val_frames=500),
    # a useful model on two CPU cores: the shipped DDHPose, started from the regression member trained with the
    # same recipe (tools/train_checkpoint.py runs both stages; docs/recipe.md says why, experiment by experiment)
    "cpu": TrainConfig(model=_OURS, epochs=16, batch_size=32, lr=5e-4, lr_decay=0.9, train_frames=200_000,
                       val_frames=5_000, lr_schedule="onecycle", fresh_data=True, large_t=0.5, stride=27),
    # one consumer / Colab GPU in about an hour: our choices (bf16/fp16 autocast, gradient clipping)
    "gpu": TrainConfig(model=DenoiserConfig(frames=81, width=256, depth=6, heads=8, drop_path=0.1), epochs=60,
                       batch_size=32, lr=2e-4, lr_decay=0.97, grad_clip=1.0, train_frames=300_000,
                       val_frames=20_000),
    # the paper and the official code: 243 frames, width 512, depth 8, 8 heads, AdamW lr 1e-4 (weight decay 0.1)
    # x0.993 per epoch, 400 epochs, batch 4, fp32, no gradient clipping, the official loss and ±1.1 clamps; the
    # official data and initialisation: non-overlapping 243-frame windows, each seen as it is and mirrored every
    # epoch, PyTorch's default initialisation with zero embeddings, drop path per (clip, joint) in temporal blocks.
    # Test time: TEST_TIME["paper"]. docs/design.md lists what still differs
    "paper": TrainConfig(model=DenoiserConfig(frames=243, width=512, depth=8, heads=8, drop_path=0.1, clip=1.1,
                                              init="official", drop_path_per="sequence"),
                         epochs=400, batch_size=4, lr=1e-4, lr_decay=0.993, weight_decay=0.1, grad_clip=0.0,
                         amp="off", loss=LossWeights(form="official"), data="h36m", stride=243, flip_both=True),
}
"""Named training set-ups: ``python -m ddhpose_lite.train --profile NAME``."""


@dataclass(frozen=True)
class EvalSetup:
    """How a profile's models are evaluated: H hypotheses, K DDIM iterations, the windows."""

    hypotheses: int
    iterations: int
    windows: str = "chunks"  # the official back-to-back chunks (``Lifter.lift(windows=...)``)


TEST_TIME = {"paper": {"h36m": EvalSetup(20, 10), "3dhp": EvalSetup(5, 5)}}
"""profile -> dataset -> its test-time set-up (``python -m ddhpose_lite.evaluate --profile paper``):
the official README's H = 20, K = 10 for Human3.6M (Table 1's last rows) and H = K = 5 for
MPI-INF-3DHP. Table 3 and Table 1's first rows are H = K = 1 (``--hypotheses 1 --iterations 1``)."""


@dataclass(frozen=True)
class Member:
    """One member of the pose-diffusion family: what it follows and what we simplified."""

    method: str
    follows: str
    simplified: str


FAMILY = {
    "regression": Member(
        "regression", "MixSTE (Zhang et al. CVPR 2022): seq2seq regression from 2D, no diffusion",
        "the same backbone as DDHPose (HSP/TP embeddings, HRST, HRTT) and the same loss, one forward pass "
        "from the 2D alone (no noisy input, no timestep embedding); MixSTE has neither HRST nor HRTT"),
    "joints": Member(
        "joints", "D3DP (Shan et al. ICCV 2023) / Diff3DHPE: diffusion on root-relative 3D joints",
        "the DDHPose denoiser with a noisy joint per token instead of a noisy bone, x̂_0 regression, the same "
        "DDIM multi-hypothesis inference; D3DP's denoiser is MixSTE. The non-disentangled row of Table 4"),
    "ddhpose": Member(
        "ddhpose", "DDHPose (Cai et al. AAAI 2024): disentangled bones, HRST + HRTT, disentanglement loss",
        "the small sizes of the profiles; docs/design.md lists every departure"),
    "refine": Member(
        "refine", "D3PRefiner style: refine a base estimator's output by diffusion from its error distribution",
        "base = our regression member; residual r = y - ŷ_base ~ N(W [2D, 1], diag σ²) fitted by least squares "
        "(starts.ResidualGaussian); start N(ŷ_base + W [2D, 1], σ²) with the shifted forward process "
        "(diffusion.q_sample_shifted) towards a simulated start in training; the network does not see ŷ_base "
        "apart from x_t"),
    "baseline": Member(
        "baseline", "Martinez et al. (ICCV 2017), 'A simple yet effective baseline': a single-frame MLP from 2D",
        "8x the profile's width (512 for cpu; Martinez et al. use 1024), 2 residual blocks of linear + batch norm + ReLU + dropout, the "
        "2D as it comes (batch norm instead of input standardisation), one frame per clip, the family's loss; "
        "no max-norm constraint (baseline.py)"),
    "gmm": Member(
        "gmm", "DiffPose (Gong et al. CVPR 2023): a Gaussian-mixture start and its GMM-based forward process",
        "one diagonal mixture (5 components, seeded EM) over root-relative training poses, the same for every "
        "input; DiffPose builds the distribution it fits from each input's 2D heatmaps and a depth prior. "
        "Joint-space state and the DDHPose denoiser, components drawn per frame"),
}
"""The family as configurations of one package: ``family_config(method)`` makes a TrainConfig."""


def family_config(method: str, base: TrainConfig | None = None, **changes) -> TrainConfig:
    """``base`` (default: the ``cpu`` profile) as the family member ``method``: the model's
    ``noisy_input`` set to match, then ``changes`` applied (e.g. ``base_checkpoint`` for "refine").

    "baseline" swaps the transformer for the single-frame MLP (``baseline_model``): one frame per
    clip and as many clips per batch as the base has frames per batch."""
    if method not in METHODS:
        raise ValueError(f"expected method as one of {METHODS}, got {method!r}")
    base = PROFILES["cpu"] if base is None else base
    model = dataclasses.replace(changes.pop("model", base.model), noisy_input=NOISY_INPUT[method])
    if method == "baseline" and model.architecture != "mlp":
        changes.setdefault("batch_size", base.batch_size * model.frames)
        model = baseline_model(model)
    return dataclasses.replace(base, method=method, model=model, **changes)


def baseline_model(transformer: DenoiserConfig) -> DenoiserConfig:
    """The MLP baseline beside a transformer config: 8x its width (64 -> 512; Martinez et al. use 1024),
    two residual blocks, one frame, the same skeleton and dropout (the tokens' 2D options do not apply)."""
    return dataclasses.replace(transformer, architecture="mlp", noisy_input="none", frames=1,
                               width=8 * transformer.width, depth=2, heads=1, relative_2d=False,
                               whole_pose_2d=False, whole_pose_hidden=0)
