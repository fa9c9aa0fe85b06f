"""A per-run figure that shows a grid of images (reconstructions, interpolations,
samples, the decoded manifold, denoising), drawn from the run's figure data."""

import numpy as np

from aestudy.entry import run_job
from aestudy.figures import plots


def main(data_path, output, figure, run, settings, words, log=print):
    data = np.load(data_path)
    if f"{figure}.picture" not in data:  # a run that diverged: nothing to show
        return plots.notice(
            output, words["diverged"].format(epoch=int(data["diverged_epoch"])), settings["dpi"]
        )
    rows, columns = int(data[f"{figure}.rows"]), int(data[f"{figure}.columns"])
    # The title says which grid (the manifold's shape) and where samples come from.
    key = str(data[f"{figure}.shape"]) if f"{figure}.shape" in data else "title"
    extra = {}
    if f"{figure}.prior" in data:
        extra["source"] = words["prior" if bool(data[f"{figure}.prior"]) else "fitted"]
    plots.image_grid(
        data[f"{figure}.picture"],
        rows,
        columns,
        output,
        title=plots.run_title(words, run, str(data["dataset"]), key=key, **extra),
        row_labels=row_labels(data, figure, words),
        column_labels=[f"{v:+.1f}" for v in data[f"{figure}.values"]]
        if f"{figure}.values" in data
        else None,
        dpi=settings["dpi"],
        cell=0.45 if rows * columns > 100 else 0.9,  # a large grid in smaller cells
    )
    log(f"{figure}: {rows} x {columns} images -> {output}")


def row_labels(data, figure, words):
    """A traversal's rows are latent dimensions (with their KL), class samples'
    rows classes; other grids name their rows in their words, if at all."""
    if f"{figure}.dimensions" in data:
        return [
            words["row"].format(dimension=int(d) + 1, kl=float(k))
            for d, k in zip(data[f"{figure}.dimensions"], data[f"{figure}.kl"], strict=True)
        ]
    if figure == "class_samples":
        return [str(name) for name in data["classes"]]
    return words.get("rows")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        data_path=snakemake.input.data,
        output=snakemake.output[0],
        figure=snakemake.params.figure,
        run=snakemake.params.run,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
