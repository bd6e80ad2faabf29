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
# # Dual-AAE on MNIST: the paper's networks or narrower ones per CPU-second
#
# Dual-AAE Fig. 3 has ACC converge within about 20 epochs, which takes the
# paper's networks hours on this CPU (the table below gives each probe's
# iterations and minutes). Before fixing the long profile of the previous
# section, two committed probes (`results/dualaae-mnist-probes/`, written
# with `advclust run dual-aae mnist --profile quick --set ...`) trained on
# all 60 000 training images for about the same wall-clock time on one
# thread, after one pretraining epoch: the paper's convolution widths with
# the reference code's learning rates, and the quick profile's narrower
# convolutions with learning rates ten times those. The right panel
# (seconds of the training loop, after pretraining) answers which reaches a
# given ACC sooner; the table's minutes are the whole run's, pretraining
# included. This section trains nothing: it reads committed records.

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it (nothing here depends on it)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import plots, report, runner

probes = runner.load_records("results/dualaae-mnist-probes")
if probes:
    plots.metric_over_training(probes, variant_of=report.channels_and_rates, x_label="iterations",
                               title="Dual-AAE on MNIST, probes: test ACC against training compute")
    plt.show()
    display(report.curve_summary(probes, report.channels_and_rates))
    display(Markdown(report.probes_within_common_time(probes, report.channels_and_rates)))
    display(Markdown(report.versus_baseline(probes, "mnist", variant_of=report.channels_and_rates)))
else:
    display(Markdown("No probe records are committed under `results/dualaae-mnist-probes/`."))

# %% [markdown]
# ## Two layers computed as the matrix products they equal
#
# The encoder's C(1024,7) covers its whole 7x7 input map and the decoder's
# DC(128,7) grows a 1x1 map to 7x7: each is a matrix product written as a
# convolution. On some CPUs oneDNN computes these shapes' gradients far
# slower than the product, so the networks now compute them as products
# (`advclust.nets.WholeMapConv2d` and `WholeMapConvTranspose2d`: the same
# parameters and checkpoints, the same results up to float rounding). The
# probes above and the long records of the previous section ran before this
# change, on a CPU where it mattered less (their wall times are what they
# measured); the committed benchmark below says what it changes.

# %% tags=["hide-input"]
whole_map = report.benchmark("whole-map-conv")
display(Markdown(report.whole_map_sentence(whole_map) if whole_map
                 else "No `advclust bench whole-map-conv` record is committed under `results/bench/`."))
