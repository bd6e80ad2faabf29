"""A fresh machine: fetching (from file:// URLs, no network), the book's data check before anything runs,
`data check` naming every damaged file, the Olivetti pickle never opened, and skips for want of data."""

import ast
import gzip
import re
import time
from pathlib import Path
from socket import gaierror
from urllib.error import URLError

import numpy as np
import pytest
import torch

from advclust import book, cli
from advclust.data import DataNotFoundError, load, names, sources
from advclust.data.cache import sha256_file
from advclust.data.commands import add_commands
from advclust.data.faces import OLIVETTI, OLIVETTI_FILE, ORL, SKLEARN_PICKLE
from advclust.data.images import MNIST, resize_images
from advclust.data.sources import DataCorruptedError, file_sources
from advclust.data.usps import USPS

REPO = Path(__file__).resolve().parents[1]


def run_data_cli(*argv: str) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="advclust")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def offline(request, timeout):
    raise URLError(gaierror(-2, "Name or service not known"))


def olivetti_mat(shared: Path, path: Path) -> torch.Tensor:
    """An ``olivettifaces.mat`` laid out as Roweis' file, made from the real faces; returns its 64x64 faces."""
    from scipy.io import savemat

    faces = (resize_images(load("orl", size=None, dtype="uint8", root=shared).inputs, 64)[:, 0] * 255).round()
    faces = faces.to(torch.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    savemat(path, {"faces": faces.numpy().transpose(0, 2, 1).reshape(400, -1).T})  # column-major, 4096 x 400
    return faces


@pytest.mark.needs_data("mnist", "usps", "orl")
def test_book_fetch_downloads_what_the_notebooks_need_and_checks_it(tmp_path, monkeypatch, shared_data):
    """`advclust book --fetch` (make book, make test) from file:// URLs: bad mirrors are skipped, checksums hold."""
    mirror, root = tmp_path / "mirror", tmp_path / "root"
    mirror.mkdir()
    nowhere = (mirror / "nothing-here").as_uri()
    for name in MNIST.files:  # the labels gzipped as on the official mirrors; the first URL of each fails
        packed = mirror / (Path(name).name + ".gz")
        if "labels" in name:
            packed.write_bytes(gzip.compress((shared_data / name).read_bytes(), compresslevel=1))
        monkeypatch.setitem(MNIST.urls, name, (nowhere, packed.as_uri() if "labels" in name
                                               else (shared_data / name).as_uri()))
    damaged = mirror / "usps-damaged.bz2"
    damaged.write_bytes((shared_data / USPS.files[0]).read_bytes()[:50_000])
    for name in USPS.files:  # a mirror serving a damaged file: it must not land, the next URL is used
        monkeypatch.setitem(USPS.urls, name, (damaged.as_uri(), (shared_data / name).as_uri()))
    faces = olivetti_mat(shared_data, mirror / "olivettifaces.mat")  # its digest stands in for the published one
    monkeypatch.setitem(OLIVETTI.urls, OLIVETTI_FILE, ((mirror / "olivettifaces.mat").as_uri(),))
    monkeypatch.setitem(OLIVETTI.sha256, OLIVETTI_FILE, sha256_file(mirror / "olivettifaces.mat"))
    monkeypatch.setenv("ADVCLUST_DATA", str(root))

    assert cli.main(["book", "--fetch", "--data-only", "--only", "02b", "--only", "04", "--only", "05a"]) == 0
    for source in (MNIST, USPS, OLIVETTI):
        assert source.present(root) and source.damaged(root) == []
    assert all(sha256_file(root / name) == MNIST.sha256[name] for name in MNIST.files)
    assert not list(root.rglob("*.tmp")) and not (root / "FashionMNIST").exists()  # only what was asked for
    # the fetched Olivetti copy is what ORL falls back to without the pgm folder (PFCA's 36:4 genders)
    gender = load("orl", target="gender", root=root)
    assert gender.metadata["layout"] == "olivetti" and gender.metadata["class_counts"] == [360, 40]
    scaled = ((faces - faces.min()) / (faces.max() - faces.min()).float() * 255).round().to(torch.uint8)
    assert torch.equal(load("orl", size=None, dtype="uint8", root=root).inputs[:, 0], scaled)
    assert run_data_cli("data", "fetch", "usps", "orl", "--root", str(root)) == 0  # present: nothing to do


def test_book_refuses_to_start_without_its_data(tmp_path, monkeypatch, capsys):
    """Offline with an empty root: a few seconds, every missing dataset with its fetch command, no chapter run."""
    def never(*args, **kwargs):
        raise AssertionError("a chapter was executed")

    monkeypatch.setenv("ADVCLUST_DATA", str(tmp_path))
    monkeypatch.setattr(book, "execute", never)
    monkeypatch.setattr(sources, "urlopen", offline)
    started = time.perf_counter()
    assert cli.main(["book", "--profile", "quick", "--fetch"]) == cli.EXIT_USAGE
    assert time.perf_counter() - started < 10
    error = capsys.readouterr().err
    needed = {name for stem in book.DATASETS.values() for name in stem if file_sources(name)}
    for name in needed:
        assert re.search(rf"^  {re.escape(name)} +missing .*advclust data fetch {re.escape(name)} --root", error, re.M)
    assert "nothing was executed" in error and "Name or service not known" in error
    assert f"advclust data fetch mnist fashion-mnist orl usps --root {tmp_path}" in error
    assert cli.main(["book", "--only", "02b"]) == cli.EXIT_USAGE  # a selection checks what it needs only
    error = capsys.readouterr().err
    assert "mnist" in error and "fashion-mnist" not in error and "orl" not in error
    assert list(tmp_path.iterdir()) == []  # failed downloads leave no empty folders behind


def test_every_notebook_declares_the_datasets_it_loads():
    """book.DATASETS covers every notebook and every downloadable dataset its code names."""
    stems = [path.stem for path in book.chapters()]
    assert sorted(book.DATASETS) == sorted(stems)
    registered = set(names())
    for path in book.chapters():
        literals = {node.value for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.Constant) and node.value in registered}
        declared = {source.key for name in book.DATASETS[path.stem] for source in file_sources(name)}
        named = {source.key for name in literals for source in file_sources(name) if source.urls}
        assert named <= declared, f"{path.stem} loads {sorted(named - declared)} but book.DATASETS does not say so"


@pytest.mark.needs_data("orl", "usps")
def test_data_check_names_every_damaged_or_missing_file(tmp_path, shared_data, capsys):
    """Deleted and altered ORL images and a truncated USPS file: each named, exit 1; the loader names them too."""
    for name in ORL.files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).symlink_to(shared_data / name)
    deleted = [tmp_path / "ORL/att_faces/s3/4.pgm", tmp_path / "ORL/att_faces/s40/10.pgm"]
    for path in deleted:
        path.unlink()
    altered = tmp_path / "ORL/att_faces/s12/5.pgm"
    pixels = bytearray(altered.read_bytes())
    altered.unlink()  # never write through the link into the shared copy
    pixels[-1] ^= 0xFF
    altered.write_bytes(bytes(pixels))
    (tmp_path / "USPS").mkdir()
    truncated = tmp_path / "USPS/usps.t.bz2"
    truncated.write_bytes((shared_data / "USPS/usps.t.bz2").read_bytes()[:-10])
    (tmp_path / "USPS/usps.bz2").symlink_to(shared_data / "USPS/usps.bz2")

    assert run_data_cli("data", "check", "--root", str(tmp_path)) == 1
    out = capsys.readouterr().out
    for path in [*deleted, altered, truncated]:
        assert str(path) in out
    assert re.search(r"^orl +corrupt", out, re.M) and re.search(r"^usps700 +corrupt", out, re.M)
    assert run_data_cli("data", "check", "orl", "--root", str(tmp_path)) == 1
    with pytest.raises(DataCorruptedError, match="s3/4.pgm") as error:
        load("orl", root=tmp_path)
    assert str(deleted[1]) in str(error.value)
    with pytest.raises(DataCorruptedError, match="usps.t.bz2"):
        load("usps", split="train", root=tmp_path)  # checked before parsing, whichever part is asked for


def test_data_check_lists_the_searched_paths_for_a_missing_root(tmp_path, monkeypatch, capsys):
    nowhere = tmp_path / "nowhere"
    monkeypatch.setenv("ADVCLUST_DATA", str(nowhere))
    assert run_data_cli("data", "check") == 1
    out = capsys.readouterr().out
    assert f"data root {nowhere} (from $ADVCLUST_DATA) does not exist" in out
    for folder in ("MNIST", "FashionMNIST", "USPS", "ORL"):
        assert f"  {nowhere / folder}\n" in out
    assert run_data_cli("data", "check", "mnist", "--root", str(nowhere)) == 1


class Payload:
    """Unpickling this creates a file: the stand-in for arbitrary code in a crafted pickle."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def test_an_olivetti_pickle_is_never_opened_and_the_mat_is_checked_first(tmp_path, monkeypatch, capsys):
    import joblib
    import scipy.io

    marker = tmp_path / "code-ran"
    (tmp_path / SKLEARN_PICKLE).parent.mkdir(parents=True)
    joblib.dump(Payload(marker), tmp_path / SKLEARN_PICKLE)
    with pytest.raises(DataNotFoundError, match="is not read: it is a pickle"):
        load("orl", root=tmp_path)
    assert run_data_cli("data", "check", "orl", "--root", str(tmp_path)) == 1
    assert "missing" in capsys.readouterr().out and not marker.exists()

    def never(*args, **kwargs):
        raise AssertionError("a file was parsed before its checksum was checked")

    monkeypatch.setattr(scipy.io, "loadmat", never)
    (tmp_path / OLIVETTI_FILE).parent.mkdir()
    scipy.io.savemat(tmp_path / OLIVETTI_FILE, {"faces": np.zeros((4096, 400), np.uint8)})
    with pytest.raises(DataCorruptedError, match="olivettifaces.mat: sha256"):
        load("orl", root=tmp_path)
    assert not marker.exists()


#: Options of the inner pytest runs: without assertion rewriting and plugins they take a second, not twenty.
QUICK = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--assert=plain")


def test_tests_without_their_data_are_skipped_saying_how_to_fetch_it(pytester, tmp_path, monkeypatch):
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text())
    pytester.makepyfile(test_reads="""
        import pytest

        @pytest.mark.needs_data("mnist")
        def test_mnist(shared_data):
            pass

        @pytest.mark.needs_data("usps700", "digits")
        def test_usps():
            pass

        def test_nothing():
            pass

        def test_unmarked(shared_data):
            pass
    """)
    monkeypatch.setenv("ADVCLUST_DATA", str(tmp_path))
    result = pytester.runpytest(*QUICK, "-rs")
    result.assert_outcomes(passed=1, skipped=2, errors=1)
    result.stdout.fnmatch_lines([
        "*2 test(s) skipped for want of data (mnist, usps700); fetch: advclust data fetch mnist usps*",
        f"*missing data: mnist not under {tmp_path} (from $ADVCLUST_DATA); fetch: advclust data fetch mnist *",
        "*missing data: usps700 not under*; fetch: advclust data fetch usps *",
    ])
    (tmp_path / "USPS").mkdir()
    (tmp_path / "USPS" / "usps.bz2").write_bytes(b"damaged")  # present but damaged: run (and fail), never skip
    result = pytester.runpytest(*QUICK, "-k", "usps")
    result.assert_outcomes(passed=1)


def test_make_fetches_before_the_book_and_the_tests():
    makefile = (REPO / "Makefile").read_text()
    recipe = {target: re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M)[1] for target in ("book", "test")}
    assert "advclust book --fetch" in recipe["book"]
    fetch, pytest_line = recipe["test"].index("advclust book --fetch --data-only"), recipe["test"].index("pytest")
    assert fetch < pytest_line and "||" in recipe["test"][fetch:pytest_line]  # offline: the tests still run
