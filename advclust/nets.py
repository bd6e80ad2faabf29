"""Network builders shared by every method, and the one registry of them (:data:`ARCHITECTURES`).

Methods ask for networks by method and architecture name (:func:`build_networks`) so that a
new family plugs in here without a second training loop; ``architecture="auto"`` picks one
from the input shape in one place (:func:`architecture_for`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from advclust.errors import UserInputError, check_choice

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
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
    data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int] | None = None,
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """The fully connected G, D and C of PFCA §IV-B: ``x-512-512-512-2`` etc., ReLU, linear outputs.

    C returns logits; the softmax of PFCA is applied by the loss and by ``predict_proba``.
    """
    hidden = tuple(hidden or (512, 512, 512))
    data_dim = math.prod(data_shape)
    generator = ConditionalGenerator(mlp([n_clusters + noise_dim, *hidden, data_dim]), data_shape)
    critic = Flatten(mlp([data_dim, *hidden, 1]))
    classifier = Flatten(mlp([data_dim, *hidden, n_clusters]))
    return generator, critic, classifier


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    """Freeze or unfreeze ``module`` (skips weight gradients of networks that are not being updated)."""
    for parameter in module.parameters():
        parameter.requires_grad_(flag)


# --- convolutional G, D and C of PFCA Fig. 2 (DCGAN-style, after WGAN-GP's MNIST networks) ----------

#: Channel widths of the convolutional networks: the reference implementation's 64/128/256.
CONV_WIDTHS = (64, 128, 256)


def conv_plan(size: int, n_layers: int) -> tuple[list[int], list[int]]:
    """Strides of the critic's convolutions and the feature-map size after each, for ``size``-pixel images.

    5x5 kernels, 'same' padding; the last ``n_layers`` halvings bring the maps towards 4x4 and the
    layers not needed for that keep stride 1 at the input side (PFCA Fig. 2: USPS's 16x16 uses a
    stride-1 first layer; 28x28 goes 14, 7, 4; ORL's 32x32 goes 16, 8, 4).
    """
    halvings = max(0, math.ceil(math.log2(size / 4))) if size > 4 else 0
    stride_two = min(n_layers, halvings)
    strides = [1] * (n_layers - stride_two) + [2] * stride_two
    sizes, current = [], size
    for stride in strides:
        current = -(-current // stride)
        sizes.append(current)
    return strides, sizes


class ConvFeatures(nn.Module):
    """The shared body of D and C: 5x5 convolutions (LeakyReLU 0.2), flatten, one linear output layer."""

    def __init__(self, data_shape: Sequence[int], widths: Sequence[int], n_outputs: int):
        super().__init__()
        channels, size = data_shape[0], data_shape[-1]
        strides, sizes = conv_plan(size, len(widths))
        layers: list[nn.Module] = []
        for n_in, n_out, stride in zip((channels, *widths[:-1]), widths, strides):
            layers += [nn.Conv2d(n_in, n_out, 5, stride, padding=2), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.output = nn.Linear(widths[-1] * sizes[-1] ** 2, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.features(x).flatten(1))


class ConvGenerator(nn.Module):
    """G(y, z) of PFCA Fig. 2: linear to 4x4 maps, 5x5 transposed convolutions (ReLU), sigmoid output in [0, 1].

    Each stride-2 transposed convolution doubles the maps and is cropped to the critic's size at that
    depth (28x28: 4 -> 8, cropped to 7 -> 14 -> 28, "drop one pixel after the first deconvolution").
    """

    def __init__(self, data_shape: Sequence[int], n_code: int, widths: Sequence[int]):
        super().__init__()
        channels, size = data_shape[0], data_shape[-1]
        self.output_shape = tuple(data_shape)
        strides, sizes = conv_plan(size, len(widths))
        # Mirror the critic: from its deepest maps back to the image.
        widths, strides, targets = list(widths)[::-1], strides[::-1], [*sizes[::-1][1:], size]
        self.start_shape = (widths[0], sizes[-1], sizes[-1])
        self.project = nn.Sequential(nn.Linear(n_code, math.prod(self.start_shape)), nn.ReLU())
        self.deconvolutions = nn.ModuleList()
        self.crops = targets
        for i, stride in enumerate(strides):
            n_out = widths[i + 1] if i + 1 < len(widths) else channels
            self.deconvolutions.append(nn.ConvTranspose2d(widths[i], n_out, 5, stride, padding=2,
                                                          output_padding=stride - 1))

    def forward(self, onehot: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        code = torch.cat([onehot, noise], dim=1) if noise.shape[1] else onehot
        x = self.project(code).reshape(len(code), *self.start_shape)
        last = len(self.deconvolutions) - 1
        for i, (deconvolution, target) in enumerate(zip(self.deconvolutions, self.crops)):
            x = deconvolution(x)[:, :, :target, :target]
            x = torch.sigmoid(x) if i == last else torch.relu(x)
        return x


def gan_conv_networks(
    data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int] | None = None,
) -> tuple[nn.Module, nn.Module, nn.Module]:
    """The convolutional G, D and C of PFCA Fig. 2 for (channels, size, size) images; ``hidden`` = channel widths.

    C has D's structure with ``n_clusters`` outputs (logits). No batch norm (WGAN-GP's critic must not
    have it, and the reference MNIST generator has none either); G's sigmoid output expects data in [0, 1].
    """
    widths = tuple(hidden or CONV_WIDTHS)
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[1] < 4:
        raise UserInputError(f"the convolutional networks need square images (channels, size, size), size >= 4; "
                             f"got inputs of shape {tuple(data_shape)}")
    generator = ConvGenerator(data_shape, n_clusters + noise_dim, widths)
    return generator, ConvFeatures(data_shape, widths, 1), ConvFeatures(data_shape, widths, n_clusters)


# -- IMSAT's prior network and ClusterGAN's generator / critic / encoder (SIMI-ClusterGAN) ---------------

def batchnorm_mlp(sizes: Sequence[int], leaky_slope: float | None = None) -> nn.Sequential:
    """``sizes[0] -> ... -> sizes[-1]`` with batch norm and ReLU after each hidden layer (IMSAT's P_phi), or
    LeakyReLU(``leaky_slope``) when given (Dual-AAE appendix, Dual-AAE's HHAR/STL-10 networks: 0.1)."""
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least input and output sizes, got {list(sizes)}")
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers += [nn.BatchNorm1d(n_out), nn.ReLU() if leaky_slope is None else nn.LeakyReLU(leaky_slope)]
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
    """E(x): ``trunk`` features, then one linear ``head`` whose output is split into parts of ``sizes``.

    ClusterGAN: (z_n, logits of z_M); Dual-AAE: (logits of y, style h, noise z).
    """

    def __init__(self, trunk: nn.Module, n_features: int, sizes: Sequence[int]):
        super().__init__()
        self.trunk = trunk
        self.head = nn.Linear(n_features, sum(sizes))
        self.sizes = tuple(sizes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.head(self.trunk(x)).split(self.sizes, dim=1)


class LatentDecoder(nn.Module):
    """P(y, h, z): the concatenated code through ``body``, reshaped to the data's shape."""

    def __init__(self, body: nn.Module, data_shape: Sequence[int]):
        super().__init__()
        self.body = body
        self.data_shape = tuple(data_shape)

    def forward(self, y: torch.Tensor, h: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([y, h, z], dim=1)).reshape(len(y), *self.data_shape)


def clustergan_mlp_networks(data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
                            output_activation: str | None) -> tuple[nn.Module, nn.Module, nn.Module]:
    """Two-hidden-layer MLPs (SIMI-ClusterGAN §IV-B for USPS, Pendigits, 10x73k; ClusterGAN's reference for 10x73k).

    LeakyReLU(0.2) in G, D and E: SIMI-ClusterGAN names no activation for its MLPs, and ClusterGAN's reference
    MLPs (10x73k, Pendigits) use leaky ReLU in all three, G included (ReLU in G is its conv networks' choice).
    """
    data_dim = math.prod(data_shape)
    generator = ConditionalGenerator(mlp([n_clusters + noise_dim, *hidden, data_dim], "leaky_relu", output_activation),
                                     data_shape)
    critic = Flatten(mlp([data_dim, *hidden, 1], "leaky_relu"))
    trunk = Flatten(mlp([data_dim, *hidden], "leaky_relu", "leaky_relu") if hidden else nn.Identity())
    encoder = LatentEncoder(trunk, hidden[-1] if hidden else data_dim, (noise_dim, n_clusters))
    return generator, critic, encoder


def _conv_trunk(channels: int, size: int) -> tuple[nn.Sequential, int]:
    # 4x4 stride-2 convolutions padded by 1 = TensorFlow's 'SAME' (the reference's default): 28 -> 14 -> 7.
    trunk = nn.Sequential(
        nn.Conv2d(channels, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten())
    return trunk, 128 * (size // 4) ** 2


def clustergan_conv_networks(data_shape: Sequence[int], n_clusters: int, noise_dim: int, hidden: Sequence[int],
                             output_activation: str | None) -> tuple[nn.Module, nn.Module, nn.Module]:
    """ClusterGAN's MNIST networks: G fc 1024 - fc 128x(s/4)^2 - deconv 64 - deconv C (batch norm, ReLU);
    D and E conv 64 - conv 128 (4x4, stride 2) - fc 1024 - output (leaky ReLU 0.2). ``hidden`` is unused.

    ReLU in G and leaky ReLU in D and E as SIMI-ClusterGAN §IV-B says for MNIST and Fashion-MNIST, and as
    ClusterGAN's reference does. Every (de)convolution is padded by 1, which is the reference's TensorFlow
    'SAME' padding for 4x4 stride-2 kernels: D and E see 28 -> 14 -> 7 maps (s -> s/2 -> s/4) and G grows
    its 7x7x128 start (the reference's shape) to 14 and 28. (A PyTorch port of the reference leaves D's and
    E's convolutions unpadded, 28 -> 13 -> 5; the authors' code does not.)
    """
    if len(data_shape) != 3 or data_shape[1] != data_shape[2] or data_shape[1] % 4:
        raise UserInputError(f"the conv networks need square images with a side divisible by 4, got shape "
                             f"{tuple(data_shape)}; use architecture='mlp' or 'auto'")
    channels, size = data_shape[0], data_shape[1]
    quarter = size // 4
    body = nn.Sequential(
        nn.Linear(n_clusters + noise_dim, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 128 * quarter * quarter), nn.BatchNorm1d(128 * quarter * quarter), nn.ReLU(),
        nn.Unflatten(1, (128, quarter, quarter)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, channels, 4, 2, 1))
    if output_activation is not None:
        body.append(ACTIVATIONS[check_choice("activation", output_activation, ACTIVATIONS)]())
    generator = ConditionalGenerator(body, data_shape)
    trunk, width = _conv_trunk(channels, size)
    critic = nn.Sequential(trunk, nn.Linear(width, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 1))
    trunk, width = _conv_trunk(channels, size)
    encoder = LatentEncoder(nn.Sequential(trunk, nn.Linear(width, 1024), nn.LeakyReLU(0.2)), 1024,
                            (noise_dim, n_clusters))
    return generator, critic, encoder


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


def whole_map_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``F.conv2d(x, weight, bias)`` where the kernel covers the whole map (stride 1, no padding, 1x1 out), computed
    as the matrix product it equals: oneDNN computes this shape's weight gradient an order of magnitude slower
    than the product on some CPUs (``advclust bench whole-map-conv``)."""
    return F.linear(x.flatten(1), weight.flatten(1), bias)[:, :, None, None]


def whole_map_conv_transpose2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``F.conv_transpose2d(x, weight, bias)`` on a 1x1 map (stride 1, no padding), as the matrix product it equals."""
    out = (x.flatten(1) @ weight.flatten(1)).view(len(x), weight.shape[1], *weight.shape[2:])
    return out if bias is None else out + bias[:, None, None]


def is_plain_convolution(layer: nn.Conv2d | nn.ConvTranspose2d) -> bool:
    """Stride 1, no padding, dilation or output padding, one group: the layers whose whole-map case is a product."""
    return (layer.stride == (1, 1) and layer.padding == (0, 0) and layer.dilation == (1, 1) and layer.groups == 1
            and tuple(getattr(layer, "output_padding", (0, 0))) == (0, 0))


class WholeMapConv2d(nn.Conv2d):
    """A ``Conv2d`` whose kernel covers its whole input map: the same parameters, checkpoints and result, computed
    by :func:`whole_map_conv2d`; an input of another size, or a layer that is not :func:`is_plain_convolution`, takes
    ``Conv2d``'s own path."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[-2:]) != self.kernel_size or not is_plain_convolution(self):
            return super().forward(x)
        return whole_map_conv2d(x, self.weight, self.bias)


class WholeMapConvTranspose2d(nn.ConvTranspose2d):
    """A ``ConvTranspose2d`` that grows a 1x1 map to its kernel's size: the same parameters, checkpoints and result,
    computed by :func:`whole_map_conv_transpose2d` (as :class:`WholeMapConv2d`, other cases take torch's path)."""

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if tuple(x.shape[-2:]) != (1, 1) or output_size is not None or not is_plain_convolution(self):
            return super().forward(x, output_size)
        return whole_map_conv_transpose2d(x, self.weight, self.bias)


def conv_encoder_28(channels: Sequence[int] = (64, 128, 1024, 128), slope: float = 0.1) -> nn.Sequential:
    """InfoGAN-style 28x28 encoder trunk (Dual-AAE appendix): C(c0,4,s2)-C(c1,4,s2)-C(c2,7)-C(c3,1) -> c3 features.

    LeakyReLU(``slope``) after every layer, batch norm after all but the first (the reference code's layout).
    """
    c0, c1, c2, c3 = channels
    return nn.Sequential(
        nn.Conv2d(1, c0, 4, 2, 1), nn.LeakyReLU(slope),
        nn.Conv2d(c0, c1, 4, 2, 1, bias=False), nn.BatchNorm2d(c1), nn.LeakyReLU(slope),
        WholeMapConv2d(c1, c2, 7, bias=False), nn.BatchNorm2d(c2), nn.LeakyReLU(slope),
        nn.Conv2d(c2, c3, 1, bias=False), nn.BatchNorm2d(c3), nn.LeakyReLU(slope),
        nn.Flatten(),
    )


def conv_decoder_28(code_dim: int, channels: Sequence[int] = (64, 128, 1024, 128)) -> nn.Sequential:
    """The mirrored 28x28 decoder (Dual-AAE appendix): DC(c2,1)-DC(c1,7)-DC(c0,4,s2)-DC(1,4,s2)-sigmoid, BN + ReLU."""
    c0, c1, c2, _ = channels
    return nn.Sequential(
        nn.Unflatten(1, (code_dim, 1, 1)),
        nn.ConvTranspose2d(code_dim, c2, 1, bias=False), nn.BatchNorm2d(c2), nn.ReLU(),
        WholeMapConvTranspose2d(c2, c1, 7, bias=False), nn.BatchNorm2d(c1), nn.ReLU(),
        nn.ConvTranspose2d(c1, c0, 4, 2, 1, bias=False), nn.BatchNorm2d(c0), nn.ReLU(),
        nn.ConvTranspose2d(c0, 1, 4, 2, 1, bias=False), nn.Sigmoid(),
    )


def dropout_critic(input_dim: int, hidden: Sequence[int] = (100, 100), dropout: float = 0.2) -> nn.Sequential:
    """Dual-AAE's discriminator: FC(100)-Drop(0.2)-ReLU-FC(100)-Drop(0.2)-ReLU-FC(1), a linear (Wasserstein) output."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip([input_dim, *hidden[:-1]], hidden):
        layers += [nn.Linear(n_in, n_out), nn.Dropout(dropout), nn.ReLU()]
    layers.append(nn.Linear(hidden[-1] if hidden else input_dim, 1))
    return nn.Sequential(*layers)


def _latent_autoencoder(trunk: nn.Module, n_features: int, body: nn.Module, data_shape: Sequence[int],
                        sizes: Sequence[int]) -> tuple[LatentEncoder, LatentDecoder]:
    """Dual-AAE's Q (``trunk`` + a linear head split into ``sizes``) and P (``body``), InfoGAN-initialised."""
    encoder = LatentEncoder(trunk, n_features, sizes)
    decoder = LatentDecoder(body, data_shape)
    normal_init_(encoder)
    normal_init_(decoder)
    return encoder, decoder


def dualaae_conv28_networks(data_shape: Sequence[int], n_clusters: int, style_dim: int, noise_dim: int,
                            conv_channels: Sequence[int], encoder_hidden: Sequence[int] = (),
                            decoder_hidden: Sequence[int] = ()) -> tuple[LatentEncoder, LatentDecoder]:
    """Dual-AAE's MNIST Q and P (Dual-AAE appendix) for 1x28x28 images; the ``*_hidden`` widths are unused."""
    if tuple(data_shape) != (1, 28, 28):
        raise UserInputError(f"architecture 'conv28' takes 1x28x28 images, got inputs of shape {tuple(data_shape)}; "
                             "use architecture='mlp' or 'auto' for other data")
    code_dim = n_clusters + style_dim + noise_dim
    trunk, body = conv_encoder_28(conv_channels), conv_decoder_28(code_dim, conv_channels)
    return _latent_autoencoder(trunk, conv_channels[3], body, data_shape, (n_clusters, style_dim, noise_dim))


def dualaae_mlp_networks(data_shape: Sequence[int], n_clusters: int, style_dim: int, noise_dim: int,
                         conv_channels: Sequence[int] = (), encoder_hidden: Sequence[int] = (500, 500, 500),
                         decoder_hidden: Sequence[int] = (2000, 500, 1000)) -> tuple[LatentEncoder, LatentDecoder]:
    """Dual-AAE's Q and P for vectors (Dual-AAE appendix, STL-10 and HHAR): batch norm and LeakyReLU(0.1)."""
    data_dim = math.prod(data_shape)
    code_dim = n_clusters + style_dim + noise_dim
    # Every hidden layer of the encoder gets BN + LeakyReLU; batchnorm_mlp leaves the last layer bare, so
    # build one layer more and drop it (the latent head is the encoder's last layer).
    trunk = batchnorm_mlp([data_dim, *encoder_hidden, 1], leaky_slope=0.1)[:-1]
    body = batchnorm_mlp([code_dim, *decoder_hidden, data_dim], leaky_slope=0.1)
    return _latent_autoencoder(trunk, encoder_hidden[-1], body, data_shape, (n_clusters, style_dim, noise_dim))


def xavier_tanh_(module: nn.Module) -> None:
    """Glorot-uniform weights with the tanh gain and zero biases for every linear layer of ``module``."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain("tanh"))
            nn.init.zeros_(layer.bias)


def dcan_mlp_networks(data_shape: Sequence[int], encoder_hidden: Sequence[int], latent_dim: int,
                      discriminator_hidden: Sequence[int], latent_activation: str = "tanh",
                      encoder_init: str = "xavier", device: torch.device | str = "cpu") -> tuple[nn.Module, nn.Module]:
    """DCAN §3's encoder x-hidden-latent and latent discriminator latent-hidden-1 (logits out), tanh layers, on ``device``.

    ``encoder_init="xavier"``: Glorot weights with tanh's gain for the encoder (:func:`xavier_tanh_`), drawn
    on ``device`` (so from its random generator, as in the recorded runs).
    """
    encoder = Flatten(mlp([math.prod(data_shape), *encoder_hidden, latent_dim], "tanh",
                          output_activation=latent_activation)).to(device)
    if encoder_init == "xavier":
        xavier_tanh_(encoder)
    discriminator = mlp([latent_dim, *discriminator_hidden, 1], "tanh").to(device)
    return encoder, discriminator


def imsat_mlp_network(data_shape: Sequence[int], hidden: Sequence[int], n_clusters: int) -> nn.Sequential:
    """IMSAT's P_phi: d-hidden-M with batch norm and ReLU (SIMI-ClusterGAN §IV-B: d-1200-1200-M)."""
    return batchnorm_mlp([math.prod(data_shape), *hidden, n_clusters])


# --- the one registry -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Architecture:
    """One network family of a method: its builder and the input shapes it takes."""

    build: Callable[..., Any]
    takes: Callable[[tuple[int, ...]], bool] = lambda shape: True


def _square_image(shape: tuple[int, ...]) -> bool:
    return len(shape) == 3 and shape[1] == shape[2]


#: Every method's networks, keyed by method family then architecture name; "mlp" takes any shape.
ARCHITECTURES: dict[str, dict[str, Architecture]] = {
    "pfca": {  # generator, critic, classifier
        "mlp": Architecture(gan_mlp_networks),
        "conv": Architecture(gan_conv_networks, lambda s: _square_image(s) and s[1] >= 4),
    },
    "clustergan": {  # generator, critic, encoder
        "mlp": Architecture(clustergan_mlp_networks),
        "conv": Architecture(clustergan_conv_networks, lambda s: _square_image(s) and s[1] % 4 == 0),
    },
    "dual-aae": {  # encoder, decoder
        "mlp": Architecture(dualaae_mlp_networks),
        "conv28": Architecture(dualaae_conv28_networks, lambda s: tuple(s) == (1, 28, 28)),
    },
    "dcan": {"mlp": Architecture(dcan_mlp_networks)},  # encoder, discriminator
    "imsat": {"mlp": Architecture(imsat_mlp_network)},  # P_phi
}

#: Smallest image side for which ``auto`` picks convolutions (scikit-learn's 8x8 digits get the MLP).
AUTO_CONV_MIN_SIDE = 16


def architecture_names(family: str) -> list[str]:
    """The valid values of ``architecture`` for a method of ``family``: its networks and "auto"."""
    return [*ARCHITECTURES[family], "auto"]


def architecture_for(family: str, data_shape: Sequence[int]) -> str:
    """``auto``'s choice for every method: the family's convolutional networks for square images
    (channels, size, size) of at least :data:`AUTO_CONV_MIN_SIDE` pixels that they take, else the MLP."""
    shape = tuple(data_shape)
    if _square_image(shape) and shape[1] >= AUTO_CONV_MIN_SIDE:
        for name, architecture in ARCHITECTURES[family].items():
            if name != "mlp" and architecture.takes(shape):
                return name
    return "mlp"


def build_networks(family: str, architecture: str, data_shape: Sequence[int], **sizes: Any) -> tuple[str, Any]:
    """(resolved name, networks) of ``family``'s ``architecture`` ("auto": :func:`architecture_for`) for ``data_shape``."""
    name = architecture_for(family, data_shape) if architecture == "auto" else architecture
    check_choice("architecture", name, ARCHITECTURES[family])
    return name, ARCHITECTURES[family][name].build(tuple(data_shape), **sizes)
