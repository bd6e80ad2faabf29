"""DCAN's diagnostics and its variants not in the paper (issue 13): tiny runs on well-separated blobs."""

import pandas as pd
import pytest
import torch
from sklearn.datasets import make_blobs

from advclust import reference, runner
from advclust.errors import UserInputError
from advclust.methods import DCAN
from advclust.methods import dcan_diagnostics
from advclust.methods.dcan_diagnostics import DIAGNOSTICS, discriminator_probe, encoder_drift, training_diagnostics

SMALL = dict(n_clusters=5, encoder_hidden=(32,), latent_dim=16, discriminator_hidden=(16,), init_points=1000,
             init_restarts=2, gmm_points=100, progress=False, device="cpu", log_every=20)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def blobs():
    inputs, labels = make_blobs(1000, n_features=10, centers=5, cluster_std=0.1, center_box=(-1, 1), random_state=0)
    return torch.tensor(inputs, dtype=torch.float32), torch.tensor(labels)


@pytest.fixture(scope="module")
def fitted(blobs):
    return DCAN(**SMALL, n_iterations=40, seed=0).fit(blobs[0])


def test_history_records_the_diagnostics(fitted):
    diagnostics = training_diagnostics(fitted)
    assert list(diagnostics.columns) == list(DIAGNOSTICS) and len(diagnostics) == 2
    assert diagnostics["latent_saturation"].between(0, 1).all()
    assert diagnostics["clusters_used"].between(1, 5).all()
    assert (diagnostics["cluster_kl_uniform"] >= -1e-6).all() and (diagnostics["encoder_drift"] > 0).all()


def test_encoder_drift_is_relative_to_the_initial_weights(fitted):
    drift = encoder_drift(fitted)
    assert list(drift["shape"]) == ["32x10", "16x32"]
    assert (drift["relative_change"] > 0).all() and (drift["relative_change"] < 1).all()
    fresh = DCAN(**SMALL, n_iterations=1, lr=1e-12, seed=0).fit(torch.randn(200, 10))
    assert encoder_drift(fresh)["relative_change"].max() < 1e-8


def test_discriminator_probe_reports_held_out_accuracy_by_step(fitted, blobs):
    inputs = blobs[0]
    probe = discriminator_probe(fitted, inputs[:500], inputs[500:], optimizer="adam", steps=40, eval_at=[0, 20, 40])
    assert isinstance(probe, pd.DataFrame) and list(probe["step"]) == [0, 20, 40]
    assert probe["accuracy"].between(0, 1).all() and (probe["optimizer"] == "adam").all()
    again = discriminator_probe(fitted, inputs[:500], inputs[500:], optimizer="adam", steps=40, eval_at=[0, 20, 40])
    pd.testing.assert_frame_equal(probe, again)  # seeded
    with pytest.raises(UserInputError):
        discriminator_probe(fitted, inputs[:500], inputs[500:], optimizer="rmsprop")


@pytest.mark.parametrize("options", [
    dict(optimizer="adam"), dict(discriminator_optimizer="adam", discriminator_lr=1e-4), dict(discriminator_steps=3),
    dict(positives="mean"), dict(latent_activation="linear"), dict(marginal_entropy_weight=1.0),
    dict(pretrain_epochs=2, pretrain_batch_size=100, reconstruction_weight=1.0),
])
def test_each_variant_trains(blobs, options):
    model = DCAN(**SMALL, n_iterations=20, seed=0, **options).fit(blobs[0])
    assert model.labels_.shape == (1000,)
    assert torch.isfinite(torch.tensor(model.history_["encoder_loss"].to_numpy())).all()
    if options.get("pretrain_epochs"):
        losses = model.pretrain_losses_
        assert len(losses) == 2 and losses[1] < losses[0] and "decoder" in model.modules_()


def test_the_defaults_are_the_printed_protocol(blobs):
    plain = DCAN(**SMALL, n_iterations=20, seed=0).fit(blobs[0])
    stated = DCAN(**SMALL, n_iterations=20, seed=0, optimizer="sgd", discriminator_steps=1, positives="sample",
                  pretrain_epochs=0, reconstruction_weight=0.0, marginal_entropy_weight=0.0).fit(blobs[0])
    assert plain.decoder_ is None
    assert (plain.labels_ == stated.labels_).all()
    assert isinstance(plain.optimizer_e_, torch.optim.SGD) and isinstance(plain.optimizer_d_, torch.optim.SGD)


@pytest.mark.parametrize("bad", [dict(optimizer="rmsprop"), dict(positives="mode"), dict(discriminator_steps=0),
                                 dict(reconstruction_weight=-1.0), dict(latent_activation="swish")])
def test_bad_variant_parameters_raise(blobs, bad):
    with pytest.raises(UserInputError):
        DCAN(**SMALL, n_iterations=2, **bad).fit(blobs[0])


def test_records_of_the_variants_get_their_names():
    base = {"assign_with_precision": True, "optimizer": "sgd", "n_iterations": 500, "latent_dim": 256}
    for name, flags in reference.VARIANTS["dcan"].items():
        if name != "DCAN, Eq. 22 as printed":
            assert runner.variant_of({"method": "dcan", "params": {**base, **flags}}) == name


def test_variant_diagnostics_summarise_the_curves_and_describe_each_variant(blobs):
    from advclust.data import Dataset

    dataset = Dataset("blobs", blobs[0], blobs[1], 5, "sklearn make_blobs")
    experiments = [runner.Experiment("dcan", dataset, {**SMALL, "n_iterations": 20, "eval_every": 10, **flags},
                                     seeds=[0, 1], variant=name)
                   for name, flags in [("DCAN", {}), ("Adam", {"optimizer": "adam"})]]
    for experiment in experiments:
        experiment.extra_metrics = {"latent_kmeans_acc": dcan_diagnostics.latent_kmeans_acc}
    results = runner.fit_experiments(experiments, verbose=False)
    assert all(0 <= r["metrics"]["latent_kmeans_acc"] <= 1 for r in results.records)
    summary = dcan_diagnostics.variant_diagnostics(results)
    assert "latent_kmeans_acc" in summary
    assert list(summary.index) == ["DCAN", "Adam"] and (summary["seeds"] == 2).all()
    assert summary[["acc", "d_real", "d_fake", "encoder_drift", "clusters_used"]].notna().all().all()
    sentences = dcan_diagnostics.describe_variants(summary)
    assert len(sentences) == 2 and sentences[0].startswith("**DCAN** (median test ACC")
    assert "k-means on its latent codes" in sentences[0]


def test_records_without_diagnostics_are_described_as_such():
    summary = pd.DataFrame({"seeds": [2], "acc": [0.5], **{c: [float("nan")] for c in dcan_diagnostics.SUMMARY[1:]}},
                           index=["DCAN"])
    assert "no diagnostics" in dcan_diagnostics.describe_variants(summary)[0]
