"""Committed notebooks are in sync with their jupytext .py twins and carry no bulky outputs."""
import json
import re
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
MAX_BYTES = 200_000


def as_percent_script(path: Path) -> str:
    """The notebook as py:percent text, without notebook-level metadata (kernel, jupytext header)."""
    notebook = jupytext.read(path)
    notebook.metadata = {}
    return jupytext.writes(notebook, fmt="py:percent")


def test_there_are_lessons():
    assert len(SOURCES) >= 2


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_is_in_sync(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} is missing: run `python tools/sync_notebooks.py`"
    assert as_percent_script(paired) == as_percent_script(source), (
        f"{paired.name} differs from {source.name}: edit the .py and run `python tools/sync_notebooks.py`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_notebook_is_light(source):
    path = source.with_suffix(".ipynb")
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"
    notebook = json.loads(path.read_text())
    assert "widgets" not in notebook["metadata"], "stored widget state"
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            assert cell["source"] and "".join(cell["source"]).startswith("# NBVAL_CHECK_OUTPUT"), (
                "only cells checked by nbval keep their outputs"
            )
            kinds = set(output.get("data", {})) | ({"stream"} if output["output_type"] == "stream" else set())
            assert kinds <= {"text/plain", "stream"}, f"bulky output kinds {kinds - {'text/plain', 'stream'}}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_lesson_checks_real_values_and_states_its_cost(source):
    text = source.read_text()
    assert "# NBVAL_CHECK_OUTPUT" in text, "at least one cell must have its printed values checked"
    header = text[:3000].lower()
    assert "runtime" in header and "memory" in header
    notebook = json.loads(source.with_suffix(".ipynb").read_text())
    checked = [c for c in notebook["cells"] if "".join(c["source"]).startswith("# NBVAL_CHECK_OUTPUT")]
    assert all(c.get("outputs") for c in checked), "a checked cell has no stored output to compare"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_setup_cell_installs_from_the_one_repository_url_and_checks_the_environment(source):
    """The URL has one home (pyproject.toml); every lesson's setup cell uses it on Colab, then makes one
    call, ``notebook_setup()`` (widget manager, doctor), and repeats none of what it does."""
    pyproject = (NOTEBOOKS.parent / "pyproject.toml").read_text()
    url = re.search(r'^\[project\.urls\]\nRepository = "([^"]+)"', pyproject, re.M).group(1)
    text = source.read_text()
    assert f'REPOSITORY = "{url}"' in text, f"{source.name}: the setup cell must use {url}"
    assert 'if "google.colab" in sys.modules:' in text
    setup = text[text.index("REPOSITORY = "):]
    setup = setup[:setup.index("# %%")].rstrip()
    assert setup.endswith("\nimport ddhpose_lite\n\nddhpose_lite.notebook_setup()"), (
        f"{source.name}: the setup cell ends {setup[-80:]!r}")
    assert "enable_custom_widget_manager" not in text and "ddhpose_lite.doctor()" not in text, (
        f"{source.name}: repeats what notebook_setup() does")
