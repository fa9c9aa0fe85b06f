"""Conditional VAE: the VAE with the image's class (one-hot) joined to the
encoder's input and to the code the decoder reads, so that new images of a
chosen class can be drawn from the prior."""

from aestudy.figures import RUN_FIGURES
from aestudy.kinds import Kind
from aestudy.kinds.vae import GAUSSIAN_HEADS


def check_classes(spec, classes):
    if spec["classes"] != classes:
        return f"{classes}, the classes of its dataset"
    return None


KIND = Kind(
    name="cvae",
    metrics=("elbo", "elbo_reconstruction", "kl", "iw_ll", "active_units"),
    # samples one row per class instead of unconditioned ones
    figures=(
        *(f for f in RUN_FIGURES if f != "samples"),
        "class_samples",
        "traversal",
        "kl_per_dimension",
    ),
    manifold=False,  # a decoded grid would need a class too
    check_classes=check_classes,
    generation="class",
    family="vae_variant",
    trained_on="bce",
    layers=GAUSSIAN_HEADS,
)
