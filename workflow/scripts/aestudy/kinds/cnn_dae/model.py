"""The denoising convolutional autoencoder."""

from aestudy.kinds.cnn_ae.model import ConvAutoencoder
from aestudy.kinds.dae.model import CorruptsInTraining


class DenoisingConvAutoencoder(CorruptsInTraining, ConvAutoencoder):
    def __init__(self, image_shape, channels, bottleneck_kernel, latent_dim, noise):
        super().__init__(image_shape, channels, bottleneck_kernel, latent_dim)
        self.noise = dict(noise)


def build(spec, image_shape, latent_dim):
    return DenoisingConvAutoencoder(
        image_shape, spec["channels"], spec["bottleneck_kernel"], latent_dim, spec["noise"]
    )
