"""Render results/report/index.html from the tables and figures."""

from pathlib import Path

from aestudy.atomic import write_text
from aestudy.jobs import run_job
from aestudy.report import render_report
from aestudy.tables import read_compute_table, read_pca, read_run_table, summarize


def main(metrics_csv, compute_csv, pca_paths, figure_paths, sweep_paths, template, output, specs, datasets,
         settings, log=print):  # fmt: skip
    runs = read_run_table(metrics_csv)
    pca = read_pca(pca_paths)
    html = render_report(
        summary=summarize(runs, pca), runs=runs, compute=read_compute_table(compute_csv), specs=specs, datasets=datasets,
        figure_paths=figure_paths, sweep_paths=dict(zip(specs, sweep_paths, strict=True)),
        settings=settings, report_dir=Path(template).parent,
    )  # fmt: skip
    write_text(output, html)
    log(
        f"report of {len(runs)} runs, {len(figure_paths)} run figures ({len(html) / 1e6:.1f} MB) -> {output}"
    )


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        metrics_csv=snakemake.input.metrics,
        compute_csv=snakemake.input.compute,
        pca_paths=list(snakemake.input.pca),
        figure_paths=list(snakemake.input.figures),
        sweep_paths=list(snakemake.input.sweeps),
        template=snakemake.input.template,
        output=snakemake.output[0],
        specs=snakemake.params.specs,
        datasets=snakemake.params.datasets,
        settings=snakemake.params.settings,
    )
