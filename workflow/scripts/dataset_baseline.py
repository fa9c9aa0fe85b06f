"""The sanity baselines of one data set (evaluation/dataset_baseline.py): the mean
image, chance, the probes on raw pixels, and the test images scored as samples."""

from threadpoolctl import threadpool_limits

from aestudy.atomic_files import write_json
from aestudy.data.prepared import load_prepared
from aestudy.entry import run_job
from aestudy.evaluation.dataset_baseline import dataset_baseline


def main(dataset_path, output, probe_train_size, diagnostics=None, threads=1, log=print):
    """`diagnostics`: the config's evaluation.diagnostics block (the schema's
    defaults where not given)."""
    data = load_prepared(dataset_path)
    with threadpool_limits(threads):
        found = dataset_baseline(data, probe_train_size, diagnostics)
    log(
        f"{found['dataset']}: mean-image MSE {found['mean_mse']:.6g}, chance "
        f"{found['chance_accuracy']:.3f}, probe on pixels {found['pixel_probe_accuracy']:.3f}"
    )
    write_json(output, found)


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        dataset_path=snakemake.input[0],
        output=snakemake.output[0],
        probe_train_size=snakemake.params.probe_train_size,
        diagnostics=snakemake.params.diagnostics,
        threads=snakemake.threads,
    )
