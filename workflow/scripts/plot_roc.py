"""Every model trained on one dataset made for anomaly detection, on one ROC plot:
a curve for each (model, latent size) from its first seed, its AUC as mean ±
std over seeds in the legend."""

import numpy as np
from sklearn.metrics import roc_curve

from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.report.tables import read_json


def main(scores_paths, metrics_paths, runs, output, dataset, settings, words, log=print):
    """`runs[i]` is the identity of the run whose files are scores_paths[i] and
    metrics_paths[i]."""
    groups = {}
    for run, scores_path, metrics_path in zip(runs, scores_paths, metrics_paths, strict=True):
        groups.setdefault((run["model"], run["latent_dim"]), []).append(
            (run["seed"], scores_path, read_json(metrics_path))
        )
    curves = []
    for (model, latent_dim), members in sorted(groups.items()):
        _, first, _ = min(members, key=lambda m: m[0])
        scores = np.load(first)
        aucs = [m["anomaly_auc"] for _, _, m in members if m["anomaly_auc"] is not None]
        if not aucs or not np.isfinite(scores["test_recon"]).all():
            continue  # diverged: nothing to draw
        fpr, tpr, _ = roc_curve(scores["test_anomalous"], scores["test_recon"])
        auc = f"{np.mean(aucs):.3f}" + (f" ± {np.std(aucs, ddof=1):.3f}" if len(aucs) > 1 else "")
        curves.append(
            dict(
                fpr=fpr,
                tpr=tpr,
                label=words["curve"].format(
                    model=model, latent_dim=latent_dim, auc=auc, seeds=len(aucs)
                ),
            )
        )
    plots.roc_curves(
        curves,
        output,
        words=words,
        title=words["title"].format(dataset=dataset),
        dpi=settings["dpi"],
    )
    log(f"{len(curves)} ROC curves on {dataset} -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        scores_paths=list(snakemake.input.scores),
        metrics_paths=list(snakemake.input.metrics),
        runs=snakemake.params.runs,
        output=snakemake.output[0],
        dataset=snakemake.wildcards.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
