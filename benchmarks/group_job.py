"""Runs per hour of the pipeline's training job: R runs of one (model, latent
size) trained by one job together against the same R runs trained by R jobs
alone, with the training script itself (train_autoencoder.main: data on the
device, per-epoch test loss, history, weights written), on Fashion-MNIST (60,000
images, MNIST's shape), in one process. Where benchmarks/runs_together.py times
the step, this times the whole job, apart from the start of a process.

    .venv/bin/python benchmarks/group_job.py --runs 3 --epochs 2

The data: config/offline.yaml's Fashion-MNIST (Debian's dataset-fashion-mnist),
or --digits for the embedded digits (1,437 training images: the job's fixed
costs then weigh more).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))

import train_autoencoder  # noqa: E402

from aestudy.atomic_files import torch_save  # noqa: E402
from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.prepared import prepare_dataset  # noqa: E402

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def time_jobs(dataset, spec, seeds, together, folder, threads):
    """Seconds to train `seeds`: in one job (together) or one job each."""
    runs = [dict(model="m", latent_dim=LATENT[spec["kind"]], seed=seed) for seed in seeds]

    def files(seed):
        stem = folder / f"{'together' if together else 'alone'}-{seed}"
        return train_autoencoder.RunFiles(
            *(f"{stem}.{ext}" for ext in ("pt", "csv", "json", "ckpt"))
        )

    for path in folder.glob("*"):
        path.unlink()
    tic = time.perf_counter()
    if together:
        train_autoencoder.main(
            dataset, spec, runs, [files(s) for s in seeds], threads, "cpu", log=lambda _: None
        )
    else:
        for run in runs:
            train_autoencoder.main(
                dataset, spec, [run], [files(run["seed"])], threads, "cpu", log=lambda _: None
            )
    return time.perf_counter() - tic


LATENT = {"ae": 4, "vae": 20}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["ae", "vae"], choices=list(LATENT))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="pairs of timings, ABBA order")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--digits", action="store_true")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp())
    if args.digits:
        prepared = prepare_dataset("digits", "digits")
    else:
        prepared = prepare_dataset("fashion_mnist", "mnist", path=FASHION_MNIST)
    dataset = folder / "data.pt"
    torch_save(dataset, prepared)
    work = folder / "runs"
    work.mkdir()
    load = os.getloadavg()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')}, nproc {os.cpu_count()}, load {load[0]:.2f}; "
        f"torch {torch.__version__}, {args.threads} threads; {prepared['name']} "
        f"({len(prepared['train_images'])} training images), {args.epochs} epochs, "
        f"{args.runs} runs"
    )
    print(
        "| model | seconds, R jobs alone | seconds, one job together | runs per hour together / alone |\n"
        "|---|---:|---:|---:|"
    )
    for kind in args.models:
        spec = resolve_config({"models": {"m": {"kind": kind, "epochs": args.epochs}}})["models"][
            "m"
        ]
        seeds = list(range(args.runs))
        times = {True: [], False: []}
        for repeat in range(args.repeats):
            for together in (False, True) if repeat % 2 == 0 else (True, False):
                times[together].append(
                    time_jobs(dataset, spec, seeds, together, work, args.threads)
                )
        ratios = [a / t for a, t in zip(times[False], times[True], strict=True)]
        print(
            f"| {kind} (z={LATENT[kind]}) | {statistics.median(times[False]):.1f} | "
            f"{statistics.median(times[True]):.1f} | {statistics.median(ratios):.2f}x "
            f"({min(ratios):.2f}-{max(ratios):.2f}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
