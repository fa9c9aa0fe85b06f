import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

# Tests that need something besides Python carry a marker (registered in
# pyproject.toml); without the extra they skip with how to install it, so the
# README's test command passes on a machine with only Python, and
# `pytest -m "not needs_slurm"` leaves a group out on purpose. CI sets
# AESTUDY_REQUIRE_EXTRAS=1: there a missing extra fails, naming what is missing.
EXTRAS = {
    "needs_slurm": (
        lambda: all(
            shutil.which(t) or Path("/usr/sbin", t).exists()
            for t in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "srun")
        ),
        "SLURM is not installed (apt-get install slurmctld slurmd slurm-client munge)",
    ),
    "needs_browser": (
        lambda: shutil.which("chromium") is not None,
        "Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)",
    ),
    "needs_fmnist": (
        FASHION_MNIST.is_dir,
        "Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)",
    ),
}


def extras_required():
    return os.environ.get("AESTUDY_REQUIRE_EXTRAS", "") not in ("", "0")


def skip_or_fail(reason):
    """Skip a test whose extra is missing; fail it where extras are required (CI)."""
    if extras_required():
        pytest.fail(f"AESTUDY_REQUIRE_EXTRAS is set and {reason}", pytrace=False)
    pytest.skip(reason)


# The fixtures that run snakemake (or a cluster for it): a test that asks for one
# is in the workflow tier and must say so with @pytest.mark.workflow.
WORKFLOW_FIXTURES = {
    "smoke_study",
    "chinese_report",
    "printed_report",
    "one_dimensional_study",
    "uninterrupted",
    "cluster",
}
# Time limits (pytest-timeout): a hung snakemake call or browser fails with the
# test's name. A workflow test may build the smoke study in its setup (about 3
# minutes on 2 cores, more on a busy machine).
FAST_TIMEOUT_S = 120
WORKFLOW_TIMEOUT_S = 900


def pytest_collection_modifyitems(config, items):
    unmarked = [
        f"{item.nodeid} uses {', '.join(sorted(WORKFLOW_FIXTURES & set(item.fixturenames)))}"
        for item in items
        if WORKFLOW_FIXTURES & set(item.fixturenames) and not item.get_closest_marker("workflow")
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that use a workflow fixture must be marked @pytest.mark.workflow: "
            + "; ".join(unmarked)
        )
    for item in items:
        if not item.get_closest_marker("timeout"):
            slow = item.get_closest_marker("workflow")
            item.add_marker(pytest.mark.timeout(WORKFLOW_TIMEOUT_S if slow else FAST_TIMEOUT_S))
    # The fast tier first, so a broken change fails within minutes.
    items.sort(key=lambda item: item.get_closest_marker("workflow") is not None)


# The fixtures built on the smoke study. `make test` runs their tests (marked
# `uses_smoke_study` here, before -m selects) in one pytest process and the other
# tests in a second one beside it: the smoke study is built once, on 2 cores, while
# the rest runs.
SMOKE_FIXTURES = {"smoke_study", "chinese_report", "printed_report"}


def pytest_itemcollected(item):
    if SMOKE_FIXTURES & set(item.fixturenames):
        item.add_marker(pytest.mark.uses_smoke_study)


_running = {"workflow": False}


@pytest.hookimpl(tryfirst=True)  # before the fixtures, which may call snakemake()
def pytest_runtest_setup(item):
    _running["workflow"] = item.get_closest_marker("workflow") is not None
    for marker, (available, hint) in EXTRAS.items():
        if item.get_closest_marker(marker) and not available():
            skip_or_fail(hint)


# What a study needs from the repository; results/, logs/ and .snakemake/ stay behind.
REPO_PARTS = ["Snakefile", "config.yaml", "config", "workflow", "envs", "profiles", "report"]


def copy_repository(destination):
    destination.mkdir(parents=True, exist_ok=True)
    for part in REPO_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(
                source, destination / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        elif source.exists():
            shutil.copy2(source, destination / part)
    return destination


def snakemake(workdir, *args, check=True, env=None):
    """Run the real snakemake command in `workdir`; return the finished process.
    `env` adds environment variables to this process's. Only a test marked
    `workflow` may call it: the fast tier runs no snakemake job."""
    if not _running["workflow"]:
        raise AssertionError(
            "snakemake() runs the real workflow: mark the test @pytest.mark.workflow"
        )
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
        timeout=WORKFLOW_TIMEOUT_S,
    )
    if check and process.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({process.returncode}):\n"
            f"{process.stdout[-3000:]}\n{process.stderr[-6000:]}"
        )
    return process


def planned_jobs(output):
    """(rule, wildcards) of every job a dry run lists (a dry run shows a cluster's
    groups, their jobs indented)."""
    jobs, rule = [], None
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("rule ") and line.endswith(":"):
            rule = line[5:].strip().rstrip(":")
            jobs.append([rule, {}])
        elif rule and line.startswith("wildcards:"):
            pairs = line.split(":", 1)[1].split(",")
            jobs[-1][1] = dict(p.strip().split("=", 1) for p in pairs if "=" in p)
    return [(rule, wildcards) for rule, wildcards in jobs]


def trained_runs(jobs):
    """The wildcards of every run the planned training jobs train: one per job that
    trains a run alone (train_autoencoder), one per seed of a job that trains
    several (train_together_seeds0_1_2)."""
    runs = []
    for rule, wildcards in jobs:
        if rule == "train_autoencoder":
            runs.append(dict(wildcards))
        elif rule.startswith("train_together_seeds"):
            for seed in rule.removeprefix("train_together_seeds").split("_"):
                runs.append(dict(wildcards, seed=seed))
    return runs


def count_trained(jobs, **wildcards):
    """How many planned runs train, of those with these wildcards."""
    return sum(
        all(run.get(k) == str(v) for k, v in wildcards.items()) for run in trained_runs(jobs)
    )


def run_record(model, z, seed, mse, kind="ae", dataset="digits", **extra):
    """A finished run's metrics.json record as the tables read it: its identity,
    its test MSE, and `extra` metrics."""
    return dict(
        dataset=dataset,
        model=model,
        kind=kind,
        latent_dim=z,
        seed=seed,
        test_mse=mse,
        status="ok",
        iw_samples=None,
        diverged_epoch=None,
        **extra,
    )


def model_spec(kind, **settings):
    """A model's config entry resolved as the pipeline resolves it: the schema's
    defaults for every key not given."""
    from aestudy.config import resolve_config

    raw = {"models": {"model": {"kind": kind, **settings}}}
    return resolve_config(raw, check_paths=False)["models"]["model"]


@pytest.fixture(autouse=True)
def _few_threads():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits():
    from aestudy.data.prepared import prepare_dataset

    return prepare_dataset("digits", "digits")


@pytest.fixture(scope="session")
def patches():
    from aestudy.data.prepared import prepare_dataset

    return prepare_dataset("sample_patches", "sample_patches")


def git_checkout(folder):
    """Make `folder` a git repository with one commit; return that commit."""

    def git(*args):
        return subprocess.run(
            ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", *args],
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "smoke study")
    return git("rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="session")
def smoke_study(tmp_path_factory):
    """The smoke study, run to completion by snakemake in a copy of the repository
    that is a git checkout of its own (provenance records its commit)."""
    workdir = copy_repository(tmp_path_factory.mktemp("smoke"))
    commit = git_checkout(workdir)
    process = snakemake(workdir, "--cores", "2", "--configfile", "config/smoke.yaml")
    process.commit = commit
    return workdir, process
