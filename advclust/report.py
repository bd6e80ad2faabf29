"""Side-by-side tables for the chapters: a paper's printed min / max / median beside runs of this repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from advclust import reference, runner

STATISTICS = ("min", "max", "median")
TABLE_METRICS = ("acc", "nmi", "ari")


def committed(method: str, dataset: str, directory: str = "results", **filters: Any) -> list[dict[str, Any]]:
    """Committed records of ``method`` on ``dataset`` from runs longer than the quick profile.

    ``filters`` keep records whose ``params`` hold the given values (``n_clusters=2``, say).
    """
    records = [r for r in runner.load_records(directory, method=method, dataset=dataset) if r["profile"] != "quick"]
    return [r for r in records if all(r["params"].get(k) == v for k, v in filters.items())]


def run_statistics(records: Sequence[dict[str, Any]], metrics: Sequence[str] = (*TABLE_METRICS, "purity")) -> dict:
    """{(metric, statistic): value} over ``records``, with the number of runs."""
    frame = pd.DataFrame([r["metrics"] for r in records])
    row = {(m, s): getattr(frame[m], s)() for m in metrics if m in frame for s in STATISTICS}
    row[("runs", "")] = len(records)
    return row


def beside_paper(records: Sequence[dict[str, Any]], paper: str, table: str, dataset: str, profile: str,
                 method: str = "PFCA", earlier: Sequence[dict[str, Any]] = ()) -> pd.DataFrame:
    """The paper's ``method`` row of ``table`` on ``dataset``, this execution's runs and committed records.

    Rows: the printed cells, this execution (``profile`` named) and one row per committed profile;
    columns: (metric, min / max / median), purity (the reference code's "ACC") beside ACC, runs.
    """
    printed = reference.reported(paper=paper, table=table, dataset=dataset, method=method)
    rows = {f"paper ({paper} Table {table})": {(m, s): v for m, s, v in
                                               printed[["metric", "statistic", "value"]].itertuples(index=False)}}
    if records:
        rows[f"this execution ({profile})"] = run_statistics(records)
    for name, group in pd.DataFrame({"profile": [r["profile"] for r in earlier]}).groupby("profile").groups.items() \
            if earlier else []:
        rows[f"committed {name} records"] = run_statistics([earlier[i] for i in group])
    frame = pd.DataFrame.from_dict(rows, orient="index")
    order = [(m, s) for m in (*TABLE_METRICS, "purity") for s in STATISTICS] + [("runs", "")]
    frame = frame.reindex(columns=[c for c in order if c in frame.columns])
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame
