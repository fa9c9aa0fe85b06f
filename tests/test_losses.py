import math

import pytest
import torch

from aestudy.data.prepared import to_float
from aestudy.kinds import build_model
from aestudy.kinds.losses import (
    bce_per_image,
    bce_with_logits_per_image,
    kl_per_image,
    log_normal,
    mse_loss,
)
from aestudy.kinds.vae.model import vae_loss
from aestudy.training.loop import (
    flatten_parameters,
    make_optimizer,
    make_train_step,
    seed_everything,
    train_autoencoder,
)
from conftest import model_spec


def test_mse_is_mean_over_pixels():
    x = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    recon = torch.tensor([[0.5, 1.0], [0.5, 0.0]])
    assert mse_loss(recon, x).item() == pytest.approx((0.25 + 0 + 0 + 0.25) / 4)


def test_bce_per_image_by_hand():
    x = torch.tensor([[1.0, 0.0], [0.5, 1.0]])
    recon = torch.tensor([[0.5, 0.25], [0.5, 0.9]])
    expected = [
        -math.log(0.5) - math.log(0.75),
        -(0.5 * math.log(0.5) + 0.5 * math.log(0.5)) - math.log(0.9),
    ]
    assert bce_per_image(recon, x).tolist() == pytest.approx(expected)


def test_bce_matches_pytorch_and_clamps_like_it():
    x = torch.rand(4, 1, 3, 3)
    recon = torch.rand(4, 1, 3, 3)
    recon[0, 0, 0, 0] = 0.0  # log(0) is clamped to -100 as in PyTorch
    reference = torch.nn.functional.binary_cross_entropy(recon, x, reduction="sum")
    assert bce_per_image(recon, x).sum().item() == pytest.approx(reference.item(), rel=1e-5)


def test_bce_propagates_nan_instead_of_raising():
    value = bce_per_image(torch.tensor([[float("nan"), 0.5]]), torch.tensor([[1.0, 0.0]]))
    assert torch.isnan(value).all()


def test_kl_by_hand():
    mean = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    expected = 0.5 * 1.0 + 0.5 * (2.0 - 1.0 - math.log(2.0))
    assert kl_per_image(mean, logvar).item() == pytest.approx(expected)


def test_kl_matches_torch_distributions():
    mean, logvar = torch.randn(3, 5), torch.randn(3, 5)
    q = torch.distributions.Normal(mean, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(3, 5), torch.ones(3, 5))
    reference = torch.distributions.kl_divergence(q, p).sum(1)
    assert torch.allclose(kl_per_image(mean, logvar), reference, atol=1e-5)


def test_vae_loss_is_summed_bce_plus_beta_kl():
    x, logits = torch.rand(3, 4), torch.randn(3, 4)
    mean, logvar = torch.randn(3, 2), torch.randn(3, 2)
    bce = bce_per_image(torch.sigmoid(logits), x).sum()  # the same BCE, from probabilities
    kl = kl_per_image(mean, logvar).sum()
    assert vae_loss(logits, x, mean, logvar, beta=4.0).item() == pytest.approx(
        (bce + 4.0 * kl).item(), rel=1e-6
    )


def test_log_normal_matches_torch_distributions():
    z, mean, logvar = torch.randn(6, 3), torch.randn(6, 3), torch.randn(6, 3)
    reference = torch.distributions.Normal(mean, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    assert torch.allclose(log_normal(z, mean, logvar), reference, atol=1e-5)


# Saturated logits: in float32 the sigmoid rounds to exactly 1 past ~17 and to 0
# past ~-88 (denormals flushed) or ~-104, where logs of probabilities lose the gradient.
SATURATED = [20.0, -20.0, 120.0, -120.0, 0.5, 17.0, -90.0, -105.0]
TARGETS = [0.0, 1.0, 0.3]


@pytest.mark.parametrize("target", TARGETS)
def test_bce_from_logits_has_the_exact_value_and_gradient_at_saturated_logits(target):
    logits = torch.tensor([SATURATED], requires_grad=True)
    x = torch.full_like(logits, target)
    bce_with_logits_per_image(logits, x).sum().backward()
    # The reference, in float64: -[x log s(l) + (1 - x) log(1 - s(l))] by log-sigmoids,
    # and its gradient by autograd.
    exact = logits.detach().double().requires_grad_()
    exact_x = x.double()
    reference = -(
        exact_x * torch.nn.functional.logsigmoid(exact)
        + (1 - exact_x) * torch.nn.functional.logsigmoid(-exact)
    )
    reference.sum().backward()
    assert torch.isfinite(logits.grad).all()
    assert logits.grad.double() == pytest.approx(exact.grad, abs=1e-6)
    assert logits.grad.double() == pytest.approx(torch.sigmoid(exact.detach()) - exact_x, abs=1e-6)
    value = bce_with_logits_per_image(logits.detach(), x).item()
    assert value == pytest.approx(reference.sum().item(), rel=1e-6)


def test_vae_loss_gradient_is_finite_when_the_decoder_saturates():
    logits = torch.tensor([[20.0, -20.0, 0.5, 120.0, -120.0]], requires_grad=True)
    x = torch.tensor([[1.0, 0.0, 0.3, 1.0, 0.0]])
    mean, logvar = torch.zeros(1, 2), torch.zeros(1, 2)
    vae_loss(logits, x, mean, logvar).backward()
    expected = torch.sigmoid(logits.detach().double()) - x.double()
    assert torch.isfinite(logits.grad).all()
    assert logits.grad.double() == pytest.approx(expected, abs=1e-6)


def test_bce_from_logits_propagates_nan_instead_of_raising():
    value = bce_with_logits_per_image(
        torch.tensor([[float("nan"), 0.5]]), torch.tensor([[1.0, 0.0]])
    )
    assert torch.isnan(value).all()


def binary_images(digits, count=256):
    """Digits with every pixel exactly 0 or 1, as most of MNIST's are."""
    return (to_float(digits["train_images"][:count]) > 0.5).float()


@pytest.mark.parametrize("written_out", [True, False])
def test_a_vae_with_a_saturated_decoder_trains_on_with_finite_gradients(digits, written_out):
    images = binary_images(digits)
    spec = model_spec("vae", hidden=[32], fused_optimizer=False, mixed_precision=not written_out)
    seed_everything(0)
    model = build_model(spec, tuple(images.shape[1:]), 4)
    with torch.no_grad():  # drive the output layer far past where its sigmoid rounds to 0 or 1
        bias = model.decoder[-2].bias
        bias.copy_(torch.where(images.mean(0).flatten() > 0.5, 120.0, -120.0))
        bias[: len(bias) // 2] *= -1  # half the pixels confidently wrong
        assert {0.0, 1.0} <= set(torch.sigmoid(bias).unique().tolist())
    flat = flatten_parameters(model)
    step = make_train_step(model, spec, make_optimizer(spec, [flat]), flat, log=lambda _: None)
    for batch in images.split(64):
        assert torch.isfinite(step(batch))
        assert torch.isfinite(flat.grad).all() and torch.isfinite(flat).all()


def test_a_vae_trained_to_exact_zeros_and_ones_stays_finite(digits):
    images = binary_images(digits)
    # Adam at a high rate for many steps: a decoder as confident as one trained for
    # 100 epochs on MNIST, reached in a second.
    spec = model_spec("vae", hidden=[32], lr=0.01, batch_size=64, epochs=300)
    seed_everything(0)
    model = build_model(spec, tuple(images.shape[1:]), 4)
    torch.set_flush_denormal(True)  # as training runs: sigmoid(l) is then 0 from l < -87
    try:
        result = train_autoencoder(model, spec, images, images[:64], 0, log=lambda _: None)
    finally:
        torch.set_flush_denormal(False)
    assert result["status"] == "ok" and result["epochs_completed"] == 300
    with torch.no_grad():
        recon = model.reconstruct(images)
    # The decoder became confident enough that its float32 sigmoid rounds to 0 and 1.
    assert (recon == 1.0).any() and (recon == 0.0).any()


def test_a_truly_diverging_vae_is_still_recorded_as_diverged(digits):
    images = to_float(digits["train_images"][:512])
    spec = model_spec("vae", hidden=[32], lr=10.0, epochs=20)
    seed_everything(0)
    model = build_model(spec, tuple(images.shape[1:]), 4)
    result = train_autoencoder(model, spec, images, images[:64], 0, log=lambda _: None)
    assert result["status"] == "diverged"
    assert 1 <= result["diverged_epoch"] == result["epochs_completed"] < 20
