"""The classical baselines: same contract and runner as the neural methods, on scikit-learn's digits."""

import numpy as np
import pytest
import torch

from advclust import data, methods, runner
from advclust.errors import NotFittedError, UserInputError
from advclust.methods import DCAN, KMeansBaseline, SpectralBaseline

# Lower bounds well under what each method reaches on digits (k-means ~0.79, NMF ~0.35).
FLOORS = {"kmeans": 0.6, "gmm": 0.5, "spectral": 0.6, "agglomerative": 0.6, "nmf": 0.25}


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


@pytest.mark.parametrize("name", methods.BASELINES)
def test_fit_predict_on_digits(name, digits):
    labels = methods.get(name)(n_clusters=10, seed=0).fit_predict(digits.inputs)
    assert labels.shape == (len(digits),)
    assert set(np.unique(labels)) <= set(range(10))
    model = methods.get(name)(seed=0).fit(digits.inputs)
    assert model.evaluate(digits.inputs, digits.labels)["acc"] >= FLOORS[name]


@pytest.mark.parametrize("name", methods.BASELINES)
def test_runner_records_a_baseline_like_a_neural_method(name, digits):
    record, model, _ = runner.fit_run(name, digits, {"fit_samples": 600}, seed=1)
    assert record["method"] == name and record["params"]["n_clusters"] == 10 and record["params"]["seed"] == 1
    assert record["device"].startswith("cpu") and record["curve"] == []
    assert model.history_.empty and model.n_fit_samples_ == 600
    assert set(record["metrics"]) == set(runner.METRICS)
    assert runner.run(name, digits, {"fit_samples": 600}, seed=1)["metrics"] == record["metrics"]


def test_subsampled_spectral_labels_every_point_by_its_nearest_fitted_neighbour(digits):
    model = SpectralBaseline(fit_samples=500, seed=0).fit(digits.inputs)
    assert np.array_equal(model.predict(model.fit_points_.reshape(-1, *digits.shape)), model.fit_labels_)
    labels = model.predict(digits.inputs)
    assert labels.shape == (len(digits),)
    flat = digits.inputs.reshape(len(digits), -1)
    rows = [int(np.flatnonzero((flat.numpy() == point).all(1))[0]) for point in model.fit_points_[:20]]
    assert np.array_equal(labels[rows], model.fit_labels_[:20])  # a fitted point is its own nearest neighbour


def test_evaluate_is_one_implementation_for_every_method():
    assert KMeansBaseline.evaluate is DCAN.evaluate


def test_callbacks_are_called_once_when_the_fit_ends(digits):
    calls = []
    KMeansBaseline(n_init=1).fit(digits.inputs, eval_set=(digits.inputs, digits.labels),
                                 callbacks=[lambda model, step: calls.append(step)])
    assert calls == [1]


def test_nmf_refuses_negative_inputs(digits):
    with pytest.raises(UserInputError, match="non-negative"):
        methods.get("nmf")().fit(digits.inputs - 0.5)


def test_an_endless_sampler_is_refused():
    with pytest.raises(UserInputError, match="finite tensor"):
        KMeansBaseline().fit(data.load("gaussians8", n_eval=100).training_source)


@pytest.mark.parametrize("name, bad", [
    ("kmeans", {"n_init": 0}), ("gmm", {"covariance_type": "banded"}), ("spectral", {"assign_labels": "x"}),
    ("agglomerative", {"linkage": "median"}), ("nmf", {"init": "svd"}), ("kmeans", {"fit_samples": 3}),
    ("gmm", {"reg_covar": -1.0}), ("spectral", {"n_neighbors": 0}),
])
def test_bad_parameters_raise_before_fitting(name, bad):
    with pytest.raises(UserInputError):
        runner.make_estimator(name, bad)


def test_predict_before_fit_says_so():
    with pytest.raises(NotFittedError, match="not fitted"):
        KMeansBaseline().predict(torch.zeros(3, 4))
