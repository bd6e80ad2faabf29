"""Figure helpers for the chapters (matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

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
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)


def grid(extent: float, resolution: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """A square grid over [-extent, extent]^2: mesh arrays and the points as a tensor."""
    axis = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(axis, axis)
    return xx, yy, torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)


def critic_and_samples(ax: plt.Axes, model, real: torch.Tensor, extent: float = 2.0,
                       resolution: int = 120, n_fake: int = 512) -> None:
    """Contour lines of D with real (orange) and generated (green) points, as 002's supplement Fig. 2."""
    xx, yy, points = grid(extent, resolution)
    values = model.critic_values(points).numpy().reshape(xx.shape)
    ax.contour(xx, yy, values, levels=12, linewidths=0.7, cmap="viridis")
    fake, _ = model.generate(n_fake)
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


def learning_curves(history: pd.DataFrame, panels: Sequence[Panel] = PFCA_CURVES, title: str | None = None) -> Figure:
    """One panel per group of history columns, against the iteration count."""
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
        ax.set_xlabel("generator iterations")
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


#: DCAN's learning curves (000): the discriminator's outputs, the two losses, the mixture, evaluated clustering.
DCAN_CURVES: tuple[Panel, ...] = (
    Panel("D on positive draws (d_real) and on encoder outputs (d_fake)", ("d_real", "d_fake"), unit_interval=True),
    Panel("losses: -Eq. 1 (D), Eq. 18 (encoder)", ("discriminator_loss", "encoder_loss")),
    Panel("smallest mixture weight psi_k", ("smallest_weight",)),
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)


def image_rows(rows: Sequence[torch.Tensor], row_labels: Sequence[str] | None = None, title: str | None = None,
               columns: int | None = None, size: float = 0.55) -> Figure:
    """A grid of greyscale images, one row per entry of ``rows`` (each n x 1 x H x W or n x H x W); short rows stay blank."""
    columns = columns or max((len(r) for r in rows), default=1)
    fig, axes = plt.subplots(len(rows), columns, figsize=(size * columns + (0.9 if row_labels else 0), size * len(rows)),
                             squeeze=False)
    for i, row in enumerate(rows):
        for j in range(columns):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(row):
                ax.imshow(row[j].reshape(row[j].shape[-2:]).detach().cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
        if row_labels:
            axes[i, 0].set_ylabel(row_labels[i], rotation=0, ha="right", va="center", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.subplots_adjust(wspace=0.04, hspace=0.04)
    return fig


def reject_curves(curves: dict[str, pd.DataFrame], title: str | None = None, marks: dict[str, pd.DataFrame] | None = None) -> Figure:
    """ACC against rejection rate (003 Section IV-C), one line per labelled curve; ``marks`` are points drawn on top."""
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


def embeddings(panels: dict[str, np.ndarray], labels: np.ndarray, title: str | None = None) -> Figure:
    """Scatter plots of 2-D embeddings (003 Fig. 4), coloured by the true class."""
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


#: Dual-AAE's learning curves (003): reconstruction terms, the critic, the two entropies of Eq. 9, evaluated clustering.
DUALAAE_CURVES: tuple[Panel, ...] = (
    Panel("reconstruction: O-AE (x), D-AE (c)", ("reconstruction", "dual_reconstruction"), log=True),
    Panel("critic: Wasserstein estimate", ("wasserstein",)),
    Panel("H[q(y)] and E H[q(y|x)] (nats)", ("marginal_entropy", "conditional_entropy")),
    Panel("evaluated clustering", ("acc", "nmi", "ari"), unit_interval=True),
)
