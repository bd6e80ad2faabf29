"""data.subset: seeded random rows, named by their count, the whole set untouched when n is large."""

import pytest
import torch

from advclust import data


def _dataset(n=20):
    return data.Dataset(name="toy", inputs=torch.arange(n).float()[:, None], labels=torch.arange(n) % 3,
                        n_clusters=3, source="hand-made")


def test_subset_rows_match_labels_and_are_seeded():
    full = _dataset()
    part = data.subset(full, 5, seed=1)
    assert part.name == "toy-subset5" and len(part) == 5
    assert torch.equal(part.labels, part.inputs[:, 0].long() % 3)  # rows kept whole
    assert len(set(part.inputs[:, 0].tolist())) == 5
    assert torch.equal(data.subset(full, 5, seed=1).inputs, part.inputs)
    assert not torch.equal(data.subset(full, 5, seed=2).inputs, part.inputs)


def test_subset_of_everything_is_the_dataset_and_zero_is_refused():
    full = _dataset()
    assert data.subset(full, 20) is full and data.subset(full, None) is full
    with pytest.raises(ValueError, match="at least one"):
        data.subset(full, 0)
