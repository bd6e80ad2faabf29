"""Throughput benchmarks: ``advclust bench [NAME]`` prints medians of several repeats as JSON."""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from advclust.errors import UserInputError, check_choice


def _median_rate(repeats: int, work: Callable[[], int]) -> dict[str, float]:
    """Run ``work`` (returns units done) ``repeats`` times; median and spread of units per second."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        units = work()
        rates.append(units / (time.perf_counter() - started))
    return _spread(rates)


def _spread(rates: list[float]) -> dict[str, float]:
    """Median, minimum and maximum of repeated measurements, and how many there were."""
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates), "repeats": len(rates)}


def pfca_gaussians8(repeats: int = 3, iterations: int = 200) -> dict[str, Any]:
    """PFCA generator iterations per second on the synthetic set, paper-size and quick-size networks."""
    from advclust import data, profiles, system
    from advclust.methods import PFCA

    dataset = data.load("gaussians8")
    device = system.resolve_device("auto")
    quick_hidden = profiles.run_params("quick", "pfca", "gaussians8").get("hidden", [512, 512, 512])
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations}
    for label, hidden in (("paper_networks_512", [512, 512, 512]), (f"quick_networks_{quick_hidden[0]}", quick_hidden)):
        def work() -> int:
            model = PFCA(n_clusters=8, noise_dim=2, hidden=hidden, n_iterations=iterations, progress=False,
                         log_every=iterations)
            model.fit(dataset.training_source)
            _synchronize(device)
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
    from advclust import data, reference, system
    from advclust.methods import DCAN

    device = system.resolve_device("auto")
    try:
        mnist, source = data.load("mnist", split="train", size=14).inputs[:50000], "MNIST 14x14, 50k"
    except data.DataNotFoundError:
        mnist, source = torch.rand(50000, 1, 14, 14), "uniform noise of MNIST 14x14's shape (MNIST absent)"
    sizes = reference.ARCHITECTURES["dcan"]
    cases = {"mnist_networks_196_384_256": (mnist, sizes["mnist"]),
             "cifar10_networks_2048_1024_512_128": (torch.rand(60000, 2048), sizes["cifar10-resnet50"])}
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations,
                               "mnist_data": source}
    for label, (inputs, architecture) in cases.items():
        fits: list[DCAN] = []

        def work() -> int:
            model = DCAN(**architecture, n_iterations=iterations, log_every=iterations, progress=False)
            model.fit(inputs)
            _synchronize(device)
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


def _peak_memory_mib(device: torch.device) -> dict[str, float]:
    """Peak memory so far: CUDA's allocator peak on a GPU, else the process's peak resident set."""
    if device.type == "cuda":
        return {"cuda_peak_allocated_mib": torch.cuda.max_memory_allocated(device) / 2**20}
    import resource

    return {"process_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10}


#: PFCA §IV-H: the paper's training time for PFCA on MNIST (900 000 generator iterations), in hours.
PFCA_PAPER_MNIST_HOURS = 38.0


def pfca_mnist(repeats: int = 3, iterations: int | None = None) -> dict[str, Any]:
    """PFCA on 28x28 MNIST with the convolutional networks of PFCA Fig. 2 (paper widths and quick widths).

    Generator iterations per second (each with its N_critic = 5 critic and N_class = 4 classifier
    steps, batch 100), peak memory, inference time per test image (PFCA §IV-H), and the paper
    profile's 900 000 iterations projected from the measured rate, against the paper's 38 hours.
    """
    from advclust import data, profiles, system
    from advclust.methods import PFCA

    device = system.resolve_device("auto")
    if iterations is None:
        iterations = 200 if device.type == "cuda" else 3
    try:
        train, test = data.load("mnist", split="train").inputs, data.load("mnist", split="test").inputs
        source = "MNIST 28x28 (60k train, 10k test)"
    except data.DataNotFoundError:
        train, test = torch.rand(60000, 1, 28, 28), torch.rand(10000, 1, 28, 28)
        source = "uniform noise of MNIST's shape (MNIST absent)"
    quick = profiles.run_params("quick", "pfca", "mnist")  # the networks of chapter 2's quick PFCA section
    quick_hidden = quick.get("hidden") or [8, 16, 32]
    quick_batch = quick.get("batch_size", 100)
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations,
                               "data": source, "paper_hours_mnist": PFCA_PAPER_MNIST_HOURS}
    cases = {"paper_networks_64_128_256_batch_100": ([64, 128, 256], 100),
             f"quick_networks_{'_'.join(map(str, quick_hidden))}_batch_{quick_batch}": (quick_hidden, quick_batch)}
    for label, (hidden, batch_size) in cases.items():
        fits: list[PFCA] = []

        def work() -> int:
            model = PFCA(hidden=hidden, batch_size=batch_size, n_iterations=iterations, log_every=iterations,
                         progress=False)
            model.fit(train)
            _synchronize(device)
            fits.append(model)
            return iterations

        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        work()  # warm-up: allocator, kernels, first-call overheads
        fits.clear()
        overall = _median_rate(repeats, work)
        # The loop's clock starts after building the networks and moving the data; its last row is the loop time.
        rates = [iterations / model.history_["seconds"].iloc[-1] for model in fits]
        model = fits[-1]
        model.predict_proba(test[:1000])  # warm-up
        started = time.perf_counter()
        model.predict_proba(test)
        _synchronize(device)
        inference = (time.perf_counter() - started) / len(test)
        rate = statistics.median(rates)
        projected = 900_000 / rate / 3600
        results[label] = {
            "iterations_per_second": {"median": rate, "min": min(rates), "max": max(rates), "repeats": repeats},
            "iterations_per_second_including_setup": overall,
            "inference_microseconds_per_image": inference * 1e6,
            "projected_hours_for_900k_iterations": projected,
            "speedup_over_paper_38h": PFCA_PAPER_MNIST_HOURS / projected,
            **_peak_memory_mib(device),
        }
    return results


def _mnist_or_noise(n: int) -> tuple[torch.Tensor, str]:
    """The first ``n`` MNIST images in [-1, 1], or uniform noise of that shape where MNIST is absent."""
    from advclust import data

    try:
        return data.load("mnist", split="all", value_range=(-1.0, 1.0)).inputs[:n], f"MNIST 28x28, first {n}"
    except data.DataNotFoundError:
        return torch.rand(n, 1, 28, 28) * 2 - 1, f"uniform noise of MNIST's shape, {n} images (MNIST absent)"


def imsat_mnist(repeats: int = 3, iterations: int = 100, n_images: int = 10000) -> dict[str, Any]:
    """IMSAT minibatches (and epochs of 70 000) per second with the paper's P_phi 784-1200-1200-10, batch 250.

    The adaptive radius's neighbour search runs once per fit and is timed apart; the projection is the
    paper profile's 14 000 minibatches plus that search on 70 000 images (quadratic in their number).
    """
    from advclust import system
    from advclust.methods import IMSAT
    from advclust.methods.imsat import neighbour_distances

    device = system.resolve_device("auto")
    inputs, source = _mnist_or_noise(n_images)

    def search() -> int:
        neighbour_distances(inputs.to(device), 10)
        _synchronize(device)
        return 1

    def work() -> int:
        IMSAT(n_iterations=iterations, radius_neighbour=0, log_every=iterations, progress=False).fit(inputs)
        _synchronize(device)
        return iterations

    work()  # warm-up
    rate = _median_rate(repeats, work)
    search_seconds = 1 / _median_rate(repeats, search)["median"]
    search_70k = search_seconds * (70000 / n_images) ** 2
    return {"device": str(device), "threads": torch.get_num_threads(), "data": source, "iterations": iterations,
            "minibatches_per_second": rate, "epochs_per_second": rate["median"] / (70000 / 250),
            f"neighbour_search_seconds_{n_images}": search_seconds,
            "projected_paper_minutes": (14000 / rate["median"] + search_70k) / 60}


def simi_mnist(repeats: int = 3, iterations: int = 20) -> dict[str, Any]:
    """SIMI-ClusterGAN phase-2 generator iterations per second (5 critic steps each, all added losses), batch 64,
    with the paper's conv networks on 28x28 MNIST and with the long profile's MLPs, and the projected time of the
    paper's 37 500 generator iterations for each (phase 1 is :func:`imsat_mnist`'s)."""
    from advclust import profiles, system
    from advclust.methods import IMSAT, SIMIClusterGAN

    device = system.resolve_device("auto")
    inputs, source = _mnist_or_noise(2000)
    prior = IMSAT(hidden=(64,), n_iterations=1, radius_neighbour=0, progress=False).fit(inputs)
    paper_steps = SIMIClusterGAN().n_iterations  # the estimator's default: ClusterGAN's 200 epochs, 37 500 steps
    long_hidden = tuple(profiles.run_params("long", "simi-clustergan", "mnist").get("hidden", (256, 256)))
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "data": source,
                               "iterations": iterations, "networks": {}}
    for label, networks in (("conv", {"architecture": "conv"}),
                            (f"mlp_{'_'.join(map(str, long_hidden))}", {"architecture": "mlp", "hidden": long_hidden})):
        def rate() -> float:
            model = SIMIClusterGAN(n_iterations=iterations, log_every=iterations, kmeans_n_init=1, progress=False,
                                   prior_hidden=(64,), **networks)
            model.fit(inputs, prior=prior)
            _synchronize(device)
            return iterations / model.history_["seconds"].iloc[-1]  # the loop's clock: k-means and build excluded

        rate()  # warm-up
        spread = _spread([rate() for _ in range(repeats)])
        results["networks"][label] = {"phase2_iterations_per_second": spread,
                                      "projected_paper_phase2_hours": paper_steps / spread["median"] / 3600}
    return results


def dualaae_mnist(repeats: int = 3, iterations: int | None = None) -> dict[str, Any]:
    """Dual-AAE and AAE training seconds per MNIST epoch (600 iterations of batch 100) with Dual-AAE's networks.

    Each repeat times ``iterations`` training iterations (default 300 on CUDA, 10 on a CPU) after a
    warm-up fit and extrapolates to an epoch; Dual-AAE Table III reports 75.24 s (Dual-AAE) and 40.55 s
    (AAE) per epoch on a TITAN Xp. Pretraining is not timed (Dual-AAE's table is per training epoch).
    """
    from advclust import data, reference, system
    from advclust.methods import DualAAE

    device = system.resolve_device("auto")
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
            model = DualAAE(**reference.VARIANTS["dual-aae"][variant], pretrain_epochs=0, n_iterations=iterations, log_every=iterations,
                            progress=False, device=str(device))
            model.fit(inputs)
            _synchronize(device)
            return model.history_["seconds"].iloc[-1] / iterations * per_epoch  # the loop's clock: build excluded

        fit()  # warm-up: allocator, kernels, cuDNN autotuning, first-call overheads
        seconds = [fit() for _ in range(repeats)]
        results[variant] = {"seconds_per_epoch": {"median": statistics.median(seconds), "min": min(seconds),
                                                  "max": max(seconds), "repeats": repeats},
                            "paper_seconds_per_epoch_titan_xp": float(printed[variant])}
    results["goal_seconds_per_epoch_modern_gpu"] = float(printed["Dual-AAE"]) / 10
    return results



def whole_map_conv(repeats: int = 3, iterations: int = 5, batch_size: int = 100,
                   channels: tuple[int, int, int, int] = (64, 128, 1024, 128)) -> dict[str, Any]:
    """Forward-and-backward seconds of Dual-AAE's two whole-map layers at the paper's widths, batch 100: C(c2,7) on the
    7x7 map and DC(c1,7) from the 1x1 code, as torch's convolutions and as the matrix products they equal
    (``nets.WholeMapConv2d``, ``nets.WholeMapConvTranspose2d``, what the networks use)."""
    from advclust import nets, system

    device = system.resolve_device("auto")
    _, c1, c2, _ = channels
    cases = {f"conv {c1}->{c2}, 7x7 kernel on a 7x7 map": (torch.nn.Conv2d, nets.WholeMapConv2d, (c1, c2), (c1, 7, 7)),
             f"transposed conv {c2}->{c1}, 7x7 kernel from a 1x1 map": (
                 torch.nn.ConvTranspose2d, nets.WholeMapConvTranspose2d, (c2, c1), (c2, 1, 1))}
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "batch_size": batch_size,
                               "iterations": iterations, "layers": {}}
    for name, (torchs, ours, (n_in, n_out), shape) in cases.items():
        x = torch.randn(batch_size, *shape, device=device, requires_grad=True)
        seconds = {}
        for label, layer_type in (("convolution", torchs), ("product", ours)):
            layer = layer_type(n_in, n_out, 7, bias=False).to(device)

            def timed(layer: torch.nn.Module = layer) -> float:
                started = time.perf_counter()
                for _ in range(iterations):
                    layer(x).square().sum().backward()
                _synchronize(device)
                return (time.perf_counter() - started) / iterations

            timed()  # warm-up
            seconds[label] = _spread([timed() for _ in range(repeats)])
        seconds["speedup"] = seconds["convolution"]["median"] / seconds["product"]["median"]
        results["layers"][name] = seconds
    return results


#: The methods :func:`seed_batching` measures (SIMI-ClusterGAN is IMSAT, then ClusterGAN, both measured).
SEED_BATCHING_METHODS = ("pfca", "imsat", "clustergan", "dcan", "dual-aae")


def seed_batching(repeats: int = 3, iterations: int | None = None, seed_counts: tuple[int, ...] = (1, 2, 5, 10),
                  methods_measured: tuple[str, ...] = SEED_BATCHING_METHODS) -> dict[str, Any]:
    """Seed-iterations per second of N seeds trained one after another against one seed batch (:mod:`advclust.seeds`).

    Each method that batches at its quick-profile MNIST settings (PFCA: the quick convolutional networks; IMSAT:
    P_phi 784-256-256-10, batch 250; ClusterGAN: MLPs of 128-128; DCAN: the paper's MLPs, batch 16; Dual-AAE:
    the quick convolutional networks, without pretraining), on 10 000 images. Timed by the training loop's own
    clock (the ``seconds`` of the history): what is built before the loop, one seed at a time in both modes
    (IMSAT's nearest-neighbour radii, DCAN's mixture initialisation, Dual-AAE's pretraining), is left out. The
    ratio ``batched / sequential`` is what seed batching gains; N = 1 is the sequential loop itself.

    On a CPU with T > 1 torch threads, each method also gets ``side_by_side_ceiling``: T times the one-seed rate
    on one thread over the one-seed rate on T threads. That is what T seeds run side by side, one thread each,
    would gain over running them one after another on T threads if the cores scaled perfectly; seed batching does
    the same arithmetic, so on a compute-bound loop it cannot gain more than this.
    """
    from advclust import methods, system

    device = system.resolve_device("auto")
    iterations = iterations or (200 if device.type == "cuda" else 10)
    inputs, source = _mnist_or_noise(10000)
    inputs = (inputs + 1) / 2  # the data layer's [0, 1] (PFCA's generator ends in a sigmoid)
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations,
                               "data": source, "methods": {}}

    for method in methods_measured:
        params = _quick_mnist_loop_params(method)
        entry: dict[str, Any] = {"params": params, "seeds": {}}
        for count in seed_counts:
            def make() -> list[Any]:
                return [_loop_model(method, params, iterations, seed) for seed in range(count)]

            def sequential() -> float:
                seconds = 0.0
                for model in make():
                    model.fit(inputs)
                    _synchronize(device)
                    seconds += model.history_["seconds"].iloc[-1]
                return count * iterations / seconds

            def batched() -> float:
                models = methods.fit_seeds(make(), inputs)
                _synchronize(device)
                return count * iterations / models[0].history_["seconds"].iloc[-1]

            rates: dict[str, Any] = {"sequential": _spread([sequential() for _ in range(repeats)])}
            if count > 1:
                batched()  # warm-up
                rates["batched"] = _spread([batched() for _ in range(repeats)])
                rates["ratio"] = rates["batched"]["median"] / rates["sequential"]["median"]
            entry["seeds"][str(count)] = rates
        if device.type == "cpu" and results["threads"] > 1 and "1" in entry["seeds"]:
            one_seed = functools.partial(_loop_model, method, params, iterations, 0)
            all_threads = entry["seeds"]["1"]["sequential"]["median"]
            entry["side_by_side_ceiling"] = _side_by_side_ceiling(one_seed, inputs, all_threads, results["threads"],
                                                                  repeats)
        results["methods"][method] = entry
    return results


def _loop_model(method: str, params: dict[str, Any], iterations: int, seed: int) -> Any:
    """``method``'s model of ``seed`` for a timed loop of ``iterations`` steps, logged once, without a bar."""
    from advclust import methods

    return methods.get(method)(**params, seed=seed, n_iterations=iterations, log_every=iterations, progress=False)


def _side_by_side_ceiling(make: Callable[[], Any], inputs: torch.Tensor, rate_on_all_threads: float, threads: int,
                          repeats: int) -> dict[str, float]:
    """The one-seed rate on one thread, and ``threads`` times it over ``rate_on_all_threads`` (see
    :func:`seed_batching`)."""
    def one_thread_rate() -> float:
        model = make()
        model.fit(inputs)
        return model.n_iterations / model.history_["seconds"].iloc[-1]

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rate = statistics.median(one_thread_rate() for _ in range(repeats))
    finally:
        torch.set_num_threads(previous)
    return {"one_thread_rate": rate, "ceiling": threads * rate / rate_on_all_threads}


def _quick_mnist_loop_params(method: str) -> dict[str, Any]:
    """``method``'s quick-profile MNIST hyperparameters without its run length, logging and seed (and, for
    Dual-AAE, without pretraining, which is outside the loop's clock anyway)."""
    from advclust import profiles

    params = {k: v for k, v in profiles.run_params("quick", method, "mnist").items()
              if k not in ("n_iterations", "eval_every", "log_every", "progress", "seed")}
    if method == "dual-aae":
        params["pretrain_epochs"] = 0
    return params


def _synchronize(device: torch.device) -> None:
    """Wait for the device's queued work, so a clock read after it times the work (a no-op on a CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def subnormals(repeats: int = 3, iterations: int = 20, runs_root: str | None = None) -> dict[str, Any]:
    """Training steps per second on the CPU from the furthest checkpoint of each method and dataset under the
    runs root (``$ADVCLUST_RUNS``), with subnormal floats flushed to zero (as :func:`advclust.training.train`
    does) and kept, beside the same networks freshly initialised: how much late-run slowdown subnormals cause."""
    from advclust import data, methods, runs, training

    root = runs.root() if runs_root is None else runs_root
    furthest: dict[tuple[str, str], tuple[int, Path]] = {}
    for status in runs.statuses(root):
        checkpoint = Path(root) / status["run_id"] / training.CHECKPOINT_NAME
        key = (status["method"], status.get("dataset"))
        if checkpoint.exists() and status.get("step", 0) > furthest.get(key, (-1, None))[0]:
            furthest[key] = (status["step"], checkpoint)
    results: dict[str, Any] = {"threads": torch.get_num_threads(), "iterations": iterations, "runs_root": str(root)}
    if not furthest:
        results["skipped"] = f"no run checkpoint under {root}: train one first, e.g. advclust run pfca mnist --profile long"
        return results
    device = torch.device("cpu")
    for (method, dataset), (_, path) in sorted(furthest.items()):
        state = torch.load(path, map_location="cpu", weights_only=True)
        identity = state["identity"]
        try:
            inputs = data.load(identity["dataset"], **identity.get("dataset_options", {})).inputs
            described = identity["dataset"]
        except (KeyError, data.DataNotFoundError):
            inputs, described = torch.rand(1000, *identity["input_shape"]), "uniform noise of the run's input shape"
        params = {k: v for k, v in state["params"].items() if k not in ("checkpoint_dir", "progress", "device")}

        def steps_per_second(from_checkpoint: bool, flush: bool) -> dict[str, float]:
            model = methods.get(method)(**params, device="cpu")
            model.device_ = device
            source = model.training_source(inputs)
            model.build(source, device)
            if from_checkpoint:
                for name, module in model.modules_().items():
                    module.load_state_dict(state["modules"][name])
                for name, optimizer in model.optimizers_().items():
                    optimizer.load_state_dict(state["optimizers"][name])
            batches = training.batches_for(source, model.batch_size, device)
            step = state["step"] - 1 if from_checkpoint else 0

            def work() -> int:
                for _ in range(iterations):
                    model.train_step(batches, step)
                return iterations

            torch.set_flush_denormal(flush)
            try:
                model.train_step(batches, step)  # warm-up
                return _median_rate(repeats, work)
            finally:
                torch.set_flush_denormal(False)

        results[f"{method}/{dataset}"] = {
            "run_checkpoint": str(path), "step": state["step"], "data": described,
            "fresh_networks": steps_per_second(False, True),
            "checkpoint_subnormals_kept": steps_per_second(True, False),
            "checkpoint_subnormals_flushed": steps_per_second(True, True),
        }
    return results


def precision(repeats: int = 3, iterations: int | None = None, seed_count: int | None = None,
              methods_measured: tuple[str, ...] = SEED_BATCHING_METHODS) -> dict[str, Any]:
    """Seed-iterations per second in float32 against bf16 autocast (the methods' ``precision``).

    The methods and settings of :func:`seed_batching`, on the training loop's clock, with ``seed_count`` seeds
    as one seed batch (default: 10 on a GPU, where small networks leave it idle, 1 on a CPU). ``ratio`` is
    ``bfloat16 / float32``: above 1, bf16 trains faster.
    """
    from advclust import methods, system

    device = system.resolve_device("auto")
    iterations = iterations or (200 if device.type == "cuda" else 10)
    seed_count = seed_count or (10 if device.type == "cuda" else 1)
    inputs, source = _mnist_or_noise(10000)
    inputs = (inputs + 1) / 2
    results: dict[str, Any] = {"device": str(device), "threads": torch.get_num_threads(), "iterations": iterations,
                               "seed_count": seed_count, "data": source, "methods": {}}
    for method in methods_measured:
        params = _quick_mnist_loop_params(method)

        def rate(chosen: str) -> float:
            models = [methods.get(method)(**params, seed=seed, n_iterations=iterations, log_every=iterations,
                                          progress=False, precision=chosen) for seed in range(seed_count)]
            models = methods.fit_seeds(models, inputs) if seed_count > 1 else [models[0].fit(inputs)]
            _synchronize(device)
            return seed_count * iterations / models[0].history_["seconds"].iloc[-1]

        rate("bfloat16")  # warm-up (autocast's first casts, the GPU's kernels)
        rates: dict[str, Any] = {}
        for _ in range(repeats):  # alternated, so that a change in the machine's load touches both alike
            for chosen in ("float32", "bfloat16"):
                rates.setdefault(chosen, []).append(rate(chosen))
        entry: dict[str, Any] = {"params": params, **{k: _spread(v) for k, v in rates.items()}}
        entry["ratio"] = entry["bfloat16"]["median"] / entry["float32"]["median"]
        results["methods"][method] = entry
    return results


def cuda_graph(repeats: int = 3, iterations: int = 200,
               methods_measured: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Training steps per second of one seed with its step captured as a CUDA graph (``cuda_graph``) against
    the eager step, at the settings of :func:`seed_batching` (default: its methods that can capture), on the
    training loop's clock (which includes the 3 eager warm-up steps and the capture). ``ratio`` is
    ``graphed / eager``. Needs CUDA: on a CPU it says so and measures nothing."""
    from advclust import methods, system

    device = system.resolve_device("auto")
    if device.type != "cuda":
        return {"device": str(device), "skipped": "CUDA graphs need a CUDA device"}
    if methods_measured is None:
        methods_measured = tuple(m for m in SEED_BATCHING_METHODS if methods.get(m).graph_capturable)
    inputs, source = _mnist_or_noise(10000)
    inputs = (inputs + 1) / 2
    results: dict[str, Any] = {"device": str(device), "iterations": iterations, "data": source, "methods": {}}
    for method in methods_measured:
        params = _quick_mnist_loop_params(method)

        def rate(graphed: bool) -> float:
            model = _loop_model(method, {**params, "cuda_graph": graphed}, iterations, 0).fit(inputs)
            _synchronize(device)
            return iterations / model.history_["seconds"].iloc[-1]

        rate(True)  # warm-up (cuDNN's choices, the allocator)
        rates: dict[str, list[float]] = {}
        for _ in range(repeats):  # alternated, so that a change in the machine's load touches both alike
            for name, graphed in (("eager", False), ("graphed", True)):
                rates.setdefault(name, []).append(rate(graphed))
        entry: dict[str, Any] = {"params": params, **{k: _spread(v) for k, v in rates.items()}}
        entry["ratio"] = entry["graphed"]["median"] / entry["eager"]["median"]
        results["methods"][method] = entry
    return results


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "pfca-gaussians8": pfca_gaussians8,
    "data": data_loading,
    "dcan-mnist": dcan_mnist,
    "baselines": baselines,
    "pfca-mnist": pfca_mnist,
    "imsat-mnist": imsat_mnist,
    "simi-mnist": simi_mnist,
    "dualaae-mnist": dualaae_mnist,
    "seed-batching": seed_batching,
    "precision": precision,
    "subnormals": subnormals,
    "cuda-graph": cuda_graph,
    "whole-map-conv": whole_map_conv,
}


def run(name: str = "all", repeats: int = 3) -> dict[str, Any]:
    """Run benchmark ``name`` (or all of them) with ``repeats`` repeats each."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise UserInputError(f"repeats must be an integer >= 1, got {repeats!r}")
    if name == "all":
        return {key: bench(repeats=repeats) for key, bench in BENCHMARKS.items()}
    check_choice("benchmark", name, [*BENCHMARKS, "all"])
    return {name: BENCHMARKS[name](repeats=repeats)}
