rule render_report:
    input:
        metrics=layout.TABLES["metrics"],
        compute=layout.TABLES["compute"],
        pca=pca_baselines(),
        figures=[file for _, file in run_figures()],
        sweeps=model_figure_files(),
        rocs=dataset_figure_files(),
        # Files of the workflow, not of the study: found beside the Snakefile, so
        # that `snakemake -s path/to/Snakefile` works from any directory.
        template=workflow_file("report/template.html"),
        style=workflow_file("report/style.css"),
        text=WORDS_FILE,
    output:
        layout.REPORT,
    log:
        layout.log("render_report"),
    conda:
        "../../envs/pytorch.yaml"
    params:
        figures=[identity for identity, _ in run_figures()],
        roc_datasets=anomaly_datasets(),
        specs=config["models"],
        datasets=config["datasets"],
        settings=config["report"],
    script:
        "../scripts/render_report.py"
