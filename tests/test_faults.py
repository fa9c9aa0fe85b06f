"""A training job killed with SIGKILL leaves nothing that looks finished, and the
next snakemake run resumes it to the same result as a run that was never killed."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch
import yaml

from conftest import copy_repository, snakemake

pytestmark = pytest.mark.workflow

# One model of each kind, trained long enough to be killed after a checkpoint
# (every 3 epochs) and well before its last epoch: the kill follows the first
# checkpoint within tens of milliseconds, and the epochs after it take seconds
# (the AE's epoch on the digits is the shortest, about 20 ms on a fast machine).
MODELS = {
    # two seeds, trained together in one job (compute.train.runs_per_job)
    "vae": {"kind": "vae", "dataset": "digits", "latent_dims": [8], "epochs": 15, "seeds": [0, 1]},
    "ae": {"kind": "ae", "dataset": "digits", "latent_dims": [8], "epochs": 80},
    "cnn_ae": {"kind": "cnn_ae", "dataset": "sample_patches", "latent_dims": [64], "epochs": 12},
}
STUDY = {
    "seeds": [0],
    "evaluation": {"iw_samples": 5},
    "compute": {
        "checkpoint_every": 3,
        "train": {"threads": 1, "gpu": 1, "mem_mb": 2000, "runtime": 10},
        # a float sum over 2 threads differs from one over 1 in its last digits; the
        # runs here are compared bit for bit, whatever --cores each was started with
        "evaluate": {"threads": 1},
    },
}


def run_dir(kind, seed=0):
    return f"results/runs/{kind}/z{MODELS[kind]['latent_dims'][0]}/seed{seed}"


def target(kind, seed=0):
    return f"{run_dir(kind, seed)}/metrics.json"


def targets(kind):
    return [target(kind, seed) for seed in MODELS[kind].get("seeds", [0])]


def study_copy(path, kind, prepared_from):
    """A copy of the repository to run one model's study in, with the prepared data
    of an earlier run (what is tested here starts after the data are prepared)."""
    workdir = copy_repository(path)
    study = dict(STUDY, models={kind: MODELS[kind]})
    (workdir / "study.yaml").write_text(yaml.safe_dump(study))
    shutil.copytree(prepared_from / "results/data", workdir / "results/data")
    return workdir


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The runs that were never stopped: one study of the three models, trained
    once for the module, two jobs at a time. Each run is the same as in a study of
    its model alone (its own seed, data and settings)."""
    workdir = copy_repository(tmp_path_factory.mktemp("straight"))
    (workdir / "study.yaml").write_text(yaml.safe_dump(dict(STUDY, models=MODELS)))
    every = [path for kind in MODELS for path in targets(kind)]
    snakemake(workdir, *every, "--cores", "2", "--configfile", "study.yaml")
    return workdir


def start_and_wait_for_checkpoint(workdir, kind):
    command = [
        sys.executable,
        "-m",
        "snakemake",
        *targets(kind),
        "--cores",
        "1",
        "--configfile",
        "study.yaml",
    ]
    process = subprocess.Popen(
        command,
        cwd=workdir,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoint = workdir / run_dir(kind) / "checkpoint.pt"
    deadline = time.monotonic() + 180
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpoint.exists(), "training never wrote a checkpoint"
    return process


def assert_nothing_looks_finished(workdir, kind):
    run = workdir / run_dir(kind)
    for name in ("model.pt", "history.csv", "architecture.json", "metrics.json"):
        assert not (run / name).exists(), name
    stopped_at = torch.load(run / "checkpoint.pt", weights_only=True)["epoch"]
    assert 3 <= stopped_at < MODELS[kind]["epochs"]


def assert_same_as(resumed, straight, kind):
    # the job's one log: a run's own, or its group's (seeds0_1.log)
    (log,) = (resumed / "logs/train" / kind).glob("z*/*.log")
    assert "resuming from the checkpoint after epoch" in log.read_text()
    for seed in MODELS[kind].get("seeds", [0]):
        assert_same_run(resumed, straight, kind, seed)


def assert_same_run(resumed, straight, kind, seed):
    run = run_dir(kind, seed)
    assert not (resumed / run / "checkpoint.pt").exists()
    # Every number, the evaluation's random draws included; the resumed run's first
    # epochs ran in a fresh process, so this also shows that the same config and
    # seed give the same run.
    resumed_metrics = json.loads((resumed / target(kind, seed)).read_text())
    straight_metrics = json.loads((straight / target(kind, seed)).read_text())
    varying = {"seconds", "provenance"}  # timings, and start and end times
    assert resumed_metrics.keys() == straight_metrics.keys()
    for key in resumed_metrics.keys() - varying:
        assert resumed_metrics[key] == straight_metrics[key], (seed, key)
    a = torch.load(resumed / run / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(straight / run / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    # Every epoch's losses, the resumed ones included, equal the uninterrupted run's.
    resumed_history = pd.read_csv(resumed / run / "history.csv").drop(columns="seconds")
    assert len(resumed_history) == MODELS[kind]["epochs"]
    straight_history = pd.read_csv(straight / run / "history.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(resumed_history, straight_history)


@pytest.mark.parametrize("kind", list(MODELS))
def test_killed_training_job_resumes_on_the_next_run(tmp_path, uninterrupted, kind):
    """The job's process dies (preemption, out of memory, a node lost); snakemake lives."""
    straight = uninterrupted
    workdir = study_copy(tmp_path / "killed-job", kind, straight)
    process = start_and_wait_for_checkpoint(workdir, kind)
    trainer = subprocess.run(
        ["pgrep", "-s", str(process.pid), "-f", "train_autoencoder"], capture_output=True, text=True
    ).stdout.split()
    assert trainer, "no training process found"
    for pid in trainer:
        os.kill(int(pid), signal.SIGKILL)
    assert process.wait(timeout=60) != 0  # snakemake reports the failed job
    assert_nothing_looks_finished(workdir, kind)
    snakemake(workdir, *targets(kind), "--cores", "1", "--configfile", "study.yaml")
    assert_same_as(workdir, straight, kind)


def test_killed_snakemake_resumes_after_unlock(tmp_path, uninterrupted):
    """Everything dies at once (a lost session): Snakemake's lock stays behind."""
    kind = "vae"
    straight = uninterrupted
    workdir = study_copy(tmp_path / "killed-all", kind, straight)
    process = start_and_wait_for_checkpoint(workdir, kind)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert_nothing_looks_finished(workdir, kind)
    snakemake(workdir, "--unlock", "--configfile", "study.yaml")
    snakemake(workdir, *targets(kind), "--cores", "1", "--configfile", "study.yaml")
    assert_same_as(workdir, straight, kind)
