"""Mutation testing of one core module with mutmut 3 (the measure of issue 28; not run in CI).

    python tools/mutation.py bones                 # mutate ddhpose_lite/bones.py, run the tests that cover it
    python tools/mutation.py diffusion --jobs 2    # two mutants at a time
    python tools/mutation.py metrics --tests tests/test_metrics.py
    python tools/mutation.py bones --survivors     # also print the diff of every surviving mutant

mutmut (``pip install -e .[dev]``) copies the package and the tests into build/mutation/MODULE/,
plants each mutant there (an operator, a constant, a keyword swapped) and runs only the tests
listed for the module below (``--tests`` to choose others), so a module takes minutes on two cores;
the working tree is never touched. The process runs at nice 19 with one thread per test run.
Prints killed / survived / timed out / suspicious / no tests and the score, killed / (all - no tests),
and writes them to build/mutation/MODULE.json. Inspect a survivor with
``cd build/mutation/MODULE && mutmut show NAME``. Scores and the equivalent mutants judged so far:
docs/testing.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TESTS = {
    "bones": ["tests/test_bones.py"],
    "diffusion": ["tests/test_diffusion.py", "tests/test_reference_core.py",
                  # the shifted forward process and its DDIM step (q_sample_shifted, ddim_step_shifted, a
                  # shifted start of ddim_sample): their references, without the family's training runs
                  *(f"tests/test_family.py::{name}" for name in (
                      "test_shifted_forward_process_matches_its_definition_by_hand",
                      "test_shifted_forward_process_with_a_standard_start_is_the_plain_one",
                      "test_shifted_ddim_step_by_hand", "test_shifted_process_refuses_bad_scale_and_shapes",
                      "test_gmm_start_follows_the_fitted_mixture_not_a_standard_normal",
                      "test_refinement_start_is_the_base_estimate_plus_the_residual_gaussian"))],
    "sampling": ["tests/test_sampling.py", "tests/test_reference_core.py"],
    "objective": ["tests/test_training.py", "tests/test_reference_core.py"],
    "metrics": ["tests/test_metrics.py", "tests/test_evaluate.py"],
    "model": ["tests/test_model.py", "tests/test_official_options.py"],
    "camera": ["tests/test_camera.py"],
    "keypoints": ["tests/test_keypoints.py"],
}
"""The tests that cover each core module (its own test file and the references that exercise it)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("module", help=f"a module of ddhpose_lite, e.g. one of {', '.join(TESTS)}")
    parser.add_argument("--tests", nargs="+", help="test files to run (default: the module's entry in TESTS)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at a time (default 1)")
    parser.add_argument("--survivors", action="store_true", help="print the diff of every surviving mutant")
    args = parser.parse_args(argv)
    source = ROOT / "ddhpose_lite" / f"{args.module}.py"
    if not source.is_file():
        parser.error(f"expected a module of ddhpose_lite, got {args.module!r} (no {source.relative_to(ROOT)})")
    tests = args.tests or TESTS.get(args.module)
    if not tests:
        parser.error(f"no tests listed for {args.module!r}: pass --tests FILE [FILE ...]")
    if shutil.which("mutmut", path=str(Path(sys.executable).parent)) is None and shutil.which("mutmut") is None:
        parser.error("expected mutmut 3 (pip install -e .[dev]), got none")

    work = ROOT / "build" / "mutation" / args.module
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "ddhpose_lite", work / "ddhpose_lite", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    (work / "pyproject.toml").write_text(_pyproject(args.module, tests))

    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    mutmut = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    nice = (lambda: os.nice(19)) if hasattr(os, "nice") else None
    run = subprocess.run([mutmut, "run", "--max-children", str(args.jobs)], cwd=work, env=env, preexec_fn=nice)
    subprocess.run([mutmut, "export-cicd-stats"], cwd=work, env=env, check=True, capture_output=True,
                   preexec_fn=nice)
    stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text())
    scored = stats["total"] - stats.get("no_tests", 0)
    stats["score"] = round(100 * stats["killed"] / scored, 1) if scored else None
    stats["tests"] = tests
    (work.parent / f"{args.module}.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(f"\n{args.module}: {stats['killed']} killed of {scored} mutants reached by the tests "
          f"({stats['score']} %); survived {stats['survived']}, timed out {stats.get('timeout', 0)}, "
          f"suspicious {stats.get('suspicious', 0)}, no tests {stats.get('no_tests', 0)}")
    if args.survivors:
        listing = subprocess.run([mutmut, "results"], cwd=work, env=env, capture_output=True, text=True)
        for line in listing.stdout.splitlines():
            name = line.strip().split(":")[0]
            if name and "survived" in line:
                shown = subprocess.run([mutmut, "show", name], cwd=work, env=env, capture_output=True, text=True)
                print(shown.stdout)
    return run.returncode


def _pyproject(module: str, tests: list[str]) -> str:
    """The copy's configuration: mutate only ``module``, run only ``tests`` (quietly, stopping at the first
    failure, without pytest's cache)."""
    selection = ", ".join(json.dumps(t) for t in tests)
    return f"""[tool.mutmut]
source_paths = ["ddhpose_lite/"]
only_mutate = ["ddhpose_lite/{module}.py"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]
pytest_add_cli_args_test_selection = [{selection}]
use_git_change_detection = false

[tool.pytest.ini_options]
addopts = ""
"""


if __name__ == "__main__":
    sys.exit(main())
