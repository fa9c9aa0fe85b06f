"""Which device a training job runs on.

Snakemake counts GPUs (`--resources gpu=4`) but does not say which one a job
gets. Under a scheduler that sets CUDA_VISIBLE_DEVICES (SLURM with --gpus) the
job takes the first visible device. Otherwise it claims a free GPU itself by
taking an exclusive lock on one file per device; the lock lasts as long as the
process, so a killed job frees its GPU at once.
"""

import fcntl
import os
import tempfile
import time
from pathlib import Path

import torch

LOCK_DIR = Path(
    os.environ.get("AESTUDY_GPU_LOCK_DIR", Path(tempfile.gettempdir()) / "aestudy-gpu-locks")
)
_held = []  # open lock files of this process: closing one would free its GPU


def claim_device(preference="auto", lock_dir=None, wait_seconds=3600, poll=0.5):
    """(torch.device, a note on how it was chosen)."""
    if preference == "cpu" or (preference == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu"), "cpu"
    if preference == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("compute.device is 'cuda' but PyTorch finds no CUDA device")
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return torch.device(
            "cuda", 0
        ), f"cuda:0 (CUDA_VISIBLE_DEVICES={visible}, set by the scheduler)"
    lock_dir = Path(lock_dir or LOCK_DIR)
    lock_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for index in range(torch.cuda.device_count()):
            handle = open(lock_dir / f"gpu{index}.lock", "a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            _held.append(handle)
            return torch.device("cuda", index), f"cuda:{index} (claimed by lock in {lock_dir})"
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"no free GPU among {torch.cuda.device_count()} after {wait_seconds} s"
            )
        time.sleep(poll)


def release_devices():
    while _held:
        _held.pop().close()
