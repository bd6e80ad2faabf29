"""The experiment API: runner.fit_experiments -> records complete when made -> report.compare / plots."""

import math

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from advclust import plots, report, runner
from advclust.errors import UserInputError


@pytest.fixture(scope="module")
def results():
    experiments = [
        runner.Experiment("kmeans", "digits", {"n_init": 1}, seeds=[0, 1],
                          extra_metrics={"clusters_used": lambda model, data: len(set(model.predict(data.inputs)))}),
        runner.Experiment("kmeans", "digits", {"n_init": 1, "max_iter": 1}, seeds=[0], variant="k-means, one step"),
    ]
    return runner.fit_experiments(experiments, profile="custom", verbose=False)


def test_records_carry_variant_and_extra_metrics_when_made(results):
    assert [r["variant"] for r in results.records] == ["k-means", "k-means", "k-means, one step"]
    assert results.records[0]["metrics"]["clusters_used"] == 10
    assert "clusters_used" not in results.records[2]["metrics"]
    assert results.model("k-means", "digits", 1) is not results.model("k-means", "digits", 0)
    with pytest.raises(UserInputError, match="k-means on digits"):
        results.model("PFCA")


def test_compare_puts_paper_execution_and_committed_rows_together(results, tmp_path):
    runner.write_record({**results.records[0], "profile": "long"}, tmp_path)
    table = report.compare(results, tables=[("pfca", "I")], printed={"k-means": "K-means"}, committed_in=tmp_path)
    rows = table.loc[("digits", "k-means")]
    assert list(rows.index) == ["this execution (custom)", "committed long records"]  # PFCA prints no digits row
    assert rows.loc["this execution (custom)", "runs"] == "2"
    acc = [r["metrics"]["acc"] for r in results.records[:2]]
    assert rows.loc["this execution (custom)", "ACC"].startswith(f"{sorted(acc)[0] / 2 + sorted(acc)[1] / 2:.3f} [")
    mnist_like = [{**r, "dataset": "mnist"} for r in results.records[:2]]
    printed = report.compare(mnist_like, tables=[("pfca", "I")], printed={"k-means": "K-means"}, committed_in=None)
    assert printed.loc[("mnist", "k-means", "paper (PFCA Table I)"), "ACC"] == "0.563 [0.534, 0.571]"


def test_compare_keeps_records_of_different_settings_apart(results, tmp_path):
    first, second = results.records[:2]
    runner.write_record({**first, "profile": "long"}, tmp_path)
    longer = {**second, "profile": "long", "params": {**second["params"], "max_iter": 999, "eval_every": 7}}
    runner.write_record(longer, tmp_path)
    rows = report.compare(results.records[:2], committed_in=tmp_path).loc[("digits", "k-means")]
    assert list(rows.index) == ["this execution (custom)", f"committed long records (max_iter {first['params']['max_iter']})",
                                "committed long records (max_iter 999)"]  # eval_every watches; it names nothing
    assert set(rows["runs"]) == {"2", "1"}


def test_medians_and_paper_values(results):
    assert set(report.medians(results).index) == {("digits", "k-means"), ("digits", "k-means, one step")}
    mnist_like = [{**r, "dataset": "mnist"} for r in results.records]
    marks = report.paper_values(mnist_like, [("pfca", "I")], printed={"k-means": "K-means"})
    assert marks[("mnist", "k-means")] == pytest.approx(0.563)


def test_figures_over_runs(results):
    assert plots.per_seed(results, paper=report.paper_values(results, [])).axes
    assert plots.heatmap(report.medians(results).unstack()).axes
    assert plots.metric_over_training(results).axes


def test_metric_against_compute_overlays_profiles_devices_and_the_paper():
    def record(profile, device, seconds, acc, timed=True):
        curve = [{"step": step, "acc": value, **({"seconds": t} if timed else {})}
                 for step, t, value in zip((100, 200), seconds, acc)]
        return {"method": "pfca", "variant": "PFCA", "dataset": "mnist", "profile": profile, "device": device,
                "curve": curve, "metrics": {"acc": acc[-1]}, "wall_seconds": seconds[-1] + 5, "params": {}}

    quick = [record("quick", "cpu: x86_64, 1 threads", (10, 20), (0.3, 0.4))]
    committed = [record("long", "cpu: x86_64, 1 threads", (100, 200), (0.5, 0.8)),
                 record("paper", "cuda: NVIDIA H200", (1, 2), (0.9, 0.95), timed=False)]
    paper = report.paper_values(quick, [("pfca", "I")])
    fig = plots.metric_over_training(quick, committed=committed, paper=paper)
    by_step, by_time = fig.axes
    labels = by_step.get_legend_handles_labels()[1]
    assert labels == ["PFCA · quick, CPU, 1 thread", "PFCA · long, CPU, 1 thread", "PFCA · paper, NVIDIA H200"]
    timed_lines = [list(line.get_xdata()) for line in by_time.get_lines() if len(line.get_xdata()) == 2
                   and line.get_linestyle() != "--"]
    assert timed_lines == [[10, 20], [100, 200]]
    assert [list(c.get_offsets()[:, 0]) for c in by_time.collections] == [[7.0]]  # untimed: one point at its wall time
    assert any(line.get_linestyle() == "--" and line.get_ydata()[0] == pytest.approx(paper[("mnist", "PFCA")])
               for line in by_time.get_lines())


def test_many_lines_put_the_legend_under_both_panels_where_it_hides_none():
    def record(profile, n_iterations):
        return {"method": "pfca", "variant": "PFCA", "dataset": "mnist", "profile": profile, "seed": 0,
                "device": "cpu: x86_64, 1 threads", "curve": [{"step": n_iterations, "acc": 0.5, "seconds": 9}],
                "metrics": {"acc": 0.5}, "wall_seconds": 10, "params": {"n_iterations": n_iterations}}

    few = plots.metric_over_training([record("quick", 100)])
    assert few.axes[0].get_legend() is not None and not few.legends
    many = plots.metric_over_training([record("quick", 100)],
                                      committed=[record("long", 1000 * k) for k in range(1, plots.LEGEND_INSIDE + 1)])
    assert many.axes[0].get_legend() is None and len(many.legends[0].get_texts()) == plots.LEGEND_INSIDE + 1
    assert many.get_figheight() > few.get_figheight()


def test_the_time_axis_labels_minor_ticks_only_where_no_power_of_ten_is_labelled():
    from matplotlib.ticker import NullFormatter

    def timed(seconds):
        return {"method": "pfca", "variant": "PFCA", "dataset": "mnist", "profile": "quick", "seed": 0,
                "device": "cpu", "curve": [{"step": k + 1, "acc": 0.5, "seconds": t} for k, t in enumerate(seconds)],
                "metrics": {"acc": 0.5}, "wall_seconds": seconds[-1], "params": {}}

    within_a_decade = plots.metric_over_training([timed([2.2, 5.5])]).axes[1]
    across_decades = plots.metric_over_training([timed([150, 6000])]).axes[1]
    assert not isinstance(within_a_decade.xaxis.get_minor_formatter(), NullFormatter)
    assert isinstance(across_decades.xaxis.get_minor_formatter(), NullFormatter)


def test_metric_against_compute_draws_each_configuration_of_a_profile_apart():
    def record(seed, n_iterations):
        return {"method": "pfca", "variant": "PFCA", "dataset": "mnist", "profile": "long", "seed": seed,
                "device": "cpu: x86_64, 1 threads",
                "curve": [{"step": 100 * n_iterations, "acc": 0.5}], "metrics": {"acc": 0.5}, "wall_seconds": 60,
                "params": {"seed": seed, "n_iterations": n_iterations, "eval_every": n_iterations}}

    later = record(0, 3)
    later["params"]["precision"] = "float32"  # a setting added later, at its default: older records lack it
    fig = plots.metric_over_training([], committed=[record(0, 1), record(1, 1), later])
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["PFCA · long, CPU, 1 thread (n_iterations 1)", "PFCA · long, CPU, 1 thread (n_iterations 3)"]
    sentences = report.committed_sentences([record(0, 1), later, record(1, 1)]).splitlines()
    assert [line.split(": ACC")[0][-6:] for line in sentences] == ["seed 0", "seed 1", " seeds", "seed 0"]  # one setting at a time
    assert sentences[2] == "- Median of these 2 seeds: ACC 0.500 (from 0.500 to 0.500)."  # one seed alone has none
    # the same settings on another dataset are another configuration: never one median over both datasets
    fashion = {**record(2, 1), "dataset": "fashion-mnist"}
    mixed = report.committed_sentences([record(0, 1), record(1, 1), fashion]).splitlines()
    assert [line.split(", seed")[0][-13:] for line in mixed[::1] if "seed " in line] == [
        "PFCA on mnist", "PFCA on mnist", "fashion-mnist"]
    assert mixed[2].startswith("- Median of these 2 seeds") and len(mixed) == 4
    assert [label for label, _ in report.configurations([record(0, 1), fashion])] == [
        "PFCA on mnist", "PFCA on fashion-mnist"]


def test_the_epoch_axis_counts_each_records_own_training_set():
    from advclust import data

    def record(profile, options):
        return {"method": "dual-aae", "variant": "Dual-AAE", "dataset": "gaussians8", "profile": profile,
                "device": "cpu: x86_64, 1 threads", "dataset_options": options, "curve": [{"step": 600, "acc": 0.5}],
                "metrics": {"acc": 0.5}, "wall_seconds": 1, "params": {"batch_size": 100}}

    quick, long = record("quick", {"sample": 1000, "sample_seed": 0}), record("long", {})
    fig = plots.metric_over_training([quick], steps_per_unit=report.iterations_per_epoch, committed=[long])
    whole = len(data.load("gaussians8")) // 100
    assert [list(line.get_xdata()) for line in fig.axes[0].get_lines()] == [[600 / 10], [600 / whole]]


def test_curve_summary_reads_final_and_best_from_each_curve():
    curve = [{"step": 100, "acc": 0.3, "generated_purity": 0.2}, {"step": 200, "acc": 0.5, "generated_purity": 0.4},
             {"step": 300, "acc": 0.4, "generated_purity": 0.5}]
    records = [{"seed": 1, "params": {"noise_dim": 16}, "curve": curve, "metrics": {"acc": 0.4}, "wall_seconds": 600,
                "device": "cpu"},
               {"seed": 0, "params": {"noise_dim": 128, "n_iterations": 50}, "curve": [], "metrics": {"acc": 0.2},
                "wall_seconds": 60}]
    table = report.curve_summary(records, lambda r: f"noise {r['params']['noise_dim']}", extras=("generated_purity",))
    rows = table.to_dict("records")
    assert rows[0] == {"run": "noise 16", "seed": 1, "iterations": 300, "minutes": 10.0, "device": "CPU",
                       "final ACC": 0.4, "best ACC (step)": "0.500 (200)", "last 5 ACC": "0.300-0.500",
                       "final generated_purity": 0.5}
    assert rows[1]["iterations"] == 50 and rows[1]["best ACC (step)"] == "0.200 (50)"  # no curve: the final metrics
    assert rows[1]["last 5 ACC"] == "0.200-0.200"
    assert pd.isna(rows[1]["final generated_purity"])
    assert report.curve_summary(records[:1], str, last=2).loc[0, "last 2 ACC"] == "0.400-0.500"  # the last two only


def test_device_label_names_the_device_as_figures_and_tables_show_it():
    assert report.device_label("cpu: x86_64, 1 threads") == "CPU, 1 thread"
    assert report.device_label("cpu: x86_64, 16 threads") == "CPU, 16 threads"
    assert report.device_label("cpu") == "CPU"
    assert report.device_label("cuda: NVIDIA H200") == "NVIDIA H200"


def test_a_curve_row_leaves_out_the_scores_its_evaluation_did_not_measure():
    history = pd.DataFrame({"acc": [None, 0.3, 0.4], "seconds": [1.0, 2.0, 3.0], "generated_acc": [None, None, 0.5],
                            "critic_loss": [1.0, 1.0, 1.0]}, index=pd.Index([50, 100, 150], name="step"))
    assert runner.evaluation_curve(history) == [{"step": 100, "acc": 0.3, "seconds": 2.0},
                                                {"step": 150, "acc": 0.4, "seconds": 3.0, "generated_acc": 0.5}]


def test_record_curves_keep_the_wall_clock_seconds():
    record = runner.run("imsat", "digits", {"hidden": [8], "n_iterations": 4, "eval_every": 2, "batch_size": 32,
                                           "progress": False}, seed=0)
    assert [row["step"] for row in record["curve"]] == [2, 4]
    assert 0 < record["curve"][0]["seconds"] < record["curve"][1]["seconds"]


def test_compare_prints_mean_and_std_where_the_paper_does(results):
    runs = [{**r, "dataset": "mnist", "variant": "Dual-AAE", "metrics": {**r["metrics"], "modes": 10, "kl": 0.01}}
            for r in results.records[:2]]
    table = report.compare(runs, tables=[("dual-aae", "II")], metrics=("modes", "kl"), committed_in=None)
    assert table.loc[("mnist", "Dual-AAE", "paper (Dual-AAE Table II)"), "MODES"] == "10 ± 0"
    assert table.loc[("mnist", "Dual-AAE", "this execution (custom)"), "KL"] == "0.010 [0.010, 0.010]"


def test_reject_option_beside_dual_aae_table_iv():
    from advclust import data

    digits = data.load("digits")
    fitted = runner.fit_experiments(runner.Experiment("gmm", digits, {"n_init": 1}, seeds=[0, 1]), verbose=False)
    table = report.reject_option(fitted, digits, "GMM")
    assert list(table.index) == [0.0, 0.5, 0.6, 0.9]
    ours = table["this execution (custom, mean over 2 runs)"]
    assert ours.loc[0.0, "rejection_rate"] == 0.0
    assert ours.loc[0.0, "acc"] == pytest.approx(sum(r["metrics"]["acc"] for r in fitted.records) / 2)
    assert (ours["rejection_rate"].diff().dropna() >= 0).all()
    assert table["paper (Dual-AAE Table IV)"].loc[0.9, "acc"] == pytest.approx(0.9939)
    with pytest.raises(UserInputError, match="no fitted model"):
        report.reject_option(fitted, digits, "Dual-AAE")


def test_metric_by_parameter(results):
    fig = plots.metric_by_parameter(results, "max_iter", x_label="k-means iterations")
    assert fig.axes[0].get_xlabel() == "k-means iterations"
    assert len(fig.axes[0].lines) == 1  # one method: k-means


def test_compare_keeps_each_dataset_together(results):
    mixed = [*results.records[:2], {**results.records[2], "dataset": "mnist"}, results.records[2]]
    table = report.compare(mixed, committed_in=None)
    assert list(table.index.get_level_values("dataset")) == ["digits", "digits", "mnist"]
    assert table.loc[("digits", "k-means", "this execution (custom)"), "runs"] == "2"


def test_printed_names_by_method_as_in_baseline_names(results):
    mnist_like = [{**r, "dataset": "mnist"} for r in results.records[:2]]
    by_method = {"kmeans": ("K-means",)}  # keyed like reference.BASELINE_NAMES
    table = report.compare(mnist_like, tables=[("pfca", "I")], printed=by_method, committed_in=None)
    assert table.loc[("mnist", "k-means", "paper (PFCA Table I)"), "ACC"] == "0.563 [0.534, 0.571]"
    marks = report.paper_values(mnist_like, [("pfca", "I")], printed=by_method)
    assert marks[("mnist", "k-means")] == pytest.approx(0.563)


def test_class_balance_and_metric_against_runs(results):
    from advclust import data

    digits = data.load("digits")
    table = report.class_balance([digits], paper_ui={"digits": 1.0})
    assert table.loc["digits", "images"] == len(digits) == table.filter(like="class ").sum(axis=1)["digits"]
    assert 0.99 < table.loc["digits", "UI"] <= 1.0 and table.loc["digits", "UI (paper)"] == 1.0
    figure = plots.metric_against_runs(results, {"digits": table.loc["digits", "UI"]}, "uniformity index")
    assert figure.axes[0].get_xlabel() == "uniformity index"


def test_data_label_names_a_stand_in():
    from types import SimpleNamespace

    assert report.data_label(SimpleNamespace(name="digits", metadata={})) == "digits"
    stand_in = SimpleNamespace(name="cifar10-resnet50", metadata={"stand_in": "fashion-mnist"})
    assert report.data_label(stand_in) == "STAND-IN: fashion-mnist pixels, not cifar10-resnet50"


def test_committed_sentences_say_whether_the_last_evaluations_still_rise():
    def record(accs):
        return {"method": "pfca", "dataset": "mnist", "profile": "long", "seed": 0, "device": "cpu: x86_64, 1 threads",
                "curve": [{"step": 1000 * (i + 1), "acc": a} for i, a in enumerate(accs)],
                "metrics": {"acc": accs[-1]}, "params": {"n_iterations": 1000 * len(accs)}, "wall_seconds": 3600}

    rising = record([0.3, 0.4, 0.5, 0.6, 0.7])
    assert report.curve_gain(rising) == (pytest.approx(0.4), math.inf)  # an exact line
    assert report.curve_trend(rising) == "still rising"
    # a dip does not hide a rise: the line through the last 8 of a slow, noisy climb
    dipping = record([0.60, 0.62, 0.61, 0.64, 0.66, 0.65, 0.68, 0.70, 0.69, 0.71])
    assert report.curve_trend(dipping) == "still rising"
    assert report.curve_trend(dipping, window=4) == "not rising"  # 0.68, 0.70, 0.69, 0.71: within their noise
    noisy = record([0.45, 0.60, 0.44, 0.56, 0.50, 0.58, 0.47, 0.59])  # spread far wider than its drift
    assert report.curve_gain(noisy)[0] > 0.01 and report.curve_trend(noisy) == "not rising"
    settled = record([0.975, 0.977, 0.979, 0.980, 0.981, 0.981, 0.982, 0.982])  # steady, but under a point
    assert report.curve_trend(settled) == "not rising"
    assert report.curve_trend(record([0.5, 0.6])) == "not rising"  # too few evaluations to tell
    lines = report.committed_sentences([rising, record([0.3, 0.6, 0.5, 0.6])]).splitlines()
    assert lines[0] == ("- Committed long record, PFCA on mnist, seed 0: ACC 0.700 after 5000 generator steps "
                        "(1.0 h, CPU, 1 thread); its last evaluations read 0.400, 0.500, 0.600, 0.700; the line "
                        "through its last 5 gains +0.400: still rising.")
    assert lines[1].endswith("0.300, 0.600, 0.500, 0.600; the line through its last 4 gains +0.240, within the "
                             "noise of its evaluations: not rising.")  # a gain of a point or more says why
    assert report.trend_words(settled) == "gains +0.007: not rising"  # under a point: no reason needed
    assert len(lines) == 2  # two settings (5000 and 4000 steps), one seed each: no median
    assert "ACC 0.700 after 5000 iterations (1.0 h" in report.committed_sentences([rising], steps="iterations")
    with_prior = {**rising, "metrics": {"acc": 0.7, "prior_acc": 0.72}}  # SIMI-ClusterGAN's P_phi on its own
    assert report.committed_sentences([with_prior]).endswith(
        "gains +0.400: still rising; its prior P_phi alone (phase 1) scores 0.720.")
    again = report.committed_sentences([rising, record([0.3, 0.4, 0.5, 0.6, 0.6]), record([0.5] * 5)]).splitlines()
    assert again[3] == "- Median of these 3 seeds: ACC 0.600 (from 0.500 to 0.700)."


def test_committed_sentences_name_what_sets_one_methods_settings_apart_on_one_dataset():
    def record(method, dataset, augment, seed=0):
        return {"method": method, "dataset": dataset, "profile": "long", "seed": seed,
                "device": "cpu: x86_64, 1 threads", "curve": [{"step": 100, "acc": 0.6}], "metrics": {"acc": 0.6},
                "params": {"n_iterations": 100, "prior_augment": augment}, "wall_seconds": 3600}

    lines = report.committed_sentences([record("simi-clustergan", "fashion-mnist", False),
                                        record("simi-clustergan", "fashion-mnist", True),
                                        record("simi-clustergan", "fashion-mnist", True, seed=1),
                                        record("simi-clustergan", "mnist", False),
                                        {**record("clustergan", "fashion-mnist", False), "params": {"n_iterations": 100}}
                                        ]).splitlines()
    assert [line.split(", seed")[0].split("record, ")[-1] for line in lines if "seed " in line] == [
        "SIMI-ClusterGAN (prior_augment False) on fashion-mnist", "SIMI-ClusterGAN (prior_augment True) on fashion-mnist",
        "SIMI-ClusterGAN (prior_augment True) on fashion-mnist", "SIMI-ClusterGAN on mnist", "ClusterGAN on fashion-mnist"]
    assert lines[3].startswith("- Median of these 2 seeds")  # after the seeds of the setting they share


def test_committed_sentences_name_the_ground_truth_of_a_dataset_that_has_several():
    faces = {"method": "pfca", "dataset": "orl", "profile": "long", "seed": 0, "device": "cpu: x86_64, 1 threads",
             "dataset_options": {"target": "gender"}, "curve": [{"step": 6000, "acc": 0.9}], "metrics": {"acc": 0.9},
             "params": {"n_iterations": 6000}, "wall_seconds": 3600}
    assert "PFCA on orl by gender, seed 0: ACC 0.900" in report.committed_sentences([faces])
    assert "PFCA on orl, seed 0" in report.committed_sentences([{**faces, "dataset_options": {}}])


def test_committed_command_names_the_profile_seeds_and_folder_to_run():
    line = report.committed_command("pfca", "usps700", profile="long", seeds=3)
    assert line.startswith("No long-profile PFCA record on usps700 is committed yet")
    assert "`advclust run pfca usps700 --profile long --seeds 3 --out results/usps700`" in line
    assert "--seeds 10 " in report.committed_command("pfca", "mnist")


def test_benchmark_reads_the_newest_committed_record_of_one_machine(tmp_path):
    import json

    for name, rate in (("cpu_2core_2026-12-01_simi_mnist", 1.0), ("cpu_2core_2026-12-06_simi_mnist", 2.0),
                       ("gpu_h200_2026-12-09_simi_mnist", 9.0), ("cpu_2core_2026-12-07_imsat_mnist", 5.0)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"results": {"rate": rate}}))
    record = report.benchmark("simi-mnist", directory=tmp_path)
    assert record["results"]["rate"] == 2.0
    assert record["file"].endswith("cpu_2core_2026-12-06_simi_mnist.json")
    assert report.benchmark("simi-mnist", machine="gpu", directory=tmp_path)["results"]["rate"] == 9.0
    assert report.benchmark("dcan-mnist", directory=tmp_path) is None


def test_reaching_sentences_say_where_each_line_passes_a_baseline():
    def record(seed, profile, accs, n_iterations=300):
        curve = [{"step": 100 * (i + 1), "acc": acc, "seconds": 60.0 * (i + 1)} for i, acc in enumerate(accs)]
        return {"method": "pfca", "variant": "PFCA", "dataset": "mnist", "profile": profile, "seed": seed,
                "device": "cpu: x86_64, 1 threads", "curve": curve, "metrics": {"acc": accs[-1]},
                "params": {"seed": seed, "n_iterations": n_iterations}}

    records = [record(0, "quick", [0.2, 0.3]), record(0, "long", [0.4, 0.5, 0.6]), record(1, "long", [0.4, 0.6, 0.7])]
    assert report.first_reaching(records[1:], 0.55) == {"step": 200, "seconds": 120.0}  # the median, not the best seed
    assert report.first_reaching(records[:1], 0.55) is None
    lines = report.reaching_sentences(records, 0.55, "k-means").splitlines()
    assert lines == ["- PFCA · quick, CPU, 1 thread: median ACC 0.300 after 300 iterations; no evaluation reaches "
                     "k-means's 0.550.",
                     "- PFCA · long, CPU, 1 thread: median ACC 0.650 after 300 iterations; the median curve reaches "
                     "k-means's 0.550 at 200 iterations (2.0 min)."]
    assert report.reaching_sentences(records[1:], 0.3, "k-means").endswith("(1.0 min), its first evaluation.")


def test_versus_baseline_reads_the_committed_baseline_or_says_how_to_commit_it(results, tmp_path):
    assert "run `advclust run kmeans digits --profile paper" in report.versus_baseline(results.records, "digits",
                                                                                    directory=tmp_path)
    for record in results.records[:2]:
        runner.write_record({**record, "profile": "paper", "dataset_options": {"split": "all"}}, tmp_path)
    text = report.versus_baseline(results.records[:1], "digits", directory=tmp_path)
    value = sorted(r["metrics"]["acc"] for r in results.records[:2])
    assert text.startswith(f"**Against k-means** on digits (split all): median ACC {sum(value) / 2:.3f} over 2 committed")
    assert text.splitlines()[-1].startswith("- k-means · custom")


def _dual_aae_record(seed, accs, seconds=60.0, params=None):
    """A Dual-AAE record on 1 000 sampled MNIST images in batches of 100: 10 iterations per epoch."""
    return {"method": "dual-aae", "variant": "Dual-AAE", "dataset": "mnist", "profile": "long", "seed": seed,
            "device": "cpu: x86_64, 1 threads", "dataset_options": {"sample": 1000},
            "curve": [{"step": 10 * (i + 1), "acc": a, "seconds": seconds * (i + 1)} for i, a in enumerate(accs)],
            "metrics": {"acc": accs[-1]}, "wall_seconds": 600,
            "params": {"batch_size": 100, "conv_channels": [8, 16, 32, 16], "lr": 1e-3, "adversarial_lr": 5e-4,
                       **(params or {})}}


def test_pace_sentences_give_the_gain_per_epoch_and_where_the_papers_number_lies():
    rising = _dual_aae_record(0, [0.50, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85])  # +0.05 per epoch over the last 5
    printed = float(report.paper_values([rising], [("dual-aae", "I")])[("mnist", "Dual-AAE")])
    lines = report.pace_sentences([rising, _dual_aae_record(1, [0.9]), _dual_aae_record(2, [0.7, 0.6])],
                                  ("dual-aae", "I"), settles=" (the paper's pace)").splitlines()
    assert lines[0] == (f"- Seed 0 (long) gained +0.0500 ACC per epoch from epoch 2 to 7; at that pace Dual-AAE Table "
                        f"I's {printed:.3f} lies {(printed - 0.85) / 0.05:.0f} epochs further on (the paper's pace).")
    assert lines[1] == "- Seed 2 (long) gained -0.1000 ACC per epoch from epoch 1 to 2."  # falling: no projection
    assert len(lines) == 2  # one evaluation spans no epochs: no line


def test_probes_within_common_time_compare_at_the_time_every_probe_ran():
    fast = _dual_aae_record(0, [0.4, 0.6, 0.7, 0.8], seconds=60.0)
    slow = _dual_aae_record(0, [0.5, 0.55], seconds=120.0, params={"conv_channels": [64, 128, 1024, 128]})
    assert report.channels_and_rates(slow) == "channels 64/128/1024/128, lr 0.001 / 0.0005"
    text = report.probes_within_common_time([fast, slow], report.channels_and_rates)
    assert text.startswith("Best test ACC within the first 4 minutes of training (the time every probe ran): "
                           "channels 8/16/32/16, lr 0.001 / 0.0005: 0.800; channels 64/128/1024/128, lr 0.001 / "
                           "0.0005: 0.550.")
    assert text.endswith("channels 8/16/32/16, lr 0.001 / 0.0005 gains +0.390: still rising; channels "
                         "64/128/1024/128, lr 0.001 / 0.0005 has too few evaluations for a line: not rising.")


def test_whole_map_sentence_reads_the_committed_bench_record():
    layer = {"convolution": {"median": 0.9}, "product": {"median": 0.1}, "speedup": 9.0}
    record = {"file": "results/bench/x.json", "device": "CPU", "results": {
        "whole-map-conv": {"batch_size": 100, "layers": {"conv A": layer}},
        "dualaae-mnist": {when: {"Dual-AAE": {"seconds_per_epoch": {"median": s, "repeats": 3}}}
                          for when, s in (("before", 4420.0), ("after", 1430.0))}}}
    text = report.whole_map_sentence(record)
    assert "conv A: 0.900 s and 0.100 s (x9.0)." in text
    assert text.endswith("(`advclust bench dualaae-mnist`, Dual-AAE's networks, median of 3): 4420 s before the "
                         "change and 1430 s after it.")
    del record["results"]["dualaae-mnist"]
    assert report.whole_map_sentence(record).endswith("(x9.0).")
