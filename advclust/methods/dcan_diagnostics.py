"""Why DCAN's printed protocol cannot train (issue 13): probes of a fitted :class:`~advclust.methods.DCAN`.

- :func:`discriminator_probe`: a fresh discriminator trained alone against the FROZEN encoder and mixture;
  its accuracy on held-out points says how separable the two distributions of Eq. 1 are, and how many
  steps of an optimiser it takes to find that out (the printed protocol gives D 500 steps of SGD).
- :func:`encoder_drift`: how far each of the encoder's layers moved from its initialisation.
- :func:`training_diagnostics`: the diagnostic columns of the history (latent saturation, cluster usage,
  KL of the cluster marginal to uniform, encoder drift), logged by DCAN itself at every history row.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from advclust import nets
from advclust.errors import check_choice
from advclust.methods.base import check_param
from advclust.methods.dcan import OPTIMIZERS, discriminator_loss

#: The history columns of DCAN's diagnostics.
DIAGNOSTICS = ("latent_saturation", "clusters_used", "cluster_kl_uniform", "encoder_drift", "d_real", "d_fake")


def _pairs(model, X: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(positives, negatives) of Eq. 1 for inputs ``X``: draws from the assigned Gaussians, encoder outputs."""
    fake = torch.from_numpy(model.transform(X)).to(model.device_)
    clusters = model.gmm_.assign(fake)
    noise = torch.randn(fake.shape, generator=generator).to(model.device_)
    real = model.gmm_.means[clusters] + noise * model.gmm_.precisions[clusters].rsqrt()
    return real, fake


def discriminator_probe(model, X_train: torch.Tensor, X_heldout: torch.Tensor, optimizer: str = "sgd",
                        steps: int = 500, lr: float = 1e-3, momentum: float = 0.9, batch_size: int = 16,
                        eval_at: Sequence[int] | None = None, seed: int = 0) -> pd.DataFrame:
    """Held-out accuracy of a fresh discriminator (the model's architecture, PyTorch's initialisation) trained on
    Eq. 1 against the model's frozen encoder and mixture, by number of steps.

    Positives are one draw per point from its assigned Gaussian, fixed once per set; accuracy is the mean of
    D > 1/2 on held-out positives and D < 1/2 on held-out encoder outputs (1/2: indistinguishable).
    ``optimizer``: "sgd" (with ``momentum``, the printed protocol) or "adam". Rows: step, optimizer, accuracy.
    """
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_param("steps", steps, "int", 1)
    check_param("batch_size", batch_size, "int", 1)
    eval_at = sorted({s for s in (eval_at or [0, *[round(steps * f) for f in (0.1, 0.25, 0.5, 0.75)], steps])
                      if 0 <= s <= steps})
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    with torch.no_grad():
        train_real, train_fake = _pairs(model, X_train, generator)
        test_real, test_fake = _pairs(model, X_heldout, generator)
    hidden = [m.out_features for m in model.discriminator_ if isinstance(m, torch.nn.Linear)][:-1]
    critic = nets.mlp([train_fake.shape[1], *hidden, 1], "tanh").to(model.device_)
    opt = (torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.999)) if optimizer == "adam"
           else torch.optim.SGD(critic.parameters(), lr=lr, momentum=momentum))

    def accuracy() -> float:
        with torch.no_grad():
            return 0.5 * ((critic(test_real) > 0).float().mean() + (critic(test_fake) < 0).float().mean()).item()

    rows = []
    for step in range(steps + 1):
        if step in eval_at:
            rows.append({"step": step, "optimizer": optimizer, "accuracy": accuracy()})
        if step == steps:
            break
        index = torch.randint(len(train_fake), (batch_size,), generator=generator).to(model.device_)
        loss = discriminator_loss(critic(train_real[index]), critic(train_fake[index]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return pd.DataFrame(rows)


def encoder_drift(model) -> pd.DataFrame:
    """Per layer of the encoder: ||W - W_0|| / ||W_0|| of its weight matrix (W_0: the weights when training
    began, after pretraining where there was any) and ||W_0||."""
    rows = []
    for name, value in model.encoder_.state_dict().items():
        if name.endswith("weight"):
            start = model.initial_encoder_state_[name].to(value.device)
            rows.append({"layer": name.removesuffix(".weight"), "shape": "x".join(map(str, value.shape)),
                         "relative_change": ((value - start).norm() / start.norm()).item(),
                         "initial_norm": start.norm().item()})
    return pd.DataFrame(rows)


def training_diagnostics(model) -> pd.DataFrame:
    """The diagnostic columns of ``model.history_`` (means over each logging window), indexed by step."""
    history = model.history_
    return history[[c for c in DIAGNOSTICS if c in history]]


#: The columns of :func:`variant_diagnostics`, in order.
SUMMARY = ("acc", "d_real", "d_fake", "encoder_drift", "latent_saturation", "clusters_used", "cluster_kl_uniform")


def latent_kmeans_acc(model, dataset, seed: int = 0) -> float:
    """Test ACC of k-means (one k-means++ start) on the model's latent codes of ``dataset``: how clusterable the
    encoder's representation is, apart from the mixture that DCAN fits to it."""
    from sklearn.cluster import KMeans

    from advclust import metrics

    latent = model.transform(dataset.inputs)
    labels = KMeans(model.n_clusters, n_init=1, random_state=seed).fit_predict(latent)
    return metrics.clustering_scores(dataset.labels, labels)["acc"]


def variant_diagnostics(results, variant_of=None) -> pd.DataFrame:
    """Per variant: the median over seeds of the last evaluated row of each record's curve (test ACC, D's mean
    output on positives and on encoder outputs, encoder drift, saturation, clusters used, KL to uniform), and of
    the metric ``latent_kmeans_acc`` where the records have it (:func:`latent_kmeans_acc`)."""
    from advclust import runner

    variant_of = variant_of or runner.variant_of
    records = results.records if hasattr(results, "records") else list(results)
    rows = [{"variant": variant_of(r), "seed": r["seed"], **{c: r["curve"][-1].get(c) for c in SUMMARY},
             "latent_kmeans_acc": r["metrics"].get("latent_kmeans_acc")}
            for r in records if r.get("curve")]
    table = pd.DataFrame(rows, columns=["variant", "seed", *SUMMARY, "latent_kmeans_acc"])
    columns = [*SUMMARY, *(["latent_kmeans_acc"] if table["latent_kmeans_acc"].notna().any() else [])]
    summary = table.groupby("variant", sort=False)[columns].median()
    summary.insert(0, "seeds", table.groupby("variant", sort=False)["seed"].count())
    return summary


def describe_variants(summary: pd.DataFrame, baseline: str = "DCAN", target: float = 0.80) -> list[str]:
    """One sentence per row of :func:`variant_diagnostics`: what the variant's diagnostics say went on."""
    base = summary.loc[baseline, "acc"] if baseline in summary.index else float("nan")
    sentences = []
    for variant, row in summary.iterrows():
        separation = row["d_real"] - row["d_fake"]
        if pd.isna(row[list(SUMMARY[1:])]).any():
            reason = "its records have no diagnostics (written before DCAN logged them)"
        elif row["clusters_used"] < 0.8 * summary["clusters_used"].max() or row["cluster_kl_uniform"] > 0.5:
            reason = (f"the clustering collapses onto {row['clusters_used']:.0f} clusters (KL of the cluster marginal "
                      f"to uniform {row['cluster_kl_uniform']:.2f}; the encoder moved by {row['encoder_drift']:.0%}, "
                      f"{row['latent_saturation']:.0%} of the latent coordinates have |z| > 0.99)")
        elif separation < 0.05 and row["encoder_drift"] < 0.1:
            reason = (f"D never separates the two distributions (D = {row['d_real']:.2f} on positives, "
                      f"{row['d_fake']:.2f} on encoder outputs) and the encoder's weights moved by only "
                      f"{row['encoder_drift']:.0%}: the result is the mixture on the encoder as it started")
        elif separation < 0.05:
            reason = (f"the encoder moves ({row['encoder_drift']:.0%} of its initial weights) but D gives both "
                      f"distributions about the same value ({row['d_real']:.2f}, {row['d_fake']:.2f})")
        elif row["encoder_drift"] < 0.1:
            reason = (f"D starts to separate the distributions (D = {row['d_real']:.2f} on positives, "
                      f"{row['d_fake']:.2f} on encoder outputs) but the encoder moves by only "
                      f"{row['encoder_drift']:.0%} in the iterations it has")
        else:
            reason = (f"D separates the distributions (D = {row['d_real']:.2f} on positives, {row['d_fake']:.2f} on "
                      f"encoder outputs) and the encoder moves by {row['encoder_drift']:.0%}, using "
                      f"{row['clusters_used']:.0f} clusters")
        if "latent_kmeans_acc" in row and pd.notna(row["latent_kmeans_acc"]):
            reason += f"; k-means on its latent codes scores {row['latent_kmeans_acc']:.4f}"
        verdict = "reaches" if row["acc"] >= target else "stays below"
        seeds = f"{row['seeds']:.0f} seed{'' if row['seeds'] == 1 else 's'}"
        sentences.append(f"**{variant}** (median test ACC {row['acc']:.4f} over {seeds}, "
                         f"{row['acc'] - base:+.4f} against {baseline}; {verdict} {target:.2f}): {reason}.")
    return sentences
