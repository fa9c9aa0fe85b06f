"""The study's tables: a row per run, and mean ± std over seeds per (model, latent_dim).

Means and standard deviations are over the runs that finished ('ok'); diverged
runs are counted beside them, never averaged in and never dropped silently.
"""

import csv
import json
import math
import re
import statistics

RUN_COLUMNS = [
    "dataset", "model", "kind", "latent_dim", "seed", "epochs", "epochs_completed",
    "params", "test_mse", "test_bce", "elbo", "elbo_reconstruction", "kl", "iw_ll",
    "iw_samples", "status", "diverged_epoch", "seconds", "device",
]  # fmt: skip
SUMMARY_METRICS = ["test_mse", "test_bce", "elbo", "elbo_reconstruction", "kl", "iw_ll"]
TABLE_METRICS = ["test_mse", "test_bce", "elbo", "iw_ll"]  # the columns of summary.md
SUMMARY_COLUMNS = [
    "model", "kind", "dataset", "latent_dim", "runs", "diverged",
    *[f"{m}_{s}" for m in SUMMARY_METRICS for s in ("mean", "std")],
    "iw_samples", "pca_mse",
]  # fmt: skip
HEADINGS = {
    "test_mse": "test MSE / pixel",
    "test_bce": "BCE / image (nats)",
    "elbo": "ELBO / image (nats)",
    "iw_ll": "log p(x), IW (nats)",
}


COMPUTE_COLUMNS = ["model", "latent_dim", "seed", "seconds", "cpu_seconds", "max_rss_mb", "device"]
BENCHMARK_PATH = re.compile(r"(?P<model>[^/]+)/z(?P<latent_dim>\d+)/seed(?P<seed>\d+)\.tsv$")


def compute_rows(benchmark_paths, runs):
    """A row per training job from Snakemake's benchmark files: wall time, CPU
    time and peak memory, with the device the run used."""
    devices = {(r["model"], r["latent_dim"], r["seed"]): r["device"] for r in runs}
    rows = []
    for path in benchmark_paths:
        key = BENCHMARK_PATH.search(str(path)).groupdict()
        key = (key["model"], int(key["latent_dim"]), int(key["seed"]))
        with open(path) as handle:
            record = next(csv.DictReader(handle, delimiter="\t"))
        rows.append(dict(
            model=key[0], latent_dim=key[1], seed=key[2], seconds=float(record["s"]),
            cpu_seconds=_float(record.get("cpu_time")), max_rss_mb=_float(record.get("max_rss")),
            device=devices.get(key),
        ))  # fmt: skip
    return sorted(rows, key=lambda r: (r["model"], r["latent_dim"], r["seed"]))


def read_compute_csv(path):
    with open(path) as handle:
        return [
            {k: (v if k in ("model", "device") else _float(v)) for k, v in row.items()}
            for row in csv.DictReader(handle)
        ]


def compute_by_model(rows):
    """Per model: training jobs, total and mean hours, the largest peak memory."""
    models = {}
    for row in rows:
        models.setdefault(row["model"], []).append(row)
    return [
        dict(
            model=model,
            jobs=len(jobs),
            hours=sum(r["seconds"] for r in jobs) / 3600,
            mean_seconds=statistics.fmean(r["seconds"] for r in jobs),
            max_rss_mb=max((r["max_rss_mb"] or 0) for r in jobs),
            devices=", ".join(sorted({r["device"] or "?" for r in jobs})),
        )  # fmt: skip
        for model, jobs in models.items()
    ]


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_json(path):
    with open(path) as handle:
        return json.load(handle)


def read_pca(paths):
    """{(dataset, latent_dim): PCA test MSE} from the baseline files."""
    return {(b["dataset"], b["latent_dim"]): b["test_mse"] for b in map(read_json, paths)}


INTEGER_COLUMNS = {"latent_dim", "seed", "epochs", "epochs_completed", "params", "iw_samples",
                   "diverged_epoch"}  # fmt: skip
TEXT_COLUMNS = {"dataset", "model", "kind", "status", "device"}


def read_runs_csv(path):
    """metrics.csv back as typed rows (empty cells are None)."""

    def typed(key, value):
        if value == "" or key in TEXT_COLUMNS:
            return None if value == "" else value
        return int(value) if key in INTEGER_COLUMNS else float(value)

    with open(path) as handle:
        return [{k: typed(k, v) for k, v in row.items()} for row in csv.DictReader(handle)]


def run_rows(metrics_paths):
    rows = [{k: read_json(p).get(k) for k in RUN_COLUMNS} for p in metrics_paths]
    return sorted(rows, key=lambda r: (r["model"], r["latent_dim"], r["seed"]))


def summarize(rows, pca):
    """Summary rows; `pca` maps (dataset, latent_dim) to the PCA baseline's test MSE."""
    groups = {}
    for row in rows:
        groups.setdefault((row["model"], row["latent_dim"]), []).append(row)
    summary = []
    for (model, latent_dim), runs in sorted(groups.items()):
        finished = [r for r in runs if r["status"] == "ok"]
        out = dict(
            model=model,
            kind=runs[0]["kind"],
            dataset=runs[0]["dataset"],
            latent_dim=latent_dim,
            runs=len(runs),
            diverged=len(runs) - len(finished),
            pca_mse=pca.get((runs[0]["dataset"], latent_dim)),
            iw_samples=runs[0]["iw_samples"],
        )
        for metric in SUMMARY_METRICS:
            values = [r[metric] for r in finished if _finite(r[metric])]
            out[f"{metric}_mean"] = statistics.fmean(values) if values else None
            out[f"{metric}_std"] = statistics.stdev(values) if len(values) > 1 else None
        summary.append(out)
    return summary


def summary_markdown(summary):
    lines = [
        "| model | dataset | latent dim | runs | "
        + " | ".join(HEADINGS[m] for m in TABLE_METRICS)
        + " | PCA test MSE |",
        "|---|---|---:|---|" + "---:|" * (len(TABLE_METRICS) + 1),
    ]
    for row in summary:
        runs = f"{row['runs']}" + (f" ({row['diverged']} diverged)" if row["diverged"] else "")
        cells = [mean_std(row, m) for m in TABLE_METRICS]
        lines.append(
            f"| {row['model']} | {row['dataset']} | {row['latent_dim']} | {runs} | "
            + " | ".join(cells)
            + f" | {number(row['pca_mse'])} |"
        )
    return "\n".join(lines) + "\n"


def mean_std(row, metric):
    """'mean ± std' of a summary row's metric; 'diverged' when no run finished."""
    mean, std = row[f"{metric}_mean"], row[f"{metric}_std"]
    if mean is None:
        return "diverged" if row["diverged"] == row["runs"] else "–"
    return number(mean) + (f" ± {number(std, like=mean)}" if std is not None else "")


def number(value, like=None):
    """Four decimals for small numbers (MSE), two for large ones (nats); a std
    takes its mean's precision."""
    if value is None:
        return "–"
    scale = abs(value if like is None else like)
    return f"{value:.4f}" if scale < 10 else f"{value:.2f}"


def _finite(value):
    return value is not None and math.isfinite(value)
