# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # PFCA on eight Gaussians
#
# The synthetic experiment of PFCA {cite}`gan2021pfca` (Section IV-B and the
# supplement's Fig. 2): eight isotropic Gaussian blobs with standard deviation
# 0.014, centred on a circle of radius 1.414. A generator $G(y, z)$ draws
# points from a one-hot cluster id $y$ and $k$ noise variables $z$; a WGAN-GP
# critic $D$ {cite}`gulrajani2017wgangp` pulls the generated points onto the
# data; a classifier $C$ learns to tell the cluster id back from generated
# points, and $G$ is pushed to make that easy (the entropy term of Eq. 7,
# weighted by $\eta$ on a staircase schedule, Eq. 8). Real points are
# clustered by $\arg\max C(x)$.
#
# The paper runs six configurations, $k \in \{0, 1, 2, 3, 4, 8\}$ noise
# variables beside the 8-variable one-hot code, and reports that 0, 1, 2 and
# 4 succeed while 3 and 8 degrade (the Wasserstein estimate and the accuracy
# drift away late in training). It prints no numbers for this experiment;
# this chapter measures them.
#
# All networks are fully connected, `x-512-512-512-2` (G), `2-512-512-512-1`
# (D) and `2-512-512-512-8` (C), ReLU, as in the paper. The defaults in the
# parameters cell are the paper's (Algorithm 1: $\lambda = 100$, Adam
# $\alpha = 10^{-4}$, $\eta_0 = 10$, $\gamma = 1.2$, $\tau = 30\,000$,
# 5 critic and 4 classifier steps per generator step; 100 000 iterations as
# in the supplement's figure; the batch of 100 is the reference code's).
#
# Profiles: the **quick** profile (CPU, CI) uses 128-wide networks, 2 000
# iterations and one seed; since the paper's $\lambda$ and $\alpha$ are
# tuned for 100 000 iterations, it also uses $\lambda = 1$ and
# $\alpha = 10^{-3}$ so that the generator settles inside its budget, and
# scales $\tau$ with the iterations (as the paper does for ORL). The **long**
# profile keeps the paper's $\lambda$ and $\alpha$ with 128-wide networks and
# 20 000 iterations, for CPU runs left going in the background; the **paper**
# profile is the protocol above, for a GPU. The note at the top says which
# profile produced this page; committed records of the others are shown
# beside it at the end. Among them, runs for 0 and 1 noise variables at the
# paper's 100 000 iterations and $\tau = 30\,000$, with the long profile's
# 128-wide networks (`advclust run pfca gaussians8 --profile long --set
# noise_dim=K --set architecture=mlp --set n_iterations=100000 --set
# eta_tau=30000 --set eval_every=5000`), say whether the paper's budget
# settles what 20 000 iterations leave unsettled; the tables and the figure
# show them as a configuration of their own.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

noise_dims = [0, 1, 2, 3, 4, 8]  # noise variables beside the one-hot cluster id (PFCA §IV-B)
seeds = [0]  # one run per configuration, as the supplement's Fig. 2 shows
n_iterations = 100000  # the supplement's snapshots run to the 99 999th generator iteration
hidden = [512, 512, 512]  # hidden widths of G, D and C (PFCA §IV-B)
lr = 0.0001  # Adam alpha of Algorithm 1
gp_weight = 100.0  # lambda of Algorithm 1
eta0 = 10.0  # initial eta of Algorithm 1
eta_tau = 30000  # tau of Algorithm 1 (steps between eta increases)
batch_size = 100  # the reference implementation's batch (the paper is silent)
eval_every = 1000  # evaluate ACC/NMI/ARI on the fixed evaluation set every this many iterations
n_eval = 5000  # size of the fixed-seed evaluation set

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from advclust import data, plots, reference, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %% [markdown]
# ## The data
#
# Training draws fresh points from the mixture at every step (an endless
# sampler); evaluation uses one fixed-seed set of points with their blob ids.

# %% tags=["hide-input"]
gaussians = data.load("gaussians8", n_eval=n_eval)
fig, ax = plt.subplots(figsize=(3.2, 3.2))
ax.scatter(*gaussians.inputs.T, c=gaussians.labels, cmap="tab10", s=2)
ax.set_aspect("equal")
ax.set_title(f"evaluation set: {len(gaussians)} points, 8 blobs", fontsize=9)
plt.show()

# %% [markdown]
# ## Training the six configurations
#
# Each run goes through `advclust.runner`, which seeds, trains, scores and
# keeps a JSON record of the run (every hyperparameter, metrics, wall time,
# device, versions, commit). A configuration is named by its number of noise
# variables, $k = 0, 1, \ldots$. Networks are kept at five points of training
# for the dynamics figures.

# %%
snapshot_steps = sorted({max(1, min(100, n_iterations // 10)), *(round(n_iterations * i / 4) for i in range(1, 5))})
params = dict(n_clusters=8, hidden=hidden, lr=lr, gp_weight=gp_weight, eta0=eta0, eta_tau=eta_tau,
              n_iterations=n_iterations, batch_size=batch_size, eval_every=eval_every, device=device,
              snapshot_steps=snapshot_steps, progress=progress)
results = runner.fit_experiments(
    [runner.Experiment("pfca", gaussians, {**params, "noise_dim": k}, seeds, variant=f"k = {k}")
     for k in noise_dims],
    profile=profile, out=save_records_to or None, batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Training dynamics
#
# For each configuration, as in the supplement's Fig. 2: the top row shows
# the critic's contour lines with real (orange) and generated (green) points;
# the second row the clustering surface (each region coloured by the cluster
# $C$ assigns to it); below, the learning curves: the cross-entropy of $C$ on
# generated points (the upper bound of the entropy of the cluster assignment,
# Eq. 3), the Wasserstein estimate with $\eta$, the fake-label accuracy, and
# ACC/NMI/ARI on the evaluation set.

# %% tags=["hide-input"]
for k in noise_dims:
    model = results.model(f"k = {k}", seed=seeds[0])
    display(Markdown(f"### {k} noise variable{'s' if k != 1 else ''}"))
    plots.synthetic_dynamics(model, gaussians.inputs)
    plt.show()
    plots.learning_curves(model.history_)
    plt.show()

# %% [markdown]
# ## Results beside the paper's claims
#
# ACC is the Hungarian-matched accuracy; purity (the reference code's "ACC")
# is shown next to it. Cells read median [min, max] over seeds. A
# configuration counts as a success here when its median ACC is at least
# 0.99. Committed records of longer runs (`results/`, profile named) follow
# this execution's row where they exist.

# %% tags=["hide-input"]
by_noise = lambda record: f"k = {record['params']['noise_dim']}"  # committed records carry no variant
display(report.compare(results, metrics=("acc", "purity", "nmi", "ari"), variant_of=by_noise))
if not report.committed("pfca", "gaussians8"):
    display(Markdown("No record of a longer run of this chapter is committed yet: run "
                     "`advclust book --profile paper --only 01` on a GPU and commit `results/`."))

claims = pd.Series({f"k = {k}": claim for k, claim in reference.PFCA_SYNTHETIC_CLAIMS.items()})


def against_claims(acc: pd.Series) -> str:
    """How many configurations (median ACC by 'k = K') succeed, and how many agree with PFCA §IV-B."""
    succeeded = acc >= 0.99
    agrees = succeeded == (claims[acc.index] == "succeeds")
    return (f"{succeeded.sum()} of {len(succeeded)} configurations reach ACC >= 0.99 "
            f"({', '.join(succeeded.index[succeeded]) or 'none'}); {agrees.sum()} of {len(agrees)} agree with the "
            "paper's success/degradation claims")


display(Markdown(
    f"In this execution {against_claims(report.medians(results, 'acc')['gaussians8'])} (PFCA §IV-B: "
    + ", ".join(f"{k}: {claim}" for k, claim in claims.items()) + "). "
    "The paper's degradation for 3 and 8 noise variables appears late in its 100 000 iterations, "
    "so short runs need not show it."))
committed = report.committed_like(results, variant_of=by_noise)
if committed:
    longer = runner.records_frame(committed).assign(
        k=[by_noise(r) for r in committed], iterations=[r["params"]["n_iterations"] for r in committed])
    for (name, iterations), runs in longer.groupby(["profile", "iterations"]):  # one budget, one median
        by_k = runs.groupby("k")["acc"].agg(["median", "size"])
        display(Markdown(f"In the committed {name} records of {iterations} iterations ({len(runs)} runs, "
                         + ", ".join(f"{k}: {size}" for k, size in by_k["size"].items())
                         + f" per configuration), {against_claims(by_k['median'])}."))
    # How settled each committed run ended: ACC over its last few evaluations (records written before curves
    # were kept have only their final value).
    last = 5
    with_curves = sorted((r for r in committed if len(r.get("curve") or []) >= last),
                         key=lambda r: (r["params"]["noise_dim"], r["params"]["n_iterations"], r["seed"]))
    if with_curves:
        display(report.curve_summary(with_curves, by_noise, last=last))
        swings = [max(values) - min(values) for values in (report.last_evaluations(r, "acc", last) for r in with_curves)]
        unsettled = sum(swing > 0.1 for swing in swings)
        display(Markdown(
            f"{unsettled} of these {len(with_curves)} runs moved by more than 0.1 of ACC over their last {last} "
            f"evaluations (median {np.median(swings):.2f})"
            + (": at the paper's $\\lambda$ and $\\alpha$ and this budget most runs have not settled on a partition of "
               "the blobs, so a final ACC under 0.99 is not yet the paper's degradation." if unsettled * 2 > len(swings)
               else ": most runs ended settled, so their final ACC is what this budget gives.")))
plots.per_seed(results, title=f"PFCA on eight Gaussians, one dot per seed ({profile} profile)")
plt.show()
plots.metric_over_training(results, x_label="generator iterations", variant_of=by_noise,
                           committed=report.committed_like(results, variant_of=by_noise),
                           title=f"ACC against training compute, median over seeds ({profile} profile and committed runs)")
plt.show()
