"""IMSAT: information maximising self-augmented training (Hu et al. 2017), phase 1 of SIMI-ClusterGAN.

A prior network P_phi (an MLP d-1200-1200-M with batch norm and ReLU) maps each
input to a distribution over M clusters. It minimises the self-augmented
training term R_SAT (Eq. 7): the KL divergence between its prediction on x and
on x plus a virtual adversarial perturbation of norm beta_t (Eq. 8-9), optionally
plus a random affine distortion (SIMI-ClusterGAN §IV-C, Fashion-MNIST), while maximising the
mutual information between inputs and clusters (Eq. 10-11). Clusters = argmax P_phi.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advclust import losses, nets, seeds
from advclust.errors import UserInputError, check_choice
from advclust.methods.base import Encoding, NeuralClusterer, check_param, check_sequence, estimator, run_control

#: Where beta_mu multiplies: "marginal" = IMSAT's reference code, loss R_SAT + beta_p (H(Y|X) - beta_mu H(Y));
#: "conditional" = SIMI-ClusterGAN Eq. 10 as printed, R_SAT - beta_p (H(Y) - beta_mu H(Y|X)).
MU_PLACEMENTS = ("marginal", "conditional")


def neighbour_distances(inputs: torch.Tensor, k: int, chunk: int = 2048) -> torch.Tensor:
    """Euclidean distance of every row of ``inputs`` to its ``k``-th nearest other row (on its device)."""
    flat = inputs.reshape(len(inputs), -1).float()
    if k >= len(flat):
        raise UserInputError(f"radius_neighbour={k} needs more than {k} training inputs, got {len(flat)}")
    squared = (flat * flat).sum(1)
    out = torch.empty(len(flat), device=flat.device)
    for start in range(0, len(flat), chunk):
        rows = flat[start : start + chunk]
        d2 = squared[start : start + chunk, None] + squared[None, :] - 2 * rows @ flat.T
        # the k+1 smallest include the point itself (distance 0)
        out[start : start + chunk] = d2.topk(k + 1, dim=1, largest=False).values[:, k].clamp_min(0).sqrt()
    return out


def random_affine(images: torch.Tensor, rotation: float, scale: Sequence[float], shear: float) -> torch.Tensor:
    """Each image rotated within +-``rotation`` degrees, scaled by a factor in ``scale`` along x and y, and
    sheared by factors in (-shear, shear) (SIMI-ClusterGAN §IV-C's distortions for Fashion-MNIST), all drawn uniformly."""
    n, device = len(images), images.device
    per_seed = n // seeds.count()  # in a seed batch each seed's draws come from its own stream
    angle = (seeds.per_seed(lambda: torch.rand(per_seed, device=device)) * 2 - 1) * math.radians(rotation)
    low, high = scale
    sx, sy = (seeds.per_seed(lambda: torch.rand(2, per_seed, device=device), dim=1) * (high - low) + low)
    hx, hy = (seeds.per_seed(lambda: torch.rand(2, per_seed, device=device), dim=1) * 2 - 1) * shear
    cos, sin = angle.cos(), angle.sin()
    rotate = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)
    shear_m = torch.stack([torch.stack([torch.ones_like(hx), hx], 1), torch.stack([hy, torch.ones_like(hy)], 1)], 1)
    # affine_grid maps output to input coordinates: dividing by the scale enlarges the content by it
    linear = rotate @ shear_m / torch.stack([sx, sy], 1)[:, :, None]
    theta = torch.cat([linear, torch.zeros(n, 2, 1, device=device)], 2)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    background = images.amin(dim=(1, 2, 3), keepdim=True)
    shifted = images - background  # pad with each image's background value, not zero
    return F.grid_sample(shifted, grid, align_corners=False, padding_mode="zeros") + background


@estimator
class IMSAT(NeuralClusterer):
    """IMSAT with virtual adversarial self-augmentation, as SIMI-ClusterGAN §IV-B uses it for P_phi.

    SIMI-ClusterGAN's settings: P_phi d-1200-1200-M (``hidden``; d-256-256-M for low-dimensional data),
    beta_p = 0.1, beta_mu = 4, perturbation radius beta_t = 0.25 (``radius``), Adam 0.002 with
    betas (0.5, 0.999) (SIMI-ClusterGAN §IV-B). From IMSAT's reference, where SIMI-ClusterGAN is silent: batch 250;
    50 epochs (``n_iterations`` = 14 000 minibatches = 50 epochs of 70 000); one power iteration
    with xi = 10; the radius is adaptive, ``radius`` times each input's distance to its
    ``radius_neighbour``-th = 10th nearest neighbour (0: a fixed radius); beta_mu weights H(Y)
    (``mu_on="marginal"``; SIMI-ClusterGAN Eq. 10 prints it on H(Y|X): ``"conditional"``); the forward passes
    on perturbed inputs do not update batch-norm running statistics.
    ``augment=True`` adds the affine self-augmentation term of SIMI-ClusterGAN §IV-C (rotation +-10 degrees,
    scaling [0.3, 1], shear (-0.3, 0.3)) for image inputs. ``architecture``: P_phi is an MLP (``"mlp"``,
    which ``"auto"`` picks for any input).
    """

    n_clusters: int = 10
    architecture: str = "auto"
    hidden: Sequence[int] = (1200, 1200)
    beta_p: float = 0.1
    beta_mu: float = 4.0
    mu_on: str = "marginal"
    radius: float = 0.25
    radius_neighbour: int = 10
    xi: float = 10.0
    n_power: int = 1
    augment: bool = False
    rotation: float = 10.0
    scale: Sequence[float] = (0.3, 1.0)
    shear: float = 0.3
    lr: float = 0.002
    beta1: float = 0.5
    beta2: float = 0.999
    n_iterations: int = run_control(14000)
    batch_size: int = run_control(250)

    network_family = "imsat"
    batchable = True
    graph_capturable = True

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_clusters", self.n_clusters, "int", 2)
        check_sequence("hidden", self.hidden)
        check_param("beta_p", self.beta_p, "float", 0)
        check_param("beta_mu", self.beta_mu, "float", 0)
        check_choice("mu_on", self.mu_on, MU_PLACEMENTS)
        check_param("radius", self.radius, "float", 0, low_inclusive=False)
        check_param("radius_neighbour", self.radius_neighbour, "int", 0)
        check_param("xi", self.xi, "float", 0, low_inclusive=False)
        check_param("n_power", self.n_power, "int", 1)
        check_param("augment", self.augment, "bool")
        check_param("rotation", self.rotation, "float", 0, 180)
        check_sequence("scale", self.scale, "float", 0, length=2)
        if not 0 < self.scale[0] <= self.scale[1]:
            raise UserInputError(f"scale must be (low, high) with 0 < low <= high, got {self.scale!r}")
        check_param("shear", self.shear, "float", 0)
        check_param("lr", self.lr, "float", 0, low_inclusive=False)
        check_param("beta1", self.beta1, "float", 0, 1)
        check_param("beta2", self.beta2, "float", 0, 1)

    # -- training ------------------------------------------------------------
    def training_source(self, X: torch.Tensor) -> torch.Tensor:
        """Row indices of the inputs ``X`` (a tensor: the adaptive radius needs every input): the loop draws
        minibatches of indices, so each input keeps its own radius."""
        if self.augment and X.dim() != 4:
            raise UserInputError(f"augment=True needs images (N, C, H, W), got inputs of shape {tuple(X.shape)}")
        self._fit_inputs = X
        return torch.arange(len(X))

    def build(self, source: torch.Tensor, device: torch.device) -> None:
        self.inputs_ = self.__dict__.pop("_fit_inputs").to(device, torch.float32)
        self.data_shape_ = tuple(self.inputs_.shape[1:])
        self.architecture_, network = nets.build_networks(self.network_family, self.architecture, self.data_shape_,
                                                          hidden=self.hidden, n_clusters=self.n_clusters)
        self.network_ = network.to(device)
        self.optimizer_ = torch.optim.Adam(self.network_.parameters(), lr=self.lr, betas=(self.beta1, self.beta2))
        if self.radius_neighbour:
            self.radii_ = self.radius * neighbour_distances(self.inputs_, self.radius_neighbour)
        else:
            self.radii_ = torch.full((len(self.inputs_),), float(self.radius), device=device)

    def modules_(self) -> dict[str, nn.Module]:
        return {"network": self.network_}

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        return {"network": self.optimizer_}

    def information_term(self, probabilities: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(what the loss subtracts, H(Y), H(Y|X)) for a batch of predictions: the bracket of Eq. 10."""
        marginal = losses.marginal_entropy(probabilities)
        conditional = losses.conditional_entropy(probabilities)
        if self.mu_on == "marginal":
            return self.beta_mu * marginal - conditional, marginal, conditional
        return marginal - self.beta_mu * conditional, marginal, conditional

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        """One minibatch of Eq. 10: R_SAT (VAT, plus the affine term if ``augment``) - beta_p * information."""
        index = batches.next()
        x, radius = self.inputs_[index], self.radii_[index]
        probabilities = self.network_(x).softmax(1)
        target = probabilities.detach()
        with nets.frozen_batch_stats(self.network_):
            perturbation = losses.vat_perturbation(self.network_, x, radius, self.xi, self.n_power, target)
            sat = seeds.mean(losses.categorical_kl(target, self.network_(x + perturbation)))
            affine = torch.zeros((), device=x.device)
            if self.augment:
                distorted = random_affine(x, self.rotation, self.scale, self.shear)
                affine = seeds.mean(losses.categorical_kl(target, self.network_(distorted)))
        information, marginal, conditional = self.information_term(probabilities)
        loss = sat + affine - self.beta_p * information
        self.optimizer_.zero_grad(set_to_none=True)
        loss.sum().backward()  # one loss per seed in a seed batch: each seed's own gradient
        self.optimizer_.step()
        return {"loss": loss.detach(), "vat": sat.detach(), "affine_sat": affine.detach(),
                "h_y": marginal.detach(), "h_y_given_x": conditional.detach()}

    # -- inference -----------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """P_phi(y|x)."""
        return self._outputs(lambda x: self.network_(x).softmax(1), X)

    def transform(self, X: Any) -> np.ndarray:
        """IMSAT has no encoder: its latent code is P_phi's logits, whose softmax is P_phi(y|x)."""
        return self._outputs(lambda x: self.network_(x), X)

    def encode(self, X: Any) -> Encoding:
        """P_phi's logits (``latent``) and P_phi(y|x) (``posterior``)."""
        logits = self._batched(lambda x: self.network_(x), self.inputs(X))
        return Encoding.of(latent=logits, posterior=logits.softmax(dim=1))

    def assign(self, x: torch.Tensor) -> torch.Tensor:
        """argmax P_phi(y|x) of inputs already on the device (used by SIMI-ClusterGAN's phase 2)."""
        mode = self.network_.training
        self.network_.eval()
        with torch.no_grad():
            ids = self.network_(x).argmax(1)
        self.network_.train(mode)
        return ids
