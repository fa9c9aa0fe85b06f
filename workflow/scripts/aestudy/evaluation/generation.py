"""What a trained model makes beyond its reconstructions: the codes of images, new
images from its prior (or from a Gaussian fitted to its training codes, for a
model without one), and the decodes along a line between two codes. The figures
show them; the evaluation scores them (evaluation/diagnostics.py).

A model's `code(x)` is its deterministic code (the VAE's posterior mean)."""

import torch


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


def model_device(model):
    """Where the model's weights are (the CPU for a model without any)."""
    first = next(model.parameters(), None)
    return torch.device("cpu") if first is None else first.device


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
    """Decodes of `count` codes drawn from N(mean, covariance), drawn on the CPU
    (the same draws on any device) and decoded where the model is."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    mean, covariance = mean.cpu(), covariance.cpu()
    eps = torch.randn(count, len(mean), generator=generator)
    chol = torch.linalg.cholesky(covariance.double()).float()
    return model.decode((mean + eps @ chol.T).to(model_device(model)))


@torch.no_grad()
def class_samples(model, classes, per_class, latent_dim, seed):
    """A conditional model's decodes of z ~ N(0, I), `per_class` for each class, in
    class order: [classes * per_class, C, H, W]."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(classes * per_class, latent_dim, generator=generator)
    labels = torch.arange(classes).repeat_interleave(per_class)
    device = model_device(model)
    return model.decode(z.to(device), labels.to(device))


@torch.no_grad()
def interpolate(model, start, end, weights, labels=None):
    """Decode the straight line between the codes of two images at `weights` (the
    shares of the way from the first to the second): [len(weights), C, H, W]. A
    conditional model encodes each with its label and decodes with the first's."""
    model.eval()
    codes = model.code(torch.stack([start, end]), labels)
    weights = torch.as_tensor(weights, dtype=codes.dtype).unsqueeze(1)
    decoded_with = None if labels is None else labels[:1].expand(len(weights))
    return model.decode((1 - weights) * codes[0] + weights * codes[1], decoded_with)


def draw_samples(model, how, train_images, classes, count, seed=0):
    """`count` new images as the model's kind makes them (Kind.generation): from its
    prior, from a Gaussian fitted to the codes of `train_images` (float; needed for
    "fitted" only), or, for a conditional model, count // classes from its prior per
    class; None for a kind that makes none."""
    if how == "none":
        return None
    if how == "class":
        return class_samples(model, classes, max(1, count // classes), model.latent_dim, seed)
    mean, covariance = code_distribution(model, train_images)
    return sample(model, mean, covariance, count, seed)
