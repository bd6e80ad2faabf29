"""Data flows one way: the floor (system, errors) imports nothing of ours; data never imports training or methods."""

import ast
import subprocess
import sys
from pathlib import Path

import advclust

PACKAGE = Path(advclust.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` or ``from ... import`` in ``path`` names (at any depth, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "advclust" or m.startswith("advclust.")}


def test_the_floor_imports_nothing_of_ours():
    assert ours(imported_modules(PACKAGE / "errors.py")) == set()
    # system may raise our exception classes (errors imports nothing) and read the package's version.
    assert ours(imported_modules(PACKAGE / "system.py")) <= {
        "advclust.errors", "advclust.errors.UserInputError", "advclust", "advclust.__version__"}


def test_data_sources_import_neither_training_nor_methods():
    for path in sorted((PACKAGE / "data").glob("*.py")):
        bad = {m for m in ours(imported_modules(path))
               if m.startswith(("advclust.training", "advclust.methods", "advclust.runner", "advclust.nets"))
               or m in {"advclust.training", "advclust.methods"}}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_importing_data_loads_neither_training_nor_methods():
    code = ("import sys, advclust.data, advclust.data.commands; "
            "print(sorted(m for m in sys.modules if m.startswith(('advclust.training', 'advclust.methods', "
            "'advclust.runner', 'advclust.nets'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent).stdout
    assert out.strip() == "[]"
