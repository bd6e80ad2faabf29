"""Dataset registry: ``load(name, ...)`` returns a :class:`Dataset` of in-memory tensors.

Each dataset family lives in its own module and registers its loaders with
:func:`register`. Data roots resolve in this order: an explicit ``root``
argument, the ``ADVCLUST_DATA`` environment variable, then ``./data``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
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

    def take(self, rows: int | None = None, sample: int | None = None, seed: int = 0) -> Dataset:
        """A slice: the first ``rows`` inputs, or ``sample`` inputs drawn at random with ``seed`` (no replacement).

        The slice is recorded in ``options`` (``{"rows": N}`` or ``{"sample": N, "sample_seed": S}``, the
        keywords of :func:`load` that make the same slice), so run records of slices never pass for the
        whole set; the name stays the registry name. ``rows`` after ``sample`` keeps the first rows of the
        sample, which is the smaller sample with the same seed; a second ``sample`` is refused.
        """
        if rows is None and sample is None:
            return self
        if rows is not None and sample is not None:
            raise UserInputError("give rows (the first N) or sample (N at random), not both")
        if self.sampler is not None:
            raise UserInputError(f"{self.name} is drawn from an endless sampler; rows and sample apply to "
                                 "finite datasets only")
        count = rows if rows is not None else sample
        keyword = "rows" if rows is not None else "sample"
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= len(self):
            raise UserInputError(f"{keyword} must be an integer in [1, {len(self)}] for {self.name}, got {count!r}")
        options = dict(self.options)
        if rows is not None:
            index = slice(0, rows)  # a view, no copy
            if "sample" in options:  # the first rows of a sample are the smaller sample with the same seed
                options["sample"] = rows
            else:
                options["rows"] = rows
            described = f"the first {rows} of {len(self)}"
        else:
            if "sample" in options:
                raise UserInputError(f"{self.name} is already a random sample ({options['sample']} rows); draw one "
                                     "sample of the size you need, or take rows=N of this one (the first N rows "
                                     "of a random sample are a random sample)")
            if not isinstance(seed, int) or isinstance(seed, bool):
                raise UserInputError(f"the sample's seed must be an integer, got {seed!r}")
            index = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:sample]
            options.update(sample=sample, sample_seed=seed)
            described = f"{sample} of {len(self)} drawn at random (seed {seed})"
        if "rows" in self.metadata:
            described = f"{described}; before that {self.metadata['rows']}"
        metadata = {**self.metadata, "rows": described}
        labels = self.labels[index]
        if "class_counts" in metadata:
            metadata["class_counts"] = torch.bincount(labels, minlength=self.n_clusters).tolist()
        return Dataset(name=self.name, inputs=self.inputs[index], labels=labels, n_clusters=self.n_clusters,
                       source=self.source, metadata=metadata, sampler=None, options=options)

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


#: Options of :func:`load` that slice any finite dataset (see :meth:`Dataset.take`).
SLICE_OPTIONS = ("rows", "sample", "sample_seed")
#: Options kept in ``Dataset.options`` only when the loader took them (``stand_in``: the data were replaced).
FALLBACK_OPTIONS = ("stand_in",)


def load(name: str, rows: int | None = None, sample: int | None = None, sample_seed: int = 0,
         **options: Any) -> Dataset:
    """Load dataset ``name`` with its loader's ``options``; unknown names or options raise :class:`UserInputError`.

    ``rows=N`` keeps the first N inputs, ``sample=N`` N inputs drawn at random with ``sample_seed``
    (both: a sample of the first ``rows``). ``dataset.options`` records every option given (``root``
    aside) so that ``load(name, **dataset.options)`` loads the same data again. (``sample_seed``, not
    ``seed``: some loaders have a ``seed`` of their own, e.g. Artifact-MNIST's artifacts.)
    """
    entry = spec(name)
    unknown = sorted(set(options) - set(entry.options) - {"root"})
    if unknown:
        raise UserInputError(
            f"dataset {name!r} has no option {', '.join(map(repr, unknown))}; "
            f"valid options: {', '.join([*entry.options, *SLICE_OPTIONS])}"
        )
    dataset = entry.loader(**options)
    dataset.options = {k: v for k, v in options.items()
                       if k != "root" and not (k in FALLBACK_OPTIONS and not dataset.metadata.get(k))}
    return dataset.take(rows=rows).take(sample=sample, seed=sample_seed)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data root: ``root`` if given, else ``$ADVCLUST_DATA``, else ``./data``."""
    if root is not None:
        return Path(root)
    if os.environ.get("ADVCLUST_DATA"):
        return Path(os.environ["ADVCLUST_DATA"])
    return Path("data")


# Importing the family modules registers their datasets.
from advclust.data import synthetic  # noqa: E402,F401
from advclust.data import images, usps, faces, features  # noqa: E402,F401
