"""Fixed test images (top row) above their reconstructions (bottom row)."""

import torch

from aestudy.entry import run_figure_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures import plots
from aestudy.figures.latent_views import fixed_selection, reconstruct


def main(dataset_path, weights_path, run, output, settings, words, threads=1, log=print):
    data, model, record, images = open_run(dataset_path, weights_path, run, threads)
    if record["status"] == "diverged":
        return plots.diverged_notice(output, record, words, settings["dpi"])
    count = settings["count"] if images.shape[1] == 1 else settings["count_color"]
    chosen = images[fixed_selection(count, len(images), settings["selection_seed"])]
    plots.image_grid(
        torch.cat([chosen, reconstruct(model, chosen)]),
        output,
        rows=2,
        row_labels=words["rows"],
        title=plots.run_title(words, run, data["name"]),
        dpi=settings["dpi"],
    )
    log(f"{len(chosen)} reconstructions -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
