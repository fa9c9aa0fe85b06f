# Training. A run trains in a job of its own, or with the other seeds of its
# (model, latent_dim) in groups of compute.train.runs_per_job where its kind can
# train several runs in one step (common.smk: trains_in_groups). Either way every
# run keeps its own files; the script writes them all from lists.
#
# Which models train alone and which in groups is fixed per model, so the two
# kinds of rule never claim the same file.
GROUP_TRAINING = group_training_rules()
TRAINED_ALONE = [name for name in config["models"] if not trains_in_groups(name)]


rule train_autoencoder:
    input:
        dataset=dataset_file,
    output:
        weights=[layout.run_file("model.pt")],
        history=[layout.run_file("history.csv")],
        architecture=[layout.architecture_file()],
    log:
        layout.run_log("train"),
    benchmark:
        layout.train_benchmark()
    wildcard_constraints:
        model=models_pattern(TRAINED_ALONE),
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("train", "threads")
    resources:
        cpus=resource("train", "threads"),
        gpu=resource("train", "gpu"),
        mem_mb=resource("train", "mem_mb"),
        runtime=resource("train", "runtime"),
        # How often to checkpoint, and how many jobs share a GPU, do not change the
        # result, so they are resources, not params: changing them retrains nothing.
        checkpoint_every=config["compute"]["checkpoint_every"],
        jobs_per_gpu=config["compute"]["train"]["jobs_per_gpu"],
    params:
        spec=training_spec,
        runs=lambda wildcards: [run_identity(wildcards)],
        checkpoints=[layout.run_file("checkpoint.pt")],
        device=job_device("train"),
    script:
        "../scripts/train_autoencoder.py"


# One rule per group of seeds (a rule's outputs are fixed in number). The outputs
# are update(): Snakemake leaves the files of a run already trained in place, and
# the script keeps a run whose files match its settings, so a group that gains a
# seed trains only that seed.
for group_seeds, group_models in GROUP_TRAINING.items():

    rule:
        name:
            f"train_together_{layout.seeds_name(group_seeds)}"
        input:
            dataset=dataset_file,
        output:
            weights=update([layout.run_file("model.pt", seed=s) for s in group_seeds]),
            history=update(
                [layout.run_file("history.csv", seed=s) for s in group_seeds]
            ),
            architecture=update([layout.architecture_file(seed=s) for s in group_seeds]),
        log:
            layout.group_train_log(group_seeds),
        benchmark:
            layout.group_train_benchmark(group_seeds)
        wildcard_constraints:
            model=models_pattern(group_models),
        conda:
            "../../envs/pytorch.yaml"
        threads: resource("train", "threads")
        resources:
            cpus=resource("train", "threads"),
            gpu=resource("train", "gpu"),
            mem_mb=resource("train", "mem_mb"),
            # a job of several runs may take as long as they would one after another
            runtime=resource("train", "runtime") * len(group_seeds),
            checkpoint_every=config["compute"]["checkpoint_every"],
            jobs_per_gpu=config["compute"]["train"]["jobs_per_gpu"],
        params:
            spec=training_spec,
            runs=group_runs(group_seeds),
            checkpoints=[layout.run_file("checkpoint.pt", seed=s) for s in group_seeds],
            device=job_device("train"),
        script:
            "../scripts/train_autoencoder.py"
