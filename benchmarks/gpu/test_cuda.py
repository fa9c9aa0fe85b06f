"""The library on CUDA: what tests/ cannot show on the project's CPU-only machines.

tests/ has no option to move its tests to a GPU (they build their models on the
CPU); benchmarks/gpu/run.sh runs them as they are and then these, which train,
evaluate and compare on the GPU itself. Every test skips where PyTorch finds no
CUDA device.

    python3 -m pytest benchmarks/gpu/test_cuda.py
"""

import importlib.util
import math
from pathlib import Path

import pytest
import torch

from aestudy.config import resolve_config
from aestudy.data.embedded import embedded_digits, embedded_sample_patches
from aestudy.data.prepared import to_float
from aestudy.evaluation.metrics import evaluate_model
from aestudy.kinds import KINDS, build_model
from aestudy.training.devices import claim_device, release_devices
from aestudy.training.loop import (
    AutogradStep,
    evaluate_loss,
    flatten_parameters,
    make_optimizer,
    make_train_step,
    seed_everything,
    train_autoencoder,
)
from aestudy.training.written_out_backward import WrittenOutStep

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
REPO = Path(__file__).resolve().parents[2]
CUDA = torch.device("cuda", 0)
LATENT = {"cnn_ae": 64, "cnn_dae": 64, "vq_vae": 196}


def spec_of(kind, **settings):
    raw = {"models": {"model": {"kind": kind, **settings}}}
    return resolve_config(raw, check_paths=False)["models"]["model"]


def quiet(_):
    pass


@pytest.fixture(scope="module")
def images():
    """{kind: (train images, labels) on the GPU}: digits, or patches for the
    convolutional kinds."""
    digits, patches = embedded_digits(), embedded_sample_patches()
    return {
        "mnist": (to_float(digits[0][:512], CUDA), digits[1][:512].to(CUDA)),
        "cifar": (to_float(patches[0][:512], CUDA), patches[1][:512].to(CUDA)),
    }


def data_for(kind, images):
    return images["cifar" if kind.startswith("cnn") else "mnist"]


def test_claim_device_gives_the_gpu(tmp_path):
    device, note = claim_device("cuda", tmp_path)
    release_devices()
    assert device.type == "cuda", note


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_trains_and_evaluates_on_the_gpu(kind, images):
    x, y = data_for(kind, images)
    spec = spec_of(kind, epochs=2, batch_size=32)
    seed_everything(0)
    model = build_model(spec, tuple(x.shape[1:]), LATENT.get(kind, 4)).to(CUDA)
    before = evaluate_loss(model, x, y)
    result = train_autoencoder(model, spec, x, x[:64], 0, quiet, train_labels=y, test_labels=y[:64])
    assert result["status"] == "ok"
    assert evaluate_loss(model, x, y) < before
    metrics, _ = evaluate_model(model, x[:64], 0, iw_samples=4, labels=y[:64])
    numbers = [v for v in metrics.values() if isinstance(v, float | int)]  # not per dimension
    assert numbers and all(math.isfinite(v) for v in numbers), metrics


def train_steps(spec, x, latent_dim, steps=50, autograd=False):
    """(the flat weights after `steps` steps on the GPU, the step): the pipeline's
    step, or with `autograd` the plain one."""
    seed_everything(0)
    model = build_model(spec, tuple(x.shape[1:]), latent_dim).to(CUDA)
    flat = flatten_parameters(model)
    optimizer = make_optimizer(spec, [flat])
    if autograd:
        step = AutogradStep(model, optimizer, flat)
    else:
        step = make_train_step(model, spec, optimizer, flat, log=quiet)
    for index in range(steps):
        step(x[(index * 32) % len(x) :][:32])
    torch.cuda.synchronize()
    return flat.detach().clone(), step


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_the_written_out_step_is_bit_identical_to_autograd_on_the_gpu(kind, images):
    x, _ = images["mnist"]
    spec = spec_of(kind, fused_optimizer=False)
    fast, step = train_steps(spec, x, 4)
    assert isinstance(step, WrittenOutStep)
    plain, _ = train_steps(spec, x, 4, autograd=True)
    difference = (plain - fast).abs().max().item()
    assert torch.equal(plain, fast), f"largest weight difference {difference:.1e}"


@pytest.mark.parametrize("kind", ["ae", "vae", "cnn_ae"])
def test_the_same_seed_gives_the_same_weights_on_the_gpu(kind, images):
    x, _ = data_for(kind, images)
    spec = spec_of(kind)
    first, _ = train_steps(spec, x, LATENT.get(kind, 4))
    second, _ = train_steps(spec, x, LATENT.get(kind, 4))
    assert torch.equal(first, second)


def test_mixed_precision_trains_in_float16_with_a_scaler(images):
    x, _ = images["mnist"]
    spec = spec_of("ae", epochs=3, batch_size=32, mixed_precision=True)
    seed_everything(0)
    model = build_model(spec, tuple(x.shape[1:]), 4).to(CUDA)
    result = train_autoencoder(model, spec, x, x[:64], 0, quiet)
    losses = [row["train_loss"] for row in result["history"]]
    assert result["status"] == "ok" and losses[-1] < losses[0]


def test_reduce_overhead_trains_to_nearly_the_same_losses(images):
    x, _ = images["mnist"]
    histories = []
    for settings in ({}, {"compile": True, "compile_mode": "reduce-overhead"}):
        spec = spec_of("ae", epochs=2, batch_size=32, **settings)
        seed_everything(0)
        model = build_model(spec, tuple(x.shape[1:]), 4).to(CUDA)
        result = train_autoencoder(model, spec, x, x[:64], 0, quiet)
        histories.append([row["train_loss"] for row in result["history"]])
    assert histories[1] == pytest.approx(histories[0], rel=1e-3)


def test_stacked_runs_match_runs_trained_alone_on_the_gpu(images):
    path = REPO / "benchmarks" / "runs_together.py"
    module_spec = importlib.util.spec_from_file_location("runs_together", path)
    runs_together = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(runs_together)
    x, _ = images["mnist"]
    for kind, latent_dim in (("ae", 4), ("vae", 20)):
        rows = runs_together.check_runs(spec_of(kind), x, latent_dim, [0, 1], 100, CUDA)
        for row in rows:
            assert row["same_start"] and row["same_batches"] and row["same_noise"], row
            assert row["weight_diff"] <= runs_together.README_DRIFT[kind], row


def test_a_group_job_trains_each_run_as_alone_on_the_gpu(images):
    """The pipeline's group job on CUDA (aestudy.training.together): each run's
    noise from its own CUDA generator, the evaluation's draws included."""
    from aestudy.training.together import Member, noise_generator, train_together

    x, _ = images["mnist"]
    for kind, latent_dim in (("ae", 4), ("vae", 20)):
        spec = spec_of(kind, epochs=2)
        group = []
        for seed in (0, 1):
            seed_everything(seed)
            model = build_model(spec, (1, 28, 28), latent_dim).to(CUDA)
            group.append(Member(model, seed, noise_generator(seed, CUDA)))
        results = train_together(group, spec, x, x[:64], quiet)
        for member, result, seed in zip(group, results, (0, 1), strict=True):
            seed_everything(seed)
            model = build_model(spec, (1, 28, 28), latent_dim).to(CUDA)
            alone = train_autoencoder(model, spec, x, x[:64], seed, quiet)
            difference = max(
                (a - b).abs().max().item()
                for a, b in zip(model.parameters(), member.model.parameters(), strict=True)
            )
            # 16 steps: the rounding drift of 300 (benchmarks/README.md), at most
            assert difference <= 4.8e-3, (kind, seed, difference)
            ours = [row["test_loss"] for row in result["history"]]
            theirs = [row["test_loss"] for row in alone["history"]]
            # the evaluation's draws from the run's own generator, as alone: other
            # draws would move a 64-image VAE test loss by far more than 1e-3
            assert ours == pytest.approx(theirs, rel=1e-3), (kind, seed)
