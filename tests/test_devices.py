"""GPU claiming with the device count faked: each job gets a different GPU."""

import subprocess
import sys

import pytest
import torch

from aestudy.training import devices
from conftest import REPO


@pytest.fixture
def four_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    yield
    devices.release_devices()


def test_jobs_claim_different_gpus_and_wait_when_all_are_taken(four_gpus, tmp_path):
    claimed = [devices.claim_device("auto", tmp_path)[0] for _ in range(4)]
    assert [d.index for d in claimed] == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="no free GPU among 4"):
        devices.claim_device("auto", tmp_path, wait_seconds=0.2, poll=0.05)
    devices.release_devices()
    assert devices.claim_device("auto", tmp_path)[0].index == 0


def test_jobs_per_gpu_gives_each_gpu_that_many_slots(four_gpus, tmp_path):
    """Jobs spread over the GPUs first, then share them; a slot's lock is released
    with its job."""
    claimed = [devices.claim_device("auto", tmp_path, jobs_per_gpu=2) for _ in range(8)]
    assert [d.index for d, _ in claimed] == [0, 1, 2, 3, 0, 1, 2, 3]
    assert "slot 1 of 2" in claimed[0][1] and "slot 2 of 2" in claimed[4][1]
    with pytest.raises(RuntimeError, match=r"no free GPU among 4 \(2 job\(s\) each\)"):
        devices.claim_device("auto", tmp_path, wait_seconds=0.2, poll=0.05, jobs_per_gpu=2)
    devices._held.pop(1).close()  # the job on GPU 1's first slot ends
    assert devices.claim_device("auto", tmp_path, jobs_per_gpu=2)[0].index == 1
    # one job per GPU (the default) uses the first slots' locks only
    devices.release_devices()
    assert [devices.claim_device("auto", tmp_path)[0].index for _ in range(4)] == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="no free GPU among 4"):
        devices.claim_device("auto", tmp_path, wait_seconds=0.2, poll=0.05)


def test_a_scheduler_given_device_is_used_as_is(four_gpus, monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    device, note = devices.claim_device("auto", tmp_path)
    assert device == torch.device("cuda", 0) and "CUDA_VISIBLE_DEVICES=3" in note
    assert not list(tmp_path.iterdir())  # no lock taken


def test_cpu_when_there_is_no_gpu_or_cpu_is_asked(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert devices.claim_device("auto", tmp_path) == (torch.device("cpu"), "cpu")
    assert devices.claim_device("cpu", tmp_path)[0].type == "cpu"
    with pytest.raises(RuntimeError, match="no CUDA device"):
        devices.claim_device("cuda", tmp_path)


# A job that claims a GPU and holds it until told to stop (its stdin closes).
CLAIM = """
import sys, torch
torch.cuda.is_available = lambda: True
torch.cuda.device_count = lambda: 4
from aestudy.training.devices import claim_device
print(claim_device("auto", sys.argv[1], wait_seconds=0, poll=0.01)[0].index, flush=True)
sys.stdin.read()
"""


def test_concurrent_processes_get_different_gpus(tmp_path):
    env = {"PYTHONPATH": str(REPO / "workflow/scripts"), "PATH": "/usr/bin:/bin"}

    def start():
        return subprocess.Popen(
            [sys.executable, "-c", CLAIM, str(tmp_path)],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    # Every job holds its GPU until its stdin closes, so once four have answered all
    # four GPUs are taken, however the processes were scheduled.
    holders = [start() for _ in range(4)]
    try:
        indices = sorted(int(process.stdout.readline()) for process in holders)
        fifth_error = start().communicate(timeout=60)[1]
    finally:
        for process in holders:
            process.stdin.close()
            process.wait(timeout=60)
    assert indices == [0, 1, 2, 3]
    assert "no free GPU among 4" in fifth_error
