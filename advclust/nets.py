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


def normal_init_(module: nn.Module, std: float = 0.02) -> None:
    """DCGAN/InfoGAN initialisation: weights N(0, std), batch-norm scales N(1, std), biases 0."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, std)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(layer.weight, 1.0, std)
            nn.init.zeros_(layer.bias)


def conv_encoder_28(channels: Sequence[int] = (64, 128, 1024, 128), slope: float = 0.1) -> nn.Sequential:
    """InfoGAN-style 28x28 encoder trunk (003 appendix): C(c0,4,s2)-C(c1,4,s2)-C(c2,7)-C(c3,1) -> c3 features.

    LeakyReLU(``slope``) after every layer, batch norm after all but the first (the reference code's layout).
    """
    c0, c1, c2, c3 = channels
    return nn.Sequential(
        nn.Conv2d(1, c0, 4, 2, 1), nn.LeakyReLU(slope),
        nn.Conv2d(c0, c1, 4, 2, 1, bias=False), nn.BatchNorm2d(c1), nn.LeakyReLU(slope),
        nn.Conv2d(c1, c2, 7, bias=False), nn.BatchNorm2d(c2), nn.LeakyReLU(slope),
        nn.Conv2d(c2, c3, 1, bias=False), nn.BatchNorm2d(c3), nn.LeakyReLU(slope),
        nn.Flatten(),
    )


def conv_decoder_28(code_dim: int, channels: Sequence[int] = (64, 128, 1024, 128)) -> nn.Sequential:
    """The mirrored 28x28 decoder (003 appendix): DC(c2,1)-DC(c1,7)-DC(c0,4,s2)-DC(1,4,s2)-sigmoid, BN + ReLU."""
    c0, c1, c2, _ = channels
    return nn.Sequential(
        nn.Unflatten(1, (code_dim, 1, 1)),
        nn.ConvTranspose2d(code_dim, c2, 1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(),
        nn.ConvTranspose2d(c2, c1, 7, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
        nn.ConvTranspose2d(c1, c0, 4, 2, 1, bias=False), nn.BatchNorm2d(c0), nn.ReLU(),
        nn.ConvTranspose2d(c0, 1, 4, 2, 1, bias=False), nn.Sigmoid(),
    )


def mlp_bn(sizes: Sequence[int], slope: float = 0.1) -> nn.Sequential:
    """MLP with batch norm and LeakyReLU(``slope``) after every layer but the last (003 appendix, HHAR/STL-10)."""
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least input and output sizes, got {list(sizes)}")
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers += [nn.BatchNorm1d(n_out), nn.LeakyReLU(slope)]
    return nn.Sequential(*layers)


def dropout_critic(input_dim: int, hidden: Sequence[int] = (100, 100), dropout: float = 0.2) -> nn.Sequential:
    """003's discriminator: FC(100)-Drop(0.2)-ReLU-FC(100)-Drop(0.2)-ReLU-FC(1), a linear (Wasserstein) output."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip([input_dim, *hidden[:-1]], hidden):
        layers += [nn.Linear(n_in, n_out), nn.Dropout(dropout), nn.ReLU()]
    layers.append(nn.Linear(hidden[-1] if hidden else input_dim, 1))
    return nn.Sequential(*layers)
