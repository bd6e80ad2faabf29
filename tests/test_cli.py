"""The advclust command: listings, runs, and exit code 2 with the valid choices on bad input."""

import json

import pytest

from advclust.cli import main


def test_list_names_methods_datasets_profiles(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "pfca" in out and "gaussians8" in out and "quick" in out and "paper" in out


@pytest.mark.parametrize("argv, expected", [
    (["run", "kmeans-ish", "gaussians8"], "valid methods: agglomerative, "),
    (["run", "pfca", "gaussians9"], "valid datasets:"),
    (["run", "pfca", "gaussians8", "--profile", "huge"], "valid profiles: long, paper, quick"),
    (["run", "pfca", "gaussians8", "--set", "learning_rate=0.1"], "valid parameters:"),
    (["run", "pfca", "gaussians8", "--set", "n_iterations=-5"], "n_iterations must be >= 1"),
    (["run", "pfca", "gaussians8", "--set", "eta0=0"], "eta0 must be > 0"),
    (["run", "pfca", "gaussians8", "--set", "noise_dim=two"], "noise_dim must be an int"),
    (["run", "pfca", "gaussians8", "--set", "noise_dim"], "key=value"),
    (["run", "pfca", "gaussians8", "--seeds", "0"], "--seeds must be >= 1"),
    (["book", "--only", "99_nothing"], "valid chapters: 01_synthetic_gaussians"),
    (["book", "--profile", "huge"], "valid profiles"),
    (["bench", "warp-speed"], "valid benchmarks"),
])
def test_bad_input_exits_2_with_the_valid_choices(argv, expected, capsys):
    assert main(argv) == 2
    assert expected in capsys.readouterr().err


def test_unknown_subcommand_exits_2():
    with pytest.raises(SystemExit) as caught:
        main(["train"])
    assert caught.value.code == 2


def test_run_writes_a_record(tmp_path, capsys):
    argv = ["run", "pfca", "gaussians8", "--profile", "quick", "--seeds", "2", "--out", str(tmp_path),
            "--set", "n_iterations=3", "--set", "hidden=[16,16,16]", "--set", "progress=false", "--set", "eval_every=0"]
    assert main(argv) == 0
    records = sorted(tmp_path.glob("*.json"))
    assert [p.name[:-14] for p in records] == ["pfca_gaussians8_quick_seed0", "pfca_gaussians8_quick_seed1"]
    record = json.loads(records[0].read_text())
    assert record["params"]["n_iterations"] == 3 and record["params"]["hidden"] == [16, 16, 16]
    assert set(record["metrics"]) == {"acc", "purity", "nmi", "ari"}
    assert "median" in capsys.readouterr().out


def test_run_uses_the_method_default_entry_and_records_it(tmp_path, capsys):
    assert main(["run", "kmeans", "digits", "--profile", "quick", "--out", str(tmp_path)]) == 0
    assert "parameters: quick:kmeans/default" in capsys.readouterr().out
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert record["profile_entry"] == "quick:kmeans/default" and record["params"]["n_init"] == 1
