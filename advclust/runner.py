"""Runs and their records: fit a method on a dataset, score it, and keep a JSON record.

A record holds everything needed to trust or repeat a number: method,
dataset, profile, every hyperparameter, seed, metrics, wall time, device,
library versions and the git commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advclust import data, methods
from advclust.errors import UserInputError
from advclust.system import atomic_write_text, git_commit, provenance
# Re-exported for the chapters that call runner.resolve_device / runner.device_description (prefer advclust.system).
from advclust.system import device_description, resolve_device  # noqa: F401
from advclust.training import seed_everything  # noqa: F401  (re-exported)

METRICS = ("acc", "purity", "nmi", "ari")


def make_estimator(method: str, params: dict[str, Any] | None = None) -> methods.Clusterer:
    """The estimator of ``method`` with ``params``; unknown parameter names raise listing the valid ones."""
    params = dict(params or {})
    valid = methods.parameters(method)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise UserInputError(f"method {method!r} has no parameter {', '.join(map(repr, unknown))}; "
                             f"valid parameters: {', '.join(valid)}")
    estimator = methods.get(method)(**params)
    if hasattr(estimator, "validate_params"):
        estimator.validate_params()  # fail before any data is loaded or training starts
    return estimator


def fit_run(
    method: str, dataset: str | data.Dataset, params: dict[str, Any] | None = None, seed: int = 0,
    profile: str = "custom", dataset_options: dict[str, Any] | None = None,
    eval_dataset: str | data.Dataset | None = None, callbacks: Sequence = (),
    eval_options: dict[str, Any] | None = None,
    fit_options: dict[str, Any] | None = None, profile_entry: str | None = None,
) -> tuple[dict[str, Any], Any, data.Dataset]:
    """Fit ``method`` on ``dataset`` with ``seed``; return (record, fitted estimator, evaluation data).

    The estimator trains on ``dataset.training_source`` and is scored on ``eval_dataset``
    (default: the dataset itself, as the papers do for unsupervised clustering). ``eval_options``
    loads the evaluation data by name with these options (e.g. ``{"split": "test"}``); without
    ``eval_dataset`` the name is the training dataset's.
    ``fit_options`` go to ``fit`` as keywords (e.g. SIMI-ClusterGAN's ``prior``: a fitted IMSAT to reuse).
    ``profile_entry`` names the profile entry the parameters came from (``profiles.run_entry_name``),
    e.g. ``"quick:imsat/default"``; ``None`` for parameters given by hand.
    """
    params = {**dict(params or {}), "seed": seed}
    estimator = make_estimator(method, params)
    train_data = dataset if isinstance(dataset, data.Dataset) else data.load(dataset, **(dataset_options or {}))
    if eval_dataset is None and eval_options is None:
        eval_data = train_data
    elif isinstance(eval_dataset, data.Dataset):
        eval_data = eval_dataset
    else:
        eval_name = eval_dataset if eval_dataset is not None else dataset
        if not isinstance(eval_name, str):
            raise UserInputError("eval_options needs a dataset name (eval_dataset or dataset given by name)")
        eval_data = data.load(eval_name, **(eval_options or {}))
    if "n_clusters" in estimator.get_params() and "n_clusters" not in params:
        estimator.set_params(n_clusters=train_data.n_clusters)
    commit = git_commit()  # the code that runs is the code at the start
    started = time.perf_counter()
    estimator.fit(train_data.training_source, eval_set=(eval_data.inputs, eval_data.labels), callbacks=callbacks,
                  **(fit_options or {}))
    wall = time.perf_counter() - started
    scores = estimator.evaluate(eval_data.inputs, eval_data.labels)
    record = {
        "method": method,
        "dataset": train_data.name,
        "eval_dataset": eval_data.name,
        "dataset_options": _jsonable(train_data.options),
        "eval_options": _jsonable(eval_data.options),
        "profile": profile,
        "profile_entry": profile_entry,
        "seed": seed,
        "params": _jsonable(estimator.get_params()),
        "metrics": scores,
        "curve": evaluation_curve(getattr(estimator, "history_", None)),
        "wall_seconds": round(wall, 3),
        **provenance(estimator.device_),  # device, versions, host, created
        "commit": commit,
    }
    return record, estimator, eval_data


def evaluation_curve(history: pd.DataFrame | None) -> list[dict[str, float]]:
    """The evaluated rows of a training history (step and metrics), small enough for a record."""
    if history is None or history.empty or "acc" not in history:
        return []
    evaluated = history.dropna(subset=["acc"])
    columns = [c for c in (*METRICS, "wasserstein") if c in evaluated]
    return [{"step": int(step), **{c: float(row[c]) for c in columns}} for step, row in evaluated[columns].iterrows()]


def run(method: str, dataset: str | data.Dataset, params: dict[str, Any] | None = None, seed: int = 0,
        profile: str = "custom", **options: Any) -> dict[str, Any]:
    """Fit and score one run; return its JSON-serialisable record."""
    return fit_run(method, dataset, params, seed, profile, **options)[0]


def run_many(method: str, dataset: str | data.Dataset, params: dict[str, Any] | None = None,
             seeds: Iterable[int] = range(3), profile: str = "custom", out: str | os.PathLike | None = None,
             **options: Any) -> list[dict[str, Any]]:
    """One run per seed; records are written under ``out`` as they finish when it is given."""
    records = []
    for seed in seeds:
        record = run(method, dataset, params, seed, profile, **options)
        if out is not None:
            write_record(record, out)
        records.append(record)
    return records


def summarize(records: Sequence[dict[str, Any]], metrics: Sequence[str] = METRICS) -> pd.DataFrame:
    """Min / max / median / mean / std of each metric over runs, grouped by method and dataset, like the papers' tables."""
    rows = [{"method": r["method"], "dataset": r["dataset"], "profile": r["profile"], "seed": r["seed"],
             **{m: r["metrics"].get(m, np.nan) for m in metrics}} for r in records]
    frame = pd.DataFrame(rows)
    grouped = frame.groupby(["method", "dataset", "profile"])[list(metrics)]
    summary = grouped.agg(["min", "max", "median", "mean", "std"])
    summary.insert(0, ("runs", ""), grouped.size())
    return summary


def summarize_variants(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Median and best ACC and NMI, median purity and the number of runs, per (dataset, ``record["variant"]``)."""
    frame = pd.DataFrame([{"dataset": r["dataset"], "variant": r.get("variant", r["method"]),
                           **{m: r["metrics"].get(m, np.nan) for m in METRICS}} for r in records])
    grouped = frame.groupby(["dataset", "variant"], sort=False)
    return pd.DataFrame({
        "ACC median": grouped["acc"].median(), "ACC best": grouped["acc"].max(),
        "NMI median": grouped["nmi"].median(), "NMI best": grouped["nmi"].max(),
        "purity median": grouped["purity"].median(), "runs": grouped.size()})


def record_filename(record: dict[str, Any]) -> str:
    """``method_dataset_profile_seedN_<hash>.json``; the hash covers the hyperparameters and the data options
    (slices such as ``rows``/``sample`` included), and the evaluation data when they differ from the
    training data, so runs differing in any of them never collide."""
    settings = {k: v for k, v in record["params"].items() if k not in ("seed", "progress")}
    hashed = [settings, record.get("dataset_options")]
    evaluation = [record.get("eval_dataset", record["dataset"]), record.get("eval_options")]
    if evaluation != [record["dataset"], record.get("dataset_options")] and evaluation[1] is not None:
        hashed.append(evaluation)
    digest = hashlib.sha1(json.dumps(hashed, sort_keys=True).encode()).hexdigest()[:8]
    return f"{record['method']}_{record['dataset']}_{record['profile']}_seed{record['seed']}_{digest}.json"


def write_record(record: dict[str, Any], directory: str | os.PathLike) -> Path:
    """Write ``record`` as JSON under ``directory`` atomically; return its path."""
    return atomic_write_text(Path(directory) / record_filename(record), json.dumps(record, indent=2, sort_keys=True) + "\n")


def load_records(directory: str | os.PathLike = "results", method: str | None = None,
                 dataset: str | None = None, profile: str | None = None) -> list[dict[str, Any]]:
    """Records under ``directory`` (recursively), optionally filtered."""
    records = []
    for path in sorted(Path(directory).rglob("*.json")):
        record = json.loads(path.read_text())
        if not isinstance(record, dict) or "metrics" not in record:
            continue
        if all(v is None or record.get(k) == v for k, v in (("method", method), ("dataset", dataset), ("profile", profile))):
            records.append(record)
    return records


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    return value
