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

# %%

# %% [markdown]
# # Imbalanced clusters
#
# Real classes are rarely the same size. A generator whose cluster codes are
# drawn uniformly (ClusterGAN, PFCA) spends as many samples on a rare class
# as on a common one, or gives a rare class's code to a common one. This
# chapter runs the methods on class-imbalanced data:
#
# - **SIMI-ClusterGAN and ClusterGAN** {cite}`dam2021simi` on MNIST with one
#   and with three minority digits, beside 004 Table VI, with the samples each
#   method generates per cluster (004 Figs. 11 and 13); and on the USPS
#   variants of PFCA {cite}`gan2021pfca` (002 supplement Table I), whose
#   class sizes go from uniform (`usps700`) to imbalanced (`usps1500`).
#
# The defaults in the parameters cell are the papers' settings (the
# **paper** profile); the **quick** profile (CI) uses subsets and short runs,
# stated in each section.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# SIMI-ClusterGAN and ClusterGAN (004 IV-G; every other hyperparameter is the estimators' default = 004's)
simi_imbalanced = ["mnist-imbalanced-1", "mnist-imbalanced-3"]  # 004 Table VI
simi_usps = ["usps700", "usps800", "usps900", "usps1200", "usps1500"]  # 002 supplement Table I
simi_seeds = [0, 1, 2, 3, 4]  # 004 reports 5 runs
simi_n_train = 0  # training images of the imbalanced MNIST sets (0: all of them)
simi_n_test = 0  # test images they are scored on (0: all 10 000, as 004 IV-G)
simi_mnist_architecture = "conv"  # ClusterGAN's conv networks for 28x28 (004 IV-B)
simi_usps_architecture = "mlp"  # 004 IV-B: two-layer MLPs for USPS
simi_hidden = [256, 256]  # widths of the "mlp" networks
simi_n_iterations = 37500  # generator steps (ClusterGAN's 200 epochs of batch 64, 5 critic batches per step)
simi_lr = 1e-4  # Adam learning rate of G, D and E (004 IV-B)
simi_prior_hidden = {"mnist": [1200, 1200], "usps": [256, 256]}  # P_phi d-1200-1200-M; d-256-256-M for USPS
simi_prior_iterations = 14000  # IMSAT's 50 epochs of 70 000 in batches of 250
simi_kmeans_n_init = 10  # k-means starts on the encoder output

# %%
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import threadpoolctl
import torch
from IPython.display import Markdown, display

from advclust import data, plots, reference, runner

if cpu_threads:  # quick: 1, which is fastest (no spinning threads) when the 2-core CPU is shared
    torch.set_num_threads(cpu_threads)
    threadpoolctl.threadpool_limits(cpu_threads)
print("device:", runner.device_description(runner.resolve_device(device)))

# %% [markdown]
# ## SIMI-ClusterGAN and ClusterGAN on imbalanced data
#
# **Imbalanced MNIST** (004 IV-G): the training set keeps 10% of the
# digit 0 (one minority class, `mnist-imbalanced-1`), or 10%, 30% and 50%
# of the digits 1, 3 and 5 (three, `mnist-imbalanced-3`); the methods are
# scored on the full 10 000 test images. SIMI-ClusterGAN's codes follow its
# IMSAT prior's assignments of the real images, so a minority class gets
# codes as often as it occurs; ClusterGAN draws them uniformly. The methods,
# their settings and every choice where 004 is silent are described in the
# MNIST chapter (images in $[-1, 1]$; k-means on the encoder output).
#
# **USPS variants** (002 supplement Table I): 7 000 to 9 100 USPS images with
# class sizes from uniform to imbalanced; both methods train and are scored
# on the same images, with the two-layer MLP networks 004 uses for USPS and
# a 256-256 prior network.
#
# **The quick profile** (CI) trains on the first 10 000 imbalanced training
# images and scores on 2 000 test images, runs two of the USPS variants, one
# seed, MLP networks for a few hundred generator steps at a learning rate of
# $10^{-3}$ (the paper's $10^{-4}$ gets nowhere in so few steps), and a
# smaller prior network (the parameters cell and the note at the top give
# the values): its generated samples are blurry and its numbers far below
# the paper's.

# %%
from advclust.methods.clustergan import code_classes


def simi_subset(dataset: data.Dataset, n: int, what: str) -> data.Dataset:
    """The first ``n`` rows of ``dataset`` (all when ``n`` is 0), renamed so records say so."""
    if not n or n >= len(dataset):
        return dataset
    return dataclasses.replace(dataset, name=f"{dataset.name}-first{n}", inputs=dataset.inputs[:n],
                               labels=dataset.labels[:n], metadata={**dataset.metadata, "rows": f"first {n} {what}"})


simi_records, simi_models = [], {}
simi_scored = {}  # dataset name -> the data it was scored on


def simi_runs(train: data.Dataset, test: data.Dataset, family: str, architecture: str) -> None:
    """IMSAT (phase 1), then ClusterGAN and SIMI-ClusterGAN reusing it, for each seed."""
    gan = dict(architecture=architecture, hidden=simi_hidden, n_iterations=simi_n_iterations, lr=simi_lr,
               kmeans_n_init=simi_kmeans_n_init, device=device, progress=progress)
    prior_params = dict(hidden=simi_prior_hidden[family], n_iterations=simi_prior_iterations, device=device,
                        progress=progress)
    simi_scored[train.name] = test
    for seed in simi_seeds:
        _, prior, _ = runner.fit_run("imsat", train, prior_params, seed=seed, profile=profile, eval_dataset=test)
        for method, variant, options in (("clustergan", "ClusterGAN", None),
                                         ("simi-clustergan", "SIMI-ClusterGAN", {"prior": prior})):
            params = {**gan, **({"prior_hidden": simi_prior_hidden[family],
                                 "prior_iterations": simi_prior_iterations} if options else {})}
            record, model, _ = runner.fit_run(method, train, params, seed=seed, profile=profile, eval_dataset=test,
                                              fit_options=options)
            record["variant"] = variant
            if save_records_to:
                runner.write_record(record, save_records_to)
            simi_records.append(record)
            simi_models.setdefault((train.name, variant), model)
            print(f"{train.name}, {variant}, seed {seed}: ACC {record['metrics']['acc']:.4f}, "
                  f"NMI {record['metrics']['nmi']:.4f}, {record['wall_seconds']:.0f} s")


for name in simi_imbalanced:
    train = simi_subset(data.load(name, split="train", value_range=(-1.0, 1.0)), simi_n_train, "training images")
    test = simi_subset(data.load(name, split="test", value_range=(-1.0, 1.0)), simi_n_test, "test images")
    print(f"{train.name}: class counts {torch.bincount(train.labels, minlength=10).tolist()}")
    simi_runs(train, test, "mnist", simi_mnist_architecture)

# %% [markdown]
# ### Beside 004 Table VI
#
# 004 prints one number per cell (from 5 runs, Section IV-C); here the
# median and the best, with purity.

# %%
printed = reference.reported(paper="simi-clustergan", table="VI")
printed = printed.pivot_table(index=["dataset", "method"], columns="metric", values="value")
printed.columns = [f"004 {c.upper()}" for c in printed.columns]
printed.index = printed.index.set_names(["dataset", "variant"])
mnist_rows = [r for r in simi_records if r["dataset"].startswith("mnist-imbalanced")]
this = runner.summarize_variants(mnist_rows) if mnist_rows else pd.DataFrame()
if not this.empty:
    this.index = this.index.set_levels([n.split("-first")[0] for n in this.index.levels[0]], level=0)
display(Markdown(f"**This execution** ({profile} profile, {len(simi_seeds)} seed(s), {simi_n_iterations} generator "
                 f"steps at learning rate {simi_lr}, {simi_prior_iterations} IMSAT minibatches) beside 004 Table VI:"))
display(printed.join(this, how="outer").round(4))
earlier = [r for name in simi_imbalanced for m in ("clustergan", "simi-clustergan")
           for r in runner.load_records("results", method=m, dataset=name) if r["profile"] != "quick"]
if earlier:
    display(Markdown("**Committed non-quick records** (`results/`):"))
    display(runner.summarize(earlier).round(4))

# %% [markdown]
# ### Which minority digits each method generates (004 Figs. 11 and 13)
#
# One row per code $z_M$, ten draws of $z_n$ each. A row's label is the digit
# most of the real test images the encoder assigns to that code belong to,
# their share, and how many there are: a minority digit with no row of its
# own is one the generator does not produce.

# %%
for name in simi_imbalanced:
    for (dataset_name, variant), model in simi_models.items():
        if not dataset_name.startswith(name):
            continue
        test = simi_scored[dataset_name]
        classes = code_classes(model, test.inputs, test.labels)
        labels = [f"{c} ({share:.0%} of {n})" if c >= 0 else "empty" for c, share, n in classes]
        torch.manual_seed(0)
        samples = model.generate(torch.arange(model.n_clusters).repeat_interleave(10))
        plots.image_rows(samples, model.n_clusters, title=f"{variant} on {name}: rows = codes z_M", row_labels=labels)
        plt.show()
        majority = {c for c, share, _ in classes if c >= 0 and share >= 0.5}
        print(f"{variant} on {name}: digits with a code of their own (majority >= 50%): {sorted(majority)}; "
              f"missing: {sorted(set(range(10)) - majority)}")

# %% [markdown]
# ### The USPS variants
#
# 004 does not report these sets; they show the same two methods as the
# class sizes grow apart (uniformity index from 1.000 to 0.985).

# %%
for name in simi_usps:
    usps_set = data.load(name, value_range=(-1.0, 1.0))
    simi_runs(usps_set, usps_set, "usps", simi_usps_architecture)
usps_rows = [r for r in simi_records if r["dataset"] in simi_usps]
if usps_rows:
    usps_summary = runner.summarize_variants(usps_rows)
    display(Markdown(f"**This execution** ({profile} profile) on the USPS variants:"))
    display(usps_summary.round(4))
    curve = usps_summary["ACC median"].unstack("variant").reindex(simi_usps)
    ax = curve.plot(marker="o", figsize=(4.5, 3))
    ax.set(xlabel="USPS variant (more imbalanced to the right)", ylabel="ACC (median)", ylim=(0, 1.02),
           title=f"USPS variants, this execution ({profile} profile)")
    plt.show()
