"""Pieces the kinds share: MLP stacks, the Gaussian code of the VAE family, and
the base of the deterministic autoencoders."""

import torch
from torch import nn

from aestudy.kinds.losses import bce_per_image, mse_loss


def mlp(widths):
    """Linear layers through `widths` with ReLU between them, none after the last."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths, widths[1:], strict=False)):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    return layers


def gaussian_sample(mean, logvar, noise):
    """z = mean + noise * std with std = exp(logvar / 2): the reparameterisation,
    the one place it is written (training, evaluation and the fast step use it)."""
    return mean + noise * torch.exp(0.5 * logvar)


class Autoencoder(nn.Module):
    """What the pipeline asks of a kind whose code is a point (AE, CNN-AE): its
    code for plots, its reconstruction, its loss (MSE per pixel) and no terms
    beyond MSE and BCE. Subclasses define `encode` and `decode`.

    Every kind's methods take the images' class labels `y` too; the unconditional
    kinds ignore them."""

    def forward(self, x, y=None):
        return self.decode(self.encode(x))

    def code(self, x, y=None):
        return self.encode(x)

    def reconstruct(self, x, y=None):
        return self.decode(self.code(x))

    def reconstruct_with_bce(self, x, y=None):
        """The reconstruction and its BCE per image (the reported test BCE), here
        from the images, which are all an MSE-trained decoder gives."""
        recon = self.reconstruct(x, y)
        return recon, bce_per_image(recon, x)

    def loss(self, x, recon):
        """(loss to minimise, the batch's sum of the recorded per-item loss): MSE
        per pixel, recorded per pixel and image."""
        loss = mse_loss(recon, x)
        return loss, loss * len(x)

    def evaluation_terms(self, x, generator, iw_samples, y=None):
        return {}
