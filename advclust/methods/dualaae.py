"""Dual-AAE: "Dual Adversarial Auto-Encoders for Clustering" (Ge, Ren, Feng, Yan, Dual-AAE), and its AAE baseline.

An encoder Q(x) gives a category posterior q(y|x) (softmax), a style code h
and a noise code z; a decoder P(y, h, z) maps them back to x. Eq. 10 trains
them with four groups of terms:

* O-AE: the reconstruction of x through P(Q(x));
* D-AE (weight lambda1): P generates x from c = [y, h] ~ p(c) and z ~ p(z), and
  Q must recover c (cross-entropy on y, squared error on h);
* adversarial: a Wasserstein critic D matches the aggregated posterior of
  (h, z) to N(0, I) (Eq. 7, here with a gradient penalty);
* CR, the clustering regularisation (Eq. 9): -H[q(y)] + lambda2 E[H(q(y|x))].

Clusters are argmax q(y|x). "Dual-AAE without CR" (Eq. 8) drops CR and
matches y adversarially too; AAE also drops the D-AE term. They are flags of
the one estimator (``reference.VARIANTS["dual-aae"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from advclust import losses, nets, seeds, training
from advclust.errors import UserInputError, check_choice
from advclust.methods.base import Encoding, NeuralClusterer, check_param, check_sequence, estimator, run_control

def clustering_regularization(posteriors: torch.Tensor, conditional_weight: float) -> torch.Tensor:
    """Dual-AAE Eq. 9 on a batch: -H[q(y)] + lambda2 * mean H[q(y|x)], q(y) the batch's mean posterior (per seed
    in a seed batch)."""
    return -losses.marginal_entropy(posteriors) + conditional_weight * losses.conditional_entropy(posteriors)


def _step_each(terms: Sequence[tuple[torch.Tensor, torch.optim.Optimizer]]) -> None:
    """One Adam step per (loss, optimizer), every gradient taken at the same parameters first.

    Like the reference code, each term has its own optimizer (so its own step-size
    normalisation); unlike it, the terms share one forward pass instead of one each.
    """
    grads = []
    for loss, optimizer in terms:
        params = [p for group in optimizer.param_groups for p in group["params"]]
        # one loss per seed in a seed batch: their sum gives each seed its own gradient
        grads.append((params, torch.autograd.grad(loss.sum(), params, retain_graph=True, allow_unused=True)))
    for (params, gradients), (_, optimizer) in zip(grads, terms):
        for p, g in zip(params, gradients):
            p.grad = g
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


@estimator
class DualAAE(NeuralClusterer):
    """Dual adversarial auto-encoders (Dual-AAE Eq. 10); AAE and "without CR" through flags
    (``reference.VARIANTS["dual-aae"]``).

    Defaults are Dual-AAE's MNIST settings: the appendix's InfoGAN-style networks (``conv_channels``;
    ``architecture="auto"`` takes them for 1x28x28 images and the MLPs of ``encoder_hidden`` and
    ``decoder_hidden`` otherwise, as the appendix does for STL-10 and HHAR features),
    category 10, style 3, noise 1 (the reference code's 4-d code is these 3 style + 1 noise dims:
    it reconstructs dims 1-3 only), the critic FC(100)-Drop(0.2)-ReLU-FC(100)-Drop(0.2)-ReLU-FC(1),
    lambda1 = ``dae_weight`` = 0.1, lambda2 = ``conditional_entropy_weight`` = 0.5, batch 100,
    300 epochs of the 60 000 training images (the reference's count).

    Where Dual-AAE is silent, the reference code's choices: each term is minimised by its own Adam
    optimizer (default betas) and learning rate: reconstruction ``lr`` = 1e-4 (Q and P), D-AE
    ``dae_weight * lr`` = 1e-5 (lambda1 is applied as the reference applies it, through the step
    size), critic, adversarial and CR steps ``adversarial_lr`` = 5e-5 (the latter two on Q only);
    reconstruction by mean squared error (the decoder's output is a sigmoid for ``conv28``, linear
    for ``mlp``), the D-AE term as cross-entropy on y plus squared error on h. One critic step per
    iteration. The gradients of all Q/P terms are taken at the same parameters (one forward pass),
    then each optimizer steps; the reference runs a fresh forward pass per term.

    Lipschitz constraint of the Wasserstein critic: a gradient penalty (``gp_weight`` = 10, the
    WGAN-GP default); Dual-AAE names WGAN, the reference code has none (``gp_weight=0``).

    Pretraining (Dual-AAE appendix: "a stacked Auto-Encoder to initialize the encoder and decoder", not
    in the reference code): ``pretrain_epochs`` epochs of reconstruction-only training of Q and P
    end to end (not greedy layer-wise), before the loop; 0 disables it.
    """

    n_clusters: int = 10
    architecture: str = "auto"
    style_dim: int = 3
    noise_dim: int = 1
    conv_channels: Sequence[int] = (64, 128, 1024, 128)
    encoder_hidden: Sequence[int] = (500, 500, 500)
    decoder_hidden: Sequence[int] = (2000, 500, 1000)
    critic_hidden: Sequence[int] = (100, 100)
    critic_dropout: float = 0.2
    dual: bool = True
    clustering_regularization: bool = True
    adversarial_category: bool = False
    dae_weight: float = 0.1
    conditional_entropy_weight: float = 0.5
    gp_weight: float = 10.0
    n_critic: int = 1
    lr: float = 1e-4
    adversarial_lr: float = 5e-5
    pretrain_epochs: int = 10
    n_iterations: int = run_control(180000)
    batch_size: int = run_control(100)

    network_family = "dual-aae"
    batchable = True
    graph_capturable = True
    batch_seeds_on_cpu = False  # slower batched on a CPU: results/bench/cpu_2core_2026-12-05_seed_batching.json

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_clusters", self.n_clusters, "int", 2)
        check_param("style_dim", self.style_dim, "int", 0)
        check_param("noise_dim", self.noise_dim, "int", 0)
        check_sequence("conv_channels", self.conv_channels, length=4)  # C1..C4 of Dual-AAE's encoder
        for name in ("encoder_hidden", "decoder_hidden", "critic_hidden"):
            check_sequence(name, getattr(self, name))
        check_param("critic_dropout", self.critic_dropout, "float", 0, 1)
        for name in ("dual", "clustering_regularization", "adversarial_category"):
            check_param(name, getattr(self, name), "bool")
        if self.style_dim + self.noise_dim + (self.n_clusters if self.adversarial_category else 0) == 0:
            raise UserInputError("the critic needs something to match: style_dim + noise_dim must be >= 1 "
                                 "unless adversarial_category=True")
        check_param("dae_weight", self.dae_weight, "float", 0, low_inclusive=False)
        check_param("conditional_entropy_weight", self.conditional_entropy_weight, "float", 0)
        check_param("gp_weight", self.gp_weight, "float", 0)
        check_param("n_critic", self.n_critic, "int", 1)
        check_param("lr", self.lr, "float", 0, low_inclusive=False)
        check_param("adversarial_lr", self.adversarial_lr, "float", 0, low_inclusive=False)
        check_param("pretrain_epochs", self.pretrain_epochs, "int", 0)

    # -- networks ------------------------------------------------------------
    @property
    def code_dim(self) -> int:
        return self.n_clusters + self.style_dim + self.noise_dim

    @property
    def critic_dim(self) -> int:
        return self.style_dim + self.noise_dim + (self.n_clusters if self.adversarial_category else 0)

    def build(self, source: torch.Tensor, device: torch.device) -> None:
        self.data_shape_ = tuple(source.shape[1:])
        self.architecture_, (encoder, decoder) = nets.build_networks(
            self.network_family, self.architecture, self.data_shape_, n_clusters=self.n_clusters,
            style_dim=self.style_dim, noise_dim=self.noise_dim, conv_channels=self.conv_channels,
            encoder_hidden=self.encoder_hidden, decoder_hidden=self.decoder_hidden)
        self.encoder_, self.decoder_ = encoder.to(device), decoder.to(device)
        self.critic_ = nets.dropout_critic(self.critic_dim, self.critic_hidden, self.critic_dropout).to(device)
        autoencoder = [*self.encoder_.parameters(), *self.decoder_.parameters()]
        self.optimizer_recon_ = torch.optim.Adam(autoencoder, lr=self.lr)
        self.optimizer_dae_ = torch.optim.Adam(autoencoder, lr=self.dae_weight * self.lr)
        self.optimizer_adv_ = torch.optim.Adam(self.encoder_.parameters(), lr=self.adversarial_lr)
        self.optimizer_cr_ = torch.optim.Adam(self.encoder_.parameters(), lr=self.adversarial_lr)
        self.optimizer_critic_ = torch.optim.Adam(self.critic_.parameters(), lr=self.adversarial_lr)
        self.pretrain_history_ = []
        resuming = bool(self.checkpoint_dir) and (Path(self.checkpoint_dir) / training.CHECKPOINT_NAME).exists()
        if self.pretrain_epochs and not resuming:  # a resumed run loads the pretrained-then-trained weights
            self.pretrain(source, device)

    def pretrain(self, inputs: torch.Tensor, device: torch.device) -> None:
        """Reconstruction-only training of Q and P for ``pretrain_epochs`` epochs (its own Adam, ``lr``)."""
        batches = training.TensorBatches(inputs, self.batch_size, device)
        optimizer = torch.optim.Adam([*self.encoder_.parameters(), *self.decoder_.parameters()], lr=self.lr)
        per_epoch = max(1, len(inputs) // batches.batch_size)
        for epoch in range(self.pretrain_epochs):
            total = torch.zeros((), device=device)
            for _ in tqdm(range(per_epoch), desc=f"{type(self).__name__} pretraining, epoch {epoch + 1}/"
                          f"{self.pretrain_epochs}", disable=not self.progress, mininterval=1.0, leave=False):
                x = batches.next()
                loss = self.reconstruction_loss(x)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.detach()
            self.pretrain_history_.append({"epoch": epoch + 1, "reconstruction": (total / per_epoch).item()})

    def modules_(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder_, "decoder": self.decoder_, "critic": self.critic_}

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        return {"recon": self.optimizer_recon_, "dae": self.optimizer_dae_, "adv": self.optimizer_adv_,
                "cr": self.optimizer_cr_, "critic": self.optimizer_critic_}

    # -- loss terms ----------------------------------------------------------
    def reconstruction_loss(self, x: torch.Tensor) -> torch.Tensor:
        """O-AE: mean squared error of P(softmax(logits), h, z) against x (the reference code's loss)."""
        logits, h, z = self.encoder_(x)
        return seeds.mean(F.mse_loss(self.decoder_(logits.softmax(1), h, z), x, reduction="none"))

    def sample_prior(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``n`` rows in all (n / seeds per seed in a seed batch) of cluster ids y ~ Mult(1/K), style h ~ N(0, I)
        and noise z ~ N(0, I)."""
        device, n = self.device_, n // seeds.count()
        ids = seeds.randint(self.n_clusters, n, device=device)
        return ids, seeds.randn(n, self.style_dim, device=device), seeds.randn(n, self.noise_dim, device=device)

    def critic_input(self, y: torch.Tensor, h: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """What D sees: (h, z), and y in front of them when the category is matched adversarially."""
        return torch.cat([y, h, z] if self.adversarial_category else [h, z], dim=1)

    def dual_loss(self, n: int) -> torch.Tensor:
        """D-AE: generate x from prior codes, re-encode; cross-entropy on y plus squared error on h."""
        ids, h, z = self.sample_prior(n)
        generated = self.decoder_(F.one_hot(ids, self.n_clusters).float(), h, z)
        logits, h_back, _ = self.encoder_(generated)
        loss = seeds.mean(F.cross_entropy(logits, ids, reduction="none"))
        if self.style_dim:
            loss = loss + seeds.mean(F.mse_loss(h_back, h, reduction="none"))
        return loss

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        """One iteration: ``n_critic`` critic steps, then one step of each Q/P term of Eq. 10 (or 8)."""
        for _ in range(self.n_critic):
            x = batches.next()
            with torch.no_grad():
                logits, h, z = self.encoder_(x)
                fake = self.critic_input(logits.softmax(1), h, z)
                ids, h_prior, z_prior = self.sample_prior(len(x))
                real = self.critic_input(F.one_hot(ids, self.n_clusters).float(), h_prior, z_prior)
            wasserstein = losses.wasserstein_estimate(self.critic_(real), self.critic_(fake))
            penalty = losses.gradient_penalty(self.critic_, real, fake) if self.gp_weight else torch.zeros((), device=x.device)
            critic_loss = -wasserstein + self.gp_weight * penalty
            self.optimizer_critic_.zero_grad(set_to_none=True)
            critic_loss.sum().backward()  # one loss per seed in a seed batch: each seed's own gradient
            self.optimizer_critic_.step()

        nets.set_requires_grad(self.critic_, False)
        logits, h, z = self.encoder_(x)
        posteriors = logits.softmax(1)
        reconstruction = seeds.mean(F.mse_loss(self.decoder_(posteriors, h, z), x, reduction="none"))
        adversarial = -seeds.mean(self.critic_(self.critic_input(posteriors, h, z)))
        terms = [(reconstruction, self.optimizer_recon_), (adversarial, self.optimizer_adv_)]
        if self.clustering_regularization:
            terms.append((clustering_regularization(posteriors, self.conditional_entropy_weight), self.optimizer_cr_))
        if self.dual:
            dual = self.dual_loss(len(x))
            terms.append((dual, self.optimizer_dae_))
        _step_each(terms)
        nets.set_requires_grad(self.critic_, True)
        with torch.no_grad():
            report = {
                "critic_loss": critic_loss.detach(),
                "wasserstein": wasserstein.detach(),
                "gradient_penalty": penalty.detach(),
                "reconstruction": reconstruction.detach(),
                "adversarial": adversarial.detach(),
                "marginal_entropy": losses.marginal_entropy(posteriors),
                "conditional_entropy": losses.conditional_entropy(posteriors),
            }
            if self.dual:
                report["dual_reconstruction"] = dual.detach()
        return report

    # -- inference -----------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """q(y|x): the encoder's softmax over clusters."""
        return self._outputs(lambda x: self.encoder_(x)[0].softmax(dim=1), X)

    def encode(self, X: Any) -> Encoding:
        """Q(x): the posterior q(y|x), style h and noise z, and ``latent`` = (q(y|x), h, z) concatenated."""
        code = self._batched(lambda x: torch.cat(self.encoder_(x), dim=1), self.inputs(X))
        logits, h, z = code.split((self.n_clusters, self.style_dim, self.noise_dim), dim=1)
        posterior = logits.softmax(1)
        return Encoding.of(latent=torch.cat([posterior, h, z], dim=1), posterior=posterior, style=h, noise=z)

    def transform(self, X: Any) -> np.ndarray:
        """The latent code (q(y|x), h, z) of each input, the decoder's input (:meth:`encode`'s ``latent``)."""
        return self.encode(X).latent

    def penultimate_features(self, X: Any) -> np.ndarray:
        """The encoder's features before its latent head (Dual-AAE Fig. 4 embeds these with t-SNE)."""
        return self._outputs(lambda x: self.encoder_.trunk(x), X)

    def reconstruct(self, X: Any) -> np.ndarray:
        """P(Q(x)) with the category as its posterior, as in training."""
        def through(x):
            logits, h, z = self.encoder_(x)
            return self.decoder_(logits.softmax(1), h, z)
        return self._outputs(through, X)

    def generate(self, clusters: int | Sequence[int] | torch.Tensor, *, n: int | None = None, seed: int | None = None,
                 style: Any = None, noise: Any = None) -> np.ndarray:
        """P(y, h, z) for one-hot y, ``n`` samples per cluster id of ``clusters``, cluster-major.

        ``style`` h and ``noise`` z (one row per sample) are drawn from N(0, I) with ``seed`` when None.
        """
        ids = self.generation_ids(clusters, n)
        count = len(ids)
        drawn = self.standard_normal(count, self.style_dim + self.noise_dim, seed)
        style = drawn[:, : self.style_dim] if style is None else torch.as_tensor(style).float()
        noise = drawn[:, self.style_dim :] if noise is None else torch.as_tensor(noise).float()
        if style.shape != (count, self.style_dim) or noise.shape != (count, self.noise_dim):
            raise UserInputError(f"style must be ({count}, {self.style_dim}) and noise ({count}, {self.noise_dim})")
        code = torch.cat([F.one_hot(ids, self.n_clusters).float(), style, noise], dim=1)
        return self._batched(lambda c: self.decoder_(*c.split((self.n_clusters, self.style_dim, self.noise_dim), 1)),
                             code).numpy()

    def traversal(self, index: int, values: Sequence[float] | torch.Tensor = tuple(torch.linspace(-2, 2, 10).tolist()),
                  variable: str = "style", clusters: Sequence[int] | None = None) -> np.ndarray:
        """Dual-AAE Fig. 8: images (clusters x values x C x H x W) varying one style or noise variable, others 0."""
        check_choice("variable", variable, ("style", "noise"))
        size = self.style_dim if variable == "style" else self.noise_dim
        if not 0 <= index < size:
            raise UserInputError(f"{variable} index must lie in [0, {size}), got {index}")
        values = torch.as_tensor(values, dtype=torch.float32)
        clusters = torch.arange(self.n_clusters) if clusters is None else torch.as_tensor(clusters)
        ids = clusters.repeat_interleave(len(values))
        style, noise = torch.zeros(len(ids), self.style_dim), torch.zeros(len(ids), self.noise_dim)
        (style if variable == "style" else noise)[:, index] = values.repeat(len(clusters))
        images = self.generate(ids, style=style, noise=noise)
        return images.reshape(len(clusters), len(values), *images.shape[1:])
