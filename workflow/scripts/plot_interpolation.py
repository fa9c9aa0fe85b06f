"""Decodes of the straight line between the codes of two test images, a row per pair."""

import torch

from aestudy.entry import run_figure_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures import plots
from aestudy.figures.latent_views import fixed_selection, interpolate


def main(dataset_path, weights_path, run, output, settings, words, threads=1, log=print):
    data, model, record, images = open_run(dataset_path, weights_path, run, threads)
    if record["status"] == "diverged":
        return plots.diverged_notice(output, record, words, settings["dpi"])
    ends = images[fixed_selection(2 * settings["pairs"], len(images), settings["selection_seed"])]
    rows = [
        interpolate(model, ends[2 * i], ends[2 * i + 1], settings["steps"])
        for i in range(len(ends) // 2)
    ]
    plots.image_grid(
        torch.cat(rows),
        output,
        rows=len(rows),
        title=plots.run_title(words, run, data["name"]),
        dpi=settings["dpi"],
    )
    log(f"{len(rows)} interpolations of {settings['steps']} steps -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
