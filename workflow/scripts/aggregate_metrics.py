"""Collect every run's metrics.json into metrics.csv and summary.csv/.md, and the
training jobs' benchmark files into compute.csv."""

from aestudy.atomic import write_csv, write_text
from aestudy.jobs import run_job
from aestudy.tables import (
    COMPUTE_COLUMNS,
    RUN_COLUMNS,
    SUMMARY_COLUMNS,
    compute_rows,
    read_pca,
    run_rows,
    summarize,
    summary_markdown,
)  # fmt: skip


def main(metrics_paths, pca_paths, benchmark_paths, metrics_csv, summary_csv, summary_md,
         compute_csv, log=print):  # fmt: skip
    rows = run_rows(metrics_paths)
    write_csv(compute_csv, compute_rows(benchmark_paths, rows), COMPUTE_COLUMNS)
    pca = read_pca(pca_paths)
    summary = summarize(rows, pca)
    write_csv(metrics_csv, rows, RUN_COLUMNS)
    write_csv(summary_csv, summary, SUMMARY_COLUMNS)
    write_text(summary_md, summary_markdown(summary))
    log(f"{len(rows)} runs, {len(summary)} (model, latent_dim) groups")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        metrics_paths=list(snakemake.input.metrics),
        pca_paths=list(snakemake.input.pca),
        benchmark_paths=list(snakemake.input.benchmarks),
        metrics_csv=snakemake.output.metrics,
        summary_csv=snakemake.output.summary_csv,
        summary_md=snakemake.output.summary_md,
        compute_csv=snakemake.output.compute,
    )
