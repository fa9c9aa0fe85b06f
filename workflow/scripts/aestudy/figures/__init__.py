"""Figures: what is drawn per run and per model.

This module stays free of PyTorch and matplotlib: the rules read it while
Snakemake plans. `latent_views` computes what a figure shows from a trained
model; `plots` draws it.
"""

# The figures drawn for every run, in the order the report shows them; the
# manifold (a decoded grid or traversal) is drawn for latent sizes 1 and 2 only.
RUN_FIGURES = ("loss_curve", "reconstructions", "latent_space", "interpolation", "samples")
MANIFOLD_MAX_LATENT_DIM = 2
# Every per-run figure kind that has a rule, and the ones drawn from the trained
# model (with PyTorch); the others are drawn from the run's history alone.
RUN_FIGURE_RULES = (*RUN_FIGURES, "manifold")
FROM_MODEL = ("reconstructions", "latent_space", "interpolation", "samples", "manifold")
# Per model: test metrics against the latent size.
MODEL_FIGURES = ("latent_dim_sweep",)
