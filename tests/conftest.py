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
# `pytest -m "not needs_slurm"` leaves a group out on purpose.
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


def pytest_runtest_setup(item):
    for marker, (available, hint) in EXTRAS.items():
        if item.get_closest_marker(marker) and not available():
            pytest.skip(hint)


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
    `env` adds environment variables to this process's."""
    process = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
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
