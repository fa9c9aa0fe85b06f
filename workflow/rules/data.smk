rule download_dataset:
    output:
        directory(layout.download_folder()),
    log:
        layout.log("download_dataset/{dataset}"),
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
        base=source_dataset_file,
    output:
        layout.dataset_file(),
    log:
        layout.log("prepare_data/{dataset}"),
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
