"""Data roots, caches, missing and corrupted files, downloads offline, and the data commands."""

import argparse
import os
import shutil
from pathlib import Path
from socket import gaierror
from urllib.error import URLError

import pytest
import torch
import torchvision

from advclust.data import DataNotFoundError, data_root, load
from advclust.data.cache import cache_dir
from advclust.data.commands import add_commands
from advclust.data.features import load_features
from advclust.data import sources
from advclust.data.sources import DataCorruptedError
from advclust.errors import UnknownChoiceError


@pytest.fixture(autouse=True, scope="module")
def _temporary_cache(tmp_path_factory):
    """Caches go to a temporary folder, never into the shared data or the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADVCLUST_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="advclust")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def mnist_copy(shared: Path, root: Path, copied: str = "t10k-images-idx3-ubyte") -> Path:
    """A data root with MNIST's raw files linked from the shared copy, one of them a real copy."""
    (root / "MNIST" / "raw").mkdir(parents=True)
    for source in (shared / "MNIST" / "raw").iterdir():
        target = root / "MNIST" / "raw" / source.name
        shutil.copyfile(source, target) if source.name == copied else target.symlink_to(source)
    return root / "MNIST" / "raw" / copied


@pytest.mark.needs_data("mnist")
def test_data_root_resolution_order(tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("ADVCLUST_DATA", str(shared_data))
    assert data_root(tmp_path) == tmp_path
    assert data_root() == shared_data
    monkeypatch.delenv("ADVCLUST_DATA")
    monkeypatch.chdir(tmp_path)
    assert data_root() == Path("data")
    with pytest.raises(DataNotFoundError, match=r"data/MNIST/raw/train-images-idx3-ubyte"):
        load("mnist")  # the default ./data is empty here
    monkeypatch.setenv("ADVCLUST_DATA", str(shared_data))
    assert len(load("mnist", split="test")) == 10000
    with pytest.raises(DataNotFoundError):  # an explicit root wins over the environment
        load("mnist", split="test", root=tmp_path)


def test_missing_data_names_set_paths_and_command(tmp_path):
    with pytest.raises(DataNotFoundError) as error:
        load("usps700", root=tmp_path)
    message = str(error.value)
    assert "USPS not found" in message and str(tmp_path / "USPS" / "usps.bz2") in message
    assert f"advclust data fetch usps --root {tmp_path}" in message
    with pytest.raises(DataNotFoundError, match="olivettifaces.mat") as error:
        load("orl", root=tmp_path)
    assert "advclust data fetch orl" in str(error.value)


def test_download_offline_says_why(tmp_path, monkeypatch):
    def offline(request, timeout):
        raise URLError(gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(sources, "urlopen", offline)
    with pytest.raises(DataNotFoundError, match="no network access") as error:
        load("mnist", root=tmp_path, download=True)
    assert "Name or service not known" in str(error.value) and "ossci-datasets" in str(error.value)
    with pytest.raises(DataNotFoundError, match="advclust data fetch mnist --root DIR") as error:
        run_cli("data", "fetch", "mnist", "usps", "digits", "--root", str(tmp_path))
    assert "- mnist:" in str(error.value) and "- usps:" in str(error.value)  # every failure, in one error
    assert not any(tmp_path.rglob("*-ubyte")) and not any(tmp_path.rglob("*.bz2"))


@pytest.mark.needs_data("mnist")
def test_corrupted_file_is_named_and_left_alone(tmp_path, shared_data):
    images = mnist_copy(shared_data, tmp_path)
    assert len(load("mnist", split="test", root=tmp_path)) == 10000  # intact: loads (and is cached)
    with open(images, "r+b") as handle:
        handle.truncate(1_000_000)
    with pytest.raises(DataCorruptedError, match=str(images)):
        load("mnist", split="test", root=tmp_path)  # the cache does not hide the damage
    assert images.stat().st_size == 1_000_000  # nothing overwritten or deleted


@pytest.mark.needs_data("usps")
def test_corrupted_file_without_known_checksum(tmp_path, shared_data):
    (tmp_path / "USPS").mkdir()
    damaged = tmp_path / "USPS" / "usps.bz2"
    damaged.write_bytes((shared_data / "USPS" / "usps.bz2").read_bytes()[:200_000])
    (tmp_path / "USPS" / "usps.t.bz2").symlink_to(shared_data / "USPS" / "usps.t.bz2")
    with pytest.raises(DataCorruptedError, match=str(damaged)):
        load("usps", root=tmp_path)
    assert damaged.stat().st_size == 200_000


@pytest.mark.needs_data("mnist")
def test_cache_location_and_reuse(tmp_path, monkeypatch, shared_data):
    """Read-only roots made here, never the shared folder, whose permission bits differ between machines."""
    monkeypatch.delenv("ADVCLUST_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    os.chmod(read_only, 0o555)
    try:
        assert cache_dir(read_only) == tmp_path / "home" / ".cache" / "advclust" / cache_dir(read_only).name
    finally:
        os.chmod(read_only, 0o755)
    writable = tmp_path / "root"
    mnist_copy(shared_data, writable)
    assert cache_dir(writable) == writable / "advclust-cache"
    first = load("mnist", split="test", root=writable, dtype="uint8")
    assert (writable / "advclust-cache" / "mnist-test.pt").is_file()
    assert torch.equal(load("mnist", split="test", root=writable, dtype="uint8").inputs, first.inputs)
    monkeypatch.setenv("ADVCLUST_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir(writable).parent == tmp_path / "elsewhere"


@pytest.mark.needs_data("mnist")
def test_read_only_root_is_not_written(tmp_path, monkeypatch, shared_data):
    root = tmp_path / "readonly"
    mnist_copy(shared_data, root)
    monkeypatch.delenv("ADVCLUST_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    os.chmod(root, 0o555)
    try:
        load("mnist", split="test", root=root)
        assert sorted(p.name for p in root.iterdir()) == ["MNIST"]
        assert list((tmp_path / "home" / ".cache" / "advclust").glob("*/mnist-test.pt"))
    finally:
        os.chmod(root, 0o755)


@pytest.mark.needs_data("mnist", "usps700")
def test_data_commands(shared_data, tmp_path, capsys):
    assert run_cli("data", "list") == 0
    listing = capsys.readouterr().out
    assert any(line.split()[:2] == ["mnist", "yes"] for line in listing.splitlines())
    assert any(line.split()[:2] == ["cifar10", "no"] for line in listing.splitlines())
    assert run_cli("data", "check", "usps700") == 0
    assert "usps700" in capsys.readouterr().out
    assert run_cli("data", "check", "cifar10-resnet50") == 1
    assert "missing" in capsys.readouterr().out
    assert run_cli("data", "fetch", "digits") == 0
    assert "nothing to fetch" in capsys.readouterr().out
    assert run_cli("data", "fetch", "mnist") == 0
    assert "already present" in capsys.readouterr().out
    with pytest.raises(UnknownChoiceError, match="mnist"):
        run_cli("data", "check", "mnsit")
    images = mnist_copy(shared_data, tmp_path)
    images.write_bytes(images.read_bytes()[:-5])
    assert run_cli("data", "check", "mnist", "--root", str(tmp_path)) == 1
    assert "corrupt" in capsys.readouterr().out


@pytest.mark.needs_data("orl")
def test_features_extract_command(shared_data, tmp_path, capsys):
    """The CLI end to end: faces read from the (read-only) shared root, features written with --out."""
    torch.manual_seed(0)
    weights = tmp_path / "resnet18-random.pt"
    torch.save(torchvision.models.resnet18().state_dict(), weights)
    status = run_cli("features", "extract", "--dataset", "orl", "--model", "resnet18", "--weights", str(weights),
                     "--out", str(tmp_path), "--device", "cpu", "--image-size", "16")
    assert status == 0 and "orl-all-resnet18.pt" in capsys.readouterr().out
    with pytest.warns(UserWarning, match="not torchvision's ImageNet"):
        features = load_features("orl", "resnet18", root=tmp_path)
    assert features.inputs.shape == (400, 512) and features.n_clusters == 40
    assert not (shared_data / "features").exists()


def test_features_extract_rejects_bad_input(tmp_path):
    with pytest.raises(UnknownChoiceError, match="digits"):
        run_cli("features", "extract", "--dataset", "imagenet", "--model", "resnet50", "--root", str(tmp_path))
    with pytest.raises(UnknownChoiceError, match="test, train"):
        run_cli("features", "extract", "--dataset", "mnist-imbalanced-1", "--model", "resnet18")
    with pytest.raises(SystemExit) as exit_info:
        run_cli("features", "extract", "--dataset", "digits", "--model", "vgg16")
    assert exit_info.value.code == 2
    with pytest.raises(DataNotFoundError, match="weights file"):
        run_cli("features", "extract", "--dataset", "digits", "--model", "resnet18",
                "--weights", str(tmp_path / "none.pt"), "--root", str(tmp_path))
