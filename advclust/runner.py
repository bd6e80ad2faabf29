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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advclust import data, methods, metrics, runs, training
from advclust.errors import TrainingDiverged, UserInputError
from advclust.system import atomic_write_text, git_commit, now, provenance
# Re-exported for the chapters that call runner.resolve_device / runner.device_description (prefer advclust.system).
from advclust.system import device_description, limit_threads, resolve_device  # noqa: F401
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
    runs_root: str | os.PathLike | None = None,
) -> tuple[dict[str, Any], Any, data.Dataset]:
    """Fit ``method`` on ``dataset`` with ``seed``; return (record, fitted estimator, evaluation data).

    The estimator trains on ``dataset.training_source`` and is scored on ``eval_dataset``
    (default: the dataset itself, as the papers do for unsupervised clustering). ``eval_options``
    loads the evaluation data by name with these options (e.g. ``{"split": "test"}``); without
    ``eval_dataset`` the name is the training dataset's.
    ``fit_options`` go to ``fit`` as keywords (e.g. SIMI-ClusterGAN's ``prior``: a fitted IMSAT to reuse).
    ``profile_entry`` names the profile entry the parameters came from (``profiles.run_entry_name``),
    e.g. ``"quick:imsat/default"``; ``None`` for parameters given by hand.
    A ``checkpoint_dir`` in ``params`` gets a subfolder per seed (``seed3/``). With ``runs_root`` the run
    keeps its checkpoint and status under ``runs_root/<run id>/`` and resumes from there (:mod:`advclust.runs`).
    A diverged run raises :class:`TrainingDiverged` whose ``record`` has ``"status": "diverged"``.
    """
    train_data, eval_data = _load_data(dataset, dataset_options, eval_dataset, eval_options)
    estimator, header = _prepare(method, train_data, eval_data, params, seed, profile, profile_entry)
    folder = _claim(runs_root, header)
    record = _execute(estimator, header, train_data, eval_data, callbacks, fit_options, folder)
    return record, estimator, eval_data


def _load_data(dataset: str | data.Dataset, dataset_options: dict[str, Any] | None,
               eval_dataset: str | data.Dataset | None,
               eval_options: dict[str, Any] | None) -> tuple[data.Dataset, data.Dataset]:
    """The training and the evaluation data of a run (see :func:`fit_run`)."""
    train_data = dataset if isinstance(dataset, data.Dataset) else data.load(dataset, **(dataset_options or {}))
    if eval_dataset is None and eval_options is None:
        return train_data, train_data
    if isinstance(eval_dataset, data.Dataset):
        return train_data, eval_dataset
    eval_name = eval_dataset if eval_dataset is not None else dataset
    if not isinstance(eval_name, str):
        raise UserInputError("eval_options needs a dataset name (eval_dataset or dataset given by name)")
    return train_data, data.load(eval_name, **(eval_options or {}))


def _prepare(method: str, train_data: data.Dataset, eval_data: data.Dataset, params: dict[str, Any] | None,
             seed: int, profile: str, profile_entry: str | None) -> tuple[Any, dict[str, Any]]:
    """The estimator of one run and its record's header: what makes the run this run (its :func:`run_id`)."""
    params = {**dict(params or {}), "seed": seed}
    estimator = make_estimator(method, params)
    if "n_clusters" in estimator.get_params() and "n_clusters" not in params:
        estimator.set_params(n_clusters=train_data.n_clusters)
    header = {
        "method": method,
        "dataset": train_data.name,
        "eval_dataset": eval_data.name,
        "dataset_options": _jsonable(train_data.options),
        "eval_options": _jsonable(eval_data.options),
        "profile": profile,
        "profile_entry": profile_entry,
        "seed": seed,
        "params": _jsonable(estimator.get_params()),  # as given: where checkpoints go is not part of the run
    }
    if params.get("checkpoint_dir"):  # seeds sharing one checkpoint would resume each other's
        estimator.set_params(checkpoint_dir=str(Path(params["checkpoint_dir"]) / f"seed{seed}"))
    return estimator, header


def run_id(record: dict[str, Any]) -> str:
    """The id of a run (its folder under the runs root): the name of its record without ``.json``."""
    return record_filename(record)[: -len(".json")]


def _claim(runs_root: str | os.PathLike | None, header: dict[str, Any]) -> Path | None:
    """The run's folder under ``runs_root``, marked pending (:func:`runs.claim`); None without a runs root."""
    return None if runs_root is None else runs.claim(runs_root, run_id(header), **_status_fields(header))


def _status_fields(header: dict[str, Any]) -> dict[str, Any]:
    return {"method": header["method"], "dataset": header["dataset"], "profile": header["profile"],
            "seed": header["seed"], "total": header["params"].get("n_iterations"), "record": None}


def _execute(estimator: Any, header: dict[str, Any], train_data: data.Dataset, eval_data: data.Dataset,
             callbacks: Sequence = (), fit_options: dict[str, Any] | None = None,
             folder: Path | None = None) -> dict[str, Any]:
    """Fit and score a prepared run; return its record. In a run ``folder``: checkpoint there, keep its status."""
    callbacks = _start(estimator, folder, callbacks)
    commit = git_commit()  # the code that runs is the code at the start
    started = time.perf_counter()
    try:
        with training.checkpoint_labels(dataset=header["dataset"], dataset_options=header["dataset_options"]):
            estimator.fit(train_data.training_source, eval_set=(eval_data.inputs, eval_data.labels),
                          callbacks=callbacks, **(fit_options or {}))
    except TrainingDiverged as error:
        error.record = _diverged(estimator, header, error, time.perf_counter() - started, commit, folder)
        raise
    except BaseException as error:  # an interruption or a bug: the run can be resumed, say it stopped
        _died(folder, error)
        raise
    return _finish(estimator, header, train_data, eval_data, time.perf_counter() - started, commit, folder)


def _execute_seeds(prepared: Sequence[tuple[Any, dict[str, Any]]], train_data: data.Dataset, eval_data: data.Dataset,
                   callbacks: Sequence = (), folders: Sequence[Path | None] = (),
                   fit_options: Sequence[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Fit the prepared runs of one configuration as one seed batch (:func:`methods.fit_seeds`, with each run's
    ``fit_options``); their records.

    Each record is the one its sequential run writes; ``wall_seconds`` is the batch's, and ``batched_seeds``
    says how many seeds shared it. A diverged seed gets its diverged record while the others go on.
    """
    estimators = [estimator for estimator, _ in prepared]
    folders = list(folders) or [None] * len(prepared)
    per_seed = {id(e): _start(e, folder, callbacks) for e, folder in zip(estimators, folders)}
    def dispatch(model: Any, step: int) -> None:  # each seed's own callbacks (its run folder's status)
        for callback in per_seed[id(model)]:
            callback(model, step)
    commit = git_commit()
    started = time.perf_counter()
    try:
        with training.checkpoint_labels(dataset=train_data.name, dataset_options=_jsonable(train_data.options)):
            methods.fit_seeds(estimators, train_data.training_source, eval_set=(eval_data.inputs, eval_data.labels),
                              callbacks=[dispatch], fit_options=fit_options)
    except BaseException as error:
        for folder in folders:
            _died(folder, error)
        raise
    wall = time.perf_counter() - started
    records = []
    for (estimator, header), folder in zip(prepared, folders):
        header = {**header, "batched_seeds": len(prepared)}
        if estimator.diverged_ is not None:
            records.append(_diverged(estimator, header, estimator.diverged_, wall, commit, folder))
        else:
            records.append(_finish(estimator, header, train_data, eval_data, wall, commit, folder))
    return records


def _start(estimator: Any, folder: Path | None, callbacks: Sequence) -> list:
    """Point a run's checkpoints at its ``folder`` and mark it running; its callbacks with the status update."""
    if folder is None:
        return list(callbacks)
    params = estimator.get_params()
    if "checkpoint_dir" in params and not params["checkpoint_dir"]:
        estimator.set_params(checkpoint_dir=str(folder))
    if not params.get("checkpoint_every", 1):
        estimator.set_params(checkpoint_every=runs.default_checkpoint_every(params["n_iterations"]))
    runs.write_status(folder, state="running", started=now())
    return [*callbacks, lambda model, step: runs.write_status(folder, step=step, phase=model.phase_)]


def _died(folder: Path | None, error: BaseException) -> None:
    if folder is not None:
        runs.write_status(folder, state="died", error=f"{type(error).__name__}: {error}".splitlines()[0])


def _wall_seconds(estimator: Any, wall: float) -> float:
    """This session's ``wall`` seconds plus, for a resumed run, the loop seconds its history had logged by the step
    it resumed from: the run's time over all its sessions (less earlier sessions' setup and unlogged last steps).
    The same goes for each earlier phase the run trained itself (``own_phases_``, as SIMI-ClusterGAN's P_phi): a
    phase that finished in an earlier session resumes at its last step and adds all its logged seconds."""
    def earlier_sessions(model: Any) -> float:
        start = getattr(model, "resumed_from_", 0)
        logged = [row["seconds"] for row in getattr(model, "history_records_", None) or [] if row["step"] <= start]
        return logged[-1] if logged else 0.0
    phases = [estimator, *getattr(estimator, "own_phases_", ())]
    return wall + sum(earlier_sessions(phase) for phase in phases)


def _diverged(estimator: Any, header: dict[str, Any], error: TrainingDiverged, wall: float, commit: str | None,
              folder: Path | None) -> dict[str, Any]:
    """The record of a diverged run (also written to its run folder)."""
    diverged = {"step": error.step, "loss": error.loss}
    record = {**header, "status": "diverged", "diverged": diverged, "metrics": {},
              "curve": evaluation_curve(getattr(estimator, "history_", None)),
              "wall_seconds": round(_wall_seconds(estimator, wall), 3),
              **provenance(getattr(estimator, "device_", header["params"].get("device", "auto"))),
              "commit": commit}
    if folder is not None:
        runs.write_status(folder, state="diverged", diverged=diverged, step=error.step,
                          record=str(_write_json(folder / runs.RECORD_NAME, record)))
    return record


def _finish(estimator: Any, header: dict[str, Any], train_data: data.Dataset, eval_data: data.Dataset, wall: float,
            commit: str | None, folder: Path | None) -> dict[str, Any]:
    """Score a fitted run; its record (also written to its run folder)."""
    if eval_data is train_data and getattr(estimator, "labels_", None) is not None:  # fit labelled these inputs
        scores = {**metrics.clustering_scores(eval_data.labels, estimator.labels_),
                  **estimator.diagnostic_scores(eval_data.inputs, eval_data.labels)}
    else:
        scores = estimator.evaluate(eval_data.inputs, eval_data.labels)
    record = {
        **header,
        "status": "done",
        "metrics": scores,
        "curve": evaluation_curve(getattr(estimator, "history_", None)),
        "wall_seconds": round(_wall_seconds(estimator, wall), 3),
        **provenance(estimator.device_),  # device, versions, host, created
        "commit": commit,
    }
    if getattr(estimator, "resumed_from_", 0):
        record["resumed_from_step"] = estimator.resumed_from_  # wall_seconds counts the earlier sessions too
    if folder is not None:
        runs.write_status(folder, state="done", error=None,
                          record=str(_write_json(folder / runs.RECORD_NAME, record)))
    return record


#: History columns kept in a record's curve beside the metrics and the wall-clock seconds where a method logs them: WGAN critics' Wasserstein
#: estimate, DCAN's diagnostics (:mod:`advclust.methods.dcan_diagnostics`), PFCA's fake-label accuracy and
#: ``generated_purity`` and ``generated_acc`` (:meth:`advclust.methods.PFCA.evaluate`).
CURVE_EXTRAS = ("wasserstein", "d_real", "d_fake", "latent_saturation", "clusters_used", "cluster_kl_uniform",
                "encoder_drift", "fake_accuracy", "generated_purity", "generated_acc")


def evaluation_curve(history: pd.DataFrame | None) -> list[dict[str, float]]:
    """The evaluated rows of a training history (step and metrics), small enough for a record. A value a row
    lacks (a score that only later evaluations measure, as after resuming with a newer version) is left out of
    that row rather than written as NaN, which is not JSON."""
    if history is None or history.empty or "acc" not in history:
        return []
    evaluated = history.dropna(subset=["acc"])
    columns = [c for c in (*METRICS, "seconds", *CURVE_EXTRAS) if c in evaluated]
    return [{"step": int(step), **{c: float(row[c]) for c in columns if pd.notna(row[c])}}
            for step, row in evaluated[columns].iterrows()]


def run(method: str, dataset: str | data.Dataset, params: dict[str, Any] | None = None, seed: int = 0,
        profile: str = "custom", **options: Any) -> dict[str, Any]:
    """Fit and score one run; return its JSON-serialisable record."""
    return fit_run(method, dataset, params, seed, profile, **options)[0]


def run_many(method: str, dataset: str | data.Dataset, params: dict[str, Any] | None = None,
             seeds: Iterable[int] = range(3), profile: str = "custom", out: str | os.PathLike | None = None,
             dataset_options: dict[str, Any] | None = None, eval_dataset: str | data.Dataset | None = None,
             eval_options: dict[str, Any] | None = None, callbacks: Sequence = (),
             fit_options: dict[str, Any] | None = None, profile_entry: str | None = None,
             runs_root: str | os.PathLike | None = None, batch_seeds: bool = True) -> list[dict[str, Any]]:
    """One run per seed (options as :func:`fit_run`'s); records are written under ``out`` as they finish.

    With ``batch_seeds`` (the default) the seeds train as one seed batch (:mod:`advclust.seeds`) where the
    method allows it and that is faster (:func:`methods.should_batch_seeds`); the records are those of
    sequential runs to float tolerance.

    The data are loaded once. With ``runs_root`` every seed is marked pending there first, so that the
    runs still to come show in ``advclust run --status``. A seed that diverges gives a record with
    ``"status": "diverged"`` and the remaining seeds go on.
    """
    train_data, eval_data = _load_data(dataset, dataset_options, eval_dataset, eval_options)
    prepared = [_prepare(method, train_data, eval_data, params, seed, profile, profile_entry) for seed in seeds]
    folders = [_claim(runs_root, header) for _, header in prepared]
    if batch_seeds and methods.should_batch_seeds([e for e, _ in prepared]):
        records = _execute_seeds(prepared, train_data, eval_data, callbacks, folders,
                                 [fit_options or {}] * len(prepared))
        if out is not None:
            for record in records:
                write_record(record, out)
        return records
    records = []
    for (estimator, header), folder in zip(prepared, folders):
        try:
            record = _execute(estimator, header, train_data, eval_data, callbacks, fit_options, folder)
        except TrainingDiverged as error:
            record = error.record
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


#: Run-control settings added after records were committed: hashed only when they differ from these
#: defaults, so the committed records keep their names (and their runs' checkpoint folders).
HASHED_ONLY_IF_CHANGED = {"precision": "float32", "cuda_graph": False}


def settings(record: dict[str, Any]) -> list[Any]:
    """What makes a record's configuration, seed apart: its hyperparameters and data options (slices such as
    ``rows``/``sample`` included), and the evaluation data when they differ from the training data."""
    params = {k: v for k, v in record["params"].items()
              if k not in ("seed", "progress") and not (k in HASHED_ONLY_IF_CHANGED and v == HASHED_ONLY_IF_CHANGED[k])}
    configuration = [params, record.get("dataset_options")]
    evaluation = [record.get("eval_dataset", record["dataset"]), record.get("eval_options")]
    if evaluation != [record["dataset"], record.get("dataset_options")] and evaluation[1] is not None:
        configuration.append(evaluation)
    return configuration


def record_filename(record: dict[str, Any]) -> str:
    """``method_dataset_profile_seedN_<hash>.json``; the hash covers the record's :func:`settings`, so runs
    differing in any of them never collide."""
    digest = hashlib.sha1(json.dumps(settings(record), sort_keys=True).encode()).hexdigest()[:8]
    return f"{record['method']}_{record['dataset']}_{record['profile']}_seed{record['seed']}_{digest}.json"


def write_record(record: dict[str, Any], directory: str | os.PathLike) -> Path:
    """Write ``record`` as JSON under ``directory`` atomically; return its path."""
    return _write_json(Path(directory) / record_filename(record), record)


def _write_json(path: Path, record: dict[str, Any]) -> Path:
    return atomic_write_text(path, json.dumps(record, indent=2, sort_keys=True) + "\n")


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


# --- experiments: what a chapter's tables are made of ------------------------------------------------------------

#: How the papers and the chapters name each method (a record's default ``variant``).
DISPLAY_NAMES: dict[str, str] = {
    "pfca": "PFCA", "dcan": "DCAN", "dual-aae": "Dual-AAE", "imsat": "IMSAT", "clustergan": "ClusterGAN",
    "simi-clustergan": "SIMI-ClusterGAN", "kmeans": "k-means", "gmm": "GMM", "spectral": "spectral",
    "agglomerative": "agglomerative", "nmf": "NMF",
}


@dataclass
class Experiment:
    """One configuration fitted over several seeds: one row group of a chapter's tables.

    ``data`` trains the method (a registry name or a loaded :class:`~advclust.data.Dataset`);
    ``evaluate_on`` is scored (default: the training data); ``variant`` labels the rows (default:
    the method's display name). ``extra_metrics`` maps a name to ``f(model, eval_data)`` returning a
    number or a dict of numbers, stored in the record's ``metrics`` when the run is made.
    ``fit_options`` go to ``fit`` (a dict, or ``f(seed) -> dict``, e.g. a fitted prior per seed).
    """

    method: str
    data: str | data.Dataset
    params: dict[str, Any] = field(default_factory=dict)
    seeds: Sequence[int] = (0,)
    variant: str | None = None
    evaluate_on: str | data.Dataset | None = None
    extra_metrics: dict[str, Callable[[Any, data.Dataset], Any]] = field(default_factory=dict)
    fit_options: dict[str, Any] | Callable[[int], dict[str, Any]] | None = None

    @property
    def label(self) -> str:
        return self.variant or DISPLAY_NAMES.get(self.method, self.method)


@dataclass
class Results:
    """Records of fitted experiments, with their fitted models by (variant, dataset, seed)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    models: dict[tuple[str, str, int], Any] = field(default_factory=dict)
    profile: str = "custom"

    def __add__(self, other: Results) -> Results:
        return Results(self.records + other.records, {**self.models, **other.models}, self.profile)

    def model(self, variant: str, dataset: str | None = None, seed: int | None = None) -> Any:
        """The fitted model of ``variant`` (on ``dataset``, with ``seed``; default: the first fitted)."""
        for (v, d, s), model in self.models.items():
            if v == variant and dataset in (None, d) and seed in (None, s):
                return model
        raise UserInputError(f"no fitted model of {variant!r} on {dataset or 'any dataset'}; fitted: "
                             + ", ".join(sorted({f'{v} on {d}' for v, d, _ in self.models})))

    def where(self, variant: str | Sequence[str] | None = None, dataset: str | None = None) -> Results:
        """The records (and models) of the given variant(s) and dataset."""
        variants = [variant] if isinstance(variant, str) else variant
        keep = lambda v, d: (variants is None or v in variants) and dataset in (None, d)  # noqa: E731
        return Results([r for r in self.records if keep(r["variant"], r["dataset"])],
                       {k: m for k, m in self.models.items() if keep(k[0], k[1])}, self.profile)

    def frame(self) -> pd.DataFrame:
        """One row per run: dataset, variant, seed and every metric."""
        return records_frame(self.records)


def records_frame(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per record: method, dataset, variant, profile, seed, wall seconds and every scalar metric."""
    rows = [{"method": r["method"], "dataset": r["dataset"], "variant": variant_of(r), "profile": r["profile"],
             "seed": r["seed"], "wall_seconds": r.get("wall_seconds"),
             **{k: v for k, v in r["metrics"].items() if isinstance(v, (int, float))}} for r in records]
    return pd.DataFrame(rows)


def variant_of(record: dict[str, Any]) -> str:
    """A record's row label: its ``variant``; for records written without one, the variant of
    ``reference.VARIANTS`` whose parameters it has, else the method's display name."""
    if record.get("variant"):
        return record["variant"]
    from advclust import reference

    variants = getattr(reference, "VARIANTS", {}).get(record["method"], {})
    matching = [name for name, params in variants.items()
                if params and all(record["params"].get(k) == v for k, v in params.items())]
    # Variants stack on a base ("DCAN + Adam" also has the base's settings): the one that accounts for every key
    # that any variant sets (the others at the method's defaults) is the record's; else the first that matches.
    defaults = _defaults(record["method"])
    keys = {k for params in variants.values() for k in params}
    for name in matching:
        expected = {k: variants[name][k] if k in variants[name] else defaults[k]
                    for k in keys if k in variants[name] or k in defaults}
        if all(_same(record["params"][k], v) for k, v in expected.items() if k in record["params"]):
            return name
    return matching[0] if matching else DISPLAY_NAMES.get(record["method"], record["method"])


def _defaults(method: str) -> dict[str, Any]:
    """The constructor defaults of ``method``'s estimator (empty when it has none)."""
    import dataclasses

    try:
        cls = methods.get(method)
    except Exception:  # an unknown method in an old record: no defaults to compare with
        return {}
    if not dataclasses.is_dataclass(cls):
        return {}
    return {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}


def _same(a: Any, b: Any) -> bool:
    """Equal, with lists and tuples alike (records store tuples as lists)."""
    norm = lambda v: list(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
    return norm(a) == norm(b)


def fit_experiments(experiments: Experiment | Sequence[Experiment], profile: str = "custom",
                    out: str | os.PathLike | None = None, keep_models: bool = True,
                    verbose: bool = True, batch_seeds: bool = True, resume: bool = False) -> Results:
    """Fit every experiment over its seeds; records are complete when made and written under ``out`` (if given).

    With ``batch_seeds`` an experiment's seeds train as one seed batch where its method allows it and that is
    faster (:func:`methods.should_batch_seeds`; :mod:`advclust.seeds`; the records equal sequential runs' to
    float tolerance).
    With ``resume`` every run keeps its checkpoint and status under the runs root (:func:`runs.root`), as
    ``advclust run`` does: fitting the same experiments again resumes each run where it stopped, and a finished
    run is scored again without training (``advclust run --status`` lists them). A run's identity is its
    method, data, parameters and seed, not the code: after changing the code, delete its folder to start over.
    Prints one line per run (ACC, NMI, ARI, seconds) unless ``verbose`` is false.
    """
    experiments = [experiments] if isinstance(experiments, Experiment) else list(experiments)
    results = Results(profile=profile)
    for experiment in experiments:
        for record, model, eval_data in _experiment_runs(experiment, profile, batch_seeds,
                                                         runs.root() if resume else None):
            seed = record["seed"]
            record["variant"] = experiment.label
            for name, measure in experiment.extra_metrics.items():
                value = measure(model, eval_data)
                record["metrics"].update(_jsonable(value) if isinstance(value, dict) else {name: float(value)})
            if out:
                write_record(record, out)
            results.records.append(record)
            if keep_models or not results.models:
                results.models[(record["variant"], record["dataset"], seed)] = model
            if verbose:
                scores = record["metrics"]
                notes = [f"one batch of {record['batched_seeds']} seeds"] if record.get("batched_seeds") else []
                if record.get("resumed_from_step"):
                    notes.append(f"resumed from step {record['resumed_from_step']}")
                print(f"{record['variant']} on {record['dataset']}, seed {seed}: ACC {scores['acc']:.4f}, "
                      f"NMI {scores['nmi']:.4f}, ARI {scores['ari']:.4f}, {record['wall_seconds']:.0f} s"
                      + (f" ({'; '.join(notes)})" if notes else ""))
    return results


def _experiment_runs(experiment: Experiment, profile: str, batch_seeds: bool,
                     runs_root: Path | None = None) -> Iterator[tuple[dict[str, Any], Any, data.Dataset]]:
    """(record, fitted model, evaluation data) of each seed of ``experiment``: one seed batch where possible;
    with ``runs_root``, each run checkpoints in its folder there and resumes from it (:func:`fit_run`)."""
    seeds = list(experiment.seeds)
    options = [experiment.fit_options(seed) if callable(experiment.fit_options) else experiment.fit_options
               for seed in seeds]
    if batch_seeds and len(seeds) > 1:
        train_data, eval_data = _load_data(experiment.data, None, experiment.evaluate_on, None)
        prepared = [_prepare(experiment.method, train_data, eval_data, experiment.params, seed, profile, None)
                    for seed in seeds]
        estimators = [estimator for estimator, _ in prepared]
        if methods.should_batch_seeds(estimators):
            folders = [_claim(runs_root, header) for _, header in prepared]
            batch = _execute_seeds(prepared, train_data, eval_data, folders=folders,
                                   fit_options=[o or {} for o in options])
            for estimator, record in zip(estimators, batch):
                if record["status"] == "diverged":  # as a sequential run of the chapter would
                    raise estimator.diverged_
                yield record, estimator, eval_data
            return
    for seed, seed_options in zip(seeds, options):
        yield fit_run(experiment.method, experiment.data, experiment.params, seed, profile,
                      eval_dataset=experiment.evaluate_on, fit_options=seed_options, runs_root=runs_root)
