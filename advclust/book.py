"""The book pipeline: execute each chapter with papermill at a profile, then render HTML with Jupyter Book.

Chapters are paired jupytext notebooks ``notebooks/NN_name.py``. Each is read
with jupytext, executed by papermill with the profile's parameters into
``chapters/`` (build output, never next to the sources), stamped with its
provenance (profile, parameters, device, wall time), and Jupyter Book 1.x
renders the executed copies with execution off. Any cell error or Sphinx
warning fails the build.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from advclust import profiles
from advclust.errors import UnknownChoiceError, UserInputError

REPO_ROOT = profiles.REPO_ROOT
NOTEBOOKS = REPO_ROOT / "notebooks"
EXECUTED = REPO_ROOT / "chapters"
HTML = REPO_ROOT / "_build" / "html"


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message names the chapter and the error."""


@dataclass
class ExecutedChapter:
    name: str
    path: Path
    seconds: float
    parameters: dict[str, Any]


def chapters() -> list[Path]:
    """The chapter sources, in book order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def select(only: list[str] | None) -> list[Path]:
    """Chapters named in ``only`` (full name or number prefix such as ``01``); all when ``None``."""
    available = chapters()
    if not only:
        return available
    chosen = []
    for wanted in only:
        matches = [p for p in available if p.stem == wanted or p.stem.split("_")[0] == wanted]
        if not matches:
            raise UnknownChoiceError(f"unknown chapter {wanted!r}; valid chapters: {', '.join(p.stem for p in available)}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def chapter_parameters(path: Path) -> dict[str, Any]:
    """Names and defaults of the chapter's ``parameters`` cell (literal assignments only)."""
    import jupytext

    notebook = jupytext.read(path)
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            values = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                    values[target.id] = ast.literal_eval(node.value)
            return values
    raise UserInputError(f"chapter {path.name} has no cell tagged 'parameters'")


def execute(path: Path, profile: str, overrides: dict[str, Any] | None = None,
            progress: bool = False, output_dir: Path = EXECUTED) -> ExecutedChapter:
    """Execute one chapter at ``profile`` (plus ``overrides``) into ``output_dir``; raise on any cell error."""
    import jupytext
    import nbformat
    import papermill

    defaults = chapter_parameters(path)
    parameters = {**profiles.notebook_params(profile, path.stem), **(overrides or {})}
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise UserInputError(f"chapter {path.stem} has no parameter {', '.join(map(repr, unknown))}; "
                             f"valid parameters: {', '.join(defaults)}")
    parameters.update(profile=profile, progress=progress)
    settings = profiles.load(profile).get("book", {})
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / f"{path.stem}.ipynb"
    # Figures must be captured into the notebook: a non-interactive MPLBACKEND (Agg, as set
    # for headless test runs) in the kernel's environment would silently drop every plot.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            jupytext.read(path), str(output), parameters=parameters, kernel_name="python3", language="python",
            cwd=str(REPO_ROOT), execution_timeout=settings.get("execution_timeout"), progress_bar=False,
        )
    except papermill.PapermillExecutionError as error:
        raise ChapterFailed(f"chapter {path.stem} failed in cell {error.exec_count}: {error.ename}: {error.evalue}"
                            f" (executed notebook kept at {output})") from error
    except Exception as error:  # a cell timeout or a dead kernel: nbclient's own errors
        raise ChapterFailed(f"chapter {path.stem} did not finish: {type(error).__name__}: "
                            f"{str(error).splitlines()[0]} (executed notebook kept at {output})") from error
    seconds = time.perf_counter() - started
    notebook = nbformat.read(output, as_version=4)
    if notebook.metadata.get("papermill", {}).get("exception"):
        raise ChapterFailed(f"chapter {path.stem} recorded an exception (see {output})")
    _stamp(notebook, profile, {k: v for k, v in parameters.items() if k != "progress"}, seconds)
    nbformat.write(notebook, output)
    return ExecutedChapter(path.stem, output, seconds, parameters)


def _stamp(notebook, profile: str, parameters: dict[str, Any], seconds: float) -> None:
    """Add the provenance note after the title and hide the injected parameters cell's input."""
    import nbformat

    from advclust.runner import device_description, git_commit
    from advclust.training import resolve_device

    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.metadata.setdefault("tags", []).append("remove-input")
    shown = ", ".join(f"`{k}={v!r}`" for k, v in parameters.items())
    note = (
        ":::{admonition} How this page was produced\n:class: note\n"
        f"Executed at the **{profile}** profile on {device_description(resolve_device('auto'))}, "
        f"in {seconds / 60:.1f} minutes, on {dt.date.today().isoformat()}, "
        f"from commit `{git_commit() or 'unknown'}`.\n\nParameters: {shown}.\n\n"
        "Rerun it with other parameters: see *Reproducing* in the introduction.\n:::"
    )
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell(note, metadata={"tags": ["provenance"]}))


def render_html() -> int:
    """Jupyter Book 1.x over the executed chapters in ``chapters/``; warnings are errors. Returns the exit code."""
    toc_path = REPO_ROOT / "_toc.yml"
    missing = [c.stem for c in chapters() if not (EXECUTED / f"{c.stem}.ipynb").exists()]
    if missing:  # a partial build renders only the chapters that exist
        toc = yaml.safe_load(toc_path.read_text())
        for part in toc.get("parts", []):
            part["chapters"] = [c for c in part["chapters"] if Path(c["file"]).name not in missing]
        toc["parts"] = [p for p in toc.get("parts", []) if p["chapters"]]
        toc_path = EXECUTED / "_toc.partial.yml"
        toc_path.write_text(yaml.safe_dump(toc, sort_keys=False))
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(REPO_ROOT),
               "--toc", str(toc_path), "-W", "--keep-going"]
    return subprocess.run(command, cwd=REPO_ROOT).returncode


def build(profile: str = "quick", only: list[str] | None = None, overrides: dict[str, Any] | None = None,
          html: bool = True) -> int:
    """Execute the chosen chapters at ``profile`` and render the book; 0 on success."""
    profiles.load(profile)
    selected = select(only)
    if overrides and len(selected) != 1:
        raise UserInputError("--set applies to one chapter: name it with --only")
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    for path in selected:
        print(f"[advclust book] executing {path.stem} at profile {profile} ...", flush=True)
        try:
            chapter = execute(path, profile, overrides)
        except ChapterFailed as error:
            print(f"[advclust book] {error}", file=sys.stderr)
            return 1
        print(f"[advclust book] {path.stem}: {chapter.seconds:.0f} s -> {chapter.path}", flush=True)
    if not html:
        return 0
    code = render_html()
    if code == 0:
        print(f"[advclust book] HTML at {HTML / 'index.html'}")
    return code
