"""Render results/report/index.html from the tables and figures."""

import pandas as pd
import yaml

from aestudy.atomic_files import read_json, write_text
from aestudy.entry import run_job
from aestudy.figures import LATENT_DIM_SWEEP
from aestudy.report.html import render_report
from aestudy.report.tables import (
    read_baselines,
    read_compute_table,
    read_pca,
    read_run_table,
    summarize,
)


def main(
    metrics_csv,
    compute_csv,
    pca_paths,
    baseline_paths,
    run_figures,
    sweep_paths,
    roc_paths,
    template,
    style,
    text_path,
    references_path,
    output,
    specs,
    datasets,
    settings,
    evaluation=None,
    run_json_paths=(),
    history_paths=(),
    architecture_paths=(),
    config_files=(),
    comparison_paths=None,
    figure_settings=None,
    claims=None,
    left_out=(),
    log=print,
):
    """`run_figures`: every per-run figure as a dict (model, latent_dim, seed,
    figure, path); `sweep_paths`: {model of more than one latent size: its
    latent-size sweep figure}; `roc_paths`: {dataset made for anomaly detection:
    its ROC figure}; `comparison_paths`: {dataset: its models' reconstructions
    side by side};
    `run_json_paths`, `history_paths`: every run's metrics.json and history.csv,
    in the same order; `architecture_paths`: the architecture.json of a run of
    each (model, latent size); `claims`: the config's claims; `left_out`: the models
    the study declares but did not run."""
    runs = read_run_table(metrics_csv)
    baselines = read_baselines(baseline_paths)
    with open(text_path, encoding="utf-8") as handle:
        text = yaml.safe_load(handle)
    with open(references_path, encoding="utf-8") as handle:
        references = yaml.safe_load(handle)
    run_records = [read_json(path) for path in run_json_paths]
    histories = {}
    for record, path in zip(run_records, history_paths, strict=True):
        table = pd.read_csv(path)
        histories[(record["model"], record["latent_dim"], record["seed"])] = list(
            table[["epoch", "train_loss", "test_loss"]].itertuples(index=False, name=None)
        )
    html = render_report(
        summary=summarize(runs, read_pca(pca_paths), baselines),
        baselines=baselines,
        runs=runs,
        compute=read_compute_table(compute_csv),
        specs=specs,
        datasets=datasets,
        run_figures=run_figures,
        sweep_paths=sweep_paths,
        roc_paths=roc_paths,
        comparison_paths=comparison_paths,
        settings=settings,
        figure_settings=figure_settings,
        run_records=run_records,
        architecture_records=[read_json(path) for path in architecture_paths],
        histories=histories,
        config_files=config_files,
        evaluation=evaluation,
        text=text,
        references=references,
        template=template,
        style=style,
        claims=claims,
        left_out=left_out,
    )
    write_text(output, html)
    size = len(html.encode()) / 1e6
    log(f"report of {len(runs)} runs, {len(run_figures)} run figures ({size:.1f} MB) -> {output}")


if "snakemake" in globals():
    figures = list(snakemake.input.figures)
    run_job(
        main,
        snakemake.log[0],
        metrics_csv=snakemake.input.metrics,
        compute_csv=snakemake.input.compute,
        pca_paths=list(snakemake.input.pca),
        baseline_paths=list(snakemake.input.baselines),
        # each figure's identity, given beside the files in the same order
        run_figures=[
            dict(figure_id, path=path)
            for figure_id, path in zip(snakemake.params.figures, figures, strict=True)
        ],
        # each model figure's identity (model, figure), beside the files in the same order
        sweep_paths={
            figure_id["model"]: path
            for figure_id, path in zip(
                snakemake.params.model_figures, snakemake.input.sweeps, strict=True
            )
            if figure_id["figure"] == LATENT_DIM_SWEEP.name
        },
        roc_paths=dict(zip(snakemake.params.roc_datasets, snakemake.input.rocs, strict=True)),
        comparison_paths=dict(
            zip(snakemake.params.compared_datasets, snakemake.input.comparisons, strict=True)
        ),
        template=snakemake.input.template,
        style=snakemake.input.style,
        text_path=snakemake.input.text,
        references_path=snakemake.input.references,
        run_json_paths=list(snakemake.input.run_records),
        history_paths=list(snakemake.input.histories),
        architecture_paths=list(snakemake.input.architectures),
        config_files=snakemake.params.config_files,
        output=snakemake.output[0],
        specs=snakemake.params.specs,
        datasets=snakemake.params.datasets,
        settings=snakemake.params.settings,
        evaluation=snakemake.params.evaluation,
        figure_settings=snakemake.params.figure_settings,
        claims=snakemake.params.claims,
        left_out=snakemake.params.left_out,
    )
