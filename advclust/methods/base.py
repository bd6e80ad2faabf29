"""The estimator surface shared by every method (scikit-learn style).

Constructor: hyperparameters only. ``fit(X)`` learns and sets ``labels_``;
``predict(X)`` and ``fit_predict(X)`` return cluster labels,
``predict_proba(X)`` the posterior where the method has one;
``transform(X)`` the latent code and ``encode(X)`` an :class:`Encoding`
where the method encodes; ``generate(clusters, *, n, seed)`` where it
generates; learned state ends with ``_``; ``history_`` is a DataFrame of
losses and evaluation metrics by step. The neural methods share one set of
run-control parameters (:class:`NeuralClusterer`) and ``architecture="auto"``
(:func:`advclust.nets.architecture_for`).

Inputs and outputs: every method reads its inputs through :func:`check_inputs` (tensors, NumPy arrays or
nested lists; rows of flat features or images (N, C, H, W)), and every public output is a NumPy array.
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
from sklearn.utils import TransformerTags
from torch import nn

from advclust import metrics, nets, training
from advclust.errors import InputTypeError, NotFittedError, UserInputError, check_choice

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


def check_sequence(name: str, value: Any, kind: str = "int", low: float | None = 1, high: float | None = None,
                   length: int | None = None) -> None:
    """Raise :class:`UserInputError` unless ``value`` is a sequence (list, tuple, 1-D array) of ``kind`` within range.

    A scalar is refused, not read as one element: ``hidden=4`` says neither "one layer of 4" nor "4 layers".
    """
    if isinstance(value, (str, bytes)) or not (isinstance(value, Sequence) or (
            isinstance(value, np.ndarray) and value.ndim == 1)):
        raise UserInputError(f"parameter {name} must be a sequence such as (64,) or [64, 64], got {value!r}")
    if length is not None and len(value) != length:
        raise UserInputError(f"parameter {name} must have {length} elements, got {value!r}")
    for item in value:
        check_param(name, item, kind, low, high)


def check_inputs(X: Any, who: str, shape: tuple[int, ...] | None = None, min_samples: int = 1) -> torch.Tensor:
    """``X`` as a float32 tensor (on its own device if it was a tensor), or a clear :class:`UserInputError`.

    Takes tensors, NumPy arrays and nested sequences of numbers; uint8 is read as pixels (divided by 255, as
    the data layer does), other integers, booleans and floats are cast. Refused: samplers, non-numbers,
    fewer than 2 dimensions (rows of features, or images), fewer than ``min_samples`` rows, zero features,
    NaN or infinite values, and a per-sample shape other than ``shape`` (the one fitted) when given.
    """
    if callable(X) and not isinstance(X, (torch.Tensor, np.ndarray)):
        raise UserInputError(f"{who} needs a finite tensor or array of inputs here, not an endless sampler")
    if isinstance(X, torch.Tensor):
        X = X.detach()
        if X.is_complex():
            raise UserInputError(f"Complex data not supported: {who} needs real-valued inputs")
        X = X.div(255.0) if X.dtype == torch.uint8 else X.to(torch.float32)
    else:
        if hasattr(X, "toarray"):  # scipy.sparse
            raise UserInputError(f"{who} needs dense inputs; sparse data is not supported (use X.toarray())")
        try:
            array = np.asarray(X)
        except ValueError as error:  # ragged nested lists
            raise UserInputError(f"{who} needs inputs of one shape: {error}") from error
        if array.dtype.kind == "c":
            raise UserInputError(f"Complex data not supported: {who} needs real-valued inputs")
        if array.dtype.kind not in "biuf":
            try:
                array = array.astype(np.float32)  # object arrays of numbers; strings and the like fail here
            except (TypeError, ValueError) as error:
                raise InputTypeError(f"{who} needs numeric inputs (a tensor, an array or nested lists of numbers): "
                                     f"{error}") from error
        pixels = array.dtype == np.uint8
        with np.errstate(over="ignore"):  # beyond float32's range: inf, refused below
            array = array.astype(np.uint8 if pixels else np.float32, order="C", copy=False)
        X = torch.from_numpy(array if array.flags.writeable else array.copy())  # no copy of a writable array
        X = X.div(255.0) if pixels else X
    if X.dim() < 2:
        raise UserInputError(f"{who} needs 2-D inputs (samples, features) or images (samples, C, H, W); got a "
                             f"{X.dim()}-D array of shape {tuple(X.shape)} (reshape(-1, 1) for one feature, "
                             "reshape(1, -1) for one sample)")
    if len(X) < max(min_samples, 1):  # scikit-learn's wording, here and below
        raise UserInputError(f"Found array with {len(X)} sample(s) (shape={tuple(X.shape)}) while a minimum of "
                             f"{max(min_samples, 1)} is required by {who}")
    if X[0].numel() == 0:
        raise UserInputError(f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a minimum of 1 is "
                             f"required by {who}")
    if shape is not None and tuple(X.shape[1:]) != tuple(shape):
        given, fitted = math.prod(X.shape[1:]), math.prod(shape)
        if X.dim() == 2 and len(shape) == 1:  # scikit-learn's wording
            raise UserInputError(f"X has {given} features, but {who} is expecting {fitted} features as input")
        raise UserInputError(f"inputs have per-sample shape {tuple(X.shape[1:])} ({given} features), but {who} was "
                             f"fitted on per-sample shape {tuple(shape)} ({fitted} features)")
    finite = torch.isfinite(X)
    if not bool(finite.all()):
        bad = (~finite).reshape(len(X), -1).any(1)
        raise UserInputError(f"{who} needs finite inputs; {int(bad.sum())} of {len(X)} samples hold NaN or inf "
                             f"values, or values beyond float32's range (the first is sample "
                             f"{int(bad.nonzero()[0, 0])})")
    return X


@dataclass(frozen=True)
class Encoding:
    """What ``encode(X)`` returns in every method that encodes: NumPy arrays, one row per input.

    ``latent``: the latent code, what ``transform`` returns (DCAN: z; ClusterGAN: (z_n, softmax z_M);
    Dual-AAE: (q(y|x), h, z); PFCA and IMSAT, which have no encoder: the classifier's logits).
    ``posterior``: q(y|x), (n, K), what ``predict_proba`` returns. ``style``: Dual-AAE's h.
    ``noise``: ClusterGAN's z_n, Dual-AAE's z. A part the method does not have is None.
    """

    latent: np.ndarray
    posterior: np.ndarray | None = None
    style: np.ndarray | None = None
    noise: np.ndarray | None = None

    @classmethod
    def of(cls, **parts: torch.Tensor | None) -> Encoding:
        """An encoding from tensors (each converted to NumPy)."""
        return cls(**{name: None if part is None else part.cpu().numpy() for name, part in parts.items()})


class Clusterer(ClusterMixin, BaseEstimator):
    """What every method shares, neural or classical: ``labels_`` after ``fit``, ``fit_predict``, the one
    ``evaluate`` and the one input check.

    ``data_shape_`` is the per-sample shape of the inputs fitted on (set by ``fit``, before a neural method's
    first evaluation); every later input must have it, and without it the estimator is not fitted
    (:class:`~advclust.errors.NotFittedError`).
    """

    #: ``(name, steps)`` of a phase before the main loop while it trains (SIMI-ClusterGAN's IMSAT prior), which
    #: ``fit``'s callbacks then hear of; None in the main loop and for methods without one.
    phase_ = None

    def fit_predict(self, X: Any, y: Any = None, **fit_options: Any) -> np.ndarray:
        return self.fit(X, **fit_options).labels_

    def evaluate(self, X: Any, y: Any) -> dict[str, float]:
        """ACC (Hungarian), purity, NMI and ARI of the predicted clusters against labels ``y``, and the method's
        :meth:`diagnostic_scores`."""
        return {**metrics.clustering_scores(y, self.predict(X)), **self.diagnostic_scores(X, y)}

    def diagnostic_scores(self, X: Any, y: Any) -> dict[str, float]:
        """Scores of a method's parts beside its clusters (PFCA's generated samples, SIMI-ClusterGAN's prior);
        none unless a method has them."""
        return {}

    def fit_inputs(self, X: Any) -> torch.Tensor:
        """``fit``'s inputs, checked (:func:`check_inputs`; at least 2 samples) and converted."""
        return check_inputs(X, type(self).__name__, min_samples=2)

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "data_shape_")

    def check_fitted(self) -> None:
        if not hasattr(self, "data_shape_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def inputs(self, X: Any) -> torch.Tensor:
        """Inputs after ``fit``, checked (:func:`check_inputs`, the fitted per-sample shape) and converted."""
        self.check_fitted()
        return check_inputs(X, type(self).__name__, shape=self.data_shape_)

    @property
    def n_features_in_(self) -> int:
        """Numbers per fitted input (scikit-learn's name); absent before ``fit``."""
        if not hasattr(self, "data_shape_"):
            raise AttributeError("n_features_in_ is set by fit")
        return math.prod(self.data_shape_)


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
    - ``progress``: show a progress bar;
    - ``precision``: ``"float32"``, or ``"bfloat16"`` to run each training step under bf16 autocast
      (:data:`advclust.training.PRECISIONS`; the weights, optimizer state and evaluations stay float32);
    - ``cuda_graph``: capture the training step as one CUDA graph after a few eager steps and replay it
      (:class:`advclust.training.CapturedStep`; CUDA only, one seed at a time, methods with ``graph_capturable``).
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
    precision: str = run_control("float32")
    cuda_graph: bool = run_control(False)

    #: Key of the method's networks in :data:`advclust.nets.ARCHITECTURES`.
    network_family = ""

    #: Whether ``fit`` takes an endless sampler ``sampler(n, device) -> inputs`` (synthetic data) as well.
    fits_sampler = False

    #: Whether several seeds can train as one seed-batched model (:func:`fit_seeds`, :mod:`advclust.seeds`).
    batchable = False

    #: Whether ``train_step`` can be captured as a CUDA graph (``cuda_graph``): the same kernels on the same shapes
    #: every step, no reads of device values on the host, and step-dependent values through :meth:`step_scalar`.
    graph_capturable = False

    #: Whether seed batching is the default on a CPU too (:func:`should_batch_seeds`); False where
    #: ``advclust bench seed-batching`` measures a seed batch slower there than the seeds one by one.
    batch_seeds_on_cpu = True

    #: Attributes that hold training data only while training (a fitted model keeps no data): ``fit`` and
    #: :func:`fit_seeds` drop them at the end, also when training fails.
    training_only_attributes = ()

    def validate_params(self) -> None:
        """Check the common parameters; subclasses extend this with their own."""
        check_param("n_iterations", self.n_iterations, "int", 1)
        check_param("batch_size", self.batch_size, "int", 1)
        check_param("seed", self.seed, "int", 0)
        check_param("log_every", self.log_every, "int", 1)
        check_param("eval_every", self.eval_every, "int", 0)
        check_param("checkpoint_every", self.checkpoint_every, "int", 0)
        check_param("progress", self.progress, "bool")
        check_sequence("snapshot_steps", self.snapshot_steps, "int", 1, self.n_iterations)
        training.resolve_device(self.device)
        check_choice("precision", self.precision, training.PRECISIONS)
        check_param("cuda_graph", self.cuda_graph, "bool")
        if self.cuda_graph:
            training.check_graph_capture(self)
        check_choice("architecture", self.architecture, nets.architecture_names(self.network_family))

    # -- hooks -------------------------------------------------------------
    def build(self, source: torch.Tensor | Callable, device: torch.device) -> None:
        raise NotImplementedError

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def step_scalars(self, step: int) -> dict[str, float]:
        """Values of the training step that change with ``step`` (PFCA's eta); ``train_step`` reads each through
        :meth:`step_scalar`."""
        return {}

    def step_scalar(self, name: str, step: int) -> torch.Tensor:
        """``step_scalars(step)[name]`` as a 0-d tensor on the device, which the training loop refills before every
        step: a step captured as a CUDA graph (``cuda_graph``) then reads each step's value, not the first one's."""
        if getattr(self, "scalars_step_", None) != step:  # a step called outside the loop
            training.write_step_scalars(self, step)
        return self.step_scalars_[name]

    def modules_(self) -> dict[str, nn.Module]:
        raise NotImplementedError

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def predict_proba(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    # -- the contract --------------------------------------------------------
    def fit(self, X: Any, y: Any = None, eval_set: tuple[Any, Any] | None = None,
            callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = ()) -> NeuralClusterer:
        """Learn from inputs ``X`` (see :func:`check_inputs`; PFCA and DCAN also take an endless sampler);
        ``y`` is ignored. The global random generators are left as they were found.

        ``eval_set=(inputs, labels)`` is scored every ``eval_every`` steps for the history only.
        Each of ``callbacks`` is called as ``callback(model, step)`` after every logged step; in a phase before
        the main loop (SIMI-ClusterGAN's phase 1) ``model.phase_`` is that phase's ``(name, steps)`` and ``step``
        counts its steps, and otherwise ``model.phase_`` is None.
        ``labels_`` is then the cluster of each input of ``X``, or None when ``X`` is a sampler.
        """
        sampler = self.fits_sampler and callable(X) and not isinstance(X, (torch.Tensor, np.ndarray))
        X = X if sampler else self.fit_inputs(X)
        self.validate_params()
        if eval_set is not None and not sampler:
            eval_set = (check_inputs(eval_set[0], type(self).__name__, shape=tuple(X.shape[1:])), eval_set[1])
        with training.global_rng_kept():
            try:
                self.fit_networks(X, eval_set=eval_set, callbacks=callbacks)
            finally:
                self.drop_training_data()
            self.labels_ = None if sampler else self.predict(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_options: Any) -> np.ndarray:
        """``fit(X)``, then the latent code of ``X`` (:meth:`transform`)."""
        return self.fit(X, **fit_options).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])  # every output is float32
        return tags

    def fit_networks(self, X: torch.Tensor | Callable, eval_set: tuple[torch.Tensor, torch.Tensor] | None = None,
                     callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = ()) -> None:
        """The training part of ``fit`` (parameters already checked); methods with extra steps extend it."""
        training.train(self, self.training_source(X), eval_set=eval_set, callbacks=callbacks)

    def drop_training_data(self) -> None:
        """Forget the :attr:`training_only_attributes`."""
        for name in self.training_only_attributes:
            self.__dict__.pop(name, None)

    def stack_seeds(self, models: Sequence[NeuralClusterer]) -> None:
        """Called on a seed batch's lead (a shallow copy of ``models[0]`` whose networks and optimizers are
        already the seed-grouped ones of all ``models``): stack any other per-seed state the steps use."""

    @classmethod
    def before_seed_batch(cls, estimators: Sequence[NeuralClusterer], X: torch.Tensor | Callable,
                          eval_set: tuple[torch.Tensor, torch.Tensor] | None,
                          fit_options: Sequence[dict[str, Any]] | None = None,
                          callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = ()) -> None:
        """What ``fit`` does before its training loop (parameters already checked), for the ``estimators`` of a
        seed batch (:func:`fit_seeds`), with each one's keyword options to ``fit`` (``fit_options``, one dict per
        estimator); nothing unless a method has such a step (SIMI-ClusterGAN's phase 1, or its given priors).
        A step that trains calls ``callbacks`` as ``callback(estimator, step)`` with ``estimator.phase_`` set
        to its ``(name, steps)`` while it lasts."""
        given = sorted({key for options in fit_options or () for key in options})
        if given:
            raise UserInputError(f"{cls.__name__}.fit takes no options beyond X, y, eval_set and callbacks; "
                                 f"got {', '.join(given)}")

    def training_source(self, X: torch.Tensor | Callable) -> torch.Tensor | Callable:
        """What the training loop draws minibatches from: the inputs ``X`` themselves unless a method says otherwise."""
        return X

    def predict(self, X: Any) -> np.ndarray:
        """Cluster label of each input: the argmax of the posterior."""
        return self.predict_proba(X).argmax(axis=1)

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
        """Apply ``function`` to the checked tensor ``X`` in evaluation mode, in device-sized batches, without
        gradients; a CPU tensor."""
        self.check_fitted()
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
        return torch.cat(outputs).cpu()

    def _outputs(self, function: Callable[[torch.Tensor], torch.Tensor], X: Any) -> np.ndarray:
        """``function`` of the inputs ``X`` (checked by :meth:`inputs`), batched as :meth:`_batched`, as NumPy."""
        return self._batched(function, self.inputs(X)).numpy()


#: Parameters in which the estimators of one seed batch may differ.
PER_SEED_PARAMS = ("seed", "checkpoint_dir", "progress")


def can_batch_seeds(estimators: Sequence[Any]) -> bool:
    """Whether ``estimators`` can train as one seed batch: two or more of one batchable method whose
    parameters differ only in :data:`PER_SEED_PARAMS`."""
    if len(estimators) < 2 or not all(getattr(e, "batchable", False) for e in estimators):
        return False
    if any(getattr(e, "cuda_graph", False) for e in estimators):
        return False  # a seed batch swaps the seeds' random states on the host between draws: no graph holds that
    if any(type(e).fit_networks is not NeuralClusterer.fit_networks for e in estimators):
        return False  # a method with steps around the loop (SIMI-ClusterGAN's phase 1) trains one seed at a time
    if len({type(e) for e in estimators}) > 1:
        return False
    same = [{k: v for k, v in e.get_params().items() if k not in PER_SEED_PARAMS} for e in estimators]
    return all(repr(params) == repr(same[0]) for params in same[1:])


def should_batch_seeds(estimators: Sequence[Any]) -> bool:
    """Whether ``estimators`` train as one seed batch by default: where they can (:func:`can_batch_seeds`) and it
    is faster, that is on a GPU, and on a CPU unless the method says otherwise (``batch_seeds_on_cpu``)."""
    if not can_batch_seeds(estimators):
        return False
    return training.resolve_device(estimators[0].device).type != "cpu" or type(estimators[0]).batch_seeds_on_cpu


def fit_seeds(estimators: Sequence[NeuralClusterer], X: Any, eval_set: tuple[Any, Any] | None = None,
              callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = (),
              fit_options: Sequence[dict[str, Any]] | None = None) -> list[NeuralClusterer]:
    """``fit`` each of ``estimators`` (one configuration, different seeds) on ``X``, trained as one seed batch;
    ``fit_options`` are each one's own keyword options to ``fit`` (e.g. SIMI-ClusterGAN's ``prior``).

    Each estimator ends as its own ``fit`` would leave it. One whose training diverged keeps its last good
    networks and its ``diverged_`` error (a :class:`~advclust.errors.TrainingDiverged`), and has no ``labels_``.
    """
    if not can_batch_seeds(estimators):
        raise UserInputError("fit_seeds needs two or more estimators of one batchable method whose parameters "
                             f"differ only in {', '.join(PER_SEED_PARAMS)}, without cuda_graph")
    lead = estimators[0]
    sampler = lead.fits_sampler and callable(X) and not isinstance(X, (torch.Tensor, np.ndarray))
    X = X if sampler else lead.fit_inputs(X)
    for estimator in estimators:
        estimator.validate_params()
    if eval_set is not None and not sampler:
        eval_set = (check_inputs(eval_set[0], type(lead).__name__, shape=tuple(X.shape[1:])), eval_set[1])
    if fit_options is not None and len(fit_options) != len(estimators):
        raise UserInputError(f"fit_options must hold one dict per estimator ({len(estimators)}), got {len(fit_options)}")
    with training.global_rng_kept():
        type(lead).before_seed_batch(estimators, X, eval_set, fit_options, callbacks)
        # every estimator's training_source: IMSAT keeps its inputs there for its own build
        sources = [estimator.training_source(X) for estimator in estimators]
        try:
            training.train_seeds(estimators, sources[0], eval_set=eval_set, callbacks=callbacks)
        finally:
            for estimator in estimators:
                estimator.drop_training_data()
        for estimator in estimators:
            estimator.labels_ = None if sampler or estimator.diverged_ is not None else estimator.predict(X)
    return list(estimators)
