"""Property-based tests (hypothesis): laws of the clustering metrics, and that no shape, dtype or non-finite value
gets past the estimators' input check into torch or scikit-learn."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from advclust import metrics
from advclust.errors import UserInputError
from advclust.methods import KMeansBaseline, PFCA
from advclust.methods.base import check_inputs

pytestmark = pytest.mark.usefixtures("one_thread")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def labellings(draw, most: int = 6) -> tuple[list[int], list[int]]:
    """(true classes, predicted clusters) of one length, ids in [0, most)."""
    n = draw(st.integers(1, 40))
    labels = st.lists(st.integers(0, most - 1), min_size=n, max_size=n)
    return draw(labels), draw(labels)


@FAST
@given(labellings(), st.permutations(range(6)))
def test_acc_is_invariant_under_permutations_of_the_cluster_labels(pair, permutation):
    true, pred = pair
    renamed = [permutation[p] for p in pred]
    assert metrics.hungarian_accuracy(true, renamed) == pytest.approx(metrics.hungarian_accuracy(true, pred))


@FAST
@given(labellings())
def test_purity_is_at_least_acc(pair):
    assert metrics.purity(*pair) >= metrics.hungarian_accuracy(*pair) - 1e-12


IDENTICAL = [0, 2, 4, 1, 5, 4, 2, 3, 4, 1, 2, 4, 4, 4, 0, 5, 3, 5, 3, 3, 5, 2, 4, 1, 5, 2, 5, 2, 3, 3, 3, 1, 5, 4, 3]


@FAST
@given(labellings())
@example((IDENTICAL, IDENTICAL))  # scikit-learn gives 1.0000000000000002 here
def test_nmi_is_symmetric_and_lies_in_the_unit_interval(pair):
    true, pred = pair
    value = metrics.nmi(true, pred)
    assert value == pytest.approx(metrics.nmi(pred, true), abs=1e-12)
    assert 0.0 <= value <= 1.0


# -- the input check ---------------------------------------------------------------------------------------------
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "complex64"]
FEATURES = 3
#: Any shape (0 to 4 dimensions, empty sides too), and often rows of the fitted width.
SHAPES = st.one_of(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
                   st.tuples(st.integers(0, 5), st.just(FEATURES)))


@st.composite
def arrays(draw) -> np.ndarray:
    """Arrays of those shapes and dtypes, floats with NaN and +-inf among their values."""
    return draw(hnp.arrays(draw(st.sampled_from(DTYPES)), draw(SHAPES)))


def inputs_of(array: np.ndarray, as_tensor: bool):
    return torch.from_numpy(array) if as_tensor else array


@FAST
@given(arrays(), st.booleans(), st.sampled_from([None, (FEATURES,)]))
def test_check_inputs_gives_a_finite_float32_tensor_or_a_user_input_error(array, as_tensor, shape):
    try:
        checked = check_inputs(inputs_of(array, as_tensor), "T", shape=shape)
    except UserInputError:
        event("refused")
        return
    event("accepted")
    assert checked.dtype == torch.float32 and checked.dim() >= 2 and len(checked) >= 1 and checked[0].numel() >= 1
    assert bool(torch.isfinite(checked).all()) and shape in (None, tuple(checked.shape[1:]))
    expected = array.astype(np.float32) / (255 if array.dtype == np.uint8 else 1)
    assert np.array_equal(checked.numpy(), expected)


@pytest.fixture(scope="module")
def guarded():
    """A PFCA whose classifier asserts on every input it gets, and a k-means, both fitted on 3 features."""
    X = torch.rand(20, FEATURES, generator=torch.Generator().manual_seed(0))
    pfca = PFCA(n_clusters=2, hidden=(4, 4, 4), noise_dim=1, n_iterations=1, batch_size=8, n_critic=1, n_class=1,
                progress=False).fit(X)

    def guard(module, args):
        (x,) = args
        assert x.dtype == torch.float32 and x.shape[1:] == (FEATURES,) and bool(torch.isfinite(x).all())

    pfca.classifier_.register_forward_pre_hook(guard)
    return pfca, KMeansBaseline(n_clusters=2, n_init=1).fit(X)


@FAST
@given(arrays(), st.booleans())
def test_no_shape_dtype_or_non_finite_value_reaches_torch_or_scikit_learn(guarded, array, as_tensor):
    for model in guarded:
        try:
            labels = model.predict(inputs_of(array, as_tensor))
        except UserInputError:
            event("refused")
            continue
        event("predicted")
        assert labels.shape == (len(array),) and labels.dtype == np.int64
