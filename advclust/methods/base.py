"""The estimator surface shared by every method (scikit-learn style).

Constructor: hyperparameters only. ``fit(X)`` learns and sets ``labels_``;
``predict(X)`` and ``fit_predict(X)`` return cluster labels,
``predict_proba(X)`` the posterior (a CPU tensor) where the method has one;
``transform(X)`` the latent code and ``encode(X)`` an :class:`Encoding`
where the method encodes; ``generate(clusters, *, n, seed)`` where it
generates; learned state ends with ``_``; ``history_`` is a DataFrame of
losses and evaluation metrics by step. The neural methods share one set of
run-control parameters (:class:`NeuralClusterer`) and ``architecture="auto"``
(:func:`advclust.nets.architecture_for`).
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClusterMixin
from torch import nn

from advclust import metrics, nets, training
from advclust.errors import UserInputError, check_choice

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


@dataclass(frozen=True)
class Encoding:
    """What ``encode(X)`` returns in every method that encodes: CPU tensors, one row per input.

    ``latent``: the latent code, what ``transform`` returns (DCAN: z; ClusterGAN: (z_n, softmax z_M);
    Dual-AAE: (q(y|x), h, z); PFCA and IMSAT, which have no encoder: the classifier's logits).
    ``posterior``: q(y|x), (n, K), what ``predict_proba`` returns. ``style``: Dual-AAE's h.
    ``noise``: ClusterGAN's z_n, Dual-AAE's z. A part the method does not have is None.
    """

    latent: torch.Tensor
    posterior: torch.Tensor | None = None
    style: torch.Tensor | None = None
    noise: torch.Tensor | None = None


class Clusterer(ClusterMixin, BaseEstimator):
    """What every method shares, neural or classical: ``labels_`` after ``fit``, ``fit_predict`` and the one
    ``evaluate``."""

    def fit_predict(self, X: torch.Tensor, y: Any = None, **fit_options: Any) -> np.ndarray:
        return self.fit(X, **fit_options).labels_

    def evaluate(self, X: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """ACC (Hungarian), purity, NMI and ARI of the predicted clusters against labels ``y``."""
        return metrics.clustering_scores(y, self.predict(X))


#: Makes a method class an estimator whose ``__init__`` is built from its annotated fields (scikit-learn reads
#: that signature); scikit-learn's repr, and identity for equality.
estimator = dataclass(repr=False, eq=False)


def run_control(default: Any) -> Any:
    """A run-control field: keyword-only, after the method's own hyperparameters in ``__init__``.

    A method gives one of :class:`NeuralClusterer`'s fields its own default with
    ``n_iterations: int = run_control(500)``.
    """
    return field(default=default, kw_only=True)


@estimator
class NeuralClusterer(Clusterer):
    """Base of the iterative neural methods: one training loop (:func:`advclust.training.train`).

    Subclasses are ``@estimator`` classes whose annotated fields are their hyperparameters;
    they define ``architecture`` (default "auto"), ``network_family`` (a key of
    :data:`advclust.nets.ARCHITECTURES`), ``build``, ``train_step``, ``modules_``, ``optimizers_``
    and ``predict_proba``.

    Run control, shared by every neural method (keyword-only; each method sets the first two):

    - ``n_iterations``: training steps (generator iterations where there is a generator);
    - ``batch_size``: minibatch size;
    - ``seed``: seeds Python, NumPy and torch when ``fit`` starts, and is ``generate``'s default seed;
    - ``device``: ``"auto"`` (CUDA when present, else the CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``;
    - ``eval_every``: score ``fit``'s ``eval_set`` every this many steps (0: at the end only);
    - ``log_every``: a ``history_`` row (losses averaged over the window) every this many steps;
    - ``checkpoint_dir``: folder of an atomic checkpoint, resumed from when present (None: none);
    - ``checkpoint_every``: write it every this many steps (0: at the end only);
    - ``snapshot_steps``: steps after which the networks are kept for :meth:`at_snapshot`;
    - ``progress``: show a progress bar.
    """

    n_iterations: int = field(kw_only=True)
    batch_size: int = field(kw_only=True)
    seed: int = run_control(0)
    device: str = run_control("auto")
    eval_every: int = run_control(0)
    log_every: int = run_control(100)
    checkpoint_dir: str | None = run_control(None)
    checkpoint_every: int = run_control(0)
    snapshot_steps: Sequence[int] = run_control(())
    progress: bool = run_control(True)

    #: Key of the method's networks in :data:`advclust.nets.ARCHITECTURES`.
    network_family = ""

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
        check_choice("architecture", self.architecture, nets.architecture_names(self.network_family))

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
        ``labels_`` is then the cluster of each input of ``X``, or None when ``X`` is a sampler.
        """
        self.validate_params()
        self.fit_networks(X, eval_set=eval_set, callbacks=callbacks)
        self.labels_ = self.predict(X) if isinstance(X, torch.Tensor) else None
        return self

    def fit_networks(self, X: torch.Tensor | Callable, eval_set: tuple[torch.Tensor, torch.Tensor] | None = None,
                     callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = ()) -> None:
        """The training part of ``fit`` (parameters already checked); methods with extra steps extend it."""
        training.train(self, X, eval_set=eval_set, callbacks=callbacks)

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

    def generation_ids(self, clusters: int | Sequence[int] | torch.Tensor, n: int | None = None) -> torch.Tensor:
        """``generate``'s cluster ids, cluster-major: each id of ``clusters`` (an int or a 1-D sequence)
        repeated ``n`` times (None: once), checked against ``n_clusters``."""
        ids = torch.as_tensor([clusters] if isinstance(clusters, numbers.Integral) else
                              (clusters if isinstance(clusters, torch.Tensor) else list(clusters)), dtype=torch.long)
        if ids.dim() != 1:
            raise UserInputError(f"clusters must be an int or a 1-D sequence of ids, got shape {tuple(ids.shape)}")
        if ids.numel() and (ids.min() < 0 or ids.max() >= self.n_clusters):
            raise UserInputError(f"cluster ids must lie in [0, {self.n_clusters}), got {ids.tolist()}")
        if n is not None:
            check_param("n", n, "int", 1)
        return ids.cpu().repeat_interleave(1 if n is None else n)

    def standard_normal(self, rows: int, columns: int, seed: int | None = None) -> torch.Tensor:
        """``generate``'s noise: (rows, columns) N(0, 1) draws on the CPU from a generator seeded with ``seed``
        (None: the estimator's ``seed``), never the global one; drawn row by row, so that a sample does not
        depend on how many follow it."""
        random = torch.Generator().manual_seed(self.seed if seed is None else seed)
        return torch.stack([torch.randn(columns, generator=random) for _ in range(rows)]) if rows else (
            torch.empty(0, columns))

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
