"""DCAN: "Deep clustering using adversarial net based clustering loss" (Lim, DCAN).

An encoder q(z|x) maps inputs to a latent space where a hard-assignment
Gaussian mixture p(z|theta) (A.6) clusters them. A discriminator D in the
latent space learns to call draws from the Gaussian a point is assigned to
positive (T = 1) and the encoder's outputs negative (T = 0); the encoder is
trained through D to make its outputs indistinguishable from those draws
(Eq. 1, A.5). The mixture is re-estimated by one clustering iteration on
freshly encoded points every time the encoder changes (Section 3). Cluster
labels are the mixture's assignments in latent space.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advclust import losses, nets, seeds
from advclust.errors import UserInputError, check_choice
from advclust.methods.base import (
    Encoding, NeuralClusterer, check_inputs, check_param, check_sequence, estimator, run_control,
)
from advclust.methods.gmm import HardGaussianMixture

#: How the encoder's weights start: Glorot/Xavier uniform with tanh's gain 5/3 and zero biases, or PyTorch's default.
ENCODER_INITS = ("xavier", "pytorch")

#: The encoder's objective: Eq. 18 as printed (minimise ln(1 - D(G(x)))) or the usual non-saturating -ln D(G(x)).
ENCODER_LOSSES = ("minimax", "non_saturating")

#: Optimisers of the two networks: SGD with classical momentum (DCAN §3) or Adam (not in the paper).
OPTIMIZERS = ("sgd", "adam")

#: D's positives: a draw from the assigned Gaussian (Eq. 5, DCAN §2) or its mean (not in the paper).
POSITIVES = ("sample", "mean")

#: |z| above which a tanh latent coordinate counts as saturated (the ``latent_saturation`` diagnostic).
SATURATION = 0.99


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Minus Eq. 1: -(mean ln D(z ~ p(z|theta*)) + mean ln(1 - D(G(x)))), with D = sigmoid(logit); per seed
    under seed batching.

    Positives (draws from the assigned Gaussians) have target T = 1, encoder outputs T = 0.
    """
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits), reduction="none")
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits), reduction="none")
    return seeds.mean(real) + seeds.mean(fake)


def encoder_loss(fake_logits: torch.Tensor, kind: str = "minimax") -> torch.Tensor:
    """What the encoder minimises: mean ln(1 - D(G(x))) (Eq. 18), or mean -ln D(G(x)) (non-saturating);
    per seed under seed batching."""
    if kind == "minimax":
        return seeds.mean(F.logsigmoid(-fake_logits))  # ln(1 - sigmoid(l)) = ln sigmoid(-l)
    return -seeds.mean(F.logsigmoid(fake_logits))


@estimator
class DCAN(NeuralClusterer):
    """Encoder + latent discriminator + hard-assignment GMM, trained as DCAN §2-3 and A.4-A.6.

    Defaults are the paper's MNIST settings: encoder 196-384-256 and discriminator
    256-16-1 (``reference.ARCHITECTURES["dcan"]`` has the others), tanh hidden layers, a
    sigmoid output, minibatch 16, 500 iterations, gradient steps with momentum, one
    clustering iteration on ``gmm_points`` = 600 freshly encoded points per iteration.

    Where DCAN is silent: ``lr`` = 1e-3 is the top of its range [1e-5, 1e-3];
    ``momentum`` = 0.9 (SGD with classical momentum, both networks); the latent layer
    is tanh like every hidden layer of Eq. 14 (``latent_activation``); the encoder
    starts from Glorot weights with tanh's gain (``encoder_init``; PyTorch's default
    gives a latent so compact that Eq. 22's ln psi term merges every cluster into one
    before training starts), the discriminator from PyTorch's default (Glorot weights
    there start D far from 1/2 and the encoder's first steps then move every point
    the same way); the encoder is not pretrained (DCAN describes no decoder); the
    mixture starts from the best of ``init_restarts`` k-means++ seedings, each followed
    by ``init_iterations`` clustering iterations on ``init_points`` encoded points; each iteration updates D once on
    both terms of Eq. 1, then the encoder once on Eq. 18 (``encoder_loss``).

    Assignment: Eq. 22 as printed scores clusters by ln psi_k - ||z - eta_k||^2 / 2,
    without the precisions, while Eqs. 5 and 19 pick the component of highest Gaussian
    density. The default follows Eqs. 5 and 19 (``assign_with_precision=True``), which
    does not depend on the scale of the latent space; ``False`` is Eq. 22 literally.
    ``variance_floor``: see :class:`HardGaussianMixture`. ``architecture``: DCAN's networks are MLPs
    (``"mlp"``, which ``"auto"`` picks for any input).

    Variants **not in the paper** (issue 13; their defaults are the paper's protocol, so nothing changes unless set):
    ``optimizer="adam"`` (both networks; ``discriminator_optimizer`` overrides D's, ``discriminator_lr`` its rate);
    ``discriminator_steps`` = k discriminator steps per encoder step (fresh minibatches);
    ``pretrain_epochs`` epochs of autoencoder pretraining (a decoder mirroring the encoder, tanh hidden layers, a
    linear output, squared error, Adam at ``pretrain_lr``, minibatch ``pretrain_batch_size``) before the mixture
    is initialised; ``reconstruction_weight`` adds that squared error to the encoder's loss during training
    (the decoder then trains with the encoder's optimiser); ``positives="mean"`` gives D the assigned mean
    instead of a draw; ``latent_activation="linear"``; ``marginal_entropy_weight`` adds
    weight * KL(mean soft assignment over the minibatch || uniform) to the encoder's loss (a guard against
    collapse onto few clusters).

    Diagnostics (:mod:`advclust.methods.dcan_diagnostics`): every ``history_`` row also has the fraction of
    saturated latent coordinates (|z| > 0.99, ``latent_saturation``), the clusters that the clustering iteration
    assigned points to (``clusters_used``) and the KL of that cluster marginal to uniform
    (``cluster_kl_uniform``), on the ``gmm_points`` fresh points of each iteration, and ``encoder_drift``, the
    relative distance ||W - W_0|| / ||W_0|| of the encoder's weights from their initialisation (kept as
    ``initial_encoder_state_``; after pretraining, the pretrained weights).
    """

    n_clusters: int = 10
    architecture: str = "auto"
    encoder_hidden: Sequence[int] = (384,)
    latent_dim: int = 256
    discriminator_hidden: Sequence[int] = (16,)
    latent_activation: str = "tanh"
    encoder_init: str = "xavier"
    lr: float = 1e-3
    momentum: float = 0.9
    encoder_loss: str = "minimax"
    gmm_points: int = 600
    init_points: int = 10000
    init_iterations: int = 20
    init_restarts: int = 10
    assign_with_precision: bool = True
    variance_floor: float = 1e-6
    optimizer: str = "sgd"
    discriminator_optimizer: str | None = None
    discriminator_lr: float | None = None
    discriminator_steps: int = 1
    positives: str = "sample"
    pretrain_epochs: int = 0
    pretrain_lr: float = 1e-3
    pretrain_batch_size: int = 256
    reconstruction_weight: float = 0.0
    marginal_entropy_weight: float = 0.0
    n_iterations: int = run_control(500)
    batch_size: int = run_control(16)
    log_every: int = run_control(50)

    network_family = "dcan"
    fits_sampler = True
    batchable = True
    training_only_attributes = ("_source",)  # the inputs (or sampler) that _draw draws from

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_clusters", self.n_clusters, "int", 2)
        for name in ("encoder_hidden", "discriminator_hidden"):
            check_sequence(name, getattr(self, name))
        check_param("latent_dim", self.latent_dim, "int", 1)
        check_choice("latent_activation", self.latent_activation, nets.ACTIVATIONS)
        check_choice("encoder_init", self.encoder_init, ENCODER_INITS)
        check_param("lr", self.lr, "float", 0, low_inclusive=False)
        check_param("momentum", self.momentum, "float", 0, 1)
        check_choice("encoder_loss", self.encoder_loss, ENCODER_LOSSES)
        check_param("gmm_points", self.gmm_points, "int", self.n_clusters)
        check_param("init_points", self.init_points, "int", self.n_clusters)
        check_param("init_iterations", self.init_iterations, "int", 0)
        check_param("init_restarts", self.init_restarts, "int", 1)
        check_param("assign_with_precision", self.assign_with_precision, "bool")
        check_param("variance_floor", self.variance_floor, "float", 0, low_inclusive=False)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.discriminator_optimizer is not None:
            check_choice("discriminator_optimizer", self.discriminator_optimizer, OPTIMIZERS)
        if self.discriminator_lr is not None:
            check_param("discriminator_lr", self.discriminator_lr, "float", 0, low_inclusive=False)
        check_param("discriminator_steps", self.discriminator_steps, "int", 1)
        check_choice("positives", self.positives, POSITIVES)
        check_param("pretrain_epochs", self.pretrain_epochs, "int", 0)
        check_param("pretrain_lr", self.pretrain_lr, "float", 0, low_inclusive=False)
        check_param("pretrain_batch_size", self.pretrain_batch_size, "int", 1)
        check_param("reconstruction_weight", self.reconstruction_weight, "float", 0)
        check_param("marginal_entropy_weight", self.marginal_entropy_weight, "float", 0)

    # -- training ------------------------------------------------------------
    def _draw(self, n: int) -> torch.Tensor:
        """``n`` training inputs (per seed) on the device: drawn with replacement from the inputs, or from the
        sampler."""
        if isinstance(self._source, torch.Tensor):
            return self._source[seeds.randint(len(self._source), n, device=self.device_)]
        return seeds.per_seed(lambda: self._source(n, self.device_))

    def build(self, source: torch.Tensor | Callable, device: torch.device) -> None:
        if isinstance(source, torch.Tensor) and len(source) < self.n_clusters:
            raise UserInputError(f"DCAN needs at least n_clusters={self.n_clusters} inputs, got {len(source)}")
        self._source = source.to(device) if isinstance(source, torch.Tensor) else source
        data_shape = self.data_shape_ = tuple(self._draw(1).shape[1:])
        self.input_dim_ = math.prod(data_shape)
        # Logits out of the discriminator; the sigmoid of DCAN §3 is applied inside the losses (numerically stable).
        self.architecture_, (encoder, discriminator) = nets.build_networks(
            self.network_family, self.architecture, data_shape, encoder_hidden=self.encoder_hidden,
            latent_dim=self.latent_dim, discriminator_hidden=self.discriminator_hidden,
            latent_activation=self.latent_activation, encoder_init=self.encoder_init, device=device)
        self.encoder_, self.discriminator_ = encoder, discriminator
        self.gmm_ = HardGaussianMixture(self.n_clusters, self.latent_dim, self.assign_with_precision,
                                        self.variance_floor).to(device)
        self.decoder_ = None
        if self.pretrain_epochs or self.reconstruction_weight:  # not in the paper: a decoder mirroring the encoder
            self.decoder_ = nn.Sequential(nets.mlp([self.latent_dim, *reversed(self.encoder_hidden), self.input_dim_],
                                                   "tanh"), nn.Unflatten(1, data_shape)).to(device)
        if self.pretrain_epochs:
            self.pretrain_losses_ = self._pretrain(source)
        self.initial_encoder_state_ = {k: v.detach().clone() for k, v in self.encoder_.state_dict().items()}
        encoder_parameters = list(self.encoder_.parameters()) + (
            list(self.decoder_.parameters()) if self.reconstruction_weight else [])
        self.optimizer_e_ = self._optimizer(encoder_parameters, self.optimizer, self.lr)
        self.optimizer_d_ = self._optimizer(self.discriminator_.parameters(),
                                            self.discriminator_optimizer or self.optimizer,
                                            self.discriminator_lr or self.lr)
        with torch.no_grad():
            self.gmm_.initialise(self.encoder_(self._draw(self.init_points)), self.init_iterations, self.init_restarts)

    def stack_seeds(self, models: Sequence[DCAN]) -> None:
        self.initial_encoder_state_ = {name: torch.stack([m.initial_encoder_state_[name] for m in models])
                                       for name in models[0].initial_encoder_state_}

    def _optimizer(self, parameters, kind: str, lr: float) -> torch.optim.Optimizer:
        """SGD with classical momentum (DCAN §3) or Adam (not in the paper; betas (0.5, 0.999) as in GANs)."""
        if kind == "adam":
            return torch.optim.Adam(parameters, lr=lr, betas=(0.5, 0.999))
        return torch.optim.SGD(parameters, lr=lr, momentum=self.momentum)

    def _pretrain(self, source: torch.Tensor | Callable) -> list[float]:
        """Autoencoder pretraining of encoder and decoder (not in the paper); the mean loss of each epoch."""
        parameters = list(self.encoder_.parameters()) + list(self.decoder_.parameters())
        optimizer = torch.optim.Adam(parameters, lr=self.pretrain_lr)
        n = len(source) if isinstance(source, torch.Tensor) else 50000
        steps = max(1, n // self.pretrain_batch_size)
        losses = []
        for _ in range(self.pretrain_epochs):
            total = 0.0
            for _ in range(steps):
                x = self._draw(self.pretrain_batch_size)
                loss = F.mse_loss(self.decoder_(self.encoder_(x)), x)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.item()
            losses.append(total / steps)
        return losses

    def modules_(self) -> dict[str, nn.Module]:
        modules = {"encoder": self.encoder_, "discriminator": self.discriminator_, "gmm": self.gmm_}
        return modules if self.decoder_ is None else {**modules, "decoder": self.decoder_}

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        return {"encoder": self.optimizer_e_, "discriminator": self.optimizer_d_}

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        """One DCAN iteration: a clustering iteration, a discriminator step (Eq. 1), an encoder step (Eq. 18)."""
        x = batches.next()
        with torch.no_grad():  # the encoder changed at the last step: re-estimate theta on fresh latent points
            fresh = self.encoder_(self._draw(self.gmm_points))
            clusters = self.gmm_.step(fresh)
        fake = self.encoder_(x)  # z ~ q(z|x), T = 0
        for extra in range(self.discriminator_steps):  # the paper: one; more is not in the paper (fresh minibatches)
            if extra == 0:
                fake_d = fake.detach()
            else:
                with torch.no_grad():
                    fake_d = self.encoder_(batches.next())
            d_loss, real_logits, fake_logits = self._discriminator_step(fake_d)
        nets.set_requires_grad(self.discriminator_, False)
        e_loss = encoder_loss(self.discriminator_(fake), self.encoder_loss)
        total = e_loss
        if self.reconstruction_weight:  # not in the paper
            squared_error = (self.decoder_(fake) - x).square().flatten(1).mean(1)
            total = total + self.reconstruction_weight * seeds.mean(squared_error)
        if self.marginal_entropy_weight:  # not in the paper: KL(mean soft assignment || uniform)
            kl_to_uniform = math.log(self.n_clusters) - losses.marginal_entropy(self.gmm_.scores(fake).softmax(dim=1))
            total = total + self.marginal_entropy_weight * kl_to_uniform
        self.optimizer_e_.zero_grad(set_to_none=True)
        total.sum().backward()  # one loss per seed under seed batching
        self.optimizer_e_.step()
        nets.set_requires_grad(self.discriminator_, True)
        with torch.no_grad():
            usage = seeds.split(F.one_hot(clusters, self.n_clusters).float()).mean(1)  # (seeds, K)
            kl = torch.where(usage > 0, usage * (usage * self.n_clusters).log(), 0.0).sum(1)
        return {
            "discriminator_loss": d_loss.detach(),
            "encoder_loss": e_loss.detach(),
            "d_real": seeds.mean(torch.sigmoid(real_logits.detach())),
            "d_fake": seeds.mean(torch.sigmoid(fake_logits.detach())),
            "smallest_weight": self.gmm_.weights.reshape(seeds.count(), -1).min(1).values,
            "latent_saturation": seeds.mean((fresh.abs() > SATURATION).float()),
            "clusters_used": (usage > 0).sum(1).float(),
            "cluster_kl_uniform": kl,
            "encoder_drift": self._encoder_drift(),
        }

    def _discriminator_step(self, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One step of D on Eq. 1: positives from the Gaussians that the encoder outputs ``fake`` are assigned to."""
        with torch.no_grad():
            clusters = self.gmm_.assign(fake)
            real = (self.gmm_.of_clusters(self.gmm_.means, clusters) if self.positives == "mean"
                    else self.gmm_.sample(clusters))  # T = 1
        real_logits, fake_logits = self.discriminator_(real), self.discriminator_(fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        self.optimizer_d_.zero_grad(set_to_none=True)
        d_loss.sum().backward()
        self.optimizer_d_.step()
        return d_loss.detach(), real_logits.detach(), fake_logits.detach()

    @torch.no_grad()
    def _encoder_drift(self) -> torch.Tensor:
        """||W - W_0|| / ||W_0|| over all the encoder's weights (biases excluded: they start at zero); per seed."""
        moved = start = 0.0
        for name, value in self.encoder_.state_dict().items():
            if name.endswith("weight"):
                initial = self.initial_encoder_state_[name].reshape(seeds.count(), -1)
                moved = moved + (value.reshape(seeds.count(), -1) - initial).square().sum(1)
                start = start + initial.square().sum(1)
        return (moved / start).sqrt()

    # -- inference -----------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Latent codes z = G(x) of the inputs."""
        return self._outputs(lambda x: self.encoder_(x), X)

    def encode(self, X: Any) -> Encoding:
        """The latent codes z (``latent``) and the mixture's posterior (``posterior``, as :meth:`predict_proba`)."""
        return Encoding(latent=self.transform(X), posterior=self.predict_proba(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Softmax of the mixture's assignment scores (Eq. 22); its argmax is the hard assignment."""
        return self._outputs(lambda x: self.gmm_.scores(self.encoder_(x)).softmax(dim=1), X)

    def discriminator_values(self, Z: Any) -> np.ndarray:
        """D(z) in (0, 1) for latent points ``Z`` (checked like inputs, with ``latent_dim`` columns)."""
        self.check_fitted()
        Z = check_inputs(Z, type(self).__name__, shape=(self.latent_dim,))
        return self._batched(lambda z: torch.sigmoid(self.discriminator_(z)).squeeze(1), Z).numpy()
