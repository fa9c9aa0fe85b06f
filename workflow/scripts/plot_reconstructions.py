"""Fixed test images (top row) above their reconstructions (bottom row)."""

import torch

from aestudy import figures
from aestudy.jobs import run_figure_job
from aestudy.latent import fixed_selection, reconstruct
from aestudy.runs import diverged_text, open_run, run_title


def main(dataset_path, weights_path, output, settings, threads=1, log=print):
    data, model, run, images = open_run(dataset_path, weights_path, threads)
    if run["status"] == "diverged":
        return figures.notice(output, diverged_text(run), settings["dpi"])
    count = settings["count"] if images.shape[1] == 1 else settings["count_color"]
    chosen = images[fixed_selection(count, len(images), settings["selection_seed"])]
    grid = torch.cat([chosen, reconstruct(model, chosen)])
    figures.image_grid(
        grid, output, rows=2, row_labels=["original", "reconstructed"],
        title=f"Reconstructions: {run_title(run, data['name'])}", dpi=settings["dpi"],
    )  # fmt: skip
    log(f"{len(chosen)} reconstructions -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
