"""Test codes (the VAE's means) projected to 2-D by PCA, coloured by class;
optionally a t-SNE panel beside it."""

import torch

from aestudy import figures
from aestudy.jobs import run_figure_job
from aestudy.latent import encode_all, fixed_selection, pca_2d, tsne_2d
from aestudy.runs import diverged_text, open_run, run_title


def main(dataset_path, weights_path, output, settings, threads=1, log=print):
    data, model, run, images = open_run(dataset_path, weights_path, threads)
    if run["status"] == "diverged":
        return figures.notice(output, diverged_text(run), settings["dpi"])
    chosen = fixed_selection(settings["points"], len(images), settings["selection_seed"])
    codes, labels = encode_all(model, images[chosen]), data["test_labels"][chosen]
    points, explained = pca_2d(codes)
    panels = [
        dict(
            points=points, labels=labels, subtitle=f"PCA of the {codes.shape[1]}-D codes",
            axis_labels=[f"PC{i + 1} ({share:.0%} of variance)" for i, share in enumerate(explained)],
        )
    ]  # fmt: skip
    if settings["tsne"]:
        subset = torch.arange(min(settings["tsne_points"], len(codes)))
        embedded = tsne_2d(codes[subset], seed=settings["selection_seed"])
        log(f"t-SNE of {len(subset)} codes")
        panels.append(
            dict(points=embedded, labels=labels[subset], subtitle="t-SNE",
                 axis_labels=["t-SNE 1", "t-SNE 2"])
        )  # fmt: skip
    figures.latent_scatter(
        panels, data["classes"], output,
        title=f"Latent space: {run_title(run, data['name'])}", dpi=settings["dpi"],
    )  # fmt: skip
    log(f"{len(codes)} codes projected -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
