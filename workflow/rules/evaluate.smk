rule evaluate_run:
    input:
        dataset=dataset_file,
        weights=f"{RUN_DIR}/model.pt",
    output:
        f"{RUN_DIR}/metrics.json",
    log:
        "logs/evaluate/{model}/z{latent_dim}/seed{seed}.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("evaluate", "threads")
    resources:
        cpus=resource("evaluate", "threads"),
        gpu=resource("evaluate", "gpu"),
        mem_mb=resource("evaluate", "mem_mb"),
        runtime=resource("evaluate", "runtime"),
    params:
        evaluation=config["evaluation"],
        device=job_device("evaluate"),
    script:
        "../scripts/evaluate_run.py"


rule pca_baseline:
    input:
        "results/data/{dataset}.pt",
    output:
        "results/baselines/pca/{dataset}/z{latent_dim}.json",
    log:
        "logs/pca_baseline/{dataset}/z{latent_dim}.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("evaluate", "threads")
    resources:
        cpus=resource("evaluate", "threads"),
        mem_mb=resource("evaluate", "mem_mb"),
        runtime=resource("evaluate", "runtime"),
    script:
        "../scripts/pca_baseline.py"


rule aggregate_metrics:
    input:
        metrics=run_files(f"{RUN_DIR}/metrics.json"),
        pca=pca_baselines(),
        benchmarks=run_files(TRAIN_BENCHMARK),
    output:
        metrics="results/tables/metrics.csv",
        compute="results/tables/compute.csv",
        summary_csv=report(
            "results/tables/summary.csv",
            caption="../../report/captions/summary.rst",
            category="tables",
            labels={"table": "summary over seeds"},
        ),
        summary_md="results/tables/summary.md",
    log:
        "logs/aggregate_metrics.log",
    conda:
        "../../envs/tables.yaml"
    script:
        "../scripts/aggregate_metrics.py"
