"""The decoded latent space of a 2-D model on a grid of normal quantiles, or of a
1-D model from -3 to +3 standard deviations."""

from aestudy.data.prepared import to_float
from aestudy.entry import run_figure_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures import plots
from aestudy.figures.latent_views import code_distribution, manifold, traversal


def main(dataset_path, weights_path, run, output, settings, words, threads=1, log=print):
    data, model, record, _ = open_run(dataset_path, weights_path, run, threads)
    if record["status"] == "diverged":
        return plots.diverged_notice(output, record, words, settings["dpi"])
    mean, covariance = code_distribution(model, to_float(data["train_images"]))
    if run["latent_dim"] == 2:
        grid = settings["grid"]
        images = manifold(model, mean, covariance, grid)
        plots.image_grid(
            images,
            output,
            rows=grid,
            cell=0.45,
            dpi=settings["dpi"],
            title=plots.run_title(words, run, data["name"], key="grid"),
        )
    elif run["latent_dim"] == 1:
        images = traversal(model, mean, covariance, settings["traversal_steps"])
        plots.image_grid(
            images,
            output,
            rows=1,
            dpi=settings["dpi"],
            title=plots.run_title(words, run, data["name"], key="traversal"),
        )
    else:
        raise ValueError(f"a manifold needs a 1-D or 2-D latent space, not {run['latent_dim']}-D")
    log(f"{len(images)} decoded codes -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
