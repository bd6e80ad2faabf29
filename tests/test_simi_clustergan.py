"""IMSAT, ClusterGAN and SIMI-ClusterGAN (SIMI-ClusterGAN): VAT, mutual information, ablation flags, encoder, digits."""

import math
import statistics

import numpy as np
import pytest
import torch
from torch import nn

from advclust import data, losses, metrics, nets, training
from advclust.errors import UnknownChoiceError, UserInputError
from advclust.methods import IMSAT, ClusterGAN, SIMIClusterGAN

TINY_GAN = dict(architecture="mlp", hidden=(32, 32), noise_dim=4, n_clusters=10, batch_size=32, progress=False,
                log_every=1, kmeans_n_init=1)
TINY_PRIOR = dict(prior_hidden=(32, 32), prior_iterations=5, prior_batch_size=64, prior_radius_neighbour=3)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", value_range=(-1.0, 1.0))


def test_vat_perturbation_has_the_radius_and_increases_the_kl():
    torch.manual_seed(0)
    network = nets.mlp([6, 16, 3])
    x = torch.randn(200, 6)
    radius = torch.rand(200) + 0.5
    perturbation = losses.vat_perturbation(network, x, radius, xi=1e-3)
    assert torch.allclose(perturbation.norm(dim=1), radius, atol=1e-5)
    assert torch.allclose(losses.vat_perturbation(network, x, 0.25).norm(dim=1), torch.full((200,), 0.25), atol=1e-5)
    with torch.no_grad():
        p = network(x).softmax(1)
        random = torch.randn_like(x)
        random = random / random.norm(dim=1, keepdim=True) * radius[:, None]
        adversarial_kl = losses.categorical_kl(p, network(x + perturbation))
        random_kl = losses.categorical_kl(p, network(x + random))
    assert adversarial_kl.mean() > 2 * random_kl.mean()
    assert (adversarial_kl >= random_kl).float().mean() > 0.8


def test_mutual_information_is_marginal_minus_conditional_entropy():
    confident = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert losses.marginal_entropy(confident).item() == pytest.approx(math.log(2))
    assert losses.conditional_entropy(confident).item() == pytest.approx(0.0, abs=1e-9)
    assert losses.mutual_information(confident).item() == pytest.approx(math.log(2))
    assert losses.mutual_information(torch.full((4, 3), 1 / 3)).item() == pytest.approx(0.0, abs=1e-6)
    p = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    mean = p.mean(0)
    expected = -(mean * mean.log()).sum() + (p * p.log()).sum(1).mean()
    assert losses.mutual_information(p).item() == pytest.approx(expected.item(), rel=1e-6)


def test_imsat_information_term_places_beta_mu_as_asked():
    p = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    h_y, h_yx = losses.marginal_entropy(p), losses.conditional_entropy(p)
    reference = IMSAT(beta_mu=4.0).information_term(p)[0]
    printed = IMSAT(beta_mu=4.0, mu_on="conditional").information_term(p)[0]
    assert reference.item() == pytest.approx((4 * h_y - h_yx).item())
    assert printed.item() == pytest.approx((h_y - 4 * h_yx).item())


def test_imsat_on_digits_beats_kmeans(digits):
    # The paper's P_phi widths; 5 seeds, since single IMSAT runs on digits vary widely from seed to seed.
    scores = []
    for seed in range(5):
        model = IMSAT(n_iterations=300, seed=seed, progress=False).fit(digits.inputs)
        scores.append(model.evaluate(digits.inputs, digits.labels)["acc"])
    print("IMSAT ACC on digits per seed:", [round(s, 3) for s in scores])
    assert statistics.median(scores) >= 0.8
    assert set(model.history_.columns) >= {"loss", "vat", "h_y", "h_y_given_x"}


@pytest.fixture(scope="module")
def simi(digits):
    return SIMIClusterGAN(n_iterations=2, **TINY_GAN, **TINY_PRIOR).fit(digits.inputs)


@pytest.mark.parametrize("flag, term", [("alpha_re", "rec"), ("alpha_pcl", "pce"), ("alpha_cm", "cm")])
def test_each_ablation_flag_removes_exactly_its_loss(simi, digits, flag, term):
    real = digits.inputs[:32]
    torch.manual_seed(1)
    full = simi.objective(real)
    weight = getattr(simi, flag)
    simi.set_params(**{flag: 0.0})
    try:
        torch.manual_seed(1)
        ablated = simi.objective(real)
    finally:
        simi.set_params(**{flag: weight})
    assert set(full) - set(ablated) == {term}
    for name in ablated:
        if name != "total":
            assert torch.allclose(ablated[name], full[name])
    assert torch.allclose(ablated["total"], full["total"] - weight * full[term], atol=1e-5)


def test_clustergan_objective_has_only_the_cycle_losses(digits):
    model = ClusterGAN(n_iterations=1, **TINY_GAN).fit(digits.inputs)
    terms = model.objective(digits.inputs[:32])
    assert set(terms) == {"adversarial", "ce", "mse", "total"}
    expected = terms["adversarial"] + 10 * terms["ce"] + 10 * terms["mse"]
    assert torch.allclose(terms["total"], expected)


def test_encoder_recovers_the_code_of_a_fixed_generator():
    inputs = torch.rand(256, 1, 8, 8) * 2 - 1
    model = ClusterGAN(n_iterations=1, lr=1e-3, n_critic=1, seed=0, **{**TINY_GAN, "hidden": (64, 64)}).fit(inputs)
    nets.set_requires_grad(model.generator_, False)  # G stays as initialised: only E (and D) learn
    batches = training.TensorBatches(inputs, 32, torch.device("cpu"))
    before = [p.clone() for p in model.generator_.parameters()]
    for step in range(200):
        model.train_step(batches, step)
    assert all(torch.equal(a, b) for a, b in zip(before, model.generator_.parameters()))
    ids = torch.arange(500) % 10
    samples = model.generate(ids)
    recovered = model.predict_proba(samples).argmax(1)
    assert (recovered == ids.numpy()).mean() >= 0.95


def test_simi_fits_predicts_and_generates(simi, digits):
    labels = simi.predict(digits.inputs)
    assert labels.shape == (len(digits),) and labels.max() < 10
    assert simi.prior_model_.n_iter_ == 5 and simi.n_iter_ == 2
    proba = simi.predict_proba(digits.inputs[:20])
    assert np.allclose(proba.sum(1), 1, atol=1e-5)
    assert simi.generate(torch.arange(10)).shape == (10, 1, 8, 8)
    path = simi.interpolate(3, 5, steps=6)
    assert path.shape == (6, 1, 8, 8)
    assert not np.array_equal(path[0], path[-1])


def test_simi_scores_its_prior_beside_itself(simi, digits):
    scores = simi.evaluate(digits.inputs, digits.labels)
    prior = metrics.hungarian_accuracy(digits.labels, simi.prior_model_.predict(digits.inputs))
    assert scores["prior_acc"] == prior  # P_phi's own clusters, beside the model's (ClusterGAN's scores)
    assert scores["acc"] == metrics.clustering_scores(digits.labels, simi.predict(digits.inputs))["acc"]
    assert "prior_acc" not in ClusterGAN(n_iterations=1, **TINY_GAN).fit(digits.inputs).evaluate(
        digits.inputs, digits.labels)


def test_simi_reuses_a_fitted_prior(simi, digits):
    model = SIMIClusterGAN(n_iterations=1, **TINY_GAN, **TINY_PRIOR).fit(digits.inputs, prior=simi.prior_model_)
    assert model.prior_model_ is simi.prior_model_
    with pytest.raises(UserInputError, match="fitted IMSAT"):
        SIMIClusterGAN(n_iterations=1, **TINY_GAN).fit(digits.inputs, prior=IMSAT())


def test_bad_parameters_are_named():
    with pytest.raises(UnknownChoiceError, match="conv, mlp"):
        ClusterGAN(architecture="resnet").validate_params()
    with pytest.raises(UnknownChoiceError, match="learned, uniform"):
        SIMIClusterGAN(prior="gaussian").validate_params()
    with pytest.raises(UserInputError, match="alpha_cm"):
        SIMIClusterGAN(alpha_cm=-1.0).validate_params()
    with pytest.raises(UserInputError, match="augment=True needs images"):
        IMSAT(augment=True, n_iterations=1).fit(torch.randn(20, 5))


@pytest.mark.parametrize("size", [28, 16])
def test_clustergan_conv_networks_have_the_reference_shapes_and_activations(size):
    generator, critic, encoder = nets.clustergan_conv_networks((1, size, size), 10, 30, (), "tanh")
    # ReLU in G, leaky ReLU in D and E (SIMI-ClusterGAN §IV-B, ClusterGAN's reference).
    assert not any(isinstance(m, nn.LeakyReLU) for m in generator.modules())
    assert sum(isinstance(m, nn.ReLU) for m in generator.modules()) == 3
    for network in (critic, encoder):
        assert any(isinstance(m, nn.LeakyReLU) for m in network.modules())
        assert not any(type(m) is nn.ReLU for m in network.modules())
    # 'SAME'-padded 4x4 stride-2 convolutions: s -> s/2 -> s/4 in D and E, s/4 -> s/2 -> s in G.
    images = torch.rand(3, 1, size, size) * 2 - 1
    convolutions = [m for m in critic.modules() if isinstance(m, nn.Conv2d)]
    assert [c.padding for c in convolutions] == [(1, 1), (1, 1)]
    maps = critic[0][:4](images)
    assert maps.shape == (3, 128, size // 4, size // 4)
    generator.eval()
    fake = generator(torch.eye(10)[:3], torch.randn(3, 30))
    assert fake.shape == (3, 1, size, size)
    assert critic(fake).shape == (3, 1)
    z_n, logits = encoder(fake)
    assert z_n.shape == (3, 30) and logits.shape == (3, 10)


def test_clustergan_mlp_generator_keeps_the_reference_leaky_relu():
    generator, _, _ = nets.clustergan_mlp_networks((16,), 10, 5, (32, 32), None)
    assert sum(isinstance(m, nn.LeakyReLU) for m in generator.modules()) == 2


@pytest.mark.parametrize("cls", [ClusterGAN, SIMIClusterGAN])
def test_weight_decay_applies_to_generator_and_encoder_only(cls, simi, digits):
    model = simi if cls is SIMIClusterGAN else ClusterGAN(n_iterations=1, **TINY_GAN).fit(digits.inputs)
    assert model.weight_decay == 2.5e-5
    assert [g["weight_decay"] for g in model.optimizer_g_.param_groups] == [2.5e-5]
    assert [g["weight_decay"] for g in model.optimizer_e_.param_groups] == [2.5e-5]
    assert [g["weight_decay"] for g in model.optimizer_d_.param_groups] == [0]
    with pytest.raises(UserInputError, match="weight_decay"):
        cls(weight_decay=-1.0).validate_params()


def test_clustergan_final_score_is_kmeans_on_the_evaluation_encodings(digits):
    from sklearn.cluster import KMeans

    from advclust import metrics, runner

    train, test = digits.take(rows=1200), digits.take(sample=400, seed=1)
    params = dict(TINY_GAN, n_iterations=3, kmeans_n_init=2)
    record, model, _ = runner.fit_run("clustergan", train, params, 0, eval_dataset=test)
    fresh = model.evaluate(test.inputs, test.labels)
    assert record["metrics"] == pytest.approx(fresh)
    # The same path as the evaluation at the end of training (Algorithm 1 lines 20-22) ...
    last = model.history_.dropna(subset=["acc"]).iloc[-1]
    assert last.name == 3 and last["acc"] == pytest.approx(fresh["acc"]) and last["nmi"] == pytest.approx(fresh["nmi"])
    # ... which is k-means fitted on the test encodings, not on the training ones.
    kmeans = KMeans(10, n_init=2, random_state=0).fit(model.encoding(test.inputs))
    assert fresh == pytest.approx(metrics.clustering_scores(test.labels, kmeans.labels_))
    assert (model.labels_ == model.predict(train.inputs)).all()
    with pytest.raises(UserInputError, match="at least n_clusters=10"):
        model.predict(test.inputs[:5])
