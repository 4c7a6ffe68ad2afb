"""Every cross-reference in the lessons, README, docs and docstrings points to something that exists:
lesson numbers, a lesson's numbered sections, files of the repository, sections of docs/design.md,
names of the package in backticks, and the paper's figures, tables and equations."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = {path.name[:2]: path for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))}
ANNOUNCED: dict[str, str] = {}
"""Lessons being written on another branch (issue 16 points to them); they resolve once merged."""

SOURCES = sorted([*LESSONS.values(), ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "data" / "README.md",
                  *(ROOT / "ddhpose_lite").rglob("*.py"), *(ROOT / "tools").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")])
IDS = [str(path.relative_to(ROOT)) for path in SOURCES]
MODULES = {path.stem if path.suffix == ".py" else path.name for path in (ROOT / "ddhpose_lite").iterdir()
           if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()}
PAPER = {"Fig": 6, "Table": 7, "Eq": 10, "Algorithm": 1}
"""How many figures, tables, equations and algorithms the paper (arXiv 2403.04444) has."""


def prose(path: Path) -> str:
    """The text with line breaks and comment markers folded into spaces, so a reference broken over
    two lines (``lesson\\n# 03``) reads as one."""
    return re.sub(r"\s*\n\s*(?:#(?!#) ?)?", " ", path.read_text())


def sections_of(lesson: str) -> set[int]:
    return {int(n) for n in re.findall(r"^# ## (\d+) · ", LESSONS[lesson].read_text(), re.M)}


def lesson_of(path: Path) -> str | None:
    return path.name[:2] if path.parent.name == "notebooks" else None


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_lesson_numbers_exist(path):
    missing = set()
    for match in re.finditer(r"\b[Ll]essons?\s+(\d{2}(?:\s*(?:[–-]|,|and|or)\s*\d{2})*)", prose(path)):
        missing |= {n for n in re.findall(r"\d{2}", match.group(1)) if n not in LESSONS and n not in ANNOUNCED}
    assert not missing, f"{path.name} refers to lessons that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_cited_sections_of_lessons_exist(path):
    problems = []
    text = prose(path)
    pattern = r"(?:[Ll]esson (\d{2})(?:,|'s) )?\b[Ss]ections? (\d+)((?:(?:,| and| or|–|-) ?\d+)*)"
    for match in re.finditer(pattern, text):
        lesson = match.group(1) or lesson_of(path)
        if lesson is None or lesson in ANNOUNCED and lesson not in LESSONS:
            continue  # a section of something other than a lesson
        numbers = [int(match.group(2))] + [int(n) for n in re.findall(r"\d+", match.group(3))]
        problems += [f"lesson {lesson}, section {n}" for n in numbers if n not in sections_of(lesson)]
    assert not problems, f"{path.name} cites sections that have no `## N ·` heading: {problems}"


def test_paper_sections_are_not_numbered():
    """The paper's sections have names, not numbers: cite them by name."""
    for path in SOURCES:
        hits = re.findall(r"\b(?:Sec\.|Section|§)\s*\d", path.read_text())
        assert not hits, f"{path.name} cites a numbered paper section: {hits}"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_cited_files_exist(path):
    missing = []
    for match in re.finditer(r"(?<![\w/.-])((?:docs|data|tools|benchmarks|tests|notebooks|binder|ddhpose_lite)/"
                             r"[\w./-]*\.(?:py|md|yml|yaml|toml|ipynb|json|npz|pt|txt|mat))\b", path.read_text()):
        cited = match.group(1)
        if cited.startswith("data/") and cited != "data/README.md":
            continue  # files the user downloads into data/ (Human3.6M, MPI-INF-3DHP)
        if cited in ANNOUNCED.values() or "NN_" in cited:
            continue  # a lesson on another branch, or the pattern NN_name
        if not (ROOT / cited).exists():
            missing.append(cited)
    assert not missing, f"{path.name} cites files that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_cited_design_sections_exist(path):
    headings = set(re.findall(r"^## (.+)$", (ROOT / "docs" / "design.md").read_text(), re.M))
    cited = set(re.findall(r'design\.md, "([^"<]+)"', prose(path)))
    assert cited <= headings, f"{path.name} cites sections of docs/design.md that do not exist: {sorted(cited - headings)}"


def resolve(name: str) -> bool:
    """Whether ``module.attr...`` names something of the package. An attribute the module's code
    sets on instances (``self.config = ...``, a dataclass field, a property) counts too."""
    parts = name.removeprefix("ddhpose_lite.").split(".")
    target = importlib.import_module(f"ddhpose_lite.{parts[0]}")
    for index, part in enumerate(parts[1:], start=1):
        if hasattr(target, part):
            target = getattr(target, part)
            continue
        try:
            target = importlib.import_module(f"{target.__name__}.{part}")
            continue
        except (ImportError, AttributeError):
            pass
        if index == 1:  # an instance attribute, e.g. `model.config` for an HSTDenoiser called model
            source = Path(target.__file__).read_text()
            return bool(re.search(rf"(self\.{part}\b\s*[:=]|^\s+{part}\s*:|def {part}\(self)", source, re.M))
        return False
    return True


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_package_names_in_backticks_exist(path):
    missing = []
    for match in re.finditer(r"`{1,2}([^`\n]+?)`{1,2}", path.read_text()):
        token = re.sub(r"\(.*\)$", "", match.group(1).strip())
        if not re.fullmatch(r"(?:ddhpose_lite\.)?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+", token):
            continue
        if re.search(r"\.(py|md|pt|npz|json|ipynb|mat|bvh|yml|toml|txt)$", token):
            continue  # a file name
        first = token.removeprefix("ddhpose_lite.").split(".")[0]
        if first in MODULES and not resolve(token):
            missing.append(token)
    assert not missing, f"{path.name} names things the package does not have: {sorted(set(missing))}"


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_paper_figures_tables_and_equations_exist(path):
    wrong = []
    for kind, first, rest in re.findall(r"\b(Fig|Table|Eq|Algorithm)s?\.?\s+(\d+)((?:\s*(?:[–-]|,|and)\s*\d+)*)",
                                        prose(path)):
        numbers = [int(first)] + [int(n) for n in re.findall(r"\d+", rest)]
        wrong += [f"{kind} {n}" for n in numbers if not 1 <= n <= PAPER[kind]]
    assert not wrong, f"{path.name} cites parts the paper does not have: {wrong}"


@pytest.mark.parametrize("check, message", [
    pytest.param(test_lesson_numbers_exist, "02_broken.py refers to lessons that do not exist: ['09']",
                 id="lesson-numbers"),
    pytest.param(test_cited_sections_of_lessons_exist,
                 "02_broken.py cites sections that have no `## N ·` heading: ['lesson 02, section 99']",
                 id="lesson-sections"),
    pytest.param(test_cited_files_exist, "02_broken.py cites files that do not exist: ['docs/no_such_file.md']",
                 id="files"),
    pytest.param(test_cited_design_sections_exist,
                 "02_broken.py cites sections of docs/design.md that do not exist: ['No such section']",
                 id="design-sections"),
    pytest.param(test_package_names_in_backticks_exist,
                 "02_broken.py names things the package does not have: ['bones.no_such_thing']", id="package-names"),
    pytest.param(test_paper_figures_tables_and_equations_exist,
                 "02_broken.py cites parts the paper does not have: ['Fig 9']", id="paper-parts"),
])
def test_the_checks_catch_broken_references(tmp_path, check, message):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    broken = folder / "02_broken.py"
    broken.write_text("# As lesson\n# 09 shows (lesson 02, section 99), `bones.compose` and `bones.no_such_thing`\n"
                      "# do it; see docs/no_such_file.md, docs/design.md, \"No such section\", and Fig. 9.\n")
    with pytest.raises(AssertionError, match=re.escape(message)):
        check(broken)


def test_names_resolve_to_what_the_package_has():
    assert resolve("bones.compose") and resolve("ddhpose_lite.viz.denoiser_diagram") and resolve("model.config.clip")
    assert not resolve("bones.no_such_thing")
