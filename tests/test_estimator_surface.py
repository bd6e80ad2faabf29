"""One estimator surface for every method: fit, labels_, predict, predict_proba, transform/encode, generate,
architecture="auto", and one run-control definition; one input check, NumPy outputs, NotFittedError before fit,
the global generators left alone, pickling; tiny networks, a few iterations."""

import dataclasses
import inspect
import pickle
import random

import numpy as np
import pytest
import torch
from sklearn.base import clone

from advclust import data, methods, nets
from sklearn.exceptions import NotFittedError

from advclust.errors import InputTypeError, UserInputError
from advclust.methods import ClusterGAN, Encoding, NeuralClusterer, SIMIClusterGAN


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


pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")]  # tiny budgets


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    """120 of scikit-learn's 8x8 digits as (N, 1, 8, 8) images in [0, 1]."""
    return data.load("digits").inputs[:120]


def make(name: str, **params):
    cls = methods.get(name)
    neural = NEURAL if issubclass(cls, NeuralClusterer) else {}
    return cls(n_clusters=K, **{**neural, **TINY.get(name, {}), **params})


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
    assert isinstance(labels, np.ndarray) and labels.dtype == np.int64 and labels.shape == (len(digits),)
    assert labels.min() >= 0 and labels.max() < K
    assert np.array_equal(labels, model.predict(digits))
    assert np.array_equal(make(name).fit_predict(digits), labels)  # same seed, same numbers
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(digits)
        assert isinstance(proba, np.ndarray) and proba.dtype == np.float32 and proba.shape == (len(digits), K)
        assert np.allclose(proba.sum(1), 1, atol=1e-5)
    assert hasattr(model, "generate") == (name in GENERATIVE)
    assert hasattr(model, "encode") == hasattr(model, "transform") == (name in ENCODING)


@pytest.mark.parametrize("name", sorted(ENCODING))
def test_encode_is_one_type_and_transform_is_its_latent_code(name, fitted, digits):
    model = fitted(name)
    code = model.encode(digits[:10])
    assert type(code) is Encoding
    latent = model.transform(digits[:10])
    assert isinstance(latent, np.ndarray) and latent.dtype == np.float32 and latent.shape[0] == 10
    assert np.array_equal(code.latent, latent)
    assert np.allclose(code.posterior, model.predict_proba(digits[:10]), atol=1e-6)
    for part in (code.style, code.noise):
        assert part is None or (isinstance(part, np.ndarray) and part.shape[0] == 10)


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_generate_is_cluster_major_seeded_and_leaves_the_global_rng_alone(name, fitted, digits):
    model = fitted(name)
    state = torch.get_rng_state()
    samples = model.generate([2, 0], n=3, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert isinstance(samples, np.ndarray) and samples.shape == (6, *digits.shape[1:])
    # all of clusters[0] first (close, not equal: a matrix product's rounding may depend on the batch size)
    assert np.allclose(samples[:3], model.generate(2, n=3, seed=5), atol=1e-5)
    assert np.array_equal(samples, model.generate([2, 2, 2, 0, 0, 0], seed=5))
    assert np.array_equal(samples, model.generate(torch.tensor([2, 0]), n=3, seed=5))
    assert not np.array_equal(samples, model.generate([2, 0], n=3, seed=6))
    assert np.array_equal(model.generate(1, n=2), model.generate(1, n=2, seed=model.seed))
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

    model = make(name).fit(sampler)
    assert model.labels_ is None and model.data_shape_ == (2,)
    assert pickle.loads(pickle.dumps(model)).predict(np.zeros((3, 2))).shape == (3,)  # the sampler is not kept


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


# -- inputs and outputs ------------------------------------------------------------------------------------------
OUTPUTS = ("predict", "predict_proba", "transform")


def outputs(model) -> list[str]:
    return [m for m in OUTPUTS if hasattr(model, m)]


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_inputs_of_any_array_type_and_dtype_give_numpy_outputs(name, fitted, digits):
    model = fitted(name)
    some = digits[:20]
    read_only = some.numpy().copy()
    read_only.flags.writeable = False
    reversed_view = np.flip(np.flip(some.numpy(), 0).copy(), 0)  # negative strides
    for method in outputs(model):
        reference = getattr(model, method)(some)
        assert isinstance(reference, np.ndarray) and reference.shape[0] == 20
        for same in (some.numpy(), some.numpy().astype(np.float64), some.double(), some.tolist(), read_only,
                     reversed_view):
            assert np.array_equal(getattr(model, method)(same), reference), (method, type(same))
    pixels = (some * 255).round().to(torch.uint8)  # uint8 reads as pixels / 255, as the data layer does
    assert np.array_equal(model.predict(pixels), model.predict(pixels.float() / 255))
    assert np.array_equal(model.predict(pixels.numpy()), model.predict(pixels.float() / 255))
    for integers in (pixels.long(), pixels.numpy().astype(np.int32), pixels.bool()):
        assert model.predict(integers).shape == (20,)


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_fit_on_numpy_gives_the_same_model_and_leaves_the_global_generators_alone(name, fitted, digits):
    random.seed(7)
    np.random.seed(7)
    torch.manual_seed(7)
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    model = make(name).fit(digits.numpy().astype(np.float64))
    assert random.getstate() == states[0]
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), states[1]))
    assert torch.equal(torch.get_rng_state(), states[2])
    assert np.array_equal(model.labels_, fitted(name).labels_)  # training itself still seeds from ``seed``


def _with(images: torch.Tensor, value: float) -> torch.Tensor:
    bad = images.clone()
    bad[3, 0, 2, 5] = value
    return bad


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_bad_inputs_raise_a_clear_user_input_error_in_every_method(name, fitted, digits):
    model = fitted(name)
    some = digits[:20]
    calls = {"fit": lambda X: make(name).fit(X), **{m: getattr(model, m) for m in outputs(model)}}
    for method, call in calls.items():
        for bad, match in [(_with(some, float("nan")), "NaN or inf"), (_with(some, float("inf")), "NaN or inf"),
                           (_with(some, -float("inf")), "the first is sample 3"), (some[:0], "0 sample"),
                           (some[0].flatten(), "2-D inputs"), (np.full((20, 64), "x"), "numeric inputs"),
                           (some.to(torch.complex64), "Complex data"), (some[:, :, :, :0], "0 feature"),
                           (lambda n, device: some[:n], "not an endless sampler" if name not in ("pfca", "dcan")
                            or method != "fit" else None)]:
            if match is None:
                continue
            with pytest.raises(UserInputError, match=match):
                call(bad)
        if method != "fit":  # a per-sample shape other than the fitted one, even with as many features
            for other in (some.reshape(20, 64), some[:, :, :7], some.reshape(20, 1, 4, 16)):
                with pytest.raises(UserInputError, match="per-sample shape"):
                    call(other)
    with pytest.raises(UserInputError, match="1 sample"):
        make(name).fit(some[:1])
    with pytest.raises(InputTypeError):  # a TypeError too, as scikit-learn has it
        model.predict(np.array([[{"a": 1}] * 64], dtype=object).reshape(1, 1, 8, 8))
    flat = some.reshape(20, 64)
    with pytest.raises(UserInputError, match="X has 63 features, but .* is expecting 64 features as input"):
        make(name).fit(flat).predict(flat[:, :63])
    if isinstance(model, NeuralClusterer):  # the evaluation set is checked before training
        with pytest.raises(UserInputError, match="per-sample shape"):
            make(name).fit(some, eval_set=(flat, np.zeros(20, dtype=int)))


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_one_feature_fits(name):
    """What scikit-learn's check_fit2d_1feature asks (it also sets n_clusters=1, which no method takes)."""
    X = torch.rand(30, 1, generator=torch.Generator().manual_seed(0))
    model = make(name, **({"init": "random"} if name == "nmf" else {})).fit(X)
    assert model.predict(X).shape == (30,) and model.n_features_in_ == 1


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_every_method_raises_not_fitted_error_before_fit(name):
    model = make(name)
    methods_before_fit = [*OUTPUTS, "encode", "critic_values", "penultimate_features", "reconstruct"]
    for method in [m for m in methods_before_fit if hasattr(model, m)]:
        with pytest.raises(NotFittedError, match="not fitted"):
            getattr(model, method)(torch.zeros(3, 4))
    if hasattr(model, "generate"):
        with pytest.raises(NotFittedError):
            model.generate(0)
    with pytest.raises(UserInputError):  # ours too: the CLI exits with code 2
        model.predict(torch.zeros(3, 4))
    assert not hasattr(model, "n_features_in_")


@pytest.mark.parametrize("name", list(methods.METHODS))
def test_every_fitted_estimator_pickles(name, fitted, digits):
    model = fitted(name)
    copy = pickle.loads(pickle.dumps(model))
    for method in outputs(model):
        assert np.array_equal(getattr(copy, method)(digits[:20]), getattr(model, method)(digits[:20]))


SEQUENCE_PARAMETERS = [(name, f.name) for name, cls in methods.METHODS.items() if dataclasses.is_dataclass(cls)
                       for f in dataclasses.fields(cls) if "Sequence" in str(f.type)]


@pytest.mark.parametrize("name, parameter", SEQUENCE_PARAMETERS)
def test_a_scalar_where_a_sequence_is_expected_is_refused(name, parameter, digits):
    with pytest.raises(UserInputError, match=f"parameter {parameter} must be a sequence"):
        make(name, **{parameter: 4}).fit(digits)
