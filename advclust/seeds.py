"""Seed batching: N seeds of one configuration trained as one model, in one loop.

The seeds' networks are stacked into *seed-grouped* layers (:func:`stack_modules`): a linear layer holds
weights of shape (N, out, in) and multiplies each seed's rows by its own weights (``baddbmm``); a
convolution becomes a grouped convolution with one group per seed (on a CPU, one per seed); batch norm keeps
statistics per seed; a method's own module with state stacks itself (its ``stack_seeds``).
A batch holds the rows of every seed one after another (*seed-major*: N blocks of equal size), so the
method code is the same for one seed and for N: ``n`` rows per seed are ``N * n`` rows in all.

What a method must do to be batchable (its class sets ``batchable = True``):

- draw every random number through :func:`randn`, :func:`rand`, :func:`randint`, :func:`multinomial`
  or :func:`rand_like`: each seed's rows come from that seed's own random stream, in the order a
  sequential run draws them, so a batched run equals N sequential runs to float tolerance;
- reduce losses per seed with :func:`mean` (or :func:`each` for a batch-level statistic) and take the
  rows of each seed with :func:`rows`, never by slicing the whole batch;
- backpropagate ``loss.sum()``: the seeds' parameters are disjoint, so each seed gets its own gradient.

Outside :func:`batched_seeds` every helper is the plain single-seed operation (``mean`` returns a scalar),
so a sequential run draws exactly what it drew before seed batching existed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from advclust import nets


class SeedStreams:
    """The torch random states of N seeds; :meth:`draw` makes each seed's rows from its own state."""

    def __init__(self, states: Sequence[dict[str, torch.Tensor]]):
        self.states = [dict(state) for state in states]

    def __len__(self) -> int:
        return len(self.states)

    @staticmethod
    def current() -> dict[str, Any]:
        state: dict[str, Any] = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    @staticmethod
    def restore(state: dict[str, Any]) -> None:
        torch.set_rng_state(state["torch"])
        if "cuda" in state:
            torch.cuda.set_rng_state_all(state["cuda"])

    def within(self, seed_index: int, work: Callable[[], Any]) -> Any:
        """``work()`` with the global torch generators in seed ``seed_index``'s state, which it then advances."""
        outside = self.current()
        self.restore(self.states[seed_index])
        try:
            return work()
        finally:
            self.states[seed_index] = self.current()
            self.restore(outside)

    def draw(self, work: Callable[[], torch.Tensor], dim: int = 0) -> torch.Tensor:
        """``work()`` once per seed, in that seed's stream, joined along ``dim`` (the rows: seed-major)."""
        return torch.cat([self.within(s, work) for s in range(len(self))], dim=dim)


_STREAMS: ContextVar[SeedStreams | None] = ContextVar("seed_streams", default=None)


@contextmanager
def batched_seeds(streams: SeedStreams) -> Iterator[SeedStreams]:
    """Within the block the helpers below work on seed-major batches of ``len(streams)`` seeds."""
    token = _STREAMS.set(streams)
    try:
        yield streams
    finally:
        _STREAMS.reset(token)


def count() -> int:
    """How many seeds a batch holds (1 outside :func:`batched_seeds`)."""
    streams = _STREAMS.get()
    return 1 if streams is None else len(streams)


def _draw(work: Callable[[], torch.Tensor], dim: int = 0) -> torch.Tensor:
    streams = _STREAMS.get()
    return work() if streams is None else streams.draw(work, dim)


def per_seed(work: Callable[[], torch.Tensor], dim: int = 0) -> torch.Tensor:
    """``work()`` (random draws for one seed's rows) once per seed in its own stream, joined along ``dim``,
    the dimension of the rows (e.g. 1 for draws shaped (2, rows))."""
    return _draw(work, dim)


# -- random draws: ``n`` rows per seed ------------------------------------------------------------------------

def randn(n: int, *shape: int, device: torch.device | str | None = None) -> torch.Tensor:
    """N(0, 1) draws of shape (n, *shape) per seed."""
    return _draw(lambda: torch.randn(n, *shape, device=device))


def rand(n: int, *shape: int, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
    """U[0, 1) draws of shape (n, *shape) per seed."""
    return _draw(lambda: torch.rand(n, *shape, device=device, dtype=dtype))


def randint(high: int, n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """``n`` integers in [0, high) per seed."""
    return _draw(lambda: torch.randint(0, high, (n,), device=device))


def multinomial(probabilities: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` category ids drawn with replacement from ``probabilities`` per seed."""
    return _draw(lambda: torch.multinomial(probabilities, n, replacement=True))


def rand_like(x: torch.Tensor, *, normal: bool = False) -> torch.Tensor:
    """Draws shaped like the seed-major ``x`` (U[0, 1), or N(0, 1) with ``normal``), each seed's from its stream."""
    block = x.shape[0] // count()
    make = torch.randn if normal else torch.rand
    return _draw(lambda: make(block, *x.shape[1:], device=x.device, dtype=x.dtype))


# -- per-seed views and reductions ---------------------------------------------------------------------------

def split(x: torch.Tensor) -> torch.Tensor:
    """``x`` (seed-major rows) as (seeds, rows per seed, ...)."""
    return x.reshape(count(), -1, *x.shape[1:])


def rows(x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """Rows ``start:stop`` of every seed's block, seed-major."""
    return split(x)[:, start:stop].reshape(-1, *x.shape[1:])


def mean(values: torch.Tensor) -> torch.Tensor:
    """The mean over each seed's rows: shape (seeds,) in a batch, a scalar outside."""
    if _STREAMS.get() is None:
        return values.mean()
    return split(values).reshape(count(), -1).mean(1)


def each(function: Callable[..., torch.Tensor], *tensors: torch.Tensor) -> torch.Tensor:
    """``function`` applied to each seed's block of ``tensors`` (a batch-level statistic): (seeds,) or a scalar."""
    if _STREAMS.get() is None:
        return function(*tensors)
    blocks = [split(t) for t in tensors]
    return torch.stack([function(*(b[s] for b in blocks)) for s in range(count())])


# -- seed-grouped layers ---------------------------------------------------------------------------------------

def _to_groups(x: torch.Tensor, seeds: int) -> torch.Tensor:
    """(seeds * batch, channels, ...) -> (batch, seeds * channels, ...): the layout of grouped convolutions."""
    blocks = x.reshape(seeds, -1, *x.shape[1:])
    return blocks.transpose(0, 1).reshape(blocks.shape[1], seeds * x.shape[1], *x.shape[2:])


def _from_groups(y: torch.Tensor, seeds: int) -> torch.Tensor:
    blocks = y.reshape(y.shape[0], seeds, -1, *y.shape[2:]).transpose(0, 1)
    return blocks.reshape(seeds * y.shape[0], *blocks.shape[2:])


def _stacked(tensors: Sequence[torch.Tensor | None]) -> nn.Parameter | None:
    return None if tensors[0] is None else nn.Parameter(torch.stack([t.detach() for t in tensors]).contiguous())


class SeedLinear(nn.Module):
    """N linear layers: ``weight`` (N, out, in), ``bias`` (N, out); seed s's rows meet seed s's weights."""

    seed_grouped = True

    def __init__(self, layers: Sequence[nn.Linear]):
        super().__init__()
        self.seeds = len(layers)
        self.weight = _stacked([layer.weight for layer in layers])
        self.bias = _stacked([layer.bias for layer in layers])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        blocks = x.reshape(self.seeds, -1, x.shape[-1])
        if self.bias is None:
            out = torch.bmm(blocks, self.weight.transpose(1, 2))
        else:
            out = torch.baddbmm(self.bias.unsqueeze(1), blocks, self.weight.transpose(1, 2))
        return out.reshape(*x.shape[:-1], -1)


class _SeedConvolution(nn.Module):
    """N convolutions of one kind, the seeds in front of ``weight``: one grouped convolution (a group per seed) on a
    GPU, one convolution per seed on a CPU."""

    seed_grouped = True

    def __init__(self, layers: Sequence[nn.Conv2d | nn.ConvTranspose2d]):
        super().__init__()
        first = layers[0]
        if first.groups != 1 or first.padding_mode != "zeros":
            raise NotImplementedError("seed batching supports ungrouped, zero-padded convolutions only")
        self.seeds, self.stride, self.padding, self.dilation = len(layers), first.stride, first.padding, first.dilation
        self.output_padding = getattr(first, "output_padding", None)
        self.whole_map = (isinstance(first, (nets.WholeMapConv2d, nets.WholeMapConvTranspose2d))
                          and nets.is_plain_convolution(first))
        self.weight = _stacked([layer.weight for layer in layers])
        self.bias = _stacked([layer.bias for layer in layers])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # On a CPU oneDNN's grouped convolutions are slower than one per seed (bench seed-batching); on a GPU one
        # grouped kernel beats N launches.
        return self.per_seed(x) if x.device.type == "cpu" else self.as_groups(x)

    def as_groups(self, x: torch.Tensor) -> torch.Tensor:
        """One grouped convolution, one group per seed."""
        weight = self.weight.reshape(-1, *self.weight.shape[2:])
        bias = None if self.bias is None else self.bias.reshape(-1)
        return _from_groups(self.convolve(_to_groups(x, self.seeds), weight, bias, self.seeds), self.seeds)

    def per_seed(self, x: torch.Tensor) -> torch.Tensor:
        """One convolution per seed on its block of rows."""
        blocks = x.reshape(self.seeds, -1, *x.shape[1:])
        return torch.cat([self.convolve(blocks[s], self.weight[s], None if self.bias is None else self.bias[s], 1)
                          for s in range(self.seeds)])


class SeedConv2d(_SeedConvolution):
    """N 2-d convolutions; ``weight`` (N, out, in, k, k)."""

    def convolve(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, groups: int) -> torch.Tensor:
        if self.whole_map and groups == 1 and x.shape[-2:] == weight.shape[-2:]:
            return nets.whole_map_conv2d(x, weight, bias)
        return F.conv2d(x, weight, bias, self.stride, self.padding, self.dilation, groups)


class SeedConvTranspose2d(_SeedConvolution):
    """N transposed 2-d convolutions; ``weight`` (N, in, out, k, k)."""

    def convolve(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, groups: int) -> torch.Tensor:
        if self.whole_map and groups == 1 and x.shape[-2:] == (1, 1):
            return nets.whole_map_conv_transpose2d(x, weight, bias)
        return F.conv_transpose2d(x, weight, bias, self.stride, self.padding, self.output_padding, groups,
                                  self.dilation)


class SeedBatchNorm(nn.modules.batchnorm._BatchNorm):
    """N batch-norm layers: statistics and affine parameters per seed, shape (N, features).

    A :class:`~torch.nn.modules.batchnorm._BatchNorm`, so code that adjusts batch-norm layers
    (``nets.frozen_batch_stats``) treats it as one.
    """

    seed_grouped = True

    def __init__(self, layers: Sequence[nn.modules.batchnorm._BatchNorm]):
        nn.Module.__init__(self)
        first = layers[0]
        self.seeds, self.num_features = len(layers), first.num_features
        self.eps, self.momentum, self.affine = first.eps, first.momentum, first.affine
        self.track_running_stats = first.track_running_stats
        self.weight = _stacked([layer.weight for layer in layers])
        self.bias = _stacked([layer.bias for layer in layers])
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            values = [getattr(layer, name) for layer in layers]
            self.register_buffer(name, None if values[0] is None else torch.stack([v.clone() for v in values]))

    def _check_input_dim(self, input: torch.Tensor) -> None:
        pass

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average, as torch's own layer (all seeds step together)
                momentum = 1.0 / float(self.num_batches_tracked[0])
        use_batch = self.training or self.running_mean is None
        running = (None, None) if self.running_mean is None else (self.running_mean.view(-1), self.running_var.view(-1))
        y = F.batch_norm(_to_groups(x, self.seeds), *running,
                         None if self.weight is None else self.weight.reshape(-1),
                         None if self.bias is None else self.bias.reshape(-1),
                         use_batch, momentum, self.eps)
        return _from_groups(y, self.seeds)


class SeedDropout(nn.Module):
    """Dropout whose masks come from each seed's own stream (as ``F.dropout`` draws them on the CPU)."""

    def __init__(self, layer: nn.Dropout, seeds: int):
        super().__init__()
        self.p, self.seeds = layer.p, seeds

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0
        keep = 1 - self.p
        mask = _draw(lambda: torch.empty(x.shape[0] // self.seeds, *x.shape[1:], device=x.device,
                                         dtype=x.dtype).bernoulli_(keep))
        return x * mask.div_(keep)


def _grouped(layers: Sequence[nn.Module]) -> nn.Module | None:
    """The seed-grouped layer replacing ``layers`` (one per seed), or None where the layer holds no state."""
    first = layers[0]
    if isinstance(first, nn.Linear):
        return SeedLinear(layers)
    if isinstance(first, nn.Conv2d):
        return SeedConv2d(layers)
    if isinstance(first, nn.ConvTranspose2d):
        return SeedConvTranspose2d(layers)
    if isinstance(first, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return SeedBatchNorm(layers)
    if isinstance(first, nn.Dropout):
        return SeedDropout(first, len(layers))
    if hasattr(first, "stack_seeds"):  # a method's own module with state, e.g. DCAN's mixture
        return first.stack_seeds(layers)
    return None


def stack_modules(modules: Sequence[nn.Module]) -> nn.Module:
    """One module that computes all of ``modules`` (the same architecture, one per seed) on seed-major batches.

    Its ``state_dict`` has the same keys as each module's, every tensor with the seeds in front
    (:func:`unstack_state` takes one seed's back). Raises ``NotImplementedError`` for a layer with
    parameters that has no seed-grouped version.
    """
    grouped = _grouped(modules)
    if grouped is not None:
        return grouped
    lead = copy.deepcopy(modules[0])
    _replace_children(lead, modules)
    direct = [name for name, _ in [*lead.named_parameters(), *lead.named_buffers()] if not _is_grouped_owner(lead, name)]
    if direct:
        raise NotImplementedError(f"seed batching has no grouped version of the layers holding {direct}")
    return lead


def _replace_children(parent: nn.Module, sources: Sequence[nn.Module]) -> None:
    for name, child in list(parent.named_children()):
        children = [source._modules[name] for source in sources]
        grouped = _grouped(children)
        if grouped is not None:
            parent._modules[name] = grouped
        else:
            _replace_children(child, children)


def _is_grouped_owner(root: nn.Module, tensor_name: str) -> bool:
    owner = root.get_submodule(tensor_name.rpartition(".")[0]) if "." in tensor_name else root
    return getattr(owner, "seed_grouped", False)


def unstack_state(state: dict[str, torch.Tensor], seed_index: int) -> dict[str, torch.Tensor]:
    """Seed ``seed_index``'s part of a stacked ``state_dict`` (what a single-seed module loads)."""
    return {name: value[seed_index].clone() for name, value in state.items()}


def stack_optimizer(optimizers: Sequence[torch.optim.Optimizer], modules: Sequence[Sequence[nn.Module]],
                    stacked: Sequence[nn.Module]) -> torch.optim.Optimizer:
    """The optimizer of the stacked modules: ``optimizers[0]``'s kind and groups, each seed's state stacked.

    ``modules[s]`` are seed s's modules, in the order of ``stacked``; parameters are matched by name.
    """
    by_identity: dict[int, tuple[nn.Parameter, str]] = {}
    for group_index, (module, grouped) in enumerate(zip(modules[0], stacked)):
        grouped_parameters = dict(grouped.named_parameters())
        for name, parameter in module.named_parameters():
            by_identity[id(parameter)] = (grouped_parameters[name], f"{group_index}.{name}")
    lead = optimizers[0]
    groups = [{**{k: v for k, v in group.items() if k != "params"},
               "params": [by_identity[id(p)][0] for p in group["params"]]} for group in lead.param_groups]
    optimizer = type(lead)(groups)
    names = [by_identity[id(p)][1] for group in lead.param_groups for p in group["params"]]
    stacked_parameters = [p for group in optimizer.param_groups for p in group["params"]]
    per_seed = [_parameters_by_name(modules_s) for modules_s in modules]
    for parameter, name in zip(stacked_parameters, names):
        states = [optimizer_s.state.get(parameters_s[name], {}) for optimizer_s, parameters_s in
                  zip(optimizers, per_seed)]
        if states[0]:
            optimizer.state[parameter] = {key: _stack_state_value([state[key] for state in states])
                                          for key in states[0]}
    return optimizer


def _parameters_by_name(modules: Sequence[nn.Module]) -> dict[str, nn.Parameter]:
    return {f"{index}.{name}": parameter for index, module in enumerate(modules)
            for name, parameter in module.named_parameters()}


def _stack_state_value(values: list[Any]) -> Any:
    """Per-parameter optimizer state of each seed, stacked; a step count (a scalar, equal for all) is kept once."""
    first = values[0]
    if isinstance(first, torch.Tensor) and first.dim() > 0:
        return torch.stack(values)
    return first.clone() if isinstance(first, torch.Tensor) else first


def unstack_optimizer_state(state: dict[str, Any], seed_index: int) -> dict[str, Any]:
    """Seed ``seed_index``'s part of a stacked optimizer's ``state_dict`` (what a single-seed optimizer loads)."""
    return {"param_groups": copy.deepcopy(state["param_groups"]),
            "state": {index: {key: value[seed_index].clone() if isinstance(value, torch.Tensor) and value.dim() > 0
                              else value for key, value in entry.items()}
                      for index, entry in state["state"].items()}}
