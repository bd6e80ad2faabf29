"""Run records, multi-seed summaries and atomic writes."""

import json

import numpy as np
import pytest

from advclust import runner
from advclust.errors import UserInputError

TINY = dict(n_iterations=3, hidden=[8, 8, 8], noise_dim=0, progress=False)


@pytest.fixture(scope="module")
def records():
    return runner.run_many("pfca", "gaussians8", TINY, seeds=[0, 1, 2], dataset_options={"n_eval": 200})


def test_record_has_its_provenance_and_is_json(records):
    record = records[0]
    for key in ("method", "dataset", "profile", "seed", "params", "metrics", "wall_seconds", "device", "versions",
                "commit", "created"):
        assert key in record
    assert record["params"]["n_clusters"] == 8  # taken from the dataset
    assert record["params"]["seed"] == 0
    assert json.loads(json.dumps(record)) == record


def test_same_seed_same_numbers_on_cpu():
    first = runner.run("pfca", "gaussians8", {**TINY, "device": "cpu"}, seed=5, dataset_options={"n_eval": 200})
    second = runner.run("pfca", "gaussians8", {**TINY, "device": "cpu"}, seed=5, dataset_options={"n_eval": 200})
    assert first["metrics"] == second["metrics"]


def test_summary_has_min_max_median_mean_std(records):
    summary = runner.summarize(records)
    row = summary.loc[("pfca", "gaussians8", "custom")]
    accs = [r["metrics"]["acc"] for r in records]
    assert row[("runs", "")] == 3
    assert row[("acc", "median")] == pytest.approx(np.median(accs))
    assert row[("acc", "min")] == pytest.approx(min(accs))
    assert row[("acc", "std")] == pytest.approx(np.std(accs, ddof=1))


def test_records_round_trip_through_disk(records, tmp_path):
    for record in records:
        runner.write_record(record, tmp_path)
    assert not list(tmp_path.glob("*.tmp"))
    loaded = runner.load_records(tmp_path, method="pfca")
    assert loaded == records
    assert runner.load_records(tmp_path, profile="paper") == []


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(UserInputError, match="valid parameters: n_clusters, noise_dim"):
        runner.make_estimator("pfca", {"noise": 2})


@pytest.mark.needs_data("mnist")
def test_records_keep_the_data_options_of_training_and_evaluation():
    params = dict(n_iterations=2, batch_size=4, gmm_points=20, init_points=40, init_restarts=1, progress=False)
    record = runner.run("dcan", "mnist", params, dataset_options={"split": "test", "size": 14, "rows": 60},
                        eval_options={"split": "test", "size": 14, "rows": 30})
    assert record["dataset_options"] == {"split": "test", "size": 14, "rows": 60}
    assert record["eval_options"] == {"split": "test", "size": 14, "rows": 30}


def test_profile_run_entries_split_data_options_from_hyperparameters():
    from advclust import profiles

    assert "dataset_options" not in profiles.run_params("paper", "dcan", "mnist")
    assert profiles.run_data_options("paper", "dcan", "mnist") == {
        "dataset_options": {"split": "train", "size": 14, "rows": 50000},
        "eval_options": {"split": "test", "size": 14}}


@pytest.mark.parametrize("profile", ["quick", "paper"])
@pytest.mark.parametrize("method, dataset", [("pfca", "mnist"), ("pfca", "fashion-mnist"), ("dual-aae", "mnist")])
def test_image_runs_train_on_the_training_split_and_score_the_test_split(profile, method, dataset):
    from advclust import profiles

    assert profiles.run_data_options(profile, method, dataset) == {
        "dataset_options": {"split": "train"}, "eval_options": {"split": "test"}}
    assert not set(profiles.DATA_KEYS) & set(profiles.run_params(profile, method, dataset))


def test_record_names_its_profile_entry_and_host(records):
    assert records[0]["profile_entry"] is None and records[0]["host"]
    record = runner.run("kmeans", "digits", {"n_init": 1}, profile="quick", profile_entry="quick:kmeans/default")
    assert record["profile_entry"] == "quick:kmeans/default"


def _fake_record(**changes):
    record = {"method": "dcan", "dataset": "mnist", "eval_dataset": "mnist", "profile": "paper", "seed": 0,
              "params": {"lr": 0.001, "seed": 0}, "dataset_options": {"split": "train"},
              "eval_options": {"split": "train"}}
    return {**record, **changes}


def test_record_filenames_differ_for_every_slice_of_training_and_evaluation_data():
    names = {runner.record_filename(_fake_record(**changes)) for changes in (
        {}, {"dataset_options": {"split": "train", "rows": 100}, "eval_options": {"split": "train", "rows": 100}},
        {"dataset_options": {"split": "train", "sample": 100, "sample_seed": 0}},
        {"dataset_options": {"split": "train", "sample": 100, "sample_seed": 1}},
        {"eval_options": {"split": "test"}}, {"eval_options": {"split": "test", "rows": 2000}},
        {"eval_dataset": "fashion-mnist"})}
    assert len(names) == 7
    assert runner.record_filename(_fake_record(progress=True)) == runner.record_filename(_fake_record())


def test_precision_names_a_run_only_when_it_is_not_the_default():
    """float32 records keep the names they had before ``precision`` existed; a bf16 run never takes one."""
    plain = _fake_record()
    as_default = _fake_record(params={**plain["params"], "precision": "float32"})
    in_bf16 = _fake_record(params={**plain["params"], "precision": "bfloat16"})
    assert runner.record_filename(as_default) == runner.record_filename(plain)
    assert runner.record_filename(in_bf16) != runner.record_filename(plain)


def test_committed_records_are_named_as_write_record_names_them():
    """A rerun overwrites its committed record instead of adding a second copy beside it."""
    from advclust.system import REPO_ROOT

    for record_path in sorted((REPO_ROOT / "results").rglob("*.json")):
        record = json.loads(record_path.read_text())
        if isinstance(record, dict) and "metrics" in record:
            assert record_path.name == runner.record_filename(record), record_path


def test_a_run_scored_on_its_training_inputs_keeps_the_methods_diagnostic_scores():
    """Scored from ``fit``'s own labels (training and evaluation data the same), a record still carries what the
    method scores beside its clusters, as one scored on other data does: SIMI-ClusterGAN's ``prior_acc``."""
    params = dict(architecture="mlp", hidden=(16, 16), noise_dim=4, n_iterations=2, batch_size=32, kmeans_n_init=1,
                  progress=False, prior_hidden=(16, 16), prior_iterations=2, prior_batch_size=64,
                  prior_radius_neighbour=3)
    (same,) = runner.run_many("simi-clustergan", "digits", params, seeds=[0])
    assert same["eval_dataset"] == same["dataset"] and set(same["metrics"]) == {"acc", "purity", "nmi", "ari",
                                                                                "prior_acc"}
    assert 0 < same["metrics"]["prior_acc"] <= 1
