"""The paper's ablations and the pose-diffusion family, at a scale a laptop can run.

Reproduces the STRUCTURE of Table 4 (disentangled input / output), Table 5 (hierarchical
embedding, HRST, HRTT), Table 6 (the disentanglement loss), the learning curves of Fig. 4 (left),
the error by hierarchy level (Fig. 1, right) and the family side by side (``train.FAMILY``):
every variant is trained on the data mix (``embedded_sequences("mix", "train", ...)``, new data
per seed) with several seeds, and evaluated on the procedural test split and the captured test
subjects. Table rows are MPJPE of H = K = 1 (P-Agg, test-time flip); the family table adds
H = K = 5 (P-Agg, J-Best), the hypotheses' spread and the seconds per lift.

Synthetic and captured data at a small scale are not Human3.6M: the paper's numbers are shown
beside ours for the shape of each comparison, not as targets. ``comparisons`` says which
differences are larger than the seed-to-seed spread.

Results are a JSON file (``RESULTS``, shipped so lesson 07 loads instantly; this command
regenerates it) and a Markdown report (``markdown_report``). Each finished run is also saved
under ``--work``, so an interrupted run resumes where it stopped.

Run it with ``python -m ddhpose_lite.ablations`` (``cli``; ``--help`` lists the budgets). One module
per concept: ``variants`` (what is compared, the budgets), ``runner`` (training and evaluating the
runs), ``results`` (reading, comparing, reporting), ``cli``. Everything public is importable from
``ddhpose_lite.ablations`` directly.
"""
from .variants import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
from .results import *  # noqa: F401,F403
from .cli import *  # noqa: F401,F403

__all__ = ["Variant", "VARIANTS", "TABLES", "FAMILY_ROWS", "Budget", "BUDGETS", "RESULTS", "SCHEMA", "run_variant",
           "run_ablations", "load_results", "check_results", "table_rows", "compare", "comparisons", "verdicts", "family_rows",
           "learning_curves", "level_errors", "markdown_report"]
