"""The smoke study submitted through profiles/slurm to a real single-node SLURM
cluster brought up for the test (Debian's slurm-wlm and munge, one fake GPU)."""

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, copy_repository, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.needs_slurm]
SCRIPTS = REPO / "tests" / "slurm"


def why_no_cluster():
    if os.geteuid() != 0:
        return "starting SLURM daemons for the test needs root"
    existing = Path("/etc/slurm/slurm.conf")
    if existing.exists() or existing.is_symlink():
        return (
            "this machine already has /etc/slurm/slurm.conf; the test leaves a real cluster alone"
        )
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = why_no_cluster()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("slurm")
    env = dict(os.environ, BASE=str(base), PATH=os.environ["PATH"] + ":/usr/sbin:/sbin")
    try:
        started = subprocess.run(
            ["bash", SCRIPTS / "start_cluster.sh"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode == 0, started.stdout + started.stderr
        yield base
    finally:
        subprocess.run(["bash", SCRIPTS / "stop_cluster.sh"], env=env, timeout=60)


def rows(path):
    with open(path) as handle:
        return {(r["model"], r["latent_dim"], r["seed"]): r for r in csv.DictReader(handle)}


def test_smoke_study_through_the_slurm_profile(cluster, smoke_study, tmp_path):
    workdir = copy_repository(tmp_path / "cluster-run")
    process = snakemake(
        workdir,
        "results/tables/metrics.csv",
        "--verbose",
        "--profile",
        "profiles/slurm",
        "--configfile",
        "config/smoke.yaml",
        # This test cluster keeps no accounting: squeue answers for job states (see the
        # profile), and quick status checks keep the test short.
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--jobs",
        "4",
        "--latency-wait",
        "5",
    )
    runs = sorted((workdir / "results/runs").glob("*/z*/seed*/metrics.json"))
    assert len(runs) == 12
    job_ids = set()
    for path in runs:
        provenance = json.loads(path.read_text())["provenance"]
        assert provenance["slurm_job_id"], f"{path} was not trained in a SLURM job"
        assert provenance["cuda_visible_devices"] == "0", "SLURM did not hand the job its GPU"
        # The test's GPU is a stand-in (/dev/null): PyTorch finds no CUDA behind it.
        assert provenance["device"] == "cpu"
        job_ids.add(provenance["slurm_job_id"])
    assert len(job_ids) == 12  # one SLURM job per training run
    # What the profile and the study's compute settings promise reaches sbatch:
    # threads, memory, run time, the GPU, and requeueing after preemption.
    calls = [
        line.split("--wrap")[0]
        for line in process.stderr.splitlines()
        if line.startswith("sbatch call:")
    ]
    train = [c for c in calls if "--comment rule_train_autoencoder_" in c]
    evaluate = [c for c in calls if "--comment rule_evaluate_run_" in c]
    assert len(train) == len(evaluate) == 12
    for call in train:
        options = call.split()
        assert {"--requeue", "--cpus-per-task=1", "--gpus=1"} <= set(options), call
        assert " -t 10 " in call and " --mem 2000 " in call, call
    for call in evaluate:
        assert " -t 10 " in call and " --mem 2000 " in call and "--requeue" in call, call
        assert "--gpus" not in call, call
    # The cluster's numbers equal the local run's.
    local, remote = (
        rows(smoke_study[0] / "results/tables/metrics.csv"),
        rows(workdir / "results/tables/metrics.csv"),
    )
    assert local.keys() == remote.keys()
    for key, row in local.items():
        for column in ("test_mse", "test_bce", "elbo", "kl", "iw_ll", "params", "status"):
            assert remote[key][column] == row[column], (key, column)
