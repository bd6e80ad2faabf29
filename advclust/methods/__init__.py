"""Clustering methods, each an estimator; ``METHODS`` maps CLI names to classes."""

from __future__ import annotations

import inspect

from advclust.errors import check_choice
from advclust.methods.base import NeuralClusterer
from advclust.methods.pfca import PFCA

METHODS: dict[str, type] = {
    "pfca": PFCA,
}


def get(name: str) -> type:
    """The estimator class registered as ``name``; unknown names raise listing the valid ones."""
    return METHODS[check_choice("method", name, METHODS)]


def parameters(name: str) -> list[str]:
    """The constructor parameters of method ``name``."""
    return [p for p in inspect.signature(get(name).__init__).parameters if p != "self"]


__all__ = ["METHODS", "NeuralClusterer", "PFCA", "get", "parameters"]
