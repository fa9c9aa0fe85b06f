"""Fixed test images corrupted as the evaluation corrupts them (top), the model's
reconstruction of the corrupted images (middle), the clean images (bottom)."""

import torch

from aestudy.data.corruption import fixed_corruption
from aestudy.entry import run_figure_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures import plots
from aestudy.figures.latent_views import fixed_selection, reconstruct


def main(dataset_path, weights_path, run, output, settings, words, threads=1, log=print):
    data, model, record, images = open_run(dataset_path, weights_path, run, threads)
    if record["status"] == "diverged":
        return plots.diverged_notice(output, record, words, settings["dpi"])
    chosen = fixed_selection(settings["count"], len(images), settings["selection_seed"])
    noisy = fixed_corruption(images, settings["noise"])[chosen]
    plots.image_grid(
        torch.cat([noisy, reconstruct(model, noisy), images[chosen]]),
        output,
        rows=3,
        row_labels=words["rows"],
        title=plots.run_title(words, run, data["name"]),
        dpi=settings["dpi"],
    )
    log(f"{len(chosen)} denoised test images -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
