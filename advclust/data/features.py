"""ImageNet-pretrained ResNet features of image datasets, extracted once and cached with a manifest.

DCAN (§3) clusters CIFAR-10 through the 2048-d "avg pool" output of
an ImageNet ResNet-50 and MNIST through a ResNet-18; Dual-AAE (§IV-A) and
SIMI-ClusterGAN (§IV-D) use ResNet-50 features of STL-10 and CIFAR-10.
``advclust features extract`` runs torchvision's ResNet (weights
``IMAGENET1K_V1``, the original He et al. weights of the papers' time, or a
local state dict via ``--weights``) with those weights' own preprocessing
(resize 256, centre crop 224, ImageNet mean/std; grey images repeated to three
channels), batched on the GPU when there is one, and writes
``<root>/features/<dataset>-<split>-<model>.pt`` plus a ``.json`` manifest
(dataset, split, model, weights checksum, preprocessing, shape, file checksum).
Loading a feature dataset reads that file and checks it against the manifest.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from advclust.data import DataNotFoundError, Dataset, data_root, load, names, register, spec
from advclust.data.cache import is_writable, sha256_file
from advclust.data.images import CIFAR10_COUNTS, MNIST_COUNTS, STL10_COUNTS, to_float
from advclust.data.sources import (
    DataCorruptedError, Source, add_source, check_counts, describe_root, fetch, sources_of,
)
from advclust.errors import UserInputError, check_choice
from advclust.system import atomic_torch_save, atomic_write_text, now, resolve_device


@dataclass(frozen=True)
class FeatureModel:
    """A torchvision ResNet used as a feature extractor: its avg-pool output has ``dim`` values."""

    title: str
    dim: int


FEATURE_MODELS = {"resnet50": FeatureModel("ResNet-50", 2048), "resnet18": FeatureModel("ResNet-18", 512)}
#: The torchvision weights the features are meant to come from.
PRETRAINED = "IMAGENET1K_V1"
#: Registered feature datasets: the (image dataset, model) pairs the papers use.
FEATURE_DATASETS = {
    "cifar10-resnet50": ("cifar10", "resnet50"),  # DCAN §3, SIMI-ClusterGAN §IV-D
    "stl10-resnet50": ("stl10", "resnet50"),  # Dual-AAE §IV-A, SIMI-ClusterGAN §IV-D
    "cifar10-resnet18": ("cifar10", "resnet18"),
    "stl10-resnet18": ("stl10", "resnet18"),
    "mnist-resnet18": ("mnist", "resnet18"),  # DCAN §3 (ResNet-18 features of MNIST)
}
DEVICES = ("auto", "cpu", "cuda")


def pretrained_weights(model: str):
    """torchvision's ``IMAGENET1K_V1`` weights enum of ``model`` (metadata only; nothing is downloaded)."""
    import torchvision

    check_choice("model", model, FEATURE_MODELS)
    return getattr(torchvision.models.get_model_weights(model), PRETRAINED)


def preprocessing(model: str, image_size: int | None = None) -> nn.Module:
    """The pretrained weights' own transform; ``image_size`` scales its resize and crop (tests, small inputs)."""
    from torchvision.transforms._presets import ImageClassification

    transform = pretrained_weights(model).transforms()
    if image_size is None:
        return transform
    if image_size < 8:
        raise UserInputError(f"image_size must be at least 8 pixels, got {image_size}")
    resize = round(image_size * transform.resize_size[0] / transform.crop_size[0])
    return ImageClassification(crop_size=image_size, resize_size=resize, mean=transform.mean, std=transform.std)


def _official_prefix(model: str) -> str:
    """The SHA-256 prefix torch hub embeds in the official weights' file name (``resnet50-0676ba61.pth``)."""
    return re.search(r"-([0-9a-f]+)\.pth$", pretrained_weights(model).url).group(1)


def build_network(model: str, weights: str | Path | None = None) -> tuple[nn.Module, dict]:
    """The ResNet with its classifier removed (output = avg-pool features), and a record of its weights.

    ``weights=None`` takes torchvision's pretrained weights from the torch hub
    cache, downloading them if possible; offline the error says what is missing
    and how to provide it. A path loads a local ``state_dict``.
    """
    import torchvision

    check_choice("model", model, FEATURE_MODELS)
    network = torchvision.models.get_model(model, weights=None)
    if weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise DataNotFoundError(f"weights file {path} not found")
        try:
            network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as err:
            raise UserInputError(f"{path} is not a torchvision {model} state dict: {err}") from err
        origin = str(path.resolve())
    else:
        enum = pretrained_weights(model)
        path = Path(torch.hub.get_dir()) / "checkpoints" / Path(enum.url).name
        try:
            network.load_state_dict(enum.get_state_dict(progress=True, check_hash=True))
        except Exception as err:  # offline: URLError / OSError from the download
            raise DataNotFoundError(
                f"the ImageNet-pretrained {model} weights ({type(enum).__name__}.{PRETRAINED}) are not in the torch "
                f"hub cache ({path}) and could not be downloaded ({err}).\n"
                f"On a machine with network access run this same command (it downloads {enum.url}), or download "
                f"that file there and pass it here with --weights PATH."
            ) from err
        origin = f"torchvision {type(enum).__name__}.{PRETRAINED} ({enum.url})"
    digest = sha256_file(path)
    record = {
        "weights": origin,
        "weights_sha256": digest,
        # A local file can be the official one: torch hub names it by its checksum prefix.
        "pretrained": PRETRAINED if digest.startswith(_official_prefix(model)) else None,
    }
    network.fc = nn.Identity()
    return network.eval(), record


@torch.no_grad()
def extract_features(
    images: torch.Tensor, network: nn.Module, preprocess: nn.Module, batch_size: int = 256,
    device: torch.device | str = "cpu", progress: bool = False,
) -> torch.Tensor:
    """Float32 features (N, D) of images (N, C, H, W) (uint8, or float in [0, 1]), batch by batch on ``device``."""
    from tqdm.auto import tqdm

    if batch_size < 1:
        raise UserInputError(f"batch_size must be positive, got {batch_size}")
    network = network.to(device).eval()
    chunks = []
    for start in tqdm(range(0, len(images), batch_size), desc="features", unit="batch", disable=not progress):
        x = to_float(images[start:start + batch_size], device=device)
        if x.shape[1] == 1:  # grey images: the same plane on all three input channels
            x = x.expand(-1, 3, -1, -1)
        chunks.append(network(preprocess(x)).float().cpu())
    return torch.cat(chunks) if chunks else torch.empty(0, 0)


def image_datasets() -> list[str]:
    """Registered datasets whose inputs are images (those with a ``dtype`` option) — the valid sources."""
    return [name for name in names() if "dtype" in spec(name).options]


def _source_images(dataset: str, split: str, root: str | Path | None) -> Dataset:
    check_choice("dataset", dataset, image_datasets())
    options: dict = {"dtype": "uint8", "root": root}
    if "split" in spec(dataset).options:
        options["split"] = split
    elif split != "all":
        raise UserInputError(f"dataset {dataset!r} has no train/test splits; use split 'all'")
    return load(dataset, **options)


def feature_paths(root: str | Path, dataset: str, split: str, model: str) -> tuple[Path, Path]:
    """The cached features file and its manifest under data root ``root``."""
    stem = Path(root) / "features" / f"{dataset}-{split}-{model}"
    return stem.with_suffix(".pt"), stem.with_suffix(".json")


def extract_to_cache(
    dataset: str, model: str, split: str = "all", weights: str | Path | None = None,
    root: str | Path | None = None, out: str | Path | None = None, device: str = "auto",
    batch_size: int = 256, image_size: int | None = None, progress: bool = True,
) -> Path:
    """Extract features of ``dataset`` (read from ``root``) and cache them under ``out`` (default: ``root``).

    Everything that can fail cheaply (names, data, weights, a read-only output
    folder) is checked before the extraction starts. Returns the features file.
    """
    import torchvision

    check_choice("dataset", dataset, image_datasets())
    check_choice("model", model, FEATURE_MODELS)
    source = _source_images(dataset, split, root)
    torch_device = resolve_device(check_choice("device", device, DEVICES))
    network, weights_record = build_network(model, weights)
    preprocess = preprocessing(model, image_size)
    features_path, manifest_path = feature_paths(data_root(out if out is not None else root), dataset, split, model)
    features_path.parent.mkdir(parents=True, exist_ok=True)
    if not is_writable(features_path.parent):
        raise UserInputError(f"{features_path.parent} is read-only; write the features elsewhere with --out DIR")
    started = time.perf_counter()
    features = extract_features(source.inputs, network, preprocess, batch_size, torch_device, progress)
    atomic_torch_save(features_path, {"features": features, "labels": source.labels})
    manifest = {
        "dataset": dataset, "split": split, "model": model, **weights_record,
        "layer": "avgpool (the classifier replaced by identity)",
        "preprocessing": {
            "resize_size": preprocess.resize_size[0], "crop_size": preprocess.crop_size[0],
            "interpolation": "bilinear, antialiased", "mean": list(preprocess.mean), "std": list(preprocess.std),
            "input": "uint8 pixels / 255" + ("; grey repeated to 3 channels" if source.inputs.shape[1] == 1 else ""),
        },
        "shape": list(features.shape), "dtype": "float32", "n_clusters": source.n_clusters,
        "class_counts": source.metadata["class_counts"], "sha256": sha256_file(features_path),
        "device": str(torch_device), "seconds": round(time.perf_counter() - started, 2),
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "created": now(),
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2) + "\n")  # written last: marks a complete cache
    return features_path


#: Class counts of the train and test splits of the image sets whose 'all' features pool train then test.
SPLIT_COUNTS = {"mnist": MNIST_COUNTS, "cifar10": CIFAR10_COUNTS, "stl10": STL10_COUNTS}


def _missing_features(dataset: str, model: str, split: str, root: Path, paths: list[Path]) -> DataNotFoundError:
    title = FEATURE_MODELS[model].title
    weights = pretrained_weights(model)
    shown = "\n  ".join(map(str, paths))
    all_features, all_manifest = feature_paths(root, dataset, "all", model)
    return DataNotFoundError(
        f"cached {title} features of {dataset} (split {split}) not found under data root {describe_root(root)}.\n"
        f"Searched (missing):\n  {shown}\n"
        f"They are made from the {dataset} images and torchvision's ImageNet-pretrained {title} weights "
        f"({type(weights).__name__}.{PRETRAINED}, {weights.url}), which need network access to obtain.\n"
        f"On a networked machine (a GPU makes it minutes) run:\n"
        f"  advclust data fetch {dataset} --root DIR\n"
        f"  advclust features extract --dataset {dataset} --model {model} --split all --root DIR\n"
        f"then copy DIR/features/{all_features.name} and {all_manifest.name} into {root / 'features'} "
        "(the 'all' features serve the train and test splits too)."
    )


def _read_cache(dataset: str, model: str, split: str, features_path: Path, manifest_path: Path):
    """Features, int64 labels and manifest of one cache file, checked against the manifest and its checksum."""
    try:
        manifest = json.loads(manifest_path.read_text())
        expected = {"dataset": dataset, "split": split, "model": model}
        if {key: manifest.get(key) for key in expected} != expected:
            raise ValueError(f"it describes {[manifest.get(key) for key in expected]}, expected {list(expected.values())}")
        if sha256_file(features_path) != manifest["sha256"]:
            raise ValueError(f"{features_path.name} does not match the checksum in the manifest (truncated or replaced)")
        stored = torch.load(features_path, map_location="cpu", weights_only=True)
        features, labels = stored["features"], stored["labels"]
        if list(features.shape) != manifest["shape"] or features.shape[1] != FEATURE_MODELS[model].dim \
                or features.dtype != torch.float32 or labels.shape != (len(features),):
            raise ValueError(f"features {tuple(features.shape)} {features.dtype} disagree with the manifest")
    except Exception as err:
        raise DataCorruptedError(f"feature cache {features_path} / {manifest_path.name} is not usable: {err}. "
                                 "Nothing was changed; re-run `advclust features extract` to rebuild it.") from err
    return features, labels.to(torch.int64), manifest


def load_features(dataset: str, model: str, split: str = "all", root: str | Path | None = None) -> Dataset:
    """Cached features (float32, N x D) and labels, checked against their manifest and checksum.

    ``split`` 'train' or 'test' reads that split's own cache if there is one, else the matching rows
    of the 'all' cache, which pools the training then the test images (checked against the known
    class counts of each split).
    """
    check_choice("model", model, FEATURE_MODELS)
    check_choice("split", split, ("train", "test", "all"))
    root = data_root(root)
    features_path, manifest_path = feature_paths(root, dataset, split, model)
    searched = [features_path, manifest_path]
    part = None
    if not (features_path.is_file() and manifest_path.is_file()) and split != "all" and dataset in SPLIT_COUNTS:
        pooled = feature_paths(root, dataset, "all", model)
        searched += list(pooled)
        if all(path.is_file() for path in pooled):
            features_path, manifest_path = pooled
            part = split
    if not (features_path.is_file() and manifest_path.is_file()):
        raise _missing_features(dataset, model, split, root, searched)
    features, labels, manifest = _read_cache(dataset, model, "all" if part else split, features_path, manifest_path)
    if part is not None:
        counts = SPLIT_COUNTS[dataset]
        n_train, n_test = sum(counts["train"]), sum(counts["test"])
        if len(features) != n_train + n_test:
            raise DataCorruptedError(f"{features_path} holds {len(features)} rows, not the {n_train} training "
                                     f"and {n_test} test images of {dataset}; cannot split it")
        keep = slice(0, n_train) if part == "train" else slice(n_train, None)
        features, labels = features[keep], labels[keep]
        check_counts(f"{features_path.name} rows of split {part}", labels, counts[part])
        manifest = {**manifest, "split": part, "shape": list(features.shape),
                    "rows": f"the {part} rows of {features_path.name} ({len(features)} of {n_train + n_test})"}
    if manifest.get("pretrained") != PRETRAINED:
        warnings.warn(f"{features_path.name} was extracted with weights that are not torchvision's ImageNet "
                      f"{PRETRAINED} ({manifest.get('weights')}); its numbers are not the papers' setting",
                      stacklevel=2)
    return Dataset(
        name=f"{dataset}-{model}", inputs=features, labels=labels, n_clusters=manifest["n_clusters"],
        source=f"{FEATURE_MODELS[model].title} avg-pool features of {dataset} ({manifest['weights']}), {features_path}",
        metadata={**manifest, "class_counts": torch.bincount(labels, minlength=manifest["n_clusters"]).tolist()},
    )


def stand_in_for(name: str, stand_in: str, split: str, root: str | Path | None, reason: str) -> Dataset:
    """The images of ``stand_in`` as flat pixel vectors, labelled everywhere as a stand-in for feature set ``name``.

    A chapter still runs, on the same code, where the feature cache cannot be made (no network for
    the weights); its numbers say nothing about the feature set, and ``source``, ``metadata`` and the
    run record's ``dataset_options`` (``stand_in``) say so.
    """
    check_choice("stand_in", stand_in, image_datasets())
    options: dict = {"root": root}
    if "split" in spec(stand_in).options:
        options["split"] = split
    elif split != "all":
        raise UserInputError(f"stand-in {stand_in!r} has no train/test splits; use split 'all' or another stand-in")
    images = load(stand_in, **options)
    inputs = images.inputs.reshape(len(images), -1)
    return Dataset(
        name=name, inputs=inputs, labels=images.labels, n_clusters=images.n_clusters,
        source=(f"STAND-IN: the {stand_in} {split} images as {inputs.shape[1]}-pixel vectors, not the {name} "
                f"features (missing on this machine); {images.source}"),
        metadata={**images.metadata, "stand_in": stand_in, "stands_in_for": name, "missing": reason},
    )


def _features_loader(dataset: str, model: str) -> Callable[..., Dataset]:
    name = f"{dataset}-{model}"

    def load_cached(split: str = "all", stand_in: str | None = None, root: str | Path | None = None) -> Dataset:
        try:
            return load_features(dataset, model, split, root)
        except DataNotFoundError as missing:  # a damaged cache still raises: never a silent stand-in
            if stand_in is None:
                raise
            return stand_in_for(name, stand_in, split, root, str(missing).splitlines()[0])

    load_cached.__name__ = f"load_{dataset}_{model}"
    load_cached.__doc__ = (f"{FEATURE_MODELS[model].title} features of {dataset} from the cache that "
                           f"``advclust features extract --dataset {dataset} --model {model}`` writes; "
                           "split 'train', 'test' or 'all' (default: train and test pooled, as the papers "
                           "cluster them). ``stand_in`` names an image dataset whose flat pixels replace the "
                           "features when the cache is missing, labelled as a stand-in.")
    return load_cached


def _features_fetcher(dataset: str, model: str) -> Callable[[Path], None]:
    def fetch_and_extract(root: Path) -> None:
        for source in sources_of(dataset)[:1]:
            if not source.present(root):
                fetch(source, root)
        extract_to_cache(dataset, model, "all", root=root)

    return fetch_and_extract


for _name, (_dataset, _model) in FEATURE_DATASETS.items():
    _dim = FEATURE_MODELS[_model].dim
    register(_name, description=f"{FEATURE_MODELS[_model].title} ImageNet features ({_dim}-d) of {_dataset}, "
             "from the cache made by `advclust features extract`", needs_root=True)(_features_loader(_dataset, _model))
    add_source(Source(
        key=_name, title=f"{FEATURE_MODELS[_model].title} features of {_dataset}",
        files=tuple(f"features/{p.name}" for p in feature_paths(".", _dataset, "all", _model)),
        origin=f"advclust features extract --dataset {_dataset} --model {_model} (needs network for the weights)",
        size=f"N x {_dim} float32", datasets=(_name,), fetch=_features_fetcher(_dataset, _model),
    ))
