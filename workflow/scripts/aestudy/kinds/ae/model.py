"""The MLP autoencoder."""

from math import prod

from torch import nn

from aestudy.kinds.layers import Autoencoder, mlp
from aestudy.kinds.losses import mse_loss, mse_loss_gradient
from aestudy.training.written_out_backward import backward_stack, forward_stack, is_stack


class MLPAutoencoder(Autoencoder):
    """Encoder input-hidden...-z with ReLU; decoder mirrored, sigmoid output."""

    def __init__(self, image_shape, hidden, latent_dim):
        super().__init__()
        self.image_shape = tuple(image_shape)
        widths = [prod(image_shape), *hidden, latent_dim]
        self.encoder = nn.Sequential(*mlp(widths))
        self.decoder = nn.Sequential(*mlp(widths[::-1]), nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z, y=None):
        return self.decoder(z).view(-1, *self.image_shape)

    # The fast training step (aestudy.training.written_out_backward) --------------

    def has_written_out_backward(self):
        return is_stack([*self.encoder, *self.decoder])

    def written_out_backward(self, x):
        """Fill every gradient for one batch; return the recorded loss sum."""
        stack = [*self.encoder, *self.decoder]
        x_flat = x.flatten(1)
        outputs = forward_stack(stack, x_flat)
        recon = outputs[-1].view(x.shape)
        grad = mse_loss_gradient(recon, x)
        backward_stack(stack, x_flat, outputs, grad.view(len(x), -1))
        return mse_loss(recon, x) * len(x)


def build(spec, image_shape, latent_dim):
    return MLPAutoencoder(image_shape, spec["hidden"], latent_dim)
