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
    # USPS1500 of 002's supplement Table I: UI printed as 0.985.
    usps1500 = [1500, 1200, 900, 800, 800, 700, 800, 700, 700, 800]
    assert round(metrics.uniformity_index(usps1500), 3) == 0.985
