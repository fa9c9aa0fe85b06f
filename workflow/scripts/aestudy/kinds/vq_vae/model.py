"""The VQ-VAE: the CNN-AE's encoder and decoder around a vector quantiser."""

import torch
from torch import nn

from aestudy.kinds.cnn_ae.model import ConvAutoencoder
from aestudy.kinds.losses import mse_loss


class VectorQuantizer(nn.Module):
    """The nearest of `size` code vectors for each position of a [N, D, H, W] map.

    update 'loss': the codebook learns from the codebook loss ||sg[z_e] - e||^2;
    'ema': it follows exponential moving averages of the vectors assigned to each
    code instead (the paper's appendix), and has no gradient."""

    def __init__(self, size, dim, update, decay):
        super().__init__()
        self.update, self.decay = update, decay
        codebook = torch.empty(size, dim).uniform_(-1 / size, 1 / size)
        if update == "ema":
            self.register_buffer("codebook", codebook)
            self.register_buffer("cluster_size", torch.zeros(size))
            self.register_buffer("cluster_sum", codebook.clone())
        else:
            self.codebook = nn.Parameter(codebook)

    def indices(self, z_e):
        """The index of the nearest code for each position: [N, H, W]."""
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, z_e.shape[1])
        distances = (
            flat.pow(2).sum(1, keepdim=True)
            - 2 * flat @ self.codebook.t()
            + self.codebook.pow(2).sum(1)
        )
        return distances.argmin(1).view(z_e.shape[0], *z_e.shape[2:])

    def lookup(self, indices):
        return self.codebook[indices].permute(0, 3, 1, 2)

    def forward(self, z_e):
        """(z_q with the straight-through gradient, codes [N, H, W], z_q itself)."""
        codes = self.indices(z_e)
        z_q = self.lookup(codes)
        if self.training and self.update == "ema":
            self._ema_update(z_e.detach(), codes)
        return z_e + (z_q - z_e).detach(), codes, z_q

    @torch.no_grad()
    def _ema_update(self, z_e, codes):
        one_hot = nn.functional.one_hot(codes.flatten(), len(self.codebook)).to(z_e.dtype)
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, z_e.shape[1])
        self.cluster_size.mul_(self.decay).add_(one_hot.sum(0), alpha=1 - self.decay)
        self.cluster_sum.mul_(self.decay).add_(one_hot.t() @ flat, alpha=1 - self.decay)
        # Laplace smoothing keeps unused codes from dividing by zero
        total = self.cluster_size.sum()
        size = (self.cluster_size + 1e-5) / (total + len(self.codebook) * 1e-5) * total
        self.codebook.copy_(self.cluster_sum / size.unsqueeze(1))


class VQVAE(ConvAutoencoder):
    def __init__(
        self,
        image_shape,
        channels,
        bottleneck_kernel,
        latent_dim,
        codebook_size,
        commitment,
        update,
        decay,
    ):
        super().__init__(image_shape, channels, bottleneck_kernel, latent_dim)
        self.commitment = commitment
        self.quantizer = VectorQuantizer(codebook_size, self.bottleneck_shape[0], update, decay)

    def forward(self, x, y=None):
        """(reconstruction, encoder output z_e, quantised z_q)."""
        z_e = self.encoder(x)
        straight_through, _, z_q = self.quantizer(z_e)
        return self.decoder(straight_through), z_e, z_q

    def loss(self, x, outputs):
        """MSE + the codebook loss (unless the codebook follows moving averages) +
        commitment * ||z_e - sg[e]||^2; recorded per image like the AE's."""
        recon, z_e, z_q = outputs
        loss = mse_loss(recon, x) + self.commitment * mse_loss(z_e, z_q.detach())
        if self.quantizer.update == "loss":
            loss = loss + mse_loss(z_q, z_e.detach())
        return loss, loss * len(x)

    def code(self, x, y=None):
        """The quantised code the decoder reads, flattened."""
        return self.quantizer(self.encoder(x))[2].flatten(1)

    def reconstruct(self, x, y=None):
        return self.decode(self.code(x))

    def evaluation_terms(self, x, generator, iw_samples, y=None):
        """How often each image uses each code: [N, codebook_size]."""
        codes = self.quantizer.indices(self.encoder(x)).flatten(1)
        return dict(
            code_usage=nn.functional.one_hot(codes, len(self.quantizer.codebook)).sum(1).to(x.dtype)
        )

    def summary_metrics(self, means):
        usage = means["code_usage"]
        share = usage / usage.sum()
        entropy = -(share[share > 0] * share[share > 0].log()).sum()
        return dict(
            codebook_perplexity=float(entropy.exp()), codes_used=float((usage > 0).double().mean())
        )


def build(spec, image_shape, latent_dim):
    return VQVAE(
        image_shape,
        spec["channels"],
        spec["bottleneck_kernel"],
        latent_dim,
        spec["codebook_size"],
        spec["commitment"],
        spec["codebook_update"],
        spec["ema_decay"],
    )
