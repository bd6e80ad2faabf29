"""DCAN (DCAN): the hard-assignment GMM of A.6, the signs of Eq. 1, and short runs."""

import math

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

from advclust import data, runner, training
from advclust.errors import UserInputError
from advclust.methods.gmm import HardGaussianMixture
from advclust.methods import DCAN
from advclust.methods.dcan import discriminator_loss, encoder_loss
from advclust.training import CHECKPOINT_NAME

# Five points in 2-D: cluster 0 = (0,0), (2,2); cluster 1 = (4,0), (6,0), (5,3).
POINTS = torch.tensor([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0], [6.0, 0.0], [5.0, 3.0]])
CLUSTERS = torch.tensor([0, 0, 1, 1, 1])
SMALL = dict(n_clusters=5, encoder_hidden=(32,), latent_dim=16, discriminator_hidden=(16,), init_points=2000,
             progress=False, device="cpu")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def blobs():
    inputs, labels = make_blobs(2000, n_features=10, centers=5, cluster_std=0.1, center_box=(-1, 1), random_state=0)
    return torch.tensor(inputs, dtype=torch.float32), torch.tensor(labels)


def test_gmm_update_matches_the_hand_computed_estimates():
    gmm = HardGaussianMixture(2, 2)
    gmm.update(POINTS, CLUSTERS)
    # Eq. 21: means; Eq. 20: per-dimension precision n_k / sum (z - eta)^2; Eq. 23: weights n_k / N.
    assert torch.allclose(gmm.means, torch.tensor([[1.0, 1.0], [5.0, 1.0]]))
    assert torch.allclose(gmm.precisions, torch.tensor([[1.0, 1.0], [1.5, 0.5]]))
    assert torch.allclose(gmm.weights, torch.tensor([0.4, 0.6]))


def test_assignment_of_eq22_and_of_the_gaussian_density():
    point = torch.tensor([[3.0, 1.0]])  # equidistant from both means
    literal = HardGaussianMixture(2, 2, assign_with_precision=False)
    literal.update(POINTS, CLUSTERS)
    # Eq. 22: ln psi_k - |z - eta_k|^2 / 2 = ln 0.4 - 2 vs ln 0.6 - 2: the heavier cluster wins.
    assert torch.allclose(literal.scores(point), torch.tensor([[math.log(0.4) - 2, math.log(0.6) - 2]]))
    assert literal.assign(point).item() == 1
    density = HardGaussianMixture(2, 2, assign_with_precision=True)
    density.update(POINTS, CLUSTERS)
    # ln psi_k + sum ln tau / 2 - sum tau (z - eta)^2 / 2: cluster 1 is narrow along x, so cluster 0 wins.
    expected = [math.log(0.4) - 2, math.log(0.6) + 0.5 * math.log(1.5 * 0.5) - 0.5 * 1.5 * 4]
    assert torch.allclose(density.scores(point), torch.tensor([expected]))
    assert density.assign(point).item() == 0


def test_an_emptied_cluster_keeps_its_parameters_with_weight_zero():
    gmm = HardGaussianMixture(3, 2)
    gmm.update(POINTS, CLUSTERS)
    assert torch.equal(gmm.means[2], torch.zeros(2)) and torch.equal(gmm.precisions[2], torch.ones(2))
    assert gmm.weights[2] == 0
    assert torch.isfinite(gmm.scores(POINTS)).all()


@pytest.mark.parametrize("assign_with_precision", [False, True])
def test_the_mixture_estimates_in_float32_under_bf16_autocast(assign_with_precision):
    """E[z^2] - E[z]^2 cancels in bf16: a tight cluster far from 0 would get a variance of bf16 round-off."""
    torch.manual_seed(0)
    z = torch.cat([10 + 0.01 * torch.randn(200, 4), -10 + 0.01 * torch.randn(200, 4)])
    clusters = torch.arange(400) // 200
    estimates = []
    for precision in (False, True):
        gmm = HardGaussianMixture(2, 4, assign_with_precision=assign_with_precision)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision):
            gmm.update(z, clusters)
            scores = gmm.scores(z)
        assert scores.dtype == torch.float32
        estimates.append((gmm.means.clone(), gmm.precisions.clone(), scores))
    for plain, autocast in zip(*estimates):
        torch.testing.assert_close(autocast, plain)


def test_step_is_one_clustering_iteration():
    gmm = HardGaussianMixture(2, 2)
    gmm.means.copy_(torch.tensor([[0.5, 0.5], [5.5, 0.5]]))
    assert torch.equal(gmm.step(POINTS), CLUSTERS)
    assert torch.allclose(gmm.means, torch.tensor([[1.0, 1.0], [5.0, 1.0]]))


def test_positive_samples_follow_the_assigned_gaussian():
    gmm = HardGaussianMixture(2, 2)
    gmm.update(POINTS, CLUSTERS)
    torch.manual_seed(0)
    draws = gmm.sample(torch.ones(20000, dtype=torch.long))  # Eq. 5: z ~ N(eta_1, tau_1^-1)
    assert torch.allclose(draws.mean(0), torch.tensor([5.0, 1.0]), atol=0.05)
    assert torch.allclose(draws.var(0), torch.tensor([1 / 1.5, 2.0]), rtol=0.05)


def test_losses_have_the_signs_and_targets_of_eq1():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])  # logits; D = sigmoid
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    eq1 = d_real.log().mean() + (1 - d_fake).log().mean()  # what D maximises: T = 1 positives, T = 0 encoder
    assert torch.allclose(discriminator_loss(real, fake), -eq1)
    assert torch.allclose(encoder_loss(fake, "minimax"), (1 - d_fake).log().mean())  # Eq. 18, minimised
    assert torch.allclose(encoder_loss(fake, "non_saturating"), -d_fake.log().mean())
    for kind in ("minimax", "non_saturating"):  # descending the encoder loss raises D(G(x))
        logits = fake.clone().requires_grad_(True)
        encoder_loss(logits, kind).backward()
        assert (logits.grad < 0).all()


def test_a_trained_discriminator_separates_mixture_draws_from_encoder_outputs():
    # Digits through the paper's MNIST-sized networks: encoder outputs fill a thin (<= 64-d) set of the
    # 256-d latent space, the draws from the assigned Gaussians fill all of it; D (256-16-1) learns that.
    inputs = data.load("digits").inputs
    model = DCAN(n_iterations=1, init_points=len(inputs), progress=False, device="cpu")
    training.seed_everything(0)
    model.device_ = torch.device("cpu")
    model.build(inputs, model.device_)  # random encoder, mixture initialised, no adversarial step yet
    optimizer = torch.optim.Adam(model.discriminator_.parameters(), lr=1e-2)
    for _ in range(300):
        with torch.no_grad():
            fake = model.encoder_(inputs[torch.randint(len(inputs), (64,))])  # T = 0
            real = model.gmm_.sample(model.gmm_.assign(fake))  # T = 1
        loss = discriminator_loss(model.discriminator_(real), model.discriminator_(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        fake = model.encoder_(inputs)
        real = model.gmm_.sample(model.gmm_.assign(fake))
    assert model.discriminator_values(real).mean() > 0.75
    assert model.discriminator_values(fake).mean() < 0.25


def test_short_run_clusters_well_separated_blobs(blobs):
    inputs, labels = blobs
    model = DCAN(**SMALL, n_iterations=300, eval_every=100, seed=0).fit(inputs, eval_set=(inputs, labels))
    assert model.evaluate(inputs, labels)["acc"] >= 0.95
    history = model.history_
    assert {"discriminator_loss", "encoder_loss", "d_real", "d_fake", "smallest_weight", "acc"} <= set(history.columns)
    proba = model.predict_proba(inputs[:20])
    assert np.allclose(proba.sum(1), 1, atol=1e-5)
    assert (proba.argmax(1) == model.predict(inputs[:20])).all()


def test_runs_through_the_runner_and_repeats_with_the_same_seed(blobs):
    inputs, labels = blobs
    from advclust.data import Dataset

    dataset = Dataset("blobs", inputs, labels, 5, "sklearn make_blobs")
    params = {**SMALL, "n_iterations": 20}
    first, model, _ = runner.fit_run("dcan", dataset, params, seed=3)
    second = runner.run("dcan", dataset, params, seed=3)
    assert first["metrics"] == second["metrics"]
    assert first["method"] == "dcan" and first["params"]["latent_dim"] == 16


def test_checkpoint_resume_restores_the_mixture(blobs, tmp_path):
    inputs, _ = blobs
    options = {**SMALL, "n_iterations": 30, "log_every": 5, "seed": 1}
    straight = DCAN(**options).fit(inputs)
    DCAN(**{**options, "n_iterations": 20}, checkpoint_dir=str(tmp_path), checkpoint_every=10).fit(inputs)
    assert torch.load(tmp_path / CHECKPOINT_NAME, weights_only=False)["step"] == 20
    resumed = DCAN(**options, checkpoint_dir=str(tmp_path), checkpoint_every=10).fit(inputs)
    for name, module in straight.modules_().items():
        for key, value in module.state_dict().items():
            assert torch.equal(value, resumed.modules_()[name].state_dict()[key]), f"{name}.{key}"


@pytest.mark.parametrize("bad", [
    {"momentum": 1.5}, {"lr": 0.0}, {"encoder_loss": "wasserstein"}, {"gmm_points": 3},
    {"latent_activation": "softplus"}, {"encoder_init": "orthogonal"}, {"encoder_hidden": (0,)},
    {"assign_with_precision": "yes"}, {"init_restarts": 0},
])
def test_bad_parameters_raise_before_training(bad):
    with pytest.raises(UserInputError):
        runner.make_estimator("dcan", bad)


@pytest.mark.parametrize("encoder_init, clusters", [("pytorch", 1), ("xavier", 10)])
def test_eq22_merges_every_cluster_when_the_latent_space_is_compact(encoder_init, clusters):
    # Why the encoder starts from Glorot weights: PyTorch's default start maps digits into so small a
    # region that ln psi_k outweighs the distances in Eq. 22, and the mixture starts as one cluster.
    inputs = data.load("digits").inputs
    model = DCAN(encoder_init=encoder_init, assign_with_precision=False, init_points=len(inputs), n_iterations=1,
                 progress=False, device="cpu")
    training.seed_everything(0)
    model.device_ = torch.device("cpu")
    model.build(inputs, model.device_)
    assert int((model.gmm_.weights > 0).sum()) == clusters
