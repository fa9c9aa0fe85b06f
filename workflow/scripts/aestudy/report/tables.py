"""The study's tables as pandas DataFrames: a row per run, mean ± std over seeds
per (model, latent_dim), and the compute each training job took.

Means and standard deviations are over the runs that finished ('ok'); diverged
runs are counted beside them, never averaged in and never dropped silently.
Integer columns that may be empty (a diverged epoch, the VAE-only sample count)
are pandas' nullable Int64, so they stay integers in the CSV files.
"""

import math
from collections import Counter

import pandas as pd

from aestudy.atomic_files import read_json
from aestudy.evaluation import all_metrics, shown_metrics
from aestudy.report.verdicts import against_value, learned, run_verdict

RUN_KEY = ["model", "latent_dim", "seed"]
# The test metrics of every kind (the registry's), between the run's identity and
# how it ran.
METRICS = all_metrics()
RUN_COLUMNS = [
    *["dataset", "model", "kind", "latent_dim", "seed", "epochs", "epochs_completed", "params"],
    *METRICS,
    # each ReLU layer's dead units on the test set, "dead/units" in the model's order
    "dead_units",
    *["iw_samples", "status", "diverged_epoch", "seconds", "device"],
]
INTEGER_COLUMNS = [
    *["latent_dim", "seed", "epochs", "epochs_completed", "params", "iw_samples"],
    "diverged_epoch",
]
TEXT_COLUMNS = ["dataset", "model", "kind", "dead_units", "status", "device", "yardstick"]
TABLE_METRICS = ["test_mse", "test_bce", "elbo", "iw_ll"]  # the columns shown
# The PCA baseline's numbers beside each (model, latent size): its file's keys and
# the summary's columns. noisy_*: the corrupted test set itself against the clean.
PCA_COLUMNS = {
    "test_mse": "pca_mse",
    "test_psnr": "pca_psnr",
    "denoised_mse": "pca_denoised_mse",
    "denoised_psnr": "pca_denoised_psnr",
    "noisy_mse": "noisy_mse",
    "noisy_psnr": "noisy_psnr",
    "probe_accuracy": "pca_probe_accuracy",
    "knn_accuracy": "pca_knn_accuracy",
}
# The data set's sanity baselines (evaluation/dataset_baseline.py) beside each row.
DATASET_BASELINE_COLUMNS = [
    *["mean_mse", "mean_psnr", "colour_mse", "colour_psnr", "yardstick", "yardstick_mse"],
    *["chance_accuracy", "pixel_probe_accuracy", "pixel_knn_accuracy"],
    *["mean_anomaly_auc", "mean_anomaly_auc_low", "mean_anomaly_auc_high"],
    *["test_agreement", "test_diversity", "pixel_silhouette"],
]
SUMMARY_COLUMNS = [
    *["model", "kind", "dataset", "latent_dim", "runs", "diverged", "did_not_learn"],
    *[f"{m}_{s}" for m in METRICS for s in ("mean", "std")],
    *["iw_samples", *PCA_COLUMNS.values(), *DATASET_BASELINE_COLUMNS],
]
COMPUTE_COLUMNS = [*RUN_KEY, "seconds", "cpu_seconds", "max_rss_mb", "device"]


def _typed(table, integers=INTEGER_COLUMNS, texts=TEXT_COLUMNS):
    """Integers as nullable Int64, text as objects, everything else as floats."""
    for column in table.columns:
        if column in integers:
            table[column] = table[column].astype("Int64")
        elif column not in texts:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    return table


def run_table(metrics):
    """A row per run from the runs' metrics.json records, sorted by model, size, seed."""
    table = pd.DataFrame.from_records(metrics, columns=RUN_COLUMNS)
    return _typed(table).sort_values(RUN_KEY, ignore_index=True)


def read_run_table(path):
    """metrics.csv back, typed as run_table made it."""
    return _typed(pd.read_csv(path, dtype={c: "object" for c in TEXT_COLUMNS}))


def read_pca(paths):
    """{(dataset, latent_dim): the baseline's record} from the PCA baseline files."""
    return {(b["dataset"], b["latent_dim"]): b for b in map(read_json, paths)}


def read_baselines(paths):
    """{dataset: its sanity baselines} from the data-set baseline files."""
    return {b["dataset"]: b for b in map(read_json, paths)}


def verdicts(runs, baselines):
    """Each run's verdict (report/verdicts.py) against its data set's yardstick."""
    return pd.Series(
        [
            run_verdict(status, mse, baselines.get(dataset, {}).get("yardstick_mse"))
            for status, mse, dataset in zip(
                runs["status"], runs["test_mse"], runs["dataset"], strict=True
            )
        ],
        index=runs.index,
        dtype="object",
    )


def summarize(runs, pca, baselines=None):
    """Mean ± std over the finished seeds per (model, latent_dim); `pca` maps
    (dataset, latent_dim) to the PCA baseline's record, `baselines` a data set to
    its sanity baselines. Runs that did not learn are counted, and averaged in:
    their numbers are the evidence that they did not."""
    baselines = baselines or {}
    runs = pd.DataFrame(runs)
    runs["verdict"] = verdicts(runs, baselines) if len(runs) else []
    groups = runs.groupby(["model", "latent_dim"], sort=True)
    summary = groups.agg(
        kind=("kind", "first"),
        dataset=("dataset", "first"),
        runs=("status", "size"),
        diverged=("status", lambda status: int((status != "ok").sum())),
        did_not_learn=("verdict", lambda verdict: int((verdict == "did_not_learn").sum())),
        iw_samples=("iw_samples", "first"),
    )
    missing = [m for m in METRICS if m not in runs.columns]  # metrics no run reports
    finished = runs[runs["status"] == "ok"].reindex(columns=[*runs.columns, *missing])
    for metric in METRICS:
        values = pd.to_numeric(finished[metric], errors="coerce").astype("float64")
        stats = values.groupby([finished["model"], finished["latent_dim"]]).agg(["mean", "std"])
        summary[f"{metric}_mean"] = stats["mean"]
        summary[f"{metric}_std"] = stats["std"]
    summary = summary.reset_index()
    pca_rows = [
        pca.get(key, {}) for key in zip(summary["dataset"], summary["latent_dim"], strict=True)
    ]
    beside = {
        column: [baseline.get(key) for baseline in pca_rows] for key, column in PCA_COLUMNS.items()
    }
    for column in DATASET_BASELINE_COLUMNS:
        beside[column] = [baselines.get(d, {}).get(column) for d in summary["dataset"]]
    summary = pd.concat([summary, pd.DataFrame(beside, index=summary.index)], axis=1)
    integers = [*INTEGER_COLUMNS, "runs", "diverged", "did_not_learn"]
    return _typed(summary[SUMMARY_COLUMNS], integers=integers)


def records(table):
    """A table's rows as dicts, with None for missing values."""
    return [
        {key: (None if pd.isna(value) else value) for key, value in row.items()}
        for row in table.astype(object).to_dict("records")
    ]


def summary_display(summary, headings, outcome_words):
    """The summary as it is shown: 'mean ± std' cells, and beside the number of runs
    those that diverged or did not learn, in `outcome_words` ({"diverged": "{n}
    diverged", "did_not_learn": ..., "against_pca": {"better": ...}})."""
    rows = records(summary)

    def runs(row):
        outcomes = [
            outcome_words[outcome].format(n=row[outcome])
            for outcome in ("diverged", "did_not_learn")
            if row.get(outcome)
        ]
        if not outcomes:
            return f"{row['runs']}"
        return outcome_words["with"].format(
            n=row["runs"], outcomes=outcome_words["join"].join(outcomes)
        )

    return pd.DataFrame(
        {
            headings["model"]: [r["model"] for r in rows],
            headings["dataset"]: [r["dataset"] for r in rows],
            headings["latent_dim"]: [r["latent_dim"] for r in rows],
            headings["runs"]: [runs(r) for r in rows],
            **{headings[m]: [mean_std(r, m) for r in rows] for m in TABLE_METRICS},
            headings["pca_mse"]: [number(r["pca_mse"]) for r in rows],
            headings["against_pca"]: [against_pca_word(r, outcome_words) for r in rows],
        }
    )


def against_pca_word(row, outcome_words):
    """How a (model, latent size) stands against PCA of its size, in words: better,
    level or worse over its seeds, untested from one seed, '–' with no PCA or when
    it did not learn."""
    pca = row.get("pca_mse")
    if pca is None or (isinstance(pca, float) and math.isnan(pca)) or not learned(row):
        return "–"
    verdict = against_value(row, "test_mse", pca)
    return outcome_words["against_pca"][
        {-1: "better", 0: "level", 1: "worse", None: "untested"}[verdict]
    ]


def summary_markdown(summary, headings, outcome_words):
    """summary.md: the summary as shown in the report, with `headings` (column key
    to heading) and `outcome_words` from the words of report/text."""
    display = summary_display(summary, headings, outcome_words)
    align = ["left", "left", "right", "left", *["right"] * (len(TABLE_METRICS) + 1), "left"]
    # Cells are formatted text already: tabulate must not reparse "0.0030" as 0.003.
    return display.to_markdown(index=False, colalign=align, disable_numparse=True) + "\n"


def compute_table(benchmark_paths, runs):
    """A row per run from Snakemake's benchmark files (wall time, CPU time, peak
    memory), with the device the run used. Each file belongs to the run (a
    metrics.json record) in the same place of `runs`.

    A job that trains several seeds has one file for them all, and the runs it
    trained share its time (its peak memory is theirs). A run such a job kept,
    trained by an earlier job whose file has since been replaced (a group that
    gained a seed), is told apart by its earlier start of training (the runs one
    job trains together share theirs); it gets its training loop's own seconds,
    and no CPU time or memory."""
    started = {}  # benchmark file -> when the newest training it measured started
    for path, run in zip(benchmark_paths, runs, strict=True):
        started[str(path)] = max(started.get(str(path), ""), _training_started(run))
    trained_by_job = Counter(
        str(path)
        for path, run in zip(benchmark_paths, runs, strict=True)
        if _training_started(run) == started[str(path)]
    )
    rows = []
    for path, run in zip(benchmark_paths, runs, strict=True):
        record = pd.read_csv(path, sep="\t").iloc[0]
        row = {key: run[key] for key in RUN_KEY} | {"device": run["device"]}
        if _training_started(run) == started[str(path)]:
            share = trained_by_job[str(path)]
            cpu = record.get("cpu_time")
            row.update(
                seconds=record["s"] / share,
                cpu_seconds=None if cpu is None else cpu / share,
                max_rss_mb=record.get("max_rss"),
            )
        else:
            row.update(seconds=run["seconds"], cpu_seconds=None, max_rss_mb=None)
        rows.append(row)
    table = pd.DataFrame.from_records(rows, columns=COMPUTE_COLUMNS)
    return _typed(table).sort_values(RUN_KEY, ignore_index=True)


def _training_started(run):
    return (run.get("provenance") or {}).get("started") or ""


def read_compute_table(path):
    return _typed(pd.read_csv(path, dtype={"model": "object", "device": "object"}))


def compute_by_model(compute):
    """Per model: training jobs, total and mean seconds, the largest peak memory,
    the devices (sorted)."""
    compute = compute.assign(device=compute["device"].fillna("?"))
    grouped = compute.groupby("model", sort=False)
    return grouped.agg(
        jobs=("seconds", "size"),
        total_seconds=("seconds", "sum"),
        mean_seconds=("seconds", "mean"),
        max_rss_mb=("max_rss_mb", lambda m: m.fillna(0).max()),
        devices=("device", lambda d: tuple(sorted(set(d)))),
    ).reset_index()


def _shown_as(metric):
    """How a metric is shown (its declaration's shown_as; "auto" if undeclared)."""
    declared = shown_metrics().get(metric)
    return declared.shown_as if declared else "auto"


def mean_std(row, metric):
    """'mean ± std' of a summary row's metric; 'diverged' when no run finished.
    The std sets the decimals (two significant digits, the mean rounded to the
    same place), never more than `number` would give; counts print as integers
    while mean and std are whole."""
    mean, std = row[f"{metric}_mean"], row[f"{metric}_std"]
    if mean is None or pd.isna(mean):
        return "diverged" if row["diverged"] == row["runs"] else "–"
    has_std = std is not None and not pd.isna(std)
    shown_as = _shown_as(metric)
    if shown_as == "share":
        return percent(mean, std if has_std else None)
    if shown_as == "count":
        whole = float(mean).is_integer() and (not has_std or float(std).is_integer())
        if whole and has_std and std == 0:
            return _fixed(mean, 0)  # the same count in every seed
        most = 0 if whole else 1
    elif shown_as == "accuracy":
        most = 4 if has_std else 2  # a test set of a few hundred images: two decimals
    else:
        most = _places(100 if shown_as == "two" else mean)
    places = min(most, _uncertainty_places(std)) if has_std and std > 0 else most
    return _fixed(mean, places) + (f" ± {_fixed(std, places)}" if has_std else "")


def _places(scale):
    """Four decimals for small numbers (MSE), two for large ones (nats, dB)."""
    return 4 if abs(scale) < 10 else 2


def _uncertainty_places(std, digits=2):
    """The decimal place that keeps `digits` significant digits of `std` (negative:
    tens, hundreds), once rounded (0.0996 is 0.10, not 0.100)."""
    places = digits - 1 - math.floor(math.log10(std))
    if abs(round(std, places)) >= 10 ** (digits - places):
        places -= 1
    return places


def _fixed(value, places):
    return f"{round(value, places):.{max(places, 0)}f}"


def percent(share, std=None):
    """A share (0.5781) as a percentage ("58 %"), with its spread over seeds when
    given ("58 ± 3 %"); one decimal where the spread is below one point."""
    if share is None or pd.isna(share):
        return "–"
    places = 0 if std is None or std == 0 else max(0, min(1, _uncertainty_places(100 * std, 1)))
    shown = _fixed(100 * share, places)
    return f"{shown} ± {_fixed(100 * std, places)} %" if std is not None else f"{shown} %"


# Below this, four decimals would print 0.0000: two significant digits instead.
TINY = 5e-5


def number(value, like=None):
    """A single value: four decimals for small numbers (MSE), two for large ones
    (nats, dB); a difference takes the precision of what it is a difference of. A
    value that four decimals would print as 0.0000 keeps two significant digits."""
    if value is None or pd.isna(value):
        return "–"
    if like is None and 0 < abs(value) < TINY:
        return f"{value:.1e}"
    return _fixed(value, _places(value if like is None else like))


def decibels(value):
    return number(value, like=100)


def duration(seconds, words):
    """A time span in the largest unit that keeps it above 1 (hours, minutes,
    seconds), in `words` {"hours": "{n:.2f} h", "minutes": ..., "seconds": ...}."""
    if seconds >= 3600:
        return words["hours"].format(n=seconds / 3600)
    if seconds >= 60:
        return words["minutes"].format(n=seconds / 60)
    return words["seconds"].format(n=seconds)
