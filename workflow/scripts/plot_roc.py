"""Every model trained on one dataset made for anomaly detection, on one ROC plot:
a curve for each (model, latent size) from its first seed, scored by the
reconstruction error, and a dashed one by the negative ELBO where the run has it;
its AUC in the legend, as mean ± std over seeds where there are several."""

import numpy as np
from sklearn.metrics import roc_curve

from aestudy.atomic_files import read_json
from aestudy.entry import run_job
from aestudy.figures import plots


def main(scores_paths, metrics_paths, runs, output, dataset, settings, words, log=print):
    """`runs[i]` is the identity of the run whose files are scores_paths[i] and
    metrics_paths[i]."""
    groups = {}
    for run, scores_path, metrics_path in zip(runs, scores_paths, metrics_paths, strict=True):
        groups.setdefault((run["model"], run["latent_dim"]), []).append(
            (run["seed"], scores_path, read_json(metrics_path))
        )
    curves = []
    # a colour per (model, latent size); solid: the reconstruction error, dashed:
    # the negative ELBO, for the runs scored by it
    scorings = (
        ("recon", "anomaly_auc", "-", "curve"),
        ("neg_elbo", "anomaly_elbo_auc", "--", "curve_elbo"),
    )
    for index, ((model, latent_dim), members) in enumerate(sorted(groups.items())):
        _, first, _ = min(members, key=lambda m: m[0])
        scores = np.load(first)
        for score, metric, linestyle, label in scorings:
            aucs = [m[metric] for _, _, m in members if m.get(metric) is not None]
            if f"test_{score}" not in scores or not aucs:
                continue
            if not np.isfinite(scores[f"test_{score}"]).all():
                continue  # diverged: nothing to draw
            fpr, tpr, _ = roc_curve(scores["test_anomalous"], scores[f"test_{score}"])
            auc = f"{np.mean(aucs):.3f}"
            if len(aucs) > 1:
                auc += f" ± {np.std(aucs, ddof=1):.3f}"
            curves.append(
                dict(
                    fpr=fpr,
                    tpr=tpr,
                    color=f"C{index % 10}",
                    linestyle=linestyle,
                    label=words[label].format(
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
