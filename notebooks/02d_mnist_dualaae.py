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
# # Dual-AAE and AAE on MNIST
#
# Dual-AAE {cite}`ge2021dualaae` encodes an image $x$ into a category posterior
# $q(y \mid x)$ (a softmax over $K$ clusters), a style code $h$ and a noise
# code $z$, and decodes $(y, h, z)$ back to an image. Its objective (Eq. 10)
# has four parts: the reconstruction of $x$ (the O-AE); the reconstruction of
# the structured code $c = [y, h]$ from images the decoder generates from
# prior draws $y \sim \mathrm{Mult}(1/K)$, $h, z \sim \mathcal{N}(0, I)$ (the
# D-AE, weight $\lambda_1 = 0.1$); a Wasserstein critic matching the
# aggregated posterior of $(h, z)$ to $\mathcal{N}(0, I)$; and the
# clustering regularisation (CR, Eq. 9) $-H[q(y)] + \lambda_2
# \mathbb{E}_x H[q(y \mid x)]$ with $\lambda_2 = 0.5$, which makes each
# posterior confident and the clusters balanced. The cluster of an image is
# $\arg\max_y q(y \mid x)$. The two ablations of Tables I and II are flags of
# the same estimator (`advclust.reference.VARIANTS["dual-aae"]`): **Dual-AAE(without
# CR)** (Eq. 8) drops CR and lets the critic match $y$ too (one critic on
# $[y, h, z]$); **AAE** also drops the D-AE term.
#
# **The paper's settings** (appendix): the InfoGAN-style encoder
# C(64,4,s2)-C(128,4,s2)-C(1024,7)-C(128,1)-FC(10+4) with LeakyReLU(0.1) and
# batch norm, the mirrored decoder with ReLU and a sigmoid output, category
# 10, style 3 and noise 1 (the reference code's 4-d code is these: it
# reconstructs 3 of the 4 dimensions), the critic
# FC(100)-Drop(0.2)-ReLU-FC(100)-Drop(0.2)-ReLU-FC(1), Adam, batch 100, and a
# stacked autoencoder to initialise encoder and decoder.
#
# **Where Dual-AAE is silent**, the reference code's choices (each a parameter of
# `advclust.methods.DualAAE`): every term has its own Adam optimizer, the
# reconstruction at learning rate $10^{-4}$ (encoder and decoder), the D-AE
# at $\lambda_1 \times 10^{-4}$ (the reference applies $\lambda_1$ through the
# step size), the critic, adversarial and CR steps at $5 \times 10^{-5}$;
# the reconstruction is a mean squared error; one critic step per iteration;
# 300 epochs of the 60 000 training images, scored on the 10 000 test images.
# Ours differs in three documented ways: the critic has a **gradient
# penalty** (weight 10) as its Lipschitz constraint (Dual-AAE names WGAN, the
# reference code has no constraint at all); the gradients of all terms are
# taken at the same parameters from one forward pass before each optimizer
# steps (the reference runs one forward pass per term); and the **stacked-AE
# pretraining**, which the reference code does not ship, is
# `pretrain_epochs` epochs of end-to-end reconstruction training
# (not greedy layer by layer).
#
# **The quick profile** (what CI runs) keeps the method and shrinks the
# budget: a random subset of the training images, a few epochs, narrower
# convolutions and learning rates ten times the reference's (with the
# reference's rates nothing separates in a few hundred steps), two seeds per
# variant; the line above the first table states the values this execution
# used. Its numbers show the pipeline and the qualitative behaviour, not the
# paper's accuracy.
#
# **The long profile** (`params/long.yaml`, committed records under
# `results/mnist`, from `advclust run dual-aae mnist --profile long --seeds 3
# --out results/mnist` on one CPU thread) keeps the paper's convolutions and
# the reference code's learning rates, and shortens the budget for time: 15
# epochs instead of 300 (Dual-AAE Fig. 3 has ACC settle within about 20) and
# one pretraining epoch. The probes of the next section measured that these
# networks beat the narrower, faster ones per CPU-second.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# Dual-AAE §IV and appendix; the reference code where Dual-AAE is silent
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # Dual-AAE Table II repeats each method 10 times
n_train = 0  # training images drawn at random (0: all 60 000, as the reference code trains)
n_test = 0  # test images drawn at random and scored (0: all 10 000)
n_iterations = 180000  # the reference code's 300 epochs of 600 batches (Dual-AAE Fig. 3: converged after about 20)
eval_every = 600  # iterations between evaluations on the test images: one epoch of the 60 000
pretrain_epochs = 10  # autoencoder pretraining epochs (Dual-AAE uses a stacked AE; it does not say how long)
batch_size = 100  # the reference code's
conv_channels = [64, 128, 1024, 128]  # Dual-AAE appendix: C(64,4,s2)-C(128,4,s2)-C(1024,7)-C(128,1)
lr = 0.0001  # reconstruction step (the reference code); the D-AE step uses lambda1 * this
adversarial_lr = 0.00005  # critic, adversarial and CR steps (the reference code)
other_k = [7, 12]  # Dual-AAE Fig. 6: the number of clusters set wrongly
tsne_points = 2000  # Dual-AAE Fig. 4: 2 000 test digits

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from sklearn.manifold import TSNE

from advclust import data, metrics, plots, reference, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %%
train = data.load("mnist", split="train", sample=n_train or None)
test = data.load("mnist", split="test", sample=n_test or None)
epoch = len(train) // batch_size  # iterations per epoch
params = dict(conv_channels=conv_channels, lr=lr, adversarial_lr=adversarial_lr, pretrain_epochs=pretrain_epochs,
              batch_size=batch_size, n_iterations=n_iterations, eval_every=eval_every, log_every=eval_every,
              device=device, progress=progress)
# Dual-AAE Table II: modes covered and KL(q(y) || p(y)) on the test images, recorded with each run.
coverage = {"mode_coverage": lambda model, test: metrics.mode_coverage(model.predict_proba(test.inputs))}
variants = list(reference.VARIANTS["dual-aae"])
experiments = [runner.Experiment("dual-aae", train, {**params, **flags}, seeds=seeds, variant=variant,
                                 evaluate_on=test, extra_metrics=coverage)
               for variant, flags in reference.VARIANTS["dual-aae"].items()]
results = runner.fit_experiments(experiments, profile=profile, out=save_records_to or None,
                                 batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Beside Dual-AAE Table I
#
# The MNIST column of Dual-AAE Table I for the three rows this section runs,
# and this execution: median [min, max] over seeds of ACC on the test images,
# with purity, NMI and ARI. Then the committed records of longer profiles,
# each with its last evaluations, and how fast the long records still gained
# ACC at the end, per epoch, beside the pace of Dual-AAE Fig. 3.

# %% tags=["hide-input"]
display(Markdown(f"This execution ({profile} profile): {len(train)} training images, {n_iterations} iterations "
                 f"({n_iterations / epoch:g} epochs), {pretrain_epochs} pretraining epoch(s), encoder channels "
                 f"{conv_channels}, learning rates {lr:g} and {adversarial_lr:g}, {len(seeds)} seed(s) per variant, "
                 f"scored on {len(test)} test images."))
display(report.compare(results, tables=[("dual-aae", "I")], metrics=("acc", "purity", "nmi", "ari")))
longer = report.committed("dual-aae", "mnist")  # longer profiles' records
if longer:
    display(Markdown(report.committed_sentences(longer, steps="iterations") + "\n" + report.pace_sentences(
        longer, ("dual-aae", "I"), settles=", where Dual-AAE Fig. 3 has ACC settle within about 20 epochs in all")))
if not any(record["profile"] == "paper" for record in longer):
    display(Markdown(report.committed_command("dual-aae", "mnist")))

# %% [markdown]
# ## Clustering accuracy over epochs (like Dual-AAE Fig. 3)
#
# Test ACC after each evaluation, the median over seeds (the band spans the
# seeds), then the loss terms of the first Dual-AAE run: both
# reconstructions, the critic's Wasserstein estimate, and the two entropies
# of Eq. 9 (CR raises $H[q(y)]$ towards $\ln K$ and lowers
# $\mathbb{E}\,H[q(y \mid x)]$ towards 0). Under the first figure, each of
# its lines against k-means on the MNIST pixels (committed paper-profile
# records, chapter 2c's protocol): the first evaluation at which the median
# over seeds reaches it, and after how many minutes, or that none did.

# %% tags=["hide-input"]
earlier = report.committed_like(results)
plots.metric_over_training(results, steps_per_unit=report.iterations_per_epoch, x_label="epoch",
                           committed=earlier,
                           paper=report.paper_values(results, [("dual-aae", "I")]), title="ACC against training compute")
plt.show()
display(Markdown(report.versus_baseline([*results.records, *earlier], "mnist")))
dual = results.model("Dual-AAE", seed=seeds[0])
plots.learning_curves(dual.history_, plots.DUALAAE_CURVES, title=f"Dual-AAE, seed {seeds[0]} (x axis: iterations)")
plt.show()

# %% [markdown]
# ## Mode coverage (like Dual-AAE Table II)
#
# Dual-AAE follows unrolled GAN: count the modes covered and measure
# $\mathrm{KL}(q(y) \,\|\, p(y))$ against the uniform prior, over 10 runs.
# Here (`advclust.metrics.mode_coverage`, recorded with each run) $q(y)$ is
# the aggregated posterior, the mean of $q(y \mid x)$ over the test images,
# and a mode is covered when at least one test image has it as its cluster.
# The paper prints mean ± std; this execution median [min, max].

# %% tags=["hide-input"]
display(report.compare(results, tables=[("dual-aae", "II")], metrics=("modes", "kl")))

# %% [markdown]
# ## Reject option (like Dual-AAE Table IV)
#
# An image is rejected when its largest posterior is at most the threshold
# $\gamma$; ACC is measured on the accepted images, with the cluster-to-class
# map of all images (`advclust.metrics.reject_curve`). The table gives the
# mean over the Dual-AAE seeds at Dual-AAE's thresholds; the figure the full
# curve of each variant's first run, with Dual-AAE's four points.

# %% tags=["hide-input"]
display(report.reject_option(results, test, "Dual-AAE"))
curves = {variant: metrics.reject_curve(test.labels, results.model(variant, seed=seeds[0]).predict_proba(test.inputs))
          for variant in variants}
plots.reject_curves(curves, title=f"ACC against rejection rate, this execution ({profile} profile)",
                    marks={"Dual-AAE Table IV": reference.table("dual-aae", "IV").droplevel("method")})
plt.show()

# %% [markdown]
# ## Other numbers of clusters (like Dual-AAE Fig. 6)
#
# Dual-AAE with $K$ = 7 and $K$ = 12 (first seed, otherwise the same
# settings). Each row is one cluster: up to 10 random test images assigned
# to it, labelled with its size. ACC for $K \ne 10$ uses the best one-to-one
# map, so at most $\min(K, 10)$ clusters count as correct.

# %%
other = runner.fit_experiments(
    [runner.Experiment("dual-aae", train, {**params, "n_clusters": k}, seeds=seeds[:1], variant=f"Dual-AAE, K={k}",
                       evaluate_on=test) for k in other_k], profile=profile, out=save_records_to or None,
                               batch_seeds=batch_seeds, resume=resume)

# %% tags=["hide-input"]
for k, record in zip(other_k, other.records):
    assigned = other.model(record["variant"]).predict(test.inputs)
    plots.image_grid([test.inputs[rows] for rows in plots.cluster_members(assigned, k, 10)],
                     row_labels=[f"{int((assigned == c).sum())} images" for c in range(k)],
                     title=f"K = {k}: test ACC {record['metrics']['acc']:.3f}, NMI {record['metrics']['nmi']:.3f} "
                           f"({profile} profile)")
    plt.show()

# %% [markdown]
# ## Generated samples per cluster (like Dual-AAE Fig. 7, bottom)
#
# The first Dual-AAE run's decoder, fed one cluster's one-hot code per row
# and 10 style and noise draws from the prior. Rows are labelled with the
# class the cluster maps to (Hungarian map on the test images).

# %% tags=["hide-input"]
mapping = metrics.cluster_to_class_map(test.labels, dual.predict(test.inputs))
plots.image_grid(dual.generate(range(dual.n_clusters), n=10, seed=0), dual.n_clusters,
                 row_labels=[f"cluster {k} -> {mapping.get(k, '-')}" for k in range(dual.n_clusters)],
                 title=f"Dual-AAE samples, one cluster per row ({profile} profile)")
plt.show()

# %% [markdown]
# ## Style traversals (like Dual-AAE Fig. 8)
#
# One latent variable goes from -2 to 2 (columns) while the others are 0;
# each row is one cluster. Dual-AAE finds width, rotation and the height of
# the centre of gravity in its three style variables, and special fonts in
# the noise.

# %% tags=["hide-input"]
for variable, size in (("style", dual.style_dim), ("noise", dual.noise_dim)):
    for index in range(size):
        plots.image_grid(list(dual.traversal(index, variable=variable)),
                         row_labels=[f"cluster {k}" for k in range(dual.n_clusters)],
                         title=f"{variable} variable {index + 1} from -2 to 2 ({profile} profile)")
        plt.show()

# %% [markdown]
# ## Embeddings (like Dual-AAE Fig. 4)
#
# t-SNE (scikit-learn, PCA initialisation) of random test digits: the raw
# pixels, and the penultimate encoder layer (the 128-d features before the
# latent head, as Dual-AAE does) of the first AAE and Dual-AAE runs,
# coloured by the true digit.

# %% tags=["hide-input"]
shown = data.load("mnist", split="test", sample=tsne_points, sample_seed=1)
panels = {"raw pixels": shown.inputs.flatten(1).numpy(),
          "AAE features": results.model("AAE", seed=seeds[0]).penultimate_features(shown.inputs),
          "Dual-AAE features": dual.penultimate_features(shown.inputs)}
embedded = {name: TSNE(n_components=2, init="pca", random_state=0).fit_transform(values)
            for name, values in panels.items()}
plots.embeddings(embedded, shown.labels.numpy(), title=f"t-SNE of {len(shown)} test digits ({profile} profile)")
plt.show()

# %% [markdown]
# What the numbers say, computed from this execution:

# %% tags=["hide-input"]
display(Markdown(report.dual_aae_summary(results, profile)))
