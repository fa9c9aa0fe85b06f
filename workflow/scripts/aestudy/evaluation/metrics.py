"""Test-set metrics of a trained model.

Every kind: test_mse (per pixel), test_bce (per image, nats) and test_psnr (dB,
per image, averaged) of the deterministic reconstruction (the VAE decodes its
posterior mean), and denoised_mse / denoised_psnr of the reconstruction of the
fixed corrupted test set against the clean images. A kind adds its own per-image
terms (the VAE: ELBO, its parts, the importance-weighted log p(x)) through its
model's `evaluation_terms`. Random draws come from one seeded generator, so the
numbers are reproducible.
"""

import torch

from aestudy.data.corruption import fixed_corruption
from aestudy.kinds import metric_names


def psnr_per_image(recon, x):
    """Peak signal-to-noise ratio of each image in dB, for values in [0, 1]."""
    mse = (recon - x).pow(2).flatten(1).mean(1)
    return -10.0 * torch.log10(mse.clamp_min(1e-10))


@torch.no_grad()
def evaluate_model(
    model, images, seed, iw_samples=100, batch_size=500, denoising=None, labels=None
):
    """({metric: mean over the images}, {metric: its value per image}); None for the
    metrics this kind lacks, and for the denoising ones without `denoising`.
    `labels` are the images' classes, which a conditional model reads."""
    model.eval()
    generator = torch.Generator(device=images.device).manual_seed(seed)
    noisy = fixed_corruption(images, denoising) if denoising else None
    per_image = {}

    def add(key, values):
        per_image.setdefault(key, []).append(values)

    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size]
        y = None if labels is None else labels[start : start + batch_size]
        recon, bce = model.reconstruct_with_bce(x, y)
        add("test_mse", (recon - x).pow(2).flatten(1).mean(1))
        add("test_bce", bce)
        add("test_psnr", psnr_per_image(recon, x))
        if noisy is not None:
            denoised = model.reconstruct(noisy[start : start + batch_size], y)
            add("denoised_mse", (denoised - x).pow(2).flatten(1).mean(1))
            add("denoised_psnr", psnr_per_image(denoised, x))
        for key, values in model.evaluation_terms(x, generator, iw_samples, y).items():
            add(key, values)
    per_image = {key: torch.cat(values).cpu() for key, values in per_image.items()}
    # Sums in batch order, as float64 on the host: the means do not depend on the device.
    means = {
        key: sum(v.sum().item() for v in values.split(batch_size)) / len(images)
        for key, values in per_image.items()
        if values.ndim == 1
    }
    # Terms with a value per image and dimension (the VAE's KL per latent dimension,
    # the VQ-VAE's code counts): their mean over the images, kept as lists.
    profiles = {k: v.double().mean(0) for k, v in per_image.items() if v.ndim == 2}
    if hasattr(model, "summary_metrics"):
        means.update(model.summary_metrics(profiles))
    metrics = {key: means.get(key) for key in metric_names()}
    metrics.update({key: profile.tolist() for key, profile in profiles.items()})
    return metrics, per_image
