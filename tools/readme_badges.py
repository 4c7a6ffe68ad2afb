"""Print the "Open in Colab" and "Launch Binder" badges of every lesson, from the one repository
URL in pyproject.toml ([project.urls] Repository), for the lesson table of README.md.

    python tools/readme_badges.py

``tests/test_readme.py`` checks that README.md's badges are exactly these.
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


def main() -> None:
    for notebook in sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"{notebook[:-6]}: {badges(notebook)}")


if __name__ == "__main__":
    main()
