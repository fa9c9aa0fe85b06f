"""Library of the autoencoder study, in the order of the pipeline's stages:
data/ (prepare datasets), kinds/ (the models), training/, evaluation/,
figures/ and report/, beside the config check (config), the results layout
(layout), and the helpers every entry script uses (entry, atomic_files,
checksums, provenance, words).

Submodules import their heavy dependencies themselves, so that what Snakemake
reads while it plans (config, layout, kinds, figures) stays light.
"""


class StudyError(Exception):
    """An input problem explained in one sentence (bad config, data or file)."""
