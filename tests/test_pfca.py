"""PFCA (PFCA Algorithm 1) on the synthetic set: clustering, checkpoints, NaN, validation, prior."""

import numpy as np
import pytest
import torch

from advclust import data
from advclust.errors import TrainingDiverged, UserInputError
from advclust.methods import PFCA
from advclust.training import CHECKPOINT_NAME

# Small but real: narrow networks and few iterations, sized to run in seconds on 2 CPU cores.
SMALL = dict(n_clusters=8, hidden=(128, 128, 128), lr=1e-3, gp_weight=1.0, batch_size=100, progress=False)


@pytest.fixture(scope="module")
def gaussians():
    return data.load("gaussians8", n_eval=2000)


def test_short_run_without_noise_clusters_the_blobs(gaussians):
    model = PFCA(noise_dim=0, n_iterations=800, eta_tau=400, seed=0, **SMALL)
    model.fit(gaussians.training_source, eval_set=(gaussians.inputs, gaussians.labels))
    assert model.evaluate(gaussians.inputs, gaussians.labels)["acc"] >= 0.95
    history = model.history_
    assert {"critic_loss", "wasserstein", "classifier_loss", "fake_accuracy", "eta", "acc",
            "generated_purity"} <= set(history.columns)
    assert history.index[-1] == 800
    assert history["generated_purity"].iloc[-1] >= 0.9  # G draws each blob from its own id, so C can cluster them


def test_generated_purity_says_whether_gs_ids_are_the_classes(gaussians):
    model = PFCA(noise_dim=1, n_iterations=5, **SMALL).fit(gaussians.training_source)
    labels = np.asarray(gaussians.labels)
    centres = torch.stack([torch.as_tensor(gaussians.inputs[labels == k]).float().mean(0) for k in range(8)])

    class ByIdentity(torch.nn.Module):  # id k draws blob k
        def forward(self, onehot, noise):
            return onehot @ centres + 0.01 * noise

    class Ignoring(torch.nn.Module):  # the id does not matter: a blob chosen by the noise
        def forward(self, onehot, noise):
            return centres[(noise[:, 0].abs() * 1000).long() % 8]

    class Collapsed(torch.nn.Module):  # every id draws blob 0
        def forward(self, onehot, noise):
            return centres[0] + 0.01 * noise[:, :1]

    model.set_modules({"generator": ByIdentity()})
    scores = model.evaluate(gaussians.inputs, labels)
    assert scores["generated_purity"] == scores["generated_acc"] == 1.0
    model.set_modules({"generator": Ignoring()})
    scores = model.evaluate(gaussians.inputs, labels)
    assert scores["generated_purity"] < 0.3 and scores["generated_acc"] < 0.3
    model.set_modules({"generator": Collapsed()})  # one class for every id: pure, but the ids are not the classes
    scores = model.evaluate(gaussians.inputs, labels)
    assert scores["generated_purity"] == 1.0 and scores["generated_acc"] == pytest.approx(1 / 8)


def test_predict_proba_is_a_distribution(gaussians):
    model = PFCA(noise_dim=1, n_iterations=5, **SMALL).fit(gaussians.training_source)
    proba = model.predict_proba(gaussians.inputs[:50])
    assert proba.shape == (50, 8)
    assert np.allclose(proba.sum(1), 1, atol=1e-5)
    assert (model.predict(gaussians.inputs[:50]) == proba.argmax(1)).all()


def _weights(model):
    return {f"{name}.{k}": v.clone() for name, m in model.modules_().items() for k, v in m.state_dict().items()}


def test_checkpoint_and_resume_match_an_uninterrupted_run(gaussians, tmp_path):
    options = dict(noise_dim=2, n_iterations=40, seed=3, log_every=5, **SMALL)
    straight = PFCA(**options).fit(gaussians.training_source)

    interrupted = PFCA(**options, checkpoint_dir=str(tmp_path), checkpoint_every=20)
    original_step = PFCA.train_step

    def crash_after_25(self, batches, step):
        if step == 25:
            raise KeyboardInterrupt
        return original_step(self, batches, step)

    PFCA.train_step = crash_after_25
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupted.fit(gaussians.training_source)
    finally:
        PFCA.train_step = original_step
    assert torch.load(tmp_path / CHECKPOINT_NAME, weights_only=False)["step"] == 20

    resumed = PFCA(**options, checkpoint_dir=str(tmp_path), checkpoint_every=20).fit(gaussians.training_source)
    expected, actual = _weights(straight), _weights(resumed)
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
    assert list(resumed.history_.index) == list(straight.history_.index)


def test_resume_refuses_a_checkpoint_of_other_parameters(gaussians, tmp_path):
    PFCA(noise_dim=0, n_iterations=4, checkpoint_dir=str(tmp_path), **SMALL).fit(gaussians.training_source)
    with pytest.raises(UserInputError, match="noise_dim"):
        PFCA(noise_dim=1, n_iterations=8, checkpoint_dir=str(tmp_path), **SMALL).fit(gaussians.training_source)


def test_nan_stops_with_step_and_loss_and_keeps_the_last_good_checkpoint(tmp_path):
    calls = {"n": 0}

    def poisoned(n, device):
        calls["n"] += 1
        points = data.load("gaussians8").sampler(n, device)
        # One call infers the data shape, then each iteration's 5 critic steps draw a batch
        # each: poisoning every call after 1 + 12 * 5 poisons iteration 13 (1-based).
        return points * float("nan") if calls["n"] > 1 + 12 * 5 else points

    model = PFCA(noise_dim=0, n_iterations=30, checkpoint_dir=str(tmp_path), checkpoint_every=10, log_every=5, **SMALL)
    with pytest.raises(TrainingDiverged) as caught:
        model.fit(poisoned)
    message = str(caught.value)
    assert "step 13" in message and "'critic_loss'" in message and str(tmp_path) in message
    kept = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=False)
    assert kept["step"] == 10
    assert all(torch.isfinite(v).all() for m in kept["modules"].values() for v in m.values())


@pytest.mark.parametrize("bad", [
    {"n_iterations": -5}, {"n_iterations": 2.5}, {"eta0": 0.0}, {"eta0": -1.0}, {"lr": 0},
    {"n_critic": 0}, {"batch_size": 0}, {"architecture": "transformer"}, {"cluster_prior": [0.5, 0.5]},
    {"device": "tpu"}, {"snapshot_steps": [0]},
])
def test_bad_parameters_fail_before_training(bad):
    def never_called(n, device):
        raise AssertionError("training started")

    with pytest.raises(UserInputError):
        PFCA(**{**SMALL, "n_iterations": 10, **bad}).fit(never_called)


def test_cluster_prior_changes_generated_label_frequencies(gaussians):
    prior = [0.65] + [0.05] * 7
    model = PFCA(noise_dim=0, n_iterations=1, cluster_prior=prior, **SMALL).fit(gaussians.training_source)
    ids, _, _ = model.sample_codes(20000)
    frequencies = torch.bincount(ids, minlength=8).float() / 20000
    assert frequencies[0] == pytest.approx(0.65, abs=0.02)
    assert frequencies[1:].max() < 0.08
    uniform = PFCA(noise_dim=0, n_iterations=1, **SMALL).fit(gaussians.training_source)
    ids, _, _ = uniform.sample_codes(20000)
    assert (torch.bincount(ids, minlength=8).float() / 20000 - 0.125).abs().max() < 0.02


def test_eta_follows_the_staircase():
    model = PFCA(eta0=10.0, eta_gamma=1.2, eta_tau=30000)
    assert model.eta_at(0) == 10.0
    assert model.eta_at(29999) == 10.0
    assert model.eta_at(30000) == pytest.approx(12.0)
    assert model.eta_at(95000) == pytest.approx(10 * 1.2**3)


def test_snapshots_restore_earlier_networks(gaussians):
    model = PFCA(noise_dim=0, n_iterations=6, snapshot_steps=(2, 6), **SMALL).fit(gaussians.training_source)
    early = model.at_snapshot(2)
    assert not np.array_equal(early.critic_values(gaussians.inputs[:10]), model.critic_values(gaussians.inputs[:10]))
    assert np.array_equal(model.at_snapshot(6).critic_values(gaussians.inputs[:10]),
                          model.critic_values(gaussians.inputs[:10]))
    with pytest.raises(UserInputError, match="snapshot"):
        model.at_snapshot(3)
