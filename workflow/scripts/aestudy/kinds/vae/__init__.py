"""Variational autoencoder: MLP encoder input-hidden -> (mean, log-variance),
decoder z-hidden(mirrored)-input with sigmoid; loss BCE (summed) + beta KL
(the course report's 784-512-z20)."""

from aestudy.figures import RUN_FIGURES
from aestudy.kinds import Kind

# A latent dimension whose mean KL over the test set exceeds this many nats is
# active (Burda et al. 2016): the others carry no information about the image.
ACTIVE_KL = 0.01

# The mean and log-variance heads, named by their role in the architecture table.
GAUSSIAN_HEADS = {"fc_mean": "mean_head", "fc_logvar": "logvar_head"}

KIND = Kind(
    name="vae",
    # per image, in nats, with beta = 1: the ELBO, its two parts, and the
    # importance-weighted estimate of log p(x); and the latent dimensions in use
    metrics=("elbo", "elbo_reconstruction", "kl", "iw_ll", "active_units"),
    figures=(*RUN_FIGURES, "traversal", "kl_per_dimension"),
    generation="prior",
    family="vae",
    trained_on="bce",
    layers=GAUSSIAN_HEADS,
)
