"""The convolutional autoencoder."""

from torch import nn

from aestudy.kinds.cnn_ae import cnn_bottleneck
from aestudy.kinds.layers import Autoencoder


class ConvAutoencoder(Autoencoder):
    """3x3 stride-2 convs, a kernel x kernel bottleneck conv; mirrored transposed convs."""

    def __init__(self, image_shape, channels, bottleneck_kernel, latent_dim):
        super().__init__()
        bottleneck, side = cnn_bottleneck(image_shape, channels, bottleneck_kernel, latent_dim)
        self.bottleneck_shape = (bottleneck, side, side)
        widths = [image_shape[0], *channels]
        encoder = []
        for n_in, n_out in zip(widths, widths[1:], strict=False):
            encoder += [nn.Conv2d(n_in, n_out, 3, stride=2, padding=1), nn.ReLU()]
        encoder.append(nn.Conv2d(widths[-1], bottleneck, bottleneck_kernel))
        decoder = [nn.ConvTranspose2d(bottleneck, widths[-1], bottleneck_kernel)]
        for n_in, n_out in zip(widths[::-1], widths[-2::-1], strict=False):
            decoder += [
                nn.ReLU(),
                nn.ConvTranspose2d(n_in, n_out, 3, stride=2, padding=1, output_padding=1),
            ]
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder, nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x).flatten(1)

    def decode(self, z, y=None):
        return self.decoder(z.view(-1, *self.bottleneck_shape))

    def forward(self, x, y=None):
        return self.decoder(self.encoder(x))  # the bottleneck map as it is, unflattened


def build(spec, image_shape, latent_dim):
    return ConvAutoencoder(image_shape, spec["channels"], spec["bottleneck_kernel"], latent_dim)
