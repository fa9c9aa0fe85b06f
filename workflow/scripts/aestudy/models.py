"""The three model kinds of the course report, and the factory that builds them.

Every model takes and returns images [N, C, H, W] with values in [0, 1].
`encode` gives the code used for latent plots (the VAE's mean).
"""

from math import prod

import torch
from torch import nn

from aestudy.shapes import cnn_bottleneck


def mlp(widths):
    """Linear layers through `widths` with ReLU between them, none after the last."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths, widths[1:], strict=False)):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    return layers


class MLPAutoencoder(nn.Module):
    """Encoder input-hidden...-z with ReLU; decoder mirrored, sigmoid output."""

    def __init__(self, image_shape, hidden, latent_dim):
        super().__init__()
        self.image_shape = tuple(image_shape)
        widths = [prod(image_shape), *hidden, latent_dim]
        self.encoder = nn.Sequential(*mlp(widths))
        self.decoder = nn.Sequential(*mlp(widths[::-1]), nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.decoder(z).view(-1, *self.image_shape)

    def forward(self, x):
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
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

    def decode(self, z):
        return self.decoder(z.view(-1, *self.bottleneck_shape))

    def forward(self, x):
        return self.decoder(self.encoder(x))


class VAE(nn.Module):
    """Encoder input-hidden -> (mean, logvar); decoder z-hidden(mirrored)-input, sigmoid."""

    def __init__(self, image_shape, hidden, latent_dim):
        super().__init__()
        self.image_shape = tuple(image_shape)
        n_input = prod(image_shape)
        self.encoder = nn.Sequential(*mlp([n_input, *hidden]), nn.ReLU())
        self.fc_mean = nn.Linear(hidden[-1], latent_dim)
        self.fc_logvar = nn.Linear(hidden[-1], latent_dim)
        self.decoder = nn.Sequential(*mlp([latent_dim, *hidden[::-1], n_input]), nn.Sigmoid())

    def encode(self, x):
        h = self.encoder(x.flatten(1))
        return self.fc_mean(h), self.fc_logvar(h)

    def reparameterize(self, mean, logvar):
        return mean + torch.randn_like(mean) * torch.exp(0.5 * logvar)

    def decode(self, z):
        return self.decoder(z).view(-1, *self.image_shape)

    def forward(self, x):
        mean, logvar = self.encode(x)
        return self.decode(self.reparameterize(mean, logvar)), mean, logvar


def build_model(spec, image_shape, latent_dim):
    """The model a config entry (`spec`, with its defaults filled in) describes."""
    kind = spec["kind"]
    if kind == "ae":
        return MLPAutoencoder(image_shape, spec["hidden"], latent_dim)
    if kind == "cnn_ae":
        return ConvAutoencoder(image_shape, spec["channels"], spec["bottleneck_kernel"], latent_dim)
    if kind == "vae":
        return VAE(image_shape, spec["hidden"], latent_dim)
    raise ValueError(f"unknown model kind {kind!r}")


def code_of(model, x):
    """The deterministic code of x: the AE's z, the VAE's posterior mean."""
    code = model.encode(x)
    return code[0] if isinstance(code, tuple) else code


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
