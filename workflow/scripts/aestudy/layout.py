"""Where everything the pipeline writes lives, under results/ and logs/.

The rules and the scripts build every path here. Called with a run's identity
(model, latent_dim, seed) a function gives that run's file; called without, the
pattern with Snakemake's wildcards ({model}, {latent_dim}, {seed}). A run's
identity travels as data (params, the run's metrics.json), never parsed back
out of a path.
"""

RUN = "results/runs/{model}/z{latent_dim}/seed{seed}"
RUN_FIGURES = "results/figures/{model}/z{latent_dim}/seed{seed}"
RUN_NAME = "{model}/z{latent_dim}/seed{seed}"  # the run's part of log and benchmark paths

TABLES = {
    "metrics": "results/tables/metrics.csv",
    "summary_csv": "results/tables/summary.csv",
    "summary_md": "results/tables/summary.md",
    "compute": "results/tables/compute.csv",
}
REPORT = "results/report/index.html"
REPORT_PDF = "results/report/report.pdf"  # printed from REPORT on request only


class _Keep(dict):
    """Leaves a wildcard that was not given as it is: '{seed}'."""

    def __missing__(self, key):
        return "{" + key + "}"


def _fill(pattern, **values):
    return pattern.format_map(_Keep(values))


def run_file(name, **run):
    """A file of a run's folder: model.pt, history.csv, metrics.json, checkpoint.pt."""
    return _fill(f"{RUN}/{name}", **run)


def architecture_file(**run):
    """The run's layer table, written by its training job for the report."""
    return run_file("architecture.json", **run)


def run_figure(figure, **run):
    return _fill(f"{RUN_FIGURES}/{figure}.png", **run)


def run_figure_data(**run):
    """What the run's figures show, computed once from its model (figure_data)."""
    return _fill(f"{RUN_FIGURES}/figure_data.npz", **run)


def model_figure(figure, model="{model}"):
    return f"results/figures/{model}/{figure}.png"


def dataset_figure(figure, dataset="{dataset}"):
    """A figure of every model on one dataset (no model is named with a hyphen)."""
    return f"results/figures/dataset-{dataset}/{figure}.png"


def dataset_file(dataset="{dataset}"):
    return f"results/data/{dataset}.pt"


def download_folder(dataset="{dataset}"):
    return f"results/data/downloads/{dataset}"


def pca_baseline(dataset="{dataset}", latent_dim="{latent_dim}"):
    return f"results/baselines/pca/{dataset}/z{latent_dim}.json"


def dataset_baseline(dataset="{dataset}"):
    return f"results/baselines/dataset/{dataset}.json"


def train_benchmark(**run):
    return _fill(f"results/benchmarks/train/{RUN_NAME}.tsv", **run)


def seeds_name(seeds):
    """The name of a training job of several seeds: seeds0_1_2."""
    return "seeds" + "_".join(map(str, seeds))


def group_train_benchmark(seeds, model="{model}", latent_dim="{latent_dim}"):
    """The benchmark file of a job that trains the seeds `seeds` of one (model, latent_dim)."""
    return f"results/benchmarks/train/{model}/z{latent_dim}/{seeds_name(seeds)}.tsv"


def group_train_log(seeds, model="{model}", latent_dim="{latent_dim}"):
    return f"logs/train/{model}/z{latent_dim}/{seeds_name(seeds)}.log"


def run_log(step, **run):
    """The log of a per-run job (step: train, evaluate)."""
    return _fill(f"logs/{step}/{RUN_NAME}.log", **run)


def run_figure_log(figure, **run):
    return _fill(f"logs/figures/{RUN_NAME}/{figure}.log", **run)


def log(name, **wildcards):
    """The log of any other job: logs/<name>.log with its wildcards filled in."""
    return _fill(f"logs/{name}.log", **wildcards)
