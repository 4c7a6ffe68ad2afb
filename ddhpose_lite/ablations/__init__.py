"""The paper's ablations and the pose-diffusion family, at a scale a laptop can run.

Reproduces the STRUCTURE of Table 4 (disentangled input / output), Table 5 (hierarchical
embedding, HRST, HRTT), Table 6 (the disentanglement loss), Fig. 4 (left: the training loss per
epoch, stored beside the validation error), Fig. 4 (right) and Fig. 1 (right) (the error by
hierarchy level, both test splits), a Fig. 6 analogue (a few captured test frames lifted by the
joint-space member and DDHPose, with the truth) and the family side by side (``train.FAMILY``,
the MLP baseline included).

Every run follows the training recipe of docs/recipe.md (the ``recipe`` budget): one-cycle
learning rate per step, a fresh draw of the training population (``embedded_sequences("mix",
"train", ...)``) every epoch, batch 32. The deterministic members (the regression member, the
MLP baseline) train from scratch; every diffusion variant then starts from the same seed's
regression run with its own backbone switches (``TrainConfig.init_from``: x̂₀ starts as the
regression answer) and trains with half of its clips at t >= 0.9 T. Each variant runs with
3 seeds and is evaluated on the procedural test split and the captured test subjects; table rows
are MPJPE at H = K = 1 (P-Agg, test-time flip), the family table adds H = K = 5 (P-Agg, J-Best),
the hypotheses' spread and the seconds per lift.

Synthetic and captured data at a small scale are not Human3.6M: the paper's numbers are shown
beside ours for the direction of each comparison, not as targets. ``paired`` takes the per-seed
differences to DDHPose (same seed, so the offset all variants of a seed share cancels) and calls
one resolved by ``RESOLVED_RULE``; ``findings`` writes the sentences a reader is told from them
(what is resolved, what is not, what goes against the paper's direction), so text and numbers
cannot drift apart.

Results are a JSON file (``RESULTS``, shipped so lesson 07 loads instantly; ``SCHEMA`` version 2,
and ``load_results`` still reads the version-1 file of the earlier ``shared`` budget) and a
Markdown report (``markdown_report``). Each finished run is saved under ``--work``, and each
epoch's checkpoint, so an interrupted run resumes where it stopped and a rerun trains nothing::

    python -m ddhpose_lite.ablations --quick                       # every run of a toy budget, < 1 min
    python -m ddhpose_lite.ablations --budget pilot --jobs 2       # a tenth of the recipe's frames
    nice -n 10 python -m ddhpose_lite.ablations --budget recipe --jobs 2 \\
        --work runs/ablations_recipe --out ddhpose_lite/assets/ablations.json   # the full run (docs/ablations.md)

One module per concept: ``variants`` (what is compared, the budgets), ``runner`` (training and
evaluating the runs), ``results`` (reading, pairing, the findings, the report), ``cli``.
Everything public is importable from ``ddhpose_lite.ablations`` directly.
"""
from .variants import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
from .results import *  # noqa: F401,F403
from .cli import *  # noqa: F401,F403

__all__ = ["Variant", "VARIANTS", "TABLES", "FAMILY_ROWS", "V1_FAMILY_ROWS", "PAPER_FAMILY", "FIGURE_VARIANTS",
           "Budget", "BUDGETS", "RESULTS", "SCHEMA", "SCHEMA_V1", "SPLITS", "run_variant", "run_ablations", "run_folder",
           "waves", "load_results", "check_results", "table_rows", "compare", "comparisons", "verdicts", "family_rows",
           "family_members", "learning_curves", "training_curves", "level_errors", "figure_poses", "RESOLVED_RULE",
           "resolved", "paired", "paired_comparisons", "findings", "markdown_report", "main"]
