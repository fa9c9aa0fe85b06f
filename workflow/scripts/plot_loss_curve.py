"""Train and test loss per epoch of one run."""

import pandas as pd

from aestudy.entry import run_job
from aestudy.figures import plots


def main(history_path, output, kind, run, dataset, settings, words, log=print):
    history = pd.read_csv(history_path).to_dict("records")
    plots.loss_curve(
        history,
        output,
        words=words,
        ylabel=words["ylabel"][kind],
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
        kind=snakemake.params.kind,
        run=snakemake.params.run,
        dataset=snakemake.params.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
