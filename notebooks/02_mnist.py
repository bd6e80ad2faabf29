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
# # MNIST
#
# MNIST is the one dataset all four papers report. This chapter has one
# section per method, each beside the table of the paper that reports it:
#
# - **PFCA** {cite}`gan2021pfca` on MNIST and Fashion-MNIST with the
#   convolutional networks of its Fig. 2, beside its Tables I and II, with
#   the learning curves of Fig. 3 and the stability of Fig. 4;
# - **DCAN** {cite}`lim2021dcan` on 14x14 MNIST, beside its Table 2, with a
#   k-means control on the same pixels;
# - **the classical baselines** (k-means, Gaussian mixture, spectral and
#   agglomerative clustering, NMF) on the 70 000 28x28 digits, beside the
#   baseline rows of PFCA Table I, Dual-AAE {cite}`ge2021dualaae` Table I
#   and SIMI-ClusterGAN {cite}`dam2021simi` Table II;
# - **Dual-AAE** with its two ablations (without the clustering
#   regularisation, and the AAE baseline) on 28x28 MNIST, beside Dual-AAE
#   Tables I, II and IV and in the manner of its Figs. 3, 4, 6, 7 and 8,
#   then its probes: the paper's networks or narrower ones per CPU-second
#   (committed records, nothing trained), and the benchmark of the two
#   layers the networks compute as matrix products;
# - **IMSAT, ClusterGAN and SIMI-ClusterGAN** on MNIST and Fashion-MNIST,
#   beside SIMI-ClusterGAN Tables II, IV and V and its Figs. 2, 3, 7 and 9.
#
# The defaults in each section's parameters cell are the papers' settings
# (the **paper** profile). The **quick** profile, which CI uses, trains PFCA
# with narrow networks for a few hundred iterations, runs DCAN's full
# protocol (it is cheap) with fewer seeds, fits the slower baselines on
# random subsets, and shrinks Dual-AAE and the ClusterGAN family to subsets
# of the images, narrower networks and a few hundred steps; each section
# states its own values. The note at the top of each section says which
# profile produced it; committed records of paper-profile runs (`results/`)
# are shown beside it where they exist.
#
# The digits, and the Fashion-MNIST articles that PFCA and SIMI-ClusterGAN
# also cluster (pixels in [0, 1], as PFCA, DCAN, Dual-AAE and the baselines
# see them; SIMI-ClusterGAN maps them to [-1, 1]):

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # unused here: this page trains nothing
device = "auto"  # unused here
save_records_to = ""  # unused here: the sections write the records
cpu_threads = 0  # unused here

# %% tags=["hide-input"]
import matplotlib.pyplot as plt

from advclust import data, plots

for name in ("mnist", "fashion-mnist"):
    first = data.load(name, split="train", rows=200)
    plots.image_grid([first.inputs[first.labels == k][:6] for k in range(first.n_clusters)],
                     row_labels=[f"class {k}" for k in range(first.n_clusters)],
                     title=f"{name}: the first training images of each class")
    plt.show()
