"""VAE family: the KL of each latent dimension against the prior, mean over the
test set, and how many dimensions are active (above ACTIVE_KL nats, the line drawn)."""

import json
from pathlib import Path

from aestudy.entry import run_job
from aestudy.figures import plots
from aestudy.figures.contract import record_diverged_epoch
from aestudy.kinds.vae import ACTIVE_KL


def main(metrics_path, output, run, dataset, settings, words, log=print):
    metrics = json.loads(Path(metrics_path).read_text())
    epoch = record_diverged_epoch(metrics)
    if epoch:
        return plots.draw_diverged(output, epoch, words, settings["dpi"])
    kl = metrics["kl_per_dimension"]
    plots.bars(
        kl,
        output,
        xlabel=words["xlabel"],
        ylabel=words["ylabel"],
        threshold=ACTIVE_KL,
        threshold_label=words["threshold"].format(threshold=ACTIVE_KL),
        title=plots.run_title(
            words, run, dataset, active=int(metrics["active_units"]), total=len(kl)
        ),
        dpi=settings["dpi"],
    )
    log(f"KL of {len(kl)} latent dimensions -> {output}")


if "snakemake" in globals():
    run_job(
        main,
        snakemake.log[0],
        metrics_path=snakemake.input.metrics,
        output=snakemake.output[0],
        run=snakemake.params.run,
        dataset=snakemake.params.dataset,
        settings=snakemake.params.settings,
        words=snakemake.params.words,
    )
