"""Evaluate one trained run on the test set: metrics.json."""

import math

import torch

from aestudy.atomic import write_json
from aestudy.data import load_prepared, to_float
from aestudy.devices import claim_device
from aestudy.evaluation import evaluate_model
from aestudy.jobs import run_job
from aestudy.runs import expected_run, load_run


def main(dataset_path, weights_path, metrics_path, model_name, iw_samples, batch_size,
         threads=1, device="auto", log=print):  # fmt: skip
    torch.set_num_threads(threads)
    device, _ = claim_device(device)
    data = load_prepared(dataset_path)
    model, run = load_run(
        weights_path, tuple(data["test_images"].shape[1:]), expected_run(weights_path)
    )
    model.to(device)
    metrics = evaluate_model(
        model, to_float(data["test_images"], device), run["seed"], iw_samples, batch_size
    )
    spec = run["spec"]
    record = dict(
        dataset=data["name"],
        model=model_name,
        kind=spec["kind"],
        latent_dim=run["latent_dim"],
        seed=run["seed"],
        epochs=spec["epochs"],
        epochs_completed=run["epochs_completed"],
        params=run["params"],
        iw_samples=iw_samples if spec["kind"] == "vae" else None,
        status=run["status"],
        diverged_epoch=run["diverged_epoch"],
        seconds=run["seconds"],
        device=run["device"],
        provenance=run.get("provenance"),
        **{k: (v if v is None or math.isfinite(v) else None) for k, v in metrics.items()},
    )
    log(" ".join(f"{k}={v}" for k, v in record.items()))
    write_json(metrics_path, record)


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        weights_path=snakemake.input.weights,
        metrics_path=snakemake.output[0],
        model_name=snakemake.wildcards.model,
        iw_samples=snakemake.params.evaluation["iw_samples"],
        batch_size=snakemake.params.evaluation["batch_size"],
        threads=snakemake.threads,
        device=snakemake.params.device,
    )
