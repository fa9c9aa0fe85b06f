"""Download one dataset with torchvision into results/data/downloads/{dataset}."""

from aestudy.data.downloads import download_dataset
from aestudy.entry import run_job


def main(folder, name, fmt, log=print):
    download_dataset(name, fmt, folder)
    log(f"{name}: downloaded into {folder}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        folder=snakemake.output[0],
        name=snakemake.wildcards.dataset,
        fmt=snakemake.params.format,
    )
