#!/usr/bin/env python3
"""Set up the project's environment and run it: `python3 dev.py lab` or `python3 dev.py test`.

Needs only Python >= 3.10. Creates `.venv/` in the checkout (once), installs PyTorch without ever
pulling a CUDA build onto a machine with no NVIDIA GPU, installs the package with its dev extra,
then starts JupyterLab on notebooks/ or runs the whole test suite (unit tests + every notebook
through nbval). Any torch already in the venv, or in the interpreter you run this with, is kept.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("DDHPOSE_VENV", ROOT / ".venv"))
TORCH_VERSION = os.environ.get("DDHPOSE_TORCH", "2.13.0")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
STAMP = VENV / ".ddhpose-installed"
EXTRAS = ["dev", *[e for e in os.environ.get("DDHPOSE_EXTRAS", "").replace(",", " ").split() if e != "dev"]]
"""Extras to install: always dev; DDHPOSE_EXTRAS="video" adds the video extra (CI sets it)."""


def log(message: str) -> None:
    print(f"[dev.py] {message}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | Path, check: bool = True) -> int:
    return subprocess.run([str(a) for a in args], check=check).returncode


def succeeds(*args: str | Path) -> bool:
    return subprocess.run([str(a) for a in args], capture_output=True).returncode == 0


def base_has_torch() -> bool:
    return succeeds(sys.executable, "-c", "import torch")


def has_nvidia_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None and succeeds("nvidia-smi", "-L")


def install_torch(py: Path) -> None:
    """torch==VERSION from a local wheel if pip can see one, else the CPU index on GPU-less Linux."""
    if succeeds(py, "-c", "import torch"):
        log("torch already available: kept")
        return
    spec = f"torch=={TORCH_VERSION}"
    if run(py, "-m", "pip", "install", "--no-index", "--no-deps", spec, check=False) == 0:
        run(py, "-m", "pip", "install", spec)  # a local wheel was found; now its dependencies
        return
    if platform.system() == "Linux" and not has_nvidia_gpu():
        log("no NVIDIA GPU found: installing the CPU build of torch")
        run(py, "-m", "pip", "install", spec, "--index-url", CPU_INDEX)
    else:
        run(py, "-m", "pip", "install", spec)


def ensure_env() -> Path:
    """Create .venv and install everything once; later calls return at once."""
    py = venv_python()
    pyproject_mtime = (ROOT / "pyproject.toml").stat().st_mtime
    wanted = ",".join(EXTRAS)
    if py.exists() and STAMP.exists() and STAMP.stat().st_mtime >= pyproject_mtime and STAMP.read_text() == wanted:
        return py
    start = time.time()
    if not py.exists():
        system_site = base_has_torch()  # keep the user's torch visible inside the venv
        log(f"creating {VENV} (system site-packages: {system_site})")
        args = [sys.executable, "-m", "venv", str(VENV)]
        if system_site:
            args.insert(3, "--system-site-packages")
        run(*args)
    run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    install_torch(py)
    run(py, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{wanted}]")
    STAMP.write_text(wanted)
    log(f"environment ready in {time.time() - start:.0f} s")
    return py


def lab(py: Path, extra: list[str]) -> int:
    args = [py, "-m", "jupyter", "lab", f"--notebook-dir={ROOT / 'notebooks'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    if os.environ.get("CI") or not sys.stdout.isatty():
        args.append("--no-browser")
    log("starting JupyterLab on notebooks/; open the http://127.0.0.1:...?token=... URL it prints below")
    return run(*args, *extra, check=False)


def test(py: Path, extra: list[str]) -> int:
    env_note = "unit tests + every notebook through nbval"
    log(f"running the test suite ({env_note})")
    os.environ.setdefault("DDHPOSE_QUICK", "1")  # lessons that train pick their short set-up
    return run(py, "-m", "pytest", "tests", "--nbval-lax", "notebooks", *extra, check=False)


COMMANDS = {"lab": lab, "test": test, "setup": lambda py, extra: 0}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [extra args]", file=sys.stderr)
        return 2
    py = ensure_env()
    return COMMANDS[argv[0]](py, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
