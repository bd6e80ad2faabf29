"""ResNet feature extraction end to end, with randomly initialised weights saved as a local file."""

import json
import shutil
from urllib.error import URLError

import pytest
import torch
import torchvision

from advclust.data import DataNotFoundError, load
from advclust.data.features import build_network, extract_features, extract_to_cache, load_features, preprocessing
from advclust.data.sources import DataCorruptedError
from advclust.errors import UserInputError


@pytest.fixture(autouse=True, scope="module")
def _temporary_cache(tmp_path_factory):
    """Caches go to a temporary folder, never into the shared data or the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ADVCLUST_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def random_weights(model: str, path):
    torch.manual_seed(0)
    torch.save(torchvision.models.get_model(model, weights=None).state_dict(), path)
    return path


@pytest.fixture(scope="module")
def digits_features(tmp_path_factory):
    """ResNet-18 features of the 1,797 digits at 32x32, cached in a temporary data root."""
    root = tmp_path_factory.mktemp("features-root")
    weights = random_weights("resnet18", root / "resnet18-random.pt")
    path = extract_to_cache("digits", "resnet18", weights=weights, root=root, device="cpu", batch_size=600,
                            image_size=32, progress=False)
    assert path == root / "features" / "digits-all-resnet18.pt"
    return root


def test_extract_and_load_end_to_end(digits_features):
    with pytest.warns(UserWarning, match="not torchvision's ImageNet IMAGENET1K_V1"):
        features = load_features("digits", "resnet18", root=digits_features)
    assert features.inputs.shape == (1797, 512) and features.inputs.dtype == torch.float32
    assert torch.isfinite(features.inputs).all() and features.inputs.std() > 0
    assert torch.equal(features.labels, load("digits").labels) and features.n_clusters == 10
    manifest = json.loads((digits_features / "features" / "digits-all-resnet18.json").read_text())
    assert manifest["dataset"] == "digits" and manifest["model"] == "resnet18" and manifest["shape"] == [1797, 512]
    assert manifest["pretrained"] is None and len(manifest["weights_sha256"]) == 64
    assert manifest["preprocessing"]["crop_size"] == 32 and "grey repeated" in manifest["preprocessing"]["input"]


def test_features_match_a_direct_forward_pass(digits_features):
    network, _ = build_network("resnet18", digits_features / "resnet18-random.pt")
    images = load("digits", dtype="uint8").inputs[:8]
    expected = extract_features(images, network, preprocessing("resnet18", 32), batch_size=3)
    with pytest.warns(UserWarning):
        cached = load_features("digits", "resnet18", root=digits_features).inputs[:8]
    assert torch.allclose(cached, expected, atol=1e-5)


def test_registered_feature_set_checks_its_manifest(digits_features, tmp_path):
    (tmp_path / "features").mkdir()
    for suffix in (".pt", ".json"):  # digits features posing as MNIST's
        shutil.copyfile(digits_features / "features" / f"digits-all-resnet18{suffix}",
                        tmp_path / "features" / f"mnist-all-resnet18{suffix}")
    with pytest.raises(DataCorruptedError, match="describes"):
        load("mnist-resnet18", root=tmp_path)
    shutil.copyfile(digits_features / "features" / "digits-all-resnet18.json",
                    tmp_path / "features" / "digits-all-resnet18.json")
    damaged = tmp_path / "features" / "digits-all-resnet18.pt"
    damaged.write_bytes((digits_features / "features" / "digits-all-resnet18.pt").read_bytes()[:-100])
    with pytest.raises(DataCorruptedError, match="checksum"):
        load_features("digits", "resnet18", root=tmp_path)
    assert damaged.is_file()


def test_resnet50_gives_2048_features(tmp_path):
    network, record = build_network("resnet50", random_weights("resnet50", tmp_path / "resnet50.pt"))
    features = extract_features(torch.rand(3, 3, 32, 32), network, preprocessing("resnet50", 32))
    assert features.shape == (3, 2048) and record["pretrained"] is None


def test_offline_errors_say_what_is_missing(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise URLError("[Errno -2] Name or service not known")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torchvision.models._api, "load_state_dict_from_url", no_network)
    with pytest.raises(DataNotFoundError, match="resnet50-0676ba61.pth") as error:
        extract_to_cache("digits", "resnet50", root=tmp_path)
    assert "--weights PATH" in str(error.value) and str(tmp_path / "torch") in str(error.value)
    with pytest.raises(DataNotFoundError) as error:
        load("cifar10-resnet50", root=tmp_path)
    message = str(error.value)
    assert str(tmp_path / "features" / "cifar10-all-resnet50.pt") in message
    assert "advclust features extract --dataset cifar10 --model resnet50 --split all" in message
    assert "advclust data fetch cifar10" in message


def test_train_and_test_splits_come_from_the_pooled_cache(digits_features, monkeypatch):
    """A feature set's 'all' cache pools train then test; split= takes each part, checked by its class counts."""
    from advclust.data import features as features_module

    labels = load("digits").labels
    counts = {"train": torch.bincount(labels[:1000], minlength=10).tolist(),
              "test": torch.bincount(labels[1000:], minlength=10).tolist()}
    monkeypatch.setitem(features_module.SPLIT_COUNTS, "digits", counts)
    with pytest.warns(UserWarning):
        pooled = load_features("digits", "resnet18", root=digits_features)
        train = load_features("digits", "resnet18", split="train", root=digits_features)
        test = load_features("digits", "resnet18", split="test", root=digits_features)
    assert torch.equal(train.inputs, pooled.inputs[:1000]) and torch.equal(test.labels, labels[1000:])
    assert train.metadata["split"] == "train" and train.metadata["class_counts"] == counts["train"]
    monkeypatch.setitem(features_module.SPLIT_COUNTS, "digits", {"train": counts["test"], "test": counts["train"]})
    with pytest.raises(DataCorruptedError, match="class counts"):
        load_features("digits", "resnet18", split="train", root=digits_features)


@pytest.mark.needs_data("fashion-mnist")
def test_a_missing_feature_set_can_fall_back_to_a_labelled_stand_in(tmp_path, shared_data):
    with pytest.raises(DataNotFoundError, match="cifar10-all-resnet50.pt"):
        load("cifar10-resnet50", split="test", root=tmp_path)
    # the stand-in is read from the real data root, the features searched under it (and missing there)
    if (shared_data / "features" / "cifar10-all-resnet50.pt").exists():
        pytest.skip("the real CIFAR-10 features are present: no stand-in is taken")
    stand = load("cifar10-resnet50", split="test", stand_in="fashion-mnist", sample=500)
    assert stand.name == "cifar10-resnet50" and stand.inputs.shape == (500, 784)
    assert stand.options == {"split": "test", "stand_in": "fashion-mnist", "sample": 500, "sample_seed": 0}
    assert stand.source.startswith("STAND-IN: the fashion-mnist test images as 784-pixel vectors")
    assert stand.metadata["stand_in"] == "fashion-mnist" and "not found" in stand.metadata["missing"]
    with pytest.raises(UserInputError, match="no train/test splits"):
        load("cifar10-resnet50", split="test", stand_in="digits", root=tmp_path)


def test_the_stand_in_is_not_recorded_when_the_features_exist(digits_features, monkeypatch):
    from advclust.data import features as features_module

    loader = features_module._features_loader("digits", "resnet18")
    from advclust import data

    monkeypatch.setitem(data._REGISTRY, "digits-resnet18", data.DatasetSpec("digits-resnet18", loader, "test"))
    with pytest.warns(UserWarning):
        real = load("digits-resnet18", stand_in="fashion-mnist", root=digits_features)
    assert real.options == {} and "stand_in" not in real.metadata and real.inputs.shape == (1797, 512)
