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
# # SIMI-ClusterGAN and ClusterGAN on imbalanced data
#
# ClusterGAN draws its codes $z_M$ uniformly, so it assumes clusters of
# equal size; SIMI-ClusterGAN {cite}`dam2021simi` draws them from the
# assignments its IMSAT prior $P_\phi$ gives the real images, so a
# minority class gets codes as often as it occurs. This page runs both on
# the imbalanced MNIST sets of SIMI-ClusterGAN §IV-G, beside Table VI and in
# the manner of Figs. 11 and 13, and on the USPS variants of PFCA's
# supplement (described on this chapter's first page), which
# SIMI-ClusterGAN does not report. The methods, their settings and every
# choice where SIMI-ClusterGAN is silent are described in the MNIST
# chapter (images in $[-1, 1]$; k-means on the encoder output).
#
# **Protocol.** Imbalanced MNIST: trained on the imbalanced training set,
# scored on the full 10 000 test images, with ClusterGAN's convolutional
# networks (SIMI-ClusterGAN §IV-B). USPS variants: trained and scored on the
# same images, with the two-layer MLP networks SIMI-ClusterGAN uses for
# USPS and a 256-256 prior network. Five runs each.
#
# **The quick profile** (CI) trains on the first 10 000 imbalanced training
# images and scores on 2 000 test images, runs two of the USPS variants, one
# seed, MLP networks for a few hundred generator steps at a learning rate of
# $10^{-3}$ (the paper's $10^{-4}$ gets nowhere in so few steps), and a
# smaller prior network (the note at the top gives the values): its
# generated samples are blurry and its numbers far below the paper's.
#
# **The long profile** (`params/long.yaml`; `advclust run clustergan
# mnist-imbalanced-1 --profile long --out results/mnist-imbalanced-1`, and
# the same for SIMI-ClusterGAN and for set 3) runs the paper's 37 500
# generator steps on all the imbalanced training images, scored on the
# 10 000 test images, with the one change chapter 2's long runs make for
# time on a CPU core: MLP networks 256-256 instead of the conv networks.
# The lines under the Table VI comparison list the committed records; a
# SIMI-ClusterGAN record also scores its prior $P_\phi$ on its own. Where
# the two are close, phase 2 added little to what phase 1 found, and a gap
# to Table VI is the prior's (on imbalanced MNIST 1, seed 0, phase 2 kept
# the prior's very codes, digit 1 split over two and the minority 0 sharing
# one with 3: measured on the run's checkpoint, noted in the profile file).
# IMSAT's marginal-entropy term favours clusters of equal size, and
# SIMI-ClusterGAN §V warns that a prior learned this way misses a class
# that is rare enough.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# SIMI-ClusterGAN §IV-G; every other hyperparameter is the estimators' default (SIMI-ClusterGAN's)
imbalanced = ["mnist-imbalanced-1", "mnist-imbalanced-3"]  # SIMI-ClusterGAN Table VI
usps = ["usps700", "usps800", "usps900", "usps1200", "usps1500"]  # PFCA supplement Table I
seeds = [0, 1, 2, 3, 4]  # SIMI-ClusterGAN reports 5 runs
n_train = 0  # training images of the imbalanced MNIST sets (0: all of them)
n_test = 0  # test images they are scored on (0: all 10 000, as SIMI-ClusterGAN §IV-G)
mnist_architecture = "conv"  # ClusterGAN's conv networks for 28x28 (SIMI-ClusterGAN §IV-B)
usps_architecture = "mlp"  # SIMI-ClusterGAN §IV-B: two-layer MLPs for USPS
hidden = [256, 256]  # widths of the "mlp" networks
n_iterations = 37500  # generator steps (ClusterGAN's 200 epochs of batch 64, 5 critic batches per step)
lr = 1e-4  # Adam learning rate of G, D and E (SIMI-ClusterGAN §IV-B)
prior_hidden = {"mnist": [1200, 1200], "usps": [256, 256]}  # P_phi d-1200-1200-M; d-256-256-M for USPS
prior_iterations = 14000  # IMSAT's 50 epochs of 70 000 in batches of 250
kmeans_n_init = 10  # k-means starts on the encoder output

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, metrics, plots, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %% [markdown]
# ## Imbalanced MNIST
#
# For each set and seed: IMSAT (SIMI-ClusterGAN's phase 1), then ClusterGAN,
# and SIMI-ClusterGAN reusing that IMSAT as its prior.

# %%
def fit(sets: dict, family: str, architecture: str) -> runner.Results:
    """IMSAT, ClusterGAN and SIMI-ClusterGAN (with that IMSAT as prior) on each (train, test) of ``sets``."""
    imsat = dict(hidden=prior_hidden[family], n_iterations=prior_iterations, device=device, progress=progress)
    gan = dict(architecture=architecture, hidden=hidden, n_iterations=n_iterations, lr=lr,
               kmeans_n_init=kmeans_n_init, device=device, progress=progress)
    simi = {**gan, "prior_hidden": prior_hidden[family], "prior_iterations": prior_iterations}
    priors = runner.fit_experiments([runner.Experiment("imsat", train, imsat, seeds, evaluate_on=test)
                                     for train, test in sets.values()], profile=profile, out=save_records_to or None,
                                    batch_seeds=batch_seeds, resume=resume)
    gans = runner.fit_experiments([experiment for name, (train, test) in sets.items() for experiment in (
        runner.Experiment("clustergan", train, gan, seeds, evaluate_on=test),
        runner.Experiment("simi-clustergan", train, simi, seeds, evaluate_on=test,
                          fit_options=lambda seed, name=name: {"prior": priors.model("IMSAT", name, seed)}),
    )], profile=profile, out=save_records_to or None, batch_seeds=batch_seeds, resume=resume)
    return priors + gans


mnist = {name: (data.load(name, split="train", value_range=(-1.0, 1.0), rows=n_train or None),
                data.load(name, split="test", value_range=(-1.0, 1.0), rows=n_test or None)) for name in imbalanced}
mnist_results = fit(mnist, "mnist", mnist_architecture)

# %% [markdown]
# ### Beside SIMI-ClusterGAN Table VI
#
# SIMI-ClusterGAN prints one number per cell (from 5 runs, §IV-C); here the
# median [min, max] over runs, with purity. IMSAT's row is the prior
# SIMI-ClusterGAN draws its codes from (Table VI does not report it).

# %% tags=["hide-input"]
table_vi = dict(tables=[("simi-clustergan", "VI")])
display(report.compare(mnist_results, metrics=("acc", "purity", "nmi", "ari"), **table_vi).loc[imbalanced])
long_records = [r for method in ("simi-clustergan", "clustergan") for name in imbalanced
                for r in report.committed(method, name) if r["profile"] == "long"]
display(Markdown(report.committed_sentences(long_records) if long_records
                 else report.committed_command("simi-clustergan", imbalanced[0], profile="long", seeds=3)))
plots.per_seed(mnist_results, paper=report.paper_values(mnist_results, **table_vi),
               title=f"imbalanced MNIST, one dot per run ({profile} profile)")
plt.show()
for shown, steps in ((mnist_results.where("IMSAT"), "IMSAT minibatches"),
                     (mnist_results.where(["ClusterGAN", "SIMI-ClusterGAN"]), "generator steps")):
    plots.metric_over_training(shown, x_label=steps, committed=report.committed_like(shown),
                               paper=report.paper_values(shown, **table_vi), title="imbalanced MNIST, ACC against training compute")
    plt.show()

# %% [markdown]
# ### Which minority digits each method generates (SIMI-ClusterGAN Figs. 11 and 13)
#
# One row per code $z_M$, ten draws of $z_n$ each. A row's label is the digit
# most of the real test images the encoder assigns to that code belong to,
# their share, and how many there are: a minority digit with no row of its
# own is one the generator does not produce.

# %% tags=["hide-input"]
for name, (_, test) in mnist.items():
    for variant in ("ClusterGAN", "SIMI-ClusterGAN"):
        model = mnist_results.model(variant, name, seeds[0])
        classes = metrics.code_classes(model.predict_proba(test.inputs).argmax(1), test.labels, model.n_clusters)
        labels = [f"{c} ({share:.0%} of {n})" if c >= 0 else "empty" for c, share, n in classes]
        plots.image_grid(model.generate(range(model.n_clusters), n=10, seed=0), model.n_clusters,
                         title=f"{variant} on {name}: rows = codes z_M", row_labels=labels, value_range=(-1, 1))
        plt.show()
        majority = {c for c, share, _ in classes if c >= 0 and share >= 0.5}
        print(f"{variant} on {name}: digits with a code of their own (majority >= 50%): {sorted(majority)}; "
              f"missing: {sorted(set(range(10)) - majority)}")

# %% [markdown]
# ## The USPS variants
#
# SIMI-ClusterGAN does not report these sets; they show the same methods as
# the class sizes grow apart (uniformity index from 1.000 to 0.985). The
# figure under the table holds the median ACC of each method on each
# variant, in the order of the parameter `usps`.

# %%
usps_results = fit({name: (usps_set, usps_set) for name in usps
                    for usps_set in [data.load(name, value_range=(-1.0, 1.0))]}, "usps", usps_architecture)

# %% tags=["hide-input"]
display(report.compare(usps_results, metrics=("acc", "purity", "nmi", "ari")).loc[usps])
plots.heatmap(report.medians(usps_results, "acc").unstack("dataset")[usps], title=f"median ACC ({profile} profile)")
plt.show()
