"""PFCA: "Learning the Precise Feature for Cluster Assignment" (Gan et al., PFCA).

A generator G(y, z) draws samples from one-hot cluster ids y under a prior
p(y); a WGAN-GP critic D pulls the generated distribution onto the data
(Eq. 5); a classifier C learns to recover y from generated samples (Eq. 6);
G minimises -E[D(G)] + eta * L_C (Eq. 7) with eta growing on a staircase
(Eq. 8). Real data is clustered by argmax C(x). Defaults are Algorithm 1's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advclust import losses, metrics, nets, seeds
from advclust.errors import UserInputError
from advclust.methods.base import Encoding, NeuralClusterer, check_param, check_sequence, estimator, run_control


#: Samples per cluster id that :meth:`PFCA.evaluate` reads for ``generated_purity``.
GENERATED_PER_ID = 200


@estimator
class PFCA(NeuralClusterer):
    """Generator-critic-classifier clustering of PFCA, Algorithm 1.

    Parameters follow Algorithm 1 (``gp_weight`` = lambda, ``eta0``/``eta_gamma``/``eta_tau``
    = eta, gamma, tau; ``n_critic``, ``n_class``; Adam ``lr``, ``beta1``, ``beta2``).
    ``batch_size`` = 100 and ``noise_dim`` are the reference implementation's (the paper is
    silent); the reference uses gp_weight 10 where the paper says 100: the paper wins here.
    ``cluster_prior`` replaces the uniform p(y) by given probabilities (PFCA §IV-D-2, ORL gender).

    ``architecture="auto"`` picks the convolutional G, D and C of PFCA Fig. 2 for square images
    (channels, size, size) of 16 pixels or more and the fully connected ones of PFCA §IV-B otherwise;
    ``hidden`` is their widths (``None``: 512-512-512 for the MLP, the reference's 64/128/256
    channels for the convolutions). The convolutional G ends in a sigmoid (the reference's
    output range), so image data should be in [0, 1].
    """

    n_clusters: int = 10
    noise_dim: int = 128
    architecture: str = "auto"
    hidden: Sequence[int] | None = None
    gp_weight: float = 100.0
    eta0: float = 10.0
    eta_gamma: float = 1.2
    eta_tau: int = 30000
    n_critic: int = 5
    n_class: int = 4
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.9
    cluster_prior: Sequence[float] | None = None
    n_iterations: int = run_control(900000)
    batch_size: int = run_control(100)

    network_family = "pfca"
    fits_sampler = True
    batchable = True
    graph_capturable = True

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_clusters", self.n_clusters, "int", 2)
        check_param("noise_dim", self.noise_dim, "int", 0)
        if self.hidden is not None:
            check_sequence("hidden", self.hidden)
        check_param("gp_weight", self.gp_weight, "float", 0)
        check_param("eta0", self.eta0, "float", 0, low_inclusive=False)
        check_param("eta_gamma", self.eta_gamma, "float", 0, low_inclusive=False)
        check_param("eta_tau", self.eta_tau, "int", 1)
        check_param("n_critic", self.n_critic, "int", 1)
        check_param("n_class", self.n_class, "int", 1)
        check_param("lr", self.lr, "float", 0, low_inclusive=False)
        check_param("beta1", self.beta1, "float", 0, 1)
        check_param("beta2", self.beta2, "float", 0, 1)
        if self.cluster_prior is not None:
            check_sequence("cluster_prior", self.cluster_prior, "float", 0, length=self.n_clusters)
            if not math.isclose(math.fsum(self.cluster_prior), 1.0, rel_tol=1e-5, abs_tol=1e-8):
                raise UserInputError(
                    f"cluster_prior must be {self.n_clusters} non-negative probabilities summing to 1, got {self.cluster_prior!r}")

    # -- training ------------------------------------------------------------
    def build(self, source: torch.Tensor | Callable, device: torch.device) -> None:
        data_shape = tuple(source.shape[1:]) if isinstance(source, torch.Tensor) else tuple(source(1, device).shape[1:])
        self.data_shape_ = data_shape
        self.architecture_, (generator, critic, classifier) = nets.build_networks(
            self.network_family, self.architecture, data_shape, n_clusters=self.n_clusters, noise_dim=self.noise_dim,
            hidden=self.hidden)
        self.generator_, self.critic_, self.classifier_ = generator.to(device), critic.to(device), classifier.to(device)
        adam = dict(lr=self.lr, betas=(self.beta1, self.beta2))
        self.optimizer_g_ = torch.optim.Adam(self.generator_.parameters(), **adam)
        self.optimizer_d_ = torch.optim.Adam(self.critic_.parameters(), **adam)
        self.optimizer_c_ = torch.optim.Adam(self.classifier_.parameters(), **adam)
        self.prior_ = None if self.cluster_prior is None else torch.as_tensor(
            self.cluster_prior, dtype=torch.float32, device=device)

    def modules_(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_, "critic": self.critic_, "classifier": self.classifier_}

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.optimizer_g_, "critic": self.optimizer_d_, "classifier": self.optimizer_c_}

    def eta_at(self, step: int) -> float:
        """The trade-off weight eta at ``step`` (PFCA Eq. 8)."""
        return losses.staircase(self.eta0, self.eta_gamma, self.eta_tau, step)

    def step_scalars(self, step: int) -> dict[str, float]:
        return {"eta": self.eta_at(step)}

    def sample_codes(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Cluster ids y ~ p(y), their one-hot codes, and noise z ~ N(0, I): ``n`` of each per seed."""
        device = self.device_
        if self.prior_ is None:
            ids = seeds.randint(self.n_clusters, n, device=device)
        else:
            ids = seeds.multinomial(self.prior_, n)
        onehot = F.one_hot(ids, self.n_clusters).float()
        return ids, onehot, seeds.randn(n, self.noise_dim, device=device)

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        """One generator iteration of Algorithm 1 with its N_critic and N_class inner steps."""
        n = batches.batch_size
        # G is fixed during the critic and classifier steps, so their fake samples are
        # drawn in one forward pass (the same distribution as drawing them one by one).
        with torch.no_grad():
            ids, onehot, noise = self.sample_codes((self.n_critic + self.n_class) * n)
            fakes = self.generator_(onehot, noise)
        for i in range(self.n_critic):
            real, fake = batches.next(), seeds.rows(fakes, i * n, (i + 1) * n)
            critic_real, critic_fake = self.critic_(real), self.critic_(fake)
            penalty = losses.gradient_penalty(self.critic_, real, fake)
            wasserstein = losses.wasserstein_estimate(critic_real, critic_fake)
            critic_loss = -wasserstein + self.gp_weight * penalty
            self.optimizer_d_.zero_grad(set_to_none=True)
            critic_loss.sum().backward()  # one loss per seed in a seed batch: each seed's own gradient
            self.optimizer_d_.step()
        for i in range(self.n_critic, self.n_critic + self.n_class):
            fake_ids = seeds.rows(ids, i * n, (i + 1) * n)
            logits = self.classifier_(seeds.rows(fakes, i * n, (i + 1) * n))
            classifier_loss = seeds.mean(F.cross_entropy(logits, fake_ids, reduction="none"))
            self.optimizer_c_.zero_grad(set_to_none=True)
            classifier_loss.sum().backward()
            self.optimizer_c_.step()
        fake_accuracy = seeds.mean((logits.detach().argmax(1) == fake_ids).float())

        eta = self.step_scalar("eta", step)
        nets.set_requires_grad(self.critic_, False)
        nets.set_requires_grad(self.classifier_, False)
        ids, onehot, noise = self.sample_codes(n)
        fake = self.generator_(onehot, noise)
        entropy_term = seeds.mean(F.cross_entropy(self.classifier_(fake), ids, reduction="none"))
        generator_loss = -seeds.mean(self.critic_(fake)) + eta * entropy_term
        self.optimizer_g_.zero_grad(set_to_none=True)
        generator_loss.sum().backward()
        self.optimizer_g_.step()
        nets.set_requires_grad(self.critic_, True)
        nets.set_requires_grad(self.classifier_, True)
        return {
            "critic_loss": critic_loss.detach(),
            "wasserstein": wasserstein.detach(),
            "gradient_penalty": penalty.detach(),
            "classifier_loss": classifier_loss.detach(),
            "fake_accuracy": fake_accuracy,
            "entropy_bound": entropy_term.detach(),
            "generator_loss": generator_loss.detach(),
            "eta": eta.clone(),
        }

    # -- evaluation ----------------------------------------------------------
    def diagnostic_scores(self, X: Any, y: Any) -> dict[str, float]:
        """How far G's cluster ids are the classes of ``y`` (beside the clustering scores of C).

        C only ever sees generated images, so it can cluster real ones by the classes only where G draws each
        class from its own id. Two scores measure that, over 200 samples per id labelled by a nearest-class-mean
        reader of the labelled ``(X, y)`` (:func:`advclust.metrics.nearest_centroid_labels`):
        ``generated_purity``, the share of samples in their id's majority class (1: every id draws one class;
        near 1/K: ids cut across the classes; also 1 when every id draws the same class), and ``generated_acc``,
        the Hungarian accuracy of the ids against the reader's classes, which is 1 only when the ids draw
        *different* classes (1/K when G draws one class whatever the id). Diagnostics that use the labels, as
        ACC does.
        """
        inputs = self.inputs(X).cpu()
        ids = self.generation_ids(range(self.n_clusters), n=GENERATED_PER_ID)
        samples = self.generate(range(self.n_clusters), n=GENERATED_PER_ID, seed=0)
        reader = metrics.nearest_centroid_labels(inputs, y, samples)
        return {"generated_purity": metrics.purity(reader, ids.numpy()),
                "generated_acc": metrics.hungarian_accuracy(reader, ids.numpy())}

    # -- inference -----------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """q(y|x): the classifier's softmax over clusters."""
        return self._outputs(lambda x: self.classifier_(x).softmax(dim=1), X)

    def transform(self, X: Any) -> np.ndarray:
        """PFCA has no encoder: its latent code is the classifier's logits, whose softmax is q(y|x)."""
        return self._outputs(lambda x: self.classifier_(x), X)

    def encode(self, X: Any) -> Encoding:
        """The classifier's logits (``latent``) and q(y|x) (``posterior``)."""
        logits = self._batched(lambda x: self.classifier_(x), self.inputs(X))
        return Encoding.of(latent=logits, posterior=logits.softmax(dim=1))

    def critic_values(self, X: Any) -> np.ndarray:
        """D(x) for each input (the critic's landscape in the synthetic chapter)."""
        return self._outputs(lambda x: self.critic_(x).squeeze(1), X)

    def generate(self, clusters: int | Sequence[int] | torch.Tensor, *, n: int | None = None,
                 seed: int | None = None) -> np.ndarray:
        """G(y, z) for ``n`` noise draws z ~ N(0, I) per cluster id of ``clusters``, cluster-major."""
        ids = self.generation_ids(clusters, n)
        noise = self.standard_normal(len(ids), self.noise_dim, seed)
        codes = torch.cat([F.one_hot(ids, self.n_clusters).float(), noise], dim=1)
        return self._batched(lambda c: self.generator_(c[:, : self.n_clusters], c[:, self.n_clusters :]),
                             codes).numpy()
