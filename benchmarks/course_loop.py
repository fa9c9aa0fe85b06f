"""The course report's own training loop on the seeds the pipeline trains: do its
failures (at z = 2 the AE learns nothing; at z = 7 after 20 epochs it learns
noise) come from the loop, or from chance?

The loop is the course report's (benchmarks/epoch_speed.py reproduces it):
torchvision's MNIST with ToTensor, a shuffled DataLoader of batch 64, and per
batch zero_grad, forward, MSE, backward, Adam step. For each seed it trains the
model the pipeline builds with that seed (the same initial weights; the batch
order is the DataLoader's own), and records per epoch the mean training loss and
the loss of the epoch's last batch, which is what the course printed and
plotted. At the end: the test MSE against the mean training image's (a run
learned when its MSE is at most 90 % of it, the pipeline's verdict), the dead
units of every ReLU layer on the test set, and the codes' geometry, each as the
pipeline's evaluation computes it (aestudy.evaluation.diagnostics).

    .venv/bin/python benchmarks/course_loop.py --data ../shared/data/mnist \\
        --latent-dim 2 --epochs 100 --seeds 0-9 --out benchmarks/out/course_loop_z2.csv

Prints a row per seed, the share of runs that did not learn with its exact 95 %
interval, and how often the loss rose from one epoch to the next, read from the
epoch means and from the last batches.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import binomtest
from torch.utils.data import DataLoader

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # epoch_speed, beside this file
sys.path.insert(0, str(HERE.parent / "workflow" / "scripts"))

from epoch_speed import course_step, torchvision_idx_dataset  # noqa: E402

from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.prepared import to_float  # noqa: E402
from aestudy.data.readers import read_idx_folder  # noqa: E402
from aestudy.evaluation.diagnostics import (  # noqa: E402
    code_geometry,
    dead_unit_summary,
    dead_units,
    loss_history_diagnostics,
)
from aestudy.evaluation.generation import encode_all  # noqa: E402
from aestudy.kinds import build_model  # noqa: E402
from aestudy.report.verdicts import run_verdict  # noqa: E402
from aestudy.training.loop import (  # noqa: E402
    flush_denormals,
    make_optimizer,
    seed_everything,
)


def seeds_from(text):
    """'0-9' or '0,3,5' as a list of seeds."""
    if "-" in text:
        first, last = map(int, text.split("-"))
        return list(range(first, last + 1))
    return [int(seed) for seed in text.split(",")]


def train_course_loop(spec, latent_dim, seed, course_set, epochs, log):
    """The course's loop for one seed: (model, [(mean train loss, last batch loss)])."""
    seed_everything(seed)  # as the pipeline seeds a run: the same initial weights
    model = build_model(spec, (1, 28, 28), latent_dim)
    optimizer = make_optimizer({**spec, "fused_optimizer": False}, model.parameters())
    loader = DataLoader(course_set, batch_size=spec["batch_size"], shuffle=True)
    losses = []
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for img, _ in loader:
            loss = course_step(model, spec["kind"], optimizer, img)
            total += loss.item() * len(img)
            count += len(img)
        losses.append((total / count, loss.item()))  # the course printed the last batch's
        log(f"seed {seed} epoch {epoch}: mean {losses[-1][0]:.5f}, last batch {losses[-1][1]:.5f}")
    return model, losses


def run_row(model, seed, losses, test_images, test_labels, mean_mse):
    with torch.no_grad():
        model.eval()
        mse = (model.reconstruct(test_images) - test_images).pow(2).mean().item()
    means, lasts = zip(*losses, strict=True)
    history = loss_history_diagnostics(means)
    return dict(
        seed=seed,
        test_mse=mse,
        verdict=run_verdict("ok", mse, mean_mse),
        share_of_mean_image=mse / mean_mse,
        train_loss_rises=history["train_loss_rises"],
        last_batch_rises=loss_history_diagnostics(lasts)["train_loss_rises"],
        train_loss_fall=history["train_loss_fall"],
        **dead_unit_summary(dead_units(model, test_images)),
        **code_geometry(encode_all(model, test_images, test_labels).numpy()),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="MNIST's four IDX files (.gz)")
    parser.add_argument("--latent-dim", type=int, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--seeds", default="0-9", help="'0-9' or '0,3,5'")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="the rows as CSV")
    parser.add_argument("--verbose", action="store_true", help="print every epoch's losses")
    args = parser.parse_args()
    flush_denormals(True)  # as the pipeline trains
    torch.set_num_threads(args.threads)
    spec = resolve_config({"models": {"ae": {"kind": "ae"}}})["models"]["ae"]
    train_images, _, test_uint8, test_labels = read_idx_folder(args.data)
    test_images = to_float(test_uint8)
    mean_image = to_float(train_images).mean(0, keepdim=True)
    mean_mse = (test_images - mean_image).pow(2).mean().item()
    log = print if args.verbose else (lambda _: None)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        course_set = torchvision_idx_dataset(workdir, args.data, "MNIST")
        for seed in seeds_from(args.seeds):
            tic = time.perf_counter()
            model, losses = train_course_loop(
                spec, args.latent_dim, seed, course_set, args.epochs, log
            )
            row = run_row(model, seed, losses, test_images, test_labels, mean_mse)
            row["seconds"] = time.perf_counter() - tic
            rows.append(row)
            if args.out:  # after every seed, so that a stopped study keeps its finished runs
                args.out.parent.mkdir(parents=True, exist_ok=True)
                pd.DataFrame(rows).to_csv(args.out, index=False)
            print(
                f"seed {seed}: test MSE {row['test_mse']:.4f} ({row['share_of_mean_image']:.0%} "
                f"of the mean image's), {row['verdict']}; dead units {row['dead_units']}; "
                f"codes' PC1 share {row['code_pc1_share']:.3f}, spread {row['code_spread']:.1f}; "
                f"loss rose in {row['train_loss_rises']:.0%} of epochs (last batch "
                f"{row['last_batch_rises']:.0%}); {row['seconds']:.0f} s",
                flush=True,
            )
    table = pd.DataFrame(rows)
    failed = int((table["verdict"] != "learned").sum())
    interval = binomtest(failed, len(table)).proportion_ci(method="exact")
    print(
        f"\nz = {args.latent_dim}, {args.epochs} epochs, the course's loop: {failed} of "
        f"{len(table)} runs did not learn ({failed / len(table):.0%}, exact 95 % interval "
        f"{interval.low:.0%}-{interval.high:.0%}); mean-image MSE {mean_mse:.4f}; test MSE "
        f"{table['test_mse'].mean():.4f} ± {table['test_mse'].std():.4f}; the loss rose in "
        f"{np.mean(table['train_loss_rises']):.1%} of epochs by its epoch means and in "
        f"{np.mean(table['last_batch_rises']):.1%} by its last batches; largest dead share "
        f"in a layer {table['dead_share_max'].max():.2f}"
    )


if __name__ == "__main__":
    main()
