"""Test codes (the VAE's means) projected to 2-D by PCA, coloured by class;
optionally a t-SNE panel beside it."""

import torch

from aestudy.entry import run_figure_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures import plots
from aestudy.figures.latent_views import encode_all, fixed_selection, pca_2d, tsne_2d


def main(dataset_path, weights_path, run, output, settings, words, threads=1, log=print):
    data, model, record, images = open_run(dataset_path, weights_path, run, threads)
    if record["status"] == "diverged":
        return plots.diverged_notice(output, record, words, settings["dpi"])
    chosen = fixed_selection(settings["points"], len(images), settings["selection_seed"])
    codes, labels = encode_all(model, images[chosen]), data["test_labels"][chosen]
    points, explained = pca_2d(codes)
    axes = [words["axis"].format(index=i + 1, share=share) for i, share in enumerate(explained)]
    panels = [
        dict(
            points=points,
            labels=labels,
            subtitle=words["pca"].format(dim=codes.shape[1]),
            axis_labels=axes,
        )
    ]
    if settings["tsne"]:
        subset = torch.arange(min(settings["tsne_points"], len(codes)))
        embedded = tsne_2d(codes[subset], seed=settings["selection_seed"])
        log(f"t-SNE of {len(subset)} codes")
        panels.append(
            dict(
                points=embedded,
                labels=labels[subset],
                subtitle=words["tsne"],
                axis_labels=words["tsne_axes"],
            )
        )
    plots.latent_scatter(
        panels,
        data["classes"],
        output,
        title=plots.run_title(words, run, data["name"]),
        dpi=settings["dpi"],
    )
    log(f"{len(codes)} codes projected -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
