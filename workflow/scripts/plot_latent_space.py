"""Test codes (the VAE's means) projected to 2-D by PCA, coloured by class;
optionally a t-SNE panel beside it. Drawn from the run's figure data, which holds
both projections."""

import numpy as np

from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.figures.contract import CLASSES, DATASET, LatentSpace, diverged_epoch


def main(data_path, output, run, settings, words, log=print):
    data = np.load(data_path)
    epoch = diverged_epoch(data)
    if epoch:  # nothing to show
        return plots.draw_diverged(output, epoch, words, settings["dpi"])
    space = LatentSpace.read(data, "latent_space")
    axes = [
        words["axis"].format(index=i + 1, share=share) for i, share in enumerate(space.explained)
    ]
    panels = [
        dict(
            points=space.pca,
            labels=space.labels,
            axis_labels=axes,
            subtitle=words["pca"].format(dim=space.codes.shape[1]),
        )
    ]
    if space.tsne is not None:
        count = len(space.tsne)
        panels.append(
            dict(
                points=space.tsne,
                labels=space.labels[:count],
                subtitle=words["tsne"],
                axis_labels=words["tsne_axes"],
            )
        )
        log(f"t-SNE of {count} codes")
    plots.latent_scatter(
        panels,
        plots.class_names(data[CLASSES], words),
        output,
        title=plots.run_title(words, run, str(data[DATASET])),
        dpi=settings["dpi"],
    )
    log(f"{len(space.codes)} codes projected -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        data_path=snakemake.input.data,
        output=snakemake.output[0],
        run=snakemake.params.run,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
