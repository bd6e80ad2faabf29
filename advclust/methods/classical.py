"""Classical baselines of the papers' tables, as estimators with the neural methods' contract.

k-means, a Gaussian mixture, spectral clustering, agglomerative clustering and
NMF (cluster = argmax of the NMF code), all from scikit-learn, on inputs
flattened to vectors. They go through the same runner and records as the
neural methods: ``fit`` takes (and ignores) ``eval_set``, calls each callback
once when done, sets ``device_`` to the CPU and leaves ``history_`` empty.

Large inputs: ``fit_samples`` fits on a seeded random subset; the points left
out (and any new points) of a method without an out-of-sample rule (spectral,
agglomerative) get the label of their nearest fitted point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from advclust import training
from advclust.errors import UserInputError, check_choice
from advclust.methods.base import Clusterer, check_param

#: Rows of fitted points compared at once by the nearest-neighbour extension (bounds its memory).
NEIGHBOUR_CHUNK = 2048


def as_matrix(X: torch.Tensor) -> np.ndarray:
    """Checked inputs (:func:`~advclust.methods.base.check_inputs`) as a float32 (N, D) array: images and other
    shapes are flattened."""
    return np.ascontiguousarray(X.cpu().numpy().reshape(len(X), -1))


def nearest_labels(points: np.ndarray, reference: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Label of the nearest (Euclidean) ``reference`` point for each of ``points``, in chunks."""
    reference_t = torch.from_numpy(reference)
    nearest = [torch.cdist(torch.from_numpy(points[i:i + NEIGHBOUR_CHUNK]), reference_t).argmin(1)
               for i in range(0, len(points), NEIGHBOUR_CHUNK)]
    return labels[torch.cat(nearest).numpy()]


class SklearnClusterer(Clusterer):
    """Base of the scikit-learn baselines: subclasses say how to build the estimator and label points.

    Subclasses define ``__init__`` (hyperparameters, plus ``n_clusters``, ``fit_samples``
    and ``seed``), ``make_estimator`` and, if the method labels new points itself,
    ``predict_matrix``.
    """

    inductive = True  # has its own rule for new points (predict_matrix)

    def validate_params(self) -> None:
        check_param("n_clusters", self.n_clusters, "int", 2)
        check_param("seed", self.seed, "int", 0)
        if self.fit_samples is not None:
            check_param("fit_samples", self.fit_samples, "int", self.n_clusters)

    def make_estimator(self) -> Any:
        raise NotImplementedError

    def predict_matrix(self, array: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def check_values(self, array: np.ndarray) -> None:
        """Refuse inputs the method cannot take (NMF: negative values)."""

    def fit(self, X: Any, y: Any = None, eval_set: tuple[Any, Any] | None = None,
            callbacks: Sequence[Callable[[SklearnClusterer, int], None]] = ()) -> SklearnClusterer:
        """Fit on ``X`` (or a ``fit_samples`` subset) and label every input of ``X`` (``labels_``);
        ``y`` and ``eval_set`` are ignored. The global random generators are left as they were found."""
        X = self.fit_inputs(X)
        self.validate_params()
        array = as_matrix(X)
        self.check_values(array)
        if len(array) < self.n_clusters:
            raise UserInputError(f"{type(self).__name__} needs at least n_clusters={self.n_clusters} inputs, got {len(array)}")
        points = array
        if self.fit_samples is not None and self.fit_samples < len(array):
            rows = np.random.default_rng(self.seed).choice(len(array), self.fit_samples, replace=False)
            points = array[np.sort(rows)]
        self.device_ = torch.device("cpu")
        with training.global_rng_kept():
            self.estimator_ = self.make_estimator().fit(points)
        if not self.inductive:  # kept to label other points by their nearest fitted neighbour
            self.fit_points_, self.fit_labels_ = points, self.estimator_.labels_.astype(np.int64)
        self.n_fit_samples_ = len(points)
        if hasattr(self.estimator_, "n_iter_"):
            self.n_iter_ = self.estimator_.n_iter_
        self.history_ = pd.DataFrame()
        self.data_shape_ = tuple(X.shape[1:])
        self.labels_ = self.predict(X)
        for callback in callbacks:
            callback(self, 1)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Cluster label of each input (nearest fitted point's label for transductive methods)."""
        array = as_matrix(self.inputs(X))
        if self.inductive:
            return self.predict_matrix(array).astype(np.int64)
        if array.shape == self.fit_points_.shape and np.array_equal(array, self.fit_points_):
            return self.fit_labels_.copy()
        return nearest_labels(array, self.fit_points_, self.fit_labels_)


class KMeansBaseline(SklearnClusterer):
    """k-means (k-means++ seeding, Lloyd iterations; best of ``n_init`` by inertia)."""

    def __init__(self, n_clusters: int = 10, n_init: int = 10, max_iter: int = 300,
                 fit_samples: int | None = None, seed: int = 0):
        self.n_clusters, self.n_init, self.max_iter = n_clusters, n_init, max_iter
        self.fit_samples, self.seed = fit_samples, seed

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_init", self.n_init, "int", 1)
        check_param("max_iter", self.max_iter, "int", 1)

    def make_estimator(self):
        from sklearn.cluster import KMeans

        return KMeans(self.n_clusters, n_init=self.n_init, max_iter=self.max_iter, random_state=self.seed)

    def predict_matrix(self, array: np.ndarray) -> np.ndarray:
        return self.estimator_.predict(array)


COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


class GMMBaseline(SklearnClusterer):
    """Gaussian mixture fitted by EM (k-means start); ``diag`` covariances by default.

    Full covariances of raw pixels are singular (pixels that never change) and cost
    D^2 per component; ``reg_covar`` is added to every variance.
    """

    def __init__(self, n_clusters: int = 10, covariance_type: str = "diag", reg_covar: float = 1e-3,
                 max_iter: int = 100, n_init: int = 1, fit_samples: int | None = None, seed: int = 0):
        self.n_clusters, self.covariance_type, self.reg_covar = n_clusters, covariance_type, reg_covar
        self.max_iter, self.n_init, self.fit_samples, self.seed = max_iter, n_init, fit_samples, seed

    def validate_params(self) -> None:
        super().validate_params()
        check_choice("covariance_type", self.covariance_type, COVARIANCE_TYPES)
        check_param("reg_covar", self.reg_covar, "float", 0)
        check_param("max_iter", self.max_iter, "int", 1)
        check_param("n_init", self.n_init, "int", 1)

    def make_estimator(self):
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(self.n_clusters, covariance_type=self.covariance_type, reg_covar=self.reg_covar,
                               max_iter=self.max_iter, n_init=self.n_init, random_state=self.seed)

    def predict_matrix(self, array: np.ndarray) -> np.ndarray:
        return self.estimator_.predict(array)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior responsibilities of the mixture components (float32, as the neural methods')."""
        array = as_matrix(self.inputs(X))
        return self.estimator_.predict_proba(array).astype(np.float32)


class SpectralBaseline(SklearnClusterer):
    """Spectral clustering (Ng-Jordan-Weiss) on a sparse, symmetrised k-nearest-neighbour affinity graph.

    The eigenvectors come from LOBPCG by default: ARPACK's shift-invert mode factorises
    the graph Laplacian, which on all 70 000 MNIST digits needs more than 8 GB.
    """

    inductive = False

    def __init__(self, n_clusters: int = 10, n_neighbors: int = 10, eigen_solver: str = "lobpcg",
                 assign_labels: str = "kmeans", fit_samples: int | None = None, seed: int = 0):
        self.n_clusters, self.n_neighbors, self.eigen_solver = n_clusters, n_neighbors, eigen_solver
        self.assign_labels, self.fit_samples, self.seed = assign_labels, fit_samples, seed

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_neighbors", self.n_neighbors, "int", 1)
        check_choice("eigen_solver", self.eigen_solver, ("lobpcg", "arpack"))
        check_choice("assign_labels", self.assign_labels, ("kmeans", "discretize", "cluster_qr"))

    def make_estimator(self):
        from sklearn.cluster import SpectralClustering

        return SpectralClustering(self.n_clusters, affinity="nearest_neighbors", n_neighbors=self.n_neighbors,
                                  eigen_solver=self.eigen_solver, assign_labels=self.assign_labels,
                                  random_state=self.seed)


class AgglomerativeBaseline(SklearnClusterer):
    """Bottom-up hierarchical clustering (Ward linkage by default).

    Without a connectivity graph it needs memory quadratic in the points fitted (use
    ``fit_samples``); ``n_neighbors`` restricts merges to a k-nearest-neighbour graph.
    """

    inductive = False

    def __init__(self, n_clusters: int = 10, linkage: str = "ward", n_neighbors: int | None = None,
                 fit_samples: int | None = None, seed: int = 0):
        self.n_clusters, self.linkage, self.n_neighbors = n_clusters, linkage, n_neighbors
        self.fit_samples, self.seed = fit_samples, seed

    def validate_params(self) -> None:
        super().validate_params()
        check_choice("linkage", self.linkage, ("ward", "complete", "average", "single"))
        if self.n_neighbors is not None:
            check_param("n_neighbors", self.n_neighbors, "int", 1)

    def make_estimator(self):
        from functools import partial

        from sklearn.cluster import AgglomerativeClustering
        from sklearn.neighbors import kneighbors_graph

        connectivity = None if self.n_neighbors is None else partial(kneighbors_graph, n_neighbors=self.n_neighbors,
                                                                     include_self=False)
        return AgglomerativeClustering(self.n_clusters, linkage=self.linkage, connectivity=connectivity)


class NMFBaseline(SklearnClusterer):
    """Non-negative matrix factorisation X ~ W H with ``n_clusters`` components; cluster = argmax of W's row."""

    def __init__(self, n_clusters: int = 10, init: str = "nndsvda", max_iter: int = 200,
                 fit_samples: int | None = None, seed: int = 0):
        self.n_clusters, self.init, self.max_iter = n_clusters, init, max_iter
        self.fit_samples, self.seed = fit_samples, seed

    def validate_params(self) -> None:
        super().validate_params()
        check_choice("init", self.init, ("random", "nndsvd", "nndsvda", "nndsvdar"))
        check_param("max_iter", self.max_iter, "int", 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def check_values(self, array: np.ndarray) -> None:
        if array.size and array.min() < 0:
            raise UserInputError(f"Negative values in data: NMF needs non-negative inputs; these go down to {array.min():.3g}")
        if self.init.startswith("nndsvd") and self.n_clusters > array.shape[1]:
            raise UserInputError(f"NMF's init={self.init!r} needs n_clusters <= the number of features "
                                 f"({array.shape[1]}), got n_clusters={self.n_clusters}; use init='random'")

    def make_estimator(self):
        from sklearn.decomposition import NMF

        return NMF(self.n_clusters, init=self.init, max_iter=self.max_iter, random_state=self.seed)

    def predict_matrix(self, array: np.ndarray) -> np.ndarray:
        self.check_values(array)
        return self.estimator_.transform(array).argmax(1)
