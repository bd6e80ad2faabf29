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
# # Dual-AAE on STL-10 features
#
# Dual-AAE {cite}`ge2021dualaae` (the method, its loss terms and every
# choice where the paper is silent are described in the MNIST chapter)
# clusters the 13 000 labelled STL-10 images (5 000 training and 8 000 test
# images, pooled as Dual-AAE does after VaDE) in the ResNet-50 feature
# space, beside the STL-10 column of Dual-AAE Table I. Where the features
# come from, and the stand-in used when they are missing, are on this
# chapter's first page.
#
# The appendix's STL-10 networks are MLPs: encoder 2048-500-500-500-18 and
# decoder 18-2000-500-1000-2048 (as printed), batch norm and LeakyReLU(0.1)
# in all but the last layers, weights drawn from $\mathcal{N}(0, 0.02)$,
# category 10, style 4 and noise 4; the decoder's output is linear and the
# reconstruction a squared error. Dual-AAE gives no epoch count for STL-10;
# the reference code's 300 (MNIST) are the default here. The quick profile
# fits a random subset for a few epochs with learning rates ten times the
# reference's (the note at the top gives the values).

# %% tags=["parameters"]
profile = "paper"  # which profile's parameters these are; `advclust book` sets it
batch_seeds = True  # a list of seeds trains as one seed batch where the method allows it; False: one by one
progress = True  # tqdm progress bars while training
device = "auto"  # "auto" picks CUDA when present
save_records_to = ""  # folder for JSON run records; empty: do not write
resume = False  # True: each run checkpoints under the runs root ($ADVCLUST_RUNS) and executing again resumes it
cpu_threads = 0  # threads of torch and of BLAS/OpenMP (scikit-learn); 0: the libraries' defaults

features = "stl10-resnet50"  # the 13 000 labelled STL-10 images through ResNet-50's avg pool
stand_in = "fashion-mnist"  # used, and labelled as a stand-in, when the feature cache is absent
n_samples = 0  # inputs fitted and scored, drawn at random (0: all, as Dual-AAE clusters all 13 000)
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # runs (Dual-AAE does not say how many)
epochs = 300  # the reference code's MNIST count (Dual-AAE gives none for STL-10)
pretrain_epochs = 10  # autoencoder pretraining epochs
lr = 0.0001  # reconstruction step (the reference code); the D-AE step uses lambda1 * this
adversarial_lr = 0.00005  # critic, adversarial and CR steps (the reference code)

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from advclust import data, plots, reference, report, runner

runner.limit_threads(cpu_threads)  # quick: 1, fastest when the 2-core CPU is shared
print("device:", runner.device_description(device))

# %% [markdown]
# ## The features

# %% tags=["hide-input"]
stl10 = data.load(features, stand_in=stand_in, sample=n_samples or None)
label = report.data_label(stl10)
epoch = len(stl10) // 100  # iterations per epoch at the reference code's batch of 100
display(Markdown(f"> **Data**: {label}: {len(stl10)} inputs of dimension {stl10.inputs[0].numel()}; "
                 f"{epochs} epochs ({epochs * epoch} iterations), {pretrain_epochs} of pretraining."))

# %% [markdown]
# ## Dual-AAE

# %%
params = dict(**reference.ARCHITECTURES["dual-aae"][features], lr=lr, adversarial_lr=adversarial_lr,
              pretrain_epochs=pretrain_epochs, n_iterations=epochs * epoch, eval_every=epoch, log_every=epoch,
              device=device, progress=progress)
results = runner.fit_experiments(runner.Experiment("dual-aae", stl10, params, seeds), profile=profile,
                                 out=save_records_to or None, batch_seeds=batch_seeds, resume=resume)

# %% [markdown]
# ## Beside Dual-AAE Table I (STL-10)
#
# Median [min, max] over runs; committed paper-profile records on the real
# features follow where they exist. The whole STL-10 column of Table I
# (its K-means and several other rows are quoted from earlier work) is
# below it for context.

# %% tags=["hide-input"]
tables = dict(tables=[("dual-aae", "I")], paper_datasets={features: "stl10"})
display(report.compare(results, **tables).rename(index={features: label}, level="dataset"))
if not report.committed("dual-aae", features):
    display(Markdown("No paper-profile Dual-AAE record on the STL-10 features is committed yet: on a machine with "
                     "the feature cache run `advclust book --profile paper --only 06b` and commit `results/features`."))
display(reference.table("dual-aae", "I")[["stl10"]].dropna().rename(columns={"stl10": "ACC, Dual-AAE Table I"}))
plots.per_seed(results, paper=report.paper_values(results, **tables), title=f"{label}, one dot per run ({profile} profile)")
plt.show()

# %% [markdown]
# ## Training
#
# ACC over training of every run, and the learning curves of the first
# (the panels of the MNIST chapter).

# %% tags=["hide-input"]
plots.metric_over_training(results, steps_per_unit=report.iterations_per_epoch, x_label="epochs",
                           committed=report.committed_like(results),
                           paper=report.paper_values(results, **tables), title=f"Dual-AAE on {label}, ACC against training compute")
plt.show()
plots.learning_curves(results.model("Dual-AAE", seed=seeds[0]).history_, plots.DUALAAE_CURVES,
                      title=f"Dual-AAE on {label}, seed {seeds[0]}", x_label="iterations")
plt.show()
