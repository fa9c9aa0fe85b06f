"""Which device a training job runs on.

Snakemake counts GPUs (`--resources gpu=4`) but does not say which one a job
gets. Under a scheduler that sets CUDA_VISIBLE_DEVICES (SLURM with --gpus) the
job takes the first visible device. Otherwise it claims a free GPU itself by
taking an exclusive lock on one file per slot of a device, `jobs_per_gpu` slots
each (compute.train.jobs_per_gpu); the lock lasts as long as the process, so a
killed job frees its slot at once. Jobs fill each GPU's first slot before any
second, so they spread over the GPUs before they share one.
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


def slot_file(lock_dir, index, slot):
    """The lock file of a GPU's slot (the first slot's name has no number, as when
    every GPU had one)."""
    return Path(lock_dir) / (f"gpu{index}.lock" if slot == 0 else f"gpu{index}.slot{slot}.lock")


def claim_device(preference="auto", lock_dir=None, wait_seconds=3600, poll=0.5, jobs_per_gpu=1):
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
        for slot in range(jobs_per_gpu):
            for index in range(torch.cuda.device_count()):
                handle = open(slot_file(lock_dir, index, slot), "a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                _held.append(handle)
                shared = f", slot {slot + 1} of {jobs_per_gpu}" if jobs_per_gpu > 1 else ""
                return (
                    torch.device("cuda", index),
                    f"cuda:{index} (claimed by lock in {lock_dir}{shared})",
                )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"no free GPU among {torch.cuda.device_count()} ({jobs_per_gpu} job(s) "
                f"each) after {wait_seconds} s"
            )
        time.sleep(poll)


def release_devices():
    while _held:
        _held.pop().close()
