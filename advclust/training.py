"""The one training loop every iterative method uses.

It owns what is not specific to a method: seeding, the device, minibatch
streams, a tqdm bar with the current losses, the loss/metric history,
periodic evaluation, snapshots of the networks, atomic checkpoints with
resume, and NaN/inf detection. A method supplies one ``train_step``.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from advclust.errors import TrainingDiverged, UserInputError
from advclust.system import atomic_torch_save, resolve_device  # resolve_device: methods call training.resolve_device

if TYPE_CHECKING:
    from advclust.methods.base import NeuralClusterer

CHECKPOINT_NAME = "checkpoint.pt"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) from one integer."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


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


def _first_bad(window: list[dict[str, torch.Tensor]], first_step: int) -> tuple[int, str] | None:
    """The first (step, loss name) in ``window`` whose value is NaN or infinite, with one host sync."""
    names = list(window[0])
    values = torch.stack([torch.stack([row[name].float() for name in names]) for row in window])
    bad = ~torch.isfinite(values)
    if not bool(bad.any()):
        return None
    row, column = (int(i) for i in bad.nonzero()[0])
    return first_step + row + 1, names[column]


def train(
    model: NeuralClusterer,
    source: torch.Tensor | Callable,
    eval_set: tuple[torch.Tensor, torch.Tensor] | None = None,
    callbacks: Sequence[Callable[[NeuralClusterer, int], None]] = (),
) -> None:
    """Run ``model.train_step`` for ``model.n_iterations`` steps with everything around it.

    Steps are counted as completed generator iterations: ``step`` 100 means 100 done.
    """
    device = resolve_device(model.device)
    seed_everything(model.seed)
    model.device_ = device
    model.build(source, device)
    batches = batches_for(source, model.batch_size, device)
    model.history_records_ = []
    model.snapshots_ = {}
    start = 0
    checkpoint = Path(model.checkpoint_dir) / CHECKPOINT_NAME if model.checkpoint_dir else None
    if checkpoint is not None and checkpoint.exists():
        start = _resume(model, batches, checkpoint)

    events = {model.n_iterations, *model.snapshot_steps}
    window: list[dict[str, torch.Tensor]] = []
    window_start = start
    began = time.perf_counter() - (model.history_records_[-1]["seconds"] if model.history_records_ else 0.0)
    bar = tqdm(range(start, model.n_iterations), initial=start, total=model.n_iterations,
               desc=type(model).__name__, disable=not model.progress, mininterval=1.0)
    for step in bar:
        window.append(model.train_step(batches, step))
        done = step + 1
        evaluate = eval_set is not None and model.eval_every and done % model.eval_every == 0
        save = checkpoint is not None and model.checkpoint_every and done % model.checkpoint_every == 0
        if not (done % model.log_every == 0 or done in events or evaluate or save):
            continue
        bad = _first_bad(window, window_start)
        if bad is not None:
            where = f"; the last good checkpoint is {checkpoint}" if checkpoint and checkpoint.exists() else (
                "; no checkpoint was kept (set checkpoint_dir to keep one)")
            raise TrainingDiverged(f"{type(model).__name__}: loss {bad[1]!r} became NaN or infinite at step {bad[0]}{where}")
        row: dict[str, float] = {"step": done, "seconds": time.perf_counter() - began}
        row.update({name: torch.stack([r[name] for r in window]).float().mean().item() for name in window[0]})
        if evaluate or (eval_set is not None and done == model.n_iterations):
            row.update(model.evaluate(*eval_set))
        model.history_records_.append(row)
        bar.set_postfix({k: f"{v:.3g}" for k, v in row.items() if k not in ("step", "seconds")}, refresh=False)
        window, window_start = [], done
        if done in model.snapshot_steps:
            model.snapshots_[done] = {name: copy.deepcopy(m.state_dict()) for name, m in model.modules_().items()}
        for callback in callbacks:
            callback(model, done)
        if save or (checkpoint is not None and done == model.n_iterations):
            _save(model, batches, checkpoint, done)
    bar.close()
    model.n_iter_ = model.n_iterations


def _checkpoint_state(model: NeuralClusterer, batches, step: int) -> dict[str, Any]:
    return {
        "step": step,
        "params": model.get_params(),
        "modules": {name: m.state_dict() for name, m in model.modules_().items()},
        "optimizers": {name: o.state_dict() for name, o in model.optimizers_().items()},
        "batches": batches.state_dict(),
        "rng": rng_state(),
        "history": model.history_records_,
        "snapshots": model.snapshots_,
    }


def _save(model: NeuralClusterer, batches, path: Path, step: int) -> None:
    atomic_torch_save(path, _checkpoint_state(model, batches, step))


# Parameters that may change between an interrupted run and its resumption.
RESUMABLE_CHANGES = {"n_iterations", "progress", "checkpoint_every", "eval_every", "log_every", "device", "snapshot_steps"}


def _resume(model: NeuralClusterer, batches, path: Path) -> int:
    try:
        state = torch.load(path, map_location=model.device_, weights_only=False)
    except Exception as error:  # a truncated or foreign file: say which, touch nothing
        raise UserInputError(f"cannot read checkpoint {path}: {error}") from error
    mismatched = {k for k, v in state["params"].items() if k not in RESUMABLE_CHANGES and model.get_params().get(k) != v}
    if mismatched:
        raise UserInputError(
            f"checkpoint {path} was written with other values of {', '.join(sorted(mismatched))}; "
            "use another checkpoint_dir or the same parameters")
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
    return state["step"]


def history_frame(records: list[dict[str, float]]) -> pd.DataFrame:
    """The history as a DataFrame indexed by step."""
    return pd.DataFrame.from_records(records).set_index("step") if records else pd.DataFrame()
