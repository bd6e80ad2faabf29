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
# # SIMI-ClusterGAN and IMSAT on ResNet features
#
# SIMI-ClusterGAN {cite}`dam2021simi` (§IV-D) learns the prior network
# $P_\phi$ (IMSAT, 2048-1200-1200-10) on the ResNet-50 features of CIFAR-10
# and STL-10 and then trains SIMI-ClusterGAN on them, beside
# SIMI-ClusterGAN Table III; IMSAT is a row of that table of its own
# (IMSAT (VAT), quoted by SIMI-ClusterGAN from the IMSAT paper). The
# methods and every choice where SIMI-ClusterGAN is silent are described in
# the MNIST chapter; where the features come from, and the stand-in used
# when they are missing, are on this chapter's first page.
#
# On feature vectors the generator, critic and encoder are two-hidden-layer
# MLPs (256-256, the networks SIMI-ClusterGAN uses for vector data), the
# generator's output is linear (features are not bounded), and $z_n$ has 50
# (CIFAR-10) or 100 (STL-10) dimensions (SIMI-ClusterGAN Table I). The
# methods train on the training rows and are scored on the test rows.
#
# The quick profile runs CIFAR-10's set only, on 10 000 training and 2 000
# test rows, one seed, with a smaller prior network and a few hundred
# generator steps at a learning rate of $10^{-3}$ (the note at the top gives
# the values).

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# SIMI-ClusterGAN §IV-D, Table III; every other hyperparameter is the estimators' default (SIMI-ClusterGAN's)
features = ["cifar10-resnet50", "stl10-resnet50"]  # SIMI-ClusterGAN Table III's two feature sets
stand_in = "fashion-mnist"  # used, and labelled as a stand-in, where a feature cache is absent
seeds = [0, 1, 2, 3, 4]  # SIMI-ClusterGAN reports 5 runs
n_train = 0  # training rows used, the first of the training split (0: all)
n_test = 0  # test rows scored, the first of the test split (0: all)
noise_dim = {"cifar10-resnet50": 50, "stl10-resnet50": 100}  # z_n sizes of SIMI-ClusterGAN Table I
hidden = [256, 256]  # G/D/E: two-hidden-layer MLPs (the inputs are feature vectors)
n_iterations = 37500  # generator steps (ClusterGAN's 200 epochs of batch 64, 5 critic batches per step)
lr = 1e-4  # Adam learning rate of G, D and E (SIMI-ClusterGAN §IV-B)
prior_hidden = [1200, 1200]  # P_phi d-1200-1200-M (SIMI-ClusterGAN §IV-B)
prior_iterations = 14000  # IMSAT's 50 epochs of batch 250
kmeans_n_init = 10  # k-means starts on the encoder output

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, plots, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %% [markdown]
# ## The features

# %% tags=["hide-input"]
sets = {name: (data.load(name, split="train", stand_in=stand_in, rows=n_train or None),
               data.load(name, split="test", stand_in=stand_in, rows=n_test or None)) for name in features}
labels = {name: report.data_label(train) for name, (train, _) in sets.items()}
for name, (train, test) in sets.items():
    display(Markdown(f"> **{name}**: {labels[name]}: training {tuple(train.inputs.shape)}, test {tuple(test.inputs.shape)}."))

# %% [markdown]
# ## IMSAT, then SIMI-ClusterGAN with that IMSAT as its prior

# %%
imsat = dict(hidden=prior_hidden, n_iterations=prior_iterations, device=device, progress=progress)
gan = dict(architecture="mlp", hidden=hidden, output_activation=None, n_iterations=n_iterations, lr=lr,
           kmeans_n_init=kmeans_n_init, prior_hidden=prior_hidden, prior_iterations=prior_iterations, device=device,
           progress=progress)
priors = runner.fit_experiments([runner.Experiment("imsat", train, imsat, seeds, evaluate_on=test)
                                 for train, test in sets.values()], profile=profile, out=save_records_to or None,
                                batch_seeds=batch_seeds, resume=resume)
simi = runner.fit_experiments([
    runner.Experiment("simi-clustergan", train, {**gan, "noise_dim": noise_dim[name]}, seeds, evaluate_on=test,
                      fit_options=lambda seed, dataset=train.name: {"prior": priors.model("IMSAT", dataset, seed)})
    for name, (train, test) in sets.items()], profile=profile, out=save_records_to or None,
                              batch_seeds=batch_seeds, resume=resume)
results = priors + simi

# %% [markdown]
# ## Beside SIMI-ClusterGAN Table III
#
# Median [min, max] over runs, with purity; '*' marks a number the paper
# quotes from earlier work. Committed paper-profile records on the real
# features follow where they exist.

# %% tags=["hide-input"]
tables = dict(tables=[("simi-clustergan", "III")], printed={"IMSAT": "IMSAT(VAT)"},
              paper_datasets={"cifar10-resnet50": "cifar10", "stl10-resnet50": "stl10"})
display(report.compare(results, metrics=("acc", "purity", "nmi", "ari"), **tables).loc[features]
        .rename(index=labels, level="dataset"))
if not any(report.committed("simi-clustergan", name) for name in features):
    display(Markdown("No paper-profile SIMI-ClusterGAN record on the features is committed yet: on a machine with "
                     "the feature caches run `advclust book --profile paper --only 06c` and commit `results/features`."))
plots.per_seed(results, paper=report.paper_values(results, **tables),
               title=f"{'; '.join(labels.values())}, one dot per run ({profile} profile)")
plt.show()
plots.metric_over_training(results, x_label="iterations (IMSAT minibatches; generator steps)", committed=report.committed_like(results),
                           paper=report.paper_values(results, **tables), title="ACC against training compute")
plt.show()

# %% [markdown]
# ## Training of the first run on each feature set

# %% tags=["hide-input"]
for name, (train, _) in sets.items():
    plots.learning_curves(simi.model("SIMI-ClusterGAN", train.name, seeds[0]).history_, plots.CLUSTERGAN_CURVES,
                          title=f"SIMI-ClusterGAN on {labels[name]}, seed {seeds[0]}")
    plt.show()
