"""The paper's ablations and the pose-diffusion family, at a scale a laptop can run.

    python -m ddhpose_lite.ablations --jobs 2         # the shipped results (the ``shared`` budget); resumable
    python -m ddhpose_lite.ablations --quick          # minutes: the same tables from a toy budget, a check
    python -m ddhpose_lite.ablations --budget full --jobs 2 --work runs/ablations_full   # more data, 3 seeds

The command line: runs a budget (``runner``), writes the results JSON and the Markdown report
(``results.markdown_report``) and prints the report.
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
from .variants import BUDGETS, RESULTS, VARIANTS

__all__ = ["main"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ddhpose_lite.ablations", description=__doc__.splitlines()[0],
                                     epilog="examples:\n" + __doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the toy budget (about a minute)")
    parser.add_argument("--budget", choices=sorted(BUDGETS), help="a named budget (default: shared; --quick = quick)")
    parser.add_argument("--work", default=None, help="folder for checkpoints and per-run results (resumable); "
                                                     "default: runs/ablations_<budget>")
    parser.add_argument("--out", default=None, help="results JSON (default: the shipped file for the shared "
                                                    "budget, WORK/ablations.json for the others)")
    parser.add_argument("--markdown", default=None, help="Markdown report (default: next to --out, .md)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (one thread each)")
    parser.add_argument("--seeds", type=int, nargs="+", help="override the budget's seeds (at least 2)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), metavar="VARIANT",
                        help="only these variants (tables that need others are left out)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    name = args.budget or ("quick" if args.quick else "shared")
    budget = BUDGETS[name]
    if args.seeds:
        if len(args.seeds) < 2:
            parser.error("--seeds needs at least 2 seeds for a spread")
        budget = dataclasses.replace(budget, seeds=tuple(args.seeds))
    work = Path(args.work or f"runs/ablations_{name}")
    out = Path(args.out) if args.out else (RESULTS if name == "shared" else work / "ablations.json")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.jobs == 1:
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    variants = list(args.variants) if args.variants else None
    if variants:  # what the chosen ones build on runs too
        variants += [VARIANTS[v].needs for v in variants if VARIANTS[v].needs and VARIANTS[v].needs not in variants]
    with user_errors_exit(parser.prog):  # a bad input (e.g. a broken checkpoint in WORK): one line, status 2
        results = run_ablations(budget, work, args.jobs, variants, budget_name=name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    report = markdown_report(results)
    (Path(args.markdown) if args.markdown else out.with_suffix(".md")).write_text(report + "\n")
    print(report)
    print(f"\nwrote {out} ({results['runtime_seconds'] / 60:.1f} min)")
