"""Where each dataset's files live, where they come from, and how their integrity is checked.

A :class:`Source` is a set of files under the data root (for example MNIST's
four raw IDX files) together with its origin, its known checksums and where to
download it. Several registered datasets may read one source (``mnist``,
``artifact-mnist`` and the imbalanced variants all read MNIST). Downloads only
happen through :func:`fetch` (``advclust data fetch NAME``, ``advclust book
--fetch``) or a loader's ``download=True``; nothing is ever downloaded silently.
Every downloaded file must match its known digest before it is put in place,
and every file with a known digest is checked before it is parsed.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import Request, urlopen

import torch

from advclust.data import DataNotFoundError
from advclust.data.cache import file_digest
from advclust.system import atomic_path

#: Seconds a download may wait for the server before the next URL is tried.
DOWNLOAD_TIMEOUT = 30


_DIGESTS: dict[tuple, str] = {}


def digest(path: Path, algorithm: str = "sha256") -> str:
    """The file's digest, computed once per process for each (file, size, modification time)."""
    info = Path(path).stat()
    key = (str(Path(path).resolve()), algorithm, info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_digest(path, algorithm)
    return _DIGESTS[key]


class DataCorruptedError(DataNotFoundError):
    """A dataset file is present but damaged (wrong checksum, truncated, unreadable, or missing from its set).

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
    #: Downloads the whole source into a data root (archives torchvision unpacks); ``None`` when ``urls`` do it.
    fetch: Callable[[Path], None] | None = None
    #: Where each file can be downloaded, by path relative to the data root: URLs tried in turn
    #: (a ``.gz`` URL is unpacked). Each download must match the file's digest before it is kept.
    urls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Known SHA-256 digests, by path relative to the data root.
    sha256: dict[str, str] = field(default_factory=dict)
    #: Also accepted: md5 digests of official files whose SHA-256 is not published.
    md5: dict[str, str] = field(default_factory=dict)

    @property
    def fetchable(self) -> bool:
        return bool(self.urls) or self.fetch is not None

    def paths(self, root: Path) -> list[Path]:
        return [Path(root) / name for name in self.files]

    def missing(self, root: Path) -> list[Path]:
        """The files of this source that are absent under ``root``."""
        return [path for path in self.paths(root) if not path.is_file()]

    def present(self, root: Path) -> bool:
        return not self.missing(root)

    def state(self, root: Path) -> str:
        """``"present"`` (every file), ``"missing"`` (none) or ``"incomplete"`` (some files absent)."""
        missing = len(self.missing(root))
        return "present" if not missing else "missing" if missing == len(self.files) else "incomplete"

    def checksum_problem(self, name: str, path: Path) -> str | None:
        """Why ``path``, holding this source's file ``name``, fails the file's known digest; None when it passes."""
        path = Path(path)
        expected = self.sha256.get(name)
        if expected is None and name not in self.md5:
            return None
        actual = digest(path)
        if actual == expected or (name in self.md5 and digest(path, "md5") == self.md5[name]):
            return None
        wanted = f"expected {expected[:16]}..." if expected else f"md5 expected {self.md5[name]}"
        return (f"{path}: sha256 {actual[:16]}..., {wanted} ({path.stat().st_size} bytes); "
                f"corrupted or not the {self.title} file")

    def damaged(self, root: Path) -> list[str]:
        """Every file of a source that is (partly) there and not intact: missing ones, then wrong checksums."""
        if self.state(root) == "missing":
            return []
        found = [f"{path}: missing (the other files of {self.title} are there)" for path in self.missing(root)]
        for name in self.files:
            if (Path(root) / name).is_file() and (problem := self.checksum_problem(name, Path(root) / name)):
                found.append(problem)
        return found

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
    if not os.environ.get("ADVCLUST_DATA") and Path(root) == Path("data"):
        return f"{Path(root).resolve()} (the default ./data: neither --root/root= nor $ADVCLUST_DATA is set)"
    return str(root)


def fetch_command(dataset: str, root: Path | None = None) -> str:
    """The command that downloads ``dataset`` (into ``root`` when given)."""
    return f"advclust data fetch {dataset}" + (f" --root {root}" if root is not None else "")


def not_found(source: Source, root: Path, missing: Sequence[Path] | None = None) -> DataNotFoundError:
    """The error for a missing source: what, the paths searched, and the command that fetches it."""
    missing = list(missing if missing is not None else source.missing(root))
    shown = "\n  ".join(str(path) for path in missing[:6])
    more = f"\n  ... and {len(missing) - 6} more" if len(missing) > 6 else ""
    how = (
        f"Fetch it on a machine with network access: {fetch_command(source.datasets[0], root)}\n"
        f"(or load(..., download=True)), or set $ADVCLUST_DATA / root= to a folder that holds it."
        if source.fetchable else f"It cannot be downloaded automatically; origin: {source.origin}"
    )
    return DataNotFoundError(
        f"{source.title} not found under data root {describe_root(root)}.\n"
        f"Searched (missing):\n  {shown}{more}\n{how}"
    )


def damaged_error(source: Source, root: Path, problems: Sequence[str]) -> DataCorruptedError:
    """The error for damaged files of ``source``, each named on its own line."""
    return DataCorruptedError(
        f"{source.title} under data root {describe_root(root)}: {len(problems)} damaged or missing file(s):\n  "
        + "\n  ".join(problems)
        + "\nNothing was changed or deleted; replace these files (fetch into an empty root and copy them over)."
    )


def require(source: Source, root: Path, download: bool = False) -> list[Path]:
    """The source's files under ``root``, downloading them first only if ``download`` is true.

    A source with only some of its files raises :class:`DataCorruptedError` naming each missing one.
    """
    if download and source.state(root) != "present" and source.fetchable:
        fetch(source, root)
    state = source.state(root)
    if state == "missing":
        raise not_found(source, root)
    if state == "incomplete":
        raise damaged_error(source, root, source.damaged(root))
    return source.paths(root)


def verify_checksums(source: Source, root: Path) -> None:
    """Check every file of ``source`` against its known digest; raise naming each damaged or missing file."""
    if problems := source.damaged(root):
        raise damaged_error(source, root, problems)


def check_counts(what: str, labels: torch.Tensor, expected: Sequence[int]) -> None:
    """Raise :class:`DataCorruptedError` unless ``labels`` has exactly ``expected`` samples per class."""
    counts = torch.bincount(labels, minlength=len(expected)).tolist()
    if labels.dtype != torch.int64 or counts != list(expected):
        raise DataCorruptedError(f"{what}: class counts {counts} (dtype {labels.dtype}), expected {list(expected)}")


def download(source: Source, name: str, root: Path) -> Path:
    """Download file ``name`` of ``source`` into ``root`` from the first of its URLs that gives the intact file.

    The bytes go to a temporary file that is renamed into place only when its digest matches, so a
    failed or tampered download never lands under the root. Raises :class:`OSError` naming every URL tried.
    """
    target = Path(root) / name
    errors = []
    for url in source.urls[name]:
        try:
            with atomic_path(target) as temporary:
                with urlopen(Request(url, headers={"User-Agent": "advclust"}), timeout=DOWNLOAD_TIMEOUT) as response:
                    stream = gzip.GzipFile(fileobj=response) if url.endswith(".gz") else response
                    with open(temporary, "wb") as handle:
                        shutil.copyfileobj(stream, handle)
                if problem := source.checksum_problem(name, temporary):
                    raise OSError(f"the download does not match the known digest: {problem}")
            return target
        except (OSError, EOFError, ValueError) as err:  # URLError and HTTPError are OSErrors
            errors.append(f"{url}: {err}")
    raise OSError(f"could not download {name} ({'; '.join(errors)})")


def _remove_empty_folders(source: Source, root: Path) -> None:
    """Remove the folders of ``source`` that a failed download left empty (deepest first)."""
    folders = {Path(root) / parent for name in source.files for parent in Path(name).parents if parent.parts}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def fetch(source: Source, root: Path) -> None:
    """Download the missing files of ``source`` into ``root`` and check them; offline this raises saying why."""
    if not source.fetchable:
        raise DataNotFoundError(f"{source.title} cannot be downloaded automatically; origin: {source.origin}")
    Path(root).mkdir(parents=True, exist_ok=True)
    try:
        if source.urls:
            for path in source.missing(root):
                download(source, path.relative_to(root).as_posix(), root)
        else:
            source.fetch(Path(root))
    except DataNotFoundError:
        raise
    except Exception as err:  # URLError, HTTPError, a digest mismatch; torchvision's RuntimeError
        _remove_empty_folders(source, root)
        reason = str(err).strip() or type(err).__name__
        raise DataNotFoundError(
            f"could not download {source.title} into {root}: {reason}\n"
            f"If this machine has no network access, run on a networked machine\n"
            f"  {fetch_command(source.datasets[0])} --root DIR\n"
            f"and copy {', '.join(sorted({f.split('/')[0] for f in source.files}))} from DIR into {root}."
        ) from err
    verify_checksums(source, root)


# --- many datasets at once: what the book and the tests need ------------------------------------------------

def file_sources(dataset: str) -> list[Source]:
    """The sources of ``dataset`` that have files (none for synthetic or bundled sets)."""
    return [source for source in sources_of(dataset) if source.files]


def is_missing(dataset: str, root: Path) -> bool:
    """True when none of the files of any source of ``dataset`` is under ``root`` (a quick look, no hashing)."""
    sources = file_sources(dataset)
    return bool(sources) and all(source.state(root) == "missing" for source in sources)


def fetch_names(datasets: Iterable[str]) -> list[str]:
    """The fewest dataset names whose ``advclust data fetch`` covers ``datasets`` (``usps700`` -> ``usps``)."""
    found = []
    for name in datasets:
        fetchable = [source for source in file_sources(name) if source.fetchable]
        found.append(fetchable[0].datasets[0] if fetchable else name)
    return list(dict.fromkeys(found))


def problems(dataset: str, root: Path) -> tuple[str, list[str]]:
    """``("ok" | "missing" | "damaged", lines)``: whether ``dataset``'s files are under ``root`` and intact.

    Damaged lists every damaged file of every source of the dataset (checksums included), each named;
    missing gives the paths searched.
    """
    sources = file_sources(dataset)
    damaged = [line for source in sources for line in source.damaged(root)]
    if damaged:
        return "damaged", damaged
    if is_missing(dataset, root):
        return "missing", [f"{source.title}: {path}" for source in sources for path in source.missing(root)[:1]]
    return "ok", []


def fetch_datasets(names: Iterable[str], root: Path) -> dict[str, str]:
    """Download what ``names`` need and is missing from ``root``; return the datasets that failed, with why.

    Each source is tried once however many of the datasets read it; damaged files are never overwritten.
    """
    failed: dict[str, str] = {}
    tried: dict[str, str | None] = {}
    for name in dict.fromkeys(names):
        status, lines = problems(name, root)
        if status == "ok":
            continue
        sources = file_sources(name)
        if status == "damaged":  # only absent files are filled in; a wrong file is left for a person to replace
            wanted = [s for s in sources if s.state(root) == "incomplete" and s.fetchable]
        else:
            wanted = [s for s in sources if s.fetchable][:1]
        if not wanted:
            failed[name] = "\n".join(lines) if status == "damaged" else \
                f"it cannot be downloaded automatically; origin: {sources[0].origin}"
            continue
        for source in wanted:
            if source.key not in tried:
                try:
                    fetch(source, root)
                    tried[source.key] = None
                except DataNotFoundError as err:
                    tried[source.key] = str(err)
            if tried[source.key]:
                failed[name] = tried[source.key]
        if name not in failed and (after := problems(name, root))[0] != "ok":
            failed[name] = "\n".join(after[1])
    return failed
