"""Loss terms shared by the methods: WGAN-GP critic pieces, entropy terms and schedules."""

from __future__ import annotations

import math

import torch
from torch import nn

from advclust import seeds


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP penalty E[(||grad D(x_hat)||_2 - 1)^2] on random interpolates (PFCA Eq. 5); per seed in a
    seed batch (:mod:`advclust.seeds`)."""
    epsilon = seeds.rand(len(real) // seeds.count(), *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    interpolates = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
    scores = critic(interpolates)
    (gradients,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    norms = gradients.reshape(len(real), -1).norm(2, dim=1)
    return seeds.mean((norms - 1) ** 2)


def wasserstein_estimate(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """E[D(real)] - E[D(fake)]: the critic's estimate of the Earth Mover distance (per seed in a seed batch)."""
    return seeds.mean(critic_real) - seeds.mean(critic_fake)


def entropy(probabilities: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Shannon entropy (nats) of categorical distributions along ``dim``."""
    return -(probabilities * torch.log(probabilities.clamp_min(1e-12))).sum(dim)


def staircase(initial: float, factor: float, every: int, step: int) -> float:
    """``initial * factor ** floor(step / every)``: PFCA Eq. 8 as the reference code computes it.

    The paper writes the update as ``eta <- eta * gamma^floor(t/tau)``; applied every
    step literally it would compound, so (like the reference) it is read as a schedule
    of the initial value.
    """
    return initial * factor ** math.floor(step / every)


# -- information maximisation and self-augmented training (IMSAT, SIMI-ClusterGAN Eq. 7-11) -------------

def categorical_kl(target_probabilities: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Per-row KL(p || softmax(logits)) for target probabilities p (SIMI-ClusterGAN Eq. 7 up to p's entropy)."""
    log_q = torch.log_softmax(logits, dim=1)
    log_p = torch.log(target_probabilities.clamp_min(1e-12))
    return (target_probabilities * (log_p - log_q)).sum(1)


def _unit_rows(x: torch.Tensor) -> torch.Tensor:
    flat = x.reshape(len(x), -1)
    return (flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-12)).reshape(x.shape)


def vat_perturbation(
    network: nn.Module, x: torch.Tensor, radius: torch.Tensor | float, xi: float = 10.0, n_power: int = 1,
    probabilities: torch.Tensor | None = None,
) -> torch.Tensor:
    """The virtual adversarial perturbation of SIMI-ClusterGAN Eq. 9 (Miyato et al.'s power iteration).

    The direction that most increases KL(p(y|x) || p(y|x + r)), found by ``n_power`` power
    iterations from a random direction scaled by ``xi``, rescaled to L2 norm ``radius`` per row
    (a scalar or one radius per input). ``network`` returns logits.
    """
    if probabilities is None:
        with torch.no_grad():
            probabilities = network(x).softmax(1)
    probabilities = probabilities.detach()
    direction = _unit_rows(seeds.rand_like(x, normal=True))
    for _ in range(n_power):
        direction = (xi * direction).requires_grad_(True)
        divergence = categorical_kl(probabilities, network(x + direction)).sum()
        (gradient,) = torch.autograd.grad(divergence, direction)
        direction = _unit_rows(gradient.detach())
    radius = torch.as_tensor(radius, dtype=x.dtype, device=x.device)
    if radius.dim() == 1:
        radius = radius.reshape(-1, *([1] * (x.dim() - 1)))
    return direction * radius


def marginal_entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """H(Y): the entropy of the mean prediction over the batch (SIMI-ClusterGAN Eq. 11); per seed in a seed batch."""
    return seeds.each(lambda p: entropy(p.mean(0)), probabilities)


def conditional_entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """H(Y|X): the mean entropy of the per-input predictions (SIMI-ClusterGAN Eq. 11); per seed in a seed batch."""
    return seeds.mean(entropy(probabilities))


def mutual_information(probabilities: torch.Tensor) -> torch.Tensor:
    """I(X; Y) = H(Y) - H(Y|X) estimated on a batch of predictions p(y|x) (rows)."""
    return marginal_entropy(probabilities) - conditional_entropy(probabilities)
