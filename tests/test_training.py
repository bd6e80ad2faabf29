"""The shared training pieces: batch streams and their checks, checkpoints (devices and atomic writes: test_system)."""

import pandas as pd
import pytest
import torch

from advclust import training
from advclust.errors import UserInputError


def test_tensor_batches_cover_each_epoch_once():
    torch.manual_seed(0)
    inputs = torch.arange(10).float().unsqueeze(1)
    batches = training.TensorBatches(inputs, batch_size=5, device=torch.device("cpu"))
    first = batches.next()
    state = batches.state_dict()
    second = batches.next()
    assert sorted(torch.cat([first, second]).squeeze(1).tolist()) == list(range(10))
    batches.load_state_dict(state)
    assert torch.equal(batches.next(), second)


def test_fit_rejects_what_is_neither_tensor_nor_sampler():
    with pytest.raises(UserInputError, match="tensor of inputs or a sampler"):
        training.batches_for([[0.0, 1.0]], 2, torch.device("cpu"))


# --- checkpoints: plain data, tied to their run, invisible in the history ------------------------------------------

SMALL = dict(n_clusters=3, noise_dim=0, hidden=(8, 8, 8), batch_size=16, n_critic=1, progress=False)


def _pfca(**changes):
    from advclust.methods import PFCA

    return PFCA(**{**SMALL, "n_iterations": 4, "log_every": 2, **changes})


class _Payload:
    """Unpickling this would create a file: what a crafted checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_resume_reads_plain_data_only_and_never_runs_a_checkpoints_code(tmp_path, one_thread):
    inputs = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    _pfca(checkpoint_dir=str(tmp_path / "good")).fit(inputs)
    state = torch.load(tmp_path / "good" / training.CHECKPOINT_NAME, weights_only=True)  # tensors and lists only
    assert isinstance(state["rng"]["torch"], torch.Tensor) and isinstance(state["rng"]["numpy"][1], list)
    marker = tmp_path / "pwned"
    torch.save({"step": 1, "payload": _Payload(marker)}, tmp_path / training.CHECKPOINT_NAME)
    with pytest.raises(UserInputError, match="cannot read checkpoint"):
        _pfca(checkpoint_dir=str(tmp_path)).fit(inputs)
    assert not marker.exists()


def test_resume_refuses_another_runs_checkpoint_naming_what_differs(tmp_path, one_thread):
    inputs = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    _pfca(checkpoint_dir=str(tmp_path)).fit(inputs)
    for changes, other, differs in [
        ({}, inputs + 1, "input_fingerprint"),  # same shape, other data (MNIST and Fashion-MNIST)
        ({}, inputs[:30], "input_length"),
        ({"seed": 1}, inputs, "seed is 0 there, 1 here"),
    ]:
        with pytest.raises(UserInputError, match=differs):
            _pfca(checkpoint_dir=str(tmp_path), **changes).fit(other)
    with training.checkpoint_labels(dataset="fashion-mnist"):
        with pytest.raises(UserInputError, match="dataset is None there, 'fashion-mnist' here"):
            _pfca(checkpoint_dir=str(tmp_path)).fit(inputs)


def test_checkpoints_leave_the_history_as_an_uninterrupted_run_logs_it(tmp_path, one_thread):
    """Saving every 3 steps adds no history rows; stopping at step 7 and resuming (from step 6, with the losses of
    steps 5-6 carried in the checkpoint) logs the very rows of a run that never stopped."""
    inputs = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    options = dict(n_iterations=10, log_every=4)
    straight = _pfca(**options).fit(inputs).history_

    stopped = _pfca(**options, checkpoint_dir=str(tmp_path), checkpoint_every=3)
    original = type(stopped).train_step

    def train_step(self, batches, step):
        if step == 7:
            raise KeyboardInterrupt
        return original(self, batches, step)

    type(stopped).train_step = train_step
    try:
        with pytest.raises(KeyboardInterrupt):
            stopped.fit(inputs)
    finally:
        type(stopped).train_step = original
    resumed = _pfca(**options, checkpoint_dir=str(tmp_path), checkpoint_every=3).fit(inputs)
    assert resumed.resumed_from_ == 6
    pd.testing.assert_frame_equal(resumed.history_.drop(columns="seconds"), straight.drop(columns="seconds"))


# --- subnormal floats: flushed to zero while a loop trains, as torch leaves them elsewhere ------------------------

def _subnormal_product() -> float:
    """1e-20 * 1e-20 = 1e-40, a float32 subnormal: 0 where subnormals are flushed."""
    return (torch.tensor([1e-20]) * torch.tensor([1e-20])).item()


@pytest.mark.parametrize("seeds", [1, 2], ids=["one seed", "seed batch"])
def test_training_flushes_subnormals_and_restores_torchs_default_after(seeds, one_thread):
    from advclust.methods import fit_seeds

    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU cannot flush subnormals")
    torch.set_flush_denormal(False)
    seen = []
    watch = [lambda model, step: seen.append(_subnormal_product())]
    models = [_pfca(seed=s) for s in range(seeds)]
    if seeds == 1:
        models[0].fit(torch.randn(64, 2), callbacks=watch)
    else:
        fit_seeds(models, torch.randn(64, 2), callbacks=watch)
    assert seen and set(seen) == {0.0}
    assert _subnormal_product() > 0


# --- precision: bf16 autocast around each step, float32 everywhere else ---------------------------------------------

def _dtypes_in_training(model, inputs, fit):
    """The dtypes the generator's layers output during training, and the model after ``fit``."""
    seen = set()
    hooks = []

    def watch(module, args, output):
        if module.training and torch.is_grad_enabled():
            seen.add(output.dtype)

    original_build = model.build

    def build(source, device):
        original_build(source, device)
        hooks.extend(m.register_forward_hook(watch) for m in model.generator_.modules() if isinstance(m, torch.nn.Linear))

    model.build = build
    fit(model, inputs)
    for hook in hooks:
        hook.remove()
    return seen


def test_bfloat16_precision_runs_the_steps_in_bf16_and_keeps_the_weights_float32(one_thread):
    inputs = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    fit = lambda model, x: model.fit(x)  # noqa: E731
    assert _dtypes_in_training(_pfca(), inputs, fit) == {torch.float32}
    model = _pfca(precision="bfloat16")
    assert _dtypes_in_training(model, inputs, fit) == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for m in model.modules_().values() for p in m.parameters())
    assert model.predict_proba(inputs.numpy()).dtype == "float32"
    assert pd.DataFrame(model.history_records_).drop(columns="step").map(pd.notna).all().all()


def test_bfloat16_precision_applies_to_seed_batches(one_thread):
    from advclust.methods import fit_seeds

    inputs = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    models = [_pfca(precision="bfloat16", seed=s) for s in (0, 1)]
    seen = set()
    hook = torch.nn.modules.module.register_module_forward_hook(  # every layer, the seed-grouped ones included
        lambda module, args, output: seen.add(output.dtype) if isinstance(output, torch.Tensor) else None)
    try:
        fit_seeds(models, inputs)
    finally:
        hook.remove()
    assert torch.bfloat16 in seen
    assert all(m.history_records_ and m.n_iter_ == 4 for m in models)


def test_unknown_precision_lists_the_valid_ones():
    with pytest.raises(UserInputError, match="bfloat16, float32"):
        _pfca(precision="float16").fit(torch.randn(32, 2))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA: bf16 autocast on the GPU")
def test_bfloat16_on_cuda_trains_finite_with_float32_weights(one_thread):
    inputs = torch.randn(256, 2, generator=torch.Generator().manual_seed(0)) + torch.tensor([[4.0, 0.0]]) * (
        torch.arange(256) % 3).unsqueeze(1)
    model = _pfca(precision="bfloat16", device="cuda", n_iterations=200, log_every=50).fit(inputs)
    assert all(torch.isfinite(torch.tensor(row["generator_loss"])) for row in model.history_records_)
    assert next(model.generator_.parameters()).dtype == torch.float32
