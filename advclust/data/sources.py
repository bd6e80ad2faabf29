"""Where each dataset's files live, where they come from, and how their integrity is checked.

A :class:`Source` is a set of files under the data root (for example MNIST's
four raw IDX files) together with its origin, its known checksums and a
function that downloads it. Several registered datasets may read one source
(``mnist``, ``artifact-mnist`` and the imbalanced variants all read MNIST).
Downloads only happen through :func:`fetch` (``advclust data fetch NAME``) or a
loader's ``download=True``; nothing is ever downloaded silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from advclust.data import DataNotFoundError
from advclust.data.cache import sha256_file


class DataCorruptedError(DataNotFoundError):
    """A dataset file is present but damaged (wrong checksum, truncated, unreadable).

    It subclasses :class:`DataNotFoundError` because, like a missing file, it
    means the intact data is not available; nothing is overwritten or deleted.
    """


@dataclass(frozen=True)
class Source:
    """Files under the data root that some registered datasets are read from."""

    key: str
    title: str
    files: tuple[str, ...]
    origin: str
    size: str
    datasets: tuple[str, ...]
    #: Downloads the source into a data root (online only); ``None`` when it cannot be fetched.
    fetch: Callable[[Path], None] | None = None
    #: Known SHA-256 digests, by path relative to the data root.
    sha256: dict[str, str] = field(default_factory=dict)

    def paths(self, root: Path) -> list[Path]:
        return [Path(root) / name for name in self.files]

    def missing(self, root: Path) -> list[Path]:
        """The files of this source that are absent under ``root``."""
        return [path for path in self.paths(root) if not path.is_file()]

    def present(self, root: Path) -> bool:
        return not self.missing(root)

    def bytes_on_disk(self, root: Path) -> int:
        return sum(path.stat().st_size for path in self.paths(root) if path.is_file())


SOURCES: dict[str, Source] = {}


def add_source(source: Source) -> Source:
    """Record ``source`` so that ``data list/check/fetch`` know about it."""
    if source.key in SOURCES:
        raise RuntimeError(f"source {source.key!r} added twice")
    SOURCES[source.key] = source
    return source


def sources_of(dataset: str) -> list[Source]:
    """The sources a dataset can be read from (any one of them suffices)."""
    return [source for source in SOURCES.values() if dataset in source.datasets]


def describe_root(root: Path) -> str:
    """The data root and why it was chosen, for error messages."""
    if os.environ.get("ADVCLUST_DATA") and Path(os.environ["ADVCLUST_DATA"]) == Path(root):
        return f"{root} (from $ADVCLUST_DATA)"
    return str(root)


def not_found(source: Source, root: Path, missing: Sequence[Path] | None = None) -> DataNotFoundError:
    """The error for a missing source: what, the paths searched, and the command that fetches it."""
    missing = list(missing if missing is not None else source.missing(root))
    shown = "\n  ".join(str(path) for path in missing[:6])
    more = f"\n  ... and {len(missing) - 6} more" if len(missing) > 6 else ""
    how = (
        f"Fetch it on a machine with network access: advclust data fetch {source.datasets[0]} --root {root}\n"
        f"(or load(..., download=True)), or set $ADVCLUST_DATA / root= to a folder that holds it."
        if source.fetch is not None else f"It cannot be downloaded automatically; origin: {source.origin}"
    )
    return DataNotFoundError(
        f"{source.title} not found under data root {describe_root(root)}.\n"
        f"Searched (missing):\n  {shown}{more}\n{how}"
    )


def require(source: Source, root: Path, download: bool = False) -> list[Path]:
    """The source's files under ``root``, downloading them first only if ``download`` is true."""
    missing = source.missing(root)
    if missing and download:
        fetch(source, root)
        missing = source.missing(root)
    if missing:
        raise not_found(source, root, missing)
    return source.paths(root)


def verify_checksums(source: Source, root: Path) -> None:
    """Compare the source's files with their known SHA-256 digests; a mismatch names the file."""
    for name, expected in source.sha256.items():
        path = Path(root) / name
        if path.is_file() and (actual := sha256_file(path)) != expected:
            raise DataCorruptedError(
                f"{path} is corrupted or not the official {source.title} file "
                f"(sha256 {actual[:16]}..., expected {expected[:16]}..., size {path.stat().st_size} bytes). "
                f"Nothing was changed; replace the file (advclust data fetch {source.datasets[0]} into an empty root)."
            )


def check_counts(what: str, labels: torch.Tensor, expected: Sequence[int]) -> None:
    """Raise :class:`DataCorruptedError` unless ``labels`` has exactly ``expected`` samples per class."""
    counts = torch.bincount(labels, minlength=len(expected)).tolist()
    if labels.dtype != torch.int64 or counts != list(expected):
        raise DataCorruptedError(f"{what}: class counts {counts} (dtype {labels.dtype}), expected {list(expected)}")


def fetch(source: Source, root: Path) -> None:
    """Download ``source`` into ``root``; offline this raises saying why it cannot."""
    if source.fetch is None:
        raise DataNotFoundError(f"{source.title} cannot be downloaded automatically; origin: {source.origin}")
    Path(root).mkdir(parents=True, exist_ok=True)
    try:
        source.fetch(Path(root))
    except DataNotFoundError:
        raise
    except Exception as err:  # torchvision and scikit-learn raise URLError, RuntimeError or OSError offline
        raise DataNotFoundError(
            f"could not download {source.title} into {root}: {str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__}\n"
            f"This machine seems to have no network access. On a networked machine run\n"
            f"  advclust data fetch {source.datasets[0]} --root DIR\n"
            f"and copy {', '.join(sorted({f.split('/')[0] for f in source.files}))} from DIR into {root}."
        ) from err
