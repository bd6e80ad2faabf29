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


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_atomic_writes_give_ordinary_permissions(tmp_path, umask):
    """Records and checkpoints get 0666 less the umask (0644 usually), not mkstemp's 0600."""
    before = os.umask(umask)
    try:
        system.atomic_write_text(tmp_path / "a.txt", "é\n")
        system.atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
        system.atomic_torch_save(tmp_path / "checkpoint.pt", {"step": 1})
    finally:
        os.umask(before)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "é\n" and (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    for name in ("a.txt", "b.bin", "checkpoint.pt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


WRITER = """
import sys, time
from advclust import system
system.terminate_as_exit()
with system.atomic_path(sys.argv[1]) as temporary:
    temporary.write_text("half")
    print("writing", flush=True)
    time.sleep(120)
"""


def test_killed_writers_leave_no_temporary_files(tmp_path):
    """SIGTERM unwinds the writer, which removes its temporary file; what SIGKILL leaves is removed by the next
    write to that file."""
    import signal
    import subprocess
    import sys

    writers = {sig: subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / f"{sig.name}.json")],
                                     stdout=subprocess.PIPE, text=True, cwd=system.REPO_ROOT)
               for sig in (signal.SIGTERM, signal.SIGKILL)}
    for sig, writer in writers.items():
        assert writer.stdout.readline() == "writing\n"
        writer.send_signal(sig)
        writer.wait(timeout=60)
        writer.stdout.close()
    assert writers[signal.SIGTERM].returncode == 128 + signal.SIGTERM
    assert [p.name for p in tmp_path.iterdir()] == [p.name for p in tmp_path.glob(".SIGKILL.json.*.tmp")] != []
    system.atomic_write_text(tmp_path / "SIGKILL.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["SIGKILL.json"]


def test_writable_folder_is_created_and_probed(tmp_path):
    assert system.writable_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    (tmp_path / "file").write_text("")
    with pytest.raises(UserInputError, match="is not a folder"):
        system.writable_folder(tmp_path / "file", "--out")
    with pytest.raises(UserInputError, match="cannot write in --out"):
        system.writable_folder("/proc/advclust-records", "--out")


def test_resolve_device():
    assert system.resolve_device("cpu") == torch.device("cpu")
    assert system.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(UserInputError, match="valid: auto, cpu, cuda"):
        system.resolve_device("quantum")
    assert system.device_description("cpu").startswith("cpu: ")


def test_limit_threads_sets_torch_and_blas_threads_and_zero_keeps_them():
    import threadpoolctl

    before_torch, before_blas = torch.get_num_threads(), threadpoolctl.threadpool_info()
    try:
        torch.set_num_threads(2)  # whatever OMP_NUM_THREADS this process started with
        threadpoolctl.threadpool_limits(2)
        system.limit_threads(0)
        assert torch.get_num_threads() == 2
        system.limit_threads(1)
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpoolctl.threadpool_info())
    finally:
        torch.set_num_threads(before_torch)
        for pool in before_blas:
            threadpoolctl.threadpool_limits(pool["num_threads"], user_api=pool["user_api"])


def test_provenance_names_commit_versions_device_host_and_time():
    record = system.provenance("cpu")
    assert set(record) == {"commit", "versions", "device", "host", "created"}
    assert record["versions"]["torch"] == torch.__version__ and record["device"].startswith("cpu")
    assert record["commit"] is None or len(record["commit"].split("+")[0]) == 40
    assert json.loads(json.dumps(record)) == record
