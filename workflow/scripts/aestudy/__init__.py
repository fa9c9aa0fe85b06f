"""Library of the autoencoder study: data, models, losses, training, evaluation, tables.

Submodules import their heavy dependencies themselves, so that the config check
(`aestudy.config`) stays light enough to run while Snakemake builds the DAG.
"""


class StudyError(Exception):
    """An input problem explained in one sentence (bad config, data or file)."""


# The figures drawn for every run, in the order the report shows them; the
# manifold is drawn only for latent sizes 1 and 2.
RUN_FIGURES = ("loss_curve", "reconstructions", "latent_space", "interpolation", "samples")
MANIFOLD_MAX_LATENT_DIM = 2
