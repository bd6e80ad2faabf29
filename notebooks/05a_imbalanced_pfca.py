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
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # PFCA and the uniformity index
#
# PFCA {cite}`gan2021pfca` draws its cluster ids from a uniform prior, so it
# assumes clusters of equal size. PFCA §IV-F measures what happens when they
# are not: the five USPS variants of this chapter's first page are scored
# against their uniformity index. Fig. 5a shows PFCA's ACC, NMI and ARI
# (median over ten runs, with min-max bars) rising with UI; Table V
# compares methods on the balanced USPS700.
#
# **Protocol** (PFCA §IV-F): the configuration of the MNIST experiment
# (IV-C: Algorithm 1's hyperparameters, 900 000 iterations, the reference's
# batch 100, 128-d noise and 64/128/256 channels), with the networks of
# Fig. 2 adapted to 16x16 images by a stride-1 last transposed convolution
# in $G$ and a stride-1 first convolution in $D$ and $C$ (16 -> 16 -> 8 ->
# 4); ten runs per variant; the same images for training and evaluation.
#
# The **quick** profile narrows and shortens training as in chapter 2, with
# one run per variant (values in the note at the top).

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

variants = ["usps1500", "usps1200", "usps900", "usps800", "usps700"]  # PFCA supplement Table I
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # ten runs per variant (PFCA §IV-F)
n_iterations = 900000  # as on MNIST (PFCA §IV-F: "the experimental configuration of section IV-C")
hidden = None  # channel widths of G, D and C; None: the reference's 64/128/256
batch_size = 100  # the reference implementation's batch (the paper is silent)
lr = 0.0001  # Adam alpha of Algorithm 1
gp_weight = 100.0  # lambda of Algorithm 1
eta_tau = 30000  # tau of Algorithm 1
eval_every = 10000  # evaluate every this many iterations

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, plots, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %% [markdown]
# ## PFCA on each variant

# %%
datasets = [data.load(name) for name in variants]
params = dict(n_clusters=10, hidden=hidden, batch_size=batch_size, lr=lr, gp_weight=gp_weight, eta_tau=eta_tau,
              n_iterations=n_iterations, eval_every=eval_every, device=device, progress=progress)
results = runner.fit_experiments([runner.Experiment("pfca", dataset, params, seeds) for dataset in datasets],
                                 profile=profile, out=save_records_to or None, batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Performance against uniformity (PFCA Fig. 5a)
#
# Median over runs with min-max bars. The paper prints no numbers for this
# figure, only the curve rising with UI; the table under the figure holds
# this execution's values (median [min, max]), with the paper's USPS700 row
# of Table V.

# %% tags=["hide-input"]
uniformity = report.class_balance(datasets)["UI"]
plots.metric_against_runs(results, uniformity, "uniformity index",
                          title=f"PFCA on the USPS variants ({profile} profile)")
plt.show()
table_v = dict(tables=[("pfca", "V")])
display(report.compare(results, metrics=("acc", "purity", "nmi", "ari"), **table_v))
by_ui = report.medians(results, "acc").droplevel("variant")[uniformity.sort_values().index]
display(Markdown(
    "From the least to the most uniform variant, this execution's median ACC goes "
    + " -> ".join(f"{v:.3f}" for v in by_ui) + f" ({'rising' if by_ui.is_monotonic_increasing else 'not monotone'}); "
    "the paper's Fig. 5a rises monotonically."))

# %% [markdown]
# ## USPS700 beside PFCA Table V
#
# Each run's ACC with the paper's median as a red bar; with several runs,
# the standard deviation over runs (PFCA Fig. 5b). Under it, the committed
# records of the long profile (`params/long.yaml`: chapter 2a's MNIST
# settings, nothing tuned for USPS), each with its last evaluations.

# %% tags=["hide-input"]
usps700 = results.where(dataset="usps700")
if usps700.records:
    plots.per_seed(usps700, paper=report.paper_values(usps700, **table_v),
                   title=f"PFCA on USPS700, one dot per run ({profile} profile)")
    plt.show()
    if len(seeds) > 1:
        plots.stability_bars({"usps700": usps700.records}, title="PFCA on USPS700, std over runs (Fig. 5b)")
        plt.show()
longer = report.committed("pfca", "usps700")
display(Markdown(report.committed_sentences(longer) if longer
                 else report.committed_command("pfca", "usps700", profile="long", seeds=3)))

# %% [markdown]
# ## Training, and samples of the first run on each variant's extremes
#
# ACC over training on every variant; then samples of the final generator,
# one row per cluster id: on an imbalanced variant the uniform prior makes
# the generator spread the large classes over several ids or merge small
# ones.

# %% tags=["hide-input"]
plots.metric_over_training(results, x_label="generator iterations", committed=report.committed_like(results),
                           paper=report.paper_values(results, **table_v), title="PFCA on the USPS variants, ACC against training compute")
plt.show()
for name in dict.fromkeys([variants[0], variants[-1]]):
    plots.generated_by_cluster(results.model("PFCA", name, seeds[0]), per_cluster=10,
                               title=f"generated by cluster id, {name}")
    plt.show()
