rule prepare_data:
    output:
        "results/data/{dataset}.pt",
    log:
        "logs/prepare_data/{dataset}.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("prepare_data", "threads")
    resources:
        cpus=resource("prepare_data", "threads"),
        mem_mb=resource("prepare_data", "mem_mb"),
        runtime=resource("prepare_data", "runtime"),
    params:
        dataset=lambda wildcards: config["datasets"][wildcards.dataset],
        download_dir=lambda wildcards: f"results/data/downloads/{wildcards.dataset}",
    script:
        "../scripts/prepare_data.py"
