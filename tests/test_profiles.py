"""Profiles: run entries (a dataset's own, else the method's default), entry names, notebook timeouts."""

import pytest
import yaml

from advclust import data, methods, profiles, runner


@pytest.fixture
def params_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVCLUST_PARAMS", str(tmp_path))
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump({
        "book": {"execution_timeout": 60, "timeouts": {"02a_mnist_pfca": 600, "03_orl": None}},
        "runs": {"pfca": {"default": {"n_iterations": 5, "dataset_options": {"rows": 10}},
                          "mnist": {"n_iterations": 7}},
                 "dcan": {"mnist": {"lr": 0.01}}},
    }))
    return tmp_path


def test_a_dataset_entry_wins_over_the_method_default(params_dir):
    assert profiles.run_params("tiny", "pfca", "mnist") == {"n_iterations": 7}
    assert profiles.run_entry_name("tiny", "pfca", "mnist") == "tiny:pfca/mnist"
    assert profiles.run_params("tiny", "pfca", "digits") == {"n_iterations": 5}
    assert profiles.run_data_options("tiny", "pfca", "digits") == {"dataset_options": {"rows": 10}}
    assert profiles.run_entry_name("tiny", "pfca", "digits") == "tiny:pfca/default"


def test_no_entry_means_the_method_defaults(params_dir):
    assert profiles.run_params("tiny", "dcan", "digits") == {} and profiles.run_data_options("tiny", "dcan", "digits") == {}
    assert profiles.run_entry_name("tiny", "dcan", "digits") is None
    assert profiles.run_entry_name("tiny", "imsat", "mnist") is None


def test_a_notebooks_own_timeout_overrides_the_profiles(params_dir):
    assert profiles.notebook_timeout("tiny", "02a_mnist_pfca") == 600
    assert profiles.notebook_timeout("tiny", "02_mnist") == 60
    assert profiles.notebook_timeout("tiny", "03_orl") is None  # its own: no limit


def test_quick_has_a_default_entry_for_every_method():
    """`advclust run METHOD DATASET --profile quick` is quick on any dataset, not the paper's budget."""
    for method in methods.METHODS:
        assert profiles.run_entry_name("quick", method, "digits") == f"quick:{method}/default"


def test_no_dataset_is_called_default():
    assert profiles.DEFAULT_ENTRY not in data.names()


def test_every_run_entry_of_every_profile_names_real_methods_datasets_and_parameters():
    for profile in profiles.names():
        for method, entries in (profiles.load(profile).get("runs") or {}).items():
            assert method in methods.METHODS, f"{profile}.yaml: unknown method {method}"
            for dataset in entries:
                assert dataset == profiles.DEFAULT_ENTRY or dataset in data.names(), f"{profile}.yaml: {dataset}"
                runner.make_estimator(method, profiles.run_params(profile, method, dataset))
                for key, options in profiles.run_data_options(profile, method, dataset).items():
                    if dataset != profiles.DEFAULT_ENTRY:
                        valid = {*data.spec(dataset).options, *data.SLICE_OPTIONS}
                        assert set(options) <= valid, f"{profile}.yaml {method}/{dataset} {key}: {options}"


def test_simi_clustergans_prior_learns_with_affine_distortions_on_fashion_mnist_in_every_profile():
    """SIMI-ClusterGAN §IV-C adds affine distortions to P_phi's training on Fashion-MNIST (not on MNIST), as chapter
    2e's ``prior_augment`` does; `advclust run simi-clustergan fashion-mnist` must do the same in every profile."""
    import ast
    from pathlib import Path

    for profile in profiles.names():
        assert profiles.run_params(profile, "simi-clustergan", "fashion-mnist").get("prior_augment") is True, profile
        assert not profiles.run_params(profile, "simi-clustergan", "mnist").get("prior_augment"), profile
    chapter = Path(__file__).parents[1] / "notebooks" / "02e_mnist_simi.py"
    default = next(node.value for node in ast.parse(chapter.read_text()).body if isinstance(node, ast.Assign)
                   and getattr(node.targets[0], "id", "") == "prior_augment")
    assert ast.literal_eval(default) == {"mnist": False, "fashion-mnist": True}
