"""What the chapters show beside the papers: one comparison table (:func:`compare`), the papers' values as marks,
medians for computed sentences, and committed records of longer profiles."""

from __future__ import annotations

import functools
import json
import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advclust import reference, runner
from advclust.errors import UserInputError

TABLE_METRICS = ("acc", "nmi", "ari")


def committed(method: str, dataset: str, directory: str = "results", **filters: Any) -> list[dict[str, Any]]:
    """Committed records of ``method`` on ``dataset`` from runs longer than the quick profile.

    ``filters`` keep records whose ``params`` hold the given values (``n_clusters=2``, say).
    """
    records = [r for r in runner.load_records(directory, method=method, dataset=dataset) if r["profile"] != "quick"]
    return [r for r in records if all(r["params"].get(k) == v for k, v in filters.items())]


def committed_like(results: runner.Results | Sequence[dict[str, Any]], directory: str | None = "results",
                   variant_of: Callable[[dict[str, Any]], str] = runner.variant_of) -> list[dict[str, Any]]:
    """The committed non-quick records of the methods, datasets and variants in ``results``: what a chapter shows
    beside this execution (none when ``directory`` is None)."""
    records = results.records if isinstance(results, runner.Results) else list(results)
    if not directory:
        return []
    keys = {(r["method"], r["dataset"], variant_of(r)) for r in records}
    return [r for method, dataset in dict.fromkeys((m, d) for m, d, _ in keys)
            for r in committed(method, dataset, directory) if (method, dataset, variant_of(r)) in keys]


# --- one comparison table for every chapter ----------------------------------------------------------------------

#: Short names of the papers, as the book cites them.
PAPER_NAMES = {"dcan": "DCAN", "pfca": "PFCA", "dual-aae": "Dual-AAE", "simi-clustergan": "SIMI-ClusterGAN"}


def benchmark(name: str, machine: str = "cpu", directory: str = "results/bench") -> dict[str, Any] | None:
    """The newest committed record of ``advclust bench NAME`` on ``machine`` (``{machine}_*_{name}.json``, ``-`` in
    the name written ``_``, the date in the file name), or None where none is committed."""
    files = sorted(Path(directory).glob(f"{machine}_*_{name.replace('-', '_')}.json"))
    if not files:
        return None
    record = json.loads(files[-1].read_text())
    return {**record, "file": str(files[-1])}


def cell(values: Sequence[float], quoted: bool = False) -> str:
    """'median [min, max]' of ``values`` (the value alone for one), with '*' for a number quoted from earlier work."""
    series = pd.Series(values, dtype=float).dropna()
    if series.empty:
        return ""
    text = f"{series.median():.3f}" + (f" [{series.min():.3f}, {series.max():.3f}]" if len(series) > 1 else "")
    return text + ("*" if quoted else "")


def _printed_cell(rows: pd.DataFrame) -> str:
    by_statistic = dict(zip(rows["statistic"], rows["value"]))
    centre = by_statistic.get("median", by_statistic.get("value", by_statistic.get("mean")))
    text = "" if centre is None else f"{centre:.4g}"  # as printed (0.8565, 0.958)
    if "min" in by_statistic and "max" in by_statistic:
        text += f" [{by_statistic['min']:.4g}, {by_statistic['max']:.4g}]"
    if "std" in by_statistic:  # Dual-AAE Table II prints mean ± std
        text += f" ± {by_statistic['std']:.4g}"
    return text + ("*" if rows["quoted"].any() else "")


def compare(results: runner.Results | Sequence[dict[str, Any]], tables: Sequence[tuple[str, str]] = (),
            printed: dict[str, str | Sequence[str]] | None = None, paper_datasets: dict[str, str] | None = None,
            metrics: Sequence[str] = TABLE_METRICS, committed_in: str | None = "results",
            variant_of: Callable[[dict[str, Any]], str] = runner.variant_of) -> pd.DataFrame:
    """The chapters' one comparison table, grouped by dataset and variant.

    For each (dataset, variant) of ``results``: the paper's printed cells from each ``(paper, table)``
    of ``tables`` (the paper's method name is ``printed[variant]``, else ``printed[method]`` as in
    ``reference.BASELINE_NAMES``, default the variant itself; a
    record's dataset is looked up as ``paper_datasets.get(name, name)``), this execution's runs
    (profile named) and the committed non-quick records under ``committed_in`` of the same method,
    dataset and variant. Cells read 'median [min, max]' over runs; '*' marks a number a paper quotes.
    """
    records = results.records if isinstance(results, runner.Results) else list(results)
    profile = results.profile if isinstance(results, runner.Results) else (records[0]["profile"] if records else "")
    printed, paper_datasets = dict(printed or {}), dict(paper_datasets or {})
    groups: dict[tuple[str, str], list[dict]] = {}
    for record in records:
        groups.setdefault((record["dataset"], variant_of(record)), []).append(record)
    earlier = committed_like(records, committed_in, variant_of)
    rows = []
    datasets = list(dict.fromkeys(dataset for dataset, _ in groups))  # one block per dataset, in order of appearance
    for (dataset, variant), runs in sorted(groups.items(), key=lambda item: datasets.index(item[0][0])):
        names = _printed_name(printed, variant, runs[0]["method"])
        for paper, table in tables:
            cells = reference.reported(paper=paper, table=table, dataset=paper_datasets.get(dataset, dataset),
                                       method=names)
            if not cells.empty:
                rows.append({"dataset": dataset, "variant": variant,
                             "source": f"paper ({PAPER_NAMES.get(paper, paper)} Table {table})",
                             **{m.upper(): _printed_cell(cells[cells["metric"] == m]) for m in metrics}, "runs": ""})
        rows.append(_runs_row(dataset, variant, f"this execution ({profile})", runs, metrics))
        methods_run = {r["method"] for r in runs}
        same = [r for r in earlier if r["dataset"] == dataset and r["method"] in methods_run and variant_of(r) == variant]
        for name in sorted({r["profile"] for r in same}):
            for label, group in configurations([r for r in same if r["profile"] == name]):
                rows.append(_runs_row(dataset, variant, f"committed {name} records" + (f" ({label})" if label else ""),
                                      group, metrics))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.set_index(["dataset", "variant", "source"])


#: Parameters that change how a run is watched or saved, not what it learns: left out of :func:`configurations`' labels.
RUN_WATCHING = ("eval_every", "log_every", "checkpoint_every", "checkpoint_dir", "snapshot_steps", "progress", "device")


def configurations(records: Sequence[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """``records`` grouped by configuration (method, dataset and :func:`runner.settings`: the seeds of one command
    together), each with a label naming the parameters in which it differs from the others ('' when there is one
    group), so that records of an earlier profile entry, or of another dataset with the same settings, never share
    a median with the current entry's."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        key = [record["method"], record["dataset"], runner.settings(record)]
        groups.setdefault(json.dumps(key, sort_keys=True), []).append(record)
    if len(groups) < 2:
        return [("", list(records))] if records else []
    firsts, differing = _differing_parameters(list(groups.values()))
    several_data = len({(group[0]["method"], group[0]["dataset"]) for group in groups.values()}) > 1
    labelled = []
    for params, group in zip(firsts, groups.values()):
        data = f"{runner.DISPLAY_NAMES.get(group[0]['method'], group[0]['method'])} on {group[0]['dataset']}"
        label = ", ".join(f"{k} {params.get(k)}" for k in differing) or (data if several_data else "other data options")
        labelled.append((label, group))
    return labelled


def _differing_parameters(groups: Sequence[Sequence[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Each group's parameters, with the settings older records lack at their defaults (they name no difference),
    and the names of those in which the groups differ."""
    firsts = [{**runner.HASHED_ONLY_IF_CHANGED, **group[0]["params"]} for group in groups]
    differing = [k for k in dict.fromkeys(k for params in firsts for k in params)
                 if k not in (*RUN_WATCHING, "seed") and len({json.dumps(p.get(k)) for p in firsts}) > 1]
    return firsts, differing


def iterations_per_epoch(record: dict[str, Any]) -> int:
    """Iterations per pass over a record's training images at its batch size: the sample or rows it kept, else the
    whole set (loaded once to count it). For the epoch axis of runs that trained on sets of different sizes."""
    options = record.get("dataset_options") or {}
    images = (options.get("sample") or options.get("rows")
              or _set_size(record["dataset"], json.dumps(options, sort_keys=True)))
    return max(1, images // record["params"]["batch_size"])


@functools.lru_cache(maxsize=None)
def _set_size(dataset: str, options: str) -> int:
    from advclust import data

    return len(data.load(dataset, **json.loads(options)))


def _printed_name(printed: dict[str, str | Sequence[str]], variant: str, method: str) -> str | Sequence[str]:
    """How a paper prints a row: ``printed`` by variant, else by method name (``reference.BASELINE_NAMES``)."""
    return printed.get(variant, printed.get(method, variant))


def _runs_row(dataset: str, variant: str, source: str, runs: Sequence[dict], metrics: Sequence[str]) -> dict:
    return {"dataset": dataset, "variant": variant, "source": source,
            **{m.upper(): cell([r["metrics"].get(m) for r in runs]) for m in metrics}, "runs": str(len(runs))}


def medians(results: runner.Results | Sequence[dict[str, Any]], metric: str = "acc") -> pd.Series:
    """Median of ``metric`` over seeds, by (dataset, variant), for the sentences a chapter computes."""
    records = results.records if isinstance(results, runner.Results) else list(results)
    frame = runner.records_frame(records)
    return frame.groupby(["dataset", "variant"], sort=False)[metric].median()


def curve_summary(records: Sequence[dict[str, Any]], label_of: Callable[[dict[str, Any]], str],
                  extras: Sequence[str] = (), last: int = 5) -> pd.DataFrame:
    """One row per record from its evaluation curve: its label, seed, iterations, wall minutes and device, the
    final and the best ACC (with the step of the best), the range of its ``last`` evaluations (how settled it
    ended), and the final value of each of ``extras``."""
    rows = []
    for record in records:
        curve = pd.DataFrame(record.get("curve") or [{"step": record["params"].get("n_iterations"),
                                                        **record["metrics"]}]).set_index("step")
        best = curve["acc"].idxmax()
        row = {"run": label_of(record), "seed": record["seed"], "iterations": int(curve.index[-1]),
               "minutes": round(record["wall_seconds"] / 60, 1), "device": device_label(record.get("device", "")),
               "final ACC": round(float(curve["acc"].iloc[-1]), 3),
               "best ACC (step)": f"{curve['acc'].max():.3f} ({best})",
               f"last {last} ACC": f"{curve['acc'].iloc[-last:].min():.3f}-{curve['acc'].iloc[-last:].max():.3f}"}
        row.update({f"final {extra}": round(float(curve[extra].iloc[-1]), 3) if extra in curve else None
                    for extra in extras})
        rows.append(row)
    return pd.DataFrame(rows)


#: :func:`curve_trend` reads the line through this many last evaluations (about the second half of a long record's
#: curve), and calls a gain below one point of ACC over them converged.
TREND_WINDOW, TREND_MIN_GAIN = 8, 0.01


def last_evaluations(record: dict[str, Any], metric: str = "acc", last: int = 4) -> list[float]:
    """The last ``last`` values of ``metric`` in a record's evaluation curve."""
    return [row[metric] for row in record["curve"] if metric in row][-last:]


def curve_gain(record: dict[str, Any], metric: str = "acc", window: int = TREND_WINDOW) -> tuple[float, float]:
    """The least-squares line through the last ``window`` evaluations of ``metric`` in a record's curve: what it
    gains from the first of them to the last, and its slope over the slope's standard error (inf for a rise on an
    exact line, nan for fewer than 3 evaluations)."""
    values = np.asarray(last_evaluations(record, metric, window), dtype=float)
    if len(values) < 3:
        return float("nan"), float("nan")
    steps = np.arange(len(values))
    slope, intercept = np.polyfit(steps, values, 1)
    residual = values - (slope * steps + intercept)
    error = np.sqrt((residual ** 2).sum() / (len(values) - 2) / ((steps - steps.mean()) ** 2).sum())
    exact = error <= 1e-12  # an exact line, up to float residue
    ratio = math.copysign(math.inf, slope) if exact and slope else 0.0 if exact else slope / error
    return float(slope * (len(values) - 1)), float(ratio)


def curve_trend(record: dict[str, Any], metric: str = "acc", window: int = TREND_WINDOW,
                min_gain: float = TREND_MIN_GAIN) -> str:
    """'still rising' when the least-squares line through the last ``window`` evaluations of ``metric`` gains at
    least ``min_gain`` and its slope is at least twice its standard error (a rise the curve's own noise does not
    explain), else 'not rising': how a chapter says whether a committed run had converged."""
    return _verdict(*curve_gain(record, metric, window), min_gain)


def _verdict(gain: float, ratio: float, min_gain: float = TREND_MIN_GAIN) -> str:
    """:func:`curve_trend`'s verdict on a :func:`curve_gain`."""
    return "still rising" if gain >= min_gain and ratio >= 2 else "not rising"


def committed_sentences(records: Sequence[dict[str, Any]], metric: str = "acc", last: int = 4,
                        steps: str = "generator steps") -> str:
    """One Markdown line per committed record: its final ``metric``, budget, hours and device, its last ``last``
    evaluations, its :func:`curve_gain` and :func:`curve_trend`, and its prior's own score where it has one
    (SIMI-ClusterGAN's ``prior_acc``); after the seeds of one setting, where there are several, their median. Where
    one method has records of several settings on one dataset, each line names the parameters that set it apart
    (besides its step count, which every line states in ``steps``, the unit of its ``n_iterations``)."""
    lines, settings = [], {}
    for _, group in configurations(records):  # the seeds of one setting together, by method and dataset
        settings.setdefault((group[0]["method"], group[0]["dataset"]), []).append(group)
    for groups in settings.values():
        firsts, differing = _differing_parameters(groups)
        for params, group in zip(firsts, groups):
            setting = [(k, params.get(k)) for k in differing if k != "n_iterations"]
            lines += _setting_lines(group, setting, metric, last, steps)
    return "\n".join(lines)


def _setting_lines(group: Sequence[dict[str, Any]], setting: Sequence[tuple[str, Any]], metric: str,
                   last: int, steps: str) -> list[str]:
    """:func:`committed_sentences`' lines for the seeds of one setting, named by ``setting`` where it is not empty."""
    lines = []
    for record in group:
        values = last_evaluations(record, metric, last)
        name = runner.DISPLAY_NAMES.get(record["method"], record["method"])
        name += f" ({', '.join(f'{k} {v}' for k, v in setting)})" if setting else ""
        window = len(last_evaluations(record, metric, TREND_WINDOW))
        trend = f"; the line through its last {window} {trend_words(record, metric)}" if window >= 3 else ""
        prior = record["metrics"].get(f"prior_{metric}")  # SIMI-ClusterGAN's P_phi on its own
        trend += f"; its prior P_phi alone (phase 1) scores {prior:.3f}" if prior is not None else ""
        lines.append(
            f"- Committed {record['profile']} record, {name} on {record_dataset(record)}, seed {record['seed']}: "
            f"{metric.upper()} {record['metrics'][metric]:.3f} after {record['params']['n_iterations']} "
            f"{steps} ({record['wall_seconds'] / 3600:.1f} h, {device_label(record['device'])}); its "
            f"last evaluations read {', '.join(f'{v:.3f}' for v in values)}{trend}.")
    finals = sorted(r["metrics"][metric] for r in group if metric in r.get("metrics", {}))
    if len(finals) > 1:
        lines.append(f"- Median of these {len(finals)} seeds: {metric.upper()} {statistics.median(finals):.3f} "
                     f"(from {finals[0]:.3f} to {finals[-1]:.3f}).")
    return lines


def record_dataset(record: dict[str, Any]) -> str:
    """A record's dataset as the sentences name it: with the ground truth it was scored against where the dataset
    has several (ORL ``by identity`` or ``by gender``, its ``target`` option)."""
    target = (record.get("dataset_options") or {}).get("target")
    return f"{record['dataset']} by {target}" if target else record["dataset"]


def committed_command(method: str, dataset: str, profile: str = "paper", out: str = "results", seeds: int = 10) -> str:
    """The sentence a chapter shows when no record of a longer profile is committed yet."""
    return (f"No {profile}-profile {runner.DISPLAY_NAMES.get(method, method)} record on {dataset} is committed yet: "
            f"run `advclust run {method} {dataset} --profile {profile} --seeds {seeds} --out {out}/{dataset}` "
            "(or this notebook at that profile) and commit the records.")


def device_label(device: str) -> str:
    """'cpu: x86_64, 1 threads' -> 'CPU, 1 thread'; 'cuda: NVIDIA H200' -> 'NVIDIA H200'; 'cpu' -> 'CPU'."""
    kind, _, detail = str(device).partition(": ")
    if kind == "cpu":
        threads = detail.rsplit(", ", 1)[-1].replace(" threads", "")
        if not threads.isdigit():
            return "CPU"
        return f"CPU, {threads} thread" + ("s" if threads != "1" else "")
    return detail or kind


def curve_lines(records: Sequence[dict[str, Any]],
                variant_of: Callable[[dict[str, Any]], str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """``records`` by the line they draw against training compute, labelled 'variant (dataset, where there are
    several) · profile, device (configuration, where a profile has several: :func:`configurations`)'."""
    variant_of = variant_of or runner.variant_of
    several = len({r["dataset"] for r in records}) > 1
    lines: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        label = (variant_of(record) + (f" ({record['dataset']})" if several else "")
                 + f" · {record['profile']}, {device_label(record.get('device', ''))}")
        lines.setdefault(label, []).append(record)
    return {label + (f" ({setting})" if setting else ""): runs
            for label, same in lines.items() for setting, runs in configurations(same)}


def first_reaching(records: Sequence[dict[str, Any]], value: float, metric: str = "acc") -> dict[str, Any] | None:
    """The first evaluation at which the median over ``records``' curves reaches ``value``: its ``step`` and the
    median ``seconds`` to it (None where the curves carry no times); None when no evaluation does."""
    curves = [pd.DataFrame(r["curve"]).set_index("step") for r in records if r.get("curve")]
    curves = [c for c in curves if metric in c]
    if not curves:
        return None
    median = pd.concat([c[metric] for c in curves], axis=1).median(axis=1)
    reached = median[median >= value]
    if reached.empty:
        return None
    step = reached.index[0]
    timed = [c["seconds"] for c in curves if "seconds" in c]
    seconds = pd.concat(timed, axis=1).median(axis=1).get(step) if timed else None
    return {"step": int(step), "seconds": None if seconds is None or pd.isna(seconds) else float(seconds)}


def reaching_sentences(records: Sequence[dict[str, Any]], value: float, name: str, metric: str = "acc",
                       steps: str = "iterations", variant_of: Callable[[dict[str, Any]], str] | None = None) -> str:
    """One Markdown line per line of ``records`` (:func:`curve_lines`): its median final ``metric`` and budget,
    and the first evaluation at which its median curve reaches ``value`` (the baseline ``name``'s), or that none
    did: how far short of a baseline a run stopped, and the compute that passing it took."""
    lines = []
    for label, runs in curve_lines(records, variant_of).items():
        final = pd.Series([r["metrics"].get(metric) for r in runs], dtype=float).median()
        budget = max(r["params"].get("n_iterations", 0) for r in runs)
        text = f"- {label}: median {metric.upper()} {final:.3f}" + (f" after {budget} {steps}; " if budget else "; ")
        reached = first_reaching(runs, value, metric)
        if reached is None:
            text += f"no evaluation reaches {name}'s {value:.3f}."
        else:
            after = f" ({reached['seconds'] / 60:.1f} min)" if reached["seconds"] is not None else ""
            first = min(row["step"] for r in runs for row in r.get("curve") or [])
            text += (f"the median curve reaches {name}'s {value:.3f} at {reached['step']} {steps}{after}"
                     + (", its first evaluation." if reached["step"] == first else "."))
        lines.append(text)
    return "\n".join(lines)


def versus_baseline(records: Sequence[dict[str, Any]], dataset: str, baseline: str = "kmeans", metric: str = "acc",
                    steps: str = "iterations", directory: str = "results",
                    variant_of: Callable[[dict[str, Any]], str] | None = None) -> str:
    """Markdown: the median ``metric`` of the committed records of ``baseline`` on ``dataset``, then
    :func:`reaching_sentences` for the runs of ``records`` on ``dataset`` against it (lines named by
    ``variant_of``); where none is committed, the command that commits them."""
    fitted = committed(baseline, dataset, directory)
    name = runner.DISPLAY_NAMES.get(baseline, baseline)
    if not fitted:
        return (f"No record of {name} on {dataset} is committed to compare with: run `advclust run {baseline} "
                f"{dataset} --profile paper --seeds 10 --out {directory}/{dataset}` and commit the records.")
    value = float(pd.Series([r["metrics"][metric] for r in fitted]).median())
    options = ", ".join(f"{k} {v}" for k, v in (fitted[0].get("dataset_options") or {}).items())
    head = (f"**Against {name}** on {dataset}{f' ({options})' if options else ''}: median {metric.upper()} "
            f"{value:.3f} over {len(fitted)} committed {fitted[0]['profile']}-profile runs.")
    shown = [r for r in records if r["dataset"] == dataset]
    return head + "\n\n" + reaching_sentences(shown, value, name, metric, steps, variant_of)


def paper_values(results: runner.Results | Sequence[dict[str, Any]], tables: Sequence[tuple[str, str]],
                 printed: dict[str, str | Sequence[str]] | None = None, metric: str = "acc",
                 paper_datasets: dict[str, str] | None = None) -> pd.Series:
    """The papers' printed ``metric`` (the median where a range is printed) by (dataset, variant) of ``results``,
    from the first of ``tables`` that prints it: the marks of :func:`advclust.plots.per_seed`."""
    records = results.records if isinstance(results, runner.Results) else list(results)
    printed, paper_datasets = dict(printed or {}), dict(paper_datasets or {})
    values = {}
    methods = {(r["dataset"], runner.variant_of(r)): r["method"] for r in records}
    for (dataset, variant), method in methods.items():
        for paper, table in tables:
            cells = reference.reported(paper=paper, table=table, dataset=paper_datasets.get(dataset, dataset),
                                       method=_printed_name(printed, variant, method), metric=metric,
                                       statistic=["median", "value"])
            if not cells.empty:
                values[(dataset, variant)] = float(cells["value"].iloc[0])
                break
    return pd.Series(values, dtype=float)


def reject_option(results: runner.Results, eval_data: Any, variant: str = "Dual-AAE",
                  paper: tuple[str, str] = ("dual-aae", "IV")) -> pd.DataFrame:
    """The paper's reject-option table (Dual-AAE Table IV) beside this execution: rejection rate and ACC at the
    paper's thresholds, the mean over the seeds of ``variant``'s fitted models scored on ``eval_data``."""
    from advclust import metrics

    printed = reference.table(*paper).droplevel("method")
    # The paper's rows are "no reject option" (threshold 0) and "threshold=0.50", ...
    printed.index = [float(note.split("=")[1]) if "=" in note else 0.0 for note in printed.index]
    models = [model for (v, _, _), model in results.models.items() if v == variant]
    if not models:
        raise UserInputError(f"no fitted model of {variant!r}; fitted: {sorted({v for v, _, _ in results.models})}")
    curves = pd.concat([metrics.reject_curve(eval_data.labels, model.predict_proba(eval_data.inputs), printed.index)
                        for model in models])
    ours = curves.groupby("threshold")[list(printed.columns)].mean()
    frame = pd.concat({f"paper ({PAPER_NAMES.get(paper[0], paper[0])} Table {paper[1]})": printed,
                       f"this execution ({results.profile}, mean over {len(models)} runs)": ours}, axis=1)
    frame.index.name = "threshold"
    return frame


def class_balance(datasets: Sequence[Any], paper_ui: dict[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Images per class, the number of images and the uniformity index (PFCA §IV-F) of each dataset, by name;
    ``paper_ui`` (e.g. PFCA supplement Table I's ``ui`` column) adds the printed index beside the computed one."""
    from advclust import metrics

    rows = {}
    for dataset in datasets:
        counts = [int(c) for c in pd.Series(dataset.labels.tolist()).value_counts().reindex(
            range(dataset.n_clusters), fill_value=0)]
        rows[dataset.name] = {**{f"class {c}": n for c, n in enumerate(counts)}, "images": len(dataset),
                              "UI": metrics.uniformity_index(counts)}
        if paper_ui is not None:
            rows[dataset.name]["UI (paper)"] = dict(paper_ui).get(dataset.name)
    return pd.DataFrame.from_dict(rows, orient="index")


def data_label(dataset: Any) -> str:
    """How the chapters name the data a run used: the dataset's name, or 'STAND-IN: X pixels, not NAME' when the
    data layer replaced a missing feature set by a stand-in (``metadata["stand_in"]``), for every table and figure."""
    stand_in = dataset.metadata.get("stand_in")
    return f"STAND-IN: {stand_in} pixels, not {dataset.name}" if stand_in else dataset.name


# --- sentences of the Dual-AAE sections (chapter 2d and its probes) -----------------------------------------------

def pace_sentences(records: Sequence[dict[str, Any]], table: tuple[str, str], epochs: int = 5,
                   settles: str = "") -> str:
    """Markdown, one line per record: the ACC it gained per epoch over its last ``epochs`` epochs and, where it ends
    below ``table``'s printed number, how many epochs further on that number lies at that pace (then ``settles``,
    the paper's own pace, e.g. where its figure has ACC settle)."""
    printed = paper_values(records, [table])
    name = f"{PAPER_NAMES.get(table[0], table[0])} Table {table[1]}"
    lines = []
    for record in records:
        curve, per_epoch = record["curve"], iterations_per_epoch(record)
        since = next(row for row in curve if row["step"] >= curve[-1]["step"] - epochs * per_epoch)
        span = (curve[-1]["step"] - since["step"]) / per_epoch
        if not span:
            continue
        rate, final = (curve[-1]["acc"] - since["acc"]) / span, curve[-1]["acc"]
        target = printed.get((record["dataset"], runner.variant_of(record)))
        pace = (f"; at that pace {name}'s {target:.3f} lies {(target - final) / rate:.0f} epochs further on{settles}"
                if target is not None and rate > 0 and target > final else "")
        lines.append(f"- Seed {record['seed']} ({record['profile']}) gained {rate:+.4f} ACC per epoch from epoch "
                     f"{since['step'] / per_epoch:g} to {curve[-1]['step'] / per_epoch:g}{pace}.")
    return "\n".join(lines)


def dual_aae_summary(results: runner.Results, profile: str, dataset: str = "mnist") -> str:
    """Markdown: Dual-AAE Table I's ACC of each variant of ``results`` beside this execution's medians, the median
    KL(q(y)||p(y)), and how many runs left one of the 10 clusters empty (Dual-AAE Table II's mode count)."""
    acc, kl = medians(results, "acc")[dataset], medians(results, "kl")[dataset]
    printed = paper_values(results, [("dual-aae", "I")])[dataset]
    variants = list(dict.fromkeys(runner.variant_of(r) for r in results.records))
    runs = results.frame()
    collapsed = runs[runs["modes"] < 10]  # MNIST's 10 clusters, as Dual-AAE Table II counts them
    return ("Dual-AAE Table I reports ACC " + ", ".join(f"{printed[v]:.4f} ({v})" for v in variants if v in printed)
            + f" on {dataset}. This execution ({profile} profile) gives median test ACC "
            + ", ".join(f"{acc[v]:.4f} ({v})" for v in variants)
            + ". Median KL(q(y)||p(y)): " + ", ".join(f"{kl[v]:.3f} ({v})" for v in variants)
            + f"; {len(collapsed)} of {len(runs)} runs left at least one of the 10 clusters empty"
            + (f" ({', '.join(sorted(set(collapsed['variant'])))})." if len(collapsed) else "."))


def channels_and_rates(record: dict[str, Any]) -> str:
    """A Dual-AAE probe's label: its convolution widths and its two learning rates."""
    p = record["params"]
    return f"channels {'/'.join(map(str, p['conv_channels']))}, lr {p['lr']:g} / {p['adversarial_lr']:g}"


def probes_within_common_time(probes: Sequence[dict[str, Any]], label_of: Callable[[dict[str, Any]], str]) -> str:
    """Markdown: each probe's best test ACC within the training time every probe ran for (the fairest comparison
    per CPU-second), then the line through its last evaluations (:func:`curve_gain`, :func:`curve_trend`)."""
    common = min(r["curve"][-1]["seconds"] for r in probes)
    reached = {label_of(r): max((row["acc"] for row in r["curve"] if row["seconds"] <= common), default=float("nan"))
               for r in probes}
    return (f"Best test ACC within the first {common / 60:.0f} minutes of training (the time every probe ran): "
            + "; ".join(f"{label}: {acc:.3f}" for label, acc in reached.items())
            + f". The line through their last evaluations (up to {TREND_WINDOW}): "
            + "; ".join(f"{label_of(r)} {trend_words(r)}" for r in probes) + ".")


def trend_words(record: dict[str, Any], metric: str = "acc") -> str:
    """What the line through a record's last evaluations gains and :func:`curve_trend`'s verdict, with the reason
    where a gain of a point or more is still 'not rising': 'gains +0.065, within the noise of its evaluations: not
    rising'; 'has too few evaluations for a line: not rising' where there is none."""
    gain, ratio = curve_gain(record, metric)
    trend = _verdict(gain, ratio)
    if math.isnan(gain):
        return f"has too few evaluations for a line: {trend}"
    noise = ", within the noise of its evaluations" if trend == "not rising" and gain >= TREND_MIN_GAIN else ""
    return f"gains {gain:+.3f}{noise}: {trend}"


def whole_map_sentence(record: dict[str, Any]) -> str:
    """Markdown from a committed ``advclust bench whole-map-conv`` record (:func:`benchmark`): each layer's median
    seconds as a convolution and as a product and, where the record has them, a Dual-AAE epoch before and after."""
    bench = record["results"]["whole-map-conv"]
    epoch = record["results"].get("dualaae-mnist")
    text = (f"`advclust bench whole-map-conv` (`{record['file']}`, {record['device']}): forward and backward of one "
            f"minibatch of {bench['batch_size']}, median seconds as a convolution and as a product: "
            + "; ".join(f"{name}: {v['convolution']['median']:.3f} s and {v['product']['median']:.3f} s "
                        f"(x{v['speedup']:.1f})" for name, v in bench["layers"].items()) + ".")
    if epoch:
        before, after = (epoch[when]["Dual-AAE"]["seconds_per_epoch"] for when in ("before", "after"))
        text += (f" One Dual-AAE training epoch (`advclust bench dualaae-mnist`, Dual-AAE's networks, median of "
                 f"{after['repeats']}): {before['median']:.0f} s before the change and {after['median']:.0f} s "
                 "after it.")
    return text
