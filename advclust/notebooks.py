"""The notebook sources and their checks: ``python -m advclust.notebooks check`` (and ``toc``).

A chapter is a chapter page ``notebooks/NN_name.py`` plus section notebooks
``notebooks/NNx_name.py`` (``x`` a lower-case letter: ``02a_mnist_pfca.py``,
``02b_mnist_dcan.py``, ...), which the book lists under the chapter page in
letter order. Every source (py:percent, edited and reviewed) has a paired
``.ipynb`` with the same cells and no outputs, so papermill's CLI, Jupyter and
Colab open the same notebook that the book executes.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from advclust.profiles import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
#: ``NN_name`` (a chapter page) or ``NNx_name`` (section ``x`` of chapter ``NN``).
NAME = re.compile(r"^(?P<chapter>[0-9]{2})(?P<section>[a-z]?)_(?P<title>[A-Za-z0-9][A-Za-z0-9_-]*)$")


@dataclass(frozen=True, order=True)
class NotebookName:
    """Where a notebook sits in the book: chapter ``02``, section ``a`` (``""`` for the chapter page)."""

    chapter: str
    section: str
    stem: str

    @property
    def key(self) -> str:
        """``02`` for a chapter page, ``02a`` for a section: what ``--only`` accepts besides the stem."""
        return self.chapter + self.section

    @property
    def is_section(self) -> bool:
        return bool(self.section)


def parse(stem: str) -> NotebookName | None:
    """The book position of a notebook stem, or ``None`` when it does not follow ``NN[x]_name``."""
    match = NAME.match(stem)
    return NotebookName(match["chapter"], match["section"], stem) if match else None


def sources(folder: Path | None = None) -> list[Path]:
    """Every notebook source in book order: each chapter page, then its sections by letter."""
    folder = NOTEBOOKS if folder is None else Path(folder)
    named = [(parse(path.stem), path) for path in folder.glob("[0-9][0-9]*_*.py")]
    return [path for name, path in sorted((n, p) for n, p in named if n is not None)]


def naming_problems(folder: Path | None = None) -> list[str]:
    """Sources whose names do not place them in the book: bad pattern, orphan section, two notebooks at one place."""
    folder = NOTEBOOKS if folder is None else Path(folder)
    found = []
    places: dict[str, str] = {}
    for path in sorted(folder.glob("*.py")):
        name = parse(path.stem)
        if name is None:
            found.append(f"{path.name} is not named NN_name.py (chapter page) or NNx_name.py (section x of "
                         "chapter NN), so the book cannot place it")
            continue
        if name.key in places:
            found.append(f"{path.name} and {places[name.key]}.py both claim place {name.key} in the book")
        places[name.key] = path.stem
    chapters = {key for key in places if len(key) == 2}
    for key, stem in sorted(places.items()):
        if len(key) == 3 and key[:2] not in chapters:
            found.append(f"section {stem}.py has no chapter page {key[:2]}_name.py")
    return found


def problems(folder: Path | None = None) -> list[str]:
    """Every way the pairs in ``folder`` have drifted apart or carry outputs, and misnamed sources; empty when all is well."""
    import jupytext
    import nbformat

    folder = NOTEBOOKS if folder is None else Path(folder)
    found = naming_problems(folder)
    for source in sorted(folder.glob("*.py")):
        paired = source.with_suffix(".ipynb")
        if not paired.exists():
            found.append(f"{source.name} has no paired {paired.name} (run: make sync-notebooks)")
            continue
        notebook = nbformat.read(paired, as_version=4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                found.append(f"{paired.name} cell {index} carries outputs (commit notebooks without outputs)")
        from_source = [(c.cell_type, c.source.strip()) for c in jupytext.read(source).cells]
        from_paired = [(c.cell_type, c.source.strip()) for c in notebook.cells]
        if from_source != from_paired:
            found.append(f"{source.name} and {paired.name} differ (run: make sync-notebooks)")
    for paired in sorted(folder.glob("*.ipynb")):
        if not paired.with_suffix(".py").exists():
            found.append(f"{paired.name} has no paired .py source")
    return found


USAGE = ("usage: python -m advclust.notebooks check   (pairs, names, _toc.yml)\n"
         "       python -m advclust.notebooks toc     (rewrite _toc.yml from the notebook files)")


def main(argv: list[str] | None = None) -> int:
    from advclust import book

    argv = sys.argv[1:] if argv is None else argv
    if argv == ["toc"]:
        path = book.write_toc()
        print(f"notebooks: wrote {path} ({len(sources())} notebooks)")
        return 0
    if argv != ["check"]:
        print(USAGE, file=sys.stderr)
        return 2
    found = problems() + book.toc_problems()
    for problem in found:
        print(f"notebooks: {problem}", file=sys.stderr)
    names = [parse(p.stem) for p in sources()]
    print(f"notebooks: {sum(not n.is_section for n in names)} chapter pages and "
          f"{sum(n.is_section for n in names)} sections checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
