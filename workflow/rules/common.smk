import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow" / "scripts"))

from aestudy import StudyError, layout
from aestudy.config import resolve_config, typed_overrides
from aestudy.data.formats import is_downloaded
from aestudy.figures import ANOMALY_FIGURES, MODEL_FIGURES
from aestudy.kinds import figure_kinds, kind_of

# Check the whole config before any job is planned: one sentence, exit status 1.
typed_overrides(config, workflow.config_settings.config)
try:
    _resolved = resolve_config(config)
except StudyError as error:
    sys.exit(f"Config error: {error}")
config.clear()
config.update(_resolved)

# Every figure kind, the study's and the model kinds' own (aestudy.figures).
FIGURE_KINDS = figure_kinds()


def shown_path(path):
    """A file as a reader of the report knows it: relative to the working
    directory when it lies inside it, else in full."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def workflow_file(path):
    """A file that ships with the workflow (`path` from the Snakefile's folder), as a
    path relative to the working directory: found from any directory, and the same
    path for the same arrangement, so moving both together reruns nothing."""
    return os.path.relpath(Path(workflow.basedir) / path)


# The words of the report's language (words.smk reads them).
WORDS_FILE = workflow_file(f"report/text/{config['report']['language']}.yaml")


wildcard_constraints:
    dataset="[A-Za-z][A-Za-z0-9_]*",
    model="[A-Za-z][A-Za-z0-9_]*",
    latent_dim="[0-9]+",
    seed="[0-9]+",


def runs():
    """Every (model, latent_dim, seed) of the study."""
    return [
        dict(model=name, latent_dim=latent_dim, seed=seed)
        for name, spec in config["models"].items()
        for latent_dim in spec["latent_dims"]
        for seed in spec["seeds"]
    ]


def run_identity(wildcards):
    """The run a job belongs to, as data for its script."""
    return dict(
        model=wildcards.model,
        latent_dim=int(wildcards.latent_dim),
        seed=int(wildcards.seed),
    )


def pca_baselines(models=None):
    pairs = {
        (spec["dataset"], latent_dim)
        for name, spec in config["models"].items()
        if models is None or name in models
        for latent_dim in spec["latent_dims"]
    }
    return [layout.pca_baseline(*pair) for pair in sorted(pairs)]


def dataset_baselines():
    """The sanity baselines (mean image, chance, probes on pixels) of every data set
    a model trains on."""
    names = sorted({spec["dataset"] for spec in config["models"].values()})
    return [layout.dataset_baseline(name) for name in names]


def download_folder(wildcards):
    """The download a dataset is prepared from; none for embedded or local data."""
    dataset = config["datasets"][wildcards.dataset]
    return [layout.download_folder(wildcards.dataset)] if is_downloaded(dataset) else []


def source_dataset_file(wildcards):
    """The prepared dataset a dataset for anomaly detection is made from; none else."""
    dataset = config["datasets"][wildcards.dataset]
    return (
        [layout.dataset_file(dataset["anomaly"]["from"])]
        if "anomaly" in dataset
        else []
    )


def dataset_file(wildcards):
    return layout.dataset_file(config["models"][wildcards.model]["dataset"])


def training_spec(wildcards):
    """The model's settings that decide its training; latent_dims and seeds are
    left out since they are wildcards: adding a seed reruns only the new runs."""
    spec = config["models"][wildcards.model]
    return {k: v for k, v in spec.items() if k not in ("latent_dims", "seeds")}


def trains_in_groups(name):
    """Whether a model's seeds train in groups of compute.train.runs_per_job: its
    kind can train several runs in one step (eager, full precision)."""
    spec = config["models"][name]
    return config["compute"]["train"]["runs_per_job"] > 1 and kind_of(
        spec
    ).trains_together(spec)


def seed_groups(name):
    """A grouped model's seeds, in fixed groups: seed s joins group s // runs_per_job,
    so that a new seed lands in a new group or in one not yet full, never moving
    another seed."""
    per_job = config["compute"]["train"]["runs_per_job"]
    groups = {}
    for seed in config["models"][name]["seeds"]:
        groups.setdefault(seed // per_job, []).append(seed)
    return [tuple(seeds) for seeds in groups.values()]


def group_training_rules():
    """{seeds of one training job: the grouped models that have that group}: a
    rule each, since a rule's outputs are fixed in number."""
    rules = {}
    for name in config["models"]:
        if trains_in_groups(name):
            for seeds in seed_groups(name):
                rules.setdefault(seeds, []).append(name)
    return rules


def models_pattern(names):
    """A wildcard constraint matching exactly these model names (none: nothing)."""
    return "|".join(map(re.escape, names)) if names else "(?!)"


def train_benchmark(run):
    """The benchmark file of the job that trains the run (a group's is shared)."""
    if trains_in_groups(run["model"]):
        seeds = next(g for g in seed_groups(run["model"]) if run["seed"] in g)
        return layout.group_train_benchmark(seeds, run["model"], run["latent_dim"])
    return layout.train_benchmark(**run)


def group_runs(seeds):
    """An input function: the identities of the runs a group job trains."""
    return lambda wildcards: [
        dict(model=wildcards.model, latent_dim=int(wildcards.latent_dim), seed=seed)
        for seed in seeds
    ]


def runs_with_figures():
    """The runs that get per-run figures: the first `figures.seeds_with_figures`
    seeds of each model."""
    count = config["figures"]["seeds_with_figures"]
    return [
        run
        for run in runs()
        if run["seed"] in config["models"][run["model"]]["seeds"][:count]
    ]


def run_figures():
    """Every per-run figure the report shows, as (identity, file)."""
    figures = []
    for run in runs_with_figures():
        spec = config["models"][run["model"]]
        kinds = kind_of(spec).run_figures(run["latent_dim"])
        anomaly = ANOMALY_FIGURES if is_anomaly_dataset(spec["dataset"]) else ()
        for figure in (*kinds, *(f.name for f in anomaly)):
            figures.append((dict(run, figure=figure), layout.run_figure(figure, **run)))
    return figures


def is_anomaly_dataset(name):
    return "anomaly" in config["datasets"][name]


def anomaly_datasets():
    """The datasets made for anomaly detection that some model trains on."""
    used = {spec["dataset"] for spec in config["models"].values()}
    return [name for name in sorted(used) if is_anomaly_dataset(name)]


def anomaly_runs(wildcards):
    """Every run on a dataset made for anomaly detection."""
    return [
        run
        for run in runs()
        if config["models"][run["model"]]["dataset"] == wildcards.dataset
    ]


def anomaly_files(name):
    """An input function: that file of every run on the wildcards' dataset."""
    return lambda wildcards: [
        layout.run_file(name, **run) for run in anomaly_runs(wildcards)
    ]


def dataset_figure_files():
    return [layout.dataset_figure("roc", name) for name in anomaly_datasets()]


def compared_datasets():
    """The datasets two or more models train on: each gets a figure of the same test
    images reconstructed by each of them."""
    used = [spec["dataset"] for spec in config["models"].values()]
    return [name for name in sorted(set(used)) if used.count(name) > 1]


def compared_runs(wildcards):
    """The run that stands for each model on the wildcards' dataset in its
    comparison figure: its first latent size and first seed."""
    return [
        dict(model=name, latent_dim=spec["latent_dims"][0], seed=spec["seeds"][0])
        for name, spec in config["models"].items()
        if spec["dataset"] == wildcards.dataset
    ]


def compared_figure_data(wildcards):
    return [layout.run_figure_data(**run) for run in compared_runs(wildcards)]


def swept_models():
    """The models with more than one latent size: a figure sets those sizes against
    each other (of a single size it would show one point)."""
    return [
        name for name, spec in config["models"].items() if len(spec["latent_dims"]) > 1
    ]


def model_figures():
    """Every per-model figure the report shows, as (identity, file)."""
    return [
        (dict(model=model, figure=figure.name), layout.model_figure(figure.name, model))
        for model in swept_models()
        for figure in MODEL_FIGURES
    ]


def model_metrics(wildcards):
    return [
        layout.run_file("metrics.json", **run)
        for run in runs()
        if run["model"] == wildcards.model
    ]


def model_pca_baselines(wildcards):
    return pca_baselines(models=[wildcards.model])
