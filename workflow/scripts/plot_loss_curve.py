"""Train and test loss per epoch of one run."""

import numpy as np

from aestudy.entry import run_job
from aestudy.figures import plots


def main(history_path, output, loss, run, dataset, settings, words, log=print):
    """`loss`: the key of the run's loss in the words (its kind's loss_key)."""
    # numpy, not pandas: a figure job's start-up is most of its time. Each row of
    # the table is read by column name, as plots.loss_curve reads a record.
    history = np.genfromtxt(history_path, delimiter=",", names=True, ndmin=1)
    plots.loss_curve(
        history,
        output,
        words=words,
        ylabel=words["ylabel"][loss],
        title=plots.run_title(words, run, dataset),
        log_scale=settings["log_scale"],
        dpi=settings["dpi"],
    )
    log(f"loss curve of {len(history)} epochs -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        history_path=snakemake.input.history,
        output=snakemake.output[0],
        loss=snakemake.params.loss,
        run=snakemake.params.run,
        dataset=snakemake.params.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
