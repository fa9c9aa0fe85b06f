rule train_autoencoder:
    input:
        dataset=dataset_file,
    output:
        weights=f"{RUN_DIR}/model.pt",
        history=f"{RUN_DIR}/history.csv",
    log:
        "logs/train/{model}/z{latent_dim}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{model}/z{latent_dim}/seed{seed}.tsv"
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("train", "threads")
    resources:
        gpu=resource("train", "gpu"),
        mem_mb=resource("train", "mem_mb"),
        runtime=resource("train", "runtime"),
    params:
        spec=training_spec,
        device=config["compute"]["device"],
    script:
        "../scripts/train_autoencoder.py"
