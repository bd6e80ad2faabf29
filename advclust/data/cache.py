"""Tensor cache for decoded datasets, so a second load skips parsing and checksums.

Where the cache lives, first match wins:

1. ``$ADVCLUST_CACHE/<root name>-<hash of root path>`` when the variable is set;
2. ``<data root>/advclust-cache`` when the data root is writable;
3. ``~/.cache/advclust/<root name>-<hash of root path>`` otherwise.

"Writable" means both that this process may write there and that the folder's
permission bits allow writing at all, so a folder deliberately made read-only
(such as the shared benchmark copies) is left alone even by root. A cache entry
records the size and modification time of the files it was built from and is
rebuilt when they change; writes are atomic (:func:`advclust.system.atomic_torch_save`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from advclust.system import atomic_torch_save

#: Bump when the layout of cached entries changes, so old entries are rebuilt.
CACHE_FORMAT = 1


def is_writable(folder: Path) -> bool:
    """Whether ``folder`` exists and may be written, honouring read-only permission bits even for root."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) and bool(mode & 0o222) and os.access(folder, os.W_OK)


def cache_dir(root: Path) -> Path:
    """The cache folder for data root ``root`` (see the module docstring for the order)."""
    root = Path(root)
    tag = f"{root.resolve().name or 'root'}-{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]}"
    if os.environ.get("ADVCLUST_CACHE"):
        return Path(os.environ["ADVCLUST_CACHE"]) / tag
    if is_writable(root):
        return root / "advclust-cache"
    return Path.home() / ".cache" / "advclust" / tag


def file_digest(path: Path, algorithm: str = "sha256", chunk: int = 1 << 20) -> str:
    """Hex digest of a file (``sha256``, ``md5``, ...), read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    return file_digest(path, "sha256")


def _fingerprint(sources: Sequence[Path]) -> list[list]:
    return [[Path(p).name, (s := Path(p).stat()).st_size, s.st_mtime_ns] for p in sources]


def cached(
    key: str, root: Path, sources: Sequence[Path], build: Callable[[], dict[str, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """Tensors of ``build()``, read from the cache when ``sources`` are unchanged since it was built.

    A damaged or stale cache entry is rebuilt; a cache folder that cannot be
    written only costs the speed-up (a warning), never the load.
    """
    path = cache_dir(root) / f"{key}.pt"
    fingerprint = _fingerprint(sources)
    if path.exists():
        try:
            entry = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            if entry.get("format") == CACHE_FORMAT and entry.get("sources") == fingerprint:
                return entry["tensors"]
        except Exception as err:  # a torn or foreign file: rebuild it below
            warnings.warn(f"ignoring unreadable cache entry {path}: {err}", stacklevel=2)
    tensors = build()
    try:
        atomic_torch_save(path, {"format": CACHE_FORMAT, "sources": fingerprint, "tensors": tensors})
    except OSError as err:
        warnings.warn(f"could not write cache entry {path} ({err}); set ADVCLUST_CACHE to a writable folder", stacklevel=2)
    return tensors
