"""The ORL / AT&T faces (PFCA §IV-D-2): 40 subjects x 10 images, clustered by identity or gender."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from advclust.data import DataNotFoundError, Dataset, data_root, register
from advclust.data.cache import cached
from advclust.data.checksums import known_digests
from advclust.data.images import image_dataset, read_guarded
from advclust.data.sources import (
    DataCorruptedError, Source, add_source, check_counts, describe_root, fetch, fetch_command, require,
    verify_checksums,
)
from advclust.errors import check_choice

#: Subjects (the X of ``sX``) who are women; the other 36 are men (PFCA §IV-D-2 counts 4 female subjects).
ORL_FEMALE_SUBJECTS = (8, 10, 32, 35)
ORL_SUBJECTS, ORL_IMAGES_PER_SUBJECT = 40, 10
TARGETS = ("identity", "gender")

ORL_FILES = tuple(f"ORL/att_faces/s{s}/{i}.pgm" for s in range(1, ORL_SUBJECTS + 1)
                  for i in range(1, ORL_IMAGES_PER_SUBJECT + 1))
ORL = add_source(Source(
    key="orl", title="ORL / AT&T faces", files=ORL_FILES,
    origin="AT&T Laboratories Cambridge (Samaria & Harter 1994), original att_faces/sX/Y.pgm layout",
    size="400 grey 92x112 faces of 40 subjects, 4 MB", datasets=("orl",), sha256=known_digests(ORL_FILES),
))
OLIVETTI_FILE = "ORL/olivettifaces.mat"
OLIVETTI = add_source(Source(
    key="olivetti", title="Olivetti faces (Roweis' copy of ORL, as scikit-learn downloads it)",
    files=(OLIVETTI_FILE,),
    origin="olivettifaces.mat, the file sklearn.datasets.fetch_olivetti_faces downloads: the same 400 ORL "
           "images at 64x64", size="400 grey 64x64 faces, 1 MB",
    datasets=("orl",), urls={OLIVETTI_FILE: ("https://ndownloader.figshare.com/files/5976027",)},
    sha256=known_digests((OLIVETTI_FILE,)),
))
#: scikit-learn's own cache of the Olivetti faces: a pickle, which can run code when opened, so it is never read.
SKLEARN_PICKLE = "scikit_learn_data/olivetti_py3.pkz"


def _read_pgm_folder(root: Path) -> dict[str, torch.Tensor]:
    from PIL import Image

    verify_checksums(ORL, root)
    images = []
    for path in ORL.paths(root):
        pixels = read_guarded(path, lambda p: np.asarray(Image.open(p).convert("L")))
        if pixels.shape != (112, 92):
            raise DataCorruptedError(f"{path}: image of shape {pixels.shape}, expected 112x92 (H x W)")
        images.append(pixels)
    subjects = torch.arange(ORL_SUBJECTS).repeat_interleave(ORL_IMAGES_PER_SUBJECT)
    return {"images": torch.from_numpy(np.stack(images)).unsqueeze(1), "labels": subjects}


def _read_olivetti(root: Path) -> dict[str, torch.Tensor]:
    """The faces of ``olivettifaces.mat`` (checksummed first) as scikit-learn reads them, rounded to uint8."""
    from scipy.io import loadmat

    verify_checksums(OLIVETTI, root)
    path = OLIVETTI.paths(root)[0]
    faces = read_guarded(path, lambda p: loadmat(p)["faces"].T.astype(np.float32))  # (400, 4096), column-major
    faces = (faces - faces.min()) / (faces.max() - faces.min())
    images = faces.reshape(-1, 64, 64).transpose(0, 2, 1)
    labels = torch.arange(len(images)) // ORL_IMAGES_PER_SUBJECT
    return {"images": torch.from_numpy(np.round(images * 255)).to(torch.uint8).unsqueeze(1), "labels": labels}


def orl_pixels(root: Path, download: bool = False) -> tuple[torch.Tensor, torch.Tensor, str]:
    """uint8 faces (400, 1, H, W), subject ids 0..39 (subject ``sX`` is X-1), and which copy was read.

    The pgm folder wins; without it the Olivetti copy is used if present, or
    downloaded when ``download`` is true. Olivetti's faces come ten per subject
    in the same order as s1..s40. A pgm folder with some images missing raises
    naming them rather than quietly reading the other copy.
    """
    if ORL.state(root) != "missing":
        require(ORL, root)
        tensors, layout = cached("orl-pgm", root, ORL.paths(root), lambda: _read_pgm_folder(root)), "att_faces pgm"
    else:
        if download and not OLIVETTI.present(root):
            fetch(OLIVETTI, root)
        if not OLIVETTI.present(root):
            pickle = Path(root) / SKLEARN_PICKLE
            ignored = (f"{pickle} is there but is not read: it is a pickle, which can run code when opened.\n"
                       if pickle.exists() else "")
            raise DataNotFoundError(
                f"ORL faces not found under data root {describe_root(root)}.\n"
                f"Searched (missing):\n  {root / 'ORL' / 'att_faces'} / sX / Y.pgm (400 files)\n"
                f"  {OLIVETTI.paths(root)[0]} (the Olivetti copy)\n{ignored}"
                f"Fetch the Olivetti copy on a machine with network access: {fetch_command('orl', root)}\n"
                "or copy the original att_faces folder to ORL/att_faces under the data root."
            )
        tensors, layout = cached("orl-olivetti", root, OLIVETTI.paths(root), lambda: _read_olivetti(root)), "olivetti"
    check_counts(f"ORL ({layout})", tensors["labels"], (ORL_IMAGES_PER_SUBJECT,) * ORL_SUBJECTS)
    return tensors["images"], tensors["labels"], layout


@register("orl", description="ORL/AT&T faces, 400 images at 32x32; target identity (40) or gender (2)",
          needs_root=True)
def load_orl(
    target: str = "identity", size: int | None = 32, value_range: Sequence[float] = (0.0, 1.0),
    dtype: str = "float32", download: bool = False, root: str | Path | None = None,
) -> Dataset:
    """ORL faces resized to 32x32 as PFCA does (``size=None`` keeps 112x92, or 64x64 for Olivetti).

    ``target='identity'``: 40 clusters of 10 images; ``target='gender'``: 2
    clusters, 1 = female (subjects s8, s10, s32, s35: 40 images), 0 = male (360).
    Both label sets are in the metadata whichever is the target.
    """
    check_choice("target", target, TARGETS)
    root = data_root(root)
    images, identity, layout = orl_pixels(root, download)
    gender = torch.isin(identity + 1, torch.tensor(ORL_FEMALE_SUBJECTS)).to(torch.int64)
    labels, n_clusters = (identity, ORL_SUBJECTS) if target == "identity" else (gender, 2)
    return image_dataset(
        "orl", images, labels, n_clusters, f"ORL faces ({layout}) under {root}",
        size=size, value_range=value_range, dtype=dtype, split="all", target=target, layout=layout,
        identity_labels=identity, gender_labels=gender, female_subjects=list(ORL_FEMALE_SUBJECTS),
    )
