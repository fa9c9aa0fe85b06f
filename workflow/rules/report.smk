rule render_report:
    input:
        metrics="results/tables/metrics.csv",
        compute="results/tables/compute.csv",
        pca=pca_baselines(),
        figures=run_figure_files(),
        sweeps=model_figure_files(),
        # Files of the workflow, not of the study: found beside the Snakefile, so
        # that `snakemake -s path/to/Snakefile` works from any directory.
        template=workflow.source_path("../../report/template.html"),
        style=workflow.source_path("../../report/style.css"),
        text=workflow.source_path(
            f"../../report/text/{config['report']['language']}.yaml"
        ),
    output:
        "results/report/index.html",
    log:
        "logs/render_report.log",
    conda:
        "../../envs/pytorch.yaml"
    params:
        specs=config["models"],
        datasets=config["datasets"],
        settings=config["report"],
    script:
        "../scripts/render_report.py"
