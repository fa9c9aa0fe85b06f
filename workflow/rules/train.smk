rule train_autoencoder:
    input:
        dataset=dataset_file,
    output:
        weights=f"{RUN_DIR}/model.pt",
        history=f"{RUN_DIR}/history.csv",
    log:
        "logs/train/{model}/z{latent_dim}/seed{seed}.log",
    benchmark:
        TRAIN_BENCHMARK
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("train", "threads")
    resources:
        cpus=resource("train", "threads"),
        gpu=resource("train", "gpu"),
        mem_mb=resource("train", "mem_mb"),
        runtime=resource("train", "runtime"),
        # How often to checkpoint does not change the result, so it is passed as a
        # resource, not a param: changing it must not retrain anything.
        checkpoint_every=config["compute"]["checkpoint_every"],
    params:
        spec=training_spec,
        device=job_device("train"),
    script:
        "../scripts/train_autoencoder.py"
