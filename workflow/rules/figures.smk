# One rule per figure kind; each gets only its own settings through params, so
# changing one kind's setting rebuilds that kind (and the report) and nothing else.


rule plot_loss_curve:
    input:
        history=f"{RUN_DIR}/history.csv",
    output:
        report(
            f"{FIGURE_DIR}/loss_curve.png",
            caption="../../report/captions/loss_curve.rst",
            category="{model}",
            subcategory="z{latent_dim}",
            labels=run_figure_labels("loss curve"),
        ),
    log:
        "logs/figures/{model}/z{latent_dim}/seed{seed}/loss_curve.log",
    conda:
        "../../envs/figures.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        kind=lambda wildcards: config["models"][wildcards.model]["kind"],
        settings=figure_settings("loss_curve"),
    script:
        "../scripts/plot_loss_curve.py"


rule plot_reconstructions:
    input:
        dataset=dataset_file,
        weights=f"{RUN_DIR}/model.pt",
    output:
        report(
            f"{FIGURE_DIR}/reconstructions.png",
            caption="../../report/captions/reconstructions.rst",
            category="{model}",
            subcategory="z{latent_dim}",
            labels=run_figure_labels("reconstructions"),
        ),
    log:
        "logs/figures/{model}/z{latent_dim}/seed{seed}/reconstructions.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("reconstructions"),
    script:
        "../scripts/plot_reconstructions.py"


rule plot_latent_space:
    input:
        dataset=dataset_file,
        weights=f"{RUN_DIR}/model.pt",
    output:
        report(
            f"{FIGURE_DIR}/latent_space.png",
            caption="../../report/captions/latent_space.rst",
            category="{model}",
            subcategory="z{latent_dim}",
            labels=run_figure_labels("latent space"),
        ),
    log:
        "logs/figures/{model}/z{latent_dim}/seed{seed}/latent_space.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("latent_space"),
    script:
        "../scripts/plot_latent_space.py"


rule plot_interpolation:
    input:
        dataset=dataset_file,
        weights=f"{RUN_DIR}/model.pt",
    output:
        report(
            f"{FIGURE_DIR}/interpolation.png",
            caption="../../report/captions/interpolation.rst",
            category="{model}",
            subcategory="z{latent_dim}",
            labels=run_figure_labels("interpolation"),
        ),
    log:
        "logs/figures/{model}/z{latent_dim}/seed{seed}/interpolation.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("interpolation"),
    script:
        "../scripts/plot_interpolation.py"


rule plot_samples:
    input:
        dataset=dataset_file,
        weights=f"{RUN_DIR}/model.pt",
    output:
        report(
            f"{FIGURE_DIR}/samples.png",
            caption="../../report/captions/samples.rst",
            category="{model}",
            subcategory="z{latent_dim}",
            labels=run_figure_labels("samples"),
        ),
    log:
        "logs/figures/{model}/z{latent_dim}/seed{seed}/samples.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("samples"),
    script:
        "../scripts/plot_samples.py"


rule plot_manifold:
    input:
        dataset=dataset_file,
        weights=f"{RUN_DIR}/model.pt",
    output:
        report(
            f"{FIGURE_DIR}/manifold.png",
            caption="../../report/captions/manifold.rst",
            category="{model}",
            subcategory="z{latent_dim}",
            labels=run_figure_labels("manifold"),
        ),
    log:
        "logs/figures/{model}/z{latent_dim}/seed{seed}/manifold.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("manifold"),
    script:
        "../scripts/plot_manifold.py"


rule plot_latent_dim_sweep:
    input:
        metrics=model_metrics,
        pca=model_pca_baselines,
    output:
        report(
            "results/figures/{model}/latent_dim_sweep.png",
            caption="../../report/captions/latent_dim_sweep.rst",
            category="{model}",
            subcategory="all latent sizes",
            labels={"model": "{model}", "figure": "metrics against latent size"},
        ),
    log:
        "logs/figures/{model}/latent_dim_sweep.log",
    conda:
        "../../envs/figures.yaml"
    threads: resource("figures", "threads")
    resources:
        cpus=resource("figures", "threads"),
        mem_mb=resource("figures", "mem_mb"),
        runtime=resource("figures", "runtime"),
    params:
        settings=figure_settings("latent_dim_sweep"),
    script:
        "../scripts/plot_latent_dim_sweep.py"
