"""The pipeline's training step against the plain loop: bit-identical weights and losses."""

import pytest
import torch
from torch import nn

from aestudy.data.prepared import to_float
from aestudy.kinds import build_model
from aestudy.training.loop import (
    AutogradStep,
    batch_loss,
    flatten_parameters,
    make_optimizer,
    make_train_step,
)
from aestudy.training.written_out_backward import WrittenOutStep
from conftest import model_spec

# The bit-identical mode: the optimizer's plain update.
SPECS = {
    "ae": model_spec("ae", batch_size=32, fused_optimizer=False),
    "vae": model_spec("vae", hidden=[64], batch_size=32, fused_optimizer=False),
    "cnn_ae": model_spec("cnn_ae", channels=[8, 16], batch_size=32, fused_optimizer=False),
}
LATENT = {"ae": 3, "vae": 5, "cnn_ae": 16}


def plain_loop(spec, images, batches):
    """The course report's loop: per-parameter optimizer, zero_grad, backward, step."""
    torch.manual_seed(0)
    model = build_model(spec, tuple(images.shape[1:]), LATENT[spec["kind"]])
    optimizer = make_optimizer(spec, model.parameters())
    torch.manual_seed(1)  # the VAE's noise
    sums = []
    for batch in batches:
        optimizer.zero_grad()
        loss, item_sum = batch_loss(model, batch)
        loss.backward()
        optimizer.step()
        sums.append(item_sum.detach())
    return model, torch.stack(sums)


def pipeline_loop(spec, images, batches):
    torch.manual_seed(0)
    model = build_model(spec, tuple(images.shape[1:]), LATENT[spec["kind"]])
    flat = flatten_parameters(model)
    step = make_train_step(model, spec, make_optimizer(spec, [flat]), flat)
    torch.manual_seed(1)
    return model, torch.stack([step(batch) for batch in batches]), step


def batches_of(data, count=40, size=32):
    images = to_float(data["train_images"][: count * size])
    return images, list(images.split(size))


@pytest.mark.parametrize(
    "kind, optimizer, weight_decay",
    [
        ("ae", "adam", 0.0),
        ("ae", "sgd", 1e-3),
        ("vae", "adam", 0.0),
        ("vae", "adamw", 1e-2),
        ("cnn_ae", "adam", 0.0),
    ],
)
def test_pipeline_step_is_bit_identical_to_the_plain_loop(
    kind, optimizer, weight_decay, digits, patches
):
    spec = {**SPECS[kind], "optimizer": optimizer, "weight_decay": weight_decay}
    images, batches = batches_of(patches if kind == "cnn_ae" else digits)
    plain_model, plain_sums = plain_loop(spec, images, batches)
    model, sums, step = pipeline_loop(spec, images, batches)
    # The MLP kinds opt into the written-out backward; the CNN-AE takes the plain step.
    assert isinstance(step, WrittenOutStep if kind != "cnn_ae" else AutogradStep)
    assert torch.equal(sums, plain_sums)
    for (name, plain), ours in zip(plain_model.named_parameters(), model.parameters(), strict=True):
        assert torch.equal(plain, ours), name
    # and it trained: the weights moved from their initial values
    torch.manual_seed(0)
    initial = build_model(spec, tuple(images.shape[1:]), LATENT[kind])
    assert not torch.equal(next(initial.parameters()), next(model.parameters()))


def test_a_model_the_written_out_step_does_not_know_falls_back_to_autograd(digits):
    spec = SPECS["ae"]
    images, batches = batches_of(digits, count=10)
    models = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build_model(spec, (1, 28, 28), 3)
        model.encoder[1] = nn.Tanh()  # a module the written-out backward does not know
        models.append(model)
    optimizer = make_optimizer(spec, models[0].parameters())
    for batch in batches:
        optimizer.zero_grad()
        batch_loss(models[0], batch)[0].backward()
        optimizer.step()
    flat = flatten_parameters(models[1])
    step = make_train_step(models[1], spec, make_optimizer(spec, [flat]), flat)
    assert isinstance(step, AutogradStep)
    for batch in batches:
        step(batch)
    for plain, ours in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert torch.equal(plain, ours)


def test_options_that_change_the_kernels_take_the_autograd_step():
    model = build_model(SPECS["ae"], (1, 28, 28), 3)
    flat = flatten_parameters(model)
    optimizer = make_optimizer(SPECS["ae"], [flat])
    for option in ("mixed_precision", "compile"):
        step = make_train_step(model, {**SPECS["ae"], option: True}, optimizer, flat)
        assert isinstance(step, AutogradStep), option
    assert isinstance(make_train_step(model, SPECS["ae"], optimizer, flat), WrittenOutStep)


def test_flattened_parameters_are_views_and_gradients_land_in_the_flat_gradient():
    model = build_model(SPECS["vae"], (1, 28, 28), 5)
    before = [p.detach().clone() for p in model.parameters()]
    flat = flatten_parameters(model)
    for p, old in zip(model.parameters(), before, strict=True):
        assert torch.equal(p, old)
        assert p.untyped_storage().data_ptr() == flat.untyped_storage().data_ptr()
        assert p.data_ptr() % 64 == 0  # aligned as a tensor of its own would be
    x = torch.rand(4, 1, 28, 28)
    batch_loss(model, x)[0].backward()
    grads = torch.cat([p.grad.flatten() for p in model.parameters()])
    assert grads.abs().sum() > 0
    for p in model.parameters():  # each gradient is a view of the flat gradient
        assert p.grad.untyped_storage().data_ptr() == flat.grad.untyped_storage().data_ptr()
    assert flat.grad.abs().sum().item() == pytest.approx(grads.abs().sum().item(), rel=1e-6)
    flat.data.mul_(0.5)  # an update of the flat tensor is an update of the model
    assert torch.equal(next(model.parameters()), before[0] * 0.5)
