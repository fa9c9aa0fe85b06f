"""Variational autoencoder: MLP encoder input-hidden -> (mean, log-variance),
decoder z-hidden(mirrored)-input with sigmoid; loss BCE (summed) + beta KL
(the course report's 784-512-z20)."""

from aestudy.figures import GRID, RUN_FIGURES, FigureKind, bounded
from aestudy.kinds import Kind, Metric

# A latent dimension whose mean KL over the test set exceeds this many nats is
# active (Burda et al. 2016): the others carry no information about the image.
ACTIVE_KL = 0.01

# The mean and log-variance heads, named by their role in the architecture table.
GAUSSIAN_HEADS = {"fc_mean": "mean_head", "fc_logvar": "logvar_head"}

# Per image, in nats, with beta = 1: the ELBO, its two parts, and the
# importance-weighted estimate of log p(x); and the latent dimensions in use.
VAE_METRICS = (
    Metric("elbo", compared="generative"),
    Metric("elbo_reconstruction", "two"),
    Metric("kl", "two", compared="generative"),
    Metric("iw_ll", compared="generative"),
    Metric("active_units", "count", compared="generative"),
)

# The figures of the VAE family beyond the study's.
TRAVERSAL = FigureKind(
    "traversal",
    "data",
    GRID,
    description=(
        "VAE family: each active latent dimension (most used first, at most "
        "`dimensions`) set from -limit to +limit around a test image's code, a row per "
        "dimension."
    ),
    settings=dict(
        steps=bounded(2, 21, 7),
        limit=dict(type="number", exclusiveMinimum=0, maximum=100, default=3.0),
        dimensions=bounded(1, 64, 8, "most rows shown: the most used active dimensions"),
        kl_images=bounded(1, 1000000, 1000, "test images the KL per dimension is averaged over"),
    ),
    facts=dict(threshold=ACTIVE_KL),
)
KL_PER_DIMENSION = FigureKind(
    "kl_per_dimension",
    "metrics",
    description="VAE family; the KL of each latent dimension and the active units.",
    facts=dict(threshold=ACTIVE_KL),
)

KIND = Kind(
    name="vae",
    metrics=VAE_METRICS,
    figures=(*RUN_FIGURES, TRAVERSAL, KL_PER_DIMENSION),
    generation="prior",
    family="vae",
    trained_on="bce",
    layers=GAUSSIAN_HEADS,
    runs_together=True,
)
