"""The book pipeline: execute each notebook with papermill at a profile, then render HTML with Jupyter Book.

The notebooks are paired jupytext sources: chapter pages ``notebooks/NN_name.py``
and their section notebooks ``notebooks/NNx_name.py`` (see :mod:`advclust.notebooks`).
Each is read with jupytext, executed by papermill with the profile's parameters
and per-cell timeout into ``chapters/`` (build output, never next to the
sources), stamped with its provenance (profile, parameters, device, wall time),
and Jupyter Book 1.x renders the executed copies with execution off, sections
under their chapter page in a table of contents derived from the file names.
Any cell error or Sphinx warning fails the build. Before anything executes, the
datasets the chosen notebooks need (:data:`DATASETS`) are checked under the data
root (``--fetch`` downloads the missing ones first), so a machine without them
fails at once with the list of what is missing and the commands that fetch it.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import os
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from advclust import notebooks, profiles
from advclust.errors import UnknownChoiceError, UserInputError

REPO_ROOT = profiles.REPO_ROOT
NOTEBOOKS = notebooks.NOTEBOOKS
EXECUTED = REPO_ROOT / "chapters"
HTML = REPO_ROOT / "_build" / "html"
TOC = REPO_ROOT / "_toc.yml"


#: The datasets each notebook loads, by stem: `advclust book` checks them before it executes anything.
#: The feature-set sections list only their stand-in: without the feature caches they run on it, labelled so.
DATASETS: dict[str, tuple[str, ...]] = {
    "01_synthetic_gaussians": ("gaussians8",),
    "02_mnist": ("mnist", "fashion-mnist"),
    "02a_mnist_pfca": ("mnist", "fashion-mnist"),
    "02b_mnist_dcan": ("mnist",),
    "02c_mnist_baselines": ("mnist",),
    "02d_mnist_dualaae": ("mnist",),
    "02e_mnist_simi": ("mnist", "fashion-mnist"),
    "02f_mnist_dcan_variants": ("mnist",),
    "02g_mnist_dualaae_probes": ("mnist",),  # names it for the committed k-means baseline only
    "03_artifact_mnist": ("artifact-mnist",),
    "04_orl": ("orl",),
    "05_imbalanced": ("usps1500", "usps1200", "usps900", "usps800", "usps700",
                      "mnist-imbalanced-1", "mnist-imbalanced-3"),
    "05a_imbalanced_pfca": ("usps1500", "usps1200", "usps900", "usps800", "usps700"),
    "05b_imbalanced_simi": ("mnist-imbalanced-1", "mnist-imbalanced-3",
                            "usps700", "usps800", "usps900", "usps1200", "usps1500"),
    "06_features": ("fashion-mnist",),
    "06a_features_dcan": ("fashion-mnist",),
    "06b_features_dualaae": ("fashion-mnist",),
    "06c_features_simi": ("fashion-mnist",),
    "07_scoreboard": ("digits", "usps700"),
}


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message names the chapter and the error."""


@dataclass
class ExecutedChapter:
    name: str
    path: Path
    seconds: float
    parameters: dict[str, Any]


def chapters(folder: Path | None = None) -> list[Path]:
    """Every notebook source, chapter pages and their sections, in book order."""
    return notebooks.sources(folder)


def select(only: list[str] | None, folder: Path | None = None) -> list[Path]:
    """Notebooks named in ``only``, in book order; all when ``None``.

    ``02`` selects chapter 2's page and all its sections; ``02a`` or a full stem
    (``02a_mnist_pfca``) selects one notebook.
    """
    available = chapters(folder)
    if not only:
        return available
    chosen = set()
    for wanted in only:
        matches = [p for p in available if p.stem == wanted or notebooks.parse(p.stem).key == wanted
                   or (len(wanted) == 2 and notebooks.parse(p.stem).chapter == wanted)]
        if not matches:
            raise UnknownChoiceError(
                f"unknown chapter {wanted!r}; give a chapter number (all its sections), a section such as 02a, "
                f"or a full name; valid chapters: {', '.join(p.stem for p in available)}")
        chosen.update(matches)
    return [p for p in available if p in chosen]


def needed_datasets(selected: list[Path]) -> dict[str, list[str]]:
    """The datasets the ``selected`` notebooks need, each with the notebooks that need it."""
    needed: dict[str, list[str]] = {}
    for path in selected:
        for name in DATASETS.get(path.stem, ()):
            needed.setdefault(name, []).append(path.stem)
    return needed


def check_data(selected: list[Path], fetch: bool = False) -> None:
    """Raise, listing every missing or damaged dataset and its fetch command, unless the notebooks can load all.

    With ``fetch`` the missing ones are downloaded first (and checked); what could not be is in the list.
    """
    from advclust.data import DataNotFoundError, data_root
    from advclust.data.sources import describe_root, fetch_command, fetch_datasets, fetch_names, problems

    root = data_root()
    needed = needed_datasets(selected)
    failed = fetch_datasets(needed, root) if fetch else {}
    unavailable = {name: problems(name, root) for name in needed}
    unavailable = {name: state for name, state in unavailable.items() if state[0] != "ok"}
    if not unavailable:
        return
    lines, shown = [], set()
    for name, (status, details) in unavailable.items():
        keys = ", ".join(notebooks.parse(stem).key for stem in needed[name])
        lines.append(f"  {name:<20} {status:<8} (notebooks {keys}): {fetch_command(name, root)}")
        lines += [f"      {line}" for line in details if status == "damaged"]
        if name in failed and (why := failed[name].splitlines()[0]) not in shown:  # once per source
            shown.add(why)
            lines.append(f"      the download failed: {why}")
    missing = fetch_names(name for name, (status, _) in unavailable.items() if status == "missing")
    raise DataNotFoundError(
        f"{len(unavailable)} dataset(s) the selected notebooks need are not usable under data root "
        f"{describe_root(root)}; nothing was executed.\n" + "\n".join(lines)
        + (f"\nFetch the missing ones (needs network): advclust data fetch {' '.join(missing)} --root {root}\n"
           "(make book and make test do it), or set $ADVCLUST_DATA to a folder that holds them." if missing else "")
    )


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
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / f"{path.stem}.ipynb"
    # Figures must be captured into the notebook: a non-interactive MPLBACKEND (Agg, as set
    # for headless test runs) in the kernel's environment would silently drop every plot.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            jupytext.read(path), str(output), parameters=parameters, kernel_name="python3", language="python",
            cwd=str(REPO_ROOT), execution_timeout=profiles.notebook_timeout(profile, path.stem), progress_bar=False,
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

    from advclust.system import device_description, git_commit

    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.metadata.setdefault("tags", []).append("remove-input")
    shown = ", ".join(f"`{k}={v!r}`" for k, v in parameters.items())
    note = (
        ":::{admonition} How this page was produced\n:class: note\n"
        f"Executed at the **{profile}** profile on {device_description('auto')}, "
        f"in {seconds / 60:.1f} minutes, on {dt.date.today().isoformat()}, "
        f"from commit `{git_commit() or 'unknown'}`.\n\nParameters: {shown}.\n\n"
        "Rerun it with other parameters: see *Reproducing* in the introduction.\n:::"
    )
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell(note, metadata={"tags": ["provenance"]}))


TOC_HEADER = ("# Table of contents, derived from the notebook files by `make toc` (python -m advclust.notebooks toc);\n"
              "# `advclust.notebooks check` fails when it is out of date. `chapters/` holds the executed copies\n"
              "# of notebooks/*.py (build output of `advclust book`): chapter pages NN_name, their sections\n"
              "# NNx_name under them.\n")
#: The book's pages other than the executed notebooks: the root and the parts after the experiments.
TOC_ROOT = "book/intro"
TOC_EXPERIMENTS = "Experiments"
TOC_AFTER = [{"caption": "Reference", "chapters": [{"file": "book/sweeps"}, {"file": "book/references"}]}]


def toc(stems: list[str] | None = None) -> dict[str, Any]:
    """The Jupyter Book 1.x table of contents for notebooks ``stems`` (default: every notebook source).

    Each chapter page lists its sections under ``sections:``; a section whose chapter page
    is not among ``stems`` (a partial build such as ``--only 02a``) stands on its own.
    """
    stems = [p.stem for p in chapters()] if stems is None else list(stems)
    names = sorted(n for n in map(notebooks.parse, stems) if n is not None)
    entries: list[dict[str, Any]] = []
    pages: dict[str, dict[str, Any]] = {}
    for name in names:
        entry = {"file": f"chapters/{name.stem}"}
        if name.is_section and name.chapter in pages:
            pages[name.chapter].setdefault("sections", []).append(entry)
        else:
            entries.append(entry)
            if not name.is_section:
                pages[name.chapter] = entry
    parts = ([{"caption": TOC_EXPERIMENTS, "chapters": entries}] if entries else []) + copy.deepcopy(TOC_AFTER)
    return {"format": "jb-book", "root": TOC_ROOT, "parts": parts}


def write_toc(path: Path = TOC, stems: list[str] | None = None) -> Path:
    """Write :func:`toc` to ``path`` (atomically) and return it."""
    from advclust.system import atomic_write_text

    return atomic_write_text(path, TOC_HEADER + yaml.safe_dump(toc(stems), sort_keys=False))


def toc_problems(path: Path = TOC) -> list[str]:
    """``_toc.yml`` differs from the table of contents the notebook files give: say so (CI fails)."""
    if not path.exists() or yaml.safe_load(path.read_text()) != toc():
        return [f"{path.name} does not list the notebooks as their file names place them (run: make toc)"]
    return []


def render_html() -> int:
    """Jupyter Book 1.x over the executed notebooks in ``chapters/``; warnings are errors. Returns the exit code.

    The table of contents lists the notebooks whose executed copy exists (a partial build renders those only).
    """
    executed = [c.stem for c in chapters() if (EXECUTED / f"{c.stem}.ipynb").exists()]
    toc_path = write_toc(EXECUTED / "_toc.yml", executed)
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(REPO_ROOT),
               "--toc", str(toc_path), "-W", "--keep-going"]
    return subprocess.run(command, cwd=REPO_ROOT).returncode


def build(profile: str = "quick", only: list[str] | None = None, overrides: dict[str, Any] | None = None,
          html: bool = True, fetch: bool = False, data_only: bool = False, jobs: int = 1) -> int:
    """Execute the chosen notebooks (see :func:`select`) at ``profile`` and render the book; 0 on success.

    First the data they need is checked (downloaded first with ``fetch``); ``data_only`` stops there.
    ``jobs`` notebooks execute at a time (see :func:`execute_all`).
    """
    profiles.load(profile)
    selected = select(only)
    if overrides and len(selected) != 1:
        raise UserInputError("--set applies to one notebook: name it with --only (e.g. --only 02a)")
    if jobs < 1:
        raise UserInputError(f"--jobs must be at least 1, not {jobs}")
    started = time.perf_counter()
    check_data(selected, fetch=fetch)
    print(f"[advclust book] the data of {len(selected)} notebook(s) is in place "
          f"({time.perf_counter() - started:.1f} s)", flush=True)
    if data_only:
        return 0
    if not execute_all(selected, profile, overrides, jobs):
        return 1
    if not html:
        return 0
    code = render_html()
    if code == 0:
        print(f"[advclust book] HTML at {HTML / 'index.html'}")
    return code


def kernel_threads(jobs: int, cpus: int | None = None) -> int:
    """Threads each notebook's kernel computes with when ``jobs`` execute at once on ``cpus`` cores.

    The cores are shared out, never oversubscribed: two busy torch processes of two threads each on
    a 2-core CPU slow each other down by an order of magnitude, where one thread each does not.
    """
    cpus = cpus or os.cpu_count() or 1
    return max(1, cpus // jobs)


def _set_kernel_threads(threads: int) -> None:
    """In a worker process: the kernels it starts inherit ``threads`` for torch, OpenMP and BLAS."""
    from advclust.system import thread_environment

    os.environ.update(thread_environment(threads))


def _execute_announced(path: Path, profile: str, overrides: dict[str, Any] | None,
                       output_dir: Path) -> ExecutedChapter:
    print(f"[advclust book] executing {path.stem} at profile {profile} ...", flush=True)
    return execute(path, profile, overrides, output_dir=output_dir)


def execute_all(selected: list[Path], profile: str, overrides: dict[str, Any] | None = None,
                jobs: int = 1, output_dir: Path = EXECUTED) -> bool:
    """Execute ``selected`` in order, ``jobs`` at a time; False (after saying which) when one fails.

    With one job the kernels inherit this process's thread settings (``OMP_NUM_THREADS``, else every
    core). With more, each of ``jobs`` worker processes executes one notebook at a time with
    :func:`kernel_threads` threads; after a failure the running notebooks finish and no more start.
    """
    if jobs == 1:
        os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
        results = (_outcome(lambda: _execute_announced(path, profile, overrides, output_dir)) for path in selected)
        return all(results)  # stops at the first failure
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    threads = kernel_threads(jobs)
    print(f"[advclust book] {len(selected)} notebook(s), {jobs} at a time, {threads} thread(s) each", flush=True)
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no torch state inherited from this one
    ok = True
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_set_kernel_threads,
                             initargs=(threads,)) as pool:
        running = {pool.submit(_execute_announced, path, profile, overrides, output_dir) for path in selected}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                if not future.cancelled() and not _outcome(future.result):
                    ok = False
                    for waiting in running:
                        waiting.cancel()  # those already executing cannot be cancelled: they finish
    return ok


def _outcome(result) -> bool:
    """Call ``result`` for an executed chapter and report it; False (reported) when the chapter failed."""
    try:
        chapter = result()
    except ChapterFailed as error:
        print(f"[advclust book] {error}", file=sys.stderr, flush=True)
        return False
    except BrokenProcessPool as error:
        print(f"[advclust book] a worker process died: {error}", file=sys.stderr, flush=True)
        return False
    print(f"[advclust book] {chapter.name}: {chapter.seconds:.0f} s -> {chapter.path}", flush=True)
    return True
