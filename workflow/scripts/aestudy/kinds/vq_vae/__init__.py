"""VQ-VAE (van den Oord et al. 2017): the convolutional autoencoder with each
position of its bottleneck map replaced by the nearest of `codebook_size` learned
vectors; the gradient passes the quantisation straight through.

`latent_dim` is the number of bottleneck values, as for the CNN-AE: the code
vectors' size times the positions of the map (bottleneck_kernel 1 keeps a 7x7
map of MNIST's images, 8x8 of CIFAR-10's)."""

from aestudy.figures import RUN_FIGURES
from aestudy.kinds import Kind
from aestudy.kinds.cnn_ae import check_latent_dim

KIND = Kind(
    name="vq_vae",
    # how evenly the codebook is used on the test set: exp(entropy) of the code
    # frequencies (1 to codebook_size), and the share of codes used at all
    metrics=("codebook_perplexity", "codes_used"),
    # no samples: drawing codes needs a learned prior over them (PixelCNN in the
    # paper), which this study does not train
    figures=(*(f for f in RUN_FIGURES if f != "samples"), "code_usage"),
    manifold=False,
    check_latent_dim=check_latent_dim,
    generation="none",
    family="vae_variant",
    network="conv",
    layers={"quantizer": "quantiser"},
)
