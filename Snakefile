"""Autoencoder study: datasets -> training per (model, latent_dim, seed) -> tables,
figures and the HTML report."""

import sys

from snakemake.utils import min_version

min_version("9.0")


# A study file given with --configfile stands on its own (the schema fills in the
# defaults); config.yaml beside this file, the course report's study, is used when
# none is given (values given with --config still apply on top of it).
if "models" not in config and workflow.config_settings.configfiles:
    sys.exit(
        "Config error: the study file "
        + ", ".join(map(str, workflow.config_settings.configfiles))
        + " names no models; expected a 'models' mapping, since a study file given "
        "with --configfile stands on its own."
    )
if "models" not in config:

    configfile: workflow.source_path("config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/words.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/figure_settings.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


# Light jobs run where snakemake runs (the login node on a cluster), and so do
# downloads: compute nodes often have no route to the internet.
localrules:
    all,
    download_dataset,
    aggregate_metrics,
    plot_latent_dim_sweep,
    render_report,


rule all:
    default_target: True
    input:
        rules.aggregate_metrics.output,
        rules.render_report.output,
