"""advclust sweep: the grid, a real local Ray instance (2 CPUs) on a small grid, skipping on rerun, retries after a
killed worker, and records identical to `advclust run` with the same seed."""

import json
import os

import pytest

from advclust import sweep
from advclust.cli import main

GRID = dict(methods=["kmeans", "gmm"], datasets=["digits", "usps700"], profile="quick", seeds=2)


def test_grid_is_every_combination_and_set_values_keep_their_brackets():
    specs = sweep.expand(**GRID, sets=sweep.parse_sets(["n_init=1,2", "hidden=[8,16],[16,32]"]))
    assert len(specs) == 2 * 2 * 2 * 2 * 2
    combos = [dict(s.overrides) for s in specs if (s.method, s.dataset, s.seed) == ("kmeans", "digits", 0)]
    assert combos == [{"n_init": a, "hidden": b} for a in (1, 2) for b in ([8, 16], [16, 32])]


def test_a_run_that_cannot_start_fails_before_ray_and_names_why(tmp_path):
    bad = sweep.expand(["kmeans"], ["digits"], "quick", 1, {"no_such_parameter": [1]})
    todo, done = sweep.pending(bad, tmp_path)
    assert not todo and done[0].status == "failed" and "valid parameters" in done[0].error


@pytest.mark.parametrize("argv, expected", [
    (["--methods", "kmeans-ish", "--datasets", "digits", "--out", "x"], "valid methods:"),
    (["--methods", "kmeans", "--datasets", "digitz", "--out", "x"], "valid datasets:"),
    (["--methods", "kmeans", "--datasets", "digits"], "needs --out"),
])
def test_bad_sweep_input_exits_2_with_what_is_valid(argv, expected, capsys):
    assert main(["sweep", *argv]) == 2
    assert expected in capsys.readouterr().err


def test_without_ray_the_error_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name == "ray" else real_import(name, *a, **k))
    with pytest.raises(Exception, match=r"advclust\[sweep\]"):
        sweep.import_ray()


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance with 2 CPUs for the module (each start costs several seconds)."""
    pytest.importorskip("ray")
    ray, started = sweep.start_ray(cpus=2)
    yield ray
    if started:
        ray.shutdown()


def test_sweep_writes_every_record_then_skips_them_all(local_ray, tmp_path, capsys):
    argv = ["sweep", "--methods", *GRID["methods"], "--datasets", *GRID["datasets"], "--seeds", "2",
            "--out", str(tmp_path)]
    assert main(argv) == 0
    records = sorted(tmp_path.glob("*.json"))
    assert len(records) == 8
    assert all(json.loads(p.read_text())["host"] for p in records)
    assert "8 ran" in capsys.readouterr().out
    stamps = {p: p.stat().st_mtime_ns for p in records}
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "0 ran, 8 skipped" in out and "nothing to do" in out
    assert {p: p.stat().st_mtime_ns for p in sorted(tmp_path.glob("*.json"))} == stamps  # nothing rewritten


def test_sweep_record_is_the_record_of_advclust_run(local_ray, one_thread, tmp_path):  # sweep runs use 1 thread
    assert main(["run", "gmm", "usps700", "--seeds", "1", "--first-seed", "1", "--out", str(tmp_path / "run")]) == 0
    [spec] = sweep.expand(["gmm"], ["usps700"], "quick", [1])
    sweep.run([spec], tmp_path / "sweep", progress=False)
    [by_run], [by_sweep] = (list((tmp_path / d).glob("*.json")) for d in ("run", "sweep"))
    assert by_run.name == by_sweep.name == spec.record_name()
    timing = ("created", "wall_seconds")
    same = lambda r: {k: v for k, v in json.loads(r.read_text()).items() if k not in timing}  # noqa: E731
    assert same(by_run) == same(by_sweep)


def test_a_killed_worker_is_retried_and_one_that_always_dies_is_recorded_as_failed(local_ray, tmp_path):
    marker = tmp_path / "killed-once"

    def dies(spec, out):  # seed 0: killed on its first attempt only; seed 1: killed every time
        if spec.seed == 1 or not marker.exists():
            marker.touch()
            os._exit(1)
        return sweep.execute(spec, out)

    specs = sweep.expand(["kmeans"], ["digits"], "quick", 2)
    result = sweep.run(specs, tmp_path / "out", max_retries=1, task=dies, progress=False)
    assert {o.spec.seed: o.status for o in result.outcomes} == {0: "ran", 1: "failed"}
    assert (tmp_path / "out" / specs[0].record_name()).exists()
    failure = json.loads((tmp_path / "out" / (specs[1].record_name()[:-5] + sweep.FAILED_SUFFIX)).read_text())
    assert failure["seed"] == 1 and "metrics" not in failure
    # A rerun skips the finished run and tries the failed one again.
    todo, done = sweep.pending(specs, tmp_path / "out")
    assert [s.seed for s, _ in todo] == [1] and [o.status for o in done] == ["skipped"]


def test_the_paper_sweep_file_names_valid_methods_datasets_and_fields():
    specs = sweep.specs_from(sweep.read_file(sweep.REPO_ROOT / "params" / "sweeps" / "paper.yaml"))
    assert {s.profile for s in specs} == {"paper"} and ("dcan", "mnist") in {(s.method, s.dataset) for s in specs}
