rule figure_data:
    input:
        dataset=dataset_file,
        weights=layout.run_file("model.pt"),
    output:
        layout.run_figure_data(),
    log:
        layout.run_figure_log("figure_data"),
    group:
        RUN_OUTPUTS_GROUP
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        run=run_identity,
        figures=figure_data_figures,
        settings=figure_data_settings,
    script:
        "../scripts/figure_data.py"


# Per-run figures: one rule per figure kind, made in one loop. Each gets only its
# own settings and words through params, so changing how one kind is drawn
# redraws that kind (and the report) and nothing else. None needs PyTorch: what
# they show was computed once per run by figure_data.
FIGURE_INPUTS = {
    "data": dict(data=layout.run_figure_data()),
    "history": dict(history=layout.run_file("history.csv")),
    "scores": dict(scores=layout.run_file("scores.npz")),
    "metrics": dict(metrics=layout.run_file("metrics.json")),
}


RUN_FIGURE_KINDS = [f for f in FIGURE_KINDS.values() if f.source in RUN_SOURCES]

for figure_kind in RUN_FIGURE_KINDS:
    figure = figure_kind.name

    rule:
        name:
            f"plot_{figure}"
        input:
            **FIGURE_INPUTS[figure_kind.source],
        output:
            report(
                layout.run_figure(figure),
                caption=figure_caption(figure),
                category="{model}",
                subcategory="z{latent_dim}",
                labels={
                    "model": "{model}",
                    "latent dim": "{latent_dim}",
                    "seed": "{seed}",
                    "figure": figure.replace("_", " "),
                },
            ),
        log:
            layout.run_figure_log(figure),
        group:
            RUN_OUTPUTS_GROUP
        conda:
            "../../envs/figures.yaml"
        threads: resource("figures", "threads")
        resources:
            cpus=resource("figures", "threads"),
            mem_mb=resource("figures", "mem_mb"),
            runtime=resource("figures", "runtime"),
        params:
            settings=figure_settings(figure),
            words=figure_words(figure),
            run=run_identity,
            # the words of its loss (the loss curve's axis)
            loss=lambda wildcards: kind_of(config["models"][wildcards.model]).loss_key(
                config["models"][wildcards.model]
            ),
            dataset=lambda wildcards: config["models"][wildcards.model]["dataset"],
            figure=figure,
            script=figure_kind.script,
        script:
            # Through params, not the loop variable: Snakemake reads `script:` again
            # when a job runs, when `figure` holds the loop's last value.
            "../scripts/{params.script}.py"


rule plot_latent_dim_sweep:
    input:
        metrics=model_metrics,
        pca=model_pca_baselines,
    output:
        report(
            layout.model_figure("latent_dim_sweep"),
            caption=figure_caption("latent_dim_sweep"),
            category="{model}",
            subcategory="all latent sizes",
            labels={"model": "{model}", "figure": "metrics against latent size"},
        ),
    log:
        layout.log("figures/{model}/latent_dim_sweep"),
    conda:
        "../../envs/figures.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("latent_dim_sweep"),
        words=WORDS["figure_words"]["latent_dim_sweep"],
    script:
        "../scripts/plot_latent_dim_sweep.py"


rule plot_roc:
    input:
        scores=anomaly_files("scores.npz"),
        metrics=anomaly_files("metrics.json"),
    output:
        report(
            layout.dataset_figure("roc"),
            caption=figure_caption("roc"),
            category="anomaly detection",
            labels={"dataset": "{dataset}", "figure": "ROC"},
        ),
    log:
        layout.log("figures/dataset-{dataset}/roc"),
    conda:
        "../../envs/figures.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        runs=anomaly_runs,
        settings=figure_settings("roc"),
        words=WORDS["figure_words"]["roc"],
    script:
        "../scripts/plot_roc.py"


rule plot_comparison:
    input:
        data=compared_figure_data,
    output:
        report(
            layout.dataset_figure("comparison"),
            caption=figure_caption("comparison"),
            category="reconstructions compared",
            labels={"dataset": "{dataset}", "figure": "reconstructions compared"},
        ),
    log:
        layout.log("figures/dataset-{dataset}/comparison"),
    conda:
        "../../envs/figures.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        runs=compared_runs,
        settings=figure_settings("comparison"),
        words=WORDS["figure_words"]["comparison"],
    script:
        "../scripts/plot_comparison.py"
