"""CUDA-graph capture of the training step (``cuda_graph``; training.CapturedStep, StaticBatches).

On a CPU the captured path runs eagerly (``capture=False``) and must train exactly as the plain loop does; on a
GPU the captured graph must train as the eager step does, to float tolerance.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from advclust import bench, training
from advclust.errors import UserInputError
from advclust.methods import DCAN, PFCA, ClusterGAN, DualAAE, IMSAT, can_batch_seeds

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA: CUDA-graph capture")

#: Tiny configurations of the capturable methods; 512 inputs hold every minibatch of these short runs, so the
#: data is never reshuffled mid-run (the one place where a captured step draws in another order, see StaticBatches).
TINY = {
    "pfca": lambda **o: PFCA(n_clusters=3, noise_dim=2, hidden=[8, 8], gp_weight=10.0, eta_tau=2, batch_size=8, **o),
    "imsat": lambda **o: IMSAT(n_clusters=3, hidden=[8, 8], radius_neighbour=3, batch_size=8, **o),
    "clustergan": lambda **o: ClusterGAN(n_clusters=3, noise_dim=2, architecture="mlp", hidden=[8, 8],
                                         kmeans_n_init=2, batch_size=8, **o),
    "dual-aae": lambda **o: DualAAE(n_clusters=3, style_dim=1, encoder_hidden=(8,), decoder_hidden=(8,),
                                    critic_hidden=(8,), pretrain_epochs=1, batch_size=8, **o),
}


def _data(n: int = 512) -> tuple[torch.Tensor, np.ndarray]:
    return torch.rand(n, 6, generator=torch.Generator().manual_seed(0)), np.arange(n) % 3


def _fit(method: str, device: str = "cpu", **options):
    X, y = _data()
    return TINY[method](n_iterations=6, log_every=1, eval_every=3, progress=False, device=device, seed=0,
                        **options).fit(X, eval_set=(X, y))


def _assert_same_training(a, b, tolerance: float = 0.0) -> None:
    first, second = (m.history_.drop(columns="seconds") for m in (a, b))
    assert list(first.columns) == list(second.columns)
    np.testing.assert_allclose(first.to_numpy(), second.to_numpy(), rtol=tolerance, atol=tolerance, equal_nan=True)
    for name, module in a.modules_().items():
        for p, q in zip(module.state_dict().values(), b.modules_()[name].state_dict().values()):
            torch.testing.assert_close(p.cpu(), q.cpu(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("method", list(TINY))
def test_the_captured_steps_path_trains_as_the_plain_loop_does(one_thread, monkeypatch, method):
    plain = _fit(method)
    monkeypatch.setattr(training, "_stepper", functools.partial(training.CapturedStep, capture=False))
    static = _fit(method)
    _assert_same_training(plain, static)
    if method == "pfca":  # eta reached the step through step_scalars_, one value per step
        assert static.history_["eta"].tolist() == pytest.approx([static.eta_at(step) for step in range(6)])


def test_static_batches_refill_in_place_and_refuse_a_step_that_takes_more():
    source = training.TensorBatches(torch.arange(40.0).reshape(20, 2), 4, torch.device("cpu"))
    batches = training.StaticBatches(source)
    batches.refill()
    first = [batches.next(), batches.next()]  # the first step fixes two minibatches a step
    values = [b.clone() for b in first]
    batches.refill()
    again = [batches.next(), batches.next()]
    assert all(a is b for a, b in zip(first, again))  # the same memory ...
    assert not any(torch.equal(a, v) for a, v in zip(again, values))  # ... holding the next minibatches
    with pytest.raises(RuntimeError, match="same number of minibatches"):
        batches.next()


def test_cuda_graph_on_a_cpu_says_it_needs_cuda():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(UserInputError, match="needs a CUDA device"):
        _fit("pfca", cuda_graph=True)


def test_a_method_that_cannot_capture_lists_those_that_can():
    X, _ = _data()
    with pytest.raises(UserInputError, match="pfca, imsat, clustergan, simi-clustergan, dual-aae"):
        DCAN(n_clusters=3, latent_dim=2, n_iterations=2, batch_size=8, cuda_graph=True).fit(X)


def test_graphed_seeds_train_one_after_another():
    assert can_batch_seeds([TINY["pfca"](n_iterations=2, seed=s) for s in (0, 1)])
    assert not can_batch_seeds([TINY["pfca"](n_iterations=2, seed=s, cuda_graph=True) for s in (0, 1)])


def test_the_cuda_graph_bench_says_it_needs_cuda_on_a_cpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert "CUDA" in bench.cuda_graph(repeats=1, iterations=2)["skipped"]


@needs_cuda
@pytest.mark.parametrize("method", list(TINY))
def test_a_captured_step_trains_as_the_eager_step_does_on_cuda(method):
    eager = _fit(method, device="cuda", n_iterations=8)
    graphed = _fit(method, device="cuda", n_iterations=8, cuda_graph=True)  # 3 eager steps, a capture, 5 replays
    _assert_same_training(eager, graphed, tolerance=1e-3)
    if method == "pfca":  # eta changes every 2 steps: the replays read each step's value, not the capture's
        assert graphed.history_["eta"].tolist() == pytest.approx([graphed.eta_at(step) for step in range(8)])


@needs_cuda
def test_a_captured_bf16_step_trains_finite_on_cuda():
    model = _fit("pfca", device="cuda", n_iterations=8, cuda_graph=True, precision="bfloat16")
    assert np.isfinite(model.history_.drop(columns="seconds").to_numpy()).all()


@needs_cuda
def test_the_cuda_graph_bench_compares_graphed_and_eager_steps():
    entry = bench.cuda_graph(repeats=1, iterations=10, methods_measured=("pfca",))["methods"]["pfca"]
    assert entry["ratio"] == pytest.approx(entry["graphed"]["median"] / entry["eager"]["median"])
