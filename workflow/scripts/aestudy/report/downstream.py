"""The report's downstream tasks: tables comparing every model on the same test set
(reconstruction, generative modelling, representation), denoising, and anomaly
detection, with sentences computed from the numbers.

Every table is a pandas DataFrame shown with `to_html`; its headings and the
sentences come from the words of report/text under `downstream`.
"""

import pandas as pd

from aestudy.evaluation import comparison_tables as compared_metrics
from aestudy.evaluation import shown_metrics
from aestudy.report.tables import decibels, mean_std, number, records
from aestudy.report.verdicts import against_chance, spread_or_bootstrap

# The baselines' metrics: no spread over seeds, one number per data set and size.
SINGLE_VALUES = {m.baseline for m in shown_metrics().values() if m.baseline}
ANOMALY = [
    "anomaly_auc",
    "anomaly_precision",
    "anomaly_recall",
    "anomaly_f1",
    "anomaly_elbo_auc",
    "anomaly_elbo_f1",
]


def _html(table, classes):
    return table.to_html(index=False, classes=classes, border=0, na_rep="–")


def _identity(rows, headers):
    return {
        headers["model"]: [r["model"] for r in rows],
        headers["dataset"]: [r["dataset"] for r in rows],
        headers["latent_dim"]: [r["latent_dim"] for r in rows],
    }


def _has(row, metric):
    return row.get(metric if metric in SINGLE_VALUES else f"{metric}_mean") is not None


def _cell(row, metric):
    return number(row[metric]) if metric in SINGLE_VALUES else mean_std(row, metric)


def comparison_tables(summary, words):
    """{table: its HTML} of the comparison tables that some model has a value in:
    the (model, latent size) rows that have one of the table's metrics, mean ± std,
    and the metrics some row has. PCA alone does not put a row in a table."""
    headers, tables = words["headers"], {}
    for name, metrics in compared_metrics().items():
        own = [m for m in metrics if m not in SINGLE_VALUES]
        rows = [r for r in records(summary) if any(_has(r, m) for m in own)]
        present = [m for m in metrics if any(_has(r, m) for r in rows)]
        if rows:
            table = pd.DataFrame(
                {
                    **_identity(rows, headers),
                    **{headers[m]: [_cell(r, m) for r in rows] for m in present},
                }
            )
            tables[name] = _html(table, f"comparison {name}")
    return tables


def denoising_table(summary, words):
    """The fixed corrupted test set: its own distance from the clean images, PCA's
    and each model's reconstruction of it."""
    rows = records(summary)
    headers = words["headers"]
    table = pd.DataFrame(
        {
            **_identity(rows, headers),
            headers["noisy_psnr"]: [decibels(r["noisy_psnr"]) for r in rows],
            headers["pca_denoised_psnr"]: [decibels(r["pca_denoised_psnr"]) for r in rows],
            headers["denoised_psnr"]: [mean_std(r, "denoised_psnr") for r in rows],
            headers["denoised_mse"]: [mean_std(r, "denoised_mse") for r in rows],
        }
    )
    return _html(table, "denoising")


def denoising_findings(summary, specs, words):
    """For each denoising model: its PSNR on the corrupted test set beside the
    corrupted input's, PCA's and the plain autoencoders' of the same size on the
    same data."""
    rows = records(summary)
    sentences = []
    for row in rows:
        spec = specs[row["model"]]
        if "noise" not in spec or row["denoised_psnr_mean"] is None:
            continue
        peers = [
            r
            for r in rows
            if r["dataset"] == row["dataset"]
            and r["latent_dim"] == row["latent_dim"]
            and "noise" not in specs[r["model"]]
            and r["denoised_psnr_mean"] is not None
        ]
        others = words["join"].join(
            words["peer"].format(model=r["model"], psnr=mean_std(r, "denoised_psnr")) for r in peers
        )
        gain = row["denoised_psnr_mean"] - row["noisy_psnr"]
        sentences.append(
            words["denoising"].format(
                model=row["model"],
                latent_dim=row["latent_dim"],
                psnr=mean_std(row, "denoised_psnr"),
                noisy=decibels(row["noisy_psnr"]),
                gain=f"{gain:+.2f}",
                pca=decibels(row["pca_denoised_psnr"]),
                others=others or words["no_peer"],
            )
        )
    return sentences


def anomaly_rows(summary):
    return [r for r in records(summary) if r["anomaly_auc_mean"] is not None]


def anomaly_table(summary, words):
    rows = anomaly_rows(summary)
    if not rows:
        return None
    headers = words["headers"]
    present = [m for m in ANOMALY if any(r[f"{m}_mean"] is not None for r in rows)]
    table = pd.DataFrame(
        {
            **_identity(rows, headers),
            **{headers[m]: [mean_std(r, m) for r in rows] for m in present},
        }
    )
    return _html(table, "anomaly")


def anomaly_findings(summary, words, gap=" "):
    """Per anomaly model and score: its AUC against chance (0.5), judged by the
    spread over seeds or, with one seed, by the bootstrap interval over the test
    images, and against the AUC of the distance from the mean image, which needs no
    training. `gap`: what separates two sentences in the report's language."""
    sentences = []
    for row in anomaly_rows(summary):
        for prefix in ("anomaly", "anomaly_elbo"):
            auc = row.get(f"{prefix}_auc_mean")
            if auc is None:
                continue
            std = row.get(f"{prefix}_auc_std")
            low, high = spread_or_bootstrap(row, f"{prefix}_auc")
            chance = against_chance(auc, low, high, 0.5)
            mean_auc = row.get("mean_anomaly_auc")
            versus = None
            if mean_auc is not None:
                versus = (
                    "above"
                    if low is not None and low > mean_auc
                    else ("below" if high is not None and high < mean_auc else "at")
                )
            sentences.append(
                words["anomaly"].format(
                    model=row["model"],
                    dataset=row["dataset"],
                    latent_dim=row["latent_dim"],
                    score=words["scores"][prefix],
                    auc=_auc(auc, low, high, std),
                    f1=mean_std(row, f"{prefix}_f1"),
                    verdict=words["verdicts"][chance],
                    mean_image=words["against_mean_image"][versus].format(auc=f"{mean_auc:.2f}")
                    if versus
                    else "",
                )
            )
            if prefix == "anomaly_elbo" and auc < 0.5:
                # a likelihood ranks the held-out class as the more normal one
                sentences[-1] += gap + words["likelihood_inverted"].format(model=row["model"])
    return sentences


def _auc(auc, low, high, std):
    """'0.89 ± 0.02' over seeds, or '0.89 (0.85–0.93)' with a bootstrap interval."""
    if std is not None:
        return f"{auc:.2f} ± {std:.2f}"
    if low is None:
        return f"{auc:.2f}"
    return f"{auc:.2f} ({low:.2f}–{high:.2f})"


# The figure that shows each way of making new images, for the generation part.
GENERATION_FIGURES = {"prior": "samples", "class": "class_samples"}


def generation_gallery(specs, run_figures):
    """[(model, figure kind, path) of its first run's samples] for the models that
    draw new images from a prior (the VAE family), side by side in the report;
    [model] of those that would need a learned prior (the VQ-VAE)."""
    from aestudy.kinds import kind_of

    shown, without = [], []
    for name, spec in specs.items():
        way = kind_of(spec).generation
        if way == "none":
            without.append(name)
        figure = GENERATION_FIGURES.get(way)
        runs = sorted(
            (f["latent_dim"], f["seed"], f["path"])
            for f in run_figures
            if f["model"] == name and f["figure"] == figure
        )
        if runs:
            shown.append((name, figure, runs[0][0], runs[0][2]))
    return shown, without
