import math

import pytest
import torch

from aestudy.kinds.losses import bce_per_image, kl_per_image, log_normal, mse_loss
from aestudy.kinds.vae.model import vae_loss


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
    x, recon = torch.rand(3, 4), torch.rand(3, 4)
    mean, logvar = torch.randn(3, 2), torch.randn(3, 2)
    bce = bce_per_image(recon, x).sum()
    kl = kl_per_image(mean, logvar).sum()
    assert vae_loss(recon, x, mean, logvar, beta=4.0).item() == pytest.approx(
        (bce + 4.0 * kl).item(), rel=1e-6
    )


def test_log_normal_matches_torch_distributions():
    z, mean, logvar = torch.randn(6, 3), torch.randn(6, 3), torch.randn(6, 3)
    reference = torch.distributions.Normal(mean, torch.exp(0.5 * logvar)).log_prob(z).sum(-1)
    assert torch.allclose(log_normal(z, mean, logvar), reference, atol=1e-5)
