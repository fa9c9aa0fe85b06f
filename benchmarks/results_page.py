"""A finished study's results as the tables of docs/results.md.

Reads the study's results/tables (summary.csv, compute.csv) and, for the linear
probe and 5-NN baselines, its prepared data sets: PCA codes of the same size,
fitted on the training images and probed with the protocol the runs use
(aestudy.evaluation.representation, the same training subset for each seed).
Prints Markdown; copies the figures named with --figure into --figures-dir.

    .venv/bin/python benchmarks/results_page.py --study /path/to/study \
        --config config/methods-offline.yaml --wall "1 h 20 min" \
        --figure vae/z20/seed0/samples.png --figures-dir docs/figures/methods
"""

import argparse
import functools
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import binomtest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow" / "scripts"))

import yaml  # noqa: E402

from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.prepared import load_prepared, to_float  # noqa: E402
from aestudy.evaluation.dataset_baseline import dataset_baseline  # noqa: E402
from aestudy.evaluation.pca_baseline import fit_pca  # noqa: E402
from aestudy.evaluation.representation import representation_metrics  # noqa: E402
from aestudy.report.claim_outcomes import claim_outcomes, outcome_counts  # noqa: E402
from aestudy.report.findings import probe_against_chance  # noqa: E402
from aestudy.report.tables import decibels, mean_std, number, records  # noqa: E402
from aestudy.report.verdicts import run_verdict  # noqa: E402

# Each table: its title and its (column heading, summary metric) pairs; a row is
# shown where a model has any of them.
TABLES = {
    "Reconstruction (test set)": [
        ("MSE", "test_mse"),
        ("PSNR (dB)", "test_psnr"),
        ("BCE (nats)", "test_bce"),
    ],
    "Likelihood (nats per image)": [
        ("ELBO", "elbo"),
        ("log p(x), IW", "iw_ll"),
        ("KL", "kl"),
        ("active units", "active_units"),
    ],
    "Denoising (the fixed corrupted test set)": [
        ("denoised PSNR (dB)", "denoised_psnr"),
    ],
    "Anomaly detection": [
        ("AUC, error", "anomaly_auc"),
        ("F1, error", "anomaly_f1"),
        ("AUC, −ELBO", "anomaly_elbo_auc"),
        ("F1, −ELBO", "anomaly_elbo_f1"),
    ],
    "Codebook": [
        ("perplexity", "codebook_perplexity"),
        ("codes used", "codes_used"),
    ],
    "Representation (class from the code)": [
        ("linear probe", "probe_accuracy"),
        ("5-NN", "knn_accuracy"),
    ],
}


def identity(row):
    runs = f"{row['runs'] - row['diverged']}"
    if row["diverged"]:
        runs += f" ({row['diverged']} diverged)"
    return {"model": row["model"], "data": row["dataset"], "z": row["latent_dim"], "runs": runs}


class PCACodes:
    """PCA of the training images as a model whose `code` the runs' probe protocol
    (representation_metrics) reads: the same training subsets, the same classes."""

    def __init__(self, pca):
        self.pca = pca

    def eval(self):
        return self

    def code(self, x, y=None):
        return torch.from_numpy(self.pca.transform(x.flatten(1).double().numpy()))


@functools.cache
def prepared(study, dataset):
    return load_prepared(study / "results" / "data" / f"{dataset}.pt")


def pca_probes(study, dataset, latent_dim, seeds, train_size):
    """{probe_accuracy, knn_accuracy}: 'mean ± std' over `seeds` of PCA codes."""
    data = prepared(study, dataset)
    codes = PCACodes(fit_pca(to_float(data["train_images"]).flatten(1).numpy(), latent_dim))
    found = [representation_metrics(codes, data, seed, train_size, 1000, "cpu") for seed in seeds]
    return {
        key: f"{np.mean(v):.4f} ± {np.std(v, ddof=1):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
        for key in found[0]
        for v in [[f[key] for f in found]]
    }


def tables(study, config, left_out=()):
    spec = study_spec(config, left_out)
    summary = records(pd.read_csv(study / "results" / "tables" / "summary.csv"))
    out = []
    for title, columns in TABLES.items():
        rows = [r for r in summary if any(r.get(f"{m}_mean") is not None for _, m in columns)]
        if not rows:
            continue
        table = []
        for row in rows:
            cells = identity(row)
            cells.update({heading: mean_std(row, metric) for heading, metric in columns})
            table.append(cells)
        frame = pd.DataFrame(table)
        if title.startswith("Reconstruction"):
            frame["PCA MSE"] = [number(r["pca_mse"]) for r in rows]
            frame["PCA PSNR (dB)"] = [decibels(r["pca_psnr"]) for r in rows]
        if title.startswith("Denoising"):
            frame.insert(4, "noisy input PSNR (dB)", [decibels(r["noisy_psnr"]) for r in rows])
            frame.insert(5, "PCA PSNR (dB)", [decibels(r["pca_denoised_psnr"]) for r in rows])
        if title.startswith("Representation"):
            seeds = spec["seeds"]
            size = spec["evaluation"]["probe_train_size"]
            cache = {}
            for key in {(r["dataset"], r["latent_dim"]) for r in rows}:
                cache[key] = pca_probes(study, *key, seeds, size)
            frame["PCA probe"] = [
                cache[r["dataset"], r["latent_dim"]]["probe_accuracy"] for r in rows
            ]
            frame["PCA 5-NN"] = [cache[r["dataset"], r["latent_dim"]]["knn_accuracy"] for r in rows]
        out.append(f"### {title}\n\n{frame.to_markdown(index=False, disable_numparse=True)}\n")
    return "\n".join(out)


def sanity(study, config, left_out=()):
    """The study's sanity baselines (the pipeline's dataset_baseline on its prepared
    data sets) and each (model, latent size) against them: its test MSE as a share
    of the yardstick's (the harder of the mean image and the images' own mean
    colour), how many runs did not learn, its probe against chance."""
    spec = study_spec(config, left_out)
    summary = records(pd.read_csv(study / "results" / "tables" / "summary.csv"))
    runs = records(pd.read_csv(study / "results" / "tables" / "metrics.csv"))
    size = spec["evaluation"]["probe_train_size"]
    baselines = {
        name: dataset_baseline(prepared(study, name), size)
        for name in sorted({r["dataset"] for r in summary})
    }
    lines = []
    for name, b in baselines.items():
        line = (
            f"- `{name}`: the mean training image reaches a test MSE of {number(b['mean_mse'])} "
            f"({decibels(b['mean_psnr'])} dB), each test image's own mean colour "
            f"{number(b['colour_mse'])} ({decibels(b['colour_psnr'])} dB); chance (the most frequent class of the probe's "
            f"{b['probe_test_images']} test images) {b['chance_accuracy']:.3f}; a linear probe "
            f"on the raw pixels {b['pixel_probe_accuracy']:.4f}, 5-NN "
            f"{b['pixel_knn_accuracy']:.4f}"
        )
        if "mean_anomaly_auc" in b:
            line += (
                f"; the distance from the mean image separates the anomalies with an AUC of "
                f"{b['mean_anomaly_auc']:.3f} ({b['mean_anomaly_auc_low']:.3f}–"
                f"{b['mean_anomaly_auc_high']:.3f})"
            )
        lines.append(line + ".")
    table = []
    for row in summary:
        b = baselines[row["dataset"]]
        own = [
            r for r in runs if (r["model"], r["latent_dim"]) == (row["model"], row["latent_dim"])
        ]
        verdicts = [run_verdict(r["status"], r["test_mse"], b["yardstick_mse"]) for r in own]
        judged = dict(row, chance_accuracy=b["chance_accuracy"])
        table.append(
            {
                **identity(row),
                "test MSE / yardstick's": f"{100 * row['test_mse_mean'] / b['yardstick_mse']:.0f} %"
                if row.get("test_mse_mean") is not None
                else "–",
                "did not learn": sum(v == "did_not_learn" for v in verdicts),
                "probe against chance": probe_against_chance(judged) or "–",
            }
        )
    frame = pd.DataFrame(table)
    return "\n".join(lines) + "\n\n" + frame.to_markdown(index=False, disable_numparse=True) + "\n"


def study_spec(config, left_out=()):
    raw = yaml.safe_load(Path(config).read_text())
    return resolve_config(dict(raw, leave_out=list(left_out)), check_paths=False)


def claims_block(study, config, left_out=()):
    """The study file's claims tested on the finished study, as the report tests them
    (in English): a line each, and the counts."""
    spec = study_spec(config, left_out)
    if not spec["claims"]:
        return ""
    words = yaml.safe_load((REPO / "report" / "text" / "en.yaml").read_text())
    summary = records(pd.read_csv(study / "results" / "tables" / "summary.csv"))
    found = claim_outcomes(
        spec["claims"], summary, spec["leave_out"], words["claims"], "en", words["findings"]
    )
    counts = outcome_counts(found)
    lines = [
        words["claims"]["counts"].format(n=len(found), **counts),
        "",
        *(
            f"- **{words['claims']['outcomes'][o.outcome]}.** {o.found}. Tested as: "
            f"{o.tested}. Measured: {o.measured}. (`{o.name}`)"
            for o in found
        ),
    ]
    return "\n".join(lines) + "\n"


def learning_rates(study):
    """Per (model, latent size): how many finished runs did not learn, with the exact
    (Clopper-Pearson) 95 % interval of that rate."""
    runs = records(pd.read_csv(study / "results" / "tables" / "metrics.csv"))
    baselines = {
        p.stem: json.loads(p.read_text())
        for p in (study / "results" / "baselines" / "dataset").glob("*.json")
    }
    table = []
    for (model, z), group in pd.DataFrame(runs).groupby(["model", "latent_dim"]):
        verdicts = [
            run_verdict(r["status"], r["test_mse"], baselines[r["dataset"]]["yardstick_mse"])
            for r in records(group)
        ]
        finished = sum(v != "diverged" for v in verdicts)
        failed = sum(v == "did_not_learn" for v in verdicts)
        ci = binomtest(failed, finished).proportion_ci(method="exact")
        table.append(
            {
                "model": model,
                "z": z,
                "finished runs": finished,
                "did not learn": failed,
                "rate (exact 95 % interval)": f"{failed / finished:.0%} ({ci.low:.0%}–{ci.high:.0%})",
                "largest dead share in a layer": f"{group['dead_share_max'].max():.2f}",
            }
        )
    return pd.DataFrame(table).to_markdown(index=False, disable_numparse=True) + "\n"


def dead_units_table(study):
    """Every run's test MSE, verdict and dead units per ReLU layer."""
    runs = pd.read_csv(study / "results" / "tables" / "metrics.csv", dtype={"dead_units": str})
    baselines = {
        p.stem: json.loads(p.read_text())
        for p in (study / "results" / "baselines" / "dataset").glob("*.json")
    }
    rows = [
        {
            "model": r["model"],
            "z": r["latent_dim"],
            "seed": r["seed"],
            "test MSE": number(r["test_mse"]),
            "verdict": run_verdict(
                r["status"], r["test_mse"], baselines[r["dataset"]]["yardstick_mse"]
            ),
            "dead units per ReLU layer (encoder → decoder)": r["dead_units"] or "–",
        }
        for r in records(runs)
    ]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) + "\n"


def compute_line(study):
    compute = pd.read_csv(study / "results" / "tables" / "compute.csv")
    hours = compute["seconds"].sum() / 3600
    return (
        f"{len(compute)} training jobs, {hours:.2f} h of training in all "
        f"(median {compute['seconds'].median():.0f} s a job, on {', '.join(sorted(set(compute['device'])))})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--study", type=Path, required=True, help="the study's working directory")
    parser.add_argument("--config", type=Path, required=True, help="its study file")
    parser.add_argument("--figure", action="append", default=[], help="results/figures/<this>")
    parser.add_argument("--figures-dir", type=Path, help="where to copy the figures")
    parser.add_argument(
        "--leave-out", nargs="*", default=[], help="models of the study file not run (leave_out)"
    )
    args = parser.parse_args()
    print(compute_line(args.study) + "\n")
    print(tables(args.study, args.config, args.leave_out))
    print("### Sanity baselines and verdicts\n")
    print(sanity(args.study, args.config, args.leave_out))
    print("### Runs that did not learn, and dead units\n")
    print(learning_rates(args.study))
    print(dead_units_table(args.study))
    claims = claims_block(args.study, args.config, args.leave_out)
    if claims:
        print("### The study's claims, tested\n")
        print(claims)
    for figure in args.figure:
        target = args.figures_dir / figure.replace("/", "-")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.study / "results" / "figures" / figure, target)
        print(f"![{figure}]({os.path.relpath(target.resolve(), REPO / 'docs')})")


if __name__ == "__main__":
    main()
