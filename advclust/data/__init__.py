"""Dataset registry: ``load(name, ...)`` returns a :class:`Dataset` of in-memory tensors.

Each dataset family lives in its own module and registers its loaders with
:func:`register`. Data roots resolve in this order: an explicit ``root``
argument, the ``ADVCLUST_DATA`` environment variable, then ``./data``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from advclust.errors import UserInputError, check_choice

#: A sampler draws ``n`` fresh training inputs on ``device`` from torch's global RNG.
Sampler = Callable[[int, torch.device], torch.Tensor]


@dataclass
class Dataset:
    """Inputs and integer labels of one dataset, with what a chapter needs to describe it."""

    name: str
    inputs: torch.Tensor
    labels: torch.Tensor
    n_clusters: int
    source: str
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Endless training sampler for synthetic sets; ``None`` for finite datasets.
    sampler: Sampler | None = None
    #: The options of :func:`load` that made it (run records keep them).
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise ValueError(f"{self.name}: {len(self.inputs)} inputs but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.inputs)

    def head(self, rows: int) -> Dataset:
        """The first ``rows`` inputs (e.g. DCAN's 50 000 of the 60 000 MNIST training images, DCAN §3)."""
        if self.sampler is not None:
            raise UserInputError(f"{self.name} is drawn from an endless sampler; 'rows' applies to finite datasets only")
        if not isinstance(rows, int) or isinstance(rows, bool) or not 1 <= rows <= len(self):
            raise UserInputError(f"rows must be an integer in [1, {len(self)}] for {self.name}, got {rows!r}")
        metadata = {**self.metadata, "rows": f"the first {rows} of {len(self)}"}
        if "class_counts" in metadata:
            metadata["class_counts"] = torch.bincount(self.labels[:rows], minlength=self.n_clusters).tolist()
        return dataclasses.replace(self, inputs=self.inputs[:rows], labels=self.labels[:rows], metadata=metadata,
                                   options={**self.options, "rows": rows})

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one input."""
        return tuple(self.inputs.shape[1:])

    @property
    def training_source(self) -> torch.Tensor | Sampler:
        """What a method trains on: the endless sampler if there is one, else the inputs."""
        return self.sampler if self.sampler is not None else self.inputs


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset: its loader and how to describe and find it."""

    name: str
    loader: Callable[..., Dataset]
    description: str
    needs_root: bool = False

    @property
    def options(self) -> list[str]:
        return [p for p in inspect.signature(self.loader).parameters if p != "root"]


class DataNotFoundError(FileNotFoundError):
    """A dataset's files are missing; the message names the paths searched and the fetch command."""


_REGISTRY: dict[str, DatasetSpec] = {}


def register(name: str, *, description: str, needs_root: bool = False):
    """Decorator registering ``loader`` under ``name``."""

    def decorate(loader: Callable[..., Dataset]) -> Callable[..., Dataset]:
        if name in _REGISTRY:
            raise RuntimeError(f"dataset {name!r} registered twice")
        _REGISTRY[name] = DatasetSpec(name, loader, description, needs_root)
        return loader

    return decorate


def names() -> list[str]:
    """Names of every registered dataset."""
    return sorted(_REGISTRY)


def spec(name: str) -> DatasetSpec:
    """The registry entry of ``name``; unknown names raise listing the valid ones."""
    return _REGISTRY[check_choice("dataset", name, _REGISTRY)]


def load(name: str, rows: int | None = None, **options: Any) -> Dataset:
    """Load dataset ``name`` (its first ``rows`` inputs if given); unknown names or options raise :class:`UserInputError`."""
    entry = spec(name)
    unknown = sorted(set(options) - set(entry.options) - {"root"})
    if unknown:
        raise UserInputError(
            f"dataset {name!r} has no option {', '.join(map(repr, unknown))}; "
            f"valid options: {', '.join([*entry.options, 'rows'])}"
        )
    dataset = entry.loader(**options)
    dataset.options = {k: v for k, v in options.items() if k != "root"}
    return dataset if rows is None else dataset.head(rows)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: ``root`` if given, else ``$ADVCLUST_DATA``, else ``./data``."""
    if root is not None:
        return Path(root)
    if os.environ.get("ADVCLUST_DATA"):
        return Path(os.environ["ADVCLUST_DATA"])
    return Path("data")


def subset(dataset: Dataset, n: int | None, seed: int = 0) -> Dataset:
    """``n`` of ``dataset``'s rows drawn at random with ``seed`` (all rows, unchanged, when ``n`` is None or too big).

    The subset's name says its size (``NAME-subsetN``), so run records cannot be mistaken for full-data runs.
    """
    if n is None or n >= len(dataset):
        return dataset
    if n < 1:
        raise ValueError(f"a subset needs at least one row, got n={n}")
    index = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n]
    return replace(dataset, name=f"{dataset.name}-subset{n}", inputs=dataset.inputs[index], labels=dataset.labels[index],
                   metadata={**dataset.metadata, "rows": f"{n} of {len(dataset)} rows drawn at random (seed {seed})"})


# Importing the family modules registers their datasets.
from advclust.data import synthetic  # noqa: E402,F401
from advclust.data import images, usps, faces, features  # noqa: E402,F401
