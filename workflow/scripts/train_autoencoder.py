"""Train one (model, latent_dim, seed): weights with provenance, per-epoch history."""

from pathlib import Path

import pandas as pd
import torch

from aestudy.atomic_files import torch_save, write_json, write_table
from aestudy.checksums import digest
from aestudy.data.prepared import load_prepared, to_float
from aestudy.entry import run_job
from aestudy.kinds import build_model, count_parameters, kind_of
from aestudy.kinds.model_summary import architecture
from aestudy.provenance import describe_run, now
from aestudy.training.devices import claim_device
from aestudy.training.loop import flush_denormals, seed_everything, train_autoencoder

HISTORY_COLUMNS = ["epoch", "train_loss", "test_loss", "seconds"]


def main(
    dataset_path,
    spec,
    run,
    weights_path,
    history_path,
    architecture_path,
    checkpoint_path,
    threads=1,
    device="auto",
    checkpoint_every=0,
    log=print,
):
    """`run` is the run's identity: {model, latent_dim, seed}."""
    flush_denormals(spec["flush_denormals"])  # first: before any parallel operation
    started = now()
    latent_dim, seed = run["latent_dim"], run["seed"]
    torch.set_num_threads(threads)
    device, device_note = claim_device(device)
    data = load_prepared(dataset_path)
    image_shape = tuple(data["train_images"].shape[1:])
    seed_everything(seed)
    model = build_model(spec, image_shape, latent_dim)
    # measured before any training, so a kind whose layers do not match stops here;
    # written with the weights, so a killed job leaves no finished-looking file
    layers = architecture(kind_of(spec), model, image_shape)
    model = model.to(device)
    log(
        f"{spec['kind']} z={latent_dim} seed={seed} on {data['name']} ({device_note}, "
        f"{threads} threads): {count_parameters(model):,} parameters"
    )
    train_images = to_float(data["train_images"], device)
    test_images = to_float(data["test_images"], device)
    identity = dict(spec=spec, latent_dim=latent_dim, seed=seed, dataset=data["checksum"])
    result = train_autoencoder(
        model,
        spec,
        train_images,
        test_images,
        seed,
        log,
        checkpoint_path=checkpoint_path,
        checkpoint_every=checkpoint_every,
        identity=identity,
        train_labels=data["train_labels"].to(device),
        test_labels=data["test_labels"].to(device),
    )
    write_table(history_path, pd.DataFrame(result.pop("history"), columns=HISTORY_COLUMNS))
    write_json(architecture_path, dict(run, kind=spec["kind"], layers=layers))
    state_dict = {k: v.cpu() for k, v in model.state_dict().items()}
    torch_save(
        weights_path,
        dict(
            state_dict=state_dict,
            weights_sha256=digest(state_dict),
            spec=spec,
            latent_dim=latent_dim,
            seed=seed,
            image_shape=list(image_shape),
            params=count_parameters(model),
            device=device.type,
            provenance=describe_run(spec, device_note, threads, started),
            **result,
        ),
    )
    Path(checkpoint_path).unlink(missing_ok=True)  # the weights now hold the finished run


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        spec=snakemake.params.spec,
        run=snakemake.params.run,
        weights_path=snakemake.output.weights,
        history_path=snakemake.output.history,
        architecture_path=snakemake.output.architecture,
        checkpoint_path=snakemake.params.checkpoint,
        threads=snakemake.threads,
        device=snakemake.params.device,
        checkpoint_every=snakemake.resources.checkpoint_every,
    )
