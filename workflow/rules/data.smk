rule download_dataset:
    output:
        directory("results/data/downloads/{dataset}"),
    log:
        "logs/download_dataset/{dataset}.log",
    conda:
        "../../envs/pytorch.yaml"
    resources:
        mem_mb=resource("prepare_data", "mem_mb"),
        runtime=resource("prepare_data", "runtime"),
    params:
        format=lambda wildcards: config["datasets"][wildcards.dataset]["format"],
    script:
        "../scripts/download_dataset.py"


rule prepare_data:
    input:
        downloads=download_folder,
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
    script:
        "../scripts/prepare_data.py"
