"""New images decoded from random codes: the VAE's prior N(0, I); for an AE, a
Gaussian fitted to its training codes."""

from aestudy import figures
from aestudy.data import to_float
from aestudy.jobs import run_figure_job
from aestudy.latent import code_distribution, sample
from aestudy.models import VAE
from aestudy.runs import diverged_text, open_run, run_title


def main(dataset_path, weights_path, output, settings, threads=1, log=print):
    data, model, run, _ = open_run(dataset_path, weights_path, threads)
    if run["status"] == "diverged":
        return figures.notice(output, diverged_text(run), settings["dpi"])
    mean, covariance = code_distribution(model, to_float(data["train_images"]))
    images = sample(model, mean, covariance, settings["count"], settings["seed"])
    source = (
        "z ~ N(0, I)" if isinstance(model, VAE) else "z ~ Gaussian fitted to the training codes"
    )
    figures.image_grid(
        images, output, rows=figures.grid_rows(len(images)),
        title=f"Samples, {source}: {run_title(run, data['name'])}", dpi=settings["dpi"],
    )  # fmt: skip
    log(f"{len(images)} samples ({source}) -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
