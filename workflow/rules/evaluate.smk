rule evaluate_run:
    input:
        dataset=dataset_file,
        weights=layout.run_file("model.pt"),
        history=layout.run_file("history.csv"),
    output:
        metrics=layout.run_file("metrics.json"),
        scores=layout.run_file("scores.npz"),
    log:
        layout.run_log("evaluate"),
    group:
        RUN_OUTPUTS_GROUP
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("evaluate", "threads")
    resources:
        cpus=resource("evaluate", "threads"),
        gpu=resource("evaluate", "gpu"),
        mem_mb=resource("evaluate", "mem_mb"),
        runtime=resource("evaluate", "runtime"),
        # a GPU's slots (compute.train.jobs_per_gpu) serve every job that claims one
        jobs_per_gpu=config["compute"]["train"]["jobs_per_gpu"],
    params:
        evaluation=config["evaluation"],
        run=run_identity,
        device=job_device("evaluate"),
    script:
        "../scripts/evaluate_run.py"


rule pca_baseline:
    input:
        layout.dataset_file(),
    output:
        layout.pca_baseline(),
    log:
        layout.log("pca_baseline/{dataset}/z{latent_dim}"),
    group:
        PCA_GROUP
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("evaluate", "threads")
    resources:
        cpus=resource("evaluate", "threads"),
        mem_mb=resource("evaluate", "mem_mb"),
        runtime=resource("evaluate", "runtime"),
    params:
        denoising=config["evaluation"]["denoising"],
        probe_train_size=config["evaluation"]["probe_train_size"],
    script:
        "../scripts/pca_baseline.py"


rule dataset_baseline:
    input:
        layout.dataset_file(),
    output:
        layout.dataset_baseline(),
    log:
        layout.log("dataset_baseline/{dataset}"),
    group:
        PCA_GROUP
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("evaluate", "threads")
    resources:
        cpus=resource("evaluate", "threads"),
        mem_mb=resource("evaluate", "mem_mb"),
        runtime=resource("evaluate", "runtime"),
    params:
        probe_train_size=config["evaluation"]["probe_train_size"],
        diagnostics=config["evaluation"]["diagnostics"],
    script:
        "../scripts/dataset_baseline.py"


rule aggregate_metrics:
    input:
        metrics=[layout.run_file("metrics.json", **run) for run in runs()],
        pca=pca_baselines(),
        baselines=dataset_baselines(),
        # a group job's file once for each of its runs, which share its time
        benchmarks=[train_benchmark(run) for run in runs()],
        # the table headings of summary.md, in English whatever the report's language
        text=workflow_file("report/text/en.yaml"),
    output:
        metrics=layout.TABLES["metrics"],
        compute=layout.TABLES["compute"],
        summary_csv=report(
            layout.TABLES["summary_csv"],
            caption=report_caption("summary"),
            category="tables",
            labels={"table": "summary over seeds"},
        ),
        summary_md=layout.TABLES["summary_md"],
    log:
        layout.log("aggregate_metrics"),
    conda:
        "../../envs/tables.yaml"
    script:
        "../scripts/aggregate_metrics.py"
