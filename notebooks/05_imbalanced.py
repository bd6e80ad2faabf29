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
# Real classes are rarely the same size. PFCA {cite}`gan2021pfca` draws its
# cluster ids from a uniform prior, and ClusterGAN draws its codes
# uniformly, so both assume clusters of equal size; SIMI-ClusterGAN
# {cite}`dam2021simi` draws its codes from a prior learned on the data
# instead. This chapter measures what unequal sizes do to them, on two
# families of data sets described on this page:
#
# - *PFCA and the uniformity index*: PFCA on five
#   USPS variants, against their uniformity index (PFCA §IV-F, Fig. 5a and
#   Table V);
# - *SIMI-ClusterGAN and ClusterGAN on imbalanced data*:
#   both methods on imbalanced MNIST (SIMI-ClusterGAN §IV-G, Table VI and
#   Figs. 11 and 13) and on the same USPS variants.
#
# **The uniformity index** of a data set with class proportions $p_i$ over
# $n$ classes is the normalised entropy of those proportions,
#
# $$UI = \frac{-\sum_i p_i \ln p_i}{\ln n},$$
#
# 1 for a balanced set and smaller the more the sizes differ.
#
# **The USPS variants** (PFCA supplement Table I) are built from the 9 298
# USPS digits (16x16), training and test images pooled, since the class
# sizes the paper quotes (1 553 and 708) are those of the pooled set: the
# largest classes are cut down in steps of 100 images until all ten have
# 700 (`usps700`, balanced). Which images a variant keeps is drawn with a
# fixed seed (`advclust data list`).
#
# **Imbalanced MNIST** (SIMI-ClusterGAN §IV-G): the training set keeps 10%
# of the digit 0 (one minority class, `mnist-imbalanced-1`), or 10%, 30%
# and 50% of the digits 1, 3 and 5 (three, `mnist-imbalanced-3`); the
# methods are scored on the full, balanced 10 000 test images.
#
# This page trains nothing; it loads each set and counts its classes.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # unused: this page trains nothing
device = "auto"  # unused: this page trains nothing
save_records_to = ""  # unused: this page trains nothing
cpu_threads = 0  # unused: this page trains nothing

usps_variants = ["usps1500", "usps1200", "usps900", "usps800", "usps700"]  # PFCA supplement Table I
imbalanced_mnist = ["mnist-imbalanced-1", "mnist-imbalanced-3"]  # SIMI-ClusterGAN §IV-G

# %% tags=["hide-input"]
from IPython.display import Markdown, display

from advclust import data, reference, report

# %% [markdown]
# ## The USPS variants
#
# Images per class and UI of each variant as loaded here, beside the UI the
# supplement's Table I prints.

# %% tags=["hide-input"]
usps = report.class_balance([data.load(name) for name in usps_variants],
                            paper_ui=reference.table("pfca", "supp-I")["ui"])
display(usps.round(3))
display(Markdown(f"From `{usps.index[0]}` to `{usps.index[-1]}` the uniformity index goes from "
                 f"{usps['UI'].iloc[0]:.3f} to {usps['UI'].iloc[-1]:.3f}: the sets differ in the size of "
                 "their largest classes, not in the number of classes."))

# %% [markdown]
# ## Imbalanced MNIST
#
# Images per digit and UI of the training sets (the test set is MNIST's
# balanced 10 000 images).

# %% tags=["hide-input"]
display(report.class_balance([data.load(name, split="train") for name in imbalanced_mnist]).round(3))
