"""Per model: test MSE (and for the VAE the ELBO) against latent_dim, mean ± std
over the seeds that finished, with the PCA baseline as a line."""

from aestudy import figures
from aestudy.jobs import run_job
from aestudy.tables import read_json, read_pca, records, run_table, summarize


def main(metrics_paths, pca_paths, output, model_name, settings, log=print):
    runs = run_table([read_json(p) for p in metrics_paths])
    rows = records(summarize(runs, read_pca(pca_paths)).sort_values("latent_dim"))
    dims = [r["latent_dim"] for r in rows]

    def panel(metric, ylabel, baseline=None):
        return dict(
            dims=dims, ylabel=ylabel, baseline=baseline, baseline_label="PCA, same size",
            means=[_nan(r[f"{metric}_mean"]) for r in rows],
            stds=[r[f"{metric}_std"] or 0.0 for r in rows],
        )  # fmt: skip

    panels = [panel("test_mse", "test MSE per pixel", [_nan(r["pca_mse"]) for r in rows])]
    if rows[0]["kind"] == "vae":
        panels.append(panel("elbo", "test ELBO per image (nats)"))
    diverged = sum(r["diverged"] for r in rows)
    note = f" ({diverged} diverged runs left out)" if diverged else ""
    figures.metric_vs_latent_dim(
        panels, output, title=f"{model_name} on {rows[0]['dataset']}: latent size{note}",
        dpi=settings["dpi"],
    )  # fmt: skip
    log(f"{len(runs)} runs over latent sizes {dims} -> {output}")


def _nan(value):
    return float("nan") if value is None else value


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        metrics_paths=list(snakemake.input.metrics),
        pca_paths=list(snakemake.input.pca),
        output=snakemake.output[0],
        model_name=snakemake.wildcards.model,
        settings=snakemake.params.settings,
    )
