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


def bce_with_logits_per_image(logits, x):
    """Binary cross-entropy summed over each image's pixels, from the decoder's
    logits: -log p(x | z) in nats, the VAE family's likelihood.

    The stable form max(l, 0) - l x + log(1 + exp(-|l|)) of
    F.binary_cross_entropy_with_logits: value and gradient (sigmoid(l) - x) stay
    finite however confident the decoder. Taking logs of sigmoid outputs instead
    fails there: in float32 the sigmoid rounds to exactly 0 or 1 past |l| ~ 17
    (or ~ 88 for 0), and a clamped log's zero gradient times log's infinite one is
    NaN. It does not raise on NaN inputs, so a diverged run reaches the divergence
    check."""
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def bce_per_image(recon, x):
    """Binary cross-entropy summed over each image's pixels, from probabilities: the
    reported test BCE of the kinds whose decoders give only images (the MSE-trained
    autoencoders). For evaluation only; no loss trains through it (its gradient is
    NaN at probabilities of exactly 0 or 1).

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
