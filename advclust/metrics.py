"""Clustering metrics: Hungarian-matched accuracy, purity, NMI, ARI and the uniformity index.

The papers' "ACC" is the Hungarian-matched accuracy (the best one-to-one
mapping of clusters to classes). The PFCA and ClusterGAN reference scripts
report *purity* under that name (each cluster mapped to its majority class,
so several clusters may share a class); :func:`purity` gives that number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
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
    """Normalised mutual information (arithmetic normalisation, scikit-learn's default), in [0, 1]: scikit-learn's
    float rounding can land an ulp outside (1.0000000000000002 for some identical labellings)."""
    value = normalized_mutual_info_score(_as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred"))
    return float(min(max(value, 0.0), 1.0))


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
    """PFCA Eq. 9: entropy of the class proportions divided by ln(number of classes)."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError("uniformity_index needs the counts of at least two classes")
    if (counts < 0).any() or counts.sum() <= 0:
        raise ValueError("class counts must be non-negative and not all zero")
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum() / np.log(counts.size))


def _as_posteriors(proba: np.ndarray | torch.Tensor, name: str = "proba") -> np.ndarray:
    array = proba.detach().cpu().numpy() if isinstance(proba, torch.Tensor) else np.asarray(proba, dtype=float)
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (samples, clusters) array of posteriors, got shape {array.shape}")
    if (array < -1e-6).any() or not np.allclose(array.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"every row of {name} must be a probability distribution (non-negative, summing to 1)")
    return array.astype(np.float64)


def cluster_to_class_map(y_true: ArrayLike, y_pred: ArrayLike) -> dict[int, int]:
    """The Hungarian one-to-one map cluster -> class behind :func:`hungarian_accuracy` (unmatched clusters absent)."""
    true, pred = _as_labels(y_true, "y_true"), _as_labels(y_pred, "y_pred")
    classes, clusters = np.unique(true), np.unique(pred)
    counts = contingency_matrix(true, pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return {int(clusters[r]): int(classes[c]) for r, c in zip(rows, cols)}


def reject_curve(y_true: ArrayLike, proba: np.ndarray | torch.Tensor,
                 thresholds: Sequence[float] | np.ndarray | None = None) -> pd.DataFrame:
    """Clustering with a reject option (Dual-AAE §III-B, Table IV): ACC against rejection rate.

    An input is rejected when its largest posterior is <= the threshold gamma (Dual-AAE: "less than or
    equal to"). ACC is measured on the accepted inputs under the Hungarian cluster-to-class map of
    *all* inputs (rejecting inputs does not relabel clusters). ``thresholds`` default to every
    distinct largest posterior (the full curve) plus 0. Returns one row per threshold with
    ``threshold``, ``rejection_rate``, ``acc`` (NaN when everything is rejected) and ``accepted``.
    """
    posteriors = _as_posteriors(proba)
    true = _as_labels(y_true, "y_true")
    if len(true) != len(posteriors):
        raise ValueError(f"y_true has {len(true)} labels but proba has {len(posteriors)} rows")
    pred = posteriors.argmax(axis=1)
    mapping = cluster_to_class_map(true, pred)
    correct = np.array([mapping.get(int(c), -1) for c in pred]) == true
    confidence = posteriors.max(axis=1)
    if thresholds is None:
        thresholds = np.concatenate([[0.0], np.unique(confidence)])
    thresholds = np.asarray(thresholds, dtype=float)
    order = np.argsort(confidence, kind="stable")
    sorted_confidence = confidence[order]
    # correct_above[i] = correct inputs among order[i:], the inputs accepted when i are rejected.
    correct_above = np.concatenate([np.cumsum(correct[order][::-1])[::-1], [0]])
    rejected = np.searchsorted(sorted_confidence, thresholds, side="right")  # confidence <= gamma
    accepted = len(true) - rejected
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(accepted > 0, correct_above[rejected] / np.maximum(accepted, 1), np.nan)
    return pd.DataFrame({"threshold": thresholds, "rejection_rate": rejected / len(true), "acc": acc,
                         "accepted": accepted})


def mode_coverage(proba_or_labels: np.ndarray | torch.Tensor | ArrayLike, n_clusters: int | None = None,
                  min_count: int = 1) -> dict[str, float]:
    """Modes covered and KL(q(y) || p(y)) for a uniform prior p(y) = 1/K (Dual-AAE Table II, after unrolled GAN).

    Given posteriors (samples x K), q(y) is the aggregated posterior (their mean, the q(y) of Dual-AAE
    Eq. 9) and a mode is covered when at least ``min_count`` inputs have it as their argmax. Given
    hard labels, q(y) is the label histogram over ``n_clusters`` clusters. KL is in nats.
    """
    values = proba_or_labels.detach().cpu().numpy() if isinstance(proba_or_labels, torch.Tensor) else np.asarray(
        proba_or_labels)
    if values.ndim == 2:
        posteriors = _as_posteriors(values)
        k = posteriors.shape[1]
        if n_clusters is not None and n_clusters != k:
            raise ValueError(f"n_clusters={n_clusters} but the posteriors have {k} columns")
        q = posteriors.mean(axis=0)
        counts = np.bincount(posteriors.argmax(axis=1), minlength=k)
    else:
        labels = _as_labels(values, "labels")
        if n_clusters is None:
            raise ValueError("mode_coverage of hard labels needs n_clusters")
        if labels.size == 0 or labels.min() < 0 or labels.max() >= n_clusters:
            raise ValueError(f"labels must lie in [0, {n_clusters}), got range [{labels.min()}, {labels.max()}]")
        k = n_clusters
        counts = np.bincount(labels, minlength=k)
        q = counts / counts.sum()
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    positive = q > 0
    kl = float((q[positive] * np.log(q[positive] * k)).sum())
    return {"modes": int((counts >= min_count).sum()), "kl": max(kl, 0.0)}


def code_classes(codes: ArrayLike, labels: ArrayLike, n_codes: int) -> list[tuple[int, float, int]]:
    """For each code 0..n_codes-1 (a cluster, or ClusterGAN's one-hot z_M): the majority true class of the inputs
    given that code, that class's share of them and how many there are; (-1, 0.0, 0) for an empty code.

    With ``codes = model.predict_proba(X).argmax(1)``: what each row of a generator's samples should show.
    """
    codes, labels = _as_labels(codes, "codes"), _as_labels(labels, "labels")
    rows = []
    for code in range(n_codes):
        members = labels[codes == code]
        if len(members) == 0:
            rows.append((-1, 0.0, 0))
            continue
        counts = np.bincount(members)
        rows.append((int(counts.argmax()), float(counts.max()) / len(members), len(members)))
    return rows


def nearest_centroid_labels(reference: np.ndarray | torch.Tensor, labels: ArrayLike,
                            samples: np.ndarray | torch.Tensor) -> np.ndarray:
    """Label each of ``samples`` with the class of the nearest class mean of ``reference`` (flattened inputs):
    a fixed, untrained reader of what class a generated sample looks like (fitted on the 10 000 test images, it
    reads 80 % of MNIST's 60 000 training digits right, 68 % of Fashion-MNIST's)."""
    reference = torch.as_tensor(np.asarray(reference), dtype=torch.float32).flatten(1)
    samples = torch.as_tensor(np.asarray(samples), dtype=torch.float32).flatten(1)
    labels = _as_labels(labels, "labels")
    classes = np.unique(labels)
    means = torch.stack([reference[torch.as_tensor(labels == c)].mean(0) for c in classes])
    return classes[torch.cdist(samples, means).argmin(1).numpy()]
