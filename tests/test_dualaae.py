"""Dual-AAE (Dual-AAE Eq. 10) and its flags: shapes, each loss term's effect, K != 10, validation."""

import numpy as np
import pytest
import torch

from advclust import nets, reference, runner
from advclust.errors import UnknownChoiceError, UserInputError
from advclust.methods import DualAAE, get
from advclust.methods.dualaae import clustering_regularization

VARIANTS = reference.VARIANTS["dual-aae"]

# Narrow networks and tiny budgets: seconds on 2 CPU cores.
TINY_CONV = dict(conv_channels=(8, 16, 32, 16), pretrain_epochs=0, batch_size=32, progress=False, log_every=2)
TINY_MLP = dict(architecture="mlp", encoder_hidden=(32, 32), decoder_hidden=(32, 32), style_dim=2, noise_dim=2,
                pretrain_epochs=0, batch_size=32, progress=False, log_every=2)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def images():
    return torch.rand(96, 1, 28, 28, generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def blobs():
    """Four well separated Gaussian blobs in 6-d, 50 points each."""
    g = torch.Generator().manual_seed(0)
    centres = 4 * torch.eye(4, 6)
    labels = torch.arange(4).repeat_interleave(50)
    return centres[labels] + 0.3 * torch.randn(200, 6, generator=g), labels


def test_registered_and_output_shapes(images):
    assert get("dual-aae") is DualAAE
    model = DualAAE(n_iterations=2, **TINY_CONV).fit(images)
    proba = model.predict_proba(images[:10])
    assert proba.shape == (10, 10) and np.allclose(proba.sum(1), 1, atol=1e-5)
    code = model.encode(images[:10])
    assert code.posterior.shape == (10, 10) and code.style.shape == (10, 3) and code.noise.shape == (10, 1)
    assert np.array_equal(code.latent, np.concatenate([code.posterior, code.style, code.noise], 1))
    assert np.array_equal(model.transform(images[:10]), code.latent)
    assert model.penultimate_features(images[:10]).shape == (10, 16)
    assert model.reconstruct(images[:4]).shape == (4, 1, 28, 28)
    generated = model.generate([0, 1, 2])
    assert generated.shape == (3, 1, 28, 28) and 0 <= generated.min() and generated.max() <= 1
    assert model.predict(images[:10]).shape == (10,)
    assert {"critic_loss", "wasserstein", "reconstruction", "adversarial", "marginal_entropy",
            "conditional_entropy", "dual_reconstruction"} <= set(model.history_.columns)


def test_clustering_regulariser_sign_on_hand_made_posteriors():
    # Confident and balanced: -ln 2 + 0.5 * 0; uniform per input: -ln 2 + 0.5 ln 2; collapsed: 0 + 0.
    confident_balanced = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    uncertain = torch.full((2, 2), 0.5)
    collapsed = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    log2 = torch.log(torch.tensor(2.0))
    assert clustering_regularization(confident_balanced, 0.5) == pytest.approx(-log2.item(), abs=1e-6)
    assert clustering_regularization(uncertain, 0.5) == pytest.approx(-0.5 * log2.item(), abs=1e-6)
    assert clustering_regularization(collapsed, 0.5) == pytest.approx(0.0, abs=1e-6)


def test_clustering_regulariser_sharpens_and_balances_on_a_fixed_batch(blobs):
    """A few CR steps alone lower E[H(q(y|x))] and raise H(q(y)) on a fixed batch (Dual-AAE Eq. 9)."""
    inputs, _ = blobs
    model = DualAAE(n_clusters=4, n_iterations=20, **TINY_MLP).fit(inputs)
    encoder = model.encoder_
    # Start from a collapsed-leaning, unsure head: every input prefers cluster 0 a little.
    with torch.no_grad():
        encoder.head.bias[:4] = torch.tensor([1.0, 0.0, 0.0, 0.0])
    encoder.eval()  # fixed batch-norm statistics: the batch is fixed, only the weights move

    def entropies():
        with torch.no_grad():
            posteriors = encoder(inputs)[0].softmax(1)
        return (clustering_regularization(posteriors, 0.0).neg().item(),
                (clustering_regularization(posteriors, 1.0) - clustering_regularization(posteriors, 0.0)).item())

    marginal_before, conditional_before = entropies()
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    for _ in range(20):
        loss = clustering_regularization(encoder(inputs)[0].softmax(1), 0.5)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    marginal_after, conditional_after = entropies()
    assert conditional_after < conditional_before - 0.05
    assert marginal_after > marginal_before + 0.05


def _changed(before, model):
    return {name: any(not torch.equal(before[name][k], v) for k, v in m.state_dict().items()
                      if v.dtype.is_floating_point and "running" not in k)
            for name, m in model.modules_().items()}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_flags_switch_exactly_their_terms(variant, blobs, monkeypatch):
    """AAE drops D-AE and CR and matches y adversarially; without CR keeps D-AE; Dual-AAE has all four."""
    inputs, _ = blobs
    calls = {"dual": 0, "cr": 0}
    original_dual = DualAAE.dual_loss

    def counting_dual(self, n):
        calls["dual"] += 1
        return original_dual(self, n)

    import advclust.methods.dualaae as module
    original_cr = module.clustering_regularization

    def counting_cr(posteriors, weight):
        calls["cr"] += 1
        return original_cr(posteriors, weight)

    monkeypatch.setattr(DualAAE, "dual_loss", counting_dual)
    monkeypatch.setattr(module, "clustering_regularization", counting_cr)
    model = DualAAE(n_clusters=4, n_iterations=3, **TINY_MLP, **VARIANTS[variant]).fit(inputs)
    flags = {**dict(dual=True, clustering_regularization=True, adversarial_category=False), **VARIANTS[variant]}
    assert (calls["dual"] == 3) == flags["dual"] and (calls["dual"] == 0) == (not flags["dual"])
    assert (calls["cr"] == 3) == flags["clustering_regularization"]
    assert (calls["cr"] == 0) == (not flags["clustering_regularization"])
    critic_inputs = model.critic_[0].in_features
    assert critic_inputs == 2 + 2 + (4 if flags["adversarial_category"] else 0)
    assert ("dual_reconstruction" in model.history_) == flags["dual"]


def test_each_optimizer_moves_only_its_networks(blobs):
    inputs, _ = blobs
    model = DualAAE(n_clusters=4, n_iterations=1, **TINY_MLP).fit(inputs)
    encoder_params = {id(p) for p in model.encoder_.parameters()}
    decoder_params = {id(p) for p in model.decoder_.parameters()}
    owned = {name: {id(p) for g in o.param_groups for p in g["params"]} for name, o in model.optimizers_().items()}
    assert owned["adv"] == encoder_params and owned["cr"] == encoder_params
    assert owned["recon"] == owned["dae"] == encoder_params | decoder_params
    assert owned["critic"] == {id(p) for p in model.critic_.parameters()}
    assert model.optimizer_dae_.param_groups[0]["lr"] == pytest.approx(model.dae_weight * model.lr)


def test_short_run_clusters_separated_blobs_with_k_other_than_ten(blobs):
    inputs, labels = blobs
    params = dict(TINY_MLP, lr=3e-3, adversarial_lr=1e-3, pretrain_epochs=5, log_every=50)
    model = DualAAE(n_clusters=4, n_iterations=150, seed=0, **params).fit(inputs, eval_set=(inputs, labels))
    assert model.evaluate(inputs, labels)["acc"] >= 0.9
    assert len(model.pretrain_history_) == 5
    assert model.pretrain_history_[-1]["reconstruction"] < model.pretrain_history_[0]["reconstruction"]
    # K = 7 on the same data: seven columns, runs and predicts.
    seven = DualAAE(n_clusters=7, n_iterations=5, **TINY_MLP).fit(inputs)
    assert seven.predict_proba(inputs).shape == (200, 7)


def test_pretraining_shows_a_progress_bar_unless_progress_is_off(blobs, capsys):
    inputs, _ = blobs
    DualAAE(n_clusters=4, n_iterations=1, **dict(TINY_MLP, pretrain_epochs=2, progress=True)).fit(inputs)
    shown = capsys.readouterr().err
    assert "DualAAE pretraining, epoch 1/2" in shown and "DualAAE pretraining, epoch 2/2" in shown
    DualAAE(n_clusters=4, n_iterations=1, **dict(TINY_MLP, pretrain_epochs=2)).fit(inputs)
    assert "pretraining" not in capsys.readouterr().err


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
def test_whole_map_layers_compute_what_torchs_convolutions_compute(bias):
    torch.manual_seed(0)
    cases = [(nets.WholeMapConv2d, torch.nn.Conv2d, (4, 3, 7, 7)),
             (nets.WholeMapConv2d, torch.nn.Conv2d, (4, 3, 9, 9)),  # not the kernel's size: Conv2d's own path
             (nets.WholeMapConvTranspose2d, torch.nn.ConvTranspose2d, (4, 3, 1, 1)),
             (nets.WholeMapConvTranspose2d, torch.nn.ConvTranspose2d, (4, 3, 2, 2))]
    padded = [(ours, torchs, shape, {"padding": 1}) for ours, torchs, shape in cases[::2]]  # not a product: torch's
    for ours_type, torchs_type, shape, options in [(*case, {}) for case in cases] + padded:
        ours, torchs = ours_type(3, 5, 7, bias=bias, **options), torchs_type(3, 5, 7, bias=bias, **options)
        torchs.load_state_dict(ours.state_dict())
        x = torch.randn(shape)
        x_ours, x_torchs = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        out_ours, out_torchs = ours(x_ours), torchs(x_torchs)
        torch.testing.assert_close(out_ours, out_torchs, rtol=1e-5, atol=1e-5)
        out_ours.square().sum().backward()
        out_torchs.square().sum().backward()
        torch.testing.assert_close(x_ours.grad, x_torchs.grad, rtol=1e-5, atol=1e-5)
        for a, b in zip(ours.parameters(), torchs.parameters()):
            torch.testing.assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-4)


def test_the_conv_networks_take_the_whole_map_product_at_their_7x7_layers(monkeypatch):
    calls = []
    for name in ("whole_map_conv2d", "whole_map_conv_transpose2d"):
        original = getattr(nets, name)
        monkeypatch.setattr(nets, name, lambda *args, _f=original, _n=name: calls.append(_n) or _f(*args))
    encoder, decoder = nets.conv_encoder_28((4, 8, 16, 8)), nets.conv_decoder_28(5, (4, 8, 16, 8))
    assert encoder(torch.rand(2, 1, 28, 28)).shape == (2, 8)
    assert decoder(torch.rand(2, 5)).shape == (2, 1, 28, 28)
    assert calls == ["whole_map_conv2d", "whole_map_conv_transpose2d"]


def test_same_seed_same_numbers(blobs):
    inputs, _ = blobs
    first = DualAAE(n_clusters=4, n_iterations=4, seed=5, **TINY_MLP).fit(inputs).predict_proba(inputs)
    second = DualAAE(n_clusters=4, n_iterations=4, seed=5, **TINY_MLP).fit(inputs).predict_proba(inputs)
    assert np.array_equal(first, second)


def test_style_traversal_changes_the_image_and_the_cluster_code_matters(images):
    model = DualAAE(n_iterations=2, **TINY_CONV).fit(images)
    style = torch.zeros(2, 3)
    style[1, 0] = 2.0
    a, b = model.generate([3, 3], style=style, noise=torch.zeros(2, 1))
    assert not np.allclose(a, b)
    c = model.generate([4], style=style[:1], noise=torch.zeros(1, 1))[0]
    assert not np.allclose(a, c)


@pytest.mark.parametrize("bad, match", [
    (dict(architecture="resnet"), "architecture"),
    (dict(dae_weight=0.0), "dae_weight"),
    (dict(conv_channels=(8, 16)), "conv_channels"),
    (dict(style_dim=0, noise_dim=0), "style_dim"),
    (dict(pretrain_epochs=-1), "pretrain_epochs"),
])
def test_bad_parameters_raise_clear_errors(bad, match):
    with pytest.raises((UserInputError, UnknownChoiceError), match=match):
        runner.make_estimator("dual-aae", bad)


def test_conv_architecture_rejects_other_shapes():
    with pytest.raises(UserInputError, match="1x28x28"):
        DualAAE(n_iterations=1, architecture="conv28", **TINY_CONV).fit(torch.rand(10, 1, 14, 14))
    with pytest.raises(UserInputError, match="sampler"):
        DualAAE(n_iterations=1, **TINY_CONV).fit(lambda n, device: torch.rand(n, 1, 28, 28))


def test_each_term_falls_under_its_own_optimizer(blobs):
    """Signs: a few steps of the O-AE, D-AE and adversarial optimizers each lower their own term."""
    inputs, _ = blobs
    model = DualAAE(n_clusters=4, n_iterations=5, **TINY_MLP).fit(inputs)
    for module in model.modules_().values():
        module.eval()  # fixed batch-norm statistics and no dropout: a deterministic objective
    x = inputs[:64]

    def reconstruction():
        return model.reconstruction_loss(x)

    def dual():
        torch.manual_seed(0)  # the same prior draws every time
        return model.dual_loss(64)

    def adversarial():
        logits, h, z = model.encoder_(x)
        return -model.critic_(model.critic_input(logits.softmax(1), h, z)).mean()

    for term, optimizer in ((reconstruction, model.optimizer_recon_), (dual, model.optimizer_dae_),
                            (adversarial, model.optimizer_adv_)):
        for group in optimizer.param_groups:
            group["lr"] = 1e-3
        before = term().item()
        for _ in range(10):
            optimizer.zero_grad()
            term().backward()
            optimizer.step()
        assert term().item() < before, term.__name__
