"""Denoising autoencoder (Vincent et al. 2008): the MLP autoencoder trained to
reconstruct the clean image from a corrupted one (Gaussian noise clipped to
[0, 1], or masking), MSE against the clean image."""

from aestudy.figures import RUN_FIGURES
from aestudy.kinds import Kind

KIND = Kind(name="dae", figures=(*RUN_FIGURES, "denoising"), family="regularised_ae")
