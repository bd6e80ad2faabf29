"""Synthetic datasets: the eight-Gaussians toy of PFCA (§IV-B)."""

from __future__ import annotations

import math

import torch

from advclust.data import Dataset, register

#: Centres of PFCA §IV-B, in the paper's order (the cluster ids).
GAUSSIANS8_CENTRES = torch.tensor(
    [[1.414, 0.0], [-1.414, 0.0], [0.0, 1.414], [0.0, -1.414],
     [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]
)
GAUSSIANS8_STD = 0.014


def sample_gaussians8(
    n: int, device: torch.device | str = "cpu", std: float = GAUSSIANS8_STD,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` points and their blob ids; each blob equally likely."""
    device = torch.device(device)
    labels = torch.randint(0, 8, (n,), generator=generator, device="cpu" if generator else device)
    noise = torch.randn(n, 2, generator=generator, device="cpu" if generator else device)
    points = GAUSSIANS8_CENTRES.to(labels.device)[labels] + std * noise
    return points.to(device), labels.to(device)


@register("gaussians8", description="8 isotropic Gaussian blobs, std 0.014 (PFCA §IV-B); endless sampler")
def load_gaussians8(n_eval: int = 5000, seed: int = 0, std: float = GAUSSIANS8_STD) -> Dataset:
    """A fixed-seed evaluation set of ``n_eval`` points plus an endless training sampler."""
    if n_eval < 1:
        raise ValueError(f"n_eval must be >= 1, got {n_eval}")
    if not (std > 0 and math.isfinite(std)):
        raise ValueError(f"std must be a positive number, got {std}")
    points, labels = sample_gaussians8(n_eval, std=std, generator=torch.Generator().manual_seed(seed))

    def sampler(n: int, device: torch.device) -> torch.Tensor:
        return sample_gaussians8(n, device, std)[0]

    return Dataset(
        name="gaussians8", inputs=points, labels=labels, n_clusters=8,
        source="synthetic: PFCA §IV-B (centres on a circle of radius 1.414)",
        metadata={"std": std, "eval_seed": seed, "centres": GAUSSIANS8_CENTRES.tolist()},
        sampler=sampler,
    )
