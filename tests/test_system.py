"""The lowest floor: atomic writes, devices and provenance."""

import json
import os

import pytest
import torch

from advclust import system
from advclust.errors import UserInputError


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle")


def test_atomic_torch_save_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "checkpoint.pt"
    assert system.atomic_torch_save(path, {"step": 1}) == path
    with pytest.raises(RuntimeError, match="cannot pickle"):
        system.atomic_torch_save(path, {"step": 2, "bad": Unpicklable()})
    assert torch.load(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_atomic_path_renames_on_success_and_removes_on_failure(tmp_path):
    path = tmp_path / "sub" / "record.json"
    with system.atomic_path(path) as temporary:
        assert temporary.parent == path.parent and temporary != path
        temporary.write_text("{}")
        assert not path.exists()
    assert path.read_text() == "{}"
    with pytest.raises(KeyError):
        with system.atomic_path(path) as temporary:
            temporary.write_text("half")
            raise KeyError("interrupted")
    assert path.read_text() == "{}" and sorted(p.name for p in path.parent.iterdir()) == ["record.json"]


def test_atomic_writes_give_ordinary_permissions(tmp_path):
    system.atomic_write_text(tmp_path / "a.txt", "é\n")
    system.atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "é\n" and (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_resolve_device():
    assert system.resolve_device("cpu") == torch.device("cpu")
    assert system.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(UserInputError, match="valid: auto, cpu, cuda"):
        system.resolve_device("quantum")
    assert system.device_description("cpu").startswith("cpu: ")


def test_provenance_names_commit_versions_device_host_and_time():
    record = system.provenance("cpu")
    assert set(record) == {"commit", "versions", "device", "host", "created"}
    assert record["versions"]["torch"] == torch.__version__ and record["device"].startswith("cpu")
    assert record["commit"] is None or len(record["commit"].split("+")[0]) == 40
    assert json.loads(json.dumps(record)) == record
