"""Prepare one dataset into results/data/{dataset}.pt (uint8 images, labels, checksum)."""

from aestudy.atomic_files import torch_save
from aestudy.data.prepared import prepare_dataset
from aestudy.entry import run_job


def main(output, name, dataset, download_dir, log=print):
    prepared = prepare_dataset(name, dataset["format"], dataset.get("path"), download_dir)
    log(
        f"{name}: {len(prepared['train_images'])} train and {len(prepared['test_images'])} "
        f"test images of shape {tuple(prepared['train_images'].shape[1:])} from "
        f"{prepared['source']}; sha256 {prepared['checksum'][:16]}"
    )
    torch_save(output, prepared)


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        output=snakemake.output[0],
        name=snakemake.wildcards.dataset,
        dataset=snakemake.params.dataset,
        download_dir=next(iter(snakemake.input.downloads), None),
    )
