import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from aestudy import MANIFOLD_MAX_LATENT_DIM, RUN_FIGURES, StudyError
from aestudy.config import resolve_config
from aestudy.shapes import is_downloaded

# Check the whole config before any job is planned: one sentence, exit status 1.
try:
    _resolved = resolve_config(config)
except StudyError as error:
    sys.exit(f"Config error: {error}")
config.clear()
config.update(_resolved)


wildcard_constraints:
    dataset="[A-Za-z][A-Za-z0-9_]*",
    model="[A-Za-z][A-Za-z0-9_]*",
    latent_dim="[0-9]+",
    seed="[0-9]+",


RUN_DIR = "results/runs/{model}/z{latent_dim}/seed{seed}"
TRAIN_BENCHMARK = "results/benchmarks/train/{model}/z{latent_dim}/seed{seed}.tsv"


def runs():
    """Every (model, latent_dim, seed) of the study."""
    return [
        dict(model=name, latent_dim=latent_dim, seed=seed)
        for name, spec in config["models"].items()
        for latent_dim in spec["latent_dims"]
        for seed in spec["seeds"]
    ]


def run_files(pattern):
    return [pattern.format(**run) for run in runs()]


def pca_baselines():
    pairs = {
        (spec["dataset"], latent_dim)
        for spec in config["models"].values()
        for latent_dim in spec["latent_dims"]
    }
    return [
        f"results/baselines/pca/{dataset}/z{latent_dim}.json"
        for dataset, latent_dim in sorted(pairs)
    ]


def download_folder(wildcards):
    """The download a dataset is prepared from; none for embedded or local data."""
    dataset = config["datasets"][wildcards.dataset]
    return (
        [f"results/data/downloads/{wildcards.dataset}"]
        if is_downloaded(dataset)
        else []
    )


def dataset_file(wildcards):
    return f"results/data/{config['models'][wildcards.model]['dataset']}.pt"


def training_spec(wildcards):
    """The model's settings that decide its training; latent_dims and seeds are
    left out since they are wildcards: adding a seed reruns only the new runs."""
    spec = config["models"][wildcards.model]
    return {k: v for k, v in spec.items() if k not in ("latent_dims", "seeds")}


# Snakemake counts --cores, not the machine's CPUs: `--cores 4` on a 2-core laptop
# would run two 2-thread jobs at once. Locally, every job also takes `cpus`
# equal to its threads, and `cpus` is capped at the CPUs this process may use.
# (On a cluster each job gets its own CPUs, so no cap applies.) Rules give `cpus`
# as a number, not a function: a function per job slows the planning of big studies.
LOCAL_CPUS = len(os.sched_getaffinity(0)) if workflow.local_exec else None
if LOCAL_CPUS and "cpus" not in workflow.global_resources:
    workflow.register_resource("cpus", LOCAL_CPUS)


def resource(rule_name, key):
    value = config["compute"][rule_name][key]
    if key == "threads" and LOCAL_CPUS:
        return min(value, LOCAL_CPUS)
    return value


def job_device(rule_name):
    """The device preference of a rule's jobs: the CPU when it asks for no GPU."""
    return config["compute"]["device"] if resource(rule_name, "gpu") > 0 else "cpu"


FIGURE_DIR = "results/figures/{model}/z{latent_dim}/seed{seed}"


def figure_settings(kind):
    """A figure kind's slice of the config, with the settings all figures share."""
    figures = config["figures"]
    return dict(
        dpi=figures["dpi"], selection_seed=figures["selection_seed"], **figures[kind]
    )


def runs_with_figures():
    """The runs that get per-run figures: the first `figures.seeds_with_figures`
    seeds of each model."""
    count = config["figures"]["seeds_with_figures"]
    return [
        run
        for run in runs()
        if run["seed"] in config["models"][run["model"]]["seeds"][:count]
    ]


def run_figure_files():
    files = []
    for run in runs_with_figures():
        manifold = run["latent_dim"] <= MANIFOLD_MAX_LATENT_DIM
        kinds = list(RUN_FIGURES) + (["manifold"] if manifold else [])
        files += [f"{FIGURE_DIR}/{kind}.png".format(**run) for kind in kinds]
    return files


def model_figure_files():
    return [
        f"results/figures/{model}/latent_dim_sweep.png" for model in config["models"]
    ]


def model_metrics(wildcards):
    return [
        f"{RUN_DIR}/metrics.json".format(**run)
        for run in runs()
        if run["model"] == wildcards.model
    ]


def model_pca_baselines(wildcards):
    spec = config["models"][wildcards.model]
    return [
        f"results/baselines/pca/{spec['dataset']}/z{latent_dim}.json"
        for latent_dim in spec["latent_dims"]
    ]


def run_figure_labels(figure):
    return {
        "model": "{model}",
        "latent dim": "{latent_dim}",
        "seed": "{seed}",
        "figure": figure,
    }
