"""The ``advclust`` command: list, run, sweep, book, bench (and data/features from the data layer)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import yaml

from advclust.errors import UserInputError

EXIT_USAGE = 2
#: The largest seed every method accepts (scikit-learn's and NumPy's limit).
MAX_SEED = 2**32 - 1


def parse_value(raw: str) -> Any:
    """A ``--set`` value: an int, a float in any common notation (``1e-4``, ``1E-4``, ``.5``), ``true``/``false``,
    ``null``, a list ``[1,2]``, else the string itself."""
    from advclust.profiles import read_yaml

    try:
        return read_yaml(raw)
    except yaml.YAMLError as error:
        raise UserInputError(f"cannot read the value {raw!r}: {' '.join(str(error).split())}") from error


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` strings to a dict, each value read by :func:`parse_value`."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UserInputError(f"--set expects key=value, got {pair!r}")
        values[key.strip()] = parse_value(raw)
    return values


def cmd_list(args: argparse.Namespace) -> int:
    from advclust import data, methods, profiles

    print("methods:  ", ", ".join(sorted(methods.METHODS)))
    print("datasets: ", ", ".join(data.names()))
    print("profiles: ", ", ".join(profiles.names()))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from advclust import data, methods, profiles, runner, runs
    from advclust.system import writable_folder

    if args.status:
        print(runs.status_table(runs.statuses(method=args.method, dataset=args.dataset)))
        return 0
    if args.method is None or args.dataset is None:
        raise UserInputError("run needs a METHOD and a DATASET (or --status to list the runs)")
    methods.get(args.method)
    data.spec(args.dataset)
    overrides = parse_assignments(args.set)
    if "seed" in overrides:
        raise UserInputError("seed is not set with --set: choose the seeds with --first-seed N (and --seeds)")
    params = {**profiles.run_params(args.profile, args.method, args.dataset), **overrides}
    if args.seeds < 1:
        raise UserInputError(f"--seeds must be >= 1, got {args.seeds}")
    if not 0 <= args.first_seed <= MAX_SEED - args.seeds + 1:
        raise UserInputError(f"--first-seed must lie in [0, {MAX_SEED - args.seeds + 1}] with --seeds {args.seeds} "
                             f"(seeds go up to {MAX_SEED}), got {args.first_seed}")
    runner.make_estimator(args.method, params)  # every parameter checked before data loads
    if args.out:
        writable_folder(args.out, "--out")  # before training, not after it
    runs_root = writable_folder(runs.root(), "the runs root (set ADVCLUST_RUNS to choose another)")
    entry = profiles.run_entry_name(args.profile, args.method, args.dataset)
    print(f"parameters: {entry or f'the method defaults (profile {args.profile} has no entry)'}"
          + (f", with --set {', '.join(args.set)}" if args.set else ""), flush=True)
    print(f"checkpoints under {runs_root}: the same command resumes an interrupted run (advclust run --status)",
          flush=True)
    records = runner.run_many(args.method, args.dataset, params, seeds=range(args.first_seed, args.first_seed + args.seeds),
                              profile=args.profile, out=args.out, profile_entry=entry, runs_root=runs_root,
                              batch_seeds=not args.no_batch_seeds,
                              **profiles.run_data_options(args.profile, args.method, args.dataset))
    for record in records:
        if record.get("status") == "diverged":
            print(json.dumps({"seed": record["seed"], "status": "diverged", **record["diverged"]}))
        else:
            print(json.dumps({"seed": record["seed"], **record["metrics"], "wall_seconds": record["wall_seconds"]}))
    summary = runner.summarize(records)
    print(summary.loc[:, [c for c in summary.columns if c[1] in ("", "min", "median", "max")]].round(4).to_string())
    if args.out:
        print(f"records written under {args.out}")
    return 0


def cmd_book(args: argparse.Namespace) -> int:
    from advclust import book

    return book.build(profile=args.profile, only=args.only, overrides=parse_assignments(args.set),
                      html=not args.no_html, fetch=args.fetch, data_only=args.data_only, jobs=args.jobs)


def cmd_sweep(args: argparse.Namespace) -> int:
    from advclust import sweep

    config = sweep.read_file(args.file) if args.file else {}
    given = {"methods": args.methods, "datasets": args.datasets, "profile": args.profile, "seeds": args.seeds,
             "out": args.out, "set": args.set or None, "address": args.address, "gpus_per_run": args.gpus_per_run,
             "cpus": args.cpus, "max_retries": args.max_retries}
    config.update({k: v for k, v in given.items() if v is not None})  # the command line overrides the file
    if not config.get("out"):
        raise UserInputError("a sweep needs --out DIR (or out: in the sweep file): where its records go")
    specs = sweep.specs_from(config)
    print(f"sweep: {len(specs)} runs, records under {config['out']}", flush=True)
    result = sweep.run(specs, config["out"], address=config.get("address"), cpus=config.get("cpus"),
                       gpus_per_run=config.get("gpus_per_run", 0.0), max_retries=config.get("max_retries", 2))
    if result.startup_seconds:
        print(f"Ray started in {result.startup_seconds:.1f} s")
    print(sweep.report(result))
    return 1 if result.count("failed") else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from advclust import bench

    results = bench.run(args.name, repeats=args.repeats)
    print(json.dumps(results, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from advclust import bench, profiles

    parser = argparse.ArgumentParser(prog="advclust", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="methods, datasets and profiles").set_defaults(func=cmd_list)

    run = sub.add_parser("run", help="fit a method on a dataset over seeds and record the runs",
                         description="Fit a method on a dataset over seeds and record the runs. Each run checkpoints "
                                     "under the runs root ($ADVCLUST_RUNS, default ~/.cache/advclust/runs); the same "
                                     "command resumes an interrupted run.")
    run.add_argument("method", nargs="?")
    run.add_argument("dataset", nargs="?")
    run.add_argument("--profile", default="quick", help="parameter profile: " + ", ".join(profiles.names()))
    run.add_argument("--seeds", type=int, default=1, help="number of seeds (runs)")
    run.add_argument("--first-seed", type=int, default=0)
    run.add_argument("--no-batch-seeds", action="store_true",
                     help="train the seeds one after another instead of as one seed batch (the default where the "
                          "method allows it and that is faster: on a GPU, and on a CPU for every batchable method "
                          "but Dual-AAE; the records are the same to float tolerance)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a hyperparameter or a neural method's run control (e.g. precision=bfloat16: "
                          "bf16 autocast in each training step, or cuda_graph=true: the step captured as a CUDA graph; the "
                          "record's name then says so by its hash)")
    run.add_argument("--out", help="folder for the JSON run records (e.g. results/)")
    run.add_argument("--status", action="store_true",
                     help="list the runs (pending, running, died, abandoned, done, diverged), of METHOD and DATASET if "
                          "given")
    run.set_defaults(func=cmd_run)

    book = sub.add_parser("book", help="execute the chapters with a profile and build the HTML book")
    book.add_argument("--profile", default="quick")
    book.add_argument("--only", action="append", metavar="NOTEBOOK",
                      help="only these notebooks: a chapter number (its page and all its sections, e.g. 02), "
                           "a section (02a) or a full name (02a_mnist_pfca); repeatable")
    book.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="override a parameter of the one notebook chosen with --only")
    book.add_argument("--no-html", action="store_true", help="execute the chapters but do not render HTML")
    book.add_argument("--jobs", type=int, default=1, metavar="N",
                      help="execute N notebooks at a time, the cores shared out among them (CI: 2 on 2 cores; "
                           "default 1: one notebook with every core, as on a GPU)")
    book.add_argument("--fetch", action="store_true",
                      help="first download the datasets the chosen notebooks need and that are missing (network)")
    book.add_argument("--data-only", action="store_true",
                      help="only check (with --fetch: fetch) the data the chosen notebooks need; execute nothing")
    book.set_defaults(func=cmd_book)

    sweeping = sub.add_parser("sweep", help="run every method x dataset x seed (x --set values) on Ray; resumable")
    sweeping.add_argument("file", nargs="?", help="a sweep YAML file with the same fields (the options override it)")
    sweeping.add_argument("--methods", nargs="+", metavar="M")
    sweeping.add_argument("--datasets", nargs="+", metavar="D")
    sweeping.add_argument("--profile", help="parameter profile (default quick): " + ", ".join(profiles.names()))
    sweeping.add_argument("--seeds", type=int, help="number of seeds per combination (default 1)")
    sweeping.add_argument("--out", help="folder of the JSON run records; runs whose record exists are skipped")
    sweeping.add_argument("--set", action="append", metavar="KEY=V1,V2",
                          help="hyperparameter values to sweep (every combination of every --set)")
    sweeping.add_argument("--address", help="join this Ray cluster ('auto': the one `ray start` made here)")
    sweeping.add_argument("--gpus-per-run", type=float, help="GPUs per run, fractions share one (default 0)")
    sweeping.add_argument("--cpus", type=int, help="cores of the local Ray instance (default: all)")
    sweeping.add_argument("--max-retries", type=int, help="retries of a run whose worker died (default 2)")
    sweeping.set_defaults(func=cmd_sweep)

    benchmark = sub.add_parser("bench", help="throughput benchmarks (medians of repeats)")
    benchmark.add_argument("name", nargs="?", default="all", help="benchmark: all, " + ", ".join(bench.BENCHMARKS))
    benchmark.add_argument("--repeats", type=int, default=3)
    benchmark.set_defaults(func=cmd_bench)

    from advclust.data import commands as data_commands

    data_commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The command; bad input and failed file operations exit with code 2 and their message (no traceback), bugs with
    a traceback."""
    from advclust.system import terminate_as_exit

    terminate_as_exit()  # a SIGTERM unwinds: temporary files are removed, the run's state is kept
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserInputError, OSError) as error:
        print(f"advclust: error: {str(error).strip()}", file=sys.stderr)  # one line, or a list the message itself lays out
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("advclust: interrupted; the same command resumes a run from its last checkpoint", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
