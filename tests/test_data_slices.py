"""One way to slice data: load(rows=, sample=, sample_seed=) and Dataset.take, recorded in the options."""

import pytest
import torch

from advclust import data
from advclust.errors import UserInputError


def _dataset(n=20):
    return data.Dataset(name="toy", inputs=torch.arange(n).float()[:, None], labels=torch.arange(n) % 3,
                        n_clusters=3, source="hand-made", metadata={"class_counts": [7, 7, 6]})


def test_rows_keep_the_first_inputs_and_say_so():
    part = _dataset().take(rows=5)
    assert part.name == "toy" and part.options == {"rows": 5}
    assert part.inputs[:, 0].tolist() == [0, 1, 2, 3, 4] and part.metadata["class_counts"] == [2, 2, 1]
    assert "first 5 of 20" in part.metadata["rows"]


def test_sample_is_seeded_without_replacement_and_keeps_rows_whole():
    full = _dataset()
    part = full.take(sample=5, seed=1)
    assert part.name == "toy" and part.options == {"sample": 5, "sample_seed": 1} and len(part) == 5
    assert torch.equal(part.labels, part.inputs[:, 0].long() % 3)
    assert len(set(part.inputs[:, 0].tolist())) == 5
    assert torch.equal(full.take(sample=5, seed=1).inputs, part.inputs)
    assert not torch.equal(full.take(sample=5, seed=2).inputs, part.inputs)
    assert full.take() is full


def test_slices_compose_as_load_would_make_them():
    full = _dataset()
    # the first rows of a sample are the smaller sample with the same seed
    assert torch.equal(full.take(sample=8, seed=3).take(rows=4).inputs, full.take(sample=4, seed=3).inputs)
    assert full.take(sample=8, seed=3).take(rows=4).options == {"sample": 4, "sample_seed": 3}
    assert full.take(rows=10).take(sample=4).options == {"rows": 10, "sample": 4, "sample_seed": 0}
    with pytest.raises(UserInputError, match="already a random sample"):
        full.take(sample=8).take(sample=4)


@pytest.mark.parametrize("kwargs, message", [
    ({"rows": 0}, "rows must be an integer in \\[1, 20\\]"), ({"rows": 21}, "rows must be"),
    ({"sample": 21}, "sample must be an integer in \\[1, 20\\]"), ({"rows": 2.5}, "rows must be"),
    ({"rows": 2, "sample": 2}, "not both"), ({"sample": 2, "seed": "x"}, "seed must be an integer"),
])
def test_bad_slices_are_refused(kwargs, message):
    with pytest.raises(UserInputError, match=message):
        _dataset().take(**kwargs)


def test_endless_samplers_cannot_be_sliced():
    with pytest.raises(UserInputError, match="endless sampler"):
        data.load("gaussians8", n_eval=100, rows=10)


def test_load_records_the_slice_and_reloads_the_same_rows():
    sliced = data.load("digits", rows=1000, sample=50, sample_seed=4)
    assert sliced.name == "digits" and sliced.options == {"rows": 1000, "sample": 50, "sample_seed": 4}
    again = data.load(sliced.name, **sliced.options)
    assert torch.equal(again.inputs, sliced.inputs) and torch.equal(again.labels, sliced.labels)
    assert torch.equal(sliced.inputs, data.load("digits").take(rows=1000).take(sample=50, seed=4).inputs)
    with pytest.raises(UserInputError, match="valid options: size, value_range, dtype, rows, sample, sample_seed"):
        data.load("digits", first=10)


@pytest.mark.needs_data("artifact-mnist")
def test_loader_seeds_and_the_sample_seed_do_not_clash(shared_data):
    """Artifact-MNIST has a seed of its own (its artifacts); the sample's is sample_seed."""
    one = data.load("artifact-mnist", split="test", seed=1, sample=100, sample_seed=2)
    assert one.options == {"split": "test", "seed": 1, "sample": 100, "sample_seed": 2}
