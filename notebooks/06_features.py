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
# # Clustering pretrained ResNet features
#
# Deep clustering methods struggle to learn features of natural images end to
# end, so the papers cluster CIFAR-10 and STL-10 in the 2048-dimensional
# "avg pool" feature space of an ImageNet-pretrained ResNet-50: DCAN
# {cite}`lim2021dcan` on CIFAR-10 (Table 2), Dual-AAE {cite}`ge2021dualaae`
# on STL-10 (Table I) and SIMI-ClusterGAN {cite}`dam2021simi` on both
# (Table III). This chapter runs DCAN on those CIFAR-10 features, beside
# DCAN Table 2, with k-means on the same features as the reference baseline;
# sections for Dual-AAE and SIMI-ClusterGAN follow the same pattern.
#
# **Where the features come from, and when they are missing.** The features
# are computed once from the CIFAR-10 images and torchvision's
# ImageNet-pretrained ResNet-50 weights, and cached under the data root
# (`features/cifar10-all-resnet50.pt` with a `.json` manifest). Both the
# images and the weights must be downloaded, so machines without network
# access, such as the one that builds this book in CI, do not have them. On
# a machine with network access (a GPU makes the extraction minutes) run
#
# ```bash
# advclust data fetch cifar10 --root DIR
# advclust features extract --dataset cifar10 --model resnet50 --split all --root DIR
# ```
#
# and copy `DIR/features/cifar10-all-resnet50.pt` and `.json` into the data
# root's `features/` folder (the data root is `$ADVCLUST_DATA`, else
# `./data`). The chapter then uses them with no edit. **Without them it runs
# the very same code on a stand-in**, the Fashion-MNIST images as 784-pixel
# vectors (60 000 training and 10 000 test images of 10 kinds of clothing,
# which are on these machines), and says so in every table and figure. A
# stand-in's numbers say nothing about CIFAR-10; they show that the pipeline
# runs and how DCAN behaves on another 10-class image set.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults
features = "cifar10-resnet50"  # the cached feature set: CIFAR-10 through ResNet-50's avg pool (DCAN §3)
n_train = 50000  # the cache's 'all' split is the 50 000 training then the 10 000 test images (DCAN: 50K / 10K)
stand_in = "fashion-mnist"  # used, and labelled as a stand-in, when the feature cache is absent
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # DCAN runs (the paper does not say how many it ran)
n_iterations = 500  # DCAN §3
lr = 0.001  # the top of the paper's range [1e-5, 1e-3]
eval_every = 50  # evaluate on the test set every this many iterations (history only)
kmeans_n_init = 10  # k-means++ starts of the k-means baseline

# SIMI-ClusterGAN and IMSAT (SIMI-ClusterGAN §IV-D, Table III; every other hyperparameter is the estimators' default = SIMI-ClusterGAN's)
simi_features = ["cifar10-resnet50", "stl10-resnet50"]  # SIMI-ClusterGAN Table III's two feature sets
simi_n_train = {"cifar10-resnet50": 50000, "stl10-resnet50": 5000}  # leading rows of the 'all' split used for training
simi_seeds = [0, 1, 2, 3, 4]  # SIMI-ClusterGAN reports 5 runs
simi_subset = 0  # use at most this many training and this many / 5 test rows (0: all)
simi_noise_dim = {"cifar10-resnet50": 50, "stl10-resnet50": 100}  # z_n sizes of SIMI-ClusterGAN Table I
simi_hidden = [256, 256]  # G/D/E: two-hidden-layer MLPs (the inputs are feature vectors)
simi_n_iterations = 37500  # generator steps (ClusterGAN's 200 epochs of batch 64, 5 critic batches per step)
simi_lr = 1e-4  # Adam learning rate of G, D and E (SIMI-ClusterGAN §IV-B)
simi_prior_hidden = [1200, 1200]  # P_phi d-1200-1200-M (SIMI-ClusterGAN §IV-B)
simi_prior_iterations = 14000  # IMSAT's 50 epochs of batch 250
simi_kmeans_n_init = 10  # k-means starts on the encoder output

# Dual-AAE on STL-10 features (Dual-AAE Table I; appendix networks)
dualaae_features = "stl10-resnet50"  # the 13 000 labelled STL-10 images through ResNet-50's avg pool
dualaae_n_samples = 13000  # inputs fitted and scored (Dual-AAE clusters all 13 000)
dualaae_seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # runs (Dual-AAE does not say how many)
dualaae_epochs = 300  # the reference code's MNIST count (Dual-AAE gives none for STL-10)
dualaae_pretrain_epochs = 10  # autoencoder pretraining epochs
dualaae_lr = 0.0001  # reconstruction step (the reference code); the D-AE step uses lambda1 * this
dualaae_adversarial_lr = 0.00005  # critic, adversarial and CR steps (the reference code)

# %%
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import threadpoolctl
import torch
from IPython.display import Markdown, display

from advclust import data, plots, reference, runner
from advclust.methods.dcan import PAPER_ARCHITECTURES

if cpu_threads:  # quick: 1, which is fastest (no spinning threads) when the 2-core CPU is shared
    torch.set_num_threads(cpu_threads)
    threadpoolctl.threadpool_limits(cpu_threads)
print("device:", runner.device_description(runner.resolve_device(device)))

# %% [markdown]
# ## The features

# %%
try:
    pooled = data.load(features)
    missing = None
except data.DataNotFoundError as error:
    missing = error

if missing is None:
    label = "CIFAR-10 ResNet-50 features"
    train = dataclasses.replace(pooled, name=f"{features}-train", inputs=pooled.inputs[:n_train],
                                labels=pooled.labels[:n_train])
    test = dataclasses.replace(pooled, name=f"{features}-test", inputs=pooled.inputs[n_train:],
                               labels=pooled.labels[n_train:])
    display(Markdown(f"> **The feature cache was found**: {pooled.source}. Everything below is computed on the "
                     "CIFAR-10 ResNet-50 features."))
else:
    label = f"STAND-IN: {stand_in} pixels, not CIFAR-10 features"
    train = dataclasses.replace(data.load(stand_in, split="train"), name=f"{stand_in}-train")
    test = dataclasses.replace(data.load(stand_in, split="test"), name=f"{stand_in}-test")
    n_train = len(train)
    display(Markdown(
        "> **Stand-in. CIFAR-10 ResNet-50 features are not available on this machine**, so every number and "
        f"figure below comes from a **stand-in: the {stand_in} images as {train.inputs[0].numel()}-pixel vectors** "
        "(not ResNet features, not CIFAR-10). To use the real features, run on a machine with network access\n>\n"
        "> ```bash\n> advclust data fetch cifar10 --root DIR\n"
        "> advclust features extract --dataset cifar10 --model resnet50 --split all --root DIR\n> ```\n>\n"
        "> and copy `DIR/features/cifar10-all-resnet50.pt` and `.json` into the data root's `features/` folder."))
    print(missing)
print(f"{label}: training {tuple(train.inputs.shape)}, test {tuple(test.inputs.shape)}")

# %% [markdown]
# ## DCAN
#
# The method and every choice where the paper is silent are described in the
# MNIST chapter. On CIFAR-10 features the paper uses an encoder
# 2048-1024-512-128 and a discriminator 128-16-1 (Section 3); the first layer
# takes whatever dimension the inputs have (784 on the stand-in). The other
# settings are those of MNIST: minibatch 16, 500 iterations, learning rate
# $10^{-3}$ with momentum 0.9, one clustering iteration on 600 encoded points
# per iteration. The runs train on the training rows and are scored on the
# test rows.

# %%
architecture = PAPER_ARCHITECTURES["cifar10-resnet50"]
params = dict(**architecture, n_iterations=n_iterations, lr=lr, eval_every=eval_every, device=device,
              progress=progress)
records, first_model = [], None
for seed in seeds:
    record, model, _ = runner.fit_run("dcan", train, params, seed=seed, profile=profile, eval_dataset=test)
    if save_records_to:
        runner.write_record(record, save_records_to)
    records.append(record)
    first_model = first_model or model
    print(f"[{label}] seed {seed}: test ACC {record['metrics']['acc']:.4f}, {record['wall_seconds']:.0f} s")

plots.learning_curves(first_model.history_, plots.DCAN_CURVES, title=f"DCAN on {label}, seed {seeds[0]}",
                      x_label="iterations (one D and one encoder step each)")
plt.show()

# %% [markdown]
# k-means on the same inputs, fitted on the training rows and scored on the
# test rows: the reference point DCAN's clustering loss has to beat.

# %%
kmeans, _, _ = runner.fit_run("kmeans", train, {"n_init": kmeans_n_init}, seed=0, profile=profile, eval_dataset=test)
if save_records_to:
    runner.write_record(kmeans, save_records_to)
print(f"[{label}] k-means: test ACC {kmeans['metrics']['acc']:.4f}, {kmeans['wall_seconds']:.0f} s")

# %% [markdown]
# ### Beside DCAN Table 2 (CIFAR-10) and the k-means row of SIMI-ClusterGAN Table III

# %%
display(Markdown("**DCAN Table 2, CIFAR-10 column** (ResNet-50 features, as printed):"))
display(reference.table("dcan", "2")[["cifar10"]].dropna().rename(columns={"cifar10": "ACC"}))
kmeans_printed = reference.reported(paper="simi-clustergan", table="III", dataset="cifar10", method="K-means")
display(Markdown(f"**SIMI-ClusterGAN Table III**: k-means on CIFAR-10 ResNet-50 features, ACC "
                 f"{kmeans_printed['value'].item():.3f} (quoted by SIMI-ClusterGAN from earlier work)."))

frame = pd.json_normalize(records)
column = f"this execution ({profile} profile; {label})"
table = pd.DataFrame({
    ("paper, CIFAR-10 features", "table"): ["DCAN Table 2", "SIMI-ClusterGAN Table III (quoted)"],
    ("paper, CIFAR-10 features", "ACC"): [
        reference.reported(paper="dcan", table="2", dataset="cifar10", method="DCAN")["value"].item(),
        kmeans_printed["value"].item()],
    (column, "ACC median"): [frame["metrics.acc"].median(), kmeans["metrics"]["acc"]],
    (column, "ACC min"): [frame["metrics.acc"].min(), kmeans["metrics"]["acc"]],
    (column, "ACC max"): [frame["metrics.acc"].max(), kmeans["metrics"]["acc"]],
    (column, "NMI"): [frame["metrics.nmi"].median(), kmeans["metrics"]["nmi"]],
    (column, "ARI"): [frame["metrics.ari"].median(), kmeans["metrics"]["ari"]],
    (column, "runs"): [len(records), 1],
}, index=["DCAN", "k-means"])
display(table.round(4))

committed = [r for r in runner.load_records("results", method="dcan", dataset=f"{features}-train")
             if r["profile"] != "quick"]
if committed:
    display(Markdown("**Committed records on the real features** (`results/`):"))
    display(runner.summarize(committed).round(4))
else:
    display(Markdown("No record of DCAN on the real CIFAR-10 features is committed yet: on a machine with the "
                     "feature cache run `advclust book --profile paper --only 06` (records go to "
                     "`results/features`) and commit them."))
if missing is not None:
    display(Markdown(f"**Reminder: the execution columns above are a stand-in ({label}).** They cannot be "
                     "compared with the paper's CIFAR-10 numbers."))


# %% [markdown]
# ## Dual-AAE on STL-10 features
#
# Dual-AAE (Dual-AAE; the method, its loss terms and every choice where the paper
# is silent are described in the MNIST chapter) clusters the 13 000 labelled
# STL-10 images (5 000 training and 8 000 test images, pooled as Dual-AAE does
# after VaDE) in the same ResNet-50 feature space, beside the STL-10 column
# of Dual-AAE Table I. The appendix's STL-10 networks are MLPs: encoder
# 2048-500-500-500-18 and decoder 18-2000-500-1000-2048 (as printed), batch
# norm and LeakyReLU(0.1) in all but the last layers, weights drawn from
# $\mathcal{N}(0, 0.02)$, category 10, style 4 and noise 4; the decoder's
# output is linear and the reconstruction a squared error. The first layer
# takes whatever dimension the inputs have (784 on the stand-in).
#
# **Features and stand-in**: the same rule as above. The STL-10 features are
# `features/stl10-all-resnet50.pt` under the data root (`advclust data fetch
# stl10` and `advclust features extract --dataset stl10 --model resnet50
# --split all` on a machine with network access); without them this section
# runs the same code on the stand-in's test images and says so. The quick
# profile fits a random subset for a few epochs (stated below).

# %%
from advclust.methods.dualaae import PAPER_ARCHITECTURES as DUALAAE_ARCHITECTURES

try:
    stl10 = data.load(dualaae_features)
    stl10_label = "STL-10 ResNet-50 features"
    display(Markdown(f"> **The STL-10 feature cache was found**: {stl10.source}."))
except data.DataNotFoundError as error:
    stl10 = dataclasses.replace(data.load(stand_in, split="test"), name=f"{stand_in}-test")
    stl10_label = f"STAND-IN: {stand_in} pixels, not STL-10 features"
    display(Markdown(
        f"> **Stand-in. STL-10 ResNet-50 features are not available on this machine**, so the Dual-AAE numbers below "
        f"come from a **stand-in: the {len(stl10)} {stand_in} test images as {stl10.inputs[0].numel()}-pixel vectors** "
        "(not ResNet features, not STL-10). To use the real features, run on a machine with network access\n>\n"
        "> ```bash\n> advclust data fetch stl10 --root DIR\n"
        "> advclust features extract --dataset stl10 --model resnet50 --split all --root DIR\n> ```\n>\n"
        "> and copy `DIR/features/stl10-all-resnet50.pt` and `.json` into the data root's `features/` folder."))
    print(error)
stl10_fit = data.subset(stl10, dualaae_n_samples, seed=0)
stl10_iterations = dualaae_epochs * (len(stl10_fit) // 100)
dualaae_params = dict(**DUALAAE_ARCHITECTURES["stl10-resnet50"], lr=dualaae_lr, adversarial_lr=dualaae_adversarial_lr,
                      pretrain_epochs=dualaae_pretrain_epochs, n_iterations=stl10_iterations,
                      eval_every=len(stl10_fit) // 100, log_every=len(stl10_fit) // 100, device=device, progress=progress)
print(f"[{stl10_label}] {len(stl10_fit)} inputs of dimension {stl10_fit.inputs[0].numel()}, {dualaae_epochs} epochs "
      f"({stl10_iterations} iterations), {dualaae_pretrain_epochs} pretraining epochs, learning rates "
      f"{dualaae_lr:g} / {dualaae_adversarial_lr:g}, {len(dualaae_seeds)} seed(s) ({profile} profile)")

dualaae_records = []
for seed in dualaae_seeds:
    record, model, _ = runner.fit_run("dual-aae", stl10_fit, dualaae_params, seed=seed, profile=profile)
    if save_records_to:
        runner.write_record(record, save_records_to)
    dualaae_records.append(record)
    print(f"[{stl10_label}] Dual-AAE seed {seed}: ACC {record['metrics']['acc']:.4f}, NMI {record['metrics']['nmi']:.4f}, "
          f"{record['wall_seconds']:.0f} s")

# %% [markdown]
# ### Beside Dual-AAE Table I (STL-10)

# %%
printed = reference.reported(paper="dual-aae", table="I", dataset="stl10", method=["Dual-AAE", "AAE", "K-means"])
display(Markdown("**Dual-AAE Table I, STL-10 column** (ResNet-50 features; K-means is quoted from earlier work):"))
display(printed.set_index("method")[["value"]].rename(columns={"value": "ACC"}))
frame = pd.json_normalize(dualaae_records)
display(pd.DataFrame({
    ("Dual-AAE Table I, STL-10 features", "ACC"): [printed.set_index("method").loc["Dual-AAE", "value"]],
    (f"this execution ({profile} profile; {stl10_label})", "ACC median"): [frame["metrics.acc"].median()],
    (f"this execution ({profile} profile; {stl10_label})", "ACC min"): [frame["metrics.acc"].min()],
    (f"this execution ({profile} profile; {stl10_label})", "ACC max"): [frame["metrics.acc"].max()],
    (f"this execution ({profile} profile; {stl10_label})", "NMI"): [frame["metrics.nmi"].median()],
    (f"this execution ({profile} profile; {stl10_label})", "runs"): [len(frame)],
}, index=["Dual-AAE"]).round(4))
committed_stl10 = [r for r in runner.load_records("results", method="dual-aae", dataset=dualaae_features)
                   if r["profile"] != "quick"]
if committed_stl10:
    display(Markdown("**Committed records on the real features** (`results/`):"))
    display(runner.summarize(committed_stl10).round(4))
else:
    display(Markdown("No record of Dual-AAE on the real STL-10 features is committed yet: on a machine with the "
                     "feature cache run `advclust book --profile paper --only 06` and commit the records."))
if stl10_label.startswith("STAND-IN"):
    display(Markdown(f"**Reminder: this section's execution columns are a stand-in ({stl10_label}).** They cannot be "
                     "compared with the paper's STL-10 numbers."))


# %% [markdown]
# ## SIMI-ClusterGAN and IMSAT
#
# SIMI-ClusterGAN (§IV-D) learns the prior network $P_\phi$ (IMSAT,
# 2048-1200-1200-10) on the ResNet-50 features of CIFAR-10 and STL-10 and
# then trains SIMI-ClusterGAN on them; the methods and every choice where
# SIMI-ClusterGAN is silent are described in the MNIST chapter. On feature vectors the
# generator, critic and encoder are two-hidden-layer MLPs (256-256, the
# networks SIMI-ClusterGAN uses for vector data), the generator's output is linear
# (features are not bounded), and $z_n$ has 50 (CIFAR-10) or 100 (STL-10)
# dimensions (SIMI-ClusterGAN Table I). As for DCAN above, the methods train on the
# training rows and are scored on the test rows. IMSAT is a row of Table III
# of its own (IMSAT (VAT), quoted by SIMI-ClusterGAN from the IMSAT paper).
#
# **Offline rule.** Each feature set missing on this machine is replaced by
# the same stand-in as above (the Fashion-MNIST pixels, 784-d), said so in
# every table; a stand-in used for both feature sets is run once. The quick
# profile runs CIFAR-10's set only, on 10 000 training and 2 000 test rows,
# one seed, with a smaller prior network and a few hundred generator steps
# at a learning rate of $10^{-3}$ (the note at the top gives the values).

# %%
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from advclust import data, plots, reference, runner


def simi_feature_data(name: str) -> tuple[data.Dataset, data.Dataset, str, bool]:
    """(train, test, label, is_stand_in) for feature set ``name``: its cached features, else the stand-in."""
    try:
        pooled = data.load(name)
        n = simi_n_train[name]
        train_set = dataclasses.replace(pooled, name=f"{name}-train", inputs=pooled.inputs[:n], labels=pooled.labels[:n])
        test_set = dataclasses.replace(pooled, name=f"{name}-test", inputs=pooled.inputs[n:], labels=pooled.labels[n:])
        label_, stand = f"{name} features", False
    except data.DataNotFoundError:
        train_set = dataclasses.replace(data.load(stand_in, split="train"), name=f"{stand_in}-train")
        test_set = dataclasses.replace(data.load(stand_in, split="test"), name=f"{stand_in}-test")
        label_, stand = f"STAND-IN: {stand_in} pixels, not {name}", True
    if simi_subset:
        train_set = dataclasses.replace(train_set, name=f"{train_set.name}-first{simi_subset}",
                                        inputs=train_set.inputs[:simi_subset], labels=train_set.labels[:simi_subset])
        n_test = max(simi_subset // 5, 1)
        test_set = dataclasses.replace(test_set, name=f"{test_set.name}-first{n_test}",
                                       inputs=test_set.inputs[:n_test], labels=test_set.labels[:n_test])
    return train_set, test_set, label_, stand


simi_rows, simi_runs_by_data, simi_labels = [], {}, {}
for name in simi_features:
    simi_train, simi_test, simi_label, stand = simi_feature_data(name)
    simi_labels[name] = simi_label
    if stand:
        display(Markdown(f"> **Stand-in. {name} is not available on this machine**: the rows below marked "
                         f"{name} come from **{simi_label}**; they cannot be compared with the paper's numbers."))
    if simi_train.name not in simi_runs_by_data:
        records = []
        for seed in simi_seeds:
            prior_params = dict(hidden=simi_prior_hidden, n_iterations=simi_prior_iterations, device=device,
                                progress=progress)
            record, prior, _ = runner.fit_run("imsat", simi_train, prior_params, seed=seed, profile=profile,
                                              eval_dataset=simi_test)
            records.append(record)
            gan = dict(architecture="mlp", hidden=simi_hidden, output_activation=None, n_iterations=simi_n_iterations,
                       lr=simi_lr,
                       noise_dim=simi_noise_dim[name], kmeans_n_init=simi_kmeans_n_init, prior_hidden=simi_prior_hidden,
                       prior_iterations=simi_prior_iterations, device=device, progress=progress)
            record, model, _ = runner.fit_run("simi-clustergan", simi_train, gan, seed=seed, profile=profile,
                                              eval_dataset=simi_test, fit_options={"prior": prior})
            records.append(record)
            for r in records[-2:]:
                print(f"[{simi_label}] {r['method']}, seed {seed}: test ACC {r['metrics']['acc']:.4f}, "
                      f"NMI {r['metrics']['nmi']:.4f}, {r['wall_seconds']:.0f} s")
                if save_records_to:
                    runner.write_record(r, save_records_to)
        simi_runs_by_data[simi_train.name] = records
        plots.learning_curves(model.history_, plots.CLUSTERGAN_CURVES, title=f"SIMI-ClusterGAN on {simi_label}")
        plt.show()
    frame = pd.json_normalize(simi_runs_by_data[simi_train.name])
    for method, printed_name in (("imsat", "IMSAT(VAT)"), ("simi-clustergan", "SIMI-ClusterGAN")):
        rows = frame[frame["method"] == method]
        paper_dataset = name.split("-")[0]
        paper = reference.reported(paper="simi-clustergan", table="III", dataset=paper_dataset, method=printed_name)
        paper_value = dict(zip(paper["metric"], paper["value"]))
        simi_rows.append({
            ("", "features"): name, ("", "method"): printed_name,
            ("SIMI-ClusterGAN Table III", "ACC"): paper_value.get("acc"), ("SIMI-ClusterGAN Table III", "NMI"): paper_value.get("nmi"),
            (f"this execution ({profile})", "data"): simi_label,
            (f"this execution ({profile})", "ACC median"): rows["metrics.acc"].median(),
            (f"this execution ({profile})", "ACC best"): rows["metrics.acc"].max(),
            (f"this execution ({profile})", "NMI median"): rows["metrics.nmi"].median(),
            (f"this execution ({profile})", "purity median"): rows["metrics.purity"].median(),
            (f"this execution ({profile})", "runs"): len(rows)})

# %% [markdown]
# ### Beside SIMI-ClusterGAN Table III

# %%
simi_table = pd.DataFrame(simi_rows)
simi_table.columns = pd.MultiIndex.from_tuples(simi_table.columns)
display(simi_table.set_index([("", "features"), ("", "method")]).rename_axis(["features", "method"]).round(4))
simi_committed = [r for name in simi_features for m in ("imsat", "simi-clustergan")
                  for r in runner.load_records("results", method=m, dataset=f"{name}-train") if r["profile"] != "quick"]
if simi_committed:
    display(Markdown("**Committed records on the real features** (`results/`):"))
    display(runner.summarize(simi_committed).round(4))
else:
    display(Markdown("No record of IMSAT or SIMI-ClusterGAN on the real features is committed yet: on a machine "
                     "with the feature caches run `advclust book --profile paper --only 06` and commit them."))
if any(label.startswith("STAND-IN") for label in simi_labels.values()):
    display(Markdown("**Reminder: execution columns marked STAND-IN are not the papers' features.**"))
