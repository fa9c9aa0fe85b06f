"""Test-set metrics of a trained model.

Every kind: test_mse, the mean squared error per pixel of the deterministic
reconstruction (the VAE decodes its posterior mean), and test_bce, the binary
cross-entropy per image of that reconstruction, in nats. A kind adds its own
per-image terms (the VAE: ELBO, its parts, the importance-weighted log p(x))
through its model's `evaluation_terms`. Random draws come from one seeded
generator, so the numbers are reproducible.
"""

import torch

from aestudy.kinds import metric_names
from aestudy.kinds.losses import bce_per_image


@torch.no_grad()
def evaluate_model(model, images, seed, iw_samples=100, batch_size=500):
    """{metric: mean over the test images}, None for the metrics this kind lacks."""
    model.eval()
    generator = torch.Generator(device=images.device).manual_seed(seed)
    sums = {}

    def add(key, per_image):
        sums[key] = sums.get(key, 0.0) + per_image.sum().item()

    for start in range(0, len(images), batch_size):
        x = images[start : start + batch_size]
        recon = model.reconstruct(x)
        add("test_mse", (recon - x).pow(2).flatten(1).mean(1))
        add("test_bce", bce_per_image(recon, x))
        for key, per_image in model.evaluation_terms(x, generator, iw_samples).items():
            add(key, per_image)
    return {key: sums[key] / len(images) if key in sums else None for key in metric_names()}
