"""Collect every run's metrics.json into metrics.csv and summary.csv/.md, and the
training jobs' benchmark files into compute.csv."""

import yaml

from aestudy.atomic_files import read_json, write_table, write_text
from aestudy.entry import run_job
from aestudy.report.tables import (
    compute_table,
    read_baselines,
    read_pca,
    run_table,
    summarize,
    summary_markdown,
)


def main(
    metrics_paths,
    pca_paths,
    baseline_paths,
    benchmark_paths,
    text_path,
    metrics_csv,
    summary_csv,
    summary_md,
    compute_csv,
    log=print,
):
    """`benchmark_paths[i]` is the training benchmark of the run of `metrics_paths[i]`;
    the words of summary.md come from `text_path` (report/text/en.yaml)."""
    metrics = [read_json(path) for path in metrics_paths]
    runs = run_table(metrics)
    summary = summarize(runs, read_pca(pca_paths), read_baselines(baseline_paths))
    with open(text_path, encoding="utf-8") as handle:
        words = yaml.safe_load(handle)
    write_table(compute_csv, compute_table(benchmark_paths, metrics))
    write_table(metrics_csv, runs)
    write_table(summary_csv, summary)
    write_text(summary_md, summary_markdown(summary, words["table_headers"], words["run_outcomes"]))
    log(f"{len(runs)} runs, {len(summary)} (model, latent_dim) groups")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        metrics_paths=list(snakemake.input.metrics),
        pca_paths=list(snakemake.input.pca),
        baseline_paths=list(snakemake.input.baselines),
        benchmark_paths=list(snakemake.input.benchmarks),
        text_path=snakemake.input.text,
        metrics_csv=snakemake.output.metrics,
        summary_csv=snakemake.output.summary_csv,
        summary_md=snakemake.output.summary_md,
        compute_csv=snakemake.output.compute,
    )
