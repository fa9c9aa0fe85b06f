"""Evaluate one trained run on the test set: metrics.json, and each test image's
anomaly scores (scores.npz) for the figures that show them."""

import math

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

from aestudy.atomic_files import write_json, write_npz
from aestudy.data.prepared import load_prepared, to_float
from aestudy.entry import run_job
from aestudy.evaluation import ANOMALY_SCORES, all_metrics
from aestudy.evaluation.anomaly import anomaly_metrics, anomaly_scores
from aestudy.evaluation.diagnostics import run_diagnostics
from aestudy.evaluation.metrics import evaluate_model
from aestudy.evaluation.representation import representation_metrics
from aestudy.evaluation.saved_runs import load_run
from aestudy.figures.contract import DIVERGED_EPOCH
from aestudy.kinds import kind_of
from aestudy.training.devices import claim_device


def main(
    dataset_path,
    weights_path,
    history_path,
    metrics_path,
    scores_path,
    run,
    evaluation,
    threads=1,
    device="auto",
    jobs_per_gpu=1,
    log=print,
):
    """`run` is the run's identity: {model, latent_dim, seed}; `evaluation` the
    config's evaluation block; `history_path` the run's history.csv."""
    torch.set_num_threads(threads)
    device, _ = claim_device(device, jobs_per_gpu=jobs_per_gpu)
    data = load_prepared(dataset_path)
    expected = {"latent_dim": run["latent_dim"], "seed": run["seed"]}
    model, record = load_run(weights_path, tuple(data["test_images"].shape[1:]), expected)
    model.to(device)
    iw_samples, batch_size = evaluation["iw_samples"], evaluation["batch_size"]
    test_images, test_labels = to_float(data["test_images"], device), data["test_labels"].to(device)
    metrics, per_image = evaluate_model(
        model,
        test_images,
        record["seed"],
        iw_samples,
        batch_size,
        denoising=evaluation["denoising"],
        labels=test_labels,
    )
    # scikit-learn's BLAS keeps to the job's threads, as PyTorch does
    with threadpool_limits(threads):
        metrics.update(
            representation_metrics(
                model, data, record["seed"], evaluation["probe_train_size"], batch_size, device
            )
        )
        # a diverged run's weights say nothing of how it would have learned
        found, relu_layers = (
            run_diagnostics(
                model,
                kind_of(record["spec"]).generation,
                data,
                test_images,
                test_labels,
                pd.read_csv(history_path)["train_loss"],
                evaluation["diagnostics"],
            )
            if record["status"] == "ok"
            else (dict(dead_units=None), [])
        )
        metrics.update(found)
    test_scores = anomaly_scores(per_image)
    scores = {f"test_{name}": values for name, values in test_scores.items()}
    if "normal_classes" in data:
        _, validation = evaluate_model(
            model,
            to_float(data["validation_images"], device),
            record["seed"],
            1,
            batch_size,
            labels=data["validation_labels"].to(device),
        )
        validation_scores = anomaly_scores(validation)
        scores.update({f"validation_{name}": v for name, v in validation_scores.items()})
        found = anomaly_metrics(
            validation_scores,
            test_scores,
            data["test_labels"],
            data["normal_classes"],
            record["seed"],
        )
        metrics.update(found)
        scores.update(
            {  # NaN where a diverged run has no threshold
                f"threshold_{name}": float("nan")
                if found[f"{prefix}_threshold"] is None
                else found[f"{prefix}_threshold"]
                for name, prefix in ANOMALY_SCORES.items()
                if name in test_scores
            }
        )

    scores["test_anomalous"] = ~np.isin(data["test_labels"].numpy(), data.get("normal_classes", []))
    scores["test_labels"] = data["test_labels"].numpy()
    scores[DIVERGED_EPOCH] = np.int64(record["diverged_epoch"] or 0)
    spec = record["spec"]
    result = dict(
        dataset=data["name"],
        model=run["model"],
        kind=spec["kind"],
        latent_dim=record["latent_dim"],
        seed=record["seed"],
        epochs=spec["epochs"],
        epochs_completed=record["epochs_completed"],
        params=record["params"],
        # K, where the kind has an importance-weighted estimate
        iw_samples=iw_samples if "iw_ll" in kind_of(spec).metric_names else None,
        status=record["status"],
        diverged_epoch=record["diverged_epoch"],
        seconds=record["seconds"],
        device=record["device"],
        provenance=record.get("provenance"),
        **{
            key: (value if value is not None and math.isfinite(value) else None)
            for key, value in ((k, metrics.get(k)) for k in all_metrics())
        },
        # each ReLU layer's dead units, as text for the run table and in full
        dead_units=metrics["dead_units"],
        relu_layers=relu_layers,
        # a value per latent dimension or code (the VAE's KL, the VQ-VAE's usage)
        **{key: value for key, value in metrics.items() if isinstance(value, list)},
    )
    log(" ".join(f"{k}={v}" for k, v in result.items() if k != "provenance"))
    write_npz(scores_path, **scores)
    write_json(metrics_path, result)


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        weights_path=snakemake.input.weights,
        history_path=snakemake.input.history,
        metrics_path=snakemake.output.metrics,
        scores_path=snakemake.output.scores,
        run=snakemake.params.run,
        evaluation=snakemake.params.evaluation,
        threads=snakemake.threads,
        device=snakemake.params.device,
        jobs_per_gpu=snakemake.resources.jobs_per_gpu,
    )
