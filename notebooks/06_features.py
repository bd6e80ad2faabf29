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
# "avg pool" feature space of an ImageNet-pretrained ResNet-50:
#
# - *DCAN on CIFAR-10 features*: DCAN {cite}`lim2021dcan` beside DCAN
#   Table 2, with k-means on the same features (the k-means row of
#   SIMI-ClusterGAN Table III);
# - *Dual-AAE on STL-10 features*: Dual-AAE {cite}`ge2021dualaae` beside
#   Dual-AAE Table I;
# - *SIMI-ClusterGAN and IMSAT on both*: SIMI-ClusterGAN
#   {cite}`dam2021simi` and its IMSAT prior beside SIMI-ClusterGAN Table III.
#
# This page says where the features come from and what the sections do
# when they are missing; it trains nothing.
#
# **Where the features come from.** The features are computed once from the
# images and torchvision's ImageNet-pretrained ResNet-50 weights, and cached
# under the data root (`features/cifar10-all-resnet50.pt` and
# `features/stl10-all-resnet50.pt`, each with a `.json` manifest). The
# 'all' split of CIFAR-10 is its 50 000 training then its 10 000 test
# images (DCAN: 50K / 10K); that of STL-10 its 13 000 labelled images
# (5 000 training and 8 000 test images, pooled as Dual-AAE does after
# VaDE). Both the images and the weights must be downloaded, so machines
# without network access, such as the one that builds this book in CI, do
# not have them. On a machine with network access (a GPU makes the
# extraction minutes) run
#
# ```bash
# advclust data fetch cifar10 --root DIR
# advclust features extract --dataset cifar10 --model resnet50 --split all --root DIR
# advclust data fetch stl10 --root DIR
# advclust features extract --dataset stl10 --model resnet50 --split all --root DIR
# ```
#
# and copy `DIR/features/*-all-resnet50.pt` and `.json` into the data
# root's `features/` folder (the data root is `$ADVCLUST_DATA`, else
# `./data`). The sections then use them with no edit.
#
# **Without them, a stand-in.** When a feature cache is missing, the data
# layer loads a stand-in instead, when asked to: the Fashion-MNIST images as
# 784-pixel vectors (10 kinds of clothing, which are on these machines),
# and says so in the data set it returns; every section then labels each
# table and figure made from it. A stand-in's numbers say nothing about
# CIFAR-10 or STL-10; they show that the pipeline runs and how the methods
# behave on another 10-class image set. The networks' first layers take
# whatever dimension the inputs have (784 on the stand-in).

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # unused: this page trains nothing
device = "auto"  # unused: this page trains nothing
save_records_to = ""  # unused: this page trains nothing
cpu_threads = 0  # unused: this page trains nothing

features = ["cifar10-resnet50", "stl10-resnet50"]  # the feature sets of this chapter's sections
stand_in = "fashion-mnist"  # loaded, and labelled as a stand-in, where a feature cache is absent

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown, display

from advclust import data, report

# %% [markdown]
# ## The feature sets on this machine

# %% tags=["hide-input"]
rows, missing = {}, {}
for name in features:
    for split in ("train", "test"):
        loaded = data.load(name, split=split, stand_in=stand_in)
        rows[(name, split)] = {"data": report.data_label(loaded), "inputs": len(loaded),
                               "dimension": loaded.inputs[0].numel(), "classes": loaded.n_clusters}
        if "stand_in" in loaded.metadata:
            missing.setdefault(name, loaded.metadata.get("missing", ""))
display(pd.DataFrame.from_dict(rows, orient="index").rename_axis(["feature set", "split"]))
for name, reason in missing.items():
    display(Markdown(f"> **Stand-in for {name}.** {reason} The sections run on the stand-in and say so."))
