"""The benchmark scripts run end to end (tiny settings; their figures are not checked here)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_lift_benchmark_runs_and_reports_every_figure():
    out = subprocess.run(
        [sys.executable, "benchmarks/lift_speed.py", "--frames", "30", "--hypotheses", "2", "--iterations", "1",
         "--repeats", "1", "--threads", "1", "--passes"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    for expected in ("GFLOP/s on this machine now", "whole batch:", "default / whole batch =",
                     "flip=True: best", "flip=False: best", "scrubber callback: median"):
        assert expected in out, f"missing {expected!r} in:\n{out}"
