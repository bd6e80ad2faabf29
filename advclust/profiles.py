"""Profiles: ``params/<profile>.yaml`` holds the parameters of each run and each notebook.

``paper`` is the papers' protocol (meant for a GPU); ``quick`` is the same code
on a budget that executes the whole book on a 2-core CPU inside CI. A
chapter's own defaults are the paper's settings; a profile only overrides.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from advclust.errors import check_choice

REPO_ROOT = Path(__file__).resolve().parents[1]


def params_dir() -> Path:
    """Folder of the profile files: ``$ADVCLUST_PARAMS`` or the repository's ``params/``."""
    folder = Path(os.environ.get("ADVCLUST_PARAMS", REPO_ROOT / "params"))
    if not folder.is_dir():
        raise FileNotFoundError(f"no profile folder at {folder}; run from a clone of the advclust repository "
                                "or set ADVCLUST_PARAMS to its params/ folder")
    return folder


def names() -> list[str]:
    """The available profiles."""
    return sorted(p.stem for p in params_dir().glob("*.yaml"))


class YamlLoader(yaml.SafeLoader):
    """Safe YAML that reads numbers in any common notation as numbers: ``1e-4``, ``1E-4``, ``-.5``
    (YAML 1.1, PyYAML's, reads them as strings). Profiles and ``--set`` values are read with it."""


YamlLoader.add_implicit_resolver("tag:yaml.org,2002:float",
                                 re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
                                 list("-+.0123456789"))


def read_yaml(text: str) -> Any:
    """``text`` as YAML, with :class:`YamlLoader`."""
    return yaml.load(text, Loader=YamlLoader)


@lru_cache(maxsize=None)
def _read(path: Path, mtime: float) -> dict[str, Any]:
    return read_yaml(path.read_text()) or {}


def load(profile: str) -> dict[str, Any]:
    """The whole profile ``profile`` as a dict; unknown names raise listing the valid ones."""
    check_choice("profile", profile, names())
    path = params_dir() / f"{profile}.yaml"
    return _read(path, path.stat().st_mtime)


#: Keys of a ``runs:`` entry that are not hyperparameters: options of the training data and of the evaluation data.
DATA_KEYS = ("dataset_options", "eval_options")
#: The ``runs: METHOD:`` entry that applies on every dataset without an entry of its own.
DEFAULT_ENTRY = "default"


def _entry_key(profile: str, method: str, dataset: str) -> str | None:
    """The key under ``runs: METHOD:`` that applies to ``dataset``: the dataset's own, else ``default``, else None."""
    entries = load(profile).get("runs", {}).get(method) or {}
    for key in (dataset, DEFAULT_ENTRY):
        if key in entries:
            return key
    return None


def run_entry(profile: str, method: str, dataset: str) -> dict[str, Any]:
    """The ``runs: METHOD: DATASET:`` entry of ``profile``, else its ``runs: METHOD: default:`` entry, else empty.

    An entry holds hyperparameters plus optional ``dataset_options`` (passed to ``data.load`` for
    training) and ``eval_options`` (the evaluation data, when it differs). The ``default`` entry makes
    a profile mean the same budget on every dataset (``quick`` is quick on any set).
    """
    key = _entry_key(profile, method, dataset)
    return {} if key is None else dict(load(profile)["runs"][method][key] or {})


def run_entry_name(profile: str, method: str, dataset: str) -> str | None:
    """Which entry :func:`run_entry` uses, as run records name it: ``quick:pfca/mnist``, ``quick:imsat/default``;
    ``None`` when the profile has none (the method's own defaults)."""
    key = _entry_key(profile, method, dataset)
    return None if key is None else f"{profile}:{method}/{key}"


def run_params(profile: str, method: str, dataset: str) -> dict[str, Any]:
    """Hyperparameters of ``method`` on ``dataset`` under ``profile`` (empty: the method's defaults)."""
    return {k: v for k, v in run_entry(profile, method, dataset).items() if k not in DATA_KEYS}


def run_data_options(profile: str, method: str, dataset: str) -> dict[str, Any]:
    """``dataset_options`` and ``eval_options`` of the run entry, as keyword arguments of ``runner.run``."""
    entry = run_entry(profile, method, dataset)
    return {k: dict(entry[k]) for k in DATA_KEYS if k in entry}


def notebook_timeout(profile: str, notebook: str) -> float | None:
    """Per-cell timeout in seconds for ``notebook`` (a stem such as ``02a_mnist_pfca``) under ``profile``.

    ``book: timeouts: {STEM: S}`` gives a notebook its own; otherwise ``book: execution_timeout``;
    ``None`` means no limit.
    """
    book = load(profile).get("book") or {}
    timeouts = book.get("timeouts") or {}
    return timeouts[notebook] if notebook in timeouts else book.get("execution_timeout")


def notebook_params(profile: str, notebook: str) -> dict[str, Any]:
    """Papermill parameters of ``notebook`` (a stem: ``01_synthetic_gaussians``, ``02a_mnist_pfca``) under ``profile``."""
    return dict(load(profile).get("notebooks", {}).get(notebook) or {})
