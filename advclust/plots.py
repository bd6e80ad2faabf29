"""Figure helpers for the chapters (matplotlib)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter

REAL_COLOUR, FAKE_COLOUR = "tab:orange", "tab:green"

@dataclass(frozen=True)
class Panel:
    """One learning-curve panel: history columns on the left axis, optional ones on a right axis."""

    title: str
    columns: tuple[str, ...]
    log: bool = False
    right: tuple[str, ...] = ()
    unit_interval: bool = False


PFCA_CURVES: tuple[Panel, ...] = (
    Panel("entropy bound (cross-entropy of C on G)", ("entropy_bound", "classifier_loss"), log=True),
    Panel("Wasserstein estimate (left), eta (right)", ("wasserstein",), right=("eta",)),
    Panel("fake-label accuracy", ("fake_accuracy",), unit_interval=True),
    Panel("evaluated clustering, and how far G's ids are the classes",
          ("acc", "nmi", "ari", "generated_purity", "generated_acc"), unit_interval=True),
)


def grid(extent: float, resolution: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A square grid over [-extent, extent]^2: mesh arrays and the points as a tensor."""
    axis = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy, torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)


def critic_and_samples(ax: plt.Axes, model, real: torch.Tensor, extent: float = 2.0,
                       resolution: int = 120, n_fake: int = 512) -> None:
    """Contour lines of D with real (orange) and generated (green) points, as PFCA's supplement Fig. 2."""
    xx, yy, points = grid(extent, resolution)
    values = model.critic_values(points).reshape(xx.shape)
    ax.contour(xx, yy, values, levels=12, linewidths=0.7, cmap="viridis")
    per_cluster = -(-n_fake // model.n_clusters)
    fake = model.generate(range(model.n_clusters), n=per_cluster)[:n_fake]
    ax.scatter(*real[:n_fake].T, marker="+", s=12, c=REAL_COLOUR, linewidths=0.6, label="real")
    ax.scatter(*fake.T, marker="+", s=12, c=FAKE_COLOUR, linewidths=0.6, label="generated")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")


def clustering_surface(ax: plt.Axes, model, extent: float = 2.0, resolution: int = 200,
                       real: torch.Tensor | None = None) -> None:
    """Each region of the plane coloured by the cluster the model assigns to it."""
    xx, yy, points = grid(extent, resolution)
    labels = model.predict(points).reshape(xx.shape)
    n = getattr(model, "n_clusters", int(labels.max()) + 1)
    ax.pcolormesh(xx, yy, labels, cmap=plt.get_cmap("tab10", n), vmin=-0.5, vmax=n - 0.5, shading="auto")
    if real is not None:
        ax.scatter(*real[:512].T, s=1, c="black")
    ax.set_aspect("equal")


def synthetic_dynamics(model, real: torch.Tensor, steps: Sequence[int] | None = None, extent: float = 2.0) -> Figure:
    """Critic contours with samples (top) and clustering surfaces (bottom) at snapshot ``steps``."""
    steps = sorted(steps or model.snapshots_)
    fig, axes = plt.subplots(2, len(steps), figsize=(2.6 * len(steps), 5.4), squeeze=False)
    for column, step in enumerate(steps):
        snapshot = model.at_snapshot(step)
        critic_and_samples(axes[0, column], snapshot, real, extent)
        clustering_surface(axes[1, column], snapshot, extent)
        axes[0, column].set_title(f"after {step} iterations", fontsize=9)
        for ax in axes[:, column]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("critic, real, generated")
    axes[1, 0].set_ylabel("clustering surface")
    fig.tight_layout()
    return fig


def _plot_columns(ax: plt.Axes, history: pd.DataFrame, columns: Sequence[str], colours) -> None:
    for column in columns:
        if column in history:
            series = history[column].dropna()
            ax.plot(series.index, series.values, label=column, color=next(colours),
                    marker="." if len(series) < 30 else None)


def learning_curves(history: pd.DataFrame, panels: Sequence[Panel] = PFCA_CURVES, title: str | None = None,
                    x_label: str = "generator iterations") -> Figure:
    """One panel per group of history columns, against the iteration count (``x_label`` names what a step is)."""
    panels = [p for p in panels if any(c in history for c in (*p.columns, *p.right))]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 2.8), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        colours = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
        _plot_columns(ax, history, panel.columns, colours)
        handles, labels = ax.get_legend_handles_labels()
        if panel.right:
            twin = ax.twinx()
            _plot_columns(twin, history, panel.right, colours)
            more_handles, more_labels = twin.get_legend_handles_labels()
            handles, labels = handles + more_handles, labels + more_labels
        ax.set_title(panel.title, fontsize=9)
        ax.set_xlabel(x_label)
        if panel.log:
            ax.set_yscale("log")
        if panel.unit_interval:
            ax.set_ylim(-0.05, 1.05)
        ax.legend(handles, labels, fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def metric_bars(table: pd.DataFrame, metrics: Sequence[str] = ("acc", "nmi", "ari"), title: str | None = None) -> Figure:
    """Grouped bars of ``metrics`` (columns of ``table``) for each row of ``table``."""
    fig, ax = plt.subplots(figsize=(1.2 * len(table) + 2, 3))
    width = 0.8 / len(metrics)
    positions = np.arange(len(table))
    for i, metric in enumerate(metrics):
        ax.bar(positions + i * width, table[metric], width, label=metric)
    ax.set_xticks(positions + width * (len(metrics) - 1) / 2, [str(i) for i in table.index])
    ax.set_ylim(min(0, float(table[list(metrics)].min().min())), 1.05)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


#: DCAN's learning curves (DCAN): the discriminator's outputs, the two losses, the mixture, evaluated clustering.
DCAN_CURVES: tuple[Panel, ...] = (
    Panel("D on positive draws (d_real) and on encoder outputs (d_fake)", ("d_real", "d_fake"), unit_interval=True),
    Panel("losses: -Eq. 1 (D), Eq. 18 (encoder)", ("discriminator_loss", "encoder_loss")),
    Panel("smallest mixture weight psi_k", ("smallest_weight",)),
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)


def image_grid(images: np.ndarray | torch.Tensor | Sequence[np.ndarray | torch.Tensor], rows: int | None = None,
               title: str | None = None, row_labels: Sequence[str] | None = None,
               value_range: Sequence[float] = (0.0, 1.0)) -> Figure:
    """Images on a grid: an array (N, C, H, W) laid out row by row in ``rows`` rows, or a sequence of
    per-row arrays (short rows stay blank); NumPy arrays or tensors. ``value_range`` is mapped to black..white."""
    if isinstance(images, (np.ndarray, torch.Tensor)):
        rows = rows or 1
        per_row = -(-len(images) // rows)
        images = [images[i * per_row:(i + 1) * per_row] for i in range(rows)]
    low, high = value_range
    grid = [((torch.as_tensor(row).detach().float().cpu() - low) / (high - low)).clamp(0, 1) for row in images]
    columns = max((len(row) for row in grid), default=1)
    fig, axes = plt.subplots(len(grid), columns, figsize=(0.6 * columns + (1.0 if row_labels else 0.6),
                                                          0.6 * len(grid) + 0.4), squeeze=False)
    for ax, (i, j) in zip(axes.ravel(), [(i, j) for i in range(len(grid)) for j in range(columns)]):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
        if j < len(grid[i]):
            picture = grid[i][j].reshape(-1, *grid[i][j].shape[-2:]).permute(1, 2, 0).numpy()
            ax.imshow(picture.squeeze(-1) if picture.shape[-1] == 1 else picture, cmap="gray", vmin=0, vmax=1)
    for row, label in enumerate(row_labels or []):
        axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.2, rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()) if title else None)
    return fig


def generated_by_cluster(model, per_cluster: int = 10, clusters: Sequence[int] | None = None,
                         title: str | None = None, row_labels: Sequence[str] | None = None,
                         seed: int | None = None) -> Figure:
    """Samples of any generative model (its ``generate(clusters, n=, seed=)``), one row per cluster id
    (PFCA Fig. 3d/h, Dual-AAE Fig. 7, SIMI-ClusterGAN Figs. 2-3); images in [-1, 1] are shown as such."""
    clusters = list(range(model.n_clusters) if clusters is None else clusters)
    samples = model.generate(clusters, n=per_cluster, seed=seed)
    value_range = (-1.0, 1.0) if samples.min() < -0.01 else (0.0, 1.0)
    return image_grid(samples, len(clusters), title, row_labels or [f"y={c}" for c in clusters], value_range)


def stability_bars(records_by_name: dict[str, Sequence[dict]], metrics: Sequence[str] = ("acc", "nmi", "ari"),
                   title: str | None = None) -> Figure:
    """Standard deviation of each metric over the runs of each named group (PFCA Fig. 4 / 5b)."""
    table = pd.DataFrame({name: pd.DataFrame([r["metrics"] for r in records])[list(metrics)].std(ddof=0)
                          for name, records in records_by_name.items()}).T
    fig = metric_bars(table, metrics, title)
    fig.axes[0].set_ylim(0, max(0.05, float(table.max().max()) * 1.2))
    fig.axes[0].set_ylabel("standard deviation over runs")
    return fig


def metric_against(table: pd.DataFrame, x: str, metrics: Sequence[str] = ("acc", "nmi", "ari"),
                   title: str | None = None) -> Figure:
    """Median with a min-max bar of each metric against column ``x`` (PFCA Fig. 5a).

    ``table`` has a column ``x`` and columns (metric, "median" / "min" / "max").
    """
    fig, ax = plt.subplots(figsize=(4.5, 3))
    order = table.sort_values(x)
    for metric in metrics:
        median = order[(metric, "median")]
        ax.errorbar(order[x], median, yerr=[median - order[(metric, "min")], order[(metric, "max")] - median],
                    marker="o", capsize=3, label=metric)
    ax.set_xlabel(x)
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


#: IMSAT's learning curves (SIMI-ClusterGAN Eq. 10): the self-augmentation terms and the two entropies.
IMSAT_CURVES: tuple[Panel, ...] = (
    Panel("R_SAT: VAT (and affine) KL", ("vat", "affine_sat"), log=True),
    Panel("H(Y) and H(Y|X)", ("h_y", "h_y_given_x")),
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)

#: ClusterGAN / SIMI-ClusterGAN's learning curves (SIMI-ClusterGAN Eq. 16).
CLUSTERGAN_CURVES: tuple[Panel, ...] = (
    Panel("Wasserstein estimate", ("wasserstein",)),
    Panel("cycle losses J_ce, J_mse", ("j_ce", "j_mse"), log=True),
    Panel("added losses J_rec, J_pce, J_cm", ("j_rec", "j_pce", "j_cm"), log=True),
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)


def reject_curves(curves: dict[str, pd.DataFrame], title: str | None = None, marks: dict[str, pd.DataFrame] | None = None) -> Figure:
    """ACC against rejection rate (Dual-AAE §IV-C), one line per labelled curve; ``marks`` are points drawn on top."""
    fig, ax = plt.subplots(figsize=(6.2, 3.2))
    for label, curve in curves.items():
        ax.plot(100 * curve["rejection_rate"], 100 * curve["acc"], label=label)
    for label, points in (marks or {}).items():
        ax.scatter(100 * points["rejection_rate"], 100 * points["acc"], marker="x", color="black", zorder=3, label=label)
    ax.set_xlabel("rejection rate (%)")
    ax.set_ylabel("ACC on accepted inputs (%)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # outside: the paper's points sit top left
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def cluster_members(labels: Sequence[int] | torch.Tensor, n_clusters: int, per_cluster: int,
                    seed: int = 0) -> list[torch.Tensor]:
    """Up to ``per_cluster`` random indices of the inputs in each cluster, one tensor per cluster
    (rows of an :func:`image_grid`, Dual-AAE Fig. 6)."""
    labels = torch.as_tensor(labels)
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for k in range(n_clusters):
        index = (labels == k).nonzero().flatten()
        rows.append(index[torch.randperm(len(index), generator=generator)[:per_cluster]])
    return rows


def embeddings(panels: dict[str, np.ndarray], labels: np.ndarray, title: str | None = None) -> Figure:
    """Scatter plots of 2-D embeddings (Dual-AAE Fig. 4), coloured by the true class."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.2), squeeze=False)
    for ax, (name, points) in zip(axes[0], panels.items()):
        scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=3)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(scatter, ax=axes[0].tolist(), ticks=range(int(labels.max()) + 1), fraction=0.02)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


#: Dual-AAE's learning curves (Dual-AAE): reconstruction terms, the critic, the two entropies of Eq. 9, evaluated clustering.
DUALAAE_CURVES: tuple[Panel, ...] = (
    Panel("reconstruction: O-AE (x), D-AE (c)", ("reconstruction", "dual_reconstruction"), log=True),
    Panel("critic: Wasserstein estimate", ("wasserstein",)),
    Panel("H[q(y)] and E H[q(y|x)] (nats)", ("marginal_entropy", "conditional_entropy")),
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)


# --- statistical figures over runs (seaborn) ---------------------------------------------------------------------

PAPER_COLOUR = "tab:red"
#: Lines up to this many keep their legend inside the ACC-against-compute figure; more go under both panels.
LEGEND_INSIDE = 4


def per_seed(results, metric: str = "acc", paper: pd.Series | None = None, title: str | None = None) -> Figure:
    """Each run's ``metric`` (one dot per seed) over a box per variant, one panel per dataset; the papers'
    printed values (``paper``, indexed by (dataset, variant), e.g. :func:`advclust.report.paper_values`) as red bars."""
    import seaborn as sns

    from advclust import runner

    frame = runner.records_frame(results.records if hasattr(results, "records") else results)
    datasets = list(dict.fromkeys(frame["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(1.2 + 1.3 * frame["variant"].nunique() * len(datasets), 3.2),
                             squeeze=False, sharey=True)
    for ax, dataset in zip(axes[0], datasets):
        runs = frame[frame["dataset"] == dataset]
        order = list(dict.fromkeys(runs["variant"]))
        sns.boxplot(data=runs, x="variant", y=metric, order=order, ax=ax, color="0.9", showfliers=False, width=0.5)
        sns.stripplot(data=runs, x="variant", y=metric, order=order, ax=ax, color="tab:blue", size=5, jitter=0.15)
        if paper is not None:
            for position, variant in enumerate(order):
                if (dataset, variant) in paper.index:
                    ax.plot([position - 0.3, position + 0.3], [paper[(dataset, variant)]] * 2, color=PAPER_COLOUR,
                            linewidth=2, label="paper" if position == 0 or not ax.get_legend_handles_labels()[0] else None)
        ax.set(title=dataset, xlabel="", ylabel=metric.upper(), ylim=(0, 1.02))
        ax.tick_params(axis="x", labelrotation=20, labelsize=8)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def heatmap(table: pd.DataFrame, title: str | None = None, fmt: str = ".2f", cmap: str = "viridis",
            vmin: float | None = 0.0, vmax: float | None = 1.0) -> Figure:
    """A method x dataset (or any two-way) table as an annotated heatmap."""
    import seaborn as sns

    row_labels = 0.07 * max((len(str(row)) for row in table.index), default=0)  # inches of the longest row name
    fig, ax = plt.subplots(figsize=(max(3.0, 0.5 + 0.9 * table.shape[1]) + row_labels, 0.8 + 0.45 * table.shape[0]))
    sns.heatmap(table.astype(float), annot=True, fmt=fmt, cmap=cmap, vmin=vmin, vmax=vmax, ax=ax, cbar=False,
                annot_kws={"fontsize": 8})
    ax.set(xlabel="", ylabel="")
    ax.tick_params(axis="x", labelrotation=30)  # data set and method names are wider than a cell
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def metric_over_training(results, metric: str = "acc", steps_per_unit: float | Callable[[dict], float] = 1.0,
                         x_label: str = "iterations",
                         title: str | None = None, committed: Sequence[dict] = (),
                         paper: pd.Series | None = None, variant_of=None) -> Figure:
    """``metric`` against training compute: iterations (left) and wall-clock seconds on the device that ran them
    (right, log scale), from the records' evaluation curves.

    One line per variant, profile, device and configuration (:func:`advclust.report.curve_lines`; the median
    over seeds, a band from the worst to the best seed) for this execution's runs and the ``committed`` records of
    longer profiles; the papers' numbers (``paper``, by (dataset, variant), e.g.
    :func:`advclust.report.paper_values`) as dashed lines. A record whose curve has no
    times (written before they were kept) appears on the right as one point at its total wall time.
    ``variant_of`` names a record's line (default :func:`advclust.runner.variant_of`). ``steps_per_unit``
    divides the steps of the left panel: a number, or a function of a record (e.g.
    :func:`advclust.report.iterations_per_epoch`, for runs that trained on sets of different sizes).
    """
    from advclust import report

    records = [*(results.records if hasattr(results, "records") else results), *committed]
    several = len({r["dataset"] for r in records}) > 1
    groups = report.curve_lines(records, variant_of)
    fig, (by_step, by_time) = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    colours: dict[str, str] = {}
    for label, runs in groups.items():
        curves = [pd.DataFrame(r["curve"]).set_index("step") for r in runs if r.get("curve")]
        line = None
        if curves:
            table = pd.concat([c[metric] for c in curves], axis=1)
            x = table.index / (steps_per_unit(runs[0]) if callable(steps_per_unit) else steps_per_unit)
            (line,) = by_step.plot(x, table.median(axis=1), marker=".", label=label)
            if table.shape[1] > 1:
                by_step.fill_between(x, table.min(axis=1), table.max(axis=1), alpha=0.2, color=line.get_color())
        timed = [c for c in curves if "seconds" in c]
        if timed:
            seconds = pd.concat([c["seconds"] for c in timed], axis=1).median(axis=1)
            values = pd.concat([c[metric] for c in timed], axis=1).median(axis=1)
            by_time.plot(seconds, values, marker=".", color=line.get_color() if line else None)
        else:
            finished = [(r["wall_seconds"], r["metrics"][metric]) for r in runs if r.get("wall_seconds")]
            if finished:
                by_time.scatter(*zip(*finished), marker="x", color=line.get_color() if line else None)
        if line is not None:
            colours[label] = line.get_color()
    if paper is not None:
        for (dataset, variant), value in paper.items():
            if any(label.startswith(variant + (f" ({dataset})" if several else "") + " ·") for label in groups):
                for ax in (by_step, by_time):
                    ax.axhline(value, color=PAPER_COLOUR, linestyle="--", linewidth=1)
                by_time.annotate(f"paper: {variant}" + (f" ({dataset})" if several else ""), (0.02, value),
                                 xycoords=("axes fraction", "data"), fontsize=7, color=PAPER_COLOUR, va="bottom")
    by_step.set(xlabel=x_label, ylabel=metric.upper(), ylim=(0, 1.02))
    by_time.set(xlabel="wall-clock seconds (device in the legend)", xscale="log")
    steps = [x for line in by_step.get_lines() for x in line.get_xdata()]
    if steps and min(steps) > 0 and max(steps) / min(steps) > 100:
        by_step.set_xscale("log")
    if title:
        fig.suptitle(title, fontsize=10)
    if by_step.get_xscale() == "linear":
        by_step.xaxis.set_major_locator(MaxNLocator(5))  # 37 500 steps: five labels that do not run together
    low, high = by_time.get_xlim()
    if by_time.get_lines() and np.floor(np.log10(high)) >= np.ceil(np.log10(low)):
        by_time.xaxis.set_minor_formatter(NullFormatter())  # a power of ten is labelled: minor labels would crowd it
    handles, labels = by_step.get_legend_handles_labels()
    if len(handles) <= LEGEND_INSIDE:
        if handles:
            by_step.legend(fontsize=7)
        fig.tight_layout()
    else:  # many runs: the legend goes under both panels, where it hides no line
        rows = -(-len(handles) // 2)
        fig.set_figheight(fig.get_figheight() + 0.16 * rows)
        fig.legend(handles, labels, fontsize=7, ncol=2, loc="lower center", frameon=False)
        fig.tight_layout(rect=(0, 0.16 * rows / fig.get_figheight() + 0.02, 1, 1))
    return fig


def metric_by_parameter(results, parameter: str, metric: str = "acc", x_label: str | None = None,
                        title: str | None = None) -> Figure:
    """``metric`` against a hyperparameter swept over runs (e.g. SIMI-ClusterGAN Fig. 9: ACC against sigma), one line
    per method (median over seeds, the band from the worst to the best seed), ``parameter`` read from each record."""
    from advclust import runner

    records = results.records if hasattr(results, "records") else results
    frame = pd.DataFrame([{"method": runner.DISPLAY_NAMES.get(r["method"], r["method"]), "x": r["params"][parameter],
                           metric: r["metrics"][metric]} for r in records])
    fig, ax = plt.subplots(figsize=(4.5, 3))
    for method, runs in frame.groupby("method", sort=False):
        by_x = runs.groupby("x")[metric]
        ax.plot(by_x.median().index, by_x.median(), marker="o", label=method)
        if by_x.size().max() > 1:
            ax.fill_between(by_x.median().index, by_x.min(), by_x.max(), alpha=0.2)
    ax.set(xlabel=x_label or parameter, ylabel=f"{metric.upper()} (median over seeds)", ylim=(0, 1.02))
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def metric_against_runs(results, x: dict[str, float] | pd.Series, x_label: str,
                        metrics: Sequence[str] = ("acc", "nmi", "ari"), title: str | None = None) -> Figure:
    """Median over runs with a min-max bar of each metric, one point per dataset of ``results`` placed at
    ``x[dataset]`` (PFCA Fig. 5a: performance against the uniformity index)."""
    from advclust import runner

    frame = runner.records_frame(results.records if hasattr(results, "records") else results)
    table = frame.groupby("dataset")[list(metrics)].agg(["min", "max", "median"])
    table[(x_label, "")] = pd.Series(dict(x)).reindex(table.index)
    fig = metric_against(table, (x_label, ""), metrics, title)
    fig.axes[0].set_xlabel(x_label)
    return fig
