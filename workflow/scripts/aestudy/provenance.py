"""Where a run came from: settings, software, machine, device and time."""

import os
import platform
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def now():
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit(folder=Path(__file__).parent):
    """The commit of the checkout the workflow's code comes from (not the working
    directory, which may be anywhere), or None outside git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_versions():
    import numpy
    import torch

    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "numpy": numpy.__version__,
        "cuda": torch.version.cuda,
    }


def describe_run(spec, device_note, threads, started):
    """The provenance record stored with a run's weights and copied to metrics.json."""
    return dict(
        settings=spec,
        versions=package_versions(),
        device=device_note,
        threads=threads,
        host=socket.gethostname(),
        slurm_job_id=os.environ.get("SLURM_JOB_ID"),
        cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),
        git_commit=git_commit(),
        started=started,
        finished=now(),
    )


def git_dirty(folder=Path(__file__).parent):
    """True when the checkout has changes not committed (files the index tracks,
    or new files it does not ignore), None outside git."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain"], cwd=folder, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None
