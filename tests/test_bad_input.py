"""Bad input stops with one sentence and leaves nothing behind; damaged files are
named, never used."""

import csv
import urllib.error
from pathlib import Path

import pytest
import torch
import yaml
from figure_pixels import grid_shape, is_a_picture, red_share
from test_config import BAD, MESSAGE

from aestudy import StudyError
from aestudy.checksums import digest
from aestudy.evaluation.saved_runs import load_run
from conftest import (
    copy_repository,
    model_spec,
    planned_jobs,
    skip_or_fail,
    snakemake,
    trained_runs,
)


@pytest.mark.workflow
@pytest.mark.parametrize("raw, words", [BAD[0], BAD[5], BAD[13], BAD[20]])
def test_bad_config_through_snakemake_writes_nothing(tmp_path, raw, words):
    workdir = copy_repository(tmp_path)
    (workdir / "bad.yaml").write_text(yaml.safe_dump(raw))
    process = snakemake(workdir, "--cores", "2", "--configfile", "bad.yaml", check=False)
    # As the README promises: exit status 1 and one sentence, no traceback.
    assert process.returncode == 1
    lines = [line for line in process.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Config error: ") and MESSAGE.fullmatch(lines[-1][14:])
    assert "Traceback" not in process.stderr and "Error" not in "\n".join(lines[:-1])
    for word in words:
        assert word in lines[-1]
    assert not (workdir / "results").exists() and not (workdir / "logs").exists()


BOMB = "\n".join(
    [
        "a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
        *[f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)],
        "models: {ae: {kind: ae}}",
    ]
)


@pytest.mark.workflow
@pytest.mark.parametrize(
    "study, words",
    [
        ("{}\n", "the study file {path} names no models; expected a 'models' mapping"),
        ("seeds: [0]\n", "the study file {path} names no models"),
        ("models:\n  yes: {kind: ae}\n", "config key 'models' has the name True"),
        ("models:\n  ? null\n  : {kind: ae}\n", "config key 'models' has the name None"),
        (BOMB, "the config holds more than 100000 values once its YAML aliases"),
    ],
)
def test_a_study_file_at_the_edges_is_refused_when_planning(tmp_path, study, words):
    workdir = copy_repository(tmp_path)
    (workdir / "study.yaml").write_text(study)
    process = snakemake(workdir, "--cores", "2", "--configfile", "study.yaml", check=False)
    assert process.returncode == 1
    lines = [line for line in process.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Config error: ") and "Traceback" not in process.stderr
    assert words.format(path=workdir / "study.yaml") in lines[-1], lines[-1]
    assert not (workdir / "results").exists() and not (workdir / "logs").exists()


@pytest.mark.workflow
def test_config_overrides_of_lists_and_mappings_are_read_as_yaml(tmp_path):
    workdir = copy_repository(tmp_path)
    process = snakemake(
        workdir,
        *["-n", "--cores", "2", "--configfile", "config/smoke.yaml"],
        *["--config", "seeds=[3]", "evaluation={iw_samples: 7, batch_size: 50}"],
    )
    jobs = planned_jobs(process.stdout)
    trained = {(run["model"], run["seed"]) for run in trained_runs(jobs)}
    assert ("ae", "3") in trained and ("ae", "0") not in trained
    assert "Config error" not in process.stderr


@pytest.mark.workflow
@pytest.mark.parametrize(
    "damage, words",
    [
        ("archive", "CIFAR-10 archive {path} cannot be read ("),
        ("batch", "CIFAR-10 batch {path}:data_batch_1 cannot be read as a pickle"),
    ],
)
def test_a_damaged_data_file_is_named_by_the_preparation_job(tmp_path, damage, words):
    import io
    import tarfile

    workdir = copy_repository(tmp_path)
    archive = tmp_path / "cifar-10-python.tar.gz"
    if damage == "archive":
        archive.write_bytes(b"not a gzip file")
    else:
        with tarfile.open(archive, "w:gz") as tar:
            member = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
            member.size = 5
            tar.addfile(member, io.BytesIO(b"bytes"))
    study = {
        "datasets": {"cifar10": {"path": str(archive)}},
        "models": {"c": {"kind": "cnn_ae", "dataset": "cifar10", "epochs": 1}},
    }
    (workdir / "study.yaml").write_text(yaml.safe_dump(study))
    process = snakemake(
        workdir,
        *["results/data/cifar10.pt", "--cores", "1", "--configfile", "study.yaml"],
        check=False,
    )
    assert process.returncode == 1, process.stderr
    log = (workdir / "logs/prepare_data/cifar10.log").read_text()
    assert words.format(path=archive) in log, log
    assert "Traceback" not in log
    assert not (workdir / "results/data/cifar10.pt").exists()


def save_run(path, digits_shape=(1, 28, 28), latent_dim=3, seed=0):
    """A weights file as train_autoencoder writes it."""
    from aestudy.kinds import build_model

    spec = model_spec("ae", hidden=[16])
    state_dict = build_model(spec, digits_shape, latent_dim).state_dict()
    torch.save(
        dict(
            state_dict=state_dict,
            weights_sha256=digest(state_dict),
            spec=spec,
            latent_dim=latent_dim,
            seed=seed,
            status="ok",
        ),
        path,
    )


def test_truncated_weights_file_is_named(tmp_path):
    path = tmp_path / "z3" / "seed0" / "model.pt"
    path.parent.mkdir(parents=True)
    save_run(path)
    assert load_run(path, (1, 28, 28), {"latent_dim": 3, "seed": 0})[1]["latent_dim"] == 3
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(StudyError, match=f"weights file {path} cannot be used"):
        load_run(path, (1, 28, 28))


def test_weights_of_another_run_are_named(tmp_path):
    path = tmp_path / "model.pt"
    save_run(path, latent_dim=3, seed=1)
    with pytest.raises(StudyError, match="holds a run with seed = 1, not 0"):
        load_run(path, (1, 28, 28), {"latent_dim": 3, "seed": 0})
    with pytest.raises(StudyError, match="cannot be used"):  # other image shape
        load_run(path, (3, 32, 32))


class LeavesAMark:
    """Unpickling this object calls open(marker, "w"): code run by loading a file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_weights_are_loaded_without_unpickling_code(tmp_path):
    path, marker = tmp_path / "model.pt", tmp_path / "code-ran"
    save_run(path)
    run = torch.load(path, weights_only=True)
    torch.save(dict(run, spec=LeavesAMark(marker)), path)
    with pytest.raises(StudyError, match=f"weights file {path} cannot be used"):
        load_run(path, (1, 28, 28))
    assert not marker.exists()


def test_edited_weights_fail_their_checksum(tmp_path):
    path = tmp_path / "model.pt"
    save_run(path)
    run = torch.load(path, weights_only=True)
    run["state_dict"]["encoder.0.weight"][0, 0] += 0.5  # still finite, still loadable
    torch.save(run, path)
    with pytest.raises(StudyError, match=f"weights file {path} fails its checksum"):
        load_run(path, (1, 28, 28))


class BrokenDownload:
    """A download that leaves a partial file behind and then fails."""

    def __init__(self, root, train=True, download=True):
        (Path(root) / "MNIST").mkdir(parents=True, exist_ok=True)
        (Path(root) / "MNIST" / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b partial")
        raise urllib.error.URLError("connection reset by peer")


class WorkingDownload:
    """Writes a raw file as a download would, and serves tensors when read back."""

    def __init__(self, root, train=True, download=True):
        raw = Path(root) / "MNIST" / "raw" / ("train" if train else "test")
        if download:
            raw.parent.mkdir(parents=True, exist_ok=True)
            raw.write_bytes(b"raw bytes %d" % train)
        n = 20 if train else 8
        self.data = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8)
        self.targets = torch.arange(n) % 10


def test_broken_download_leaves_nothing_and_is_retried(monkeypatch, tmp_path):
    import download_dataset
    import prepare_data
    import torchvision.datasets

    folder = tmp_path / "results/data/downloads/mnist"
    output = tmp_path / "results/data/mnist.pt"
    monkeypatch.setattr(torchvision.datasets, "MNIST", BrokenDownload)
    with pytest.raises(StudyError, match="'mnist' could not be downloaded"):
        download_dataset.main(str(folder), "mnist", "mnist")
    assert not list(folder.parent.iterdir())  # no folder, no partial temporary one
    monkeypatch.setattr(torchvision.datasets, "MNIST", WorkingDownload)
    download_dataset.main(str(folder), "mnist", "mnist")
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert [line.split("  ")[1] for line in sums] == ["MNIST/raw/test", "MNIST/raw/train"]
    prepare_data.main(str(output), "mnist", {"format": "mnist"}, str(folder))
    from aestudy.data.prepared import load_prepared

    assert load_prepared(output)["train_images"].shape == (20, 1, 28, 28)
    # A downloaded file changed afterwards is named, and nothing is prepared from it.
    output.unlink()
    (folder / "MNIST/raw/train").write_bytes(b"edited")
    with pytest.raises(StudyError, match=f"{folder}/MNIST/raw/train is missing or fails"):
        prepare_data.main(str(output), "mnist", {"format": "mnist"}, str(folder))
    assert not output.exists()


DIVERGING = {
    "seeds": [0, 1],
    # the VAE also on a dataset made for anomaly detection, whose figures include
    # the anomaly scores and the ROC
    "datasets": {"no_ones": {"anomaly": {"from": "digits", "normal_classes": [0, 2, 3]}}},
    "models": {
        # a run that finishes, beside them
        "ae": {"kind": "ae", "dataset": "digits", "latent_dims": [2], "epochs": 2, "seeds": [0]},
        "vae": {"kind": "vae", "dataset": "no_ones", "latent_dims": [2], "epochs": 4, "lr": 1.0e6},
    },
    "evaluation": {"iw_samples": 5},
    "compute": {"train": {"threads": 1, "gpu": 1, "mem_mb": 2000, "runtime": 10}},
}


@pytest.mark.workflow
def test_a_diverged_run_is_shown_as_diverged_and_the_study_goes_on(tmp_path):
    workdir = copy_repository(tmp_path)
    (workdir / "study.yaml").write_text(yaml.safe_dump(DIVERGING))
    snakemake(workdir, "--cores", "2", "--configfile", "study.yaml")
    with open(workdir / "results/tables/metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    status = {(r["model"], r["seed"]): (r["status"], r["diverged_epoch"]) for r in rows}
    assert status[("ae", "0")] == ("ok", "") and ("ae", "1") not in status
    for seed in ("0", "1"):
        assert status[("vae", seed)][0] == "diverged" and 1 <= int(status[("vae", seed)][1]) <= 4
    markdown = (workdir / "results/tables/summary.md").read_text()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()]
    assert ["vae", "no_ones", "2", "2 (2 diverged)", "diverged"] in [row[:5] for row in cells]
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    assert "No run of vae at latent size 2 finished: all 2 diverged." in html
    assert "Run vae, latent size 2, seed 1 diverged at epoch" in html
    assert "2 of 3 runs diverged" in html
    # The diverged runs' figures say so (in red) instead of showing pictures of NaN.
    for kind in ("reconstructions", "latent_space", "interpolation", "samples", "manifold"):
        diverged = workdir / f"results/figures/vae/z2/seed0/{kind}.png"
        finished = workdir / f"results/figures/ae/z2/seed0/{kind}.png"
        assert red_share(diverged) > 0.3 and grid_shape(diverged) == (0, 0), kind
        assert red_share(finished) < 0.1 and is_a_picture(finished), kind
    for kind in ("traversal", "kl_per_dimension", "anomaly_scores"):
        assert red_share(workdir / f"results/figures/vae/z2/seed1/{kind}.png") > 0.3, kind
    # The ROC of a dataset whose every model diverged has no curve, and says nothing false.
    assert (workdir / "results/figures/dataset-no_ones/roc.png").exists()


@pytest.mark.workflow
def test_the_default_study_without_network_stops_with_one_sentence(tmp_path):
    workdir = copy_repository(tmp_path)
    # Every download goes through a proxy that refuses connections: no network,
    # wherever the test runs.
    closed = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    process = snakemake(workdir, "--cores", "1", check=False, env=closed)
    assert process.returncode == 1
    sentence = "error: dataset '{}' could not be downloaded: the network was unreachable"
    assert any(
        sentence.format("mnist") in line or sentence.format("cifar10") in line
        for line in process.stderr.splitlines()
    )
    assert "Traceback" not in process.stderr
    log = next((workdir / "logs/download_dataset").glob("*.log")).read_text().strip()
    assert len(log.splitlines()) == 1 and "config/offline.yaml." in log
    # Nothing downloaded half-way is left to look finished.
    assert not (workdir / "results/data/downloads").exists() or not any(
        (workdir / "results/data/downloads").iterdir()
    )


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_full_device_is_named_in_one_sentence(tmp_path, monkeypatch):
    """ENOSPC from a plain write, and torch.save's errno-less stream error on a
    device with no space left, both become one sentence naming the file; nothing
    half-written is left."""
    import errno
    import shutil
    from collections import namedtuple

    import torch

    from aestudy import StudyError
    from aestudy.atomic_files import torch_save, write_json

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", no_space)
    with pytest.raises(
        StudyError, match=r"could not write .*metrics\.json: the device .* no space"
    ):
        write_json(tmp_path / "metrics.json", {"a": 1})
    monkeypatch.undo()
    assert _leftovers(tmp_path) == []

    def stream_error(obj, target):
        Path(target).write_bytes(b"partial")
        raise RuntimeError("basic_ios::clear: iostream error")

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(torch, "save", stream_error)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9, 512))
    with pytest.raises(StudyError, match=r"model\.pt: .* no space left \(512 bytes free\)"):
        torch_save(tmp_path / "model.pt", {"w": 1})
    assert _leftovers(tmp_path) == []
    # with room on the device the writer's own error is not disguised
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**12, 0, 10**12))
    with pytest.raises(RuntimeError, match="iostream error"):
        torch_save(tmp_path / "model.pt", {"w": 1})


def test_a_real_full_file_system_stops_a_save_with_one_sentence(tmp_path):
    """A 64 KiB tmpfs (where this machine lets the tests mount one): saving a
    larger model fails with the sentence and leaves the folder empty."""
    import subprocess

    import torch

    from aestudy import StudyError
    from aestudy.atomic_files import torch_save

    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tmp_path)], capture_output=True
    )
    if mount.returncode != 0:
        skip_or_fail("mounting a small tmpfs needs root (mount -t tmpfs)")
    try:
        with pytest.raises(StudyError, match=r"could not write .*model\.pt: .* no space left"):
            torch_save(tmp_path / "model.pt", {"w": torch.zeros(100_000)})
        assert _leftovers(tmp_path) == []
    finally:
        subprocess.run(["umount", str(tmp_path)], check=True)


@pytest.mark.parametrize(
    "error",
    [PermissionError(13, "Permission denied"), OSError(30, "Read-only file system")],
    ids=["permission", "read-only file system"],
)
def test_a_results_folder_that_cannot_be_written_is_named_in_one_sentence(
    tmp_path, monkeypatch, error
):
    """A read-only results folder (a read-only mount, or one owned by another user)
    stops a job with one sentence naming the file and the folder; root writes
    through permission bits, so the refusal is the system's, raised where the
    temporary file is made."""
    import tempfile

    from aestudy import StudyError
    from aestudy.atomic_files import atomic_folder, write_json

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    target = tmp_path / "results" / "metrics.json"
    with pytest.raises(
        StudyError, match=r"could not write .*metrics\.json: .*results is not writable"
    ):
        write_json(target, {"a": 1})
    with pytest.raises(StudyError, match=r"could not write .*downloads: .* is not writable"):
        with atomic_folder(tmp_path / "downloads"):
            pass
    # any other failure is not dressed up as this one
    monkeypatch.setattr(
        tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "EIO"))
    )
    with pytest.raises(OSError, match="EIO"):
        write_json(target, {"a": 1})
