"""VQ-VAE: how often each code of the codebook is chosen on the test set, with
the perplexity and the share of codes used."""

import json
from pathlib import Path

from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.figures.contract import record_diverged_epoch


def main(metrics_path, output, run, dataset, settings, words, log=print):
    metrics = json.loads(Path(metrics_path).read_text())
    epoch = record_diverged_epoch(metrics)
    if epoch:
        return plots.draw_diverged(output, epoch, words, settings["dpi"])
    usage = metrics["code_usage"]
    total = sum(usage)
    plots.bars(
        [u / total for u in usage],
        output,
        xlabel=words["xlabel"],
        ylabel=words["ylabel"],
        title=plots.run_title(
            words,
            run,
            dataset,
            perplexity=metrics["codebook_perplexity"],
            used=metrics["codes_used"],
        ),
        dpi=settings["dpi"],
    )
    log(f"usage of {len(usage)} codes -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        metrics_path=snakemake.input.metrics,
        output=snakemake.output[0],
        run=snakemake.params.run,
        dataset=snakemake.params.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
