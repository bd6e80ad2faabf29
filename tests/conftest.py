"""Shared test set-up: a small thread count and the shared real-data root."""

import os
import tempfile
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# Tests and CI read the real datasets from ../shared/data unless told otherwise.
if SHARED_DATA.is_dir():
    os.environ.setdefault("ADVCLUST_DATA", str(SHARED_DATA))
# Decoded-data caches go to a throw-away folder unless the caller chose one.
os.environ.setdefault("ADVCLUST_CACHE", tempfile.mkdtemp(prefix="advclust-test-cache-"))
torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture
def shared_data() -> Path:
    """The shared real-data root; skips the test where it is absent."""
    root = Path(os.environ.get("ADVCLUST_DATA", SHARED_DATA))
    if not root.is_dir():
        pytest.skip(f"no data root at {root}")
    return root


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module of tiny networks: fastest, and steady when the 2-core machine is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
