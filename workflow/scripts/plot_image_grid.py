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
    row_labels, column_labels = labels(data, figure, rows, words)
    plots.image_grid(
        data[f"{figure}.picture"],
        rows,
        columns,
        output,
        title=plots.run_title(words, run, str(data["dataset"]), key=key, **extra),
        row_labels=row_labels,
        column_labels=column_labels,
        axis_labels=words.get("axes", {}).get(key),
        dpi=settings["dpi"],
    )
    log(f"{figure}: {rows} x {columns} images -> {output}")


def labels(data, figure, rows, words):
    """(row labels, column labels) of a grid: a traversal's rows are latent
    dimensions (with their KL), class samples' rows classes, a decoded grid's
    rows and columns code values, an interpolation's columns the share of the
    way from the first image's code to the second's; other grids name their rows
    in their words, once for each block of columns."""
    row_labels = words.get("rows")
    if f"{figure}.dimensions" in data:
        row_labels = [
            words["row"].format(dimension=int(d) + 1, kl=float(k))
            for d, k in zip(data[f"{figure}.dimensions"], data[f"{figure}.kl"], strict=True)
        ]
    elif figure == "class_samples":
        names = words.get("classes", {})  # the report's language's, where the words have them
        row_labels = [names.get(str(name), str(name)) for name in data["classes"]]
    elif f"{figure}.row_values" in data:
        row_labels = value_labels(data[f"{figure}.row_values"])
    elif row_labels:
        row_labels = row_labels * (rows // len(row_labels))
    column_labels = None
    if f"{figure}.ends" in data:  # the two images at the ends, and the way between them
        shares = (f"{v:.2f}" for v in data[f"{figure}.values"])
        column_labels = [words["start"], *shares, words["end"]]
    elif f"{figure}.values" in data:
        column_labels = value_labels(data[f"{figure}.values"])
    return row_labels, column_labels


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
