"""The ``advclust`` command: list, run, book, bench (and data/features from the data layer)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import yaml

from advclust.errors import UnknownChoiceError, UserInputError

EXIT_USAGE = 2


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` strings to a dict; values are read as YAML (``3`` -> int, ``[1,2]`` -> list)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UserInputError(f"--set expects key=value, got {pair!r}")
        try:
            values[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError as error:
            raise UserInputError(f"cannot read the value of {key!r}: {error}") from error
    return values


def cmd_list(args: argparse.Namespace) -> int:
    from advclust import data, methods, profiles

    print("methods:  ", ", ".join(sorted(methods.METHODS)))
    print("datasets: ", ", ".join(data.names()))
    print("profiles: ", ", ".join(profiles.names()))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from advclust import data, methods, profiles, runner

    methods.get(args.method)
    data.spec(args.dataset)
    params = {**profiles.run_params(args.profile, args.method, args.dataset), **parse_assignments(args.set)}
    if args.seeds < 1:
        raise UserInputError(f"--seeds must be >= 1, got {args.seeds}")
    runner.make_estimator(args.method, params)  # every parameter checked before data loads
    entry = profiles.run_entry_name(args.profile, args.method, args.dataset)
    print(f"parameters: {entry or f'the method defaults (profile {args.profile} has no entry)'}"
          + (f", with --set {', '.join(args.set)}" if args.set else ""), flush=True)
    records = runner.run_many(args.method, args.dataset, params, seeds=range(args.first_seed, args.first_seed + args.seeds),
                              profile=args.profile, out=args.out, profile_entry=entry,
                              **profiles.run_data_options(args.profile, args.method, args.dataset))
    for record in records:
        print(json.dumps({"seed": record["seed"], **record["metrics"], "wall_seconds": record["wall_seconds"]}))
    summary = runner.summarize(records)
    print(summary.loc[:, [c for c in summary.columns if c[1] in ("", "min", "median", "max")]].round(4).to_string())
    if args.out:
        print(f"records written under {args.out}")
    return 0


def cmd_book(args: argparse.Namespace) -> int:
    from advclust import book

    return book.build(profile=args.profile, only=args.only, overrides=parse_assignments(args.set),
                      html=not args.no_html)


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

    run = sub.add_parser("run", help="fit a method on a dataset over seeds and record the runs")
    run.add_argument("method")
    run.add_argument("dataset")
    run.add_argument("--profile", default="quick", help="parameter profile: " + ", ".join(profiles.names()))
    run.add_argument("--seeds", type=int, default=1, help="number of seeds (runs)")
    run.add_argument("--first-seed", type=int, default=0)
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a hyperparameter")
    run.add_argument("--out", help="folder for the JSON run records (e.g. results/)")
    run.set_defaults(func=cmd_run)

    book = sub.add_parser("book", help="execute the chapters with a profile and build the HTML book")
    book.add_argument("--profile", default="quick")
    book.add_argument("--only", action="append", metavar="NOTEBOOK",
                      help="only these notebooks: a chapter number (its page and all its sections, e.g. 02), "
                           "a section (02a) or a full name (02a_mnist_pfca); repeatable")
    book.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="override a parameter of the one notebook chosen with --only")
    book.add_argument("--no-html", action="store_true", help="execute the chapters but do not render HTML")
    book.set_defaults(func=cmd_book)

    benchmark = sub.add_parser("bench", help="throughput benchmarks (medians of repeats)")
    benchmark.add_argument("name", nargs="?", default="all", help="benchmark: all, " + ", ".join(bench.BENCHMARKS))
    benchmark.add_argument("--repeats", type=int, default=3)
    benchmark.set_defaults(func=cmd_bench)

    from advclust.data import commands as data_commands

    data_commands.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserInputError, UnknownChoiceError, FileNotFoundError) as error:
        print(f"advclust: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
