"""What the figures show, computed from a trained model: codes, interpolations,
samples and decoded grids (figure_data saves them; plots draws them).

A model's `code(x)` is its deterministic code (the VAE's posterior mean)."""

import torch
from torch.distributions import Normal

from aestudy.figures import TRAVERSAL_LIMIT
from aestudy.figures.contract import interpolation_weights


def fixed_selection(count, total, seed=0):
    """The same `count` test indices for every run on a dataset, for image-by-image comparison."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randperm(total, generator=generator)[: min(count, total)]


@torch.no_grad()
def encode_all(model, images, labels=None, batch_size=1000):
    model.eval()
    return torch.cat(
        [
            model.code(images[i : i + batch_size], _part(labels, i, batch_size))
            for i in range(0, len(images), batch_size)
        ]
    )


def _part(labels, start, size):
    return None if labels is None else labels[start : start + size]


@torch.no_grad()
def reconstruct(model, images, labels=None):
    model.eval()
    return model.reconstruct(images, labels)


@torch.no_grad()
def interpolate(model, start, end, steps, labels=None):
    """Decode the straight line between the codes of two images: [steps, C, H, W].
    A conditional model encodes each with its label and decodes with the first's."""
    model.eval()
    codes = model.code(torch.stack([start, end]), labels)
    weights = torch.from_numpy(interpolation_weights(steps)).unsqueeze(1)
    decoded_with = None if labels is None else labels[:1].expand(steps)
    return model.decode((1 - weights) * codes[0] + weights * codes[1], decoded_with)


def has_prior(model):
    return hasattr(model, "prior")


def code_distribution(model, train_images):
    """(mean, covariance) new codes are drawn from: the model's prior where it has
    one (the VAE's N(0, I)); otherwise a Gaussian fitted to the codes of its
    training images (full covariance)."""
    if has_prior(model):
        return model.prior()
    codes = encode_all(model, train_images).double()
    dim = codes.shape[1]
    covariance = torch.cov(codes.T).reshape(dim, dim) + 1e-6 * torch.eye(dim, dtype=codes.dtype)
    return codes.mean(0).float(), covariance.float()


@torch.no_grad()
def sample(model, mean, covariance, count, seed=0):
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    eps = torch.randn(count, len(mean), generator=generator)
    chol = torch.linalg.cholesky(covariance.double()).float()
    return model.decode(mean + eps @ chol.T)


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


@torch.no_grad()
def class_samples(model, classes, per_class, latent_dim, seed):
    """A conditional model's decodes of z ~ N(0, I), `per_class` for each class, in
    class order: [classes * per_class, C, H, W]."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(classes * per_class, latent_dim, generator=generator)
    labels = torch.arange(classes).repeat_interleave(per_class)
    return model.decode(z, labels)
