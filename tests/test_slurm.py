"""The smoke study submitted through profiles/slurm to a real single-node SLURM
cluster brought up for the test (Debian's slurm-wlm and munge, one fake GPU)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, copy_repository, skip_or_fail, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.needs_slurm]
SCRIPTS = REPO / "tests" / "slurm"


def why_no_cluster():
    if os.geteuid() != 0:
        return "starting SLURM daemons for the test needs root"
    existing = Path("/etc/slurm/slurm.conf")
    if existing.is_symlink() and not existing.exists():
        # a link into the folder of a test run that crashed before stop_cluster.sh
        for link in ("slurm.conf", "gres.conf"):
            (existing.parent / link).unlink(missing_ok=True)
    if existing.exists() or existing.is_symlink():
        return (
            "this machine already has /etc/slurm/slurm.conf; the test leaves a real cluster alone"
        )
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = why_no_cluster()
    if reason:
        skip_or_fail(reason)
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


# A run of each of the course's kinds, and one on a dataset made for anomaly
# detection (its preparation from another prepared dataset runs on the cluster too).
CLUSTER_RUNS = ["ae/z2/seed0", "cnn_ae/z64/seed1", "vae/z20/seed0", "vae_anomaly/z4/seed0"]
# Figures of the first run, drawn in the same SLURM job as its evaluation.
CLUSTER_FIGURES = ["loss_curve", "reconstructions"]


def test_smoke_study_through_the_slurm_profile(cluster, smoke_study, tmp_path):
    workdir = copy_repository(tmp_path / "cluster-run")
    targets = [f"results/runs/{run}/metrics.json" for run in CLUSTER_RUNS]
    figures = [f"results/figures/{CLUSTER_RUNS[0]}/{figure}.png" for figure in CLUSTER_FIGURES]
    process = snakemake(
        workdir,
        *targets,
        *figures,
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
        "--seconds-between-status-checks",
        "2",
        "--jobs",
        "4",
        "--latency-wait",
        "5",
    )
    job_ids = set()
    for target in targets:
        provenance = json.loads((workdir / target).read_text())["provenance"]
        assert provenance["slurm_job_id"], f"{target} was not trained in a SLURM job"
        assert provenance["cuda_visible_devices"] == "0", "SLURM did not hand the job its GPU"
        # The test's GPU is a stand-in (/dev/null): PyTorch finds no CUDA behind it.
        assert provenance["device"] == "cpu"
        job_ids.add(provenance["slurm_job_id"])
    # one SLURM job per training job: each target is in a group of seeds of its own
    # (ae z2 and vae z20 train seeds 0 and 1 together), the CNN-AE's run alone
    assert len(job_ids) == len(targets)
    # What the profile and the study's compute settings promise reaches sbatch:
    # threads, memory, run time, the GPU, and requeueing after preemption.
    calls = [
        line.split("--wrap")[0]
        for line in process.stderr.splitlines()
        if line.startswith("sbatch call:")
    ]
    train = [c for c in calls if "--comment rule_train_" in c]
    together = [c for c in train if "--comment rule_train_together_seeds" in c]
    assert len(together) == 3, train  # ae z2 (seeds 0, 1), vae z20 (0, 1), vae_anomaly (0)
    prepare = [c for c in calls if "--comment rule_prepare_data_" in c]
    # A run's evaluation and figures are one SLURM job (a group), never jobs of their own.
    groups = [c for c in calls if "--comment rule_run_" in c]
    assert len(train) == len(groups) == len(targets) and len(prepare) == 3
    assert len(calls) == len(train) + len(groups) + len(prepare)
    for call in train:
        options = call.split()
        assert {"--requeue", "--cpus-per-task=1", "--gpus=1"} <= set(options), call
        # 10 minutes a run: a job of seeds 0 and 1 gets 20
        minutes = 20 if "--comment rule_train_together_seeds0_1_" in call else 10
        assert f" -t {minutes} " in call and " --mem 2000 " in call, call
    for call in groups:
        options = call.split()
        assert "--requeue" in options and "--gpus" not in call, call
        # A group asks for what its largest part asks (the smoke study's evaluation and
        # figure jobs: 1 thread; 2000 and 4000 MB), its parts one after another.
        assert "--cpus-per-task=1" in options, call
        assert int(options[options.index("--mem") + 1]) <= 4000, call
    members = {
        rule
        for line in process.stderr.splitlines()
        if line.startswith("sbatch call:") and "--comment rule_run_ae_z2_seed0" in line
        for rule in ("evaluate_run", "figure_data", "plot_loss_curve", "plot_reconstructions")
        if f"'{rule}:model=ae,latent_dim=2,seed=0'" in line
    }
    assert len(members) == 4, members
    for figure in figures:
        assert (workdir / figure).read_bytes() == (smoke_study[0] / figure).read_bytes()
    # The cluster's numbers equal the local run's.
    for target in targets:
        local = json.loads((smoke_study[0] / target).read_text())
        remote = json.loads((workdir / target).read_text())
        for key in (
            "test_mse",
            "test_bce",
            "test_psnr",
            "denoised_psnr",
            "elbo",
            "kl",
            "iw_ll",
            "anomaly_auc",
            "params",
            "status",
        ):
            assert remote[key] == local[key], (target, key)
