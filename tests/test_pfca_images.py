"""PFCA's convolutional networks (PFCA Fig. 2) and the image experiments' claims at reduced resolution."""

import numpy as np
import pytest
import torch

from advclust import data, metrics, nets
from advclust.errors import UserInputError
from advclust.methods import PFCA, KMeansBaseline

# Narrow networks, small batches: each run takes about a second on one CPU core.
TINY = dict(hidden=(4, 8, 16), batch_size=16, noise_dim=8, progress=False)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("size, strides, maps", [(28, [2, 2, 2], [14, 7, 4]), (32, [2, 2, 2], [16, 8, 4]),
                                                 (16, [1, 2, 2], [16, 8, 4])])
def test_conv_networks_have_the_papers_shapes(size, strides, maps):
    assert nets.conv_plan(size, 3) == (strides, maps)
    generator, critic, classifier = nets.gan_conv_networks((1, size, size), n_clusters=7, noise_dim=5)
    codes = torch.nn.functional.one_hot(torch.arange(6) % 7, 7).float()
    images = generator(codes, torch.randn(6, 5))
    assert images.shape == (6, 1, size, size)
    assert images.min() >= 0 and images.max() <= 1  # the reference's sigmoid output
    assert critic(images).shape == (6, 1)
    assert classifier(images).shape == (6, 7)
    # The reference widths: 64/128/256 channels, 5x5 kernels.
    convolutions = [m for m in critic.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [m.out_channels for m in convolutions] == [64, 128, 256]
    assert all(m.kernel_size == (5, 5) for m in convolutions)
    assert [m.stride[0] for m in convolutions] == strides


def test_auto_architecture_follows_the_input_shape():
    assert nets.architecture_for("pfca", (1, 28, 28)) == "conv"
    assert nets.architecture_for("pfca", (2,)) == "mlp"
    assert nets.architecture_for("pfca", (1, 8, 8)) == "mlp"
    with pytest.raises(UserInputError, match="square images"):
        nets.gan_conv_networks((1, 28, 20), 3, 0)


def _blobs(size: int, n: int = 256, seed: int = 0) -> torch.Tensor:
    """Two kinds of images: a bright square in the top-left or in the bottom-right quarter, plus noise."""
    generator = torch.Generator().manual_seed(seed)
    images = 0.1 * torch.rand(n, 1, size, size, generator=generator)
    half = size // 2
    images[: n // 2, :, :half, :half] += 0.8
    images[n // 2 :, :, half:, half:] += 0.8
    return images.clamp(0, 1)


@pytest.mark.parametrize("size", [28, 32, 16])
def test_short_conv_run_lowers_the_critic_loss(size):
    model = PFCA(n_clusters=2, n_iterations=20, log_every=5, lr=1e-3, seed=0, **TINY).fit(_blobs(size))
    assert model.architecture_ == "conv"
    history = model.history_
    assert history["critic_loss"].iloc[-1] < history["critic_loss"].iloc[0]
    assert torch.isfinite(torch.tensor(history.to_numpy())).all()
    samples = model.generate([0, 1], n=4)
    assert samples.shape == (8, 1, size, size) and np.isfinite(samples).all()
    proba = model.predict_proba(_blobs(size, 20, seed=1))
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1, atol=1e-5)


def test_cluster_prior_changes_generated_label_frequencies_with_conv_networks():
    """ORL gender (PFCA §IV-D-2): the 36:4 prior reaches the generator's cluster ids."""
    model = PFCA(n_clusters=2, n_iterations=1, cluster_prior=[0.9, 0.1], **TINY).fit(_blobs(32, 32))
    ids, onehot, _ = model.sample_codes(20000)
    assert (ids == 1).float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert torch.equal(onehot.argmax(1), ids)


@pytest.mark.needs_data("artifact-mnist")
def test_kmeans_cannot_see_the_artifact(shared_data):
    """PFCA Table III's contrast: k-means on Artifact-MNIST is unrelated to the artifact (NMI about 0)."""
    artifact = data.load("artifact-mnist", split="test")
    inputs, labels = artifact.inputs[:3000], artifact.labels[:3000]
    predicted = KMeansBaseline(n_clusters=3, n_init=1, seed=0).fit_predict(inputs)
    assert metrics.nmi(labels, predicted) < 0.05
    # ... while the artifact is there to be found: the first pixel alone separates the three clusters.
    by_pixel = torch.bucketize(inputs[:, 0, 0, 0].contiguous(), torch.tensor([0.3, 0.7]))
    assert metrics.nmi(labels, by_pixel) == pytest.approx(1.0)
