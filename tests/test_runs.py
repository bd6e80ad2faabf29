"""Runs that outlive an interruption: per-run folders, resumption to the same record, status, divergence."""

import json
import os
import subprocess
import sys
import time

import pytest
import torch

from advclust import data, runner, runs
from advclust.errors import UserInputError
from advclust.methods import IMSAT

TINY = dict(n_iterations=12, hidden=[8, 8, 8], noise_dim=0, n_critic=1, batch_size=32, log_every=2, eval_every=4,
            progress=False)
OPTIONS = dict(dataset_options={"n_eval": 200})
pytestmark = pytest.mark.usefixtures("one_thread")


def test_an_interrupted_run_resumes_to_the_record_of_an_uninterrupted_one(tmp_path):
    straight = runner.run_many("pfca", "gaussians8", TINY, seeds=[0], **OPTIONS)[0]

    def stop_at_6(model, step):
        if step == 4:
            time.sleep(2)  # the first session's time, which the resumed record's wall_seconds must count
        if step == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        runner.run_many("pfca", "gaussians8", TINY, seeds=[0], runs_root=tmp_path, callbacks=[stop_at_6], **OPTIONS)
    (stopped,) = runs.statuses(tmp_path)
    assert stopped["state"] == "died" and stopped["step"] == 4 and stopped["total"] == 12
    resumed = runner.run_many("pfca", "gaussians8", TINY, seeds=[0], runs_root=tmp_path, **OPTIONS)[0]
    assert resumed["resumed_from_step"] == 6  # checkpoints every ceil(12 / 20) = 1 step, before the callbacks
    untimed = lambda record: [{k: v for k, v in row.items() if k != "seconds"} for row in record["curve"]]
    assert resumed["metrics"] == straight["metrics"] and untimed(resumed) == untimed(straight)
    assert resumed["params"] == straight["params"]  # where the checkpoints went is not part of the run
    assert resumed["wall_seconds"] >= resumed["curve"][-1]["seconds"] > 2  # both sessions' time
    (done,) = runs.statuses(tmp_path)
    assert done["state"] == "done" and done["run_id"] + ".json" == runner.record_filename(resumed)
    assert json.loads(open(done["record"]).read())["metrics"] == straight["metrics"]


def test_a_resumed_simi_clustergan_run_counts_the_phase_1_of_its_earlier_session(tmp_path, monkeypatch):
    """Phase 1 (P_phi) finished in the first session: the second loads it at its last step, and the record's
    wall time still counts its seconds."""
    params = dict(architecture="mlp", hidden=(16, 16), noise_dim=4, n_iterations=6, batch_size=32, log_every=2,
                  eval_every=2, kmeans_n_init=1, progress=False, prior_hidden=(16, 16), prior_iterations=4,
                  prior_batch_size=64, prior_radius_neighbour=3)
    train_step = IMSAT.train_step

    def slow_step(self, *args, **kwargs):  # a phase 1 long enough to tell apart from the second session's time
        time.sleep(0.5)
        return train_step(self, *args, **kwargs)

    def stop_at_2(model, step):
        if step == 2 and model.phase_ is None:  # phase 2's step 2, after phase 1's steps
            raise KeyboardInterrupt

    monkeypatch.setattr(IMSAT, "train_step", slow_step)
    with pytest.raises(KeyboardInterrupt):
        runner.run_many("simi-clustergan", "digits", params, seeds=[0], runs_root=tmp_path, callbacks=[stop_at_2],
                        batch_seeds=False)
    def no_step(self, *args, **kwargs):
        raise AssertionError("phase 1 trained again")

    monkeypatch.setattr(IMSAT, "train_step", no_step)
    resumed = runner.run_many("simi-clustergan", "digits", params, seeds=[0], runs_root=tmp_path, batch_seeds=False)[0]
    assert resumed["resumed_from_step"] == 2
    assert resumed["wall_seconds"] > 2.0 + resumed["curve"][0]["seconds"]  # phase 1's 4 slow steps, then phase 2


@pytest.mark.parametrize("batch_seeds", [True, False])
def test_the_status_of_a_simi_clustergan_run_tells_its_phase_1_progress(tmp_path, batch_seeds):
    """During phase 1 the status counts the IMSAT prior's steps; from phase 2 on, the run's own."""
    params = dict(architecture="mlp", hidden=(16, 16), noise_dim=4, n_iterations=4, batch_size=32, log_every=2,
                  kmeans_n_init=1, progress=False, prior_hidden=(16, 16), prior_iterations=6, prior_batch_size=64,
                  prior_radius_neighbour=3)
    heard, shown = [], []

    def watch(model, step):  # called before the run's own status update for this step
        heard.append((model.seed, model.phase_, step))
        shown.append(runs.status_table([s for s in runs.statuses(tmp_path) if s["seed"] == model.seed]))

    runner.run_many("simi-clustergan", "digits", params, seeds=[0, 1], runs_root=tmp_path, callbacks=[watch],
                    batch_seeds=batch_seeds)
    prior = ("IMSAT prior", 6)
    assert [h for h in heard if h[0] == 1] == [(1, prior, 2), (1, prior, 4), (1, prior, 6), (1, None, 2), (1, None, 4)]
    assert [any(f" {progress} " in table for table in shown) for progress in ("IMSAT prior 4/6", "2/4")] == [True] * 2
    assert {s["state"] for s in runs.statuses(tmp_path)} == {"done"}


@pytest.mark.parametrize("batch_seeds", [True, False])
def test_a_chapters_experiments_resume_from_the_runs_root(runs_root, batch_seeds, monkeypatch, capsys):
    """``fit_experiments(resume=True)``, as a chapter at the long profile runs: executed again after an
    interruption, it goes on from the checkpoints, to the records of one uninterrupted execution."""
    blobs = data.load("gaussians8", n_eval=200)
    fit = lambda resume: runner.fit_experiments(  # noqa: E731
        runner.Experiment("pfca", blobs, TINY, seeds=(0, 1)), verbose=False, batch_seeds=batch_seeds,
        resume=resume).records
    straight = fit(resume=False)
    assert runs.statuses(runs_root) == []  # without resume nothing is kept

    write_status = runs.write_status

    def killed_at_6(folder, **changes):  # the process dies as the first seed reports step 6
        if changes.get("step") == 6:
            raise KeyboardInterrupt
        return write_status(folder, **changes)

    monkeypatch.setattr(runs, "write_status", killed_at_6)
    with pytest.raises(KeyboardInterrupt):
        fit(resume=True)
    monkeypatch.setattr(runs, "write_status", write_status)
    assert {s["state"] for s in runs.statuses(runs_root)} == {"died"}
    resumed = fit(resume=True)
    # batched, seed 0 died reporting step 6 before seed 1 checkpointed it; one by one, seed 1 had not started
    assert [r.get("resumed_from_step", 0) for r in resumed] == [6, 5 if batch_seeds else 0]
    untimed = lambda record: [{k: v for k, v in row.items() if k != "seconds"} for row in record["curve"]]  # noqa: E731
    for again, once in zip(resumed, straight):
        assert again["metrics"] == pytest.approx(once["metrics"])
        assert untimed(again) == [pytest.approx(row, rel=1e-4, abs=1e-6) for row in untimed(once)]
    assert [(s["state"], s["step"]) for s in runs.statuses(runs_root)] == [("done", 12)] * 2
    capsys.readouterr()
    runner.fit_experiments(runner.Experiment("pfca", blobs, TINY, seeds=(0,)), resume=True)  # done: scored again
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("PFCA on gaussians8, seed 0: ACC") and line.endswith(" s (resumed from step 12)")


def test_each_seed_checkpoints_in_its_own_folder(tmp_path):
    params = {**TINY, "n_iterations": 2, "eval_every": 0, "checkpoint_dir": str(tmp_path)}
    records = runner.run_many("pfca", "gaussians8", params, seeds=[0, 1], **OPTIONS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed0", "seed1"]
    assert {r["params"]["checkpoint_dir"] for r in records} == {str(tmp_path)}


def test_a_checkpoint_of_another_dataset_is_refused(tmp_path):
    """MNIST and Fashion-MNIST share their shape; the checkpoint names its dataset and options."""
    inputs = torch.randn(60, 2, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(60) % 3
    params = {**TINY, "n_iterations": 2, "eval_every": 0, "checkpoint_dir": str(tmp_path)}
    runner.run("pfca", data.Dataset("mnist", inputs, labels, 3, "test"), params)
    with pytest.raises(UserInputError, match="dataset is 'mnist' there, 'fashion-mnist' here"):
        runner.run("pfca", data.Dataset("fashion-mnist", inputs, labels, 3, "test"), params)


def test_status_tells_pending_running_died_abandoned_and_done_apart(tmp_path):
    fields = dict(method="pfca", dataset="gaussians8", profile="quick", total=10)
    for run_id, seed in (("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4)):
        runs.claim(tmp_path, run_id, seed=seed, **fields)
    runs.write_status(tmp_path / "b", state="running", step=4)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    runs.write_status(tmp_path / "c", state="running", step=6)
    for run_id in ("c", "e"):  # their process is gone: c while running, e before it reached that seed
        status = json.loads((tmp_path / run_id / runs.STATUS_NAME).read_text())
        (tmp_path / run_id / runs.STATUS_NAME).write_text(json.dumps({**status, "pid": int(gone.stdout)}))
    runs.write_status(tmp_path / "d", state="done", step=10, record="r.json")
    states = {s["run_id"]: s["state"] for s in runs.statuses(tmp_path)}
    assert states == {"a": "pending", "b": "running", "c": "died", "d": "done", "e": "abandoned"}
    table = runs.status_table(runs.statuses(tmp_path, method="pfca"))
    assert table.split("\n")[0].split() == ["run", "id", "method", "dataset", "profile", "seed", "state", "step",
                                            "updated"]
    assert "4/10" in table and "6/10" in table and runs.statuses(tmp_path, dataset="mnist") == []


def test_a_run_held_by_another_live_process_is_refused(tmp_path):
    runs.claim(tmp_path, "held", method="pfca", seed=0)
    status = json.loads((tmp_path / "held" / runs.STATUS_NAME).read_text())
    parent = os.getppid()
    held = {**status, "state": "running", "pid": parent, "pid_start": runs._process_start(parent)}
    (tmp_path / "held" / runs.STATUS_NAME).write_text(json.dumps(held))
    with pytest.raises(UserInputError, match=f"already running in process {parent}"):
        runs.claim(tmp_path, "held", method="pfca", seed=0)
    (tmp_path / "held" / runs.STATUS_NAME).write_text(json.dumps({**held, "pid_start": "1"}))  # the pid was reused
    assert runs.claim(tmp_path, "held", method="pfca", seed=0) == tmp_path / "held"


def test_runs_root_defaults_to_the_cache_and_follows_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv(runs.ROOT_VARIABLE, str(tmp_path))
    assert runs.root() == tmp_path
    monkeypatch.delenv(runs.ROOT_VARIABLE)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert runs.root() == tmp_path / ".cache" / "advclust" / "runs"


def test_bench_times_the_furthest_checkpoint_with_subnormals_flushed_and_kept(tmp_path):
    from advclust import bench

    assert str(tmp_path) in bench.subnormals(runs_root=tmp_path)["skipped"]
    runner.run_many("pfca", "gaussians8", TINY, seeds=[0], runs_root=tmp_path, **OPTIONS)
    entry = bench.subnormals(repeats=1, iterations=2, runs_root=tmp_path)["pfca/gaussians8"]
    assert entry["step"] == 12 and entry["data"] == "gaussians8"
    cases = ("fresh_networks", "checkpoint_subnormals_kept", "checkpoint_subnormals_flushed")
    assert all(entry[case]["median"] > 0 and entry[case]["repeats"] == 1 for case in cases)
