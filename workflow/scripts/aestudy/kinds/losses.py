"""Losses the kinds share and the per-image terms the evaluation reports.

Images are [N, ...] tensors with values in [0, 1]; per-image terms sum over pixels.
"""

import math

import torch
import torch.nn.functional as F


def mse_loss(recon, x):
    """Mean squared error per pixel (nn.MSELoss's default mean), the AEs' loss."""
    return F.mse_loss(recon, x)


def mse_loss_gradient(recon, x):
    """d mse_loss / d recon, by the kernel autograd runs for it (bit-identical)."""
    return torch.ops.aten.mse_loss_backward(recon.new_ones(()), recon, x, 1)  # 1: mean


def bce_per_image(recon, x):
    """Binary cross-entropy summed over each image's pixels: -log p(x | z) in nats.

    Written out rather than F.binary_cross_entropy, which raises on NaN inputs: a
    diverged run must reach the divergence check, not crash. Logs are clamped at
    -100 as PyTorch's BCE does.
    """
    log_p = torch.log(recon).clamp(min=-100)
    log_not_p = torch.log1p(-recon).clamp(min=-100)
    return -(x * log_p + (1 - x) * log_not_p).flatten(1).sum(1)


def kl_per_image(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, I)) per image, in closed form."""
    return -0.5 * torch.sum(1 + logvar - mean.pow(2) - logvar.exp(), dim=1)


def log_normal(z, mean, logvar):
    """log N(z; mean, diag(exp(logvar))) summed over the last dimension."""
    return -0.5 * torch.sum(
        math.log(2 * math.pi) + logvar + (z - mean).pow(2) / logvar.exp(), dim=-1
    )
