"""Library of the autoencoder study: data, models, losses, training, evaluation, tables.

Submodules import their heavy dependencies themselves, so that the config check
(`aestudy.config`) stays light enough to run while Snakemake builds the DAG.
"""


class StudyError(Exception):
    """An input problem explained in one sentence (bad config, data or file)."""
