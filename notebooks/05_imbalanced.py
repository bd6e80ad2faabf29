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
# # Imbalanced clusters
#
# Real classes are rarely the same size. This chapter has two parts: PFCA on
# the USPS variants of PFCA §IV-F, and SIMI-ClusterGAN and ClusterGAN on
# imbalanced MNIST and the same USPS variants (SIMI-ClusterGAN §IV-G, last section).
#
# ## PFCA and the uniformity index
#
# PFCA {cite}`gan2021pfca` draws its cluster ids from a uniform prior, so it
# assumes clusters of equal size. PFCA §IV-F measures what happens when they
# are not: five variants of USPS (16x16 digits), built by cutting the
# largest classes down in steps of 100 images until all ten have 700
# (supplement Table I), are scored against their **uniformity index**
#
# $$UI = \frac{-\sum_i p_i \ln p_i}{\ln n},$$
#
# the normalised entropy of the class proportions (1 = balanced). Fig. 5a
# shows PFCA's ACC, NMI and ARI (median over ten runs, with min-max bars)
# rising with UI; Table V compares methods on the balanced USPS700.
#
# **Protocol** (PFCA §IV-F): the configuration of the MNIST experiment
# (IV-C: Algorithm 1's hyperparameters, 900 000 iterations, the reference's
# batch 100, 128-d noise and 64/128/256 channels), with the networks of
# Fig. 2 adapted to 16x16 images by a stride-1 last transposed convolution
# in $G$ and a stride-1 first convolution in $D$ and $C$ (16 -> 16 -> 8 ->
# 4); ten runs per variant; the same images for training and evaluation.
# The variants pool USPS's training and test images, since the class sizes
# the paper quotes (1 553 and 708) are those of the pooled 9 298 images; which
# images a variant keeps is drawn with a fixed seed (`advclust data list`).
#
# The **quick** profile narrows and shortens training as in chapter 2, with
# one run per variant (values in the note at the top).

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

variants = ["usps1500", "usps1200", "usps900", "usps800", "usps700"]  # supplement Table I
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # ten runs per variant (PFCA §IV-F)
n_iterations = 900000  # as on MNIST (PFCA §IV-F: "the experimental configuration of section IV-C")
hidden = None  # channel widths of G, D and C; None: the reference's 64/128/256
batch_size = 100  # the reference implementation's batch (the paper is silent)
lr = 0.0001  # Adam alpha of Algorithm 1
gp_weight = 100.0  # lambda of Algorithm 1
eta_tau = 30000  # tau of Algorithm 1
eval_every = 10000  # evaluate every this many iterations

# SIMI-ClusterGAN and ClusterGAN (SIMI-ClusterGAN §IV-G; every other hyperparameter is the estimators' default = SIMI-ClusterGAN's)
simi_imbalanced = ["mnist-imbalanced-1", "mnist-imbalanced-3"]  # SIMI-ClusterGAN Table VI
simi_usps = ["usps700", "usps800", "usps900", "usps1200", "usps1500"]  # PFCA supplement Table I
simi_seeds = [0, 1, 2, 3, 4]  # SIMI-ClusterGAN reports 5 runs
simi_n_train = 0  # training images of the imbalanced MNIST sets (0: all of them)
simi_n_test = 0  # test images they are scored on (0: all 10 000, as SIMI-ClusterGAN §IV-G)
simi_mnist_architecture = "conv"  # ClusterGAN's conv networks for 28x28 (SIMI-ClusterGAN §IV-B)
simi_usps_architecture = "mlp"  # SIMI-ClusterGAN §IV-B: two-layer MLPs for USPS
simi_hidden = [256, 256]  # widths of the "mlp" networks
simi_n_iterations = 37500  # generator steps (ClusterGAN's 200 epochs of batch 64, 5 critic batches per step)
simi_lr = 1e-4  # Adam learning rate of G, D and E (SIMI-ClusterGAN §IV-B)
simi_prior_hidden = {"mnist": [1200, 1200], "usps": [256, 256]}  # P_phi d-1200-1200-M; d-256-256-M for USPS
simi_prior_iterations = 14000  # IMSAT's 50 epochs of 70 000 in batches of 250
simi_kmeans_n_init = 10  # k-means starts on the encoder output

# %%
import matplotlib.pyplot as plt
import pandas as pd
import threadpoolctl
import torch
from IPython.display import Markdown, display

from advclust import data, metrics, plots, reference, report, runner

if cpu_threads:  # quick: 1, which is fastest (no spinning threads) when the 2-core CPU is shared
    torch.set_num_threads(cpu_threads)
    threadpoolctl.threadpool_limits(cpu_threads)
print("device:", runner.device_description(runner.resolve_device(device)))

# %% [markdown]
# ### The variants
#
# Class sizes and UI of each variant as loaded here, beside the
# supplement's Table I.

# %%
datasets = {name: data.load(name) for name in variants}
printed = reference.table("pfca", "supp-I")
rows = {}
for name, dataset in datasets.items():
    counts = torch.bincount(dataset.labels, minlength=10).tolist()
    rows[name] = {**{f"class {c}": n for c, n in enumerate(counts)}, "UI": metrics.uniformity_index(counts),
                  "UI (paper)": printed.loc[name, "ui"], "images": len(dataset)}
variant_table = pd.DataFrame.from_dict(rows, orient="index")
display(variant_table.round(3))

# %% [markdown]
# ### PFCA on each variant

# %%
params = dict(n_clusters=10, hidden=hidden, batch_size=batch_size, lr=lr, gp_weight=gp_weight, eta_tau=eta_tau,
              n_iterations=n_iterations, eval_every=eval_every, device=device, progress=progress)
records, models = {}, {}
for name, dataset in datasets.items():
    records[name] = []
    for seed in seeds:
        record, model, _ = runner.fit_run("pfca", dataset, params, seed=seed, profile=profile)
        if save_records_to:
            runner.write_record(record, save_records_to)
        records[name].append(record)
        models.setdefault(name, model)
        scores = record["metrics"]
        print(f"{name}, seed {seed}: ACC {scores['acc']:.4f}, NMI {scores['nmi']:.4f}, ARI {scores['ari']:.4f}, "
              f"{record['wall_seconds']:.0f} s")

# %% [markdown]
# ### Performance against uniformity (PFCA Fig. 5a)
#
# Median over runs with min-max bars. The paper prints no numbers for this
# figure, only the curve rising with UI; the table under the figure holds
# this execution's values.

# %%
against = pd.DataFrame({name: report.run_statistics(records[name]) for name in variants}).T
against.columns = pd.MultiIndex.from_tuples(against.columns)
against[("UI", "")] = variant_table["UI"]
plots.metric_against(against, ("UI", ""), title=f"PFCA on the USPS variants ({profile} profile)")
plt.gca().set_xlabel("uniformity index")
plt.show()
display(against.round(3))
by_ui = against.sort_values(("UI", ""))[("acc", "median")]
display(Markdown(
    "From the least to the most uniform variant, this execution's median ACC goes "
    + " -> ".join(f"{v:.3f}" for v in by_ui) + f" ({'rising' if by_ui.is_monotonic_increasing else 'not monotone'}); "
    "the paper's Fig. 5a rises monotonically."))

# %% [markdown]
# ### USPS700 beside PFCA Table V

# %%
if "usps700" in records:
    display(report.beside_paper(records["usps700"], "pfca", "V", "usps700", profile,
                                earlier=report.committed("pfca", "usps700")).round(3))
    if len(seeds) > 1:
        plots.stability_bars({"usps700": records["usps700"]}, title="PFCA on USPS700, std over runs (Fig. 5b)")
        plt.show()

# %% [markdown]
# ### Samples of the first run on each variant's extremes
#
# One row per cluster id: on an imbalanced variant the uniform prior makes
# the generator spread the large classes over several ids or merge small
# ones.

# %%
for name in dict.fromkeys([variants[0], variants[-1]]):
    plots.generated_by_cluster(models[name], per_cluster=10, title=f"generated by cluster id, {name}")
    plt.show()


# %% [markdown]
# ## SIMI-ClusterGAN and ClusterGAN on imbalanced data
#
# **Imbalanced MNIST** (SIMI-ClusterGAN §IV-G): the training set keeps 10% of the
# digit 0 (one minority class, `mnist-imbalanced-1`), or 10%, 30% and 50%
# of the digits 1, 3 and 5 (three, `mnist-imbalanced-3`); the methods are
# scored on the full 10 000 test images. SIMI-ClusterGAN's codes follow its
# IMSAT prior's assignments of the real images, so a minority class gets
# codes as often as it occurs; ClusterGAN draws them uniformly. The methods,
# their settings and every choice where SIMI-ClusterGAN is silent are described in the
# MNIST chapter (images in $[-1, 1]$; k-means on the encoder output).
#
# **USPS variants** (PFCA supplement Table I): 7 000 to 9 100 USPS images with
# class sizes from uniform to imbalanced; both methods train and are scored
# on the same images, with the two-layer MLP networks SIMI-ClusterGAN uses for USPS and
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
    train = data.load(name, split="train", value_range=(-1.0, 1.0), rows=simi_n_train or None)
    test = data.load(name, split="test", value_range=(-1.0, 1.0), rows=simi_n_test or None)
    print(f"{train.name}: class counts {torch.bincount(train.labels, minlength=10).tolist()}")
    simi_runs(train, test, "mnist", simi_mnist_architecture)

# %% [markdown]
# ### Beside SIMI-ClusterGAN Table VI
#
# SIMI-ClusterGAN prints one number per cell (from 5 runs, Section IV-C); here the
# median and the best, with purity.

# %%
printed = reference.reported(paper="simi-clustergan", table="VI")
printed = printed.pivot_table(index=["dataset", "method"], columns="metric", values="value")
printed.columns = [f"SIMI-ClusterGAN {c.upper()}" for c in printed.columns]
printed.index = printed.index.set_names(["dataset", "variant"])
mnist_rows = [r for r in simi_records if r["dataset"].startswith("mnist-imbalanced")]
this = runner.summarize_variants(mnist_rows) if mnist_rows else pd.DataFrame()
display(Markdown(f"**This execution** ({profile} profile, {len(simi_seeds)} seed(s), {simi_n_iterations} generator "
                 f"steps at learning rate {simi_lr}, {simi_prior_iterations} IMSAT minibatches) beside SIMI-ClusterGAN Table VI:"))
display(printed.join(this, how="outer").round(4))
earlier = [r for name in simi_imbalanced for m in ("clustergan", "simi-clustergan")
           for r in runner.load_records("results", method=m, dataset=name) if r["profile"] != "quick"]
if earlier:
    display(Markdown("**Committed non-quick records** (`results/`):"))
    display(runner.summarize(earlier).round(4))

# %% [markdown]
# ### Which minority digits each method generates (SIMI-ClusterGAN Figs. 11 and 13)
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
        plots.image_grid(samples, model.n_clusters, title=f"{variant} on {name}: rows = codes z_M", row_labels=labels,
                         value_range=(-1, 1))
        plt.show()
        majority = {c for c, share, _ in classes if c >= 0 and share >= 0.5}
        print(f"{variant} on {name}: digits with a code of their own (majority >= 50%): {sorted(majority)}; "
              f"missing: {sorted(set(range(10)) - majority)}")

# %% [markdown]
# ### The USPS variants
#
# SIMI-ClusterGAN does not report these sets; they show the same two methods as the
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
