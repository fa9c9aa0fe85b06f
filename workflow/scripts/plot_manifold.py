"""The decoded latent space of a 2-D model on a grid of normal quantiles, or of a
1-D model from -3 to +3 standard deviations."""

from aestudy import figures
from aestudy.data import to_float
from aestudy.jobs import run_figure_job
from aestudy.latent import code_distribution, manifold, traversal
from aestudy.runs import diverged_text, open_run, run_title


def main(dataset_path, weights_path, output, settings, threads=1, log=print):
    data, model, run, _ = open_run(dataset_path, weights_path, threads)
    if run["status"] == "diverged":
        return figures.notice(output, diverged_text(run), settings["dpi"])
    mean, covariance = code_distribution(model, to_float(data["train_images"]))
    title = run_title(run, data["name"])
    if run["latent_dim"] == 2:
        grid = settings["grid"]
        images = manifold(model, mean, covariance, grid)
        figures.image_grid(
            images, output, rows=grid, cell=0.45, dpi=settings["dpi"],
            title=f"Decoded 2-D latent space, normal quantiles 5 %-95 %: {title}",
        )  # fmt: skip
    elif run["latent_dim"] == 1:
        images = traversal(model, mean, covariance, settings["traversal_steps"])
        figures.image_grid(
            images, output, rows=1, dpi=settings["dpi"],
            title=f"Latent traversal from -3 to +3 standard deviations: {title}",
        )  # fmt: skip
    else:
        raise ValueError(f"a manifold needs a 1-D or 2-D latent space, not {run['latent_dim']}-D")
    log(f"{len(images)} decoded codes -> {output}")


if "snakemake" in globals():
    run_figure_job(main, snakemake)
