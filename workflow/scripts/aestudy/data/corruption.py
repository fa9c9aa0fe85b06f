"""Corrupting images on purpose: the noise a denoising autoencoder learns to
remove, and the fixed noise every model is tested against.

`noise` is a config block: {type: gaussian, factor} adds factor * N(0, 1) to each
pixel and clips to [0, 1] (the denoising article's noise_factor 0.5); {type:
masking, drop_fraction} sets that share of the pixels to 0. Draws come from
`generator`, or from PyTorch's global generator (seeded per run) in training.
"""

import torch


def corrupt(images, noise, generator=None):
    """A corrupted copy of images [N, C, H, W] with values in [0, 1]. Without a
    generator the draws come from the images' device's global generator."""
    device = images.device if generator is None else "cpu"  # generators live on the CPU

    def draw(sample):
        return sample(images.shape, generator=generator, device=device).to(images.device)

    if noise["type"] == "gaussian":
        return (images + noise["factor"] * draw(torch.randn)).clamp_(0.0, 1.0)
    return images * (draw(torch.rand) >= noise["drop_fraction"])


def fixed_corruption(images, noise):
    """The same corruption of the same test images for every run of a study: drawn
    from noise['seed'], whatever the device or the evaluation's batches."""
    return corrupt(images, noise, torch.Generator().manual_seed(noise["seed"]))
