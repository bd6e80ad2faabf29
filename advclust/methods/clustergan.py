"""ClusterGAN (Mukherjee et al. 2019) and SIMI-ClusterGAN (Dam et al., SIMI-ClusterGAN).

ClusterGAN: a generator G(z_n, z_M) from Gaussian noise z_n ~ N(0, sigma^2 I) and a
one-hot code z_M, a WGAN-GP critic D, and an encoder E(x) -> (z_n, z_M) trained
with G on the cycle losses J_ce and J_mse (SIMI-ClusterGAN Eq. 2-4). Real data is clustered
by k-means on the encoder's output (z_n, softmax z_M), as SIMI-ClusterGAN and ClusterGAN do, fitted on the
encodings of the very inputs being clustered (SIMI-ClusterGAN Algorithm 1 lines 20-22 on the test set).

SIMI-ClusterGAN (SIMI-ClusterGAN Algorithm 1) is ClusterGAN with two changes: z_M is the
one-hot argmax of a prior network P_phi (IMSAT, phase 1) on the real minibatch
(Eq. 12), and three losses are added: J_rec (Eq. 13), J_pce (Eq. 14), J_cm (Eq. 15).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.cluster import KMeans
from torch import nn

from advclust import losses, metrics, nets, seeds
from advclust.errors import UserInputError, check_choice
from advclust.methods.base import (
    Encoding, NeuralClusterer, can_batch_seeds, check_param, check_sequence, estimator, fit_seeds, run_control,
)
from advclust.methods.imsat import IMSAT

#: How real inputs get a cluster: k-means on the encoder output (ClusterGAN, SIMI-ClusterGAN) or argmax of its categorical part.
ASSIGNMENTS = ("kmeans", "argmax")

#: Where the one-hot code z_M of the generator comes from.
PRIORS = ("uniform", "learned")


@estimator
class ClusterGAN(NeuralClusterer):
    """ClusterGAN: WGAN-GP with a uniform one-hot prior and an encoder trained on the cycle losses.

    Defaults are ClusterGAN's MNIST reference as SIMI-ClusterGAN uses it: z_n of dimension 30 with sigma = 0.1,
    alpha_cl = alpha_mse = 10 (``alpha_ce``, ``alpha_mse``), gradient penalty 10, 5 critic steps per
    generator step, Adam 1e-4 (0.5, 0.9), batch 64, the conv networks of :func:`advclust.nets.clustergan_conv_networks`
    (ReLU in G, leaky ReLU in D and E, SIMI-ClusterGAN §IV-B; ``architecture="auto"`` takes them for square images
    of 16 pixels or more with a side divisible by 4, and otherwise the two-hidden-layer MLPs of ``hidden``,
    SIMI-ClusterGAN's choice for low-dimensional data), tanh output for data in [-1, 1]. ``n_iterations`` = 37 500
    generator steps = the reference's 200 epochs of 60 000 images in batches of 64, 5 batches per generator step.
    ``weight_decay`` = 2.5e-5 on G's and E's Adam (an L2 penalty, the gradient of the reference's
    ``l2_regularizer(2.5e-5)`` on G's and E's weights; a PyTorch port applies it as here), none on D's; the paper is
    silent on it. J_mse is the mean squared error (SIMI-ClusterGAN Eq. 3 calls it MSE). G and E are updated
    together on one objective: the gradients that Algorithm 1's two lines 17-18 give each network.

    Clustering follows Algorithm 1 lines 20-22: :meth:`predict` (hence ``labels_``, :meth:`evaluate`, the
    evaluations during training and a run's final score) fits k-means on the encodings of the inputs it is
    given, so a model scored on a test set clusters the test encodings, never applying a k-means fitted on
    the training set. ``assignment="argmax"`` takes the argmax of z_M instead.
    """

    n_clusters: int = 10
    noise_dim: int = 30
    sigma: float = 0.1
    architecture: str = "auto"
    hidden: Sequence[int] = (256, 256)
    output_activation: str | None = "tanh"
    gp_weight: float = 10.0
    n_critic: int = 5
    alpha_ce: float = 10.0
    alpha_mse: float = 10.0
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.9
    weight_decay: float = 2.5e-5
    assignment: str = "kmeans"
    kmeans_n_init: int = 10
    n_iterations: int = run_control(37500)
    batch_size: int = run_control(64)

    network_family = "clustergan"
    batchable = True
    graph_capturable = True

    # The prior of z_M and the losses SIMI-ClusterGAN adds; ClusterGAN has none of them.
    prior = "uniform"

    def added_loss_weights(self) -> dict[str, float]:
        """Weights of the losses beyond Eq. 4 (SIMI-ClusterGAN's J_rec, J_pce, J_cm); none here."""
        return {}

    def validate_params(self) -> None:
        super().validate_params()
        check_param("n_clusters", self.n_clusters, "int", 2)
        check_param("noise_dim", self.noise_dim, "int", 1)
        check_param("sigma", self.sigma, "float", 0, low_inclusive=False)
        check_sequence("hidden", self.hidden)
        if self.output_activation is not None:
            check_choice("activation", self.output_activation, nets.ACTIVATIONS)
        check_param("gp_weight", self.gp_weight, "float", 0)
        check_param("n_critic", self.n_critic, "int", 1)
        check_param("alpha_ce", self.alpha_ce, "float", 0)
        check_param("alpha_mse", self.alpha_mse, "float", 0)
        check_param("lr", self.lr, "float", 0, low_inclusive=False)
        check_param("beta1", self.beta1, "float", 0, 1)
        check_param("beta2", self.beta2, "float", 0, 1)
        check_param("weight_decay", self.weight_decay, "float", 0)
        check_choice("assignment", self.assignment, ASSIGNMENTS)
        check_param("kmeans_n_init", self.kmeans_n_init, "int", 1)

    # -- training ------------------------------------------------------------
    def build(self, source: torch.Tensor, device: torch.device) -> None:
        self.data_shape_ = tuple(source.shape[1:])
        self.architecture_, (generator, critic, encoder) = nets.build_networks(
            self.network_family, self.architecture, self.data_shape_, n_clusters=self.n_clusters,
            noise_dim=self.noise_dim, hidden=self.hidden, output_activation=self.output_activation)
        self.generator_, self.critic_, self.encoder_ = generator.to(device), critic.to(device), encoder.to(device)
        adam = dict(lr=self.lr, betas=(self.beta1, self.beta2))
        self.optimizer_g_ = torch.optim.Adam(self.generator_.parameters(), weight_decay=self.weight_decay, **adam)
        self.optimizer_d_ = torch.optim.Adam(self.critic_.parameters(), **adam)
        self.optimizer_e_ = torch.optim.Adam(self.encoder_.parameters(), weight_decay=self.weight_decay, **adam)

    def modules_(self) -> dict[str, nn.Module]:
        return {"generator": self.generator_, "critic": self.critic_, "encoder": self.encoder_}

    def optimizers_(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.optimizer_g_, "critic": self.optimizer_d_, "encoder": self.optimizer_e_}

    def prior_ids(self, real: torch.Tensor) -> torch.Tensor | None:
        """Cluster ids of P_phi for a real minibatch (SIMI-ClusterGAN); None without a learned prior."""
        return None

    def code_ids(self, real: torch.Tensor, learned: torch.Tensor | None) -> torch.Tensor:
        """The ids of z_M for one minibatch: P_phi's assignments of ``real`` (Eq. 12) or uniform draws."""
        if self.prior == "learned":
            return learned
        return seeds.randint(self.n_clusters, len(real) // seeds.count(), device=real.device)

    def noise(self, n: int) -> torch.Tensor:
        """``n`` rows of z_n ~ N(0, sigma^2 I) in all (in a seed batch, n / seeds from each seed's stream)."""
        return self.sigma * seeds.randn(n // seeds.count(), self.noise_dim, device=self.device_)

    def objective(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        """The terms of the generator-encoder objective (SIMI-ClusterGAN Eq. 16) on one real minibatch, and their ``total``.

        A term whose weight is 0 is neither computed nor listed.
        """
        learned = self.prior_ids(real)
        ids = self.code_ids(real, learned)
        onehot = F.one_hot(ids, self.n_clusters).float()
        z_n = self.noise(len(real))
        fake = self.generator_(onehot, z_n)
        encoded_n, encoded_logits = self.encoder_(fake)
        terms = {
            "adversarial": -seeds.mean(self.critic_(fake)),
            "ce": seeds.mean(F.cross_entropy(encoded_logits, ids, reduction="none")),
            "mse": seeds.mean(F.mse_loss(encoded_n, z_n, reduction="none")),
        }
        weights = {"ce": self.alpha_ce, "mse": self.alpha_mse, **self.added_loss_weights()}
        if any(weights.get(name, 0) for name in ("rec", "pce", "cm")):
            real_n, real_logits = self.encoder_(real)
            if weights.get("rec", 0):  # Eq. 13: x - G(E(x)), E's categorical part as its softmax
                terms["rec"] = seeds.mean(F.mse_loss(self.generator_(real_logits.softmax(1), real_n), real,
                                                     reduction="none"))
            if weights.get("pce", 0):  # Eq. 14: E's categorical part against P_phi's assignment
                terms["pce"] = seeds.mean(F.cross_entropy(real_logits, learned, reduction="none"))
            if weights.get("cm", 0):  # Eq. 15: x_g - G(z_n', E(x)_M)
                other = self.generator_(real_logits.softmax(1), self.noise(len(real)))
                terms["cm"] = seeds.mean(F.mse_loss(other, fake, reduction="none"))
        terms["total"] = terms["adversarial"] + sum(weights[name] * terms[name] for name in terms if name in weights)
        return terms

    def train_step(self, batches, step: int) -> dict[str, torch.Tensor]:
        """``n_critic`` WGAN-GP critic steps (Algorithm 1 lines 3-11), then one step of G and E (lines 12-18)."""
        for _ in range(self.n_critic):
            real = batches.next()
            with torch.no_grad():
                ids = self.code_ids(real, self.prior_ids(real))
                fake = self.generator_(F.one_hot(ids, self.n_clusters).float(), self.noise(len(real)))
            penalty = losses.gradient_penalty(self.critic_, real, fake)
            wasserstein = losses.wasserstein_estimate(self.critic_(real), self.critic_(fake))
            critic_loss = -wasserstein + self.gp_weight * penalty
            self.optimizer_d_.zero_grad(set_to_none=True)
            critic_loss.sum().backward()  # one loss per seed in a seed batch: each seed's own gradient
            self.optimizer_d_.step()

        nets.set_requires_grad(self.critic_, False)
        terms = self.objective(batches.next())
        self.optimizer_g_.zero_grad(set_to_none=True)
        self.optimizer_e_.zero_grad(set_to_none=True)
        terms["total"].sum().backward()
        self.optimizer_g_.step()
        self.optimizer_e_.step()
        nets.set_requires_grad(self.critic_, True)
        return {"critic_loss": critic_loss.detach(), "wasserstein": wasserstein.detach(),
                "gradient_penalty": penalty.detach(), **{f"j_{k}": v.detach() for k, v in terms.items()}}

    # -- inference -----------------------------------------------------------
    def encode(self, X: Any) -> Encoding:
        """E(x): z_n (``noise``), softmax z_M (``posterior``) and both concatenated (``latent``)."""
        def both(x: torch.Tensor) -> torch.Tensor:
            z_n, logits = self.encoder_(x)
            return torch.cat([z_n, logits.softmax(1)], 1)

        latent = self._outputs(both, X)
        return Encoding(latent=latent, posterior=latent[:, self.noise_dim :], noise=latent[:, : self.noise_dim])

    def transform(self, X: Any) -> np.ndarray:
        """The latent code (z_n, softmax z_M) of each input: what the k-means assignment clusters."""
        return self.encode(X).latent

    def encoding(self, X: Any) -> np.ndarray:
        """:meth:`transform` as float64, the k-means input."""
        return self.transform(X).astype(np.float64)

    def _kmeans(self, features: np.ndarray) -> KMeans:
        if len(features) < self.n_clusters:
            raise UserInputError(f"k-means on the encodings needs at least n_clusters={self.n_clusters} inputs, "
                                 f"got {len(features)}; use predict_proba, or assignment='argmax'")
        return KMeans(self.n_clusters, n_init=self.kmeans_n_init, random_state=self.seed).fit(features)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The encoder's categorical posterior softmax z_M."""
        return self.encode(X).posterior

    def predict(self, X: Any) -> np.ndarray:
        """Clusters of ``X``: k-means (seeded with ``seed``) fitted on the encodings of ``X`` itself, as Algorithm 1
        lines 21-22 cluster the test set's, or the argmax of z_M. The one path of ``labels_``, :meth:`evaluate`
        and the evaluations during training."""
        if self.assignment == "argmax":
            return super().predict(X)
        return self._kmeans(self.encoding(X)).labels_.astype(np.int64)

    def generate(self, clusters: int | Sequence[int] | torch.Tensor, *, n: int | None = None, seed: int | None = None,
                 noise: Any = None) -> np.ndarray:
        """G(z_n, one-hot z_M), ``n`` samples per cluster id of ``clusters``, cluster-major.

        ``noise`` z_n (one row per sample) is drawn from N(0, sigma^2 I) with ``seed`` when None.
        """
        codes = F.one_hot(self.generation_ids(clusters, n), self.n_clusters).float()
        return self.generate_from_codes(codes, noise, seed=seed)

    def generate_from_codes(self, codes: Any, noise: Any = None, *, seed: int | None = None) -> np.ndarray:
        """G(z_n, z_M) for given (possibly non one-hot) codes z_M, e.g. interpolations (SIMI-ClusterGAN Fig. 7);
        z_n drawn with ``seed`` (None: the estimator's) unless given."""
        codes = torch.as_tensor(codes).float()
        if noise is None:
            noise = self.sigma * self.standard_normal(len(codes), self.noise_dim, seed)
        noise = torch.as_tensor(noise).float()
        if codes.shape != (len(codes), self.n_clusters) or noise.shape != (len(codes), self.noise_dim):
            raise UserInputError(f"codes must be (n, {self.n_clusters}) and noise (n, {self.noise_dim}); got "
                                 f"{tuple(codes.shape)} and {tuple(noise.shape)}")
        return self._batched(lambda z: self.generator_(z[:, : self.n_clusters], z[:, self.n_clusters :]),
                             torch.cat([codes, noise], 1)).numpy()

    def interpolate(self, start: int, end: int, steps: int = 10, noise: Any = None, *,
                    seed: int | None = None) -> np.ndarray:
        """Samples along z = (z_n, tau z_M^start + (1 - tau) z_M^end), tau from 1 to 0, z_n fixed (SIMI-ClusterGAN §IV-E);
        z_n drawn with ``seed`` (None: the estimator's) unless given."""
        tau = torch.linspace(1, 0, steps)[:, None]
        eye = torch.eye(self.n_clusters)
        codes = tau * eye[start] + (1 - tau) * eye[end]
        if noise is None:
            noise = self.sigma * self.standard_normal(1, self.noise_dim, seed)
        return self.generate_from_codes(codes, torch.as_tensor(noise).float().reshape(1, -1).repeat(steps, 1))


@estimator
class SIMIClusterGAN(ClusterGAN):
    """SIMI-ClusterGAN, SIMI-ClusterGAN Algorithm 1: IMSAT's P_phi (phase 1), then ClusterGAN with the learned prior.

    Phase 2 defaults are SIMI-ClusterGAN §IV-B's: alpha_re = 1, alpha_pcl = 10, alpha_cm = 1; learning rates 1e-4
    with Adam betas (0.5, 0.999). An added loss with weight 0 is switched off (Table IV's ablations);
    ``prior="uniform"`` draws z_M uniformly as ClusterGAN does (Table V's "SIMI-ClusterGAN \\ P_phi",
    where P_phi is not part of the adversarial game but still gives J_pce its targets).
    Phase 1 is an :class:`IMSAT` built from the ``prior_*`` parameters (SIMI-ClusterGAN §IV-B: d-1200-1200-M,
    Adam 0.002, beta_p 0.1, beta_mu 4, beta_t 0.25); ``fit(X, prior=fitted_imsat)`` reuses one.
    Where SIMI-ClusterGAN is silent: J_rec, J_cm are mean squared errors like J_mse; G(E(x)) in J_rec and J_cm
    takes E's categorical part as its softmax and, in J_rec, E's z_n. The other parameters are :class:`ClusterGAN`'s.
    """

    alpha_re: float = 1.0
    alpha_pcl: float = 10.0
    alpha_cm: float = 1.0
    prior: str = "learned"
    prior_hidden: Sequence[int] = (1200, 1200)
    prior_iterations: int = 14000
    prior_batch_size: int = 250
    prior_lr: float = 0.002
    prior_radius: float = 0.25
    prior_radius_neighbour: int = 10
    prior_augment: bool = False
    beta_p: float = 0.1
    beta_mu: float = 4.0
    beta2: float = 0.999  # ClusterGAN's parameter with SIMI-ClusterGAN §IV-B's value

    batchable = True  # phase 1 as one seed batch of IMSATs, then phase 2 as one seed batch

    def added_loss_weights(self) -> dict[str, float]:
        return {"rec": self.alpha_re, "pce": self.alpha_pcl, "cm": self.alpha_cm}

    def validate_params(self) -> None:
        super().validate_params()
        check_sequence("prior_hidden", self.prior_hidden)
        for name in ("alpha_re", "alpha_pcl", "alpha_cm"):
            check_param(name, getattr(self, name), "float", 0)
        check_choice("prior", self.prior, PRIORS)
        self.prior_estimator().validate_params()

    def prior_estimator(self) -> IMSAT:
        """The phase-1 estimator these parameters describe (its checkpoints in ``checkpoint_dir/prior``)."""
        return IMSAT(
            n_clusters=self.n_clusters, hidden=self.prior_hidden, beta_p=self.beta_p, beta_mu=self.beta_mu,
            radius=self.prior_radius, radius_neighbour=self.prior_radius_neighbour, augment=self.prior_augment,
            lr=self.prior_lr, n_iterations=self.prior_iterations, batch_size=self.prior_batch_size, seed=self.seed,
            device=self.device, log_every=min(self.log_every, self.prior_iterations), progress=self.progress,
            checkpoint_dir=str(Path(self.checkpoint_dir) / "prior") if self.checkpoint_dir else None,
            checkpoint_every=self.checkpoint_every, precision=self.precision, cuda_graph=self.cuda_graph)

    def fit(self, X: Any, y: Any = None, eval_set: tuple[Any, Any] | None = None,
            callbacks: Sequence[Callable] = (), prior: IMSAT | None = None) -> SIMIClusterGAN:
        """Phase 1 (IMSAT on ``X``, unless a fitted ``prior`` is given), then phase 2 on ``X``."""
        X = self.fit_inputs(X)
        self.validate_params()
        type(self).before_seed_batch([self], X, eval_set, [{} if prior is None else {"prior": prior}],  # phase 1
                                     callbacks)
        return super().fit(X, eval_set=eval_set, callbacks=callbacks)

    @classmethod
    def before_seed_batch(cls, estimators: Sequence[SIMIClusterGAN], X: torch.Tensor,
                          eval_set: tuple[torch.Tensor, torch.Tensor] | None,
                          fit_options: Sequence[dict[str, Any]] | None = None,
                          callbacks: Sequence[Callable[[SIMIClusterGAN, int], None]] = ()) -> None:
        """Phase 1 of every seed not given a fitted ``prior`` in its ``fit_options``: their IMSATs as one seed batch
        (one after another where they cannot batch, as for a single ``fit``). A seed whose IMSAT diverged stops the
        batch with its error, as its ``fit`` would. ``callbacks`` hear of each seed's IMSAT steps as
        ``callback(seed's estimator, step)``, its ``phase_`` then ``("IMSAT prior", prior_iterations)``."""
        fit_options = list(fit_options or [{}] * len(estimators))
        unknown = sorted({key for options in fit_options for key in options} - {"prior"})
        if unknown:
            raise UserInputError(f"{cls.__name__}.fit takes the option prior, not {', '.join(unknown)}")
        given = {id(e): options["prior"] for e, options in zip(estimators, fit_options)
                 if options.get("prior") is not None}
        for model in estimators:
            model.own_phases_ = []  # phases this run trains itself (their earlier sessions count in its wall time)
            if id(model) in given:
                model.prior_model_ = model.checked_prior(given[id(model)], X)
        learning = [model for model in estimators if id(model) not in given]
        priors = [estimator.prior_estimator() for estimator in learning]
        owners = {id(prior): model for model, prior in zip(learning, priors)}

        def heard(prior: IMSAT, step: int) -> None:  # an IMSAT step, told as its SIMI-ClusterGAN's
            for callback in callbacks:
                callback(owners[id(prior)], step)

        for model in learning:
            model.phase_ = ("IMSAT prior", model.prior_iterations)
        try:
            if can_batch_seeds(priors):
                fit_seeds(priors, X, eval_set=eval_set, callbacks=[heard])
            else:
                for prior in priors:
                    prior.fit(X, eval_set=eval_set, callbacks=[heard])
        finally:
            for model in learning:
                model.phase_ = None
        for model, prior in zip(learning, priors):
            if getattr(prior, "diverged_", None) is not None:
                raise prior.diverged_
            model.prior_model_ = prior
            model.own_phases_ = [prior]

    def checked_prior(self, prior: IMSAT, X: torch.Tensor) -> IMSAT:
        """``prior`` if it is a fitted IMSAT of these clusters on inputs shaped as ``X``'s; else a clear error."""
        if (not hasattr(prior, "network_") or prior.n_clusters != self.n_clusters
                or prior.data_shape_ != tuple(X.shape[1:])):
            raise UserInputError(f"prior must be a fitted IMSAT with n_clusters={self.n_clusters}, fitted on inputs "
                                 f"of per-sample shape {tuple(X.shape[1:])}")
        return prior

    def build(self, source: torch.Tensor, device: torch.device) -> None:
        super().build(source, device)
        self.prior_model_.network_.to(device)
        self.prior_model_.device_ = device

    def stack_seeds(self, models: Sequence[SIMIClusterGAN]) -> None:
        self.prior_model_ = copy.copy(self.prior_model_)  # the lead's own P_phi: every seed's, stacked
        self.prior_model_.network_ = seeds.stack_modules([m.prior_model_.network_ for m in models]).to(self.device_)

    def prior_ids(self, real: torch.Tensor) -> torch.Tensor:
        return self.prior_model_.assign(real)

    def diagnostic_scores(self, X: Any, y: Any) -> dict[str, float]:
        """``prior_acc``: the Hungarian ACC of P_phi's own clusters of ``X`` (phase 1's result, which phase 2 draws
        its codes from), so that a record tells a gap of the prior from one of phase 2."""
        return {"prior_acc": metrics.hungarian_accuracy(y, self.prior_model_.predict(X))}
