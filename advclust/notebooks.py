"""Checks of the paired chapter sources: ``python -m advclust.notebooks check``.

Every ``notebooks/NN_name.py`` (py:percent, edited and reviewed) has a paired
``.ipynb`` with the same cells and no outputs, so papermill's CLI, Jupyter
and Colab open the same chapter that the book executes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from advclust.profiles import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"


def problems(folder: Path = NOTEBOOKS) -> list[str]:
    """Every way the pairs in ``folder`` have drifted apart or carry outputs; empty when all is well."""
    import jupytext
    import nbformat

    found = []
    for source in sorted(folder.glob("*.py")):
        paired = source.with_suffix(".ipynb")
        if not paired.exists():
            found.append(f"{source.name} has no paired {paired.name} (run: make sync-notebooks)")
            continue
        notebook = nbformat.read(paired, as_version=4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                found.append(f"{paired.name} cell {index} carries outputs (commit chapters without outputs)")
        from_source = [(c.cell_type, c.source.strip()) for c in jupytext.read(source).cells]
        from_paired = [(c.cell_type, c.source.strip()) for c in notebook.cells]
        if from_source != from_paired:
            found.append(f"{source.name} and {paired.name} differ (run: make sync-notebooks)")
    for paired in sorted(folder.glob("*.ipynb")):
        if not paired.with_suffix(".py").exists():
            found.append(f"{paired.name} has no paired .py source")
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["check"]:
        print("usage: python -m advclust.notebooks check", file=sys.stderr)
        return 2
    found = problems()
    for problem in found:
        print(f"notebooks: {problem}", file=sys.stderr)
    print(f"notebooks: {len(list(NOTEBOOKS.glob('*.py')))} chapters checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
