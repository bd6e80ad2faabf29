"""Benchmarks that have no other home: what they measure and how they project it (never how fast anything is)."""

import pytest

from advclust import bench


def test_simi_mnist_times_phase_2_with_the_conv_networks_and_the_long_profiles_mlps():
    result = bench.simi_mnist(repeats=1, iterations=1)
    assert set(result["networks"]) == {"conv", "mlp_256_256"}  # the long profile's hidden widths name the MLP case
    for case in result["networks"].values():
        rate = case["phase2_iterations_per_second"]
        assert rate["repeats"] == 1 and rate["median"] > 0
        assert case["projected_paper_phase2_hours"] == pytest.approx(37500 / rate["median"] / 3600)
