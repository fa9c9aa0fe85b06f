"""What the figures show, computed from a trained model: fixed selections of test
images, decoded grids and traversals (figure_data saves them; plots draws them);
codes, samples and interpolations come from evaluation/generation.py.

A model's `code(x)` is its deterministic code (the VAE's posterior mean)."""

import torch
from torch.distributions import Normal

from aestudy.figures import TRAVERSAL_LIMIT


def fixed_selection(count, total, seed=0):
    """The same `count` test indices for every run on a dataset, for image-by-image comparison."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randperm(total, generator=generator)[: min(count, total)]


@torch.no_grad()
def reconstruct(model, images, labels=None):
    model.eval()
    return model.reconstruct(images, labels)


def normal_quantiles(steps):
    """`steps` quantiles of the standard normal, 5 % to 95 %: a decoded grid's axes."""
    return Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, steps))


def traversal_values(steps, limit):
    """`steps` values from -limit to +limit, a traversal's."""
    return torch.linspace(-limit, limit, steps)


@torch.no_grad()
def manifold(model, mean, covariance, grid):
    """Decode a grid x grid lattice of normal quantiles (5 % to 95 %) of a 2-D code
    distribution, per axis: [grid * grid, C, H, W], first row at the top."""
    model.eval()
    quantiles = normal_quantiles(grid)
    std = covariance.diagonal().sqrt()
    ys, xs = torch.meshgrid(quantiles.flip(0), quantiles, indexing="ij")
    z = torch.stack([xs.flatten(), ys.flatten()], 1) * std + mean
    return model.decode(z)


@torch.no_grad()
def traversal(model, mean, covariance, steps, limit=TRAVERSAL_LIMIT):
    """Decode a 1-D code from -limit to +limit standard deviations: [steps, C, H, W]."""
    model.eval()
    t = traversal_values(steps, limit).unsqueeze(1)
    return model.decode(mean + t * covariance.diagonal().sqrt())


@torch.no_grad()
def traverse_dimensions(model, image, label, dimensions, steps, limit):
    """For each latent dimension in `dimensions`, decode the image's code with that
    dimension set to values from -limit to +limit: [len(dimensions) * steps, C, H, W]."""
    model.eval()
    code = model.code(image.unsqueeze(0), label)[0]
    values = traversal_values(steps, limit)
    codes = code.repeat(len(dimensions) * steps, 1)
    for row, dimension in enumerate(dimensions):
        codes[row * steps : (row + 1) * steps, dimension] = values
    return model.decode(codes, None if label is None else label.expand(len(codes)))
