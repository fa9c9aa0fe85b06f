"""Image shapes of the dataset formats and the geometry of the convolutional AE.

Torch-free on purpose: the config check imports it while Snakemake builds the DAG.
"""

from math import prod

# (channels, height, width) of every dataset format the pipeline can prepare.
IMAGE_SHAPES = {
    "mnist": (1, 28, 28),
    "fashion_mnist": (1, 28, 28),
    "cifar10": (3, 32, 32),
    "digits": (1, 28, 28),
    "sample_patches": (3, 32, 32),
}

# Formats torchvision downloads when the config gives no local `path`, and the
# torchvision dataset class of each.
DOWNLOADABLE = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def is_downloaded(dataset):
    """True for a dataset entry (format, optional path) that comes from a download."""
    return "path" not in dataset and dataset["format"] in DOWNLOADABLE


def input_size(image_shape):
    return prod(image_shape)


def cnn_bottleneck(image_shape, channels, kernel, latent_dim):
    """Return (bottleneck_channels, side) of the CNN-AE, or raise ValueError.

    The encoder halves the side with each 3x3/stride-2 conv in `channels`, then a
    `kernel` x `kernel` conv without padding makes a side x side map; the number of
    bottleneck values is channels * side * side, which must equal latent_dim.
    """
    _, height, width = image_shape
    if height != width:
        raise ValueError(f"the CNN-AE needs square images, not {height}x{width}")
    side = height
    for _ in channels:
        if side % 2:
            raise ValueError(
                f"an image side of {height} cannot be halved {len(channels)} times "
                "and mirrored back exactly"
            )
        side //= 2
    side = side - kernel + 1
    if side < 1:
        raise ValueError(
            f"a {kernel}x{kernel} bottleneck conv does not fit on a "
            f"{side + kernel - 1}x{side + kernel - 1} feature map"
        )
    if latent_dim % (side * side):
        raise ValueError(
            f"latent_dim {latent_dim} is not a multiple of the {side}x{side} "
            f"bottleneck map ({side * side} values per channel)"
        )
    return latent_dim // (side * side), side
