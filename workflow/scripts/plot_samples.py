"""New images decoded from random codes: the model's prior where it has one (the
VAE's N(0, I)); otherwise a Gaussian fitted to its training codes."""

from aestudy.data.prepared import to_float
from aestudy.entry import run_figure_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures import plots
from aestudy.figures.latent_views import code_distribution, has_prior, sample


def main(dataset_path, weights_path, run, output, settings, words, threads=1, log=print):
    data, model, record, _ = open_run(dataset_path, weights_path, run, threads)
    if record["status"] == "diverged":
        return plots.diverged_notice(output, record, words, settings["dpi"])
    mean, covariance = code_distribution(model, to_float(data["train_images"]))
    images = sample(model, mean, covariance, settings["count"], settings["seed"])
    source = words["prior" if has_prior(model) else "fitted"]
    plots.image_grid(
        images,
        output,
        rows=plots.grid_rows(len(images)),
        title=plots.run_title(words, run, data["name"], source=source),
        dpi=settings["dpi"],
    )
    log(f"{len(images)} samples ({source}) -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
