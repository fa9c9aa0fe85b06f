"""A per-run figure that shows a grid of images (reconstructions, interpolations,
samples, the decoded manifold, denoising), drawn from the run's figure data."""

import numpy as np

from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.figures.contract import CLASSES, DATASET, Grid, Labels, diverged_epoch


def main(data_path, output, figure, run, settings, words, log=print):
    data = np.load(data_path)
    epoch = diverged_epoch(data)
    if epoch:  # nothing to show
        return plots.draw_diverged(output, epoch, words, settings["dpi"])
    grid = Grid.read(data, figure)
    # The title says which grid (the manifold's shape) and where samples come from.
    extra = {} if grid.source is None else {"source": words[grid.source]}
    plots.image_grid(
        grid.picture,
        grid.rows,
        grid.columns,
        output,
        title=plots.run_title(words, run, str(data[DATASET]), key=grid.title, **extra),
        row_labels=row_labels(grid, data[CLASSES], words),
        column_labels=column_labels(grid, words),
        axis_labels=words.get("axes", {}).get(grid.title),
        dpi=settings["dpi"],
    )
    log(f"{figure}: {grid.rows} x {grid.columns} images -> {output}")


def row_labels(grid, classes, words):
    """The labels of a grid's rows, as its figure data says: words of the figure's
    own, once for each block of rows; code values; latent dimensions with their
    KL; the run's classes."""
    match grid.row_labels:
        case Labels.WORDS:
            return words["rows"] * (grid.rows // len(words["rows"]))
        case Labels.VALUES:
            return value_labels(grid.row_values)
        case Labels.DIMENSIONS:
            return [
                words["row"].format(dimension=int(d) + 1, kl=float(k))
                for d, k in zip(grid.dimensions, grid.kl, strict=True)
            ]
        case Labels.CLASSES:
            return plots.class_names(classes, words)
    return None


def column_labels(grid, words):
    """The labels of a grid's columns, as its figure data says: code values, or the
    two images at the ends and the share of the way between them."""
    match grid.column_labels:
        case Labels.VALUES:
            return value_labels(grid.values)
        case Labels.SHARES:
            return [words["start"], *(f"{v:.2f}" for v in grid.values), words["end"]]
    return None


def value_labels(values):
    """Code values as labels, with the fewest decimals (one to three) that tell
    neighbours apart."""
    for decimals in (1, 2, 3):
        labels = [f"{v:+.{decimals}f}" for v in values]
        if len(set(labels)) == len(labels):
            break
    return labels


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
