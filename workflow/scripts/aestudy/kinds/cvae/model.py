"""The conditional VAE: the VAE's network and loss, conditioned on the class."""

from aestudy.kinds.vae.model import VAE


def build(spec, image_shape, latent_dim):
    return VAE(image_shape, spec["hidden"], latent_dim, spec["beta"], conditions=spec["classes"])
