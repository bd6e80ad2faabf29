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

# %%

# %% [markdown]
# # Scoreboard: every method on every dataset
#
# This closing chapter sets every method of this project beside every dataset
# of the data layer: scikit-learn's 8x8 digits, MNIST, Fashion-MNIST,
# Artifact-MNIST (clustered by its artifact, PFCA §IV-D-1), USPS700, the two
# imbalanced MNIST sets (one class at a tenth; three classes at a tenth, three
# tenths and a half), ORL (identities) and the ResNet-50 CIFAR-10 features
# (or their labelled stand-in when the feature cache is absent). Each method runs on the networks that `architecture="auto"` picks
# for the data. A cell holds the median ACC over seeds, the papers' ACC where
# one is printed, and the compute: the median wall-clock seconds of one run on
# the named device.
#
# The grid runs through `advclust sweep` (a local Ray instance here; see
# *Sweeps on a Ray cluster* for a cluster). This execution computes the
# datasets in `sweep_datasets`; a cell shows the committed records of
# longer profiles under `results/` where there are any (before this
# execution's quick runs of the same cell), else this execution's runs, or
# says that none exists, or that the method cannot run on those data. The
# ORL column counts runs by identity only, the task of the papers' cells
# (chapter 4 also clusters by gender).

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
progress = True  # unused here: the sweep's runs print nothing
methods = []  # methods to show (empty: every registered method)
datasets = []  # datasets to show (empty: scoreboard.DATASETS, every dataset of the data layer)
sweep_datasets = []  # datasets this execution computes through the sweep (empty: committed records only)
seeds = 10  # runs per method and dataset in this execution's sweep
overrides = {}  # parameters per method on top of the profile's run entries (the quick book: shorter training)
cpus = 0  # cores of the local Ray instance (0: all)
save_records_to = ""  # folder for this execution's records; empty: a temporary folder
committed_records = "results"  # committed records of longer profiles (empty: none)
tolerance = 0.02  # a median ACC this far below the paper's still "meets" it

# %% tags=["hide-input"]
import tempfile

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import methods as registry
from advclust import plots, scoreboard

methods = methods or sorted(registry.METHODS)
datasets = datasets or list(scoreboard.DATASETS)
result = None
if sweep_datasets:
    out = save_records_to or tempfile.mkdtemp(prefix="advclust-scoreboard-")
    result = scoreboard.compute(methods, sweep_datasets, profile, seeds, out, cpus=cpus or None, overrides=overrides)
    display(Markdown(f"> **This execution**: {len(result.outcomes)} runs ({len(methods)} methods x "
                     f"{len(sweep_datasets)} datasets x {seeds} seeds) at the **{profile}** profile through "
                     f"`advclust.sweep` on a local Ray instance (started in {result.startup_seconds:.0f} s): "
                     f"{result.count('ran')} ran, {result.count('skipped')} had a record, "
                     f"{result.count('failed')} could not run."
                     + (f" On top of the profile's run entries: {overrides}." if overrides else "")))
records = scoreboard.records_for(result, committed_records or None, methods, datasets)
board = scoreboard.board(records, methods, datasets, scoreboard.failures_of(result))

# %% [markdown]
# ## The board
#
# Median ACC (the paper's in brackets), median seconds per run on the device
# named, then the profile and the number of runs. Quick-profile numbers are
# real but far from converged; the paper profile is the papers' protocol.
# Where records of several profiles or settings exist, a cell takes the
# paper profile's over the long one's and both over this execution's quick
# runs and, of one profile's settings, the most recently written, and says
# how many it left out.

# %% tags=["hide-input"]
display(scoreboard.cells(board))

# %% [markdown]
# ## ACC and cost
#
# The same cells as heatmaps: median ACC, and the median seconds of one run
# (log scale in colour would hide the cheap baselines; the numbers are the
# seconds). Empty cells have no record.

# %% tags=["hide-input"]
plots.heatmap(scoreboard.pivot(board, "acc"), title=f"Median ACC over seeds ({profile} execution and committed records)")
plt.show()
cost = scoreboard.pivot(board, "seconds")
plots.heatmap(cost, title="Median seconds per run (device in the board above)", fmt=".0f", cmap="magma_r",
              vmin=0, vmax=None)
plt.show()

# %% [markdown]
# ## Against the papers
#
# Every cell where a paper prints an ACC and this project has records: the
# difference of the medians, and whether this project's number meets the
# paper's (within the tolerance named in the parameters) or misses it.
# Numbers from the quick profile are not the papers' protocol and are
# expected to miss.

# %% tags=["hide-input"]
verdicts = scoreboard.against_papers(board, tolerance)
if verdicts.empty:
    display(Markdown("No cell has both a record and a printed ACC yet."))
else:
    display(verdicts.round(3))
