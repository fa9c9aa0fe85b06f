"""Conditional VAE: the VAE with the image's class (one-hot) joined to the
encoder's input and to the code the decoder reads, so that new images of a
chosen class can be drawn from the prior."""

from aestudy.figures import GRID, RUN_FIGURES, SEED, FigureKind, bounded, without
from aestudy.kinds import Kind
from aestudy.kinds.vae import GAUSSIAN_HEADS, KL_PER_DIMENSION, TRAVERSAL, VAE_METRICS

CLASS_SAMPLES = FigureKind(
    "class_samples",
    "data",
    GRID,
    description="Conditional VAE; prior samples, a row per class.",
    settings=dict(per_class=bounded(1, 20, 8), seed=SEED),
    names_classes=True,
)


def check_classes(spec, classes):
    if spec["classes"] != classes:
        return f"{classes}, the classes of its dataset"
    return None


KIND = Kind(
    name="cvae",
    metrics=VAE_METRICS,
    # samples one row per class instead of unconditioned ones
    figures=(*without(RUN_FIGURES, "samples"), CLASS_SAMPLES, TRAVERSAL, KL_PER_DIMENSION),
    manifold=False,  # a decoded grid would need a class too
    check_classes=check_classes,
    generation="class",
    family="vae_variant",
    trained_on="bce",
    layers=GAUSSIAN_HEADS,
)
