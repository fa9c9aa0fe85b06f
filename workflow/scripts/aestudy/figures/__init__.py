"""Figures: what is drawn per run, per model and per study.

This module stays free of PyTorch and matplotlib: the rules read it while
Snakemake plans. `latent_views` computes what a figure shows from a trained
model; `plots` draws it.
"""

# The figures drawn for every run, in the order the report shows them.
RUN_FIGURES = ("loss_curve", "reconstructions", "latent_space", "interpolation", "samples")
# Drawn for latent sizes 1 and 2 only: the decoded grid or traversal.
MANIFOLD_MAX_LATENT_DIM = 2
# Drawn for the runs on a dataset made for anomaly detection.
ANOMALY_FIGURES = ("anomaly_scores",)
# Every per-run figure kind with a rule (kinds add theirs, e.g. "denoising"), and
# what it is drawn from: the run's figure data (computed once per run from the
# trained model, with PyTorch: figure_data.py), its history, its metrics.json, or
# the per-image scores its evaluation wrote. Drawing needs no PyTorch.
RUN_FIGURE_SOURCES = {
    "loss_curve": "history",
    "reconstructions": "data",
    "latent_space": "data",
    "interpolation": "data",
    "samples": "data",
    "manifold": "data",
    "denoising": "data",
    "traversal": "data",
    "class_samples": "data",
    "kl_per_dimension": "metrics",
    "code_usage": "metrics",
    "anomaly_scores": "scores",
}
# The figures that show a grid of images, all drawn by plot_image_grid.py.
GRID_FIGURES = (
    "reconstructions",
    "interpolation",
    "samples",
    "manifold",
    "denoising",
    "traversal",
    "class_samples",
)
# Settings that change only how a figure is drawn, not what its data holds:
# changing one redraws that figure kind and leaves the figure data alone.
# (The latent space's t-SNE is computed with its figure data: `tsne` and
# `tsne_points` change what the data holds.)
DRAWING_SETTINGS = ("dpi", "log_scale", "bins")


def script_of(figure):
    """The entry script that draws a figure kind."""
    return "plot_image_grid" if figure in GRID_FIGURES else f"plot_{figure}"


# Per model: test metrics against the latent size.
MODEL_FIGURES = ("latent_dim_sweep",)
