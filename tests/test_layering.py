"""The package is layered: data flows from low modules (skeleton, bones) up to high ones (lifter,
widgets), never back. This test reads every import of the package and fails when a module imports
one of its own layer or a higher one, or imports inside a function (except optional extras)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ddhpose_lite"

LAYERS = (
    ("_tensors", "errors"),
    ("skeleton", "bvh"),
    ("bones", "camera", "model_config"),
    ("diffusion", "keypoints", "synthetic", "mocap", "model", "starts"),
    ("datasets", "baseline"),
    ("metrics", "sampling", "checkpoint", "memory", "objective"),
    ("profiles", "lifter"),
    ("trainer", "evaluate", "video"),
    ("train",),
    ("viz", "ablations"),
    ("widgets", "doctor", "lessons"),
)
"""Low to high; docs/design.md draws the same picture. A module may import from lower layers only
(and from inside its own subpackage)."""

OPTIONAL = {"mediapipe", "cv2", "imageio", "playwright", "google"}
"""Optional dependencies, imported inside the function that needs them (with a clear error); ``google``:
Google Colab's own module (``google.colab``), there only."""

LAYER = {name: level for level, names in enumerate(LAYERS) for name in names}


def unit_of(path: Path) -> str:
    """The layering unit of a file: its module, or its subpackage (synthetic, datasets, viz)."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def package_imports(path: Path):
    """(line, imported unit or None, is_inside_function, module name) for every import in a file."""
    tree = ast.parse(path.read_text())
    inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if n is not f}
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 for ddhpose_lite/x.py, 1 in a subpackage
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                module = node.module or ""
                unit = module.split(".")[1] if module.startswith("ddhpose_lite.") else None
                yield node.lineno, unit, id(node) in inside, module
                continue
            if node.level - 1 > depth:
                raise AssertionError(f"{path}:{node.lineno} imports above the package")
            if node.level - 1 < depth:  # from . import x inside a subpackage: the same unit
                yield node.lineno, unit_of(path), id(node) in inside, node.module or "."
                continue
            names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            for name in names:
                yield node.lineno, name, id(node) in inside, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                unit = alias.name.split(".")[1] if alias.name.startswith("ddhpose_lite.") else None
                yield node.lineno, unit, id(node) in inside, alias.name


FILES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_layer():
    units = {unit_of(p) for p in FILES}
    assert units <= set(LAYER), f"modules without a layer in LAYERS: {sorted(units - set(LAYER))}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path):
    own = unit_of(path)
    problems = []
    for line, unit, in_function, module in package_imports(path):
        if in_function and module.split(".")[0] not in OPTIONAL:
            problems.append(f"line {line}: imports {module} inside a function (only optional extras may)")
        if unit is None or unit == own:
            continue
        if unit not in LAYER:
            problems.append(f"line {line}: imports {unit}, which has no layer")
        elif LAYER[unit] >= LAYER[own]:
            problems.append(f"line {line}: {own} (layer {LAYER[own]}) imports {unit} (layer {LAYER[unit]})")
    assert not problems, f"{path.relative_to(PACKAGE)}:\n" + "\n".join(problems)


def test_the_checker_catches_an_upward_and_a_function_level_import(tmp_path, monkeypatch):
    fake = tmp_path / "ddhpose_lite"
    fake.mkdir()
    (fake / "bones.py").write_text("from .lifter import Lifter\n\ndef f():\n    import numpy\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    with pytest.raises(AssertionError, match=r"bones \(layer 2\) imports lifter \(layer 6\)") as error:
        test_imports_go_down_the_layers(fake / "bones.py")
    assert "imports numpy inside a function" in str(error.value)
