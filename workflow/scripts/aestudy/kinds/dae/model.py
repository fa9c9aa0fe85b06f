"""The denoising MLP autoencoder; its corruption in training serves the
convolutional one too."""

from aestudy.data.corruption import corrupt
from aestudy.kinds.ae.model import MLPAutoencoder


class CorruptsInTraining:
    """Mixed into an autoencoder: in training, the input is corrupted before it is
    encoded, and the loss compares the output with the clean input. In evaluation
    the model is the plain autoencoder it extends."""

    def forward(self, x, y=None):
        if self.training:
            x = corrupt(x, self.noise)
        return super().forward(x)

    def has_written_out_backward(self):
        return False  # the fast step knows clean inputs only


class DenoisingAutoencoder(CorruptsInTraining, MLPAutoencoder):
    def __init__(self, image_shape, hidden, latent_dim, noise):
        super().__init__(image_shape, hidden, latent_dim)
        self.noise = dict(noise)


def build(spec, image_shape, latent_dim):
    return DenoisingAutoencoder(image_shape, spec["hidden"], latent_dim, spec["noise"])
