"""The estimator contract shared by every method (scikit-learn style).

Constructor: hyperparameters only. ``fit(X)`` learns, ``predict(X)`` and
``fit_predict(X)`` return cluster labels, ``predict_proba(X)`` the posterior
where the method has one; learned state ends with ``_``; ``history_`` is a
DataFrame of losses and evaluation metrics by step.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClusterMixin
from torch import nn

from advclust import metrics, training
from advclust.errors import UserInputError

#: Batch size used when predicting, independent of the training batch size.
PREDICT_BATCH = 4096


def check_param(name: str, value: Any, kind: str, low: float | None = None, high: float | None = None,
                low_inclusive: bool = True) -> None:
    """Raise :class:`UserInputError` unless ``value`` is of ``kind`` ('int', 'float', 'bool') within range."""
    if kind == "bool":
        ok = isinstance(value, (bool, np.bool_))
    elif kind == "int":
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        raise UserInputError(f"parameter {name} must be {'a' if kind != 'int' else 'an'} {kind}, got {value!r}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        bound = ">=" if low_inclusive else ">"
        raise UserInputError(f"parameter {name} must be {bound} {low}, got {value!r}")
    if high is not None and value > high:
        raise UserInputError(f"parameter {name} must be <= {high}, got {value!r}")


class Clusterer(ClusterMixin, BaseEstimator):
    """What every method shares, neural or classical: ``fit_predict`` and the one ``evaluate``."""

    def fit_predict(self, X: torch.Tensor, y: Any = None, **fit_options: Any) -> np.ndarray:
        return self.fit(X, **fit_options).predict(X)

    def evaluate(self, X: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """ACC (Hungarian), purity, NMI and ARI of the predicted clusters against labels ``y``."""
        return metrics.clustering_scores(y, self.predict(X))


class NeuralClusterer(Clusterer):
    """Base of the iterative neural methods: one training loop (:func:`advclust.training.train`).

    Subclasses define ``__init__`` (hyperparameters only, including the common
    ones validated here), ``build``, ``train_step``, ``modules_``,
    ``optimizers_`` and ``predict_proba``.
    """

    # Common run-control parameters every subclass accepts in its constructor:
    # n_iterations, batch_size, seed, device, eval_every, log_every,
    # checkpoint_dir, checkpoint_every, snapshot_steps, progress.

    def validate_params(self) -> None:
        """Check the common parameters; subclasses extend this with their own."""
        check_param("n_iterations", self.n_iterations, "int", 1)
        check_param("batch_size", self.batch_size, "int", 1)
        check_param("seed", self.seed, "int", 0)
        check_param("log_every", self.log_every, "int", 1)
        check_param("eval_every", self.eval_every, "int", 0)
        check_param("checkpoint_every", self.checkpoint_every, "int", 0)
        check_param("progress", self.progress, "bool")
        for step in self.snapshot_steps:
            check_param("snapshot_steps", step, "int", 1, self.n_iterations)
        training.resolve_device(self.device)

    # -- hooks -------------------------------------------------------------
    def build(self, source: torch.Tensor | Callable, device: torch.device) -> None:
        raise NotImplementedError

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def modules_(self) -> dict[str, nn.Module]:
        raise NotImplementedError

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def predict_proba(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # -- the contract --------------------------------------------------------
    def fit(self, X: torch.Tensor | Callable, y: Any = None,
            eval_set: tuple[torch.Tensor, torch.Tensor] | None = None,
            callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = ()) -> NeuralClusterer:
        """Learn from inputs ``X`` (a tensor, or an endless sampler); ``y`` is ignored.

        ``eval_set=(inputs, labels)`` is scored every ``eval_every`` steps for the history only.
        """
        self.validate_params()
        training.train(self, X, eval_set=eval_set, callbacks=callbacks)
        return self

    def predict(self, X: torch.Tensor) -> np.ndarray:
        """Cluster label of each input: the argmax of the posterior."""
        return self.predict_proba(X).argmax(dim=1).cpu().numpy()

    @property
    def history_(self) -> pd.DataFrame:
        """Losses (means over each logging window) and evaluation metrics, indexed by step."""
        return training.history_frame(self.history_records_)

    def at_snapshot(self, step: int) -> NeuralClusterer:
        """A copy of this fitted model with the networks as they were after ``step`` steps."""
        if step not in self.snapshots_:
            raise UserInputError(f"no snapshot at step {step}; snapshots exist at {sorted(self.snapshots_)}")
        clone = copy.copy(self)
        clone.snapshots_ = {}
        modules = {name: copy.deepcopy(module) for name, module in self.modules_().items()}
        for name, module in modules.items():
            module.load_state_dict(self.snapshots_[step][name])
        clone.set_modules(modules)
        return clone

    def set_modules(self, modules: dict[str, nn.Module]) -> None:
        for name, module in modules.items():
            setattr(self, f"{name}_", module)

    def _batched(self, function: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor) -> torch.Tensor:
        """Apply ``function`` to ``X`` in evaluation mode, in device-sized batches, without gradients."""
        if not hasattr(self, "device_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit first")
        modules = list(self.modules_().values())
        modes = [m.training for m in modules]
        for m in modules:
            m.eval()
        try:
            with torch.no_grad():
                outputs = [function(X[i : i + PREDICT_BATCH].to(self.device_, torch.float32))
                           for i in range(0, len(X), PREDICT_BATCH)]
        finally:
            for m, mode in zip(modules, modes):
                m.train(mode)
        return torch.cat(outputs)
