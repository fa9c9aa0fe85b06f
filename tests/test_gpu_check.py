"""benchmarks/gpu/run.sh, the GPU check, where there is no GPU: it runs up to its
first CUDA call and stops there with one sentence; without its wheels it stops
before anything else, naming the folder."""

import os
import subprocess
import sys

from conftest import REPO

RUN = REPO / "benchmarks" / "gpu" / "run.sh"


def gpu_check(tmp_path, *options):
    # CUDA_VISIBLE_DEVICES="" hides any GPU, so the test means the same everywhere.
    env = dict(os.environ, PYTHON=sys.executable, OUT=str(tmp_path / "out"))
    env["CUDA_VISIBLE_DEVICES"] = ""
    return subprocess.run(
        ["bash", str(RUN), *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )


def test_without_a_gpu_the_check_stops_at_its_first_cuda_call(tmp_path):
    process = gpu_check(tmp_path, "--skip-install")
    assert process.returncode == 3, process.stdout + process.stderr
    sentence = process.stdout.strip().splitlines()[-1]
    assert sentence.startswith("No GPU is present: PyTorch ")
    assert sentence.endswith("so the GPU check stops here.")
    out = tmp_path / "out"
    summary = (out / "summary.md").read_text()
    # The versions came first, against the pins; nothing after the CUDA call ran.
    assert "| torch | 2.14.1 |" in summary and "Differ from the pins:" in summary
    assert summary.rstrip().endswith(sentence)
    assert sorted(p.name for p in out.iterdir()) == ["summary.md", "versions.log"]


def test_without_its_wheels_the_check_names_the_folder(tmp_path):
    empty = tmp_path / "wheels"
    empty.mkdir()
    process = gpu_check(tmp_path, "--wheels", str(empty))
    assert process.returncode == 2
    assert process.stdout.startswith(f"No wheels in {empty}: run benchmarks/gpu/prepare_wheels.sh")
    assert not (tmp_path / "out" / "versions.log").exists()
