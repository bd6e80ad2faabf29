"""Image datasets: MNIST, Fashion-MNIST, Artifact-MNIST, imbalanced MNIST, digits, CIFAR-10, STL-10.

Every image loader returns ``Dataset.inputs`` of shape (N, C, H, W). By default
they are float32 in [0, 1], which is what the methods expect; ``value_range``
maps them linearly to another interval (``(-1, 1)`` for tanh generators and
IMSAT) and ``size`` resizes them (``size=14`` gives DCAN's 14x14 MNIST). With
``dtype="uint8"`` the raw 0..255 pixels are kept (4x less memory) and a
training loop converts each batch on its device with :func:`to_float`.

Decoded pixels are cached (see :mod:`advclust.data.cache`), so a second load of
MNIST reads one tensor file instead of parsing and checksumming the raw files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
import torch.nn.functional as F

from advclust.data import Dataset, data_root, register
from advclust.data.cache import cached
from advclust.data.checksums import known_digests
from advclust.data.sources import (
    DataCorruptedError, Source, add_source, check_counts, require, verify_checksums,
)
from advclust.errors import UserInputError, check_choice

SPLITS = ("train", "test", "all")
DTYPES = ("float32", "uint8")
ValueRange = tuple[float, float]


# --- one implementation of the pixel conventions -------------------------------------------

def to_float(
    batch: torch.Tensor, value_range: Sequence[float] = (0.0, 1.0), device: torch.device | str | None = None
) -> torch.Tensor:
    """A batch as float32 on ``device``, mapped linearly from [0, 1] to ``value_range``.

    ``uint8`` batches are read as 0..255 and divided by 255 (after the transfer, so
    only the compact bytes travel to the GPU); float batches are taken to be in [0, 1].
    """
    lo, hi = _check_range(value_range)
    x = batch.to(device, non_blocking=True) if device is not None else batch
    x = x.div(255.0) if x.dtype == torch.uint8 else x.float()  # uint8 / float -> float32 in one kernel
    return x if (lo, hi) == (0.0, 1.0) else x.mul(hi - lo).add_(lo)


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """Images (N, C, H, W) resized to ``size`` x ``size`` as float in [0, 1].

    Antialiased bilinear interpolation: a faithful downsampling (for 28 -> 14 it
    averages neighbourhoods instead of dropping pixels); the papers do not say
    which filter they used.
    """
    x = to_float(images)
    if tuple(x.shape[-2:]) == (size, size):
        return x
    return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False).clamp_(0, 1)


def finish_images(
    images: torch.Tensor, size: int | None, value_range: Sequence[float], dtype: str
) -> torch.Tensor:
    """The last step of every image loader: optional resize, then float in ``value_range`` or raw uint8."""
    check_choice("dtype", dtype, DTYPES)
    lo, hi = _check_range(value_range)
    if size is not None:
        if not isinstance(size, int) or size < 1:
            raise UserInputError(f"size must be a positive integer (pixels per side), got {size!r}")
        images = resize_images(images, size)
    if dtype == "uint8":
        if (lo, hi) != (0.0, 1.0):
            raise UserInputError(
                "value_range applies to float32 inputs; with dtype='uint8' pixels stay 0..255 "
                "and each batch is mapped by to_float(batch, value_range)"
            )
        return images if images.dtype == torch.uint8 else images.mul(255).round_().to(torch.uint8)
    return to_float(images, (lo, hi)).contiguous()


def _check_range(value_range: Sequence[float]) -> ValueRange:
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise UserInputError(f"value_range must be two numbers (low, high), got {value_range!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UserInputError(f"value_range must satisfy low < high, got {value_range!r}")
    return lo, hi


def image_dataset(
    name: str, images: torch.Tensor, labels: torch.Tensor, n_clusters: int, source: str, *,
    size: int | None = None, value_range: Sequence[float] = (0.0, 1.0), dtype: str = "float32", **metadata,
) -> Dataset:
    """A :class:`Dataset` of finished images, with the metadata every image set carries."""
    inputs = finish_images(images, size, value_range, dtype)
    return Dataset(
        name=name, inputs=inputs, labels=labels, n_clusters=n_clusters, source=source,
        metadata={
            "class_counts": torch.bincount(labels, minlength=n_clusters).tolist(),
            "image_shape": list(inputs.shape[1:]),
            "dtype": dtype,
            "value_range": list(_check_range(value_range)) if dtype == "float32" else [0, 255],
            **metadata,
        },
    )


# --- sources read split by split, cached -----------------------------------------------------

Reader = Callable[[Path, str], tuple[torch.Tensor, torch.Tensor]]
T = TypeVar("T")


def read_guarded(path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)``, turning any parse failure into :class:`DataCorruptedError` naming the file."""
    try:
        return read(path)
    except DataCorruptedError:
        raise
    except Exception as err:
        raise DataCorruptedError(
            f"{path} could not be read ({type(err).__name__}: {err}); the file looks truncated or corrupted. "
            "Nothing was changed or deleted."
        ) from err


def load_split(
    source: Source, split: str, root: Path, download: bool, read: Reader,
    counts: dict[str, Sequence[int]], image_shape: tuple[int, ...],
) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, C, H, W) and int64 labels of ``split`` (train, test or all = train then test).

    Each part is checksummed (where checksums are known), read, checked for
    shape, dtype and class counts, and cached; later loads read the cache.
    """
    check_choice("split", split, SPLITS)
    paths = require(source, root, download)
    images, labels = [], []
    for part in ("train", "test") if split == "all" else (split,):
        def build(part: str = part) -> dict[str, torch.Tensor]:
            verify_checksums(source, root)
            x, y = read(root, part)
            if x.dtype != torch.uint8 or tuple(x.shape[1:]) != image_shape or len(x) != len(y):
                raise DataCorruptedError(
                    f"{source.title} {part}: images {tuple(x.shape)} {x.dtype} with {len(y)} labels, "
                    f"expected (N, {', '.join(map(str, image_shape))}) uint8"
                )
            return {"images": x.contiguous(), "labels": y.to(torch.int64)}

        tensors = cached(f"{source.key}-{part}", root, paths, build)
        check_counts(f"{source.title} {part}", tensors["labels"], counts[part])
        images.append(tensors["images"])
        labels.append(tensors["labels"])
    if len(images) == 1:
        return images[0], labels[0]
    return torch.cat(images), torch.cat(labels)


# --- MNIST and Fashion-MNIST -------------------------------------------------------------------

def _idx_reader(folder: str) -> Reader:
    """Reads torchvision's raw IDX files ``<root>/<folder>/raw/{train,t10k}-*-ubyte``."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    def read(root: Path, part: str) -> tuple[torch.Tensor, torch.Tensor]:
        prefix = "train" if part == "train" else "t10k"
        raw = Path(root) / folder / "raw"
        images = read_guarded(raw / f"{prefix}-images-idx3-ubyte", lambda p: read_image_file(str(p)))
        labels = read_guarded(raw / f"{prefix}-labels-idx1-ubyte", lambda p: read_label_file(str(p)))
        return images.unsqueeze(1), labels

    return read


def _idx_files(folder: str) -> tuple[str, ...]:
    return tuple(f"{folder}/raw/{p}-{kind}-ubyte" for p in ("train", "t10k") for kind in ("images-idx3", "labels-idx1"))


def _fetch_torchvision(cls_name: str, **kwargs) -> Callable[[Path], None]:
    def fetch(root: Path) -> None:
        import torchvision

        getattr(torchvision.datasets, cls_name)(str(root), download=True, **kwargs)

    return fetch


MNIST_COUNTS = {
    "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "test": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
FASHION_COUNTS = {"train": (6000,) * 10, "test": (1000,) * 10}

#: Mirrors of the official gzipped IDX files (torchvision's, tried in turn).
MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)


def _idx_urls(folder: str, mirrors: Sequence[str]) -> dict[str, tuple[str, ...]]:
    return {name: tuple(f"{mirror}{name.rsplit('/', 1)[1]}.gz" for mirror in mirrors) for name in _idx_files(folder)}


MNIST = add_source(Source(
    key="mnist", title="MNIST", files=_idx_files("MNIST"),
    origin="torchvision.datasets.MNIST (LeCun, Cortes & Burges); raw IDX files",
    size="70,000 grey 28x28 digits (60k train + 10k test), 55 MB",
    datasets=("mnist", "artifact-mnist", "mnist-imbalanced-1", "mnist-imbalanced-3"),
    urls=_idx_urls("MNIST", MNIST_MIRRORS), sha256=known_digests(_idx_files("MNIST")),
))

FASHION_MNIST = add_source(Source(
    key="fashion-mnist", title="Fashion-MNIST", files=_idx_files("FashionMNIST"),
    origin="torchvision.datasets.FashionMNIST (Xiao, Rasul & Vollgraf, Zalando; MIT licence)",
    size="70,000 grey 28x28 clothing images (60k train + 10k test), 55 MB",
    datasets=("fashion-mnist",),
    urls=_idx_urls("FashionMNIST", FASHION_MIRRORS), sha256=known_digests(_idx_files("FashionMNIST")),
))


def mnist_pixels(split: str = "train", root: str | Path | None = None, download: bool = False):
    """MNIST's uint8 images (N, 1, 28, 28) and digit labels, straight from the (cached) raw files."""
    return load_split(MNIST, split, data_root(root), download, _idx_reader("MNIST"), MNIST_COUNTS, (1, 28, 28))


@register("mnist", description="MNIST digits, 28x28 grey, split train (60k) / test (10k) / all", needs_root=True)
def load_mnist(
    split: str = "train", size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
    dtype: str = "float32", download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """MNIST through torchvision's raw files; ``size=14`` gives DCAN's 14x14 inputs (DCAN §3)."""
    images, labels = mnist_pixels(split, root, download)
    return image_dataset(
        "mnist", images, labels, 10, f"MNIST ({MNIST.origin}) under {data_root(root)}",
        size=size, value_range=value_range, dtype=dtype, split=split,
    )


@register("fashion-mnist", description="Fashion-MNIST, 28x28 grey, split train (60k) / test (10k) / all",
          needs_root=True)
def load_fashion_mnist(
    split: str = "train", size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
    dtype: str = "float32", download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """Fashion-MNIST through torchvision's raw files (PFCA §IV-C)."""
    images, labels = load_split(
        FASHION_MNIST, split, data_root(root), download, _idx_reader("FashionMNIST"), FASHION_COUNTS, (1, 28, 28)
    )
    return image_dataset(
        "fashion-mnist", images, labels, 10, f"Fashion-MNIST ({FASHION_MNIST.origin}) under {data_root(root)}",
        size=size, value_range=value_range, dtype=dtype, split=split,
    )


# --- Artifact-MNIST (PFCA §IV-D-1) -------------------------------------------------------------

#: The three values the first pixel is set to; the label of an image is the index of its value.
ARTIFACT_VALUES = (0.1, 0.5, 0.9)


@register("artifact-mnist", description="MNIST with pixel (0,0) set to 0.1/0.5/0.9; label = artifact (PFCA §IV-D-1)",
          needs_root=True)
def load_artifact_mnist(
    split: str = "train", seed: int = 0, value_range: Sequence[float] = (0.0, 1.0),
    download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """Artifact-MNIST: the first pixel of every image set to 0.1, 0.5 or 0.9, each with probability 1/3.

    The values are drawn independently for all 70,000 images (train first, then
    test) from a generator seeded with ``seed``, so a split's artifacts do not
    depend on which split is asked for. The labels are the artifact (3 clusters);
    the digits are kept in ``metadata["digit_labels"]``. Always float32: the
    artifact values are not representable in uint8. ``value_range`` maps [0, 1]
    linearly, so in (-1, 1) the artifacts read -0.8, 0 and 0.8.
    """
    check_choice("split", split, SPLITS)
    images, digits = mnist_pixels("all", root, download)
    artifact = torch.randint(0, len(ARTIFACT_VALUES), (len(images),), generator=torch.Generator().manual_seed(seed))
    n_train = sum(MNIST_COUNTS["train"])
    keep = {"train": slice(0, n_train), "test": slice(n_train, None), "all": slice(None)}[split]
    images, digits, artifact = images[keep], digits[keep], artifact[keep]
    x = to_float(images)  # a float copy: the cached pixels stay untouched
    x[:, 0, 0, 0] = torch.tensor(ARTIFACT_VALUES)[artifact]
    return image_dataset(
        "artifact-mnist", x, artifact, 3, f"MNIST under {data_root(root)} with a one-pixel artifact (PFCA §IV-D-1)",
        value_range=value_range, split=split, seed=seed, artifact_values=list(ARTIFACT_VALUES),
        digit_labels=digits,
    )


# --- imbalanced MNIST (SIMI-ClusterGAN §IV-G) -------------------------------------------------------------

#: Fraction of each digit's training images kept; the other digits are kept whole.
IMBALANCED_FRACTIONS = {
    "mnist-imbalanced-1": {0: 0.1},
    "mnist-imbalanced-3": {1: 0.1, 3: 0.3, 5: 0.5},
}


def imbalanced_indices(labels: torch.Tensor, fractions: dict[int, float], seed: int) -> torch.Tensor:
    """Indices (in original order) keeping ``round(fraction * count)`` random images of each listed class."""
    generator = torch.Generator().manual_seed(seed)
    keep = torch.ones(len(labels), dtype=torch.bool)
    for digit, fraction in sorted(fractions.items()):
        members = torch.nonzero(labels == digit).squeeze(1)
        n_keep = round(fraction * len(members))
        keep[members] = False
        keep[members[torch.randperm(len(members), generator=generator)[:n_keep]]] = True
    return torch.nonzero(keep).squeeze(1)


def _imbalanced_loader(name: str, fractions: dict[int, float]) -> Callable[..., Dataset]:
    def load(
        split: str = "train", seed: int = 0, size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
        dtype: str = "float32", download: bool = False, root: str | Path | None = None,
    ) -> Dataset:
        check_choice("split", split, ("train", "test"))
        images, labels = mnist_pixels(split, root, download)
        if split == "train":
            keep = imbalanced_indices(labels, fractions, seed)
            images, labels = images[keep], labels[keep]
        return image_dataset(
            name, images, labels, 10, f"MNIST under {data_root(root)}, imbalanced as in SIMI-ClusterGAN §IV-G",
            size=size, value_range=value_range, dtype=dtype, split=split, seed=seed,
            kept_fractions={str(d): f for d, f in fractions.items()},
            evaluation="split='test': the full 10,000-image MNIST test set",
        )

    load.__name__ = f"load_{name.replace('-', '_')}"
    load.__doc__ = (
        f"MNIST training set keeping fractions {fractions} of those digits (chosen with ``seed``, rounded to the "
        "nearest image); ``split='test'`` is the full 10k test set the paper evaluates on (SIMI-ClusterGAN §IV-G)."
    )
    return load


for _name, _fractions in IMBALANCED_FRACTIONS.items():
    register(_name, description=f"MNIST train keeping digit fractions {_fractions}; test = full 10k (SIMI-ClusterGAN §IV-G)",
             needs_root=True)(_imbalanced_loader(_name, _fractions))


# --- scikit-learn's digits --------------------------------------------------------------------

DIGITS_COUNTS = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)

add_source(Source(
    key="digits", title="scikit-learn digits", files=(),
    origin="bundled with scikit-learn (sklearn.datasets.load_digits; UCI optical digits test set)",
    size="1,797 grey 8x8 digits, 17 grey levels", datasets=("digits",),
))


@register("digits", description="scikit-learn's bundled 8x8 digits (1,797); needs no data root")
def load_digits(
    size: int | None = None, value_range: Sequence[float] = (0.0, 1.0), dtype: str = "float32",
    root: str | Path | None = None,
) -> Dataset:
    """scikit-learn's digits, a small real image set that is always there; ``root`` is ignored.

    Pixels are counts 0..16 in the original; they are divided by 16 so that, like
    every image set here, 1.0 is full ink (``dtype='uint8'`` rounds x*255).
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = torch.from_numpy(bunch.images.astype(np.float32) / 16.0).unsqueeze(1)
    labels = torch.from_numpy(bunch.target).to(torch.int64)
    check_counts("digits", labels, DIGITS_COUNTS)
    return image_dataset("digits", images, labels, 10, "scikit-learn load_digits (bundled)",
                         size=size, value_range=value_range, dtype=dtype, split="all")


# --- CIFAR-10 and STL-10 (colour; the sources of the ResNet features) ------------------------

def _torchvision_reader(cls_name: str) -> Reader:
    """Reads CIFAR-10 / STL-10 through torchvision, which checks the files' md5s itself."""

    def read(root: Path, part: str) -> tuple[torch.Tensor, torch.Tensor]:
        import torchvision

        cls = getattr(torchvision.datasets, cls_name)
        try:
            if cls_name == "CIFAR10":
                ds = cls(str(root), train=part == "train")
                return torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous(), torch.tensor(ds.targets)
            ds = cls(str(root), split=part)
            return torch.from_numpy(ds.data).contiguous(), torch.from_numpy(ds.labels.astype(np.int64))
        except RuntimeError as err:  # torchvision: "Dataset not found or corrupted"
            raise DataCorruptedError(f"{cls_name} files under {root} failed torchvision's md5 check: {err}") from err

    return read


CIFAR10 = add_source(Source(
    key="cifar10", title="CIFAR-10",
    files=tuple(f"cifar-10-batches-py/{f}" for f in
                [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]),
    origin="torchvision.datasets.CIFAR10 (Krizhevsky 2009); not obtainable offline",
    size="60,000 colour 32x32 images (50k train + 10k test), 178 MB",
    datasets=("cifar10",), fetch=_fetch_torchvision("CIFAR10"),
))
STL10 = add_source(Source(
    key="stl10", title="STL-10",
    files=tuple(f"stl10_binary/{f}" for f in
                ("train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin", "unlabeled_X.bin")),
    origin="torchvision.datasets.STL10 (Coates, Lee & Ng 2011); not obtainable offline",
    size="13,000 labelled colour 96x96 images (5k train + 8k test; 100k unlabelled not used), 2.6 GB",
    datasets=("stl10",), fetch=_fetch_torchvision("STL10", split="train"),
))
CIFAR10_COUNTS = {"train": (5000,) * 10, "test": (1000,) * 10}
STL10_COUNTS = {"train": (500,) * 10, "test": (800,) * 10}


@register("cifar10", description="CIFAR-10 colour 32x32, split train (50k) / test (10k) / all", needs_root=True)
def load_cifar10(
    split: str = "train", size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
    dtype: str = "float32", download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """CIFAR-10 through torchvision (PFCA §IV-G uses the images; the ResNet features start here)."""
    images, labels = load_split(CIFAR10, split, data_root(root), download,
                                _torchvision_reader("CIFAR10"), CIFAR10_COUNTS, (3, 32, 32))
    return image_dataset("cifar10", images, labels, 10, f"CIFAR-10 (torchvision) under {data_root(root)}",
                         size=size, value_range=value_range, dtype=dtype, split=split)


@register("stl10", description="STL-10 labelled colour 96x96, split train (5k) / test (8k) / all", needs_root=True)
def load_stl10(
    split: str = "train", size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
    dtype: str = "float32", download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """STL-10's labelled images through torchvision; 'all' is the 13,000 images Dual-AAE §IV-A clusters."""
    images, labels = load_split(STL10, split, data_root(root), download,
                                _torchvision_reader("STL10"), STL10_COUNTS, (3, 96, 96))
    return image_dataset("stl10", images, labels, 10, f"STL-10 (torchvision) under {data_root(root)}",
                         size=size, value_range=value_range, dtype=dtype, split=split)
