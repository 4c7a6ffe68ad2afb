"""``ddhpose_lite.doctor()``: what this environment runs the lessons with, and what would break them.

Versions of the package and its dependencies, the device, where notebooks run (JupyterLab,
Colab, a plain script), the plotly renderer and widget support, and the memory available. Known
bad combinations come back as problems (and a warning): interactive figures without anywidget,
Colab without its custom widget manager, too little memory for the lessons. The optional video
extra (lesson 08's detector) is listed, never a problem.

``ddhpose_lite.notebook_setup()`` is what every lesson's setup cell runs after its install line:
on Colab it switches on the custom widget manager, then it returns ``doctor()``'s report.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
import warnings
from dataclasses import dataclass, field

import plotly.io
import torch

__all__ = ["doctor", "notebook_setup", "Report", "PACKAGES", "LESSON_MEMORY"]

PACKAGES = ("ddhpose_lite", "torch", "numpy", "einops", "plotly", "ipywidgets", "anywidget", "jupyterlab",
            "nbval", "jupytext", "h5py", "tqdm")
LESSON_MEMORY = 2 * 2**30
"""The lessons need about this much free memory (lesson 05 trains a model)."""
COLAB_WIDGETS = "DDHPOSE_COLAB_WIDGETS"
"""Set by ``notebook_setup`` (the lessons' setup cell) once it has enabled Colab's custom widget manager."""


@dataclass
class Report:
    """Rows of (what, value) and the problems found; shows itself as a table in notebooks."""

    rows: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.rows)
        lines = [f"{name:<{width}}  {value}" for name, value in self.rows]
        lines += [f"problem: {p}" for p in self.problems] or ["no problems found"]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        table = "| | |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in self.rows)
        found = "\n".join(f"- **problem:** {p}" for p in self.problems) or "No problems found."
        return table + "\n\n" + found


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as file:
            return next(int(line.split()[1]) * 1024 for line in file if line.startswith("MemAvailable:"))
    except (OSError, StopIteration):
        return None


def _where() -> str:
    if "google.colab" in sys.modules:
        return "Google Colab"
    shell = type(getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()).__name__
    if shell == "ZMQInteractiveShell":
        return "a Jupyter kernel (JupyterLab, Notebook, VS Code, Binder)"
    return "a Python process without a notebook" if shell == "NoneType" else f"IPython ({shell})"


def doctor(warn: bool = True) -> Report:
    """Check the environment; ``warn`` also raises a ``UserWarning`` per problem found."""
    report = Report()
    report.rows.append(("python", f"{platform.python_version()} on {platform.system()} {platform.machine()}"))
    for package in PACKAGES:
        report.rows.append((package, _version(package) or "not installed"))
    report.rows.append(("mediapipe (lesson 08's detector)",
                        _version("mediapipe") or 'not installed, optional: pip install "ddhpose_lite[video]"'))
    if torch.cuda.is_available():
        device = f"CUDA: {torch.cuda.get_device_name()} (capability {'.'.join(map(str, torch.cuda.get_device_capability()))})"
    else:
        device = f"CPU, {torch.get_num_threads()} torch threads, {os.cpu_count()} CPUs"
    report.rows.append(("device", device))
    where = _where()
    report.rows.append(("running in", where))
    report.rows.append(("plotly renderer", str(plotly.io.renderers.default)))
    memory = _available_memory()
    report.rows.append(("memory available", "unknown" if memory is None else f"{memory / 2**30:.1f} GiB"))

    plotly_version = _version("plotly") or "0"
    if int(plotly_version.split(".")[0]) >= 6 and _version("anywidget") is None:
        report.problems.append("plotly >= 6 draws interactive figures (FigureWidget) through anywidget, which is "
                               "not installed: pip install anywidget")
    if _version("ipywidgets") is None:
        report.problems.append("ipywidgets is not installed: the lessons' controls will not show (pip install ipywidgets)")
    if where == "Google Colab" and not os.environ.get(COLAB_WIDGETS):
        report.problems.append("on Colab, widgets need the custom widget manager: run the lesson's setup cell, or "
                               "from google.colab import output; output.enable_custom_widget_manager()")
    if memory is not None and memory < LESSON_MEMORY:
        report.problems.append(f"only {memory / 2**30:.1f} GiB of memory is available; the lessons need about "
                               f"{LESSON_MEMORY / 2**30:.0f} GiB (close other notebooks)")
    if warn:
        _warn(report, stacklevel=3)
    return report


def _warn(report: Report, stacklevel: int) -> None:
    for problem in report.problems:
        warnings.warn(problem, stacklevel=stacklevel)


def notebook_setup() -> Report:
    """The lessons' setup, after their install line: on Google Colab, switch on its custom widget
    manager (the lessons' controls and interactive figures need it) and record that in
    ``COLAB_WIDGETS``; elsewhere nothing to switch on. Then check the environment: ``doctor()``'s
    report, which the cell shows, each problem also a warning."""
    if "google.colab" in sys.modules:
        from google.colab import output  # Colab's own module, only there

        output.enable_custom_widget_manager()
        os.environ[COLAB_WIDGETS] = "1"
    report = doctor(warn=False)
    _warn(report, stacklevel=3)
    return report
