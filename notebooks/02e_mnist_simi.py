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
# # IMSAT, ClusterGAN and SIMI-ClusterGAN on MNIST and Fashion-MNIST
#
# **ClusterGAN** draws $z = (z_n, z_M)$, Gaussian noise $z_n \sim
# \mathcal N(0, \sigma^2 I)$ with $\sigma = 0.1$ and a uniform one-hot code
# $z_M$; a WGAN-GP critic pulls $G(z)$ onto the data, and an encoder $E$
# learns with $G$ to recover $(z_n, z_M)$ from $G(z)$ (cycle losses $J_{ce}$,
# $J_{mse}$, weighted 10 and 10; SIMI-ClusterGAN Eq. 2-4). Real images are
# clustered by k-means on $E(x)$.
#
# **SIMI-ClusterGAN** {cite}`dam2021simi` (SIMI-ClusterGAN Algorithm 1) first
# learns a prior network $P_\phi$ with **IMSAT** (phase 1): an MLP
# 784-1200-1200-10 trained to give the same prediction on an image and on a
# virtual adversarial perturbation of it (norm 0.25 times the distance to the
# 10th nearest neighbour, as IMSAT's reference), while maximising the mutual
# information between images and clusters (Eq. 7-11; $\beta_p = 0.1$,
# $\beta_{mu} = 4$, Adam 0.002); on Fashion-MNIST random affine distortions
# are added (SIMI-ClusterGAN §IV-C). IMSAT alone is a clustering method
# (argmax $P_\phi$) and is shown beside the other two. Phase 2 is ClusterGAN
# whose codes $z_M$ are $P_\phi$'s assignments of the real minibatch
# (Eq. 12), with three added losses: reconstruction
# $J_{rec} = \lVert x - G(E(x)) \rVert$ (Eq. 13), the prior cross-entropy
# $J_{pce}$ between $E(x)$ and $P_\phi$'s assignment (Eq. 14), and the
# cross-modality loss $J_{cm}$ (Eq. 15), weighted 1, 10 and 1, Adam
# $10^{-4}$ with betas (0.5, 0.999). Each SIMI-ClusterGAN run reuses the
# IMSAT run of its dataset and seed as its $P_\phi$.
#
# **Where SIMI-ClusterGAN is silent** (each a parameter of
# `advclust.methods.IMSAT`, `ClusterGAN`, `SIMIClusterGAN`; their docstrings
# list them): iteration counts and batch sizes are the reference
# implementations' (IMSAT: 50 epochs of batch 250; ClusterGAN: 200 epochs of
# batch 64, 5 critic steps per generator step); $\beta_{mu}$ multiplies
# $H(Y)$ as in IMSAT's code (Eq. 10 prints it on $H(Y|X)$); the norms of
# Eq. 3, 13 and 15 are mean squared errors; $G(E(x))$ feeds the softmax of
# $E$'s categorical part to $G$. Images are scaled to $[-1, 1]$
# (SIMI-ClusterGAN §IV-B) and every method trains and is scored on the same
# images (all 70 000 in the paper profile). SIMI-ClusterGAN prints one
# number per cell from 5 runs without saying whether it is the best or the
# mean; the tables below give the median [min, max]. The **quick** profile
# shrinks every budget (a subset of the images, one seed, narrower MLP
# networks, a few hundred steps with a learning rate of $10^{-3}$ instead of
# $10^{-4}$, which does not get anywhere in so few steps; the line above the
# first table states the values): its numbers show that the pipeline runs
# and which way the effects go, not the paper's accuracies.
#
# The **long** profile (`params/long.yaml`, committed records under
# `results/mnist`, from `advclust run simi-clustergan mnist --profile long
# --seeds 3 --out results/mnist` on one CPU thread) keeps the paper's phase 1
# exactly and changes one thing in phase 2, for time: the MLP networks
# 256-256 (SIMI-ClusterGAN's networks for low-dimensional data) instead of
# the conv networks, which are far slower per generator step on a CPU core
# (`advclust bench simi-mnist` measures the conv networks' rate). It runs the
# paper's 37 500 generator steps. A first long entry stopped at 10 000; its
# record (kept, and shown apart by its step count) was still rising at the
# end. ClusterGAN's long records (`advclust run clustergan mnist --profile
# long`) are the same phase 2 without P_phi, with the same history: 10 000
# steps first (still rising, kept), then the paper's 37 500. On
# Fashion-MNIST, P_phi learns with §IV-C's affine distortions, as this
# chapter's `prior_augment` has it; the first long SIMI-ClusterGAN record
# there (its parameters say `prior_augment: false`) was made before the
# long entry had them, and is kept as the measurement without them; beside
# a record with them, the lines below name each by its `prior_augment`.
# The lines under the first table say where the records stand, for each
# dataset this execution ran (results/fashion-mnist for Fashion-MNIST), or
# give the command that makes them where none is committed.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# SIMI-ClusterGAN §IV-B; every other hyperparameter is the estimators' default (SIMI-ClusterGAN's)
datasets = ["mnist", "fashion-mnist"]  # SIMI-ClusterGAN Table II columns run here
seeds = [0, 1, 2, 3, 4]  # SIMI-ClusterGAN reports 5 runs
n_train = 0  # images per dataset (0: all 70 000, train and test pooled as SIMI-ClusterGAN Table I counts them)
architecture = "conv"  # ClusterGAN's conv G/D/E for 28x28 (SIMI-ClusterGAN §IV-B); "mlp": MLPs of `hidden`
hidden = [256, 256]  # widths of the "mlp" networks
n_iterations = 37500  # generator steps: ClusterGAN's 200 epochs of batch 64, 5 critic batches per step
lr = 1e-4  # Adam learning rate of G, D and E (SIMI-ClusterGAN §IV-B)
prior_hidden = [1200, 1200]  # P_phi d-1200-1200-M (SIMI-ClusterGAN §IV-B)
prior_iterations = 14000  # IMSAT's 50 epochs of 70 000 in batches of 250
prior_augment = {"mnist": False, "fashion-mnist": True}  # SIMI-ClusterGAN §IV-C: affine distortions for Fashion-MNIST
ablation_seeds = [0, 1, 2, 3, 4]  # Table IV's loss ablation on Fashion-MNIST (a subset of seeds: it reuses their P_phi)
uniform_seeds = [0, 1, 2, 3, 4]  # Table V's uniform-prior SIMI-ClusterGAN on MNIST (a subset of seeds)
sigmas = [0.1, 0.4, 0.7, 1.0]  # Fig. 9: sigma of z_n for ClusterGAN and SIMI-ClusterGAN on MNIST
sigma_seeds = [0]  # a subset of seeds
kmeans_n_init = 10  # k-means starts on the encoder output
eval_every = 3750  # generator steps between evaluations (ACC over training): every 20 of ClusterGAN's 200 epochs
prior_eval_every = 1400  # IMSAT minibatches between evaluations: every 5 of its 50 epochs

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, metrics, plots, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %%
images = {name: data.load(name, split="all", value_range=(-1.0, 1.0), rows=n_train or None) for name in datasets}
gan = dict(architecture=architecture, hidden=hidden, n_iterations=n_iterations, lr=lr, kmeans_n_init=kmeans_n_init,
           eval_every=eval_every, device=device, progress=progress)
imsat = runner.fit_experiments(
    [runner.Experiment("imsat", dataset, dict(hidden=prior_hidden, n_iterations=prior_iterations, device=device,
                                              augment=prior_augment.get(name, False), eval_every=prior_eval_every,
                                              progress=progress), seeds=seeds)
     for name, dataset in images.items()], profile=profile, out=save_records_to or None,
                               batch_seeds=batch_seeds, resume=resume)


def simi(name: str, seeds: list[int], variant: str = "SIMI-ClusterGAN", **changes) -> runner.Experiment:
    """SIMI-ClusterGAN on ``name`` with ``changes`` to its parameters, each seed reusing that seed's IMSAT as P_phi."""
    params = dict(gan, prior_hidden=prior_hidden, prior_iterations=prior_iterations,
                  prior_augment=prior_augment.get(name, False), **changes)
    return runner.Experiment("simi-clustergan", images[name], params, seeds=seeds, variant=variant,
                             fit_options=lambda seed: {"prior": imsat.model("IMSAT", name, seed)})


main = imsat + runner.fit_experiments(
    [experiment for name, dataset in images.items()
     for experiment in (runner.Experiment("clustergan", dataset, gan, seeds=seeds), simi(name, seeds))],
    profile=profile, out=save_records_to or None, batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Learning curves
#
# ACC over training of every run (median over seeds, the band from the worst
# to the best seed), then IMSAT (phase 1) and ClusterGAN and SIMI-ClusterGAN
# (phase 2) on the first dataset, first seed. Under each figure, each of its
# lines against k-means on the same dataset's pixels (committed
# paper-profile records, chapter 2c's protocol): the first evaluation at
# which the median over seeds reaches it, and after how many minutes, or
# that none did.

# %% tags=["hide-input"]
for shown, steps in ((main.where("IMSAT"), "IMSAT minibatches"), (main.where(["ClusterGAN", "SIMI-ClusterGAN"]), "generator steps")):
    earlier = report.committed_like(shown)
    plots.metric_over_training(shown, x_label=steps, committed=earlier,
                               paper=report.paper_values(shown, [("simi-clustergan", "II")]), title="ACC against training compute")
    plt.show()
    for name in datasets:  # where each line of the figure passes k-means on the same pixels, if it does
        display(Markdown(report.versus_baseline([*shown.records, *earlier], name, steps=steps)))
plt.show()
first = datasets[0]
plots.learning_curves(main.model("IMSAT", first).history_, plots.IMSAT_CURVES, title=f"IMSAT on {first}")
plt.show()
for variant in ("ClusterGAN", "SIMI-ClusterGAN"):
    plots.learning_curves(main.model(variant, first).history_, plots.CLUSTERGAN_CURVES, title=f"{variant} on {first}")
    plt.show()

# %% [markdown]
# ## Beside SIMI-ClusterGAN Table II
#
# SIMI-ClusterGAN prints one number per method and dataset, from 5 runs
# (IMSAT is not in Table II: on these datasets it is shown for what phase 1
# alone reaches). ACC is Hungarian-matched; purity beside it.

# %% tags=["hide-input"]
display(Markdown(f"This execution ({profile} profile): {len(seeds)} seed(s), {len(images[first])} images per "
                 f"dataset, P_phi {prior_hidden} for {prior_iterations} minibatches, {architecture} networks for "
                 f"{n_iterations} generator steps at learning rate {lr}."))
display(report.compare(main, tables=[("simi-clustergan", "II")], metrics=("acc", "purity", "nmi", "ari")))
long_records, missing = [], []
for name in datasets:  # the long records of both methods on each dataset this execution ran, or how to make them
    for method in ("simi-clustergan", "clustergan"):
        found = [r for r in report.committed(method, name) if r["profile"] == "long"]
        long_records += found
        missing += [] if found else [report.committed_command(method, name, profile="long", seeds=3)]
if long_records:
    display(Markdown(report.committed_sentences(long_records)))
if missing:
    display(Markdown("\n".join(f"- {line}" for line in missing)))
simi_bench = report.benchmark("simi-mnist")  # why the long profile trains MLPs: the conv networks' rate on this CPU
if long_records and simi_bench and "networks" in simi_bench["results"]["simi-mnist"]:
    networks = simi_bench["results"]["simi-mnist"]["networks"]
    conv, (mlp_label, mlp) = networks["conv"], next((k, v) for k, v in networks.items() if k != "conv")
    display(Markdown(
        f"Why the long records train MLPs (`advclust bench simi-mnist`, `{simi_bench['file']}`, one CPU thread): "
        f"phase 2 runs {conv['phase2_iterations_per_second']['median']:.2f} generator steps per second with the "
        f"paper's conv networks and {mlp['phase2_iterations_per_second']['median']:.1f} with the MLPs "
        f"{mlp_label.removeprefix('mlp_').replace('_', '-')}, so "
        f"the paper's 37 500 steps take {conv['projected_paper_phase2_hours']:.0f} h per seed against "
        f"{mlp['projected_paper_phase2_hours']:.1f} h. The numbers SIMI-ClusterGAN Table II prints for ClusterGAN "
        "and SIMI-ClusterGAN come from the conv networks; where the long records fall short of them, the networks "
        "are the first difference to suspect, and this CPU cannot run the conv networks' budget to rule it out."))
plots.per_seed(main, paper=report.paper_values(main, [("simi-clustergan", "II")]),
               title=f"ACC per seed ({profile} profile)")
plt.show()

# %% [markdown]
# ## Loss ablation on Fashion-MNIST (SIMI-ClusterGAN Table IV)
#
# SIMI-ClusterGAN with only some of its losses, all with the learned prior:
# the cycle losses alone, then adding $J_{rec}$, then $J_{cm}$, then all
# (the last row is the SIMI-ClusterGAN runs above).

# %%
ABLATION = {
    "J_ce + J_mse": dict(alpha_re=0.0, alpha_pcl=0.0, alpha_cm=0.0),
    "J_ce + J_mse + J_rec": dict(alpha_pcl=0.0, alpha_cm=0.0),
    "J_ce + J_mse + J_rec + J_cm": dict(alpha_pcl=0.0),
}
if "fashion-mnist" in images:
    ablation = runner.fit_experiments([simi("fashion-mnist", ablation_seeds, variant, **weights)
                                       for variant, weights in ABLATION.items()],
                                      profile=profile, out=save_records_to or None,
                                      batch_seeds=batch_seeds, resume=resume)
    display(report.compare(ablation + main.where("SIMI-ClusterGAN", "fashion-mnist"),
                           tables=[("simi-clustergan", "IV")], printed={"SIMI-ClusterGAN": "all losses"}))

# %% [markdown]
# ## Uniform prior (SIMI-ClusterGAN Table V)
#
# SIMI-ClusterGAN with $z_M$ drawn uniformly as in ClusterGAN: $P_\phi$ takes
# no part in the adversarial game but still gives $J_{pce}$ its targets.

# %%
if "mnist" in images:
    uniform = runner.fit_experiments(simi("mnist", uniform_seeds, "SIMI-ClusterGAN w/o P_phi", prior="uniform"),
                                     profile=profile, out=save_records_to or None,
                                     batch_seeds=batch_seeds, resume=resume)
    display(report.compare(main.where(["ClusterGAN", "SIMI-ClusterGAN"], "mnist") + uniform,
                           tables=[("simi-clustergan", "V")]))

# %% [markdown]
# ## ACC as $\sigma$ of $z_n$ varies (SIMI-ClusterGAN Fig. 9)
#
# SIMI-ClusterGAN reports that ClusterGAN loses accuracy as $\sigma$ grows to
# 1 while SIMI-ClusterGAN does not. Here on MNIST, $\sigma = 0.1$ being the
# runs above.

# %%
if "mnist" in images:
    sweep = runner.fit_experiments(
        [experiment for sigma in sigmas if sigma != 0.1
         for experiment in (runner.Experiment("clustergan", images["mnist"], {**gan, "sigma": sigma}, seeds=sigma_seeds,
                                              variant=f"ClusterGAN, sigma {sigma}"),
                            simi("mnist", sigma_seeds, f"SIMI-ClusterGAN, sigma {sigma}", sigma=sigma))],
        profile=profile, out=save_records_to or None, batch_seeds=batch_seeds, resume=resume)
    plots.metric_by_parameter(main.where(["ClusterGAN", "SIMI-ClusterGAN"], "mnist") + sweep, "sigma",
                              x_label="sigma of z_n", title=f"MNIST, this execution ({profile} profile)")
    plt.show()

# %% [markdown]
# ## Generated samples per cluster (SIMI-ClusterGAN Figs. 2 and 3) and interpolation (Fig. 7)
#
# Each row is one code $z_M$, with 10 draws of $z_n$; its label is the
# class most of the real images that the encoder assigns to that code
# belong to, and their share: a row of one kind of image under a label with
# a high share is a pure cluster. Then the interpolation
# $z = (z_n, \tau z_M^1 + (1 - \tau) z_M^2)$ with $z_n$ fixed, $\tau$ from 1
# to 0, between pairs of codes.

# %% tags=["hide-input"]
for name, dataset in images.items():
    for variant in ("SIMI-ClusterGAN", "ClusterGAN"):
        model = main.model(variant, name)
        codes = model.predict_proba(dataset.inputs).argmax(1)  # each image's one-hot code z_M
        classes = metrics.code_classes(codes, dataset.labels, model.n_clusters)
        plots.image_grid(model.generate(range(model.n_clusters), n=10, seed=0), model.n_clusters,
                         title=f"{variant} on {name}: rows = codes z_M", value_range=(-1, 1),
                         row_labels=[f"{c} ({share:.0%})" if c >= 0 else "empty" for c, share, _ in classes])
        plt.show()
    model = main.model("SIMI-ClusterGAN", name)
    pairs = [(i, (i + 1) % model.n_clusters) for i in range(0, model.n_clusters, 2)]
    plots.image_grid([model.interpolate(a, b, steps=10, seed=0) for a, b in pairs],
                     title=f"SIMI-ClusterGAN on {name}: interpolation between codes",
                     row_labels=[f"{a} -> {b}" for a, b in pairs], value_range=(-1, 1))
    plt.show()

# %% [markdown]
# What this execution shows, computed from its runs:

# %% tags=["hide-input"]
acc = report.medians(main)
paper = report.paper_values(main, [("simi-clustergan", "II")])
gans = ("ClusterGAN", "SIMI-ClusterGAN")
display(Markdown("\n".join(
    f"- **{name}**: median ACC " + ", ".join(f"{v} {acc[(name, v)]:.3f}" for v in ("IMSAT", *gans))
    + " (SIMI-ClusterGAN Table II: " + ", ".join(f"{v} {paper[(name, v)]}" for v in gans) + ")." for name in datasets)
    + f"\n\nThese are {profile}-profile runs; the paper's numbers come from its full protocol (the parameters "
      "cell's defaults)."))
