"""Metrics on hand-computed cases, permutations and K != number of classes."""

import math

import numpy as np
import pytest
import torch

from advclust import metrics


def test_perfect_clustering_up_to_permutation_scores_one():
    y = np.array([0, 0, 1, 1, 2, 2])
    permuted = np.array([2, 2, 0, 0, 1, 1])
    scores = metrics.clustering_scores(y, permuted)
    assert scores == pytest.approx({"acc": 1.0, "purity": 1.0, "nmi": 1.0, "ari": 1.0})


def test_hungarian_accuracy_hand_computed():
    # clusters: A={0,0,1}, B={1,1,0}; best one-to-one map A->0, B->1 gets 2 + 2 = 4 of 6.
    y_true = [0, 0, 1, 1, 1, 0]
    y_pred = [5, 5, 5, 7, 7, 7]
    assert metrics.hungarian_accuracy(y_true, y_pred) == pytest.approx(4 / 6)


def test_more_clusters_than_classes_acc_vs_purity():
    # Four clusters on two classes: purity maps every cluster to its majority class (1.0),
    # Hungarian can use only two clusters one-to-one (4 of 8 correct).
    y_true = [0, 0, 0, 0, 1, 1, 1, 1]
    y_pred = [0, 0, 1, 1, 2, 2, 3, 3]
    assert metrics.purity(y_true, y_pred) == 1.0
    assert metrics.hungarian_accuracy(y_true, y_pred) == pytest.approx(0.5)


def test_fewer_clusters_than_classes():
    y_true = [0, 1, 2, 0, 1, 2]
    y_pred = [0, 0, 0, 1, 1, 1]
    assert metrics.hungarian_accuracy(y_true, y_pred) == pytest.approx(2 / 6)
    assert metrics.purity(y_true, y_pred) == pytest.approx(2 / 6)


def test_nmi_and_ari_of_independent_labelling_are_zero():
    y_true = [0, 0, 1, 1]
    y_pred = [0, 1, 0, 1]
    assert metrics.nmi(y_true, y_pred) == pytest.approx(0.0, abs=1e-12)
    assert metrics.ari(y_true, y_pred) == pytest.approx(-0.5)  # hand-computed: index 0, expected 1/3, max 2/3


def test_accepts_torch_tensors():
    y = torch.tensor([1, 1, 0, 0])
    assert metrics.hungarian_accuracy(y, 1 - y) == 1.0


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="labels"):
        metrics.hungarian_accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="integer"):
        metrics.purity([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        metrics.hungarian_accuracy([], [])


def test_uniformity_index():
    assert metrics.uniformity_index([700] * 10) == pytest.approx(1.0)
    p = np.array([3, 1]) / 4
    assert metrics.uniformity_index([3, 1]) == pytest.approx(-(p * np.log(p)).sum() / math.log(2))
    assert metrics.uniformity_index([5, 0]) == pytest.approx(0.0)
    # USPS1500 of PFCA's supplement Table I: UI printed as 0.985.
    usps1500 = [1500, 1200, 900, 800, 800, 700, 800, 700, 700, 800]
    assert round(metrics.uniformity_index(usps1500), 3) == 0.985


# -- reject option and mode coverage (Dual-AAE Tables II and IV) --------------------------------------

def _posteriors():
    # Six inputs, two clusters; cluster 1 <-> class 0 and cluster 0 <-> class 1 (Hungarian).
    # Confidences 0.95, 0.9, 0.55, 0.6, 0.5, 0.99; the two wrong ones are the unsure 0.55 and 0.5.
    proba = np.array([[0.05, 0.95], [0.9, 0.1], [0.55, 0.45], [0.4, 0.6], [0.5, 0.5], [0.01, 0.99]])
    y_true = np.array([0, 1, 0, 0, 0, 0])
    return y_true, proba


def test_reject_curve_hand_computed():
    y_true, proba = _posteriors()
    # predicted clusters 1,0,0,1,0,1; map {1 -> 0, 0 -> 1}: correct = T, T, F, T, F, T (4 of 6).
    curve = metrics.reject_curve(y_true, proba, thresholds=[0.0, 0.5, 0.55, 0.6, 0.99])
    assert curve["rejection_rate"].tolist() == pytest.approx([0, 1 / 6, 2 / 6, 3 / 6, 1.0])
    assert curve["acc"].iloc[:4].tolist() == pytest.approx([4 / 6, 4 / 5, 4 / 4, 3 / 3])
    assert math.isnan(curve["acc"].iloc[4]) and curve["accepted"].iloc[4] == 0
    assert curve["acc"].iloc[0] == pytest.approx(metrics.hungarian_accuracy(y_true, proba.argmax(1)))


def test_reject_curve_default_is_the_full_curve_and_accepts_tensors():
    y_true, proba = _posteriors()
    curve = metrics.reject_curve(torch.tensor(y_true), torch.tensor(proba))
    assert curve["threshold"].iloc[0] == 0 and len(curve) == 1 + len(np.unique(proba.max(1)))
    assert curve["rejection_rate"].is_monotonic_increasing
    assert curve["rejection_rate"].iloc[-1] == 1.0


def test_reject_curve_refuses_non_distributions():
    with pytest.raises(ValueError, match="probability"):
        metrics.reject_curve([0, 1], np.array([[0.2, 0.2], [0.5, 0.5]]))
    with pytest.raises(ValueError, match="labels"):
        metrics.reject_curve([0, 1, 1], np.array([[0.5, 0.5], [0.5, 0.5]]))


def test_mode_coverage_hand_made():
    uniform = np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]]
    assert metrics.mode_coverage(uniform) == pytest.approx({"modes": 4, "kl": 0.0})
    collapsed = np.eye(4)[[0, 0, 0, 0]]
    assert metrics.mode_coverage(collapsed) == pytest.approx({"modes": 1, "kl": math.log(4)})
    # q(y) = (1/2, 1/2, 0, 0): KL = ln 2; hard labels give the same.
    half = np.eye(4)[[0, 1, 0, 1]]
    assert metrics.mode_coverage(half)["kl"] == pytest.approx(math.log(2))
    assert metrics.mode_coverage([0, 1, 0, 1], n_clusters=4) == pytest.approx({"modes": 2, "kl": math.log(2)})
    # Soft posteriors: q(y) is their mean, modes count argmaxes.
    soft = np.array([[0.6, 0.4], [0.6, 0.4]])
    result = metrics.mode_coverage(soft)
    assert result["modes"] == 1
    assert result["kl"] == pytest.approx(0.6 * math.log(1.2) + 0.4 * math.log(0.8))
    assert metrics.mode_coverage(uniform, min_count=3)["modes"] == 0


def test_mode_coverage_refuses_bad_input():
    with pytest.raises(ValueError, match="n_clusters"):
        metrics.mode_coverage([0, 1])
    with pytest.raises(ValueError, match="lie in"):
        metrics.mode_coverage([0, 5], n_clusters=3)
    with pytest.raises(ValueError, match="columns"):
        metrics.mode_coverage(np.eye(3), n_clusters=4)
