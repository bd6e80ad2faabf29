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

import torch
import torch.nn.functional as F
from torch import nn

from advclust import nets
from advclust.errors import UserInputError, check_choice
from advclust.methods.base import Encoding, NeuralClusterer, check_param, estimator, run_control
from advclust.methods.gmm import HardGaussianMixture

#: How the encoder's weights start: Glorot/Xavier uniform with tanh's gain 5/3 and zero biases, or PyTorch's default.
ENCODER_INITS = ("xavier", "pytorch")

#: The encoder's objective: Eq. 18 as printed (minimise ln(1 - D(G(x)))) or the usual non-saturating -ln D(G(x)).
ENCODER_LOSSES = ("minimax", "non_saturating")


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Minus Eq. 1: -(mean ln D(z ~ p(z|theta*)) + mean ln(1 - D(G(x)))), with D = sigmoid(logit).

    Positives (draws from the assigned Gaussians) have target T = 1, encoder outputs T = 0.
    """
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def encoder_loss(fake_logits: torch.Tensor, kind: str = "minimax") -> torch.Tensor:
    """What the encoder minimises: mean ln(1 - D(G(x))) (Eq. 18), or mean -ln D(G(x)) (non-saturating)."""
    if kind == "minimax":
        return F.logsigmoid(-fake_logits).mean()  # ln(1 - sigmoid(l)) = ln sigmoid(-l)
    return -F.logsigmoid(fake_logits).mean()


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
    n_iterations: int = run_control(500)
    batch_size: int = run_control(16)
    log_every: int = run_control(50)

    network_family = "dcan"

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_clusters", self.n_clusters, "int", 2)
        for name in ("encoder_hidden", "discriminator_hidden"):
            for width in getattr(self, name):
                check_param(name, width, "int", 1)
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

    # -- training ------------------------------------------------------------
    def build(self, source: torch.Tensor | Callable, device: torch.device) -> None:
        if isinstance(source, torch.Tensor):
            if len(source) < self.n_clusters:
                raise UserInputError(f"DCAN needs at least n_clusters={self.n_clusters} inputs, got {len(source)}")
            inputs = source.to(device)
            self._draw = lambda n: inputs[torch.randint(len(inputs), (n,), device=device)]
        else:
            self._draw = lambda n: source(n, device)
        data_shape = tuple(self._draw(1).shape[1:])
        self.input_dim_ = math.prod(data_shape)
        # Logits out of the discriminator; the sigmoid of DCAN §3 is applied inside the losses (numerically stable).
        self.architecture_, (encoder, discriminator) = nets.build_networks(
            self.network_family, self.architecture, data_shape, encoder_hidden=self.encoder_hidden,
            latent_dim=self.latent_dim, discriminator_hidden=self.discriminator_hidden,
            latent_activation=self.latent_activation, encoder_init=self.encoder_init, device=device)
        self.encoder_, self.discriminator_ = encoder, discriminator
        self.gmm_ = HardGaussianMixture(self.n_clusters, self.latent_dim, self.assign_with_precision,
                                        self.variance_floor).to(device)
        sgd = dict(lr=self.lr, momentum=self.momentum)
        self.optimizer_e_ = torch.optim.SGD(self.encoder_.parameters(), **sgd)
        self.optimizer_d_ = torch.optim.SGD(self.discriminator_.parameters(), **sgd)
        with torch.no_grad():
            self.gmm_.initialise(self.encoder_(self._draw(self.init_points)), self.init_iterations, self.init_restarts)

    def modules_(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder_, "discriminator": self.discriminator_, "gmm": self.gmm_}

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        return {"encoder": self.optimizer_e_, "discriminator": self.optimizer_d_}

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        """One DCAN iteration: a clustering iteration, a discriminator step (Eq. 1), an encoder step (Eq. 18)."""
        x = batches.next()
        with torch.no_grad():  # the encoder changed at the last step: re-estimate theta on fresh latent points
            self.gmm_.step(self.encoder_(self._draw(self.gmm_points)))
        fake = self.encoder_(x)  # z ~ q(z|x), T = 0
        with torch.no_grad():
            real = self.gmm_.sample(self.gmm_.assign(fake))  # z ~ p(z|theta*) of x's cluster, T = 1
        real_logits, fake_logits = self.discriminator_(real), self.discriminator_(fake.detach())
        d_loss = discriminator_loss(real_logits, fake_logits)
        self.optimizer_d_.zero_grad(set_to_none=True)
        d_loss.backward()
        self.optimizer_d_.step()

        nets.set_requires_grad(self.discriminator_, False)
        e_loss = encoder_loss(self.discriminator_(fake), self.encoder_loss)
        self.optimizer_e_.zero_grad(set_to_none=True)
        e_loss.backward()
        self.optimizer_e_.step()
        nets.set_requires_grad(self.discriminator_, True)
        return {
            "discriminator_loss": d_loss.detach(),
            "encoder_loss": e_loss.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
            "smallest_weight": self.gmm_.weights.min(),
        }

    # -- inference -----------------------------------------------------------
    def transform(self, X: torch.Tensor) -> torch.Tensor:
        """Latent codes z = G(x) of the inputs."""
        return self._batched(self.encoder_, X).cpu()

    def encode(self, X: torch.Tensor) -> Encoding:
        """The latent codes z (``latent``) and the mixture's posterior (``posterior``, as :meth:`predict_proba`)."""
        return Encoding(latent=self.transform(X), posterior=self.predict_proba(X))

    def predict_proba(self, X: torch.Tensor) -> torch.Tensor:
        """Softmax of the mixture's assignment scores (Eq. 22); its argmax is the hard assignment."""
        return self._batched(lambda x: self.gmm_.scores(self.encoder_(x)).softmax(dim=1), X).cpu()

    def discriminator_values(self, Z: torch.Tensor) -> torch.Tensor:
        """D(z) in (0, 1) for latent points ``Z``."""
        return self._batched(lambda z: torch.sigmoid(self.discriminator_(z)).squeeze(1), Z).cpu()
