"""Print the computed cells of README.md's lesson table for every lesson: the number of exercises
its checks define (``ddhpose_lite.lessons``), the time the lesson states at its top, and the
"Open in Colab" and "Launch Binder" badges built from the one repository URL in pyproject.toml
([project.urls] Repository).

    python tools/readme_badges.py

``tests/test_readme.py`` checks that README.md's table has exactly these.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "main"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def repository() -> str:
    """The repository URL, read from pyproject.toml (the one place it is written)."""
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'^\[project\.urls\]\nRepository = "([^"]+)"', text, re.M).group(1)


def badges(notebook: str, url: str | None = None) -> str:
    """Both badges of ``notebook`` (a file name in notebooks/), as Markdown."""
    slug = (url or repository()).removeprefix("https://github.com/").rstrip("/")
    colab = f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/notebooks/{notebook}"
    binder = f"https://mybinder.org/v2/gh/{slug}/{BRANCH}?labpath=notebooks%2F{notebook}"
    return f"[![Open in Colab]({COLAB_BADGE})]({colab}) [![Launch Binder]({BINDER_BADGE})]({binder})"


def exercise_count(notebook: str) -> int:
    """How many exercises ``ddhpose_lite.lessons`` defines for ``notebook`` (e.g. 06_hypotheses.ipynb)."""
    from ddhpose_lite.lessons import EXERCISES

    return sum(1 for lesson, _ in EXERCISES if lesson == notebook[:2])


def lesson_time(notebook: str) -> str:
    """The learner's time the lesson states at its top ("**Time:** about 60 minutes"), as "60 min"."""
    text = (ROOT / "notebooks" / notebook).with_suffix(".py").read_text()
    return re.search(r"^# \*\*Time:\*\* about (\d+) minutes", text, re.M).group(1) + " min"


def main() -> None:
    for notebook in sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"{notebook[:-6]}: exercises {exercise_count(notebook)} | {lesson_time(notebook)} | {badges(notebook)}")


if __name__ == "__main__":
    main()
