"""The shared training pieces: batch streams, devices, atomic checkpoint writes."""

import pytest
import torch

from advclust import training
from advclust.errors import UserInputError


def test_tensor_batches_cover_each_epoch_once():
    torch.manual_seed(0)
    inputs = torch.arange(10).float().unsqueeze(1)
    batches = training.TensorBatches(inputs, batch_size=5, device=torch.device("cpu"))
    first = batches.next()
    state = batches.state_dict()
    second = batches.next()
    assert sorted(torch.cat([first, second]).squeeze(1).tolist()) == list(range(10))
    batches.load_state_dict(state)
    assert torch.equal(batches.next(), second)


def test_resolve_device():
    assert training.resolve_device("cpu") == torch.device("cpu")
    assert training.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(UserInputError, match="valid: auto, cpu, cuda"):
        training.resolve_device("quantum")


def test_atomic_save_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "checkpoint.pt"
    training.atomic_torch_save({"step": 1}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError, match="cannot pickle"):
        training.atomic_torch_save({"step": 2, "bad": Unpicklable()}, path)
    assert torch.load(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_fit_rejects_what_is_neither_tensor_nor_sampler():
    with pytest.raises(UserInputError, match="tensor of inputs or a sampler"):
        training.batches_for([[0.0, 1.0]], 2, torch.device("cpu"))
