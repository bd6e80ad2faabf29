"""The lowest floor: atomic writes, devices, processes and provenance, shared by every layer.

It imports nothing of advclust beyond :mod:`advclust.errors` (exception
classes, themselves importing nothing), so ``data``, ``training``,
``runner`` and ``book`` can all use it without importing one another.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import platform
import signal
import subprocess
import tempfile
import threading
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


def _temporary_prefix(path: Path, pid: int | None = None) -> str:
    """Start of the temporary names of writers to ``path``: they name their process and host, so that
    what a killed writer left behind can be told from what a live one is writing."""
    return f".{path.name}.{os.getpid() if pid is None else pid}@{platform.node()}."


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files of writers to ``path`` on this host whose process is gone (killed by SIGKILL)."""
    start = f".{path.name}."
    for candidate in path.parent.glob(f"{glob.escape(start)}*@{glob.escape(platform.node())}.*.tmp"):
        pid = candidate.name[len(start):].split("@")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            candidate.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path``: renamed onto ``path`` when the block succeeds, removed when it raises.

    Readers never see half a file, and a failed write leaves the old file as it was. A writer killed by
    SIGTERM cleans up too once :func:`terminate_as_exit` is in force; what SIGKILL leaves behind is removed
    by the next write to ``path``. The file gets the mode an ordinary ``open`` gives (0666 less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=".tmp")
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


def writable_folder(folder: str | os.PathLike, what: str = "folder") -> Path:
    """Create ``folder`` and check that a file can be written in it, before hours of work that would end there.

    Raises :class:`UserInputError` saying why not (a file in the way, no permission, a read-only disk).
    """
    folder = Path(folder).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except (FileExistsError, NotADirectoryError) as error:
        raise UserInputError(f"{what} {folder} is not a folder: a file of that name is in the way") from error
    except OSError as error:
        raise UserInputError(f"cannot write in {what} {folder}: {error.strerror or error}") from error
    return folder


# --- processes -----------------------------------------------------------------------------------

def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _raise_exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def terminate_as_exit() -> None:
    """Make SIGTERM raise ``SystemExit`` (code 143) in the main thread, so that ``finally`` blocks run: temporary
    files are removed and the run's state is kept. Leaves a handler someone else installed alone."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_exit)


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


def thread_environment(count: int) -> dict[str, str]:
    """The environment variables that set how many threads torch, OpenMP and BLAS start in a new process."""
    return {name: str(count) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}


def limit_threads(count: int) -> None:
    """Use ``count`` threads in torch and in BLAS/OpenMP (what scikit-learn computes with); 0 keeps the
    libraries' defaults. One thread is fastest when another process shares this 2-core CPU."""
    if count:
        import threadpoolctl

        torch.set_num_threads(count)
        threadpoolctl.threadpool_limits(count)


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
