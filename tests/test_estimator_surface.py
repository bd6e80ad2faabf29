"""One estimator surface for every method: fit, labels_, predict, predict_proba, transform/encode, generate,
architecture="auto", and one run-control definition; tiny networks, a few iterations."""

import dataclasses
import inspect

import numpy as np
import pytest
import torch
from sklearn.base import clone

from advclust import data, methods, nets
from advclust.errors import UserInputError
from advclust.methods import ClusterGAN, Encoding, NeuralClusterer, SIMIClusterGAN

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tiny budgets

K = 4
NEURAL = dict(progress=False, log_every=1, n_iterations=2)
TINY_GAN = dict(hidden=(16, 16), noise_dim=3, batch_size=16, n_critic=1, kmeans_n_init=1)
TINY = {
    "pfca": dict(hidden=(4, 8, 8), noise_dim=3, batch_size=16, n_critic=1, n_class=1),
    "dcan": dict(encoder_hidden=(16,), latent_dim=4, discriminator_hidden=(8,), init_points=100, gmm_points=40,
                 init_iterations=2, init_restarts=1),
    "imsat": dict(hidden=(16, 16), batch_size=32, radius_neighbour=3),
    "clustergan": TINY_GAN,
    "simi-clustergan": dict(TINY_GAN, prior_hidden=(16, 16), prior_iterations=2, prior_batch_size=32,
                            prior_radius_neighbour=3),
    "dual-aae": dict(encoder_hidden=(16, 16), decoder_hidden=(16, 16), conv_channels=(4, 8, 16, 8), style_dim=2,
                     noise_dim=1, pretrain_epochs=0, batch_size=16),
    "kmeans": dict(n_init=1),
}
GENERATIVE = {"pfca", "clustergan", "simi-clustergan", "dual-aae"}
ENCODING = {"pfca", "dcan", "imsat", "clustergan", "simi-clustergan", "dual-aae"}
#: What ``auto`` picks for images it has convolutions for (16x16; Dual-AAE's take 28x28 only).
CONVOLUTIONAL = {"pfca": "conv", "clustergan": "conv", "simi-clustergan": "conv", "dual-aae": "conv28",
                 "dcan": "mlp", "imsat": "mlp"}
NEURAL_NAMES = [name for name, cls in methods.METHODS.items() if issubclass(cls, NeuralClusterer)]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    """120 of scikit-learn's 8x8 digits as (N, 1, 8, 8) images in [0, 1]."""
    return data.load("digits").inputs[:120]


def make(name: str, **params):
    cls = methods.get(name)
    neural = NEURAL if issubclass(cls, NeuralClusterer) else {}
    return cls(n_clusters=K, **neural, **TINY.get(name, {}), **params)


@pytest.fixture(scope="module")
def fitted(digits):
    """Each method fitted once on the digits (architecture "auto"), built on first use."""
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = make(name).fit(digits)
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_fit_labels_predict_and_posterior(name, fitted, digits):
    model = fitted(name)
    labels = model.labels_
    assert isinstance(labels, np.ndarray) and labels.shape == (len(digits),)
    assert labels.min() >= 0 and labels.max() < K
    assert np.array_equal(labels, model.predict(digits))
    assert np.array_equal(make(name).fit_predict(digits), labels)  # same seed, same numbers
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(digits)
        assert isinstance(proba, torch.Tensor) and proba.device.type == "cpu" and proba.shape == (len(digits), K)
        assert torch.allclose(proba.sum(1), torch.ones(len(digits)), atol=1e-5)
    assert hasattr(model, "generate") == (name in GENERATIVE)
    assert hasattr(model, "encode") == hasattr(model, "transform") == (name in ENCODING)


@pytest.mark.parametrize("name", sorted(ENCODING))
def test_encode_is_one_type_and_transform_is_its_latent_code(name, fitted, digits):
    model = fitted(name)
    code = model.encode(digits[:10])
    assert type(code) is Encoding
    latent = model.transform(digits[:10])
    assert isinstance(latent, torch.Tensor) and latent.device.type == "cpu" and latent.shape[0] == 10
    assert torch.equal(code.latent, latent)
    assert torch.allclose(code.posterior, model.predict_proba(digits[:10]), atol=1e-6)
    for part in (code.style, code.noise):
        assert part is None or (part.shape[0] == 10 and part.device.type == "cpu")


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_generate_is_cluster_major_seeded_and_leaves_the_global_rng_alone(name, fitted, digits):
    model = fitted(name)
    state = torch.get_rng_state()
    samples = model.generate([2, 0], n=3, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert samples.device.type == "cpu" and samples.shape == (6, *digits.shape[1:])
    # all of clusters[0] first (close, not equal: a matrix product's rounding may depend on the batch size)
    assert torch.allclose(samples[:3], model.generate(2, n=3, seed=5), atol=1e-5)
    assert torch.equal(samples, model.generate([2, 2, 2, 0, 0, 0], seed=5))
    assert torch.equal(samples, model.generate(torch.tensor([2, 0]), n=3, seed=5))
    assert not torch.equal(samples, model.generate([2, 0], n=3, seed=6))
    assert torch.equal(model.generate(1, n=2), model.generate(1, n=2, seed=model.seed))
    assert model.generate(3).shape == (1, *digits.shape[1:])
    with pytest.raises(UserInputError, match="cluster ids"):
        model.generate(K)


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_generated_by_cluster_draws_one_row_per_cluster_for_every_generative_method(name, fitted):
    import matplotlib

    matplotlib.use("Agg")
    from advclust import plots

    model = fitted(name)
    figure = plots.generated_by_cluster(model, per_cluster=2, seed=0)
    assert len(figure.axes) == model.n_clusters * 2


@pytest.mark.parametrize("name", NEURAL_NAMES)
def test_auto_architecture_on_flat_and_image_inputs(name, digits):
    family = methods.get(name).network_family
    flat = make(name).fit(digits.reshape(len(digits), -1))
    assert flat.architecture_ == "mlp" and flat.labels_.shape == (len(digits),)
    assert nets.architecture_for(family, (1, 8, 8)) == "mlp"  # digits as images
    side = 28 if name == "dual-aae" else 16
    images = torch.rand(32, 1, side, side, generator=torch.Generator().manual_seed(0))
    model = make(name).fit(images)
    assert model.architecture_ == CONVOLUTIONAL[name] == nets.architecture_for(family, images.shape[1:])
    assert model.labels_.shape == (32,)


@pytest.mark.parametrize("name", ["pfca", "dcan"])
def test_labels_are_none_after_fitting_on_a_sampler(name):
    def sampler(n, device):
        return torch.randn(n, 2, device=device)

    assert make(name).fit(sampler).labels_ is None


RUN_CONTROL = [f.name for f in dataclasses.fields(NeuralClusterer)]


@pytest.mark.parametrize("name", NEURAL_NAMES)
def test_run_control_comes_from_one_definition_and_sklearn_reads_it(name):
    cls = methods.get(name)
    signature = inspect.signature(cls.__init__).parameters
    assert list(signature)[-len(RUN_CONTROL):] == RUN_CONTROL == methods.parameters(name)[-len(RUN_CONTROL):]
    assert all(signature[p].kind is inspect.Parameter.KEYWORD_ONLY for p in RUN_CONTROL)
    assert signature["architecture"].default == "auto"
    model = make(name, seed=3)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert copy.set_params(seed=4).seed == 4 and model.seed == 3


def test_simi_clustergan_does_not_relist_clustergan_parameters():
    own = set(SIMIClusterGAN.__annotations__)
    assert own & set(ClusterGAN.__annotations__) == {"beta2"}  # only its other default (SIMI-ClusterGAN §IV-B)
    assert SIMIClusterGAN().beta2 == 0.999 and ClusterGAN().beta2 == 0.9
    assert set(methods.parameters("clustergan")) < set(methods.parameters("simi-clustergan"))
