"""README.md's lesson table: every lesson has a row with its Colab and Binder badges, derived from
the one repository URL in pyproject.toml, the number of exercises its checks define and the time
the lesson states at its top (tools/readme_badges.py computes all three)."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

spec = importlib.util.spec_from_file_location("readme_badges", ROOT / "tools" / "readme_badges.py")
readme_badges = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_badges)


def row_of(notebook: str) -> list[str]:
    rows = [line for line in README.splitlines() if line.startswith(f"| [`{notebook[:-6]}`]")]
    assert len(rows) == 1, f"README.md needs one lesson-table row for {notebook}, has {len(rows)}"
    return [cell.strip() for cell in rows[0].strip("|").split(" | ")]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_lesson_has_colab_and_binder_badges_from_the_pyproject_url(notebook):
    cells = row_of(notebook)
    assert cells[-1] == readme_badges.badges(notebook), f"run `python tools/readme_badges.py` and paste {notebook}'s badges"
    assert readme_badges.repository().removeprefix("https://github.com/") in cells[-1]


def test_every_badge_link_points_to_an_existing_notebook():
    slug = readme_badges.repository().removeprefix("https://github.com/")
    links = re.findall(r"\((https://(?:colab\.research\.google\.com/github|mybinder\.org/v2/gh)/[^)]+)\)", README)
    assert len(links) == 2 * len(NOTEBOOKS)
    for link in links:
        assert f"/{slug}/" in link, f"{link} does not use the repository URL of pyproject.toml"
        notebook = re.search(r"notebooks(?:/|%2F)([0-9]{2}_\w+\.ipynb)$", link).group(1)
        assert (ROOT / "notebooks" / notebook).exists(), link


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_exercise_count_matches_the_checks(notebook):
    counted = readme_badges.exercise_count(notebook)
    assert counted == 3, f"{notebook}: expected a warm-up, a core and a stretch exercise, the checks define {counted}"
    assert row_of(notebook)[2] == str(counted), f"{notebook}: README counts {row_of(notebook)[2]}, the checks define {counted}"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_time_matches_the_lesson(notebook):
    stated = readme_badges.lesson_time(notebook)
    assert row_of(notebook)[3] == stated, f"{notebook}: README says {row_of(notebook)[3]}, the lesson says {stated}"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_runtime_matches_the_lesson_header(notebook):
    header = (ROOT / "notebooks" / notebook.replace(".ipynb", ".py")).read_text()
    stated = re.search(r"\*\*Runtime:\*\* about (\d+) s", header)
    assert stated, f"{notebook}: its header needs '**Runtime:** about N s'"
    runtime = row_of(notebook)[4]
    assert runtime.startswith(f"~{stated.group(1)} s"), f"{notebook}: README says {runtime}, the lesson {stated.group(0)}"
    in_ci = re.search(r"about (\d+) s under CI", header)
    if in_ci:
        assert f"({in_ci.group(1)} s in the test suite)" in runtime, f"{notebook}: README says {runtime}, the lesson {in_ci.group(0)}"


def test_badges_follow_the_url_they_are_given():
    one = NOTEBOOKS[0]
    assert readme_badges.badges(one, "https://github.com/someone/fork") != readme_badges.badges(one)
    assert "/someone/fork/" in readme_badges.badges(one, "https://github.com/someone/fork/")


def test_every_loss_weights_call_the_docs_name_builds():
    """README.md and docs/design.md name LossWeights settings: each one must exist."""
    from ddhpose_lite.objective import LossWeights

    calls = [call for text in (README, (ROOT / "docs" / "design.md").read_text())
             for call in re.findall(r"`LossWeights\(([^`]*)\)`", text)]
    assert calls, "README.md names LossWeights(...) settings"
    for arguments in calls:
        eval(f"LossWeights({arguments})", {"LossWeights": LossWeights})  # raises on a name that does not exist
