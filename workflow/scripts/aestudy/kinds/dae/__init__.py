"""Denoising autoencoder (Vincent et al. 2008): the MLP autoencoder trained to
reconstruct the clean image from a corrupted one (Gaussian noise clipped to
[0, 1], or masking), MSE against the clean image."""

from aestudy.figures import GRID, RUN_FIGURES, FigureKind, bounded
from aestudy.kinds import Kind

# The figure of the denoising kinds: test images corrupted as evaluation.denoising
# says (its settings reach the figure with its own), reconstructed, and the clean ones.
DENOISING = FigureKind(
    "denoising",
    "data",
    GRID,
    description="Denoising kinds; test images corrupted as evaluation.denoising says.",
    settings=dict(count=bounded(1, 32, 10, "test images shown")),
    shows_corruption=True,
)

KIND = Kind(name="dae", figures=(*RUN_FIGURES, DENOISING), family="regularised_ae")
