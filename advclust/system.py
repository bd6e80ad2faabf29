"""The lowest floor: atomic writes, devices and provenance, shared by every layer.

It imports nothing of advclust beyond :mod:`advclust.errors` (exception
classes, themselves importing nothing), so ``data``, ``training``,
``runner`` and ``book`` can all use it without importing one another.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from advclust.errors import UserInputError

REPO_ROOT = Path(__file__).resolve().parents[1]


# --- atomic writes -------------------------------------------------------------------------------

def _default_mode() -> int:
    """Permission bits an ordinary ``open(path, "w")`` would give (``mkstemp`` gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path``: renamed onto ``path`` when the block succeeds, removed when it raises.

    Readers never see half a file, and a failed write leaves the old file as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, _default_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_torch_save(path: str | os.PathLike, obj: Any) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (checkpoints, tensor caches); return the path."""
    with atomic_path(path) as temporary:
        torch.save(obj, temporary)
    return Path(path)


# --- devices -------------------------------------------------------------------------------------

def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else the CPU; other names are passed to torch."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise UserInputError(f"unknown device {device!r}; valid: auto, cpu, cuda, cuda:N") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise UserInputError(f"device {device!r} asked for, but torch sees no CUDA device here")
    return resolved


def device_description(device: str | torch.device = "auto") -> str:
    """The device in words, e.g. ``cuda: NVIDIA H200`` or ``cpu: x86_64, 2 threads``."""
    device = resolve_device(device)
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"cpu: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


# --- provenance ----------------------------------------------------------------------------------

def versions() -> dict[str, str]:
    """Versions of advclust, Python and the numerical libraries a result depends on."""
    import numpy
    import pandas
    import scipy
    import sklearn

    from advclust import __version__

    return {"advclust": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "pandas": pandas.__version__}


def git_commit() -> str | None:
    """The current commit of the repository, with ``+dirty`` when tracked files have uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=10)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def now() -> str:
    """The current UTC time, ISO 8601 to the second (the ``created`` of records and manifests)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def provenance(device: str | torch.device = "auto") -> dict[str, Any]:
    """Where and with what a result was made: ``commit``, ``versions``, ``device``, ``host``, ``created``."""
    return {"commit": git_commit(), "versions": versions(), "device": device_description(device),
            "host": platform.node(), "created": now()}
