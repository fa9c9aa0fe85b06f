"""Prepare one dataset into results/data/{dataset}.pt (uint8 images, labels,
checksum): from embedded data, local files, a download, or, for anomaly
detection, from another prepared dataset's normal classes."""

from aestudy.atomic_files import torch_save
from aestudy.data.prepared import derive_normal_dataset, load_prepared, prepare_dataset
from aestudy.entry import run_job


def main(output, name, dataset, download_dir=None, base_path=None, log=print):
    if base_path is not None:
        anomaly = dataset["anomaly"]
        prepared = derive_normal_dataset(
            load_prepared(base_path),
            name,
            anomaly["normal_classes"],
            anomaly["validation_fraction"],
            anomaly["split_seed"],
        )
    else:
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
        base_path=next(iter(snakemake.input.base), None),
    )
