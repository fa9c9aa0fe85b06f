rule train_autoencoder:
    input:
        dataset=dataset_file,
    output:
        weights=layout.run_file("model.pt"),
        history=layout.run_file("history.csv"),
        architecture=layout.architecture_file(),
    log:
        layout.run_log("train"),
    benchmark:
        layout.train_benchmark()
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
        run=run_identity,
        checkpoint=layout.run_file("checkpoint.pt"),
        device=job_device("train"),
    script:
        "../scripts/train_autoencoder.py"
