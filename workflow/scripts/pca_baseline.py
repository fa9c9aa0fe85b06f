"""PCA with latent_dim components, fitted on the training images: its test MSE
and PSNR, and what it makes of the fixed corrupted test set, beside that
corrupted set's own distance from the clean one."""

import torch

from aestudy.atomic_files import write_json
from aestudy.data.corruption import fixed_corruption
from aestudy.data.prepared import load_prepared, to_float
from aestudy.entry import run_job
from aestudy.evaluation.pca_baseline import errors, fit_pca, project


def main(dataset_path, latent_dim, output, denoising, threads=1, log=print):
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
        threads=snakemake.threads,
    )
