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


def dcan_mnist(repeats: int = 3, iterations: int = 500) -> dict[str, Any]:
    """DCAN iterations per second (GMM re-estimation on 600 points included) and the mixture's start-up time.

    Paper-size networks on 14x14 MNIST (50k training inputs; uniform noise of that shape where MNIST
    is absent) and on 2048-d inputs with the CIFAR-10 ResNet-50 networks (uniform noise: throughput only).
    """
    from advclust import data, training
    from advclust.methods import DCAN
    from advclust.methods.dcan import PAPER_ARCHITECTURES

    device = training.resolve_device("auto")
    try:
        mnist, source = data.load("mnist", split="train", size=14).inputs[:50000], "MNIST 14x14, 50k"
    except data.DataNotFoundError:
        mnist, source = torch.rand(50000, 1, 14, 14), "uniform noise of MNIST 14x14's shape (MNIST absent)"
    cases = {"mnist_networks_196_384_256": (mnist, PAPER_ARCHITECTURES["mnist"]),
             "cifar10_networks_2048_1024_512_128": (torch.rand(60000, 2048), PAPER_ARCHITECTURES["cifar10-resnet50"])}
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations,
                               "mnist_data": source}
    for label, (inputs, architecture) in cases.items():
        fits: list[DCAN] = []

        def work() -> int:
            model = DCAN(**architecture, n_iterations=iterations, log_every=iterations, progress=False)
            model.fit(inputs)
            if device.type == "cuda":
                torch.cuda.synchronize()
            fits.append(model)
            return iterations

        work()  # warm-up
        fits.clear()
        overall = _median_rate(repeats, work)
        # The loop's clock starts after build (mixture start-up); its last history row is the training time.
        loop_rates = [iterations / model.history_["seconds"].iloc[-1] for model in fits]
        results[label] = {"iterations_per_second": {"median": statistics.median(loop_rates), "min": min(loop_rates),
                                                    "max": max(loop_rates), "repeats": repeats},
                          "iterations_per_second_including_mixture_startup": overall}
    return results


def baselines(repeats: int = 3, n_points: int = 10000) -> dict[str, Any]:
    """Fit seconds of each classical baseline on ``n_points`` MNIST images (28x28), quick-profile parameters."""
    from advclust import data, methods, profiles

    try:
        inputs, source = data.load("mnist", split="all").inputs[:n_points], f"MNIST 28x28, first {n_points} of 70k"
    except data.DataNotFoundError:
        inputs, source = torch.rand(n_points, 1, 28, 28), f"uniform noise, {n_points} x 784 (MNIST absent)"
    results: dict[str, Any] = {"data": source, "threads": torch.get_num_threads()}
    for name in methods.BASELINES:
        params = profiles.run_params("quick", name, "mnist")

        def work() -> int:
            methods.get(name)(**params).fit(inputs)
            return 1

        rate = _median_rate(repeats, work)
        results[name] = {"params": params, "median_seconds": 1 / rate["median"],
                         "min_seconds": 1 / rate["max"], "max_seconds": 1 / rate["min"]}
    return results


def dualaae_mnist(repeats: int = 3, iterations: int | None = None) -> dict[str, Any]:
    """Dual-AAE and AAE training seconds per MNIST epoch (600 iterations of batch 100) with 003's networks.

    Each repeat times ``iterations`` training iterations (default 300 on CUDA, 10 on a CPU) after a
    warm-up fit and extrapolates to an epoch; 003 Table III reports 75.24 s (Dual-AAE) and 40.55 s
    (AAE) per epoch on a TITAN Xp. Pretraining is not timed (003's table is per training epoch).
    """
    from advclust import data, reference, training
    from advclust.methods import DualAAE
    from advclust.methods.dualaae import VARIANTS

    device = training.resolve_device("auto")
    iterations = iterations or (300 if device.type == "cuda" else 10)
    try:
        inputs, source = data.load("mnist", split="train").inputs, "MNIST 28x28, 60k training images"
    except data.DataNotFoundError:
        inputs, source = torch.rand(60000, 1, 28, 28), "uniform noise of MNIST's shape (MNIST absent)"
    per_epoch = len(inputs) // 100
    printed = reference.reported(paper="dual-aae", table="III", dataset="mnist").set_index("method")["value"]
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations,
                               "iterations_per_epoch": per_epoch, "data": source}
    for variant in ("Dual-AAE", "AAE"):
        def fit() -> float:
            model = DualAAE(**VARIANTS[variant], pretrain_epochs=0, n_iterations=iterations, log_every=iterations,
                            progress=False, device=str(device))
            model.fit(inputs)
            if device.type == "cuda":
                torch.cuda.synchronize()
            return model.history_["seconds"].iloc[-1] / iterations * per_epoch  # the loop's clock: build excluded

        fit()  # warm-up: allocator, kernels, cuDNN autotuning, first-call overheads
        seconds = [fit() for _ in range(repeats)]
        results[variant] = {"seconds_per_epoch": {"median": statistics.median(seconds), "min": min(seconds),
                                                  "max": max(seconds), "repeats": repeats},
                            "paper_seconds_per_epoch_titan_xp": float(printed[variant])}
    results["goal_seconds_per_epoch_modern_gpu"] = float(printed["Dual-AAE"]) / 10
    return results


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "pfca-gaussians8": pfca_gaussians8,
    "data": data_loading,
    "dcan-mnist": dcan_mnist,
    "baselines": baselines,
    "dualaae-mnist": dualaae_mnist,
}


def run(name: str = "all", repeats: int = 3) -> dict[str, Any]:
    """Run benchmark ``name`` (or all of them) with ``repeats`` repeats each."""
    if name == "all":
        return {key: bench(repeats=repeats) for key, bench in BENCHMARKS.items()}
    check_choice("benchmark", name, [*BENCHMARKS, "all"])
    return {name: BENCHMARKS[name](repeats=repeats)}
