"""Evaluate one trained run on the test set: metrics.json."""

import math

import torch

from aestudy.atomic_files import write_json
from aestudy.data.prepared import load_prepared, to_float
from aestudy.entry import run_job
from aestudy.evaluation.metrics import evaluate_model
from aestudy.evaluation.saved_runs import load_run
from aestudy.kinds import kind_of
from aestudy.training.devices import claim_device


def main(
    dataset_path,
    weights_path,
    metrics_path,
    run,
    iw_samples,
    batch_size,
    threads=1,
    device="auto",
    log=print,
):
    """`run` is the run's identity: {model, latent_dim, seed}."""
    torch.set_num_threads(threads)
    device, _ = claim_device(device)
    data = load_prepared(dataset_path)
    expected = {"latent_dim": run["latent_dim"], "seed": run["seed"]}
    model, record = load_run(weights_path, tuple(data["test_images"].shape[1:]), expected)
    model.to(device)
    metrics = evaluate_model(
        model, to_float(data["test_images"], device), record["seed"], iw_samples, batch_size
    )
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
        iw_samples=iw_samples if "iw_ll" in kind_of(spec).metrics else None,
        status=record["status"],
        diverged_epoch=record["diverged_epoch"],
        seconds=record["seconds"],
        device=record["device"],
        provenance=record.get("provenance"),
        **{k: (v if v is None or math.isfinite(v) else None) for k, v in metrics.items()},
    )
    log(" ".join(f"{k}={v}" for k, v in result.items()))
    write_json(metrics_path, result)


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        weights_path=snakemake.input.weights,
        metrics_path=snakemake.output[0],
        run=snakemake.params.run,
        iw_samples=snakemake.params.evaluation["iw_samples"],
        batch_size=snakemake.params.evaluation["batch_size"],
        threads=snakemake.threads,
        device=snakemake.params.device,
    )
