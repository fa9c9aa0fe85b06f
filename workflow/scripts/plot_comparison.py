"""Per dataset: the same test images reconstructed by every model trained on it,
a row per model (the run of its first latent size and seed) under the originals,
drawn from the runs' figure data."""

import numpy as np

from aestudy import StudyError
from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.figures.contract import Reconstructions, diverged_epoch
from aestudy.figures.grids import compose


def main(data_paths, runs, output, dataset, settings, words, log=print):
    """`runs[i]` is the identity of the run whose figure data is data_paths[i]."""
    shown = slice(0, settings["images"])
    originals, indices, rows, labels = None, None, [], []
    for run, path in zip(runs, data_paths, strict=True):
        data = np.load(path)
        if diverged_epoch(data):
            log(f"{run['model']}: diverged, left out")
            continue
        reconstructions = Reconstructions.read(data, "reconstructions")
        if indices is None:
            indices = reconstructions.indices[shown]
            originals = reconstructions.originals[shown]
        elif not np.array_equal(reconstructions.indices[shown], indices):
            raise StudyError(
                f"{path} shows other test images than the other runs on {dataset}; expected "
                "the same choice (figures.selection_seed, figures.reconstructions.count)."
            )
        rows.append(reconstructions.reconstructed[shown])
        labels.append(words["row"].format(**run))
    title = words["title"].format(dataset=dataset)
    if not rows:
        return plots.notice(output, words["none"].format(dataset=dataset), settings["dpi"])
    composed = compose(np.concatenate([originals, *rows]), rows=len(rows) + 1)
    plots.image_grid(
        composed["picture"],
        composed["rows"],
        composed["columns"],
        output,
        title=title,
        row_labels=[words["original"], *labels],
        dpi=settings["dpi"],
    )
    log(f"{len(indices)} test images reconstructed by {len(rows)} models -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        data_paths=list(snakemake.input.data),
        runs=snakemake.params.runs,
        output=snakemake.output[0],
        dataset=snakemake.wildcards.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
