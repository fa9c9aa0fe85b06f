"""The contractive MLP autoencoder: network, penalty, loss."""

from torch import nn

from aestudy.kinds.ae.model import MLPAutoencoder
from aestudy.kinds.losses import mse_loss


def jacobian_penalty(encoder, x_flat):
    """(||d encoder / d x||_F^2 per image, the code) for a stack of Linear layers
    with ReLUs between them, exactly: J(x) = W_L D_{L-1} W_{L-1} ... D_1 W_1, with
    D_l the 0/1 diagonal of the l-th ReLU at x. Built from the code's side, one
    [z, width] matrix per image, so it costs about z backward passes; autograd
    differentiates it for training (the masks are constants)."""
    linears = [m for m in encoder if isinstance(m, nn.Linear)]
    masks, h = [], x_flat
    for module in encoder:
        h = module(h)
        if isinstance(module, nn.ReLU):
            masks.append(h > 0)
    jacobian = linears[-1].weight.expand(len(x_flat), *linears[-1].weight.shape)
    for linear, mask in zip(reversed(linears[:-1]), reversed(masks), strict=True):
        jacobian = (jacobian * mask.unsqueeze(1)) @ linear.weight
    return jacobian.pow(2).sum((1, 2)), h


class ContractiveAutoencoder(MLPAutoencoder):
    def __init__(self, image_shape, hidden, latent_dim, weight):
        super().__init__(image_shape, hidden, latent_dim)
        self.weight = weight

    def forward(self, x, y=None):
        """(reconstruction, the penalty of each image)."""
        penalty, code = jacobian_penalty(self.encoder, x.flatten(1))
        return self.decode(code), penalty

    def loss(self, x, outputs):
        """MSE per pixel + weight * mean penalty; recorded per image like the AE's."""
        recon, penalty = outputs
        loss = mse_loss(recon, x) + self.weight * penalty.mean()
        return loss, loss * len(x)

    def evaluation_terms(self, x, generator, iw_samples, y=None):
        return dict(contractive_penalty=jacobian_penalty(self.encoder, x.flatten(1))[0])

    def has_written_out_backward(self):
        return False  # the penalty's gradient is autograd's


def build(spec, image_shape, latent_dim):
    return ContractiveAutoencoder(
        image_shape, spec["hidden"], latent_dim, spec["contraction_weight"]
    )
