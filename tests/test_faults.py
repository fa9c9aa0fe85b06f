"""A training job killed with SIGKILL leaves nothing that looks finished, and the
next snakemake run resumes it to the same result as a run that was never killed."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
import yaml

from conftest import copy_repository, snakemake

pytestmark = pytest.mark.workflow

STUDY = {
    "seeds": [0],
    "models": {"vae": {"kind": "vae", "dataset": "digits", "latent_dims": [8], "epochs": 40}},
    "evaluation": {"iw_samples": 5},
    "compute": {
        "checkpoint_every": 3,
        "train": {"threads": 1, "gpu": 1, "mem_mb": 2000, "runtime": 10},
    },
}
RUN = "results/runs/vae/z8/seed0"
TARGET = f"{RUN}/metrics.json"


def study_copy(path):
    workdir = copy_repository(path)
    (workdir / "study.yaml").write_text(yaml.safe_dump(STUDY))
    return workdir


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    straight = study_copy(tmp_path_factory.mktemp("straight"))
    snakemake(straight, TARGET, "--cores", "1", "--configfile", "study.yaml")
    return straight


def start_and_wait_for_checkpoint(workdir):
    command = [
        sys.executable,
        "-m",
        "snakemake",
        TARGET,
        "--cores",
        "1",
        "--configfile",
        "study.yaml",
    ]
    process = subprocess.Popen(command, cwd=workdir, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    checkpoint = workdir / RUN / "checkpoint.pt"
    deadline = time.monotonic() + 180
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpoint.exists(), "training never wrote a checkpoint"
    return process


def assert_nothing_looks_finished(workdir):
    for name in ("model.pt", "history.csv", "metrics.json"):
        assert not (workdir / RUN / name).exists(), name
    stopped_at = torch.load(workdir / RUN / "checkpoint.pt", weights_only=True)["epoch"]
    assert 3 <= stopped_at < 40


def assert_same_as(resumed, straight):
    log = (resumed / "logs/train/vae/z8/seed0.log").read_text()
    assert "resuming from the checkpoint after epoch" in log
    assert not (resumed / RUN / "checkpoint.pt").exists()
    resumed_metrics = json.loads((resumed / TARGET).read_text())
    straight_metrics = json.loads((straight / TARGET).read_text())
    for key in ("test_mse", "test_bce", "elbo", "kl", "iw_ll", "epochs_completed", "status"):
        assert resumed_metrics[key] == straight_metrics[key], key
    a = torch.load(resumed / RUN / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(straight / RUN / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert (resumed / RUN / "history.csv").read_text().count("\n") == 41


def test_killed_training_job_resumes_on_the_next_run(tmp_path, uninterrupted):
    """The job's process dies (preemption, out of memory, a node lost); snakemake lives."""
    workdir = study_copy(tmp_path / "killed-job")
    process = start_and_wait_for_checkpoint(workdir)
    trainer = subprocess.run(["pgrep", "-s", str(process.pid), "-f", "train_autoencoder"],
                             capture_output=True, text=True).stdout.split()  # fmt: skip
    assert trainer, "no training process found"
    for pid in trainer:
        os.kill(int(pid), signal.SIGKILL)
    assert process.wait(timeout=60) != 0  # snakemake reports the failed job
    assert_nothing_looks_finished(workdir)
    snakemake(workdir, TARGET, "--cores", "1", "--configfile", "study.yaml")
    assert_same_as(workdir, uninterrupted)


def test_killed_snakemake_resumes_after_unlock(tmp_path, uninterrupted):
    """Everything dies at once (a lost session): Snakemake's lock stays behind."""
    workdir = study_copy(tmp_path / "killed-all")
    process = start_and_wait_for_checkpoint(workdir)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert_nothing_looks_finished(workdir)
    snakemake(workdir, "--unlock", "--configfile", "study.yaml")
    snakemake(workdir, TARGET, "--cores", "1", "--configfile", "study.yaml")
    assert_same_as(workdir, uninterrupted)


def test_same_config_and_seed_give_identical_results(tmp_path, uninterrupted):
    again = study_copy(tmp_path / "again")
    snakemake(again, TARGET, "--cores", "1", "--configfile", "study.yaml")
    first = json.loads((uninterrupted / TARGET).read_text())
    second = json.loads((again / TARGET).read_text())
    varying = {"seconds", "provenance"}  # timings, and start and end times
    assert {k: v for k, v in first.items() if k not in varying} == {
        k: v for k, v in second.items() if k not in varying
    }
    a = torch.load(uninterrupted / RUN / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(again / RUN / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert (uninterrupted / RUN / "history.csv").read_text().split("\n")[1].split(",")[:3] == (
        (again / RUN / "history.csv").read_text().split("\n")[1].split(",")[:3]
    )
