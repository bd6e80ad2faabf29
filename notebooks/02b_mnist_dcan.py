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
# # DCAN on 14x14 MNIST
#
# DCAN {cite}`lim2021dcan` trains an encoder $G$: $x \mapsto z$ against a discriminator
# $D$ in the latent space. A hard-assignment Gaussian mixture
# $p(z \mid \theta)$ (Appendix A.6: means $\eta_k$, per-dimension
# precisions $\tau_k$, weights $\psi_k$) clusters the latent points; $D$
# learns to output 1 for a draw from the Gaussian that a point is assigned
# to and 0 for the encoder's output, and the encoder is trained through $D$
# to make its outputs look like those draws (Eq. 1; Eq. 18 for the
# encoder). Every iteration first re-estimates the mixture by one clustering
# iteration on 600 freshly encoded points (Section 3: "clustering iteration
# to one ... at least 600 points"). The cluster of an input is its
# mixture assignment.
#
# **The paper's settings** (Section 3): MNIST downsampled to 14x14 = 196
# pixels, 50 000 training and 10 000 test images; encoder 196-384-256 and
# discriminator 256-16-1, tanh hidden layers and a sigmoid output; minibatch
# 16; 500 iterations; gradient steps with momentum at a learning rate
# between $10^{-5}$ and $10^{-3}$; 10 clusters.
#
# **Where the paper is silent**, `advclust.methods.DCAN` chooses (each a
# parameter): the learning rate $10^{-3}$ (the top of the range) with
# momentum 0.9 for both networks; the latent layer is tanh like every hidden
# layer of Eq. 14; the encoder starts from Glorot weights with tanh's gain
# (with PyTorch's default the latent points are so close together that the
# mixture merges all clusters into one before training starts), the
# discriminator from PyTorch's default; no pretraining (the paper describes
# no decoder); the mixture starts from the best of 10 k-means++ seedings,
# each followed by 20 clustering iterations on 10 000 encoded images; each
# iteration takes one discriminator step on both terms of Eq. 1, then one
# encoder step on Eq. 18 (the saturating $\ln(1 - D(G(x)))$ as printed).
#
# **Eq. 22 or the Gaussian density.** The printed assignment rule (Eq. 22)
# scores cluster $k$ by $\ln \psi_k - \frac12 \lVert z - \eta_k \rVert^2$,
# leaving the precisions out, while Eqs. 5 and 19 pick the component of
# highest Gaussian density, precisions included. The estimator follows
# Eqs. 5 and 19 by default (`assign_with_precision=True`: the rule does not
# depend on the scale of the latent space); the variant "Eq. 22 as printed"
# is run beside it (both are in `advclust.reference.VARIANTS["dcan"]`, beside the variants
# that the section "DCAN: the printed protocol, and what it leaves out" measures).
#
# The paper does not say on which images its ACC is measured; the table
# shows the 10 000 test images (the run records' metric) and, as an extra
# metric recorded with each run, the 50 000 training images. DCAN is cheap
# at the paper's settings, so the **quick** profile keeps them and only runs
# fewer seeds.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# DCAN §3; every other hyperparameter is the estimator's default (the paper's, see above)
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # runs per variant (the paper does not say how many it ran)
n_iterations = 500  # DCAN §3
lr = 0.001  # the top of the paper's range [1e-5, 1e-3]
eval_every = 50  # evaluate on the test set every this many iterations (history only)
variants = ["DCAN", "DCAN, Eq. 22 as printed"]  # names of reference.VARIANTS["dcan"]; the others: section 02f

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, plots, reference, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %%
train = data.load("mnist", split="train", size=14, rows=50000)  # the first 50 000 training images
test = data.load("mnist", split="test", size=14)
print(f"training: {tuple(train.inputs.shape)}, test: {tuple(test.inputs.shape)}")

# %% [markdown]
# Both variants over the seeds, then a control on the very same inputs:
# k-means (one k-means++ start) fitted on the 50 000 training images and
# scored on the 10 000 test images. DCAN starts from a clustering of much
# the same quality (k-means in the latent space of its random encoder);
# what the adversarial training adds is the difference.

# %%
train_acc = {"train_acc": lambda model, _: model.evaluate(train.inputs, train.labels)["acc"]}
params = dict(n_iterations=n_iterations, lr=lr, eval_every=eval_every, device=device, progress=progress)
experiments = [runner.Experiment("dcan", train, {**params, **reference.VARIANTS["dcan"][variant]}, seeds=seeds,
                                 variant=variant, evaluate_on=test, extra_metrics=train_acc)
               for variant in variants]
experiments.append(runner.Experiment("kmeans", train, {"n_init": 1}, seeds=[0], evaluate_on=test,
                                     variant="k-means on the same 14x14 pixels", extra_metrics=train_acc))
results = runner.fit_experiments(experiments, profile=profile, out=save_records_to or None,
                                 batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Training dynamics
#
# Test ACC over training for every run (median over seeds, the band from the
# worst to the best seed). Then one run per variant (the first seed): the
# discriminator's mean output on the positive draws and on the encoder's
# outputs, the two losses, the smallest mixture weight (a weight of 0 is a
# cluster that has emptied), and ACC/NMI/ARI on the test images.

# %% tags=["hide-input"]
shown = results.where(variant=variants)
plots.metric_over_training(shown, committed=report.committed_like(shown), paper=report.paper_values(shown, [("dcan", "2")]),
                           x_label="iterations (one D and one encoder step each)", title="DCAN, test ACC against training compute")
plt.show()
for variant in variants:
    plots.learning_curves(results.model(variant, seed=seeds[0]).history_, plots.DCAN_CURVES,
                          title=f"{variant}, seed {seeds[0]}", x_label="iterations (one D and one encoder step each)")
    plt.show()

# %% [markdown]
# ## Beside DCAN Table 2
#
# The paper's Table 2 (MNIST column) with this execution's runs (median
# [min, max] over seeds; ACC on the test images, "TRAIN_ACC" on the training
# images) and committed paper-profile records where they exist.

# %% tags=["hide-input"]
display(report.compare(results, tables=[("dcan", "2")], metrics=("acc", "train_acc", "nmi", "ari")))
if not report.committed("dcan", "mnist"):
    display(Markdown(report.committed_command("dcan", "mnist")))
plots.per_seed(results, paper=report.paper_values(results, [("dcan", "2")]),
               title=f"DCAN on 14x14 MNIST, test ACC per seed ({profile} profile)")
plt.show()

# %% tags=["hide-input"]
medians = report.medians(results)["mnist"]
paper = reference.reported(paper="dcan", table="2", dataset="mnist", method="DCAN")["value"].item()
display(Markdown(
    f"The paper reports ACC {paper} for DCAN on MNIST. This execution's median test ACC ({profile} profile) is "
    + ", ".join(f"{medians[v]:.4f} ({v})" for v in variants)
    + f", against {medians['k-means on the same 14x14 pixels']:.4f} for k-means on the same pixels."))
