"""The shared training pieces: batch streams and their checks (devices and atomic writes: test_system)."""

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


def test_fit_rejects_what_is_neither_tensor_nor_sampler():
    with pytest.raises(UserInputError, match="tensor of inputs or a sampler"):
        training.batches_for([[0.0, 1.0]], 2, torch.device("cpu"))
