"""Clustering metrics: Hungarian-matched accuracy, purity, NMI, ARI and the uniformity index.

The papers' "ACC" is the Hungarian-matched accuracy (the best one-to-one
mapping of clusters to classes). The PFCA and ClusterGAN reference scripts
report *purity* under that name (each cluster mapped to its majority class,
so several clusters may share a class); :func:`purity` gives that number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ArrayLike = Sequence[int] | np.ndarray | torch.Tensor


def _as_labels(labels: ArrayLike, name: str) -> np.ndarray:
    array = labels.detach().cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer labels, got dtype {array.dtype}")
    return array.astype(np.int64)


def contingency_matrix(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Counts ``C[cluster, class]`` over the labels present (rows: clusters, columns: classes)."""
    true, pred = _as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(f"y_true has {true.size} labels but y_pred has {pred.size}")
    if true.size == 0:
        raise ValueError("cannot score an empty labelling")
    _, true_index = np.unique(true, return_inverse=True)
    _, pred_index = np.unique(pred, return_inverse=True)
    counts = np.zeros((pred_index.max() + 1, true_index.max() + 1), dtype=np.int64)
    np.add.at(counts, (pred_index, true_index), 1)
    return counts


def hungarian_accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Accuracy under the best one-to-one cluster-to-class mapping (works when K != classes)."""
    counts = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / counts.sum())


def purity(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of samples in their cluster's majority class (the reference scripts' "ACC")."""
    counts = contingency_matrix(y_true, y_pred)
    return float(counts.max(axis=1).sum() / counts.sum())


def nmi(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Normalised mutual information (arithmetic normalisation, scikit-learn's default)."""
    return float(normalized_mutual_info_score(_as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")))


def ari(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Adjusted Rand index."""
    return float(adjusted_rand_score(_as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")))


def clustering_scores(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """ACC (Hungarian), purity, NMI and ARI in one dict, as every chapter reports them."""
    return {
        "acc": hungarian_accuracy(y_true, y_pred),
        "purity": purity(y_true, y_pred),
        "nmi": nmi(y_true, y_pred),
        "ari": ari(y_true, y_pred),
    }


def uniformity_index(counts: Sequence[int] | np.ndarray) -> float:
    """002 Eq. 9: entropy of the class proportions divided by ln(number of classes)."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError("uniformity_index needs the counts of at least two classes")
    if (counts < 0).any() or counts.sum() <= 0:
        raise ValueError("class counts must be non-negative and not all zero")
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum() / np.log(counts.size))
