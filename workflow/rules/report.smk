rule render_report:
    input:
        metrics=layout.TABLES["metrics"],
        compute=layout.TABLES["compute"],
        pca=pca_baselines(),
        baselines=dataset_baselines(),
        figures=[file for _, file in run_figures()],
        sweeps=[file for _, file in model_figures()],
        rocs=dataset_figure_files(),
        comparisons=[
            layout.dataset_figure("comparison", d) for d in compared_datasets()
        ],
        # Files of the workflow, not of the study: found beside the Snakefile, so
        # that `snakemake -s path/to/Snakefile` works from any directory.
        template=workflow_file("report/template.html"),
        style=workflow_file("report/style.css"),
        text=WORDS_FILE,
        references=workflow_file("report/text/references.yaml"),
        run_records=[layout.run_file("metrics.json", **run) for run in runs()],
        histories=[layout.run_file("history.csv", **run) for run in runs()],
        # the layer table of each (model, latent size), the same at every seed
        architectures=[
            layout.architecture_file(model=name, latent_dim=z, seed=spec["seeds"][0])
            for name, spec in config["models"].items()
            for z in spec["latent_dims"]
        ],
    output:
        layout.REPORT,
    log:
        layout.log("render_report"),
    conda:
        "../../envs/tables.yaml"
    params:
        figures=[identity for identity, _ in run_figures()],
        roc_datasets=anomaly_datasets(),
        compared_datasets=compared_datasets(),
        model_figures=[identity for identity, _ in model_figures()],
        specs=config["models"],
        datasets=config["datasets"],
        settings=config["report"],
        evaluation=config["evaluation"],
        # the captions name some figures' settings
        figure_settings=config["figures"],
        # the study's claims, tested in the report, and the models it did not run
        claims=config["claims"],
        left_out=config["leave_out"],
        # the config files named on the command line, as the report's readers know them
        config_files=[shown_path(f) for f in workflow.overwrite_configfiles],
    script:
        "../scripts/render_report.py"


# The report on paper: made on request (`snakemake results/report/report.pdf`),
# not by `all`, since it needs Chromium on the machine. A4, page numbers and page
# breaks come from the style sheet's @page and print rules, already in the HTML.
# The script needs only Python's standard library (and Chromium, which conda does
# not provide): the smallest of the environments.
rule report_pdf:
    input:
        layout.REPORT,
    output:
        layout.REPORT_PDF,
    log:
        layout.log("report_pdf"),
    localrule: True
    conda:
        "../../envs/tables.yaml"
    script:
        "../scripts/print_report.py"
