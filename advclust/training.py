"""The one training loop every iterative method uses.

It owns what is not specific to a method: seeding, the device, minibatch
streams, a tqdm bar with the current losses, the loss/metric history,
periodic evaluation, snapshots of the networks, atomic checkpoints with
resume, and NaN/inf detection. A method supplies one ``train_step``.

A checkpoint holds tensors and plain Python values only, so it is read with
``torch.load(weights_only=True)`` (a crafted file cannot run code), and it
names the run it belongs to (method, seed, inputs, parameters, and the
dataset where :func:`checkpoint_labels` gives it): resuming another run's
checkpoint is refused, naming the value that differs.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from advclust import seeds
from advclust.errors import TrainingDiverged, UserInputError
from advclust.system import atomic_torch_save, resolve_device  # resolve_device: methods call training.resolve_device

if TYPE_CHECKING:
    from advclust.methods.base import NeuralClusterer

CHECKPOINT_NAME = "checkpoint.pt"

#: A neural method's ``precision`` values and the autocast dtype each trains its steps under (None: none).
PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16}


def step_precision(model: NeuralClusterer) -> contextlib.AbstractContextManager:
    """The context one training step runs in: bf16 autocast on the model's device for ``"bfloat16"``.

    Autocast runs matrix products and convolutions in bf16 and keeps reductions, softmax and losses in
    float32; the weights and optimizer state stay float32, so checkpoints and evaluations do not change form.
    Its cache of cast weights is off under ``cuda_graph``, as CUDA graphs require.
    """
    dtype = PRECISIONS[model.precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(model.device_.type, dtype=dtype, cache_enabled=not model.cuda_graph)


def write_step_scalars(model: NeuralClusterer, step: int) -> None:
    """Fill ``model.step_scalars_`` (0-d device tensors, made once) with ``model.step_scalars(step)``: an in-place
    fill, which a captured step then reads (:meth:`~advclust.methods.base.NeuralClusterer.step_scalar`)."""
    scalars = model.__dict__.setdefault("step_scalars_", {})
    for name, value in model.step_scalars(step).items():
        if name not in scalars:
            scalars[name] = torch.zeros((), device=model.device_)
        scalars[name].fill_(value)
    model.scalars_step_ = step


def _run_step(model: NeuralClusterer, batches, step: int) -> dict[str, torch.Tensor]:
    """One ``train_step``, its step scalars written first, under the model's precision."""
    write_step_scalars(model, step)
    with step_precision(model):
        return model.train_step(batches, step)


# --- CUDA graphs -------------------------------------------------------------------------------------------------

def check_graph_capture(model: NeuralClusterer) -> None:
    """Raise :class:`UserInputError` unless ``model`` can train with ``cuda_graph``: a method whose step can be
    captured, on a CUDA device."""
    from advclust.methods import METHODS

    if not type(model).graph_capturable:
        capturable = [name for name, cls in METHODS.items() if getattr(cls, "graph_capturable", False)]
        raise UserInputError(f"{type(model).__name__} cannot capture its training step as a CUDA graph "
                             f"(cuda_graph); the methods that can: {', '.join(capturable)}")
    device = resolve_device(model.device)
    if device.type != "cuda":
        raise UserInputError(f"cuda_graph captures the training step as a CUDA graph and needs a CUDA device; "
                             f"device={model.device!r} is {device} here")


class StaticBatches:
    """The batch stream of a captured step: the step's minibatches in tensors that stay in place, refilled from
    ``source`` before each step (a CUDA graph replays its reads from the same memory).

    The first step draws from ``source`` as it goes, and fixes how many minibatches every step takes. The data
    order is ``source``'s; only its reshuffles move from inside a step to before it.
    """

    def __init__(self, source: TensorBatches | SamplerBatches):
        self.source, self.batch_size = source, source.batch_size
        self.buffers: list[torch.Tensor] = []
        self.draws: int | None = None
        self.used = 0

    def refill(self) -> None:
        if self.buffers and self.draws is None:
            self.draws = len(self.buffers)
        for buffer in self.buffers:
            buffer.copy_(self.source.next())
        self.used = 0

    def next(self) -> torch.Tensor:
        if self.draws is None:
            self.buffers.append(self.source.next().clone())
            return self.buffers[-1]
        if self.used == self.draws:
            raise RuntimeError(f"a captured training step must take the same number of minibatches every step "
                               f"({self.draws} at the first); this one asked for more")
        self.used += 1
        return self.buffers[self.used - 1]


def make_capturable(model: NeuralClusterer) -> None:
    """Switch ``model``'s optimizers to ``capturable`` (their step counts on the device, no host reads), moving
    the step counts of a resumed optimizer there."""
    for optimizer in model.optimizers_().values():
        for group in optimizer.param_groups:
            group["capturable"] = True
            for parameter in group["params"]:
                state = optimizer.state.get(parameter, {})
                if "step" in state:
                    state["step"] = torch.as_tensor(state["step"], dtype=torch.float32).to(parameter.device)


class CapturedStep:
    """``model.train_step`` captured as one CUDA graph and replayed (``cuda_graph``; torch.cuda.graphs).

    The first ``warmup`` steps run eagerly on a side stream (allocations, optimizer states, cuDNN choices settle);
    the next is captured, and every step replays the graph. Before each step the loop's values reach the graph
    through fixed memory: the minibatches (:class:`StaticBatches`) and the step scalars (PFCA's eta,
    :func:`write_step_scalars`). The optimizers become capturable. With ``capture=False`` the same path runs
    eagerly (how the CPU tests check it; a GPU test checks the capture).
    """

    def __init__(self, model: NeuralClusterer, batches: TensorBatches | SamplerBatches, warmup: int = 3,
                 capture: bool = True):
        self.model, self.batches = model, StaticBatches(batches)
        self.warmup, self.capture = warmup, capture
        self.graph: torch.cuda.CUDAGraph | None = None
        self.outputs: dict[str, torch.Tensor] = {}
        self.calls = 0
        if capture:
            make_capturable(model)

    def __call__(self, step: int) -> dict[str, torch.Tensor]:
        self.batches.refill()
        if not self.capture:
            outputs = _run_step(self.model, self.batches, step)
        elif self.calls < self.warmup or self.batches.draws is None:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                outputs = _run_step(self.model, self.batches, step)
            torch.cuda.current_stream().wait_stream(side)
        else:
            write_step_scalars(self.model, step)  # outside the graph: a fill captured in it would replay one value
            if self.graph is None:
                self.graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(self.graph), step_precision(self.model):
                    self.outputs = self.model.train_step(self.batches, step)
            self.graph.replay()
            outputs = self.outputs
        self.calls += 1
        return {name: value.clone() for name, value in outputs.items()}


def _stepper(model: NeuralClusterer, batches) -> Callable[[int], dict[str, torch.Tensor]]:
    """What runs step ``step`` of the loop: a :class:`CapturedStep` under ``cuda_graph``, else the step itself."""
    if model.cuda_graph:
        return CapturedStep(model, batches)
    return functools.partial(_run_step, model, batches)


@contextmanager
def denormals_flushed() -> Iterator[None]:
    """Flush subnormal floats (below 1.2e-38) to zero on the CPU while a training loop runs.

    x86 CPUs compute with subnormals many times slower, and long GAN runs make them: from the step-12 000
    checkpoint of PFCA's long MNIST run one thread trains 1.15 steps/s, and 3.28 flushed, its fresh-start rate
    (``advclust bench subnormals``; results/bench/cpu_2core_2026-12-06_subnormals.json). torch has no getter
    for the setting, so it goes back to torch's default (off) afterwards. It is a per-thread CPU setting: set here
    on the thread that trains, which does all the work of a one-thread run (the long profile's background runs).
    """
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def in_float32(function: Callable) -> Callable:
    """Run ``function`` with autocast off and its tensor arguments cast to float32: for statistics that bf16's
    8-bit mantissa breaks (DCAN's mixture re-estimates variances as E[z^2] - E[z]^2, which cancels)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        def widened(value: Any) -> Any:
            return value.float() if isinstance(value, torch.Tensor) and value.is_floating_point() else value

        with torch.autocast("cuda", enabled=False), torch.autocast("cpu", enabled=False):
            return function(*map(widened, args), **{k: widened(v) for k, v in kwargs.items()})

    return wrapper


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) from one integer."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """The states of every generator, as tensors and lists (what ``torch.load(weights_only=True)`` reads)."""
    version, internal, gauss = random.getstate()
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state = {"python": [version, list(internal), gauss],
             "numpy": [kind, keys.tolist(), int(position), int(has_gauss), float(cached)],
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


_CHECKPOINT_LABELS: ContextVar[dict[str, Any]] = ContextVar("checkpoint_labels", default={})


@contextmanager
def checkpoint_labels(**labels: Any) -> Iterator[None]:
    """Inside this block, checkpoints also store ``labels`` and resume only where they match.

    The runner labels them with the dataset's name and options, which the inputs alone do not tell
    (MNIST and Fashion-MNIST have the same shape). Values must be plain: str, numbers, lists, dicts.
    """
    token = _CHECKPOINT_LABELS.set({**_CHECKPOINT_LABELS.get(), **labels})
    try:
        yield
    finally:
        _CHECKPOINT_LABELS.reset(token)


@contextmanager
def global_rng_kept() -> Iterator[None]:
    """Put Python's, NumPy's and torch's global generators back as they were on leaving: ``fit`` seeds them
    for training (:func:`seed_everything`) without changing the caller's random stream."""
    state = rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


class TensorBatches:
    """Endless minibatches from a finite tensor: shuffled epochs, the tensor kept on the device."""

    def __init__(self, inputs: torch.Tensor, batch_size: int, device: torch.device):
        self.inputs = inputs.to(device)
        self.batch_size = min(batch_size, len(inputs))
        self.order = torch.randperm(len(inputs), device=device)
        self.position = 0

    def next(self) -> torch.Tensor:
        if self.position + self.batch_size > len(self.order):
            self.order = torch.randperm(len(self.inputs), device=self.inputs.device)
            self.position = 0
        index = self.order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        return self.inputs[index]

    def state_dict(self) -> dict[str, Any]:
        return {"order": self.order.cpu(), "position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.order = state["order"].to(self.inputs.device)
        self.position = state["position"]


class SamplerBatches:
    """Endless minibatches from a sampler (synthetic data): fresh points every call."""

    def __init__(self, sampler: Callable[[int, torch.device], torch.Tensor], batch_size: int, device: torch.device):
        self.sampler, self.batch_size, self.device = sampler, batch_size, device

    def next(self) -> torch.Tensor:
        return self.sampler(self.batch_size, self.device)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def batches_for(source: torch.Tensor | Callable, batch_size: int, device: torch.device) -> TensorBatches | SamplerBatches:
    """The batch stream for a tensor of inputs or an endless sampler."""
    if isinstance(source, torch.Tensor):
        return TensorBatches(source, batch_size, device)
    if callable(source):
        return SamplerBatches(source, batch_size, device)
    raise UserInputError(f"fit expects a tensor of inputs or a sampler, got {type(source).__name__}")


def _check_finite(model: NeuralClusterer, window: list[dict[str, torch.Tensor]], first_step: int,
                  checkpoint: Path | None) -> None:
    """Raise :class:`TrainingDiverged` at the first loss of ``window`` that is NaN or infinite (one host sync)."""
    error = _divergence(model, {name: torch.stack([row[name].float().reshape(()) for row in window])
                                for name in window[0]}, first_step, checkpoint)
    if error is not None:
        raise error


def _divergence(model: NeuralClusterer, losses: dict[str, torch.Tensor], first_step: int,
                checkpoint: Path | None) -> TrainingDiverged | None:
    """The :class:`TrainingDiverged` of the first NaN or infinite value of ``losses`` (name -> one value per
    step since ``first_step``), or None."""
    names = list(losses)
    values = torch.stack([losses[name] for name in names], dim=1)
    bad = ~torch.isfinite(values)
    if not bool(bad.any()):
        return None
    row, column = (int(i) for i in bad.nonzero()[0])
    step, loss = first_step + row + 1, names[column]
    where = f"; the last good checkpoint is {checkpoint}" if checkpoint and checkpoint.exists() else (
        "; no checkpoint was kept (set checkpoint_dir to keep one)")
    return TrainingDiverged(f"{type(model).__name__} (seed {model.seed}): loss {loss!r} became NaN or infinite at "
                            f"step {step}{where}", step=step, loss=loss)


def _step_events(model: NeuralClusterer, done: int, events: set[int], evaluating: bool,
                 checkpointing: bool) -> tuple[bool, bool, bool]:
    """Whether the loop evaluates, logs and checkpoints after ``done`` steps.

    ``events`` are the last step and the snapshot steps."""
    evaluate = evaluating and bool(model.eval_every) and done % model.eval_every == 0
    log = done % model.log_every == 0 or done in events or evaluate
    save = checkpointing and (done == model.n_iterations or bool(model.checkpoint_every)
                              and done % model.checkpoint_every == 0)
    return evaluate, log, save


def train(
    model: NeuralClusterer,
    source: torch.Tensor | Callable,
    eval_set: tuple[torch.Tensor, torch.Tensor] | None = None,
    callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = (),
) -> None:
    """Run ``model.train_step`` for ``model.n_iterations`` steps with everything around it.

    Steps are counted as completed generator iterations: ``step`` 100 means 100 done. Checkpoints do not
    change the history: the losses since the last history row travel in the checkpoint, so a resumed run
    logs what an uninterrupted one logs. ``model.resumed_from_`` is the step it resumed from (0: a fresh start).
    """
    device = resolve_device(model.device)
    seed_everything(model.seed)
    model.device_ = device
    model.build(source, device)
    model.step_scalars_, model.scalars_step_ = {}, None
    batches = batches_for(source, model.batch_size, device)
    model.history_records_ = []
    model.snapshots_ = {}
    identity = _identity(model, source)
    start, window, window_start = 0, [], 0
    checkpoint = Path(model.checkpoint_dir) / CHECKPOINT_NAME if model.checkpoint_dir else None
    if checkpoint is not None and checkpoint.exists():
        start, window, window_start = _resume(model, batches, checkpoint, identity)
    model.resumed_from_ = start
    run_step = _stepper(model, batches)

    events = {model.n_iterations, *model.snapshot_steps}
    began = time.perf_counter() - (model.history_records_[-1]["seconds"] if model.history_records_ else 0.0)
    bar = tqdm(range(start, model.n_iterations), initial=start, total=model.n_iterations,
               desc=type(model).__name__, disable=not model.progress, mininterval=1.0)
    with denormals_flushed():
        for step in bar:
            window.append(run_step(step))
            done = step + 1
            evaluate, log, save = _step_events(model, done, events, eval_set is not None, checkpoint is not None)
            if not (log or save):
                continue
            _check_finite(model, window, window_start, checkpoint)  # never log or save a diverged state
            if log:
                row: dict[str, float] = {"step": done, "seconds": time.perf_counter() - began}
                row.update({name: torch.stack([r[name].reshape(()) for r in window]).float().mean().item()
                            for name in window[0]})
                if evaluate or (eval_set is not None and done == model.n_iterations):
                    row.update({name: float(value) for name, value in model.evaluate(*eval_set).items()})
                model.history_records_.append(row)
                bar.set_postfix({k: f"{v:.3g}" for k, v in row.items() if k not in ("step", "seconds")}, refresh=False)
                window, window_start = [], done
                if done in model.snapshot_steps:
                    model.snapshots_[done] = {name: copy.deepcopy(m.state_dict())
                                              for name, m in model.modules_().items()}
            if save:
                _save(model, batches, checkpoint, done, window, window_start, identity)
            if log:
                for callback in callbacks:
                    callback(model, done)
    bar.close()
    model.n_iter_ = model.n_iterations


def _fingerprint(inputs: torch.Tensor) -> str:
    """A short hash of up to 64 evenly spaced rows: tells two datasets of one shape apart without reading all."""
    if len(inputs) == 0:
        return ""
    rows = torch.linspace(0, len(inputs) - 1, min(64, len(inputs))).long().to(inputs.device)
    return hashlib.sha1(inputs[rows].detach().to("cpu", torch.float32).contiguous().numpy().tobytes()).hexdigest()[:16]


def _identity(model: NeuralClusterer, source: torch.Tensor | Callable) -> dict[str, Any]:
    """What a checkpoint must match to be resumed, besides the parameters: method, seed, inputs, labels."""
    inputs = getattr(model, "inputs_", source)  # IMSAT draws row indices and keeps its inputs on the model
    finite = isinstance(inputs, torch.Tensor)
    return {"method": type(model).__name__, "seed": model.seed,
            "input_shape": list(inputs.shape[1:]) if finite else None,
            "input_length": len(inputs) if finite else None,
            "input_fingerprint": _fingerprint(inputs) if finite else None,
            **_CHECKPOINT_LABELS.get()}


def _checkpoint_state(model: NeuralClusterer, batches, step: int, window: list[dict[str, torch.Tensor]],
                      window_start: int, identity: dict[str, Any], rng: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "step": step,
        "identity": identity,
        "params": model.get_params(),
        "modules": {name: m.state_dict() for name, m in model.modules_().items()},
        "optimizers": {name: o.state_dict() for name, o in model.optimizers_().items()},
        "batches": batches.state_dict(),
        "rng": rng_state() if rng is None else rng,
        "history": model.history_records_,
        "window": [{name: value.detach().cpu() for name, value in row.items()} for row in window],
        "window_start": window_start,
        "snapshots": model.snapshots_,
    }


def _save(model: NeuralClusterer, batches, path: Path, step: int, window: list[dict[str, torch.Tensor]],
          window_start: int, identity: dict[str, Any], rng: dict[str, Any] | None = None) -> None:
    atomic_torch_save(path, _checkpoint_state(model, batches, step, window, window_start, identity, rng))


# Parameters that may change between an interrupted run and its resumption.
RESUMABLE_CHANGES = {"n_iterations", "progress", "checkpoint_dir", "checkpoint_every", "eval_every", "log_every",
                     "device", "snapshot_steps"}


def _resume(model: NeuralClusterer, batches, path: Path,
            identity: dict[str, Any]) -> tuple[int, list[dict[str, torch.Tensor]], int]:
    """Load the checkpoint at ``path`` into ``model`` and ``batches``; return (step, pending losses, their start)."""
    try:
        # weights_only: tensors and plain values only, never code. The CPU first: RNG states must be CPU tensors.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated, foreign or crafted file: say which, touch nothing
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserInputError(f"cannot read checkpoint {path} (not an advclust checkpoint, or written by an older "
                             f"version; delete it to start over): {first_line}") from error
    if not isinstance(state, dict) or "identity" not in state:
        raise UserInputError(f"{path} is not an advclust checkpoint of this version; delete it to start over")
    params = model.get_params()
    saved = {**state["identity"], **{k: v for k, v in state["params"].items() if k not in RESUMABLE_CHANGES}}
    current = {**identity, **{k: params.get(k) for k in state["params"] if k not in RESUMABLE_CHANGES}}
    differing = [k for k in sorted(saved.keys() | current.keys()) if not _same(saved.get(k), current.get(k))]
    if differing:
        raise UserInputError(
            f"checkpoint {path} belongs to another run: "
            + "; ".join(f"{k} is {saved.get(k)!r} there, {current.get(k)!r} here" for k in differing)
            + ". Use another checkpoint_dir, or delete this one to start over")
    if state["step"] > model.n_iterations:
        raise UserInputError(f"checkpoint {path} is at step {state['step']}, beyond n_iterations={model.n_iterations}")
    for name, module in model.modules_().items():
        module.load_state_dict(state["modules"][name])
    for name, optimizer in model.optimizers_().items():
        optimizer.load_state_dict(state["optimizers"][name])
    batches.load_state_dict(state["batches"])
    set_rng_state(state["rng"])
    model.history_records_ = list(state["history"])
    model.snapshots_ = dict(state["snapshots"])
    window = [{name: value.to(model.device_) for name, value in row.items()} for row in state["window"]]
    return state["step"], window, state["window_start"]


def _same(a: Any, b: Any) -> bool:
    """Equal, with tuples and lists alike at any depth (a checkpoint may store either)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def history_frame(records: list[dict[str, float]]) -> pd.DataFrame:
    """The history as a DataFrame indexed by step."""
    return pd.DataFrame.from_records(records).set_index("step") if records else pd.DataFrame()


# -- seed-batched training ------------------------------------------------------------------------------------

class SeedBatches:
    """Seed-major minibatches: each seed's own stream of batches, its reshuffles drawn from its own generator."""

    def __init__(self, streams: list[TensorBatches | SamplerBatches], random: seeds.SeedStreams):
        self.streams, self.random = streams, random
        self.batch_size = streams[0].batch_size

    def next(self) -> torch.Tensor:
        return torch.cat([self.random.within(s, stream.next) for s, stream in enumerate(self.streams)])


def _replace_attributes(model: NeuralClusterer, replacements: dict[int, Any]) -> None:
    """Point each attribute of ``model`` that is one of the objects in ``replacements`` (by id) to its replacement."""
    for name, value in list(vars(model).items()):
        if id(value) in replacements:
            setattr(model, name, replacements[id(value)])


def _stacked_model(models: Sequence[NeuralClusterer], device: torch.device) -> NeuralClusterer:
    """A shallow copy of ``models[0]`` whose networks and optimizers are the seed-grouped ones of all ``models``."""
    names = list(models[0].modules_())
    stacked = {name: seeds.stack_modules([m.modules_()[name] for m in models]).to(device) for name in names}
    lead = copy.copy(models[0])
    replacements: dict[int, Any] = {id(models[0].modules_()[name]): stacked[name] for name in names}
    per_seed_modules = [[m.modules_()[name] for name in names] for m in models]
    for name, optimizer in models[0].optimizers_().items():
        replacements[id(optimizer)] = seeds.stack_optimizer([m.optimizers_()[name] for m in models],
                                                            per_seed_modules, list(stacked.values()))
    _replace_attributes(lead, replacements)
    lead.stack_seeds(models)
    return lead


def _sync(lead: NeuralClusterer, model: NeuralClusterer, seed_index: int, optimizers: bool = False) -> None:
    """Load seed ``seed_index``'s networks (and optimizer states) from the stacked ``lead`` into ``model``."""
    for name, module in lead.modules_().items():
        model.modules_()[name].load_state_dict(seeds.unstack_state(module.state_dict(), seed_index))
    if optimizers:
        for name, optimizer in lead.optimizers_().items():
            model.optimizers_()[name].load_state_dict(seeds.unstack_optimizer_state(optimizer.state_dict(), seed_index))


def train_seeds(
    models: Sequence[NeuralClusterer],
    source: torch.Tensor | Callable,
    eval_set: tuple[torch.Tensor, torch.Tensor] | None = None,
    callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = (),
) -> None:
    """Train ``models`` (one configuration, different seeds) as one seed-batched model (:mod:`advclust.seeds`).

    Each model ends as :func:`train` leaves it, with its own initialisation, random stream, data order,
    history, evaluations, snapshots and checkpoint; a sequential run resumes a batched run's checkpoint and
    the other way round. A seed whose losses become NaN or infinite is set aside with its last good networks
    and ``diverged_`` (the :class:`TrainingDiverged`), while the other seeds go on; nothing is raised for it.
    """
    device = resolve_device(models[0].device)
    per_seed: list[dict[str, Any]] = []
    for model in models:
        seed_everything(model.seed)
        model.device_ = device
        model.build(source, device)
        model.step_scalars_, model.scalars_step_ = {}, None
        batches = batches_for(source, model.batch_size, device)
        model.history_records_, model.snapshots_, model.diverged_ = [], {}, None
        identity = _identity(model, source)
        checkpoint = Path(model.checkpoint_dir) / CHECKPOINT_NAME if model.checkpoint_dir else None
        start, window, window_start = 0, [], 0
        if checkpoint is not None and checkpoint.exists():
            start, window, window_start = _resume(model, batches, checkpoint, identity)
        model.resumed_from_ = start
        per_seed.append({"batches": batches, "identity": identity, "checkpoint": checkpoint, "start": start,
                         "window": window, "window_start": window_start, "rng": rng_state()})
    if len({(s["start"], s["window_start"], len(s["window"])) for s in per_seed}) > 1:
        for model in models:  # checkpoints at different steps cannot share one loop: one run after another
            train(model, source, eval_set, callbacks)
        return

    count = len(models)
    lead = _stacked_model(models, device)
    random = seeds.SeedStreams([{key: s["rng"][key] for key in ("torch", "cuda") if key in s["rng"]}
                                for s in per_seed])
    batches = SeedBatches([s["batches"] for s in per_seed], random)
    start, window_start = per_seed[0]["start"], per_seed[0]["window_start"]
    window = [{name: torch.stack([s["window"][i][name].reshape(()) for s in per_seed]) for name in per_seed[0]["window"][i]}
              for i in range(len(per_seed[0]["window"]))]
    active = list(range(count))
    events = {lead.n_iterations, *lead.snapshot_steps}
    began = time.perf_counter() - (models[0].history_records_[-1]["seconds"] if models[0].history_records_ else 0.0)
    bar = tqdm(range(start, lead.n_iterations), initial=start, total=lead.n_iterations,
               desc=f"{type(lead).__name__} x{count} seeds", disable=not lead.progress, mininterval=1.0)
    with seeds.batched_seeds(random), denormals_flushed():
        for step in bar:
            window.append(_run_step(lead, batches, step))
            done = step + 1
            evaluate, log, save = _step_events(lead, done, events, eval_set is not None,
                                               per_seed[0]["checkpoint"] is not None)
            if not (log or save):
                continue
            losses = {name: torch.stack([row[name].float().reshape(-1).expand(count) for row in window])
                      for name in window[0]}  # (steps, seeds)
            seconds = time.perf_counter() - began
            for s in list(active):
                model, state = models[s], per_seed[s]
                mine = {name: values[:, s] for name, values in losses.items()}
                model.diverged_ = _divergence(model, mine, window_start, state["checkpoint"])
                if model.diverged_ is not None:
                    active.remove(s)
                    continue
                _sync(lead, model, s, optimizers=save)  # at every log: a seed that diverges later keeps these
                if log:
                    row: dict[str, float] = {"step": done, "seconds": seconds}
                    row.update({name: float(values.mean()) for name, values in mine.items()})
                    if evaluate or (eval_set is not None and done == lead.n_iterations):
                        row.update({name: float(value) for name, value in model.evaluate(*eval_set).items()})
                    model.history_records_.append(row)
                    if done in lead.snapshot_steps:
                        model.snapshots_[done] = {name: copy.deepcopy(m.state_dict()) for name, m in model.modules_().items()}
                if save:
                    seed_window = [] if log else [{name: value[s] for name, value in row.items()}
                                                  for row in _expanded(window, count)]
                    rng = {**state["rng"], **random.states[s]}
                    _save(model, state["batches"], state["checkpoint"], done, seed_window,
                          done if log else window_start, state["identity"], rng)
                if log:
                    for callback in callbacks:
                        callback(model, done)
            if log:
                window, window_start = [], done
                if active:
                    first = models[active[0]].history_records_[-1]
                    bar.set_postfix({k: f"{v:.3g}" for k, v in first.items() if k not in ("step", "seconds")},
                                    refresh=False)
            if not active:
                break
    bar.close()
    for s in active:
        _sync(lead, models[s], s, optimizers=True)
        models[s].n_iter_ = models[s].n_iterations


def _expanded(window: list[dict[str, torch.Tensor]], count: int) -> list[dict[str, torch.Tensor]]:
    return [{name: value.reshape(-1).expand(count) for name, value in row.items()} for row in window]
