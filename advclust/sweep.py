"""Sweeps on Ray: every (method, dataset, seed, overrides) combination as one task, on one machine or a cluster.

Each task calls the same code as ``advclust run`` (:func:`advclust.runner.run` with the profile's run entry)
and writes the same JSON record, under the same name (:func:`advclust.runner.record_filename`), so a run
whose record already exists under the output folder is skipped. A worker that dies is retried up to
``max_retries`` times, then the run is recorded as failed (``NAME.failed.json``, which holds no metrics).
Ray is an optional extra (``pip install advclust[sweep]``), imported only when a sweep runs.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from advclust.errors import UserInputError, check_choice
from advclust.system import thread_environment

#: Sweep-file fields, as the command line names them (``--gpus-per-run`` is ``gpus_per_run`` in a file).
FILE_FIELDS = ("methods", "datasets", "profile", "seeds", "first_seed", "out", "set", "address", "gpus_per_run",
               "cpus", "max_retries", "grids")
#: Environment of every task: one thread each, so that N tasks share N cores without contention.
TASK_ENV = thread_environment(1)
FAILED_SUFFIX = ".failed.json"
REPO_ROOT = Path(__file__).resolve().parents[1]


def import_ray():
    """Ray, or a clear error naming the extra that installs it."""
    try:
        import ray
    except ImportError as error:
        raise UserInputError("advclust sweep needs Ray: pip install 'advclust[sweep]'") from error
    return ray


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: what ``advclust run METHOD DATASET --profile P --set K=V`` does for one seed."""

    method: str
    dataset: str
    seed: int
    profile: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """The profile's run entry with the overrides on top (as ``advclust run`` builds them)."""
        from advclust import profiles

        return {**profiles.run_params(self.profile, self.method, self.dataset), **dict(self.overrides)}

    @property
    def label(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in self.overrides)
        return f"{self.method} on {self.dataset}, seed {self.seed}{extra}"

    def record_name(self) -> str:
        """The file name ``runner.write_record`` gives this run's record (loads the data once, cached, for the
        number of clusters and the data options that the name's hash covers)."""
        from advclust import profiles, runner

        params = {**self.params, "seed": self.seed}
        estimator_params = runner.make_estimator(self.method, params).get_params()
        options = profiles.run_data_options(self.profile, self.method, self.dataset)
        n_clusters, train_options = _data_signature(self.dataset, _frozen(options.get("dataset_options")))
        if "n_clusters" in estimator_params and "n_clusters" not in params:
            estimator_params["n_clusters"] = n_clusters
        eval_options = (train_options if "eval_options" not in options
                        else _data_signature(self.dataset, _frozen(options["eval_options"]))[1])
        skeleton = {"method": self.method, "dataset": self.dataset, "eval_dataset": self.dataset,
                    "profile": self.profile, "seed": self.seed, "params": runner._jsonable(estimator_params),
                    "dataset_options": train_options, "eval_options": eval_options}
        return runner.record_filename(skeleton)


def _frozen(options: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(options or {}), sort_keys=True)


@lru_cache(maxsize=None)
def _data_signature(dataset: str, options: str) -> tuple[int, dict[str, Any]]:
    """(number of clusters, recorded options) of ``dataset`` loaded with ``options`` (JSON)."""
    from advclust import data, runner

    loaded = data.load(dataset, **json.loads(options))
    return loaded.n_clusters, runner._jsonable(loaded.options)


def split_values(raw: str) -> list[Any]:
    """``"1,2,[8,16]"`` -> ``[1, 2, [8, 16]]``: comma-separated YAML values (commas inside brackets stay)."""
    parts, depth, current = [], 0, ""
    for char in raw:
        depth += (char in "[{") - (char in "]}")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    try:
        return [yaml.safe_load(part) for part in parts]
    except yaml.YAMLError as error:
        raise UserInputError(f"cannot read the values {raw!r}: {error}") from error


def parse_sets(pairs: Sequence[str] | Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """``["lr=0.001,0.0001"]`` (command line) or ``{lr: [0.001, 0.0001]}`` (sweep file) -> values per key."""
    if isinstance(pairs, Mapping):
        return {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in pairs.items()}
    values = {}
    for pair in pairs or ():
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UserInputError(f"--set expects key=v1,v2,..., got {pair!r}")
        values[key.strip()] = split_values(raw)
    return values


def expand(methods: Iterable[str], datasets: Iterable[str], profile: str, seeds: int | Iterable[int],
           sets: Mapping[str, Sequence[Any]] | None = None, first_seed: int = 0) -> list[RunSpec]:
    """Every (method, dataset, seed, overrides) combination, methods and datasets checked against the registries."""
    from advclust import data, methods as registry, profiles

    check_choice("profile", profile, profiles.names())
    methods, datasets = list(methods), list(datasets)
    for method in methods:
        registry.get(method)
    for dataset in datasets:
        data.spec(dataset)
    seeds = range(first_seed, first_seed + seeds) if isinstance(seeds, int) else list(seeds)
    if not methods or not datasets or not seeds:
        raise UserInputError("a sweep needs at least one method, one dataset and one seed")
    keys = list(sets or {})
    combos = [tuple(zip(keys, values)) for values in itertools.product(*(sets[k] for k in keys))] if keys else [()]
    return [RunSpec(m, d, s, profile, c) for m in methods for d in datasets for c in combos for s in seeds]


def read_file(path: str | os.PathLike) -> dict[str, Any]:
    """A sweep file: the command's fields, plus optional ``grids`` (each its own methods/datasets/...)."""
    config = yaml.safe_load(Path(path).read_text()) or {}
    unknown = sorted(set(config) - set(FILE_FIELDS))
    if unknown:
        raise UserInputError(f"sweep file {path} has no field {', '.join(map(repr, unknown))}; "
                             f"valid fields: {', '.join(FILE_FIELDS)}")
    return config


def specs_from(config: Mapping[str, Any]) -> list[RunSpec]:
    """The runs of a sweep configuration (a file's fields, or the command line's), duplicates dropped."""
    grids = config.get("grids") or [{}]
    specs = []
    for grid in grids:
        merged = {**config, **grid}
        specs += expand(merged.get("methods") or [], merged.get("datasets") or [], merged.get("profile", "quick"),
                        merged.get("seeds", 1), parse_sets(merged.get("set")), merged.get("first_seed", 0))
    unique = {repr(spec): spec for spec in specs}  # overrides may hold lists, so specs are not hashable
    return list(unique.values())


# --- running ------------------------------------------------------------------------------------------------------

def execute(spec: RunSpec, out: str) -> dict[str, Any]:
    """One run, as ``advclust run`` makes it, on one thread; the record is written under ``out`` and returned."""
    import torch

    from advclust import profiles, runner

    torch.set_num_threads(1)
    record = runner.run(spec.method, spec.dataset, spec.params, spec.seed, spec.profile,
                        profile_entry=profiles.run_entry_name(spec.profile, spec.method, spec.dataset),
                        **profiles.run_data_options(spec.profile, spec.method, spec.dataset))
    runner.write_record(record, out)
    return record


@dataclass
class Outcome:
    """What became of one run: ``ran``, ``skipped`` (its record existed) or ``failed`` (with the error)."""

    spec: RunSpec
    status: str
    path: Path | None = None
    record: dict[str, Any] | None = None
    error: str = ""


@dataclass
class SweepResult:
    outcomes: list[Outcome] = field(default_factory=list)
    startup_seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def summary(self) -> pd.DataFrame:
        """One row per (method, dataset): runs ran, skipped and failed, median ACC and seconds of the records."""
        rows = []
        for o in self.outcomes:
            record = o.record or (json.loads(o.path.read_text()) if o.path and o.path.exists() else {})
            rows.append({"method": o.spec.method, "dataset": o.spec.dataset, "ran": o.status == "ran",
                         "skipped": o.status == "skipped", "failed": o.status == "failed",
                         "acc": record.get("metrics", {}).get("acc"), "seconds": record.get("wall_seconds")})
        frame = pd.DataFrame(rows)
        if frame.empty:
            return frame
        return frame.groupby(["method", "dataset"], sort=False).agg(
            ran=("ran", "sum"), skipped=("skipped", "sum"), failed=("failed", "sum"),
            median_acc=("acc", "median"), median_seconds=("seconds", "median"))


def pending(specs: Sequence[RunSpec], out: str | os.PathLike) -> tuple[list[tuple[RunSpec, str]], list[Outcome]]:
    """(runs to make with their record names, outcomes of runs whose record exists anywhere under ``out``).

    A run whose name cannot be worked out (its data missing, a bad parameter) fails here, before Ray starts.
    """
    existing = {p.name: p for p in Path(out).rglob("*.json")} if Path(out).is_dir() else {}
    todo, done = [], []
    for spec in specs:
        try:
            name = spec.record_name()
        except Exception as error:  # noqa: BLE001  (a user's data or parameters: reported per run, never fatal)
            done.append(Outcome(spec, "failed", error=f"{type(error).__name__}: {error}"))
            continue
        if name in existing:
            done.append(Outcome(spec, "skipped", existing[name]))
        else:
            todo.append((spec, name))
    return todo, done


def start_ray(address: str | None = None, cpus: int | None = None) -> tuple[Any, bool]:
    """(ray, whether this call started it): join ``address`` ("auto": the cluster of ``ray start``), reuse a
    running instance, or start a local one on ``cpus`` cores (default: all)."""
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    options = dict(runtime_env={"env_vars": TASK_ENV}, log_to_driver=False, logging_level="ERROR")
    if address:
        ray.init(address=address, **options)
    else:
        ray.init(num_cpus=cpus or os.cpu_count() or 1, include_dashboard=False, **options)
    return ray, True


def run(specs: Sequence[RunSpec], out: str | os.PathLike, address: str | None = None, cpus: int | None = None,
        gpus_per_run: float = 0.0, max_retries: int = 2, progress: bool = True,
        task: Callable[[RunSpec, str], dict[str, Any]] = execute) -> SweepResult:
    """Run every spec whose record is not under ``out`` as a Ray task (1 CPU, ``gpus_per_run`` GPUs each).

    Records are written by the workers as runs finish (and again by this process when missing, which
    collects them from the nodes of a cluster without a shared filesystem). A worker that dies is
    retried ``max_retries`` times; a run that raises is not retried. Ray is shut down afterwards only
    when this call started it. ``task`` is the function each task calls (tests put a failing one here).
    """
    from tqdm.auto import tqdm

    from advclust import runner

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo, outcomes = pending(specs, out)
    result = SweepResult(outcomes)
    if not todo:
        return result
    started = time.perf_counter()
    ray, own = start_ray(address, cpus)
    result.startup_seconds = time.perf_counter() - started
    try:
        remote = ray.remote(task).options(num_cpus=1, num_gpus=gpus_per_run, max_retries=max_retries)
        refs = {remote.remote(spec, str(out)): (spec, name) for spec, name in todo}
        with tqdm(total=len(specs), initial=len(specs) - len(todo), desc="runs", unit="run",
                  disable=not progress) as bar:
            while refs:
                [ref], _ = ray.wait(list(refs), num_returns=1)
                spec, name = refs.pop(ref)
                result.outcomes.append(_collect(ray, ref, spec, out / name, runner))
                bar.update(1)
    finally:
        if own:
            ray.shutdown()
    return result


def _collect(ray, ref, spec: RunSpec, path: Path, runner) -> Outcome:
    """The outcome of a finished task: its record (written here when the worker's copy is not visible) or its error."""
    failure = path.with_name(path.name.removesuffix(".json") + FAILED_SUFFIX)
    try:
        record = ray.get(ref)
    except ray.exceptions.RayTaskError as error:  # the run raised: the cause, as the user would see it
        message = f"{type(error.cause).__name__}: {error.cause}" if error.cause else str(error)
    except ray.exceptions.RayError as error:  # the worker died more often than retried
        message = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    else:
        if not path.exists():
            runner.write_record(record, path.parent)
        failure.unlink(missing_ok=True)
        return Outcome(spec, "ran", path, record)
    import platform

    from advclust.system import atomic_write_text

    atomic_write_text(failure, json.dumps({"failed": spec.label, "error": message, "method": spec.method,
                                           "dataset": spec.dataset, "seed": spec.seed, "profile": spec.profile,
                                           "overrides": dict(spec.overrides), "host": platform.node()},
                                          indent=2, sort_keys=True, default=str) + "\n")
    return Outcome(spec, "failed", failure, error=message)


def report(result: SweepResult) -> str:
    """The closing lines of ``advclust sweep``: counts, the summary table and each failure."""
    lines = [f"{len(result.outcomes)} runs: {result.count('ran')} ran, {result.count('skipped')} skipped "
             f"(record exists), {result.count('failed')} failed"]
    if result.outcomes and result.count("skipped") == len(result.outcomes):
        lines.append("every run's record exists already: nothing to do")
    summary = result.summary()
    if not summary.empty:
        lines.append(summary.round(4).to_string())
    lines += [f"failed: {o.spec.label}: {o.error}" for o in result.outcomes if o.status == "failed"]
    return "\n".join(lines)
