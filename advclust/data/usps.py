"""USPS digits and the five class-imbalance variants of PFCA (§IV-F, supplement Table I)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from advclust.data import Dataset, data_root, register
from advclust.data.checksums import MD5, known_digests
from advclust.data.images import image_dataset, load_split, read_guarded
from advclust.data.sources import DataCorruptedError, Source, add_source
from advclust.metrics import uniformity_index

#: Per-class counts of the variants (classes 0..9) and their UI, exactly as in PFCA's supplement Table I.
USPS_VARIANTS: dict[str, tuple[tuple[int, ...], float]] = {
    "usps1500": ((1500, 1200, 900, 800, 800, 700, 800, 700, 700, 800), 0.985),
    "usps1200": ((1200, 1200, 900, 800, 800, 700, 800, 700, 700, 800), 0.991),
    "usps900": ((900, 900, 900, 800, 800, 700, 800, 700, 700, 800), 0.998),
    "usps800": ((800, 800, 800, 800, 800, 700, 800, 700, 700, 800), 0.999),
    "usps700": ((700,) * 10, 1.000),
}
USPS_COUNTS = {
    "train": (1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644),
    "test": (359, 264, 198, 166, 200, 160, 170, 147, 166, 177),
}


def _read_usps(root: Path, part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """torchvision.datasets.USPS on ``<root>/USPS``: LIBSVM values in [-1, 1] become uint8 0..255."""
    import torchvision

    path = Path(root) / "USPS" / ("usps.bz2" if part == "train" else "usps.t.bz2")

    def read(_: Path) -> torch.Tensor:
        ds = torchvision.datasets.USPS(str(Path(root) / "USPS"), train=part == "train")
        return torch.from_numpy(ds.data).unsqueeze(1), torch.tensor(ds.targets, dtype=torch.int64)

    images, labels = read_guarded(path, read)
    return images, labels


USPS_FILES = ("USPS/usps.bz2", "USPS/usps.t.bz2")
USPS = add_source(Source(
    key="usps", title="USPS", files=USPS_FILES,
    origin="torchvision.datasets.USPS (LIBSVM's bz2 copies of Hull 1994)",
    size="9,298 grey 16x16 digits (7,291 train + 2,007 test), 2 MB compressed",
    datasets=("usps", *USPS_VARIANTS),
    urls={name: (f"https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/{name.split('/')[1]}",)
          for name in USPS_FILES},
    sha256=known_digests(USPS_FILES), md5=known_digests(USPS_FILES, MD5),
))


def usps_pixels(split: str, root: str | Path | None, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """USPS's uint8 images (N, 1, 16, 16) and labels, from the (cached) torchvision reader."""
    return load_split(USPS, split, data_root(root), download, _read_usps, USPS_COUNTS, (1, 16, 16))


@register("usps", description="USPS digits, 16x16 grey, split train (7,291) / test (2,007) / all (9,298)",
          needs_root=True)
def load_usps(
    split: str = "train", size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
    dtype: str = "float32", download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """USPS through torchvision, which quantises the [-1, 1] originals to uint8 (256 grey levels)."""
    images, labels = usps_pixels(split, root, download)
    counts = torch.bincount(labels, minlength=10).tolist()
    return image_dataset(
        "usps", images, labels, 10, f"USPS ({USPS.origin}) under {data_root(root)}",
        size=size, value_range=value_range, dtype=dtype, split=split, uniformity_index=uniformity_index(counts),
    )


def variant_indices(labels: torch.Tensor, counts: Sequence[int], seed: int) -> torch.Tensor:
    """Indices (in original order) of ``counts[c]`` images of each class ``c``, drawn without replacement."""
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for digit, count in enumerate(counts):
        members = torch.nonzero(labels == digit).squeeze(1)
        if count > len(members):
            raise DataCorruptedError(f"USPS has {len(members)} images of digit {digit}, fewer than {count}")
        chosen.append(members[torch.randperm(len(members), generator=generator)[:count]])
    return torch.cat(chosen).sort().values


def _variant_loader(name: str, counts: tuple[int, ...], table_ui: float) -> Callable[..., Dataset]:
    def load(
        seed: int = 0, size: int | None = None, value_range: Sequence[float] = (0.0, 1.0),
        dtype: str = "float32", download: bool = False, root: str | Path | None = None,
    ) -> Dataset:
        images, labels = usps_pixels("all", root, download)
        keep = variant_indices(labels, counts, seed)
        ui = uniformity_index(counts)
        return image_dataset(
            name, images[keep], labels[keep], 10, f"USPS train+test under {data_root(root)}, subsampled (PFCA Table I)",
            size=size, value_range=value_range, dtype=dtype, split="all", seed=seed,
            uniformity_index=ui, paper_uniformity_index=table_ui,
        )

    load.__name__ = f"load_{name}"
    load.__doc__ = (
        f"{name.upper()}: {sum(counts)} USPS images (train and test pooled, as the paper's 1,553/708 class sizes "
        f"imply) with per-class counts {counts}, drawn with ``seed``; UI {table_ui:.3f}. PFCA trains and "
        "evaluates on the same images."
    )
    return load


for _name, (_counts, _ui) in USPS_VARIANTS.items():
    register(_name, description=f"USPS variant, {sum(_counts)} images, UI {_ui:.3f} (PFCA supplement Table I)",
             needs_root=True)(_variant_loader(_name, _counts, _ui))
