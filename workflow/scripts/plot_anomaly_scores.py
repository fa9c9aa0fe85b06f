"""A run on a dataset made for anomaly detection: how its scores of normal and of
anomalous test images spread, and the threshold (mean + 3 std of the normal
validation images' scores)."""

import numpy as np

from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.figures.contract import diverged_epoch


def main(scores_path, output, run, dataset, settings, words, log=print):
    scores = np.load(scores_path)
    epoch = diverged_epoch(scores)
    if epoch:  # no scores to show
        return plots.draw_diverged(output, epoch, words, settings["dpi"])
    panels = [
        dict(
            name=words["scores"][name],
            normal=scores[f"test_{name}"][~scores["test_anomalous"]],
            anomalous=scores[f"test_{name}"][scores["test_anomalous"]],
            threshold=float(scores[f"threshold_{name}"]),
        )
        for name in ("recon", "neg_elbo")
        if f"test_{name}" in scores
    ]
    plots.score_histograms(
        panels,
        output,
        words=words,
        bins=settings["bins"],
        title=plots.run_title(words, run, dataset),
        dpi=settings["dpi"],
    )
    log(f"scores of {len(scores['test_anomalous'])} test images -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        scores_path=snakemake.input.scores,
        output=snakemake.output[0],
        run=snakemake.params.run,
        dataset=snakemake.params.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
