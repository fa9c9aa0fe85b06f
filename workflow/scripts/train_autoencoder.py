"""Train one (model, latent_dim, seed): weights and per-epoch history."""

import torch

from aestudy.atomic import torch_save, write_csv
from aestudy.data import load_prepared, to_float
from aestudy.jobs import run_job
from aestudy.models import build_model, count_parameters
from aestudy.training import seed_everything, select_device, train_autoencoder


def main(dataset_path, spec, latent_dim, seed, weights_path, history_path,
         threads=1, device="auto", log=print):  # fmt: skip
    torch.set_num_threads(threads)
    device = select_device(device)
    data = load_prepared(dataset_path)
    image_shape = tuple(data["train_images"].shape[1:])
    seed_everything(seed)
    model = build_model(spec, image_shape, latent_dim).to(device)
    log(
        f"{spec['kind']} z={latent_dim} seed={seed} on {data['name']} ({device}, "
        f"{threads} threads): {count_parameters(model):,} parameters"
    )
    train_images = to_float(data["train_images"], device)
    test_images = to_float(data["test_images"], device)
    result = train_autoencoder(model, spec, train_images, test_images, seed, log)
    write_csv(history_path, result.pop("history"), ["epoch", "train_loss", "test_loss", "seconds"])
    torch_save(
        weights_path,
        dict(
            state_dict={k: v.cpu() for k, v in model.state_dict().items()},
            spec=spec,
            latent_dim=latent_dim,
            seed=seed,
            image_shape=list(image_shape),
            params=count_parameters(model),
            device=str(device),
            **result,
        ),
    )


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input.dataset,
        spec=snakemake.params.spec,
        latent_dim=int(snakemake.wildcards.latent_dim),
        seed=int(snakemake.wildcards.seed),
        weights_path=snakemake.output.weights,
        history_path=snakemake.output.history,
        threads=snakemake.threads,
        device=snakemake.params.device,
    )
