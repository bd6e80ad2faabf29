"""The scoreboard's cells: median ACC over seeds, the paper's ACC, compute and device, and why a cell is empty."""

from advclust import scoreboard


def _record(method, dataset, seed, acc, seconds=10.0, profile="paper"):
    return {"method": method, "dataset": dataset, "seed": seed, "profile": profile, "params": {},
            "metrics": {"acc": acc}, "wall_seconds": seconds, "device": "cuda: NVIDIA H200"}


def test_board_holds_median_acc_paper_acc_and_cost_and_says_why_a_cell_is_empty():
    records = [_record("kmeans", "mnist", s, acc) for s, acc in enumerate([0.5, 0.6, 0.55])]
    board = scoreboard.board(records, ["kmeans", "pfca"], ["mnist", "digits"],
                             failures={("pfca", "digits"): "cannot run: needs images"})
    cell = board.set_index(["method", "dataset"]).loc[("kmeans", "mnist")]
    assert cell["runs"] == 3 and cell["acc"] == 0.55 and cell["seconds"] == 10.0 and cell["device"] == "NVIDIA H200"
    assert cell["paper_acc"] > 0 and cell["paper_source"].startswith("PFCA Table")
    text = scoreboard.cells(board)
    assert text.loc["pfca", "digits"] == "cannot run: needs images" and text.loc["kmeans", "digits"] == "no record"
    verdicts = scoreboard.against_papers(board)
    assert list(verdicts["verdict"]) == ["meets" if 0.55 >= cell["paper_acc"] - 0.02 else "misses"]


def test_feature_cells_compare_with_tables_of_features_only():
    assert scoreboard.paper_acc("pfca", "cifar10-resnet50") == (None, "")  # PFCA Table VI clusters the images
    assert scoreboard.paper_acc("dcan", "cifar10-resnet50")[1] == "DCAN Table 2"


def test_a_cell_takes_its_median_over_one_profile_and_one_configuration():
    older = [{**_record("clustergan", "mnist", s, 0.4, profile="long"), "created": "2026-12-01", "params": {"n_iterations": 1}}
             for s in range(3)]
    newer = [{**_record("clustergan", "mnist", s, 0.6, profile="long"), "created": "2026-12-05", "params": {"n_iterations": 3}}
             for s in range(2)]
    cell = scoreboard.board(older + newer, ["clustergan"], ["mnist"]).iloc[0]
    assert (cell["runs"], cell["left_out"], cell["acc"]) == (2, 3, 0.6)
    assert "[long, 2 runs; 3 of other settings not counted]" in scoreboard.cells(scoreboard.board(older + newer, ["clustergan"], ["mnist"])).iloc[0, 0]
    paper = [{**_record("clustergan", "mnist", 0, 0.9), "created": "2026-11-01"}]
    assert scoreboard.board(older + paper, ["clustergan"], ["mnist"]).iloc[0]["acc"] == 0.9  # the paper's protocol first


def test_a_cell_counts_only_the_task_the_papers_print_for_its_dataset():
    identity = [{**_record("pfca", "orl", s, 0.7, profile="long"), "dataset_options": {"target": "identity"}}
                for s in range(2)]
    gender = [{**_record("pfca", "orl", 0, 0.9, profile="long"), "dataset_options": {"target": "gender"},
               "created": "2027-01-01"}]  # newer, but scored against the other ground truth
    default = [_record("pfca", "orl", 2, 0.5, profile="long")]  # names no target: the loader's default, identity
    cell = scoreboard.board(identity + gender, ["pfca"], ["orl"]).iloc[0]
    assert (cell["runs"], cell["acc"], cell["left_out"]) == (2, 0.7, 0)
    assert cell["paper_source"].startswith("PFCA Table IV")
    assert scoreboard.board(default + gender, ["pfca"], ["orl"]).iloc[0]["acc"] == 0.5
    labelled = [{**r, "variant": f"PFCA by {r['dataset_options']['target']}"} for r in identity + gender]  # chapter 4's
    cell = scoreboard.board(labelled, ["pfca"], ["orl"]).iloc[0]
    assert (cell["runs"], cell["acc"]) == (2, 0.7)
    other = [{**r, "variant": "PFCA, sigma 0.5"} for r in identity]  # a chapter's variant of the method is not counted
    assert scoreboard.board(other, ["pfca"], ["orl"]).iloc[0]["runs"] == 0


def test_committed_longer_records_stand_before_a_quick_execution_of_the_same_cell(tmp_path):
    from advclust import runner

    long_runs = [{**_record("pfca", "usps700", s, 0.7, profile="long"), "dataset_options": {}} for s in range(3)]
    for record in long_runs:
        runner.write_record(record, tmp_path / "usps700")

    class Outcome:  # what the sweep returns for a run it made
        status, record, path = "ran", {**_record("pfca", "usps700", 0, 0.3, profile="quick")}, None

    class Result:
        outcomes = [Outcome()]

    records = scoreboard.records_for(Result(), str(tmp_path), ["pfca"], ["usps700"])
    cell = scoreboard.board(records, ["pfca"], ["usps700"]).iloc[0]
    assert (cell["profile"], cell["runs"], cell["acc"], cell["left_out"]) == ("long", 3, 0.7, 1)
    assert scoreboard.records_for(Result(), None, ["pfca"], ["usps700"]) == [Outcome.record]


def test_every_committed_dataset_that_a_paper_scores_is_a_column():
    import json
    from pathlib import Path

    from advclust import methods as registry

    missing = set()
    for path in Path(__file__).parents[1].glob("results/*/*.json"):
        record = json.loads(path.read_text())
        if record.get("method") in registry.METHODS and "dataset" in record and "metrics" in record:
            if scoreboard.paper_acc(record["method"], record["dataset"])[0] is not None:
                missing |= {record["dataset"]} - set(scoreboard.DATASETS)
    assert not missing, f"committed records on {sorted(missing)} have a paper's ACC but no scoreboard column"
