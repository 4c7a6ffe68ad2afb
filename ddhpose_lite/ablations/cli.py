"""The paper's ablations and the pose-diffusion family, at a scale a laptop can run.

    python -m ddhpose_lite.ablations --quick          # under a minute: every run of a toy budget, a check
    python -m ddhpose_lite.ablations --budget pilot --jobs 2    # a tenth of the recipe's frames, to size it
    python -m ddhpose_lite.ablations --budget recipe --jobs 2 --out ddhpose_lite/assets/ablations.json

The command line: runs a budget (``runner``; every finished run is kept under --work and not
trained again, an interrupted one continues from its last epoch), writes the results JSON and the
Markdown report (``results.markdown_report``) and prints the report. ``--train-frames``,
``--epochs`` and ``--start-epochs`` resize any budget (use another --work for another size).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
from pathlib import Path

import torch

from ..errors import user_errors_exit
from .results import markdown_report
from .runner import run_ablations
from .variants import BUDGETS, VARIANTS

__all__ = ["main"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ddhpose_lite.ablations", description=__doc__.splitlines()[0],
                                     epilog="examples:\n" + __doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the toy budget (under a minute)")
    parser.add_argument("--budget", choices=sorted(BUDGETS), help="a named budget (default: recipe; --quick = quick)")
    parser.add_argument("--work", default=None, help="folder for checkpoints and per-run results (resumable); "
                                                     "default: runs/ablations_<budget>")
    parser.add_argument("--out", default=None, help="results JSON (default: WORK/ablations.json; the shipped file "
                                                    "is ddhpose_lite/assets/ablations.json)")
    parser.add_argument("--markdown", default=None, help="Markdown report (default: next to --out, .md)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (one thread each)")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the budget's seeds (at least 2)")
    for option, help_text in (("train-frames", "fresh training frames per epoch"),
                              ("epochs", "epochs of every diffusion variant, on top of its start"),
                              ("start-epochs", "epochs of the starts (the regression runs, the MLP baseline)")):
        parser.add_argument(f"--{option}", type=int, help=f"override the budget's {help_text}")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), metavar="VARIANT",
                        help="only these variants (tables that need others are left out)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    name = args.budget or ("quick" if args.quick else "recipe")
    budget = BUDGETS[name]
    if args.seeds:
        if len(args.seeds) < 2:
            parser.error(f"--seeds needs at least 2 seeds for a spread, got {args.seeds}")
        budget = dataclasses.replace(budget, seeds=tuple(args.seeds))
    sizes = {key: getattr(args, key) for key in ("train_frames", "epochs", "start_epochs")}
    for key, value in sizes.items():
        if value is not None and value < 1:
            parser.error(f"--{key.replace('_', '-')} must be >= 1, got {value}")
    budget = dataclasses.replace(budget, **{k: v for k, v in sizes.items() if v is not None})
    work = Path(args.work or f"runs/ablations_{name}")
    out = Path(args.out) if args.out else work / "ablations.json"
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.jobs == 1 and "OMP_NUM_THREADS" not in os.environ:  # a thread count set by the caller wins
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    variants = list(args.variants) if args.variants else None  # with what they build on (runner.waves)
    with user_errors_exit(parser.prog):  # a bad input (e.g. a broken checkpoint in WORK): one line, status 2
        results = run_ablations(budget, work, args.jobs, variants, budget_name=name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    report = markdown_report(results)
    (Path(args.markdown) if args.markdown else out.with_suffix(".md")).write_text(report + "\n")
    print(report)
    print(f"\nwrote {out} ({results['runtime_seconds'] / 60:.1f} min)")
