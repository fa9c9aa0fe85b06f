"""Train the runs of one training job: one (model, latent_dim, seed), or the
seeds of one (model, latent_dim) that compute.train.runs_per_job groups. Each
run gets its weights with provenance and its per-epoch history.

A group's runs train together in one step where the model can
(aestudy.training.together), else one after another. A run whose files are
already there, trained with these settings, is kept as it is: a group whose
seeds grow trains only the new ones."""

from pathlib import Path
from typing import NamedTuple

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
from aestudy.training.together import Member, noise_generator, train_together, trains_together

HISTORY_COLUMNS = ["epoch", "train_loss", "test_loss", "seconds"]


class RunFiles(NamedTuple):
    weights: str
    history: str
    architecture: str
    checkpoint: str


def identity_of(spec, run, data):
    """What a run's checkpoint and weights must match to be this run's."""
    return dict(spec=spec, latent_dim=run["latent_dim"], seed=run["seed"], dataset=data["checksum"])


def is_trained(files, identity):
    """Whether the run's files are there, whole, and from these settings."""
    if not all(Path(path).exists() for path in files[:3]):
        return False
    try:
        record = torch.load(files.weights, map_location="cpu", weights_only=True)
    except Exception:  # unreadable: train it again
        return False
    return record.get("weights_sha256") == digest(record["state_dict"]) and identity == dict(
        spec=record["spec"],
        latent_dim=record["latent_dim"],
        seed=record["seed"],
        dataset=record.get("dataset"),
    )


def build_run(spec, image_shape, run, device, log):
    """(model on the device, its layer table, its noise generator), seeded as the
    run alone seeds them."""
    seed_everything(run["seed"])
    model = build_model(spec, image_shape, run["latent_dim"])
    # measured before any training, so a kind whose layers do not match stops here;
    # written with the weights, so a killed job leaves no finished-looking file
    layers = architecture(kind_of(spec), model, image_shape)
    noise = noise_generator(run["seed"], device)
    log(
        f"{spec['kind']} z={run['latent_dim']} seed={run['seed']}: "
        f"{count_parameters(model):,} parameters"
    )
    return model.to(device), layers, noise


def write_run(files, run, spec, model, layers, result, data, device_note, threads, started):
    write_table(files.history, pd.DataFrame(result.pop("history"), columns=HISTORY_COLUMNS))
    write_json(files.architecture, dict(run, kind=spec["kind"], layers=layers))
    # copies: a run trained beside others holds views of all the runs' weights
    state_dict = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch_save(
        files.weights,
        dict(
            state_dict=state_dict,
            weights_sha256=digest(state_dict),
            spec=spec,
            latent_dim=run["latent_dim"],
            seed=run["seed"],
            dataset=data["checksum"],
            image_shape=list(data["train_images"].shape[1:]),
            params=count_parameters(model),
            device=next(model.parameters()).device.type,
            provenance=describe_run(spec, device_note, threads, started),
            **result,
        ),
    )
    Path(files.checkpoint).unlink(missing_ok=True)  # the weights now hold the finished run


def main(
    dataset_path,
    spec,
    runs,
    files,
    threads=1,
    device="auto",
    checkpoint_every=0,
    jobs_per_gpu=1,
    log=print,
):
    """`runs`: the runs' identities ({model, latent_dim, seed}); `files`: a
    RunFiles of each."""
    flush_denormals(spec["flush_denormals"])  # first: before any parallel operation
    torch.set_num_threads(threads)
    device, device_note = claim_device(device, jobs_per_gpu=jobs_per_gpu)
    data = load_prepared(dataset_path)
    image_shape = tuple(data["train_images"].shape[1:])
    log(f"{len(runs)} run(s) on {data['name']} ({device_note}, {threads} threads)")
    train_images = to_float(data["train_images"], device)
    test_images = to_float(data["test_images"], device)
    labels = dict(
        train_labels=data["train_labels"].to(device), test_labels=data["test_labels"].to(device)
    )
    todo = []
    for run, run_files in zip(runs, files, strict=True):
        if is_trained(run_files, identity_of(spec, run, data)):
            log(f"seed {run['seed']}: trained with these settings already; kept as it is")
        else:
            todo.append((run, run_files))
    if not todo:
        return
    started = now()
    first = build_run(spec, image_shape, todo[0][0], device, log)
    if len(todo) > 1 and trains_together(first[0], spec):
        built = [first, *(build_run(spec, image_shape, run, device, log) for run, _ in todo[1:])]
        members = [
            Member(model, run["seed"], noise, identity_of(spec, run, data), run_files.checkpoint)
            for (model, _, noise), (run, run_files) in zip(built, todo, strict=True)
        ]
        results = train_together(
            members,
            spec,
            train_images,
            test_images,
            log,
            checkpoint_every=checkpoint_every,
            test_labels=labels["test_labels"],
        )
        for (model, layers, _), (run, run_files), result in zip(built, todo, results, strict=True):
            write_run(
                run_files, run, spec, model, layers, result, data, device_note, threads, started
            )
        return
    for index, (run, run_files) in enumerate(todo):  # one after another, each as alone
        model, layers, _ = first if index == 0 else build_run(spec, image_shape, run, device, log)
        started = now()
        result = train_autoencoder(
            model,
            spec,
            train_images,
            test_images,
            run["seed"],
            log,
            checkpoint_path=run_files.checkpoint,
            checkpoint_every=checkpoint_every,
            identity=identity_of(spec, run, data),
            **labels,
        )
        write_run(run_files, run, spec, model, layers, result, data, device_note, threads, started)


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        spec=snakemake.params.spec,
        runs=snakemake.params.runs,
        files=[
            RunFiles(*paths)
            for paths in zip(
                snakemake.output.weights,
                snakemake.output.history,
                snakemake.output.architecture,
                snakemake.params.checkpoints,
                strict=True,
            )
        ],
        threads=snakemake.threads,
        device=snakemake.params.device,
        checkpoint_every=snakemake.resources.checkpoint_every,
        jobs_per_gpu=snakemake.resources.jobs_per_gpu,
    )
