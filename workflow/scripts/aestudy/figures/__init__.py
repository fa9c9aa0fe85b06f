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
# what it is drawn from: the trained model (with PyTorch), the run's history, or
# the per-image scores its evaluation wrote.
RUN_FIGURE_SOURCES = {
    "loss_curve": "history",
    "reconstructions": "model",
    "latent_space": "model",
    "interpolation": "model",
    "samples": "model",
    "manifold": "model",
    "denoising": "model",
    "anomaly_scores": "scores",
}
# Per model: test metrics against the latent size.
MODEL_FIGURES = ("latent_dim_sweep",)
