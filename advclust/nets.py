"""Network builders shared by every method.

Methods ask for networks by architecture name so that a new family (the
convolutional DCGAN-style networks of the image chapters, say) plugs in
here without a second training loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from advclust.errors import check_choice

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "sigmoid": nn.Sigmoid,
}


def mlp(sizes: Sequence[int], activation: str = "relu", output_activation: str | None = None) -> nn.Sequential:
    """Fully connected network ``sizes[0] -> ... -> sizes[-1]`` with ``activation`` between layers."""
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least input and output sizes, got {list(sizes)}")
    check_choice("activation", activation, ACTIVATIONS)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    if output_activation is not None:
        layers.append(ACTIVATIONS[check_choice("activation", output_activation, ACTIVATIONS)]())
    return nn.Sequential(*layers)


class ConditionalGenerator(nn.Module):
    """G(y, z): concatenates a one-hot cluster code and noise, maps them through ``body``."""

    def __init__(self, body: nn.Module, output_shape: Sequence[int]):
        super().__init__()
        self.body = body
        self.output_shape = tuple(output_shape)

    def forward(self, onehot: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        code = torch.cat([onehot, noise], dim=1) if noise.shape[1] else onehot
        return self.body(code).reshape(len(onehot), *self.output_shape)


class Flatten(nn.Module):
    """Flattens every input to a vector, so MLP critics accept any data shape."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.reshape(len(x), -1))


def gan_mlp_networks(
    data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """The fully connected G, D and C of 002 IV-B: ``x-512-512-512-2`` etc., ReLU, linear outputs.

    C returns logits; the softmax of 002 is applied by the loss and by ``predict_proba``.
    """
    data_dim = math.prod(data_shape)
    generator = ConditionalGenerator(mlp([n_clusters + noise_dim, *hidden, data_dim]), data_shape)
    critic = Flatten(mlp([data_dim, *hidden, 1]))
    classifier = Flatten(mlp([data_dim, *hidden, n_clusters]))
    return generator, critic, classifier


#: Builders of (generator, critic, classifier) triples for generator-critic-classifier methods.
GAN_ARCHITECTURES: dict[str, Callable[..., tuple[nn.Module, nn.Module, nn.Module]]] = {
    "mlp": gan_mlp_networks,
}


def gan_networks(
    architecture: str, data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """Build the (G, D, C) triple of ``architecture`` for data of ``data_shape``."""
    builder = GAN_ARCHITECTURES[check_choice("architecture", architecture, GAN_ARCHITECTURES)]
    return builder(data_shape, n_clusters, noise_dim, hidden)


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    """Freeze or unfreeze ``module`` (skips weight gradients of networks that are not being updated)."""
    for parameter in module.parameters():
        parameter.requires_grad_(flag)
