"""Test MSE of PCA with latent_dim components, fitted on the training images."""

import torch

from aestudy.atomic_files import write_json
from aestudy.data.prepared import load_prepared, to_float
from aestudy.entry import run_job
from aestudy.evaluation.pca_baseline import pca_reconstruction_mse


def main(dataset_path, latent_dim, output, threads=1, log=print):
    torch.set_num_threads(threads)
    data = load_prepared(dataset_path)
    train = to_float(data["train_images"]).flatten(1).double().numpy()
    test = to_float(data["test_images"]).flatten(1).double().numpy()
    mse, explained = pca_reconstruction_mse(train, test, latent_dim)
    log(
        f"PCA {data['name']} k={latent_dim}: test MSE {mse:.6g}, explained variance {explained:.4f}"
    )
    write_json(
        output,
        dict(
            dataset=data["name"], latent_dim=latent_dim, test_mse=mse, explained_variance=explained
        ),
    )


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input[0],
        latent_dim=int(snakemake.wildcards.latent_dim),
        output=snakemake.output[0],
        threads=snakemake.threads,
    )
