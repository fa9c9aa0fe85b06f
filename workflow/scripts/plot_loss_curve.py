"""Train and test loss per epoch of one run."""

import pandas as pd

from aestudy import figures
from aestudy.jobs import run_job

YLABEL = {
    "vae": "loss per image (BCE + β·KL, nats)",
    "ae": "MSE per pixel",
    "cnn_ae": "MSE per pixel",
}


def main(history_path, output, kind, title, settings, log=print):
    history = pd.read_csv(history_path).to_dict("records")
    figures.loss_curve(
        history, output, ylabel=YLABEL[kind], title=title,
        log_scale=settings["log_scale"], dpi=settings["dpi"],
    )  # fmt: skip
    log(f"loss curve of {len(history)} epochs -> {output}")


if "snakemake" in globals():
    w = snakemake.wildcards
    run_job(
        main,
        snakemake.log[0],
        history_path=snakemake.input.history,
        output=snakemake.output[0],
        kind=snakemake.params.kind,
        title=f"{w.model}, z={w.latent_dim}, seed {w.seed}",
        settings=snakemake.params.settings,
    )
