"""Throughput benchmarks: ``advclust bench [NAME]`` prints medians of several repeats as JSON."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

from advclust.errors import check_choice


def _median_rate(repeats: int, work: Callable[[], int]) -> dict[str, float]:
    """Run ``work`` (returns units done) ``repeats`` times; median and spread of units per second."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        units = work()
        rates.append(units / (time.perf_counter() - started))
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates), "repeats": repeats}


def pfca_gaussians8(repeats: int = 3, iterations: int = 200) -> dict[str, Any]:
    """PFCA generator iterations per second on the synthetic set, paper-size and quick-size networks."""
    from advclust import data, profiles, training
    from advclust.methods import PFCA

    dataset = data.load("gaussians8")
    device = training.resolve_device("auto")
    quick_hidden = profiles.run_params("quick", "pfca", "gaussians8").get("hidden", [512, 512, 512])
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations}
    for label, hidden in (("paper_networks_512", [512, 512, 512]), (f"quick_networks_{quick_hidden[0]}", quick_hidden)):
        def work() -> int:
            model = PFCA(n_clusters=8, noise_dim=2, hidden=hidden, n_iterations=iterations, progress=False,
                         log_every=iterations)
            model.fit(dataset.training_source)
            if device.type == "cuda":
                torch.cuda.synchronize()
            return iterations

        work()  # warm-up: allocator, kernels, first-call overheads
        results[label] = {"iterations_per_second": _median_rate(repeats, work)}
    paper = results["paper_networks_512"]["iterations_per_second"]["median"]
    results["projected_hours_for_100k_iterations_paper_networks"] = 100_000 / paper / 3600
    return results


def data_loading(repeats: int = 3) -> dict[str, Any]:
    """One MNIST epoch in batches of 100: in-memory tensors against a torchvision DataLoader."""
    from advclust.data.benchmark import bench_loading

    return bench_loading(repeats=repeats)


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "pfca-gaussians8": pfca_gaussians8,
    "data": data_loading,
}


def run(name: str = "all", repeats: int = 3) -> dict[str, Any]:
    """Run benchmark ``name`` (or all of them) with ``repeats`` repeats each."""
    if name == "all":
        return {key: bench(repeats=repeats) for key, bench in BENCHMARKS.items()}
    check_choice("benchmark", name, [*BENCHMARKS, "all"])
    return {name: BENCHMARKS[name](repeats=repeats)}
