"""Loss terms shared by the methods: WGAN-GP critic pieces, entropy terms and schedules."""

from __future__ import annotations

import math

import torch
from torch import nn


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP penalty E[(||grad D(x_hat)||_2 - 1)^2] on random interpolates (002 Eq. 5)."""
    epsilon = torch.rand(len(real), *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    interpolates = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
    scores = critic(interpolates)
    (gradients,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    norms = gradients.reshape(len(real), -1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


def wasserstein_estimate(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """E[D(real)] - E[D(fake)]: the critic's estimate of the Earth Mover distance."""
    return critic_real.mean() - critic_fake.mean()


def entropy(probabilities: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Shannon entropy (nats) of categorical distributions along ``dim``."""
    return -(probabilities * torch.log(probabilities.clamp_min(1e-12))).sum(dim)


def staircase(initial: float, factor: float, every: int, step: int) -> float:
    """``initial * factor ** floor(step / every)``: 002 Eq. 8 as the reference code computes it.

    The paper writes the update as ``eta <- eta * gamma^floor(t/tau)``; applied every
    step literally it would compound, so (like the reference) it is read as a schedule
    of the initial value.
    """
    return initial * factor ** math.floor(step / every)
