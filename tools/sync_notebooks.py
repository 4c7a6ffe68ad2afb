"""Write each lesson's .ipynb from its jupytext .py twin (the .py is what you edit).

    python tools/sync_notebooks.py                 # every notebooks/NN_*.py
    python tools/sync_notebooks.py notebooks/02_bone_disentanglement.py

The notebook is executed once (nbclient) so that cells starting with `# NBVAL_CHECK_OUTPUT` keep
their printed text: nbval --nbval-lax compares exactly those against a fresh run. Every other
output, execution count and widget state is dropped, so committed notebooks stay small.
"""
from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHECK = "# NBVAL_CHECK_OUTPUT"
KEPT_MIME = {"text/plain"}


def checked(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(CHECK)


def light_outputs(outputs):
    kept = []
    for output in outputs:
        if output.output_type == "stream" and output.name == "stdout":
            kept.append(output)
        elif output.output_type == "execute_result":
            data = {k: v for k, v in output.data.items() if k in KEPT_MIME}
            if data:
                kept.append(nbformat.v4.new_output("execute_result", data=data, execution_count=None))
    return kept


def stable_ids(notebook) -> None:
    """Cell ids from the cells' content, so an unchanged cell keeps its id (quiet diffs)."""
    seen: set[str] = set()
    for cell in notebook.cells:
        digest = hashlib.sha1((cell.cell_type + cell.source).encode()).hexdigest()
        cell_id, n = digest[:8], 0
        while cell_id in seen:
            n += 1
            cell_id = f"{digest[:8]}-{n}"
        seen.add(cell_id)
        cell.id = cell_id


def sync(source: Path) -> float:
    notebook = jupytext.read(source)
    start = time.time()
    if any(checked(c) for c in notebook.cells):
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(source.parent)}}).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            keep = checked(cell)
            cell.outputs = light_outputs(cell.outputs) if keep else []
            if not keep:  # nbval refuses a checked cell without an execution count ("unrun")
                cell.execution_count = None
            cell.metadata.pop("execution", None)
    stable_ids(notebook)
    notebook.metadata.pop("widgets", None)
    notebook.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    jupytext.write(notebook, source.with_suffix(".ipynb"))
    return time.time() - start


def main(paths: list[str]) -> None:
    sources = [Path(p).resolve().with_suffix(".py") for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    for source in sources:
        seconds = sync(source)
        print(f"{source.with_suffix('.ipynb').relative_to(ROOT)}: written (executed in {seconds:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
