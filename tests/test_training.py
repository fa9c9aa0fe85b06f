import json
import os
import subprocess
import sys

import pytest
import torch

from aestudy.atomic_files import torch_save
from aestudy.data.prepared import to_float
from aestudy.kinds import build_model
from aestudy.training.loop import evaluate_loss, seed_everything, train_autoencoder
from conftest import REPO, model_spec

SPECS = {kind: model_spec(kind, epochs=1, batch_size=32) for kind in ("ae", "cnn_ae", "vae")}


def quiet(_):
    pass


@pytest.mark.parametrize("kind", ["ae", "cnn_ae", "vae"])
def test_a_few_steps_lower_the_loss(kind, digits, patches):
    data = patches if kind == "cnn_ae" else digits
    images = to_float(data["train_images"][:512])
    spec = SPECS[kind]
    seed_everything(0)
    model = build_model(spec, tuple(images.shape[1:]), 4 if kind != "cnn_ae" else 64)
    before = evaluate_loss(model, images)
    result = train_autoencoder(model, {**spec, "epochs": 3}, images, images[:64], 0, quiet)
    after = evaluate_loss(model, images)
    assert result["status"] == "ok" and result["epochs_completed"] == 3
    assert after < 0.9 * before
    assert [row["epoch"] for row in result["history"]] == [1, 2, 3]


def test_absurd_learning_rate_is_reported_as_diverged(digits):
    images = to_float(digits["train_images"][:256])
    spec = {**SPECS["vae"], "lr": 1e6, "epochs": 5}
    seed_everything(0)
    model = build_model(spec, (1, 28, 28), 3)
    result = train_autoencoder(model, spec, images, images[:32], 0, quiet)
    assert result["status"] == "diverged"
    assert result["diverged_epoch"] == result["epochs_completed"] <= 5


def train_ae_both_ways(digits, switch):
    """Two epochs of the AE with `switch` off and on: [(result, flat weights), ...]."""
    images = to_float(digits["train_images"][:256])
    runs = []
    for value in (False, True):
        spec = {**SPECS["ae"], "epochs": 2, switch: value}
        seed_everything(0)
        model = build_model(spec, (1, 28, 28), 4)
        result = train_autoencoder(model, spec, images, images[:32], 0, quiet)
        runs.append((result, torch.cat([p.detach().flatten() for p in model.parameters()])))
    return runs


def test_compiled_training_gives_the_same_losses(digits):
    counters = torch._dynamo.utils.counters
    counters.clear()
    runs = train_ae_both_ways(digits, "compile")
    # torch.compile really ran: Dynamo captured at least one graph of the model.
    assert counters["stats"]["unique_graphs"] > 0
    losses = [[row["train_loss"] for row in result["history"]] for result, _ in runs]
    assert losses[1] == pytest.approx(losses[0], rel=1e-4)


def test_fused_optimizer_switch_trains_to_nearly_the_same_weights(digits):
    (_, plain), (_, fused) = train_ae_both_ways(digits, "fused_optimizer")
    # The same update rounded differently: close, and not the same bits.
    assert torch.allclose(plain, fused, atol=1e-5)
    assert not torch.equal(plain, fused)


def test_mixed_precision_on_the_cpu_trains_in_bfloat16(digits):
    (full, _), (mixed, _) = train_ae_both_ways(digits, "mixed_precision")
    losses = [[row["train_loss"] for row in r["history"]] for r in (full, mixed)]
    assert mixed["status"] == "ok" and losses[1][-1] < losses[1][0]
    # bfloat16 forward passes: other numbers than float32, but close to them.
    assert losses[1] != losses[0]
    assert losses[1] == pytest.approx(losses[0], rel=1e-2)


# Run in a fresh process: the training job's entry, then a product of denormal
# numbers (made from their bits, since making them from a float would already
# flush them) large enough to be split between both of PyTorch's CPU threads.
TRAIN_THEN_MULTIPLY_DENORMALS = """
import sys, numpy, torch
import train_autoencoder
from conftest import model_spec
folder, flush = sys.argv[1], sys.argv[2] == "true"
spec = model_spec("ae", epochs=1, flush_denormals=flush)
files = train_autoencoder.RunFiles(
    f"{folder}/model.pt", f"{folder}/history.csv", f"{folder}/architecture.json",
    f"{folder}/checkpoint.pt",
)
train_autoencoder.main(
    f"{folder}/digits.pt", spec, [dict(model="ae", latent_dim=2, seed=0)], [files],
    threads=2, log=lambda _: None,
)
denormals = torch.from_numpy(numpy.full(1 << 22, 1 << 20, numpy.uint32).view(numpy.float32))
print(((denormals * 1.0) == 0).float().mean().item())
"""


@pytest.mark.workflow  # trains in a process of its own
@pytest.mark.parametrize("flush", [True, False])
def test_a_training_job_flushes_denormals_on_every_thread(tmp_path, digits, flush):
    """flush_denormals must reach PyTorch's worker threads too, which copy the mode
    when they start: the job sets it before its first parallel operation."""
    torch_save(tmp_path / "digits.pt", digits)
    process = subprocess.run(
        [sys.executable, "-c", TRAIN_THEN_MULTIPLY_DENORMALS, str(tmp_path), str(flush).lower()],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=f"{REPO / 'workflow/scripts'}:{REPO / 'tests'}"),
    )
    assert process.returncode == 0, process.stderr[-3000:]
    share_flushed = float(process.stdout.split()[-1])
    assert share_flushed == (1.0 if flush else 0.0)
    assert (tmp_path / "model.pt").exists()
    recorded = json.loads((tmp_path / "architecture.json").read_text())
    assert (recorded["model"], recorded["latent_dim"], recorded["kind"]) == ("ae", 2, "ae")
    assert recorded["layers"][0]["layer"] == "Linear-1" and recorded["layers"][0]["role"] is None
