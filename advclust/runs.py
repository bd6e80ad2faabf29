"""Runs that outlive an interruption: each run of ``advclust run`` keeps its checkpoint and state in a folder.

``<runs root>/<run id>/`` holds the run's ``checkpoint.pt`` and ``status.json``. The run id is the name of
the run's record without ``.json`` (method, dataset, profile, seed and a hash of the parameters and data
options, :func:`advclust.runner.record_filename`), so the same command finds the same folder again and
resumes where it stopped. The runs root is ``$ADVCLUST_RUNS``, else ``~/.cache/advclust/runs``: outside
the work tree, kept across sessions on one machine.

A status is ``pending`` (queued by a process), ``running`` (with its pid and host), ``done`` (with its
record), or ``diverged`` (with the step and the loss). A ``running`` run whose process is gone from this
host reads as ``died``: rerun its command to resume it. A ``pending`` one whose process is gone (stopped
before it reached that seed) reads as ``abandoned``: rerun its command to start it.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import pandas as pd

from advclust.errors import UserInputError
from advclust.system import atomic_write_text, now, process_alive, writable_folder

ROOT_VARIABLE = "ADVCLUST_RUNS"
STATUS_NAME = "status.json"
RECORD_NAME = "record.json"
#: Checkpoints a run started by ``advclust run`` keeps over its course unless ``checkpoint_every`` says otherwise.
CHECKPOINTS_PER_RUN = 20
#: States whose process, when alive, owns the run.
ACTIVE = ("pending", "running")


def root() -> Path:
    """The runs root: ``$ADVCLUST_RUNS``, else ``~/.cache/advclust/runs``."""
    return Path(os.environ.get(ROOT_VARIABLE) or Path.home() / ".cache" / "advclust" / "runs").expanduser()


def default_checkpoint_every(n_iterations: int) -> int:
    """Every this many steps, so that an interruption loses at most 1/``CHECKPOINTS_PER_RUN`` of a run."""
    return max(1, -(-n_iterations // CHECKPOINTS_PER_RUN))


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), to tell it from a later one of that pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner() -> dict[str, Any]:
    return {"pid": os.getpid(), "pid_start": _process_start(os.getpid()), "host": platform.node()}


def _alive(status: dict[str, Any]) -> bool | None:
    """Whether the process that wrote ``status`` still runs; None when it ran on another host (cannot tell)."""
    if status.get("host") != platform.node() or not isinstance(status.get("pid"), int):
        return None
    pid = status["pid"]
    return process_alive(pid) and status.get("pid_start") in (None, _process_start(pid))


def _read(folder: str | os.PathLike) -> dict[str, Any] | None:
    try:
        status = json.loads((Path(folder) / STATUS_NAME).read_text())
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


def read_status(folder: str | os.PathLike) -> dict[str, Any] | None:
    """The status of the run in ``folder`` (None when it has none), ``running`` read as ``died`` and ``pending``
    as ``abandoned`` where its process is gone from this host."""
    status = _read(folder)
    gone = {"running": "died", "pending": "abandoned"}
    if status and status.get("state") in gone and _alive(status) is False:
        status["state"] = gone[status["state"]]
    return status


def write_status(folder: str | os.PathLike, **changes: Any) -> dict[str, Any]:
    """Update the status of the run in ``folder`` with ``changes`` (and this process as its owner); return it."""
    status = {**(_read(folder) or {}), **_owner(), **changes, "updated": now()}
    atomic_write_text(Path(folder) / STATUS_NAME, json.dumps(status, indent=2, sort_keys=True) + "\n")
    return status


def claim(runs_root: str | os.PathLike, run_id: str, **fields: Any) -> Path:
    """The folder of run ``run_id``, marked ``pending`` for this process with ``fields`` (method, seed, ...).

    Refuses a run that another live process on this host has pending or running: two writers of one
    checkpoint would spoil it.
    """
    folder = writable_folder(Path(runs_root), "the runs root") / run_id
    status = read_status(folder)
    if status and status.get("state") in ACTIVE and status.get("pid") != os.getpid() and _alive(status):
        raise UserInputError(f"run {run_id} is already {status['state']} in process {status['pid']} on this host; "
                             "wait for it, or stop it and run again to resume")
    folder.mkdir(exist_ok=True)
    write_status(folder, **fields, state="pending", started=None, diverged=None, error=None)
    return folder


def statuses(runs_root: str | os.PathLike | None = None, method: str | None = None,
             dataset: str | None = None) -> list[dict[str, Any]]:
    """The status of every run under ``runs_root`` (default: :func:`root`), optionally of one method or dataset,
    most recently updated last."""
    folder = Path(runs_root) if runs_root is not None else root()
    found = []
    for path in sorted(folder.glob(f"*/{STATUS_NAME}")) if folder.is_dir() else []:
        status = read_status(path.parent)
        if status and method in (None, status.get("method")) and dataset in (None, status.get("dataset")):
            found.append({"run_id": path.parent.name, **status})
    return sorted(found, key=lambda s: s.get("updated") or "")


def status_table(found: list[dict[str, Any]]) -> str:
    """The runs as a table: run id, method, dataset, profile, seed, state, step/total (with the phase's name and
    steps during a phase before the main loop, such as SIMI-ClusterGAN's IMSAT prior), last update."""
    if not found:
        return "no runs"

    def progress(status: dict[str, Any]) -> str:
        step, total, phase = status.get("step"), status.get("total"), status.get("phase")
        if phase:
            name, steps = phase
            return f"{name} {step or 0}/{steps}"
        return "" if total is None else f"{step or 0}/{total}"

    rows = [{"run id": s["run_id"], "method": s.get("method"), "dataset": s.get("dataset"),
             "profile": s.get("profile"), "seed": s.get("seed"), "state": s.get("state"), "step": progress(s),
             "updated": s.get("updated")} for s in found]
    return pd.DataFrame(rows).to_string(index=False)
