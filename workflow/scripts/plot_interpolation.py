"""Decodes of the straight line between the codes of two test images, a row per pair."""

import torch

from aestudy import figures
from aestudy.jobs import run_figure_job
from aestudy.latent import fixed_selection, interpolate
from aestudy.runs import diverged_text, open_run, run_title


def main(dataset_path, weights_path, output, settings, threads=1, log=print):
    data, model, run, images = open_run(dataset_path, weights_path, threads)
    if run["status"] == "diverged":
        return figures.notice(output, diverged_text(run), settings["dpi"])
    ends = images[fixed_selection(2 * settings["pairs"], len(images), settings["selection_seed"])]
    rows = [interpolate(model, ends[2 * i], ends[2 * i + 1], settings["steps"])
            for i in range(len(ends) // 2)]  # fmt: skip
    figures.image_grid(
        torch.cat(rows), output, rows=len(rows),
        title=f"Interpolation in latent space: {run_title(run, data['name'])}", dpi=settings["dpi"],
    )  # fmt: skip
    log(f"{len(rows)} interpolations of {settings['steps']} steps -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
