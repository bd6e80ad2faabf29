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


def test_whole_map_conv_times_both_layers_as_convolutions_and_as_products():
    result = bench.whole_map_conv(repeats=2, iterations=1, batch_size=2, channels=(4, 8, 16, 8))
    assert set(result["layers"]) == {"conv 8->16, 7x7 kernel on a 7x7 map",
                                     "transposed conv 16->8, 7x7 kernel from a 1x1 map"}
    for layer in result["layers"].values():
        assert layer["convolution"]["repeats"] == layer["product"]["repeats"] == 2
        assert 0 < layer["product"]["min"] <= layer["product"]["median"] <= layer["product"]["max"]
        assert layer["speedup"] == pytest.approx(layer["convolution"]["median"] / layer["product"]["median"])
