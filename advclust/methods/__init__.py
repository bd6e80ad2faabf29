"""Clustering methods, each an estimator; ``METHODS`` maps CLI names to classes."""

from __future__ import annotations

import inspect

from advclust.errors import check_choice
from advclust.methods.base import (
    Clusterer, Encoding, NeuralClusterer, can_batch_seeds, fit_seeds, should_batch_seeds,
)
from advclust.methods.classical import (
    AgglomerativeBaseline, GMMBaseline, KMeansBaseline, NMFBaseline, SklearnClusterer, SpectralBaseline,
)
from advclust.methods.clustergan import ClusterGAN, SIMIClusterGAN
from advclust.methods.dcan import DCAN
from advclust.methods.imsat import IMSAT
from advclust.methods.dualaae import DualAAE
from advclust.methods.pfca import PFCA

METHODS: dict[str, type] = {
    "pfca": PFCA,
    "dcan": DCAN,
    "kmeans": KMeansBaseline,
    "gmm": GMMBaseline,
    "spectral": SpectralBaseline,
    "agglomerative": AgglomerativeBaseline,
    "nmf": NMFBaseline,
    "imsat": IMSAT,
    "clustergan": ClusterGAN,
    "simi-clustergan": SIMIClusterGAN,
    "dual-aae": DualAAE,
}

#: The classical baselines, in the order the chapters show them.
BASELINES: tuple[str, ...] = ("kmeans", "gmm", "spectral", "agglomerative", "nmf")


def get(name: str) -> type:
    """The estimator class registered as ``name``; unknown names raise listing the valid ones."""
    return METHODS[check_choice("method", name, METHODS)]


def parameters(name: str) -> list[str]:
    """The constructor parameters of method ``name``."""
    return [p for p in inspect.signature(get(name).__init__).parameters if p != "self"]


__all__ = ["BASELINES", "METHODS", "can_batch_seeds", "fit_seeds", "should_batch_seeds", "AgglomerativeBaseline", "ClusterGAN", "Clusterer", "DCAN", "DualAAE", "Encoding", "GMMBaseline",
           "IMSAT", "KMeansBaseline", "NMFBaseline", "NeuralClusterer", "PFCA", "SIMIClusterGAN", "SklearnClusterer",
           "SpectralBaseline", "get", "parameters"]
