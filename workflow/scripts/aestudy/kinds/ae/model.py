"""The MLP autoencoder."""

from math import prod

from torch import nn

from aestudy.kinds.layers import Autoencoder, mlp
from aestudy.kinds.losses import mse_loss, mse_loss_gradient
from aestudy.training.written_out_backward import (
    backward_over_runs,
    backward_stack,
    forward_over_runs,
    forward_stack,
    is_stack,
)


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

    # R runs of this shape in one step (aestudy.training.together) ------------------

    def noise_size(self):
        return 0  # no draws

    def written_out_backward_over_runs(self, runs, x, noise=None):
        """written_out_backward for a batch of each run, x [R, B, ...]: (each run's
        recorded loss sum, the gradients by name when `runs.functional`)."""
        layers = runs.layers([*self.encoder, *self.decoder])
        size = x.shape[1]
        x_flat = x.flatten(2)
        outputs = forward_over_runs(layers, x_flat)
        diff = outputs[-1] - x_flat
        # mse_loss_backward's arithmetic for one run's mean: (recon - x) * (2 / numel)
        grad = diff * (2.0 / x_flat[0].numel())
        found = {}
        backward_over_runs(layers, x_flat, outputs, grad, found)
        return diff.square().mean((1, 2)) * size, found


def build(spec, image_shape, latent_dim):
    return MLPAutoencoder(image_shape, spec["hidden"], latent_dim)
