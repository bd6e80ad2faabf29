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


# -- IMSAT's prior network and ClusterGAN's generator / critic / encoder (004) ---------------

def batchnorm_mlp(sizes: Sequence[int]) -> nn.Sequential:
    """``sizes[0] -> ... -> sizes[-1]`` with batch norm and ReLU after each hidden layer (IMSAT's P_phi)."""
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least input and output sizes, got {list(sizes)}")
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers += [nn.BatchNorm1d(n_out), nn.ReLU()]
    return nn.Sequential(*layers)


class frozen_batch_stats:  # noqa: N801 - used as a context manager
    """Within the block, batch-norm layers of ``module`` use batch statistics but do not update running ones.

    IMSAT's reference does the same for the forward passes on perturbed inputs.
    """

    def __init__(self, module: nn.Module):
        self.layers = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]

    def __enter__(self) -> None:
        self.momenta = [m.momentum for m in self.layers]
        for m in self.layers:
            m.momentum = 0.0

    def __exit__(self, *exc: object) -> None:
        for m, momentum in zip(self.layers, self.momenta):
            m.momentum = momentum


class LatentEncoder(nn.Module):
    """E(x) -> (z_n, logits of z_M): ClusterGAN's encoder, ``body`` returning noise_dim + n_clusters values."""

    def __init__(self, body: nn.Module, noise_dim: int):
        super().__init__()
        self.body = body
        self.noise_dim = noise_dim

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.body(x)
        return out[:, : self.noise_dim], out[:, self.noise_dim :]


def _clustergan_mlp(data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
                    output_activation: str | None) -> tuple[nn.Module, nn.Module, nn.Module]:
    """Two-hidden-layer MLPs (004 IV-B for USPS, Pendigits, 10x73k; ClusterGAN's reference for 10x73k)."""
    data_dim = math.prod(data_shape)
    generator = ConditionalGenerator(mlp([n_clusters + noise_dim, *hidden, data_dim], "leaky_relu", output_activation),
                                     data_shape)
    critic = Flatten(mlp([data_dim, *hidden, 1], "leaky_relu"))
    encoder = LatentEncoder(Flatten(mlp([data_dim, *hidden, noise_dim + n_clusters], "leaky_relu")), noise_dim)
    return generator, critic, encoder


def _conv_trunk(channels: int, size: int) -> tuple[nn.Sequential, int]:
    trunk = nn.Sequential(
        nn.Conv2d(channels, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten())
    return trunk, 128 * (size // 4) ** 2


def _clustergan_conv(data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
                     output_activation: str | None) -> tuple[nn.Module, nn.Module, nn.Module]:
    """ClusterGAN's MNIST networks: G fc 1024 - fc 128x(s/4)^2 - deconv 64 - deconv C (batch norm, leaky ReLU);
    D and E conv 64 - conv 128 (4x4, stride 2) - fc 1024 - output. ``hidden`` is unused."""
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[1] % 4:
        raise ValueError(f"the conv networks need square images with a side divisible by 4, got shape {tuple(data_shape)}")
    channels, size = data_shape[0], data_shape[1]
    quarter = size // 4
    body = nn.Sequential(
        nn.Linear(n_clusters + noise_dim, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, 128 * quarter * quarter), nn.BatchNorm1d(128 * quarter * quarter), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (128, quarter, quarter)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, channels, 4, 2, 1))
    if output_activation is not None:
        body.append(ACTIVATIONS[check_choice("activation", output_activation, ACTIVATIONS)]())
    generator = ConditionalGenerator(body, data_shape)
    trunk, width = _conv_trunk(channels, size)
    critic = nn.Sequential(trunk, nn.Linear(width, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 1))
    trunk, width = _conv_trunk(channels, size)
    encoder = LatentEncoder(nn.Sequential(trunk, nn.Linear(width, 1024), nn.LeakyReLU(0.2),
                                          nn.Linear(1024, noise_dim + n_clusters)), noise_dim)
    return generator, critic, encoder


#: Builders of ClusterGAN's (generator, critic, encoder) triples.
CLUSTERGAN_ARCHITECTURES: dict[str, Callable[..., tuple[nn.Module, nn.Module, nn.Module]]] = {
    "mlp": _clustergan_mlp,
    "conv": _clustergan_conv,
}


def clustergan_networks(
    architecture: str, data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
    output_activation: str | None = "tanh",
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """Build ClusterGAN's (G, D, E) of ``architecture`` for data of ``data_shape``."""
    builder = CLUSTERGAN_ARCHITECTURES[check_choice("architecture", architecture, CLUSTERGAN_ARCHITECTURES)]
    return builder(data_shape, n_clusters, noise_dim, hidden, output_activation)
