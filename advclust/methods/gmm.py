"""The hard-assignment Gaussian mixture of DCAN (DCAN Appendix A.6), in torch on the device.

Parameters theta = {eta, tau, psi}: per-cluster means eta_k, per-dimension
precisions tau_k and mixing weights psi_k. One *clustering iteration* assigns
every point to one cluster (Eq. 22) and re-estimates the parameters from those
hard assignments (Eqs. 21, 20, 23). A positive sample for a point is a draw from
the Gaussian of the cluster it is assigned to (Eq. 5). The parameters are
buffers of an ``nn.Module`` so that the training loop snapshots and
checkpoints them with the networks. Under seed batching (:mod:`advclust.seeds`) the
mixtures of N seeds are one :class:`SeedGaussianMixture`, its buffers with the seeds
in front, on seed-major points; the same formulas serve both.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from advclust import seeds
from advclust.training import in_float32

#: Floor of the mixing weights inside the logarithm of Eq. 22 (an emptied cluster keeps ln psi finite).
WEIGHT_FLOOR = 1e-8


class HardGaussianMixture(nn.Module):
    """K diagonal Gaussians with hard assignments, estimated by Eqs. 20-23 of DCAN.

    ``assign_with_precision=False`` is Eq. 22 as printed: the score of cluster k is
    ln psi_k - ||z - eta_k||^2 / 2, which ignores the precisions (they only shape the
    positive samples). ``True`` scores with the full diagonal Gaussian log-density
    instead. ``variance_floor`` bounds the precisions (a cluster of one point has
    zero variance).
    """

    def __init__(self, n_clusters: int, dim: int, assign_with_precision: bool = False, variance_floor: float = 1e-6):
        super().__init__()
        self.n_clusters, self.dim = n_clusters, dim
        self.assign_with_precision = assign_with_precision
        self.variance_floor = variance_floor
        self.register_buffer("means", torch.zeros(n_clusters, dim))
        self.register_buffer("precisions", torch.ones(n_clusters, dim))
        self.register_buffer("weights", torch.full((n_clusters,), 1.0 / n_clusters))

    @property
    def seed_count(self) -> int:
        """How many seeds' mixtures this holds (1 unless it is a :class:`SeedGaussianMixture`)."""
        return 1 if self.means.dim() == 2 else len(self.means)

    def _blocks(self, x: torch.Tensor) -> torch.Tensor:
        """Seed-major rows as (seeds, rows per seed, ...); a single mixture's rows as they are."""
        return x if self.seed_count == 1 else x.reshape(self.seed_count, -1, *x.shape[1:])

    @classmethod
    def stack_seeds(cls, mixtures: Sequence[HardGaussianMixture]) -> SeedGaussianMixture:
        """The mixtures of N seeds as one (:func:`advclust.seeds.stack_modules` calls this)."""
        return SeedGaussianMixture(mixtures)

    @in_float32  # under bf16 autocast too: the mixture's statistics stay float32
    def scores(self, z: torch.Tensor) -> torch.Tensor:
        """(N, K) assignment scores of Eq. 22 (or the diagonal Gaussian log-densities)."""
        z = self._blocks(z)
        log_weights = self.weights.clamp_min(WEIGHT_FLOOR).log().unsqueeze(-2)
        if not self.assign_with_precision:
            scores = log_weights - 0.5 * torch.cdist(z, self.means).square()
        else:
            # ln N(z | eta, tau^-1) up to the constant -Z/2 ln(2 pi), shared by every cluster. The quadratic
            # form sum_d tau_kd (z_d - eta_kd)^2, expanded into three matrix products (no N x K x Z tensor).
            tau, eta = self.precisions, self.means
            quadratic = (z.square() @ tau.transpose(-1, -2) - 2 * z @ (tau * eta).transpose(-1, -2)
                         + (tau * eta.square()).sum(-1).unsqueeze(-2))
            scores = log_weights + 0.5 * tau.log().sum(-1).unsqueeze(-2) - 0.5 * quadratic.clamp_min(0)
        return scores.reshape(-1, self.n_clusters)

    def assign(self, z: torch.Tensor) -> torch.Tensor:
        """Hard assignment zeta of each point (Eq. 22)."""
        return self.scores(z).argmax(dim=1)

    @torch.no_grad()
    @in_float32
    def update(self, z: torch.Tensor, clusters: torch.Tensor) -> None:
        """Re-estimate eta (Eq. 21), tau (Eq. 20, with the new means) and psi (Eq. 23) from hard assignments.

        A cluster that receives no point keeps its mean and precision and gets weight 0.
        """
        z = self._blocks(z)
        onehot = self._blocks(torch.nn.functional.one_hot(clusters, self.n_clusters).to(z.dtype))  # zeta, (N, K)
        counts = onehot.sum(-2)  # sum_n zeta_nk
        present = (counts > 0).unsqueeze(-1)
        safe = counts.clamp_min(1).unsqueeze(-1)
        means = onehot.transpose(-1, -2) @ z / safe
        # sum_n zeta_nk (z_n - eta_k)^2 = sum_n zeta_nk z_n^2 - n_k eta_k^2, per dimension
        scatter = (onehot.transpose(-1, -2) @ z.square() - counts.unsqueeze(-1) * means.square()).clamp_min(0)
        variances = (scatter / safe).clamp_min(self.variance_floor)
        self.means.copy_(torch.where(present, means, self.means))
        self.precisions.copy_(torch.where(present, 1.0 / variances, self.precisions))
        self.weights.copy_(counts / counts.sum(-1, keepdim=True))

    @torch.no_grad()
    def step(self, z: torch.Tensor) -> torch.Tensor:
        """One clustering iteration on the points ``z``: assign (Eq. 22), then update (Eqs. 20-23)."""
        clusters = self.assign(z)
        self.update(z, clusters)
        return clusters

    def of_clusters(self, buffer: torch.Tensor, clusters: torch.Tensor) -> torch.Tensor:
        """Rows of a per-cluster ``buffer`` (``means``, ``precisions``) for each cluster id (seed-major ids under
        seed batching, each seed's from its own mixture)."""
        if self.seed_count == 1:
            return buffer[clusters]
        count = self.seed_count
        owners = torch.arange(count, device=clusters.device).repeat_interleave(len(clusters) // count)
        return buffer[owners, clusters]

    def sample(self, clusters: torch.Tensor) -> torch.Tensor:
        """One draw z ~ N(eta_k, tau_k^-1) for each cluster id k in ``clusters`` (Eq. 5)."""
        noise = seeds.randn(len(clusters) // self.seed_count, self.dim, device=self.means.device)
        return self.of_clusters(self.means, clusters) + noise * self.of_clusters(self.precisions, clusters).rsqrt()

    def objective(self, z: torch.Tensor) -> torch.Tensor:
        """Mean over points of the best assignment score: the hard-assignment log-likelihood (Eq. 19, up to constants)."""
        return self.scores(z).max(dim=1).values.mean()

    @torch.no_grad()
    def seed_means(self, z: torch.Tensor) -> torch.Tensor:
        """k-means++ seeding: K points of ``z``, each drawn with probability proportional to its squared
        distance to the nearest one already chosen (torch's global RNG)."""
        centres = z[torch.randint(len(z), (1,), device=z.device)]
        nearest = torch.cdist(z, centres).square().squeeze(1)
        for _ in range(1, self.n_clusters):
            # Points already chosen have distance 0; the clamp keeps an all-equal set drawable.
            chosen = torch.multinomial(nearest.clamp_min(1e-12), 1)
            centres = torch.cat([centres, z[chosen]])
            nearest = torch.minimum(nearest, torch.cdist(z, z[chosen]).square().squeeze(1))
        return centres

    @torch.no_grad()
    def initialise(self, z: torch.Tensor, iterations: int, restarts: int = 1) -> None:
        """Best of ``restarts`` starts by :meth:`objective`; each is k-means++ seeding with unit
        precisions and uniform weights, then ``iterations`` clustering iterations on ``z``.

        (DCAN does not say how the mixture starts.)
        """
        if len(z) < self.n_clusters:
            raise ValueError(f"need at least {self.n_clusters} points to start {self.n_clusters} clusters, got {len(z)}")
        best, best_objective = None, -float("inf")
        for _ in range(restarts):
            self.means.copy_(self.seed_means(z))
            self.precisions.fill_(1.0)
            self.weights.fill_(1.0 / self.n_clusters)
            for _ in range(iterations):
                self.step(z)
            objective = float(self.objective(z))
            if best is None or objective > best_objective:
                best, best_objective = {k: v.clone() for k, v in self.state_dict().items()}, objective
        self.load_state_dict(best)


class SeedGaussianMixture(HardGaussianMixture):
    """The mixtures of N seeds as one: ``means`` and ``precisions`` (N, K, Z), ``weights`` (N, K), on seed-major
    points. Each is fitted on its own seed before training (:meth:`initialise` is not seed-batched)."""

    seed_grouped = True

    def __init__(self, mixtures: Sequence[HardGaussianMixture]):
        first = mixtures[0]
        super().__init__(first.n_clusters, first.dim, first.assign_with_precision, first.variance_floor)
        for name in ("means", "precisions", "weights"):
            setattr(self, name, torch.stack([getattr(mixture, name) for mixture in mixtures]).clone())

    def initialise(self, z: torch.Tensor, iterations: int, restarts: int = 1) -> None:
        raise NotImplementedError("initialise each seed's HardGaussianMixture before stacking them")
