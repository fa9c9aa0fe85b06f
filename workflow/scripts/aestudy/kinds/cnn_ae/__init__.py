"""Convolutional autoencoder: 3x3 stride-2 convolutions with `channels`, then a
bottleneck_kernel convolution without padding; mirrored transposed convolutions
and a sigmoid; MSE (the course report's conv 16/32/64, bottleneck 64x2x2 = 256).

`latent_dim` is the number of bottleneck values: channels x side x side."""

from aestudy.kinds import Kind


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


def check_latent_dim(spec, image_shape, latent_dim):
    try:
        cnn_bottleneck(image_shape, spec["channels"], spec["bottleneck_kernel"], latent_dim)
    except ValueError as error:
        shape = "x".join(map(str, image_shape))
        return f"a size the CNN-AE can make on {shape} images, but {error}"
    return None


KIND = Kind(name="cnn_ae", check_latent_dim=check_latent_dim, network="conv")
