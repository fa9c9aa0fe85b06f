"""PCA with latent_dim components, fitted on the training images: its test MSE
and PSNR, what it makes of the fixed corrupted test set, beside that corrupted
set's own distance from the clean one, and how well a linear probe and 5-NN tell
the classes apart from its codes (the same protocol as a model's codes)."""

import torch
from threadpoolctl import threadpool_limits

from aestudy.atomic_files import write_json
from aestudy.data.corruption import fixed_corruption
from aestudy.data.prepared import load_prepared, to_float
from aestudy.entry import run_job
from aestudy.evaluation.dataset_baseline import BASELINE_SEED, flat
from aestudy.evaluation.pca_baseline import errors, fit_pca, project
from aestudy.evaluation.representation import classification_accuracies, probe_split


def main(dataset_path, latent_dim, output, denoising, probe_train_size, threads=1, log=print):
    torch.set_num_threads(threads)
    data = load_prepared(dataset_path)
    train = to_float(data["train_images"]).flatten(1).double().numpy()
    clean = to_float(data["test_images"])
    noisy = fixed_corruption(clean, denoising).flatten(1).double().numpy()
    test = clean.flatten(1).double().numpy()
    pca = fit_pca(train, latent_dim)
    test_mse, test_psnr = errors(project(pca, test), test)
    denoised_mse, denoised_psnr = errors(project(pca, noisy), test)
    noisy_mse, noisy_psnr = errors(noisy, test)
    train_x, train_y, test_x, test_y = probe_split(data, probe_train_size, BASELINE_SEED)
    with threadpool_limits(threads):
        probes = classification_accuracies(
            pca.transform(flat(train_x)),
            train_y.numpy(),
            pca.transform(flat(test_x)),
            test_y.numpy(),
            BASELINE_SEED,
        )
    log(
        f"PCA {data['name']} k={latent_dim}: test MSE {test_mse:.6g}, denoised PSNR "
        f"{denoised_psnr:.2f} dB (corrupted input {noisy_psnr:.2f} dB)"
    )
    write_json(
        output,
        dict(
            dataset=data["name"],
            latent_dim=latent_dim,
            test_mse=test_mse,
            test_psnr=test_psnr,
            denoised_mse=denoised_mse,
            denoised_psnr=denoised_psnr,
            noisy_mse=noisy_mse,
            noisy_psnr=noisy_psnr,
            explained_variance=float(pca.explained_variance_ratio_.sum()),
            **probes,
        ),
    )


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input[0],
        latent_dim=int(snakemake.wildcards.latent_dim),
        output=snakemake.output[0],
        denoising=snakemake.params.denoising,
        probe_train_size=snakemake.params.probe_train_size,
        threads=snakemake.threads,
    )
