"""Test-set metrics of a trained model.

- test_mse: mean squared error per pixel of the deterministic reconstruction
  (the AE's output, the VAE's decode of its posterior mean).
- test_bce: binary cross-entropy per image of that reconstruction, in nats.
- VAE only: the ELBO per image (one posterior sample per image; its parts are the
  expected reconstruction log-likelihood and the KL), and the importance-weighted
  estimate of log p(x) with K posterior samples (Burda et al.), which is >= the
  ELBO on average and tends to log p(x) as K grows. Both use beta = 1, whatever
  beta the model was trained with, so that they are proper bounds.
Random draws come from one seeded generator, so the numbers are reproducible.
"""

import math

import torch

from aestudy.losses import bce_per_image, kl_per_image, log_normal
from aestudy.models import VAE


@torch.no_grad()
def evaluate_model(model, images, seed, iw_samples=100, batch_size=500):
    model.eval()
    generator = torch.Generator(device=images.device).manual_seed(seed)
    sums = dict(test_mse=0.0, test_bce=0.0, elbo=0.0, elbo_reconstruction=0.0, kl=0.0, iw_ll=0.0)
    is_vae = isinstance(model, VAE)
    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size]
        if is_vae:
            mean, logvar = model.encode(x)
            recon = model.decode(mean)
        else:
            recon = model(x)
        sums["test_mse"] += (recon - x).pow(2).flatten(1).mean(1).sum().item()
        sums["test_bce"] += bce_per_image(recon, x).sum().item()
        if is_vae:
            z = _sample(mean, logvar, generator)
            log_px_z = -bce_per_image(model.decode(z), x)
            kl = kl_per_image(mean, logvar)
            sums["elbo_reconstruction"] += log_px_z.sum().item()
            sums["kl"] += kl.sum().item()
            sums["elbo"] += (log_px_z - kl).sum().item()
            sums["iw_ll"] += (
                iw_log_likelihood(model, x, mean, logvar, iw_samples, generator).sum().item()
            )
    metrics = {key: value / len(images) for key, value in sums.items()}
    if not is_vae:
        for key in ("elbo", "elbo_reconstruction", "kl", "iw_ll"):
            metrics[key] = None
    return metrics


def iw_log_likelihood(model, x, mean, logvar, samples, generator, chunk=64):
    """log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), per image."""
    log_weights = []
    for done in range(0, samples, chunk):
        k = min(chunk, samples - done)
        z = _sample(mean.expand(k, *mean.shape), logvar.expand(k, *logvar.shape), generator)
        recon = model.decode(z.flatten(0, 1)).view(k, *x.shape)
        log_px_z = -bce_per_image(recon.flatten(0, 1), x.expand(k, *x.shape).flatten(0, 1))
        log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
        log_qz = log_normal(z, mean, logvar)
        log_weights.append(log_px_z.view(k, -1) + log_pz - log_qz)
    return torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(samples)


def _sample(mean, logvar, generator):
    eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    return mean + eps * torch.exp(0.5 * logvar)
