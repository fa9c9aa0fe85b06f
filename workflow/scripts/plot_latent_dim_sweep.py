"""Per model: test MSE (and the ELBO and the importance-weighted log-likelihood
where the kind has them) against latent_dim, mean ± std over the seeds that
finished, with the PCA baseline as a line."""

from aestudy.atomic_files import read_json
from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.report.tables import read_pca, records, run_table, summarize


def main(metrics_paths, pca_paths, output, model_name, settings, words, log=print):
    runs = run_table([read_json(p) for p in metrics_paths])
    rows = records(summarize(runs, read_pca(pca_paths)).sort_values("latent_dim"))
    dims = [r["latent_dim"] for r in rows]

    def panel(metric, baseline=None):
        return dict(
            dims=dims,
            ylabel=words["ylabel"][metric],
            baseline=baseline,
            means=[_nan(r[f"{metric}_mean"]) for r in rows],
            stds=[r[f"{metric}_std"] or 0.0 for r in rows],
        )

    panels = [panel("test_mse", [_nan(r["pca_mse"]) for r in rows])]
    # the ELBO and the importance-weighted log-likelihood, for the kinds that have them
    panels += [panel(m) for m in ("elbo", "iw_ll") if any(r[f"{m}_mean"] is not None for r in rows)]
    diverged = sum(r["diverged"] for r in rows)
    note = words["note"].format(n=diverged) if diverged else ""
    plots.metric_vs_latent_dim(
        panels,
        output,
        words=words,
        dpi=settings["dpi"],
        title=words["title"].format(model=model_name, dataset=rows[0]["dataset"], note=note),
    )
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
        words=snakemake.params.words,
    )
