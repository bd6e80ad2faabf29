"""The advclust command: listings, runs, and exit code 2 with the valid choices on bad input."""

import json

import pytest

from advclust.cli import main, parse_value


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
    (["bench", "--repeats", "0"], "repeats must be an integer >= 1"),
    (["run", "pfca", "gaussians8", "--set", "seed=5"], "--first-seed"),
    (["run", "pfca", "gaussians8", "--first-seed", str(2**64)], "--first-seed must lie in [0, 4294967295]"),
    (["run", "pfca", "gaussians8", "--first-seed", "-1"], "--first-seed must lie"),
    (["run", "pfca", "gaussians8", "--first-seed", str(2**32 - 1), "--seeds", "2"], "[0, 4294967294]"),
    (["run", "pfca", "gaussians8", "--out", "/proc/advclust-records"], "cannot write in --out /proc/"),
    (["run"], "run needs a METHOD and a DATASET"),
])
def test_bad_input_exits_2_with_the_valid_choices(argv, expected, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err  # one line, no traceback


@pytest.mark.parametrize("raw, value", [
    ("1e-4", 1e-4), ("1E-4", 1e-4), ("2.5e3", 2500.0), (".5", 0.5), ("-.5", -0.5), ("3", 3), ("-2", -2),
    ("0.001", 0.001), ("true", True), ("false", False), ("null", None), ("[1,2]", [1, 2]), ("[1e-3, 2E2]", [0.001, 200.0]),
    ("auto", "auto"), ("2081ffb1", "2081ffb1"),
])
def test_set_reads_numbers_in_any_notation(raw, value):
    parsed = parse_value(raw)
    assert parsed == value and type(parsed) is type(value)


def test_out_and_runs_root_are_probed_before_training(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("")
    tiny = ["--set", "n_iterations=1", "--set", "progress=false"]
    assert main(["run", "pfca", "gaussians8", "--out", str(tmp_path / "file"), *tiny]) == 2
    assert "--out" in capsys.readouterr().err
    monkeypatch.setenv("ADVCLUST_RUNS", str(tmp_path / "file"))
    assert main(["run", "pfca", "gaussians8", *tiny]) == 2
    err = capsys.readouterr().err
    assert "runs root" in err and err.count("\n") == 1


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
    assert set(record["metrics"]) == {"acc", "purity", "nmi", "ari", "generated_purity", "generated_acc"}  # PFCA: G's ids against the classes
    assert record["status"] == "done" and oct(records[0].stat().st_mode & 0o777) != "0o600"
    assert "median" in capsys.readouterr().out
    assert main(argv[:3] + ["--status"]) == 0
    table = capsys.readouterr().out
    assert "pfca_gaussians8_quick_seed1_" in table and table.count(" done ") == 2 and "3/3" in table


def test_lr_in_exponent_notation_and_a_checkpoint_dir_over_seeds(tmp_path):
    argv = ["run", "pfca", "gaussians8", "--seeds", "2", "--out", str(tmp_path / "out"), "--set", "lr=1e-4",
            "--set", f"checkpoint_dir={tmp_path / 'checkpoints'}", "--set", "n_iterations=2",
            "--set", "hidden=[8,8,8]", "--set", "progress=false"]
    assert main(argv) == 0
    records = [json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("*.json"))]
    assert [r["params"]["lr"] for r in records] == [1e-4, 1e-4]
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["seed0", "seed1"]


def test_a_diverged_seed_writes_its_record_and_the_next_seeds_run(tmp_path, capsys):
    argv = ["run", "pfca", "gaussians8", "--seeds", "2", "--out", str(tmp_path), "--set", "lr=1e30",
            "--set", "log_every=1", "--set", "n_iterations=5", "--set", "hidden=[8,8,8]", "--set", "progress=false"]
    assert main(argv) == 0
    records = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]
    assert [(r["seed"], r["status"], r["diverged"]["step"], r["diverged"]["loss"]) for r in records] == [
        (0, "diverged", 1, "critic_loss"), (1, "diverged", 1, "critic_loss")]
    assert '"status": "diverged"' in capsys.readouterr().out
    assert main(["run", "--status"]) == 0
    assert capsys.readouterr().out.count(" diverged ") == 2


def test_run_uses_the_method_default_entry_and_records_it(tmp_path, capsys):
    assert main(["run", "kmeans", "digits", "--profile", "quick", "--out", str(tmp_path)]) == 0
    assert "parameters: quick:kmeans/default" in capsys.readouterr().out
    record = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert record["profile_entry"] == "quick:kmeans/default" and record["params"]["n_init"] == 1
