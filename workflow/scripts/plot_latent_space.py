"""Test codes (the VAE's means) projected to 2-D by PCA, coloured by class;
optionally a t-SNE panel beside it. Drawn from the run's figure data, which holds
both projections."""

import numpy as np

from aestudy.entry import run_job
from aestudy.figures import plots


def main(data_path, output, run, settings, words, log=print):
    data = np.load(data_path)
    if "latent_space.codes" not in data:  # a run that diverged: nothing to show
        return plots.notice(
            output, words["diverged"].format(epoch=int(data["diverged_epoch"])), settings["dpi"]
        )
    codes, labels = data["latent_space.codes"], data["latent_space.labels"]
    points, explained = data["latent_space.pca"], data["latent_space.explained"]
    axes = [words["axis"].format(index=i + 1, share=share) for i, share in enumerate(explained)]
    panels = [
        dict(
            points=points,
            labels=labels,
            axis_labels=axes,
            subtitle=words["pca"].format(dim=codes.shape[1]),
        )
    ]
    if "latent_space.tsne" in data:
        tsne = data["latent_space.tsne"]
        count = len(tsne)
        panels.append(
            dict(
                points=tsne,
                labels=labels[:count],
                subtitle=words["tsne"],
                axis_labels=words["tsne_axes"],
            )
        )
        log(f"t-SNE of {count} codes")
    names = words.get("classes", {})  # the report's language's, where the words have them
    plots.latent_scatter(
        panels,
        [names.get(str(name), str(name)) for name in data["classes"]],
        output,
        title=plots.run_title(words, run, str(data["dataset"])),
        dpi=settings["dpi"],
    )
    log(f"{len(codes)} codes projected -> {output}")


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
