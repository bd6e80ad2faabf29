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
# # Classical baselines on MNIST
#
# k-means, a Gaussian mixture (diagonal covariances: full ones are singular
# on pixels that never change), spectral clustering on a sparse, symmetrised
# 10-nearest-neighbour affinity graph, agglomerative clustering (Ward
# linkage) and NMF (the cluster of an image is the argmax of its 10-component
# code), all from scikit-learn on the 70 000 digits (train and test pooled,
# pixels in [0, 1]), as the baseline rows of PFCA {cite}`gan2021pfca`
# Table I, Dual-AAE {cite}`ge2021dualaae` Table I and SIMI-ClusterGAN
# {cite}`dam2021simi` Table II.
#
# **Large inputs.** Where a method is given `fit_samples`, it is fitted on
# that many images drawn at random (seeded); the other images are labelled
# by the method's own rule (k-means, mixture, NMF) or, for spectral and
# agglomerative clustering, which have none, by the label of their nearest
# fitted image. The paper profile fits every method on all 70 000 images
# (agglomerative clustering then merges along a 10-nearest-neighbour
# graph, since unrestricted Ward linkage needs memory quadratic in the number
# of images); the quick profile fits k-means with one start and the slower
# methods on random subsets, as the line above the table states.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

# The 70 000 MNIST digits (28x28); each baseline's hyperparameters (the estimators' defaults otherwise)
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # PFCA reports min / max / median over runs
baselines = {
    "kmeans": {"n_init": 10},
    "gmm": {"covariance_type": "diag"},
    "spectral": {"n_neighbors": 10},
    "agglomerative": {"n_neighbors": 10},
    "nmf": {},
}

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, plots, reference, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %%
mnist = data.load("mnist", split="all")
# Agglomerative clustering of all the images involves no randomness: one run says everything.
experiments = [runner.Experiment(name, mnist, params, seeds=seeds[:1] if name == "agglomerative"
                                 and params.get("fit_samples") is None else seeds)
               for name, params in baselines.items()]
results = runner.fit_experiments(experiments, profile=profile, out=save_records_to or None,
                                 batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Beside the papers' baseline rows
#
# For each baseline: the cells of the three papers that report it on MNIST
# (PFCA Table I: median [min, max]; Dual-AAE Table I; SIMI-ClusterGAN
# Table II), then this execution (median [min, max] over seeds) and the
# committed paper-profile records. A `*` marks a number the paper quotes
# from earlier work, whose protocols (subsets, affinities, features)
# differ; Dual-AAE's spectral entry is N-Cuts (normalised cuts).

# %% tags=["hide-input"]
TABLES = [("pfca", "I"), ("dual-aae", "I"), ("simi-clustergan", "II")]
fitted = {runner.DISPLAY_NAMES[name]: params.get("fit_samples") or "all 70 000" for name, params in baselines.items()}
display(Markdown(f"This execution ({profile} profile) fitted " + ", ".join(f"{v} on {n}" for v, n in fitted.items())
                 + " images."))
display(report.compare(results, tables=TABLES, printed=reference.BASELINE_NAMES).fillna(""))
missing = [runner.DISPLAY_NAMES[name] for name in baselines if not report.committed(name, "mnist")]
if missing:
    display(Markdown(f"No paper-profile record of {', '.join(missing)} on MNIST is committed yet: run this notebook "
                     "at the paper profile (records go to `results/mnist`) and commit them."))

# %% tags=["hide-input"]
paper = report.paper_values(results, TABLES, printed=reference.BASELINE_NAMES)
plots.per_seed(results, paper=paper,
               title=f"classical baselines on MNIST (70 000 digits), ACC per seed ({profile} profile)")
plt.show()
