"""Every registered dataset loads with the right shapes and counts; the papers' variants are exact."""

import pytest
import torch

from advclust import data
from advclust.data import DataNotFoundError, load
from advclust.data.faces import ORL_FEMALE_SUBJECTS
from advclust.data.images import ARTIFACT_VALUES, MNIST_COUNTS, to_float
from advclust.data.usps import USPS_VARIANTS
from advclust.errors import UnknownChoiceError, UserInputError
from advclust.metrics import uniformity_index

#: name -> (length, input shape, n_clusters) with default options, for the sets in ../shared/data.
EXPECTED = {
    "mnist": (60000, (1, 28, 28), 10),
    "fashion-mnist": (60000, (1, 28, 28), 10),
    "artifact-mnist": (60000, (1, 28, 28), 3),
    "mnist-imbalanced-1": (60000 - 5923 + 592, (1, 28, 28), 10),
    "mnist-imbalanced-3": (60000 - 6742 + 674 - 6131 + 1839 - 5421 + 2710, (1, 28, 28), 10),
    "usps": (7291, (1, 16, 16), 10),
    **{name: (sum(counts), (1, 16, 16), 10) for name, (counts, _) in USPS_VARIANTS.items()},
    "orl": (400, (1, 32, 32), 40),
    "digits": (1797, (1, 8, 8), 10),
    "gaussians8": (5000, (2,), 8),
}
#: Registered sets that cannot exist offline: loading them must say how to create them.
NOT_OFFLINE = {"cifar10", "stl10", "cifar10-resnet50", "stl10-resnet50", "cifar10-resnet18", "stl10-resnet18",
               "mnist-resnet18"}


@pytest.fixture(autouse=True, scope="module")
def _temporary_cache(tmp_path_factory):
    """Caches go to a temporary folder, never into the shared data or the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADVCLUST_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def test_every_registered_dataset_is_covered():
    assert set(data.names()) == set(EXPECTED) | NOT_OFFLINE


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.needs_data(name)) for name in sorted(EXPECTED)])
def test_dataset_loads_with_shapes_and_counts(name, shared_data):
    dataset = load(name)
    length, shape, n_clusters = EXPECTED[name]
    assert (len(dataset), dataset.shape, dataset.n_clusters) == (length, shape, n_clusters)
    assert dataset.inputs.dtype == torch.float32 and dataset.labels.dtype == torch.int64
    assert set(dataset.labels.unique().tolist()) == set(range(n_clusters))
    if name != "gaussians8":
        assert dataset.inputs.min() >= 0 and dataset.inputs.max() <= 1
        assert sum(dataset.metadata["class_counts"]) == length


@pytest.mark.parametrize("name", sorted(NOT_OFFLINE))
def test_sets_missing_offline_say_how_to_create_them(name):
    with pytest.raises(DataNotFoundError, match="advclust (data fetch|features extract)") as error:
        load(name)
    assert str(data.data_root()) in str(error.value)


@pytest.mark.needs_data("mnist")
def test_mnist_splits_ranges_sizes_and_uint8(shared_data):
    test = load("mnist", split="test")
    assert test.metadata["class_counts"] == list(MNIST_COUNTS["test"])
    assert len(load("mnist", split="all")) == 70000
    small = load("mnist", split="test", size=14, value_range=(-1, 1))
    assert small.shape == (1, 14, 14) and small.inputs.min() == -1 and small.inputs.max() <= 1
    compact = load("mnist", split="test", dtype="uint8")
    assert compact.inputs.dtype == torch.uint8 and compact.shape == (1, 28, 28)
    assert torch.equal(to_float(compact.inputs), test.inputs)
    assert torch.allclose(to_float(compact.inputs[:5], (-1, 1)), test.inputs[:5] * 2 - 1)


def test_bad_options_list_the_valid_choices():
    with pytest.raises(UnknownChoiceError, match="all, test, train"):
        load("mnist", split="validation")
    with pytest.raises(UnknownChoiceError, match="float32, uint8"):
        load("digits", dtype="float16")
    with pytest.raises(UserInputError, match="low < high"):
        load("digits", value_range=(1, 0))
    with pytest.raises(UserInputError, match="valid options"):
        load("mnist", colour=True)
    with pytest.raises(UnknownChoiceError, match="gender, identity"):
        load("orl", target="age")
    with pytest.raises(ValueError, match="usps700"):
        load("usps600")


@pytest.mark.needs_data("artifact-mnist")
def test_artifact_mnist_values_balance_and_seed(shared_data):
    dataset = load("artifact-mnist", split="all")
    first_pixel = dataset.inputs[:, 0, 0, 0]
    assert torch.allclose(first_pixel, torch.tensor(ARTIFACT_VALUES)[dataset.labels])
    shares = torch.tensor(dataset.metadata["class_counts"]) / len(dataset)
    assert (shares - 1 / 3).abs().max() < 0.01  # equal probability, 70,000 draws
    digits = dataset.metadata["digit_labels"]
    assert torch.equal(digits, load("mnist", split="all").labels)
    # Apart from the artifact, the images are MNIST's.
    assert torch.equal(dataset.inputs[:, :, 1:], load("mnist", split="all").inputs[:, :, 1:])
    again, other = load("artifact-mnist", split="test"), load("artifact-mnist", split="test", seed=1)
    assert torch.equal(again.labels, dataset.labels[60000:])
    assert not torch.equal(other.labels, again.labels)


@pytest.mark.needs_data("mnist-imbalanced-1")
def test_imbalanced_mnist_fractions(shared_data):
    full = torch.tensor(MNIST_COUNTS["train"])
    one = torch.tensor(load("mnist-imbalanced-1").metadata["class_counts"])
    three = torch.tensor(load("mnist-imbalanced-3").metadata["class_counts"])
    assert one[0] == round(0.1 * full[0].item()) and torch.equal(one[1:], full[1:])
    for digit, fraction in {1: 0.1, 3: 0.3, 5: 0.5}.items():
        assert three[digit] == round(fraction * full[digit].item())
    untouched = [d for d in range(10) if d not in (1, 3, 5)]
    assert torch.equal(three[untouched], full[untouched])
    test = load("mnist-imbalanced-3", split="test")
    assert len(test) == 10000 and test.metadata["class_counts"] == list(MNIST_COUNTS["test"])
    with pytest.raises(UnknownChoiceError):
        load("mnist-imbalanced-1", split="all")


@pytest.mark.needs_data("usps")
def test_usps_variants_counts_and_uniformity_index(shared_data):
    pooled = load("usps", split="all")
    assert len(pooled) == 9298 and max(pooled.metadata["class_counts"]) == 1553
    assert min(pooled.metadata["class_counts"]) == 708  # the paper's largest and smallest class
    for name, (counts, table_ui) in USPS_VARIANTS.items():
        dataset = load(name)
        assert dataset.metadata["class_counts"] == list(counts)
        assert round(dataset.metadata["uniformity_index"], 3) == table_ui
        assert round(uniformity_index(counts), 3) == table_ui
    first, same, other = load("usps700"), load("usps700"), load("usps700", seed=1)
    assert torch.equal(first.inputs, same.inputs) and not torch.equal(first.inputs, other.inputs)


@pytest.mark.needs_data("orl")
def test_orl_identity_and_gender(shared_data):
    identity = load("orl")
    gender = load("orl", target="gender")
    assert identity.metadata["class_counts"] == [10] * 40
    assert gender.n_clusters == 2 and gender.metadata["class_counts"] == [360, 40]
    female_subjects = sorted({s + 1 for s in identity.labels[gender.labels == 1].tolist()})
    assert female_subjects == list(ORL_FEMALE_SUBJECTS) == [8, 10, 32, 35]
    listed = (shared_data / "ORL" / "female_subjects.txt").read_text().split()
    assert sorted(map(int, listed)) == female_subjects
    assert load("orl", size=None).shape == (1, 112, 92)


@pytest.mark.needs_data("mnist")
def test_rows_keeps_the_first_inputs_and_recounts_classes():
    full = data.load("mnist", split="test", size=14)
    head = data.load("mnist", split="test", size=14, rows=500)
    assert torch.equal(head.inputs, full.inputs[:500]) and torch.equal(head.labels, full.labels[:500])
    assert sum(head.metadata["class_counts"]) == 500
    assert head.options == {"split": "test", "size": 14, "rows": 500}
    with pytest.raises(UserInputError, match="rows must be an integer"):
        data.load("mnist", split="test", rows=10001)
