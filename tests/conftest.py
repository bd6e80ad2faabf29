"""Shared test set-up: a small thread count, the real-data root, skips for data that is not there, and a
throw-away runs root per test.

A test that reads real datasets says which with ``@pytest.mark.needs_data("mnist", ...)``; where
their files are absent under the data root it is skipped, the reason naming the datasets and the
command that fetches them, and the summary counts those skips. Damaged files are not skipped: the
test runs and fails.
"""

import functools
import os
import tempfile
from pathlib import Path

import pytest
import threadpoolctl
import torch

from advclust.system import thread_environment

pytest_plugins = ["pytester"]  # tests of the skips below run pytest on a small suite

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
#: Every skip for want of data starts with this, so the summary can count them.
MISSING_DATA = "missing data:"

# Tests and CI read the real datasets from ../shared/data unless told otherwise.
if SHARED_DATA.is_dir():
    os.environ.setdefault("ADVCLUST_DATA", str(SHARED_DATA))
# Decoded-data caches go to a throw-away folder unless the caller chose one.
os.environ.setdefault("ADVCLUST_CACHE", tempfile.mkdtemp(prefix="advclust-test-cache-"))
# Under pytest-xdist (`make test` runs one worker per core) each worker, and every kernel or process it
# starts, computes with one thread: two workers of two threads each on two cores slow each other down.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.update(thread_environment(1))
    threadpoolctl.threadpool_limits(1)
    torch.set_num_threads(1)
else:
    torch.set_num_threads(min(2, os.cpu_count() or 1))


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_data(*names): reads these datasets from the data root; skipped "
                                       "(naming them and the fetch command) where their files are absent")


#: Datasets whose absence made tests skip, with how many tests (for the summary).
SKIPPED_FOR_DATA: dict[str, int] = {}


@functools.cache
def missing_datasets(names: tuple[str, ...], root: str) -> tuple[str, ...]:
    """Those of ``names`` with no files under ``root`` (no hashing: damaged files must fail, not skip)."""
    from advclust.data.sources import is_missing

    return tuple(name for name in names if is_missing(name, Path(root)))


def fetch_hint(names) -> str:
    from advclust.data.sources import fetch_names

    return f"advclust data fetch {' '.join(fetch_names(names))} (or make test on a networked machine)"


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("needs_data")
    if marker is not None:
        from advclust.data import data_root
        from advclust.data.sources import describe_root

        root = data_root()
        missing = missing_datasets(tuple(marker.args), str(root))
        if missing:
            for name in missing:
                SKIPPED_FOR_DATA[name] = SKIPPED_FOR_DATA.get(name, 0) + 1
            pytest.skip(f"{MISSING_DATA} {', '.join(missing)} not under {describe_root(root)}; "
                        f"fetch: {fetch_hint(missing)}")


def pytest_terminal_summary(terminalreporter):
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if MISSING_DATA in str(getattr(report, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped for want of data ({', '.join(sorted(SKIPPED_FOR_DATA))}); "
            f"fetch: {fetch_hint(SKIPPED_FOR_DATA)}", yellow=True, bold=True)


@pytest.fixture(autouse=True)
def runs_root(tmp_path_factory, monkeypatch) -> Path:
    """Runs of ``advclust run`` go to a fresh folder of each test, never to ~/.cache/advclust/runs."""
    root = tmp_path_factory.mktemp("runs")
    monkeypatch.setenv("ADVCLUST_RUNS", str(root))
    return root


@pytest.fixture
def shared_data(request) -> Path:
    """The real-data root; the test must say what it reads with ``needs_data`` (and is skipped without it)."""
    if request.node.get_closest_marker("needs_data") is None:
        pytest.fail("a test using shared_data must be marked @pytest.mark.needs_data(...) with the datasets it reads")
    from advclust.data import data_root

    return data_root()


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module of tiny networks: fastest, and steady when the 2-core machine is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
