"""VQ-VAE (van den Oord et al. 2017): the convolutional autoencoder with each
position of its bottleneck map replaced by the nearest of `codebook_size` learned
vectors; the gradient passes the quantisation straight through.

`latent_dim` is the number of bottleneck values, as for the CNN-AE: the code
vectors' size times the positions of the map (bottleneck_kernel 1 keeps a 7x7
map of MNIST's images, 8x8 of CIFAR-10's)."""

from aestudy.figures import RUN_FIGURES, FigureKind, without
from aestudy.kinds import Kind, Metric
from aestudy.kinds.cnn_ae import check_latent_dim

CODE_USAGE = FigureKind(
    "code_usage", "metrics", description="VQ-VAE; how often each code is used on the test set."
)

KIND = Kind(
    name="vq_vae",
    # how evenly the codebook is used on the test set: exp(entropy) of the code
    # frequencies (1 to codebook_size), and the share of codes used at all
    metrics=(
        Metric("codebook_perplexity", "two", compared="generative"),
        Metric("codes_used", "share", compared="generative"),
    ),
    # no samples: drawing codes needs a learned prior over them (PixelCNN in the
    # paper), which this study does not train
    figures=(*without(RUN_FIGURES, "samples"), CODE_USAGE),
    manifold=False,
    check_latent_dim=check_latent_dim,
    generation="none",
    discrete_code=True,
    family="vae_variant",
    network="conv",
    layers={"quantizer": "quantiser"},
    # with moving averages the codebook has no loss of its own
    loss_words=lambda spec: "vq_vae" if spec["codebook_update"] == "loss" else "vq_vae_ema",
)
