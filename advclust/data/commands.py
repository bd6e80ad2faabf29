"""The ``advclust data`` and ``advclust features`` commands.

``data list`` shows every dataset, whether it is available under the data root,
where it comes from and its size on disk; ``data check [NAME]`` verifies
checksums and loads, naming every damaged or missing file (exit 1 when the root
does not exist, or something checked is missing or damaged; without NAME,
wholly absent sets are only listed, and any damaged file fails); ``data fetch
NAME...`` downloads what is missing and checks it (online only); ``features
extract`` writes a ResNet feature cache. Bad names raise
:class:`~advclust.errors.UserInputError` and missing data
:class:`~advclust.data.DataNotFoundError`, which the CLI turns into exit code 2
with the message.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from advclust.data import DataNotFoundError, data_root, load, names, spec
from advclust.data.cache import cache_dir
from advclust.data.features import DEVICES, FEATURE_MODELS, extract_to_cache
from advclust.data.sources import (
    SOURCES, DataCorruptedError, describe_root, fetch_command, fetch_datasets, file_sources, problems, sources_of,
)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``data {list,check,fetch}`` and ``features extract`` to an argparse subparsers object."""
    root_help = "data root (default: $ADVCLUST_DATA, else ./data)"

    data = subparsers.add_parser("data", help="list, check and fetch datasets")
    data_sub = data.add_subparsers(dest="data_command", metavar="{list,check,fetch}", required=True)
    listing = data_sub.add_parser("list", help="every dataset, whether it is available, origin and size")
    listing.add_argument("--root", help=root_help)
    listing.set_defaults(func=cmd_list)
    check = data_sub.add_parser("check", help="verify checksums, shapes and class counts; name every damaged file")
    check.add_argument("name", nargs="?", help="one dataset (default: all)")
    check.add_argument("--root", help=root_help)
    check.set_defaults(func=cmd_check)
    fetch_parser = data_sub.add_parser("fetch", help="download datasets into the data root, checked (needs network)")
    fetch_parser.add_argument("name", nargs="+", help="datasets to fetch, e.g. mnist fashion-mnist usps orl")
    fetch_parser.add_argument("--root", help=root_help)
    fetch_parser.set_defaults(func=cmd_fetch)

    features = subparsers.add_parser("features", help="pretrained ResNet feature caches")
    features_sub = features.add_subparsers(dest="features_command", metavar="{extract}", required=True)
    extract = features_sub.add_parser("extract", help="extract ResNet avg-pool features and cache them")
    extract.add_argument("--dataset", required=True, help="an image dataset, e.g. cifar10, stl10, mnist")
    extract.add_argument("--model", required=True, choices=sorted(FEATURE_MODELS))
    extract.add_argument("--weights", help="local state_dict file (default: torchvision's IMAGENET1K_V1)")
    extract.add_argument("--split", default="all", choices=("train", "test", "all"))
    extract.add_argument("--root", help=root_help + "; the images are read from here")
    extract.add_argument("--out", help="data root to write features/ into (default: --root)")
    extract.add_argument("--device", default="auto", choices=DEVICES)
    extract.add_argument("--batch-size", type=int, default=256)
    extract.add_argument("--image-size", type=int, help="crop size instead of 224 (quick tests, small images)")
    extract.set_defaults(func=cmd_extract)


def _availability(name: str, root: Path) -> tuple[str, int]:
    sources = file_sources(name)
    if not spec(name).needs_root or not sources:
        return "yes (no files)", 0
    present = [source for source in sources if source.present(root)]
    if not present:
        return ("incomplete" if any(s.state(root) == "incomplete" for s in sources) else "no"), 0
    return "yes", sum(source.bytes_on_disk(root) for source in present)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size else "-"


def cmd_list(args: argparse.Namespace) -> int:
    """Print one line per registered dataset."""
    root = data_root(args.root)
    print(f"data root: {root}   cache: {cache_dir(root)}")
    print(f"{'name':<20} {'available':<15} {'on disk':>10}  description / origin")
    for name in names():
        available, size = _availability(name, root)
        origins = "; ".join(dict.fromkeys(f"{source.origin} ({source.size})" for source in sources_of(name)))
        print(f"{name:<20} {available:<15} {_megabytes(size):>10}  {spec(name).description}")
        if origins:
            print(f"{'':<48}from: {origins}")
    return 0


def check_dataset(name: str, root: Path) -> tuple[str, str]:
    """``("ok" | "missing" | "corrupt", detail)`` for one dataset: checksums of every file first, then a full load.

    A corrupt dataset's detail names each damaged or missing file on its own line.
    """
    status, lines = problems(name, root)
    if status == "damaged":
        return "corrupt", "\n".join(lines)
    if status == "missing":
        return "missing", "not found; searched " + "; ".join(lines) + f". Fetch: {fetch_command(name, root)}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = load(name, root=root) if spec(name).needs_root else load(name)
    except DataCorruptedError as err:
        return "corrupt", str(err)
    except DataNotFoundError as err:
        return "missing", str(err).splitlines()[0]
    counts = dataset.metadata.get("class_counts")
    return "ok", f"{len(dataset)} x {dataset.shape}, {dataset.n_clusters} clusters" + (
        f", class counts {counts}" if counts and len(counts) <= 10 else "")


def missing_root(root: Path) -> str:
    """What was searched when the data root itself does not exist."""
    folders = dict.fromkeys(str(root / name.split("/")[0]) for source in SOURCES.values() for name in source.files)
    return (f"data root {describe_root(root)} does not exist (the root is --root if given, else $ADVCLUST_DATA, "
            "else ./data).\nSearched:\n  " + "\n  ".join([str(root), *folders]))


def cmd_check(args: argparse.Namespace) -> int:
    """Check one dataset (exit 1 unless it is ok) or all (exit 1 if any file is damaged); exit 1 for a missing root."""
    root = data_root(args.root)
    selected = [spec(args.name).name] if args.name else names()
    if not root.is_dir():
        print(missing_root(root))
        return 1
    statuses = []
    for name in selected:
        status, detail = check_dataset(name, root)
        statuses.append(status)
        first, *rest = detail.splitlines() or [""]
        print(f"{name:<20} {status:<8} {first}")
        for line in rest:
            print(f"{'':<30}{line}")
    if args.name:
        return 0 if statuses == ["ok"] else 1
    return 1 if "corrupt" in statuses else 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Download what the named datasets need and is missing, then check it; one error lists every failure."""
    root = data_root(args.root)
    selected = list(dict.fromkeys(spec(name).name for name in args.name))
    before = {name: problems(name, root)[0] for name in selected if spec(name).needs_root and file_sources(name)}
    failed = fetch_datasets(before, root)
    for name in selected:
        if name not in before:
            print(f"{name} needs no files ({spec(name).description}); nothing to fetch")
        elif name not in failed:
            done = "is already present under" if before[name] == "ok" else "fetched into"
            print(f"{name} {done} {root} (checksums verified)")
    if failed:
        raise DataNotFoundError(f"could not fetch {len(failed)} dataset(s) into {describe_root(root)}:\n" + "\n".join(
            f"- {name}: {why}" for name, why in failed.items()))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Run the feature extraction and report the cache written."""
    path = extract_to_cache(
        args.dataset, args.model, args.split, weights=args.weights, root=args.root, out=args.out,
        device=args.device, batch_size=args.batch_size, image_size=args.image_size,
    )
    print(f"wrote {path} and {path.with_suffix('.json').name}")
    return 0
