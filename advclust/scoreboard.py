"""The scoreboard: every method on every dataset, from this execution's sweep and the committed records, beside the
papers' numbers and the compute each run took (the book's closing chapter)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from advclust import reference, report, runner, sweep

#: The datasets of the data layer that the scoreboard covers, its columns: every one a paper prints an ACC for, and
#: digits, the 1 797 small images every method runs on in under a minute (no paper scores them).
DATASETS = ("digits", "mnist", "fashion-mnist", "artifact-mnist", "usps700", "mnist-imbalanced-1", "mnist-imbalanced-3",
            "orl", "cifar10-resnet50")
#: How the papers' tables name a dataset where it differs (ORL: the identity task; the features: their images).
PAPER_DATASETS = {"orl": "orl-identity", "cifar10-resnet50": "cifar10"}
#: Tables that cluster the same features (others print the same dataset name for its images: PFCA Table VI).
FEATURE_TABLES = {"cifar10-resnet50": {("dcan", "2"), ("simi-clustergan", "III")}}
#: The task of a dataset that has several (its data option and value): the one the papers' cell is about. Records
#: of another (ORL by gender, chapter 4) are not counted in the column.
TASKS = {"orl": ("target", "identity")}
#: How the papers print a method besides its display name and ``reference.BASELINE_NAMES``.
PRINTED = {"imsat": ("IMSAT(VAT)",)}


def specs(methods: Sequence[str], datasets: Sequence[str], profile: str, seeds: int,
          overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[sweep.RunSpec]:
    """The sweep's runs: every method on every dataset with ``architecture="auto"`` where a method has one, and
    ``overrides[method]`` on top of the profile's run entry (the quick book's shorter training)."""
    from advclust import methods as registry

    runs = []
    for method in methods:
        sets = {k: [v] for k, v in dict((overrides or {}).get(method) or {}).items()}
        if "architecture" in registry.parameters(method):
            sets.setdefault("architecture", ["auto"])
        runs += sweep.expand([method], datasets, profile, seeds, sets)
    return runs


def compute(methods: Sequence[str], datasets: Sequence[str], profile: str, seeds: int, out: str | os.PathLike,
            cpus: int | None = None, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> sweep.SweepResult:
    """Run the grid of :func:`specs` through :func:`advclust.sweep.run` (a local Ray instance on ``cpus`` cores)."""
    return sweep.run(specs(methods, datasets, profile, seeds, overrides), out, cpus=cpus, progress=False)


def paper_acc(method: str, dataset: str) -> tuple[float | None, str]:
    """The papers' ACC of ``method`` on ``dataset`` (the median where a range is printed) and where it is printed."""
    names = [runner.DISPLAY_NAMES.get(method, method), *reference.BASELINE_NAMES.get(method, ()),
             *PRINTED.get(method, ())]
    cells = reference.reported(dataset=PAPER_DATASETS.get(dataset, dataset), method=names, metric="acc",
                               statistic=["median", "value"])
    if dataset in FEATURE_TABLES:
        cells = cells[[key in FEATURE_TABLES[dataset] for key in zip(cells["paper"], cells["table"])]]
    if cells.empty:
        return None, ""
    first = cells.iloc[0]
    return float(first["value"]), f"{report.PAPER_NAMES.get(first['paper'], first['paper'])} Table {first['table']}"


#: The profiles a cell prefers, first to last: the papers' protocol, then the long CPU budgets.
PROFILE_ORDER = ("paper", "long")


def shown_runs(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runs one cell's median is taken over: those of its first profile in :data:`PROFILE_ORDER` (any other
    profile last) and, of that profile's configurations (:func:`report.configurations`), the most recently
    written, so that seeds of different settings never share a median."""
    if not runs:
        return []
    rank = lambda profile: PROFILE_ORDER.index(profile) if profile in PROFILE_ORDER else len(PROFILE_ORDER)  # noqa: E731
    first = min(rank(r["profile"]) for r in runs)
    groups = [group for _, group in report.configurations([r for r in runs if rank(r["profile"]) == first])]
    return max(groups, key=lambda group: max(r.get("created", "") for r in group))


def board(records: Sequence[dict[str, Any]], methods: Sequence[str], datasets: Sequence[str],
          failures: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """One row per (method, dataset): runs, median ACC over seeds, the paper's ACC, median seconds and the device.

    A method's own variant only (its display name: DCAN's protocol, not the variants of chapter 2f), and of its
    records those of :func:`shown_runs` (``left_out`` counts the others). A cell without records says why: the
    run could not start (``failures``) or no record exists.
    """
    failures = failures or {}
    rows = []
    for method in methods:
        own = runner.DISPLAY_NAMES.get(method, method)
        for dataset in datasets:
            found = [r for r in records if r["method"] == method and r["dataset"] == dataset
                     and in_cell(r, own)]
            runs = shown_runs(found)
            paper, source = paper_acc(method, dataset)
            row = {"method": method, "dataset": dataset, "runs": len(runs), "left_out": len(found) - len(runs),
                   "acc": None, "paper_acc": paper,
                   "paper_source": source, "seconds": None, "device": "", "profile": "",
                   "note": failures.get((method, dataset), "no record" if not runs else "")}
            if runs:
                frame = runner.records_frame(runs)
                row.update(acc=float(frame["acc"].median()), seconds=float(frame["wall_seconds"].median()),
                           device=", ".join(sorted({report.device_label(r.get("device", "")) for r in runs})),
                           profile=", ".join(sorted({r["profile"] for r in runs})))
            rows.append(row)
    return pd.DataFrame(rows)


def in_cell(record: dict[str, Any], own: str) -> bool:
    """Whether ``record`` counts in its method's cell: it ran the method's own variant ``own`` (its display name, not
    a chapter's variant such as "DCAN + Adam") and, on a dataset of :data:`TASKS`, that task (a record naming no
    option ran the default; chapter 4 labels its runs "NAME by TASK")."""
    option, value = TASKS.get(record["dataset"], (None, None))
    on_task = option is None or (record.get("dataset_options") or {}).get(option, value) == value
    return on_task and runner.variant_of(record) in (own, f"{own} by {value}")


def records_for(result: sweep.SweepResult | None, directory: str | None, methods: Sequence[str],
                datasets: Sequence[str]) -> list[dict[str, Any]]:
    """This execution's records and the committed non-quick records under ``directory``, of every cell: a cell
    shows the runs of its first profile (:func:`shown_runs`), so committed paper or long records stand before a
    quick execution's."""
    outcomes = result.outcomes if result else []
    ours = [o.record or json.loads(o.path.read_text()) for o in outcomes if o.status in ("ran", "skipped")]
    committed = [r for m in methods for d in datasets if directory for r in report.committed(m, d, directory)]
    return ours + committed


def failures_of(result: sweep.SweepResult | None) -> dict[tuple[str, str], str]:
    """'cannot run: why' for each (method, dataset) whose runs failed in the sweep."""
    return {(o.spec.method, o.spec.dataset): f"cannot run: {o.error.splitlines()[0][:120]}"
            for o in (result.outcomes if result else []) if o.status == "failed"}


def cells(table: pd.DataFrame) -> pd.DataFrame:
    """The board as text, method x dataset: 'ACC (paper P) · S s on DEVICE', or why a cell is empty."""
    def text(row) -> str:
        if row["acc"] is None or pd.isna(row["acc"]):
            return row["note"] + (f" (paper {row['paper_acc']:.3f})" if pd.notna(row["paper_acc"]) else "")
        paper = f" (paper {row['paper_acc']:.3f})" if pd.notna(row["paper_acc"]) else ""
        others = f"; {row['left_out']} of other settings not counted" if row.get("left_out") else ""
        return (f"{row['acc']:.3f}{paper} · {row['seconds']:.0f} s on {row['device']} "
                f"[{row['profile']}, {row['runs']} runs{others}]")

    return table.assign(cell=table.apply(text, axis=1)).pivot(index="method", columns="dataset", values="cell").reindex(
        index=list(dict.fromkeys(table["method"])), columns=list(dict.fromkeys(table["dataset"])))


def pivot(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """One column of the board (``acc``, ``seconds``) as a method x dataset frame, for a heatmap."""
    return table.pivot(index="method", columns="dataset", values=value).reindex(
        index=list(dict.fromkeys(table["method"])), columns=list(dict.fromkeys(table["dataset"]))).astype(float)


def against_papers(table: pd.DataFrame, tolerance: float = 0.02) -> pd.DataFrame:
    """Where this project's median ACC meets (within ``tolerance``) or misses the paper's, cell by cell."""
    both = table.dropna(subset=["acc", "paper_acc"]).copy()
    both["difference"] = both["acc"] - both["paper_acc"]
    both["verdict"] = ["meets" if d >= -tolerance else "misses" for d in both["difference"]]
    return both[["method", "dataset", "profile", "runs", "acc", "paper_acc", "paper_source", "difference",
                 "verdict"]].reset_index(drop=True)
