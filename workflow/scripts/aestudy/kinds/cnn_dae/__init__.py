"""Denoising convolutional autoencoder: the CNN-AE trained to reconstruct the
clean image from a corrupted one (the denoising article's convolutional
autoencoder with noise factor 0.5)."""

from aestudy.figures import RUN_FIGURES
from aestudy.kinds import Kind
from aestudy.kinds.cnn_ae import check_latent_dim
from aestudy.kinds.dae import DENOISING

KIND = Kind(
    name="cnn_dae",
    figures=(*RUN_FIGURES, DENOISING),
    check_latent_dim=check_latent_dim,
    family="regularised_ae",
    network="conv",
)
