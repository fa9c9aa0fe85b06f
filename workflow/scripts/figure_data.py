"""Compute what a run's figures show from its trained model, once: one .npz that
every figure job of the run draws from."""

from aestudy.atomic_files import write_npz
from aestudy.entry import run_job
from aestudy.evaluation.saved_runs import open_run
from aestudy.figures.figure_data import compute_figure_data


def main(dataset_path, weights_path, output, run, figures, settings, threads=1, log=print):
    """`figures`: the figure kinds of this run drawn from the model; `settings`: each
    one's settings that change what is computed."""
    data, model, record, _ = open_run(dataset_path, weights_path, run, threads)
    arrays = compute_figure_data(model, data, record, figures, settings)
    write_npz(output, **arrays)
    log(f"figure data of {', '.join(figures)}: {len(arrays)} arrays -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        weights_path=snakemake.input.weights,
        output=snakemake.output[0],
        run=snakemake.params.run,
        figures=snakemake.params.figures,
        settings=snakemake.params.settings,
        threads=snakemake.threads,
    )
