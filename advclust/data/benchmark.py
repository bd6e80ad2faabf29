"""Benchmark of the data layer: in-memory MNIST epochs against torchvision's DataLoader, and the cache.

Not a timed test: ``advclust bench data`` prints what :func:`bench_loading`
measures, on whatever machine runs it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from advclust.data import data_root, load
from advclust.data.images import to_float


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_loading(
    root: str | Path | None = None, batch_size: int = 100, repeats: int = 3, n_images: int | None = None,
    threads: int | None = 1,
) -> dict[str, float]:
    """Median seconds of one MNIST training epoch in batches, in memory vs. a DataLoader, and of loading.

    In memory: the uint8 tensor is shuffled once per epoch (one gather) and each
    contiguous batch converted to float by :func:`~advclust.data.images.to_float`
    (more work than the baseline, which does not shuffle). Baseline: ``DataLoader(torchvision.datasets.MNIST(root,
    transform=ToTensor()), batch_size, num_workers=0)``. Loads use an empty
    temporary cache: ``first_load_s`` parses, checksums and caches,
    ``cached_load_s`` is the median of ``repeats`` later loads (float32, the default).
    ``n_images`` limits the epoch to the first images (smoke tests). Both epochs
    run with ``threads`` torch threads (restored afterwards; ``None`` keeps the
    current setting): batches of 100 small images are too small for intra-op
    parallelism to pay, and on a busy 2-core machine OpenMP's spinning threads
    made multi-threaded timings erratic by two orders of magnitude.
    """
    import torchvision
    from torch.utils.data import DataLoader, Subset

    root = data_root(root)
    with tempfile.TemporaryDirectory() as tmp, _environment("ADVCLUST_CACHE", tmp):
        start = time.perf_counter()
        load("mnist", root=root)
        first_load = time.perf_counter() - start
        cached_load = _median_seconds(lambda: load("mnist", root=root), repeats)
        dataset = load("mnist", root=root, dtype="uint8")
    n = len(dataset) if n_images is None else min(n_images, len(dataset))
    images, labels = dataset.inputs[:n].clone(), dataset.labels[:n]
    generator = torch.Generator().manual_seed(0)

    def in_memory_epoch() -> None:
        order = torch.randperm(n, generator=generator)
        shuffled_images, shuffled_labels = images[order], labels[order]  # one gather, then contiguous batches
        for begin in range(0, n, batch_size):
            to_float(shuffled_images[begin:begin + batch_size]), shuffled_labels[begin:begin + batch_size]

    baseline = torchvision.datasets.MNIST(str(root), train=True, transform=torchvision.transforms.ToTensor())
    loader = DataLoader(Subset(baseline, range(n)), batch_size=batch_size, num_workers=0)

    def dataloader_epoch() -> None:
        for _ in loader:
            pass

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads or previous_threads)
    try:
        in_memory = _median_seconds(in_memory_epoch, repeats)
        with_dataloader = _median_seconds(dataloader_epoch, repeats)
    finally:
        torch.set_num_threads(previous_threads)
    return {
        "n_images": n,
        "batch_size": batch_size,
        "repeats": repeats,
        "threads": threads or previous_threads,
        "in_memory_epoch_s": in_memory,
        "dataloader_epoch_s": with_dataloader,
        "speedup": with_dataloader / in_memory,
        "first_load_s": first_load,
        "cached_load_s": cached_load,
    }
