"""Bad input stops with one sentence and leaves nothing behind; damaged files are
named, never used."""

import csv
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from test_config import BAD

from aestudy import StudyError
from aestudy.runs import load_run
from conftest import copy_repository, snakemake


@pytest.mark.workflow
@pytest.mark.parametrize("raw, words", [BAD[0], BAD[5], BAD[13], BAD[20]])
def test_bad_config_through_snakemake_writes_nothing(tmp_path, raw, words):
    workdir = copy_repository(tmp_path)
    (workdir / "bad.yaml").write_text(yaml.safe_dump(raw))
    process = snakemake(workdir, "--cores", "2", "--configfile", "bad.yaml", check=False)
    assert process.returncode != 0
    line = next(line for line in process.stderr.splitlines() if line.startswith("Config error:"))
    for word in words:
        assert word in line
    assert not (workdir / "results").exists() and not (workdir / "logs").exists()


def save_run(path, digits_shape=(1, 28, 28), latent_dim=3, seed=0):
    from aestudy.models import build_model

    spec = dict(kind="ae", hidden=[16])
    model = build_model(spec, digits_shape, latent_dim)
    torch.save(dict(state_dict=model.state_dict(), spec=spec, latent_dim=latent_dim, seed=seed,
                    status="ok"), path)  # fmt: skip


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


def test_weights_are_loaded_without_unpickling_code(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"state_dict": {}, "spec": np.dtype("float32")}, path)  # not a plain type
    with pytest.raises(StudyError, match="cannot be used"):
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
    from aestudy.data import load_prepared

    assert load_prepared(output)["train_images"].shape == (20, 1, 28, 28)
    # A downloaded file changed afterwards is named, and nothing is prepared from it.
    output.unlink()
    (folder / "MNIST/raw/train").write_bytes(b"edited")
    with pytest.raises(StudyError, match=f"{folder}/MNIST/raw/train is missing or fails"):
        prepare_data.main(str(output), "mnist", {"format": "mnist"}, str(folder))
    assert not output.exists()


DIVERGING = {
    "seeds": [0, 1],
    "models": {
        "ae": {"kind": "ae", "dataset": "digits", "latent_dims": [2], "epochs": 2},
        "vae": {"kind": "vae", "dataset": "digits", "latent_dims": [2], "epochs": 4, "lr": 1.0e6},
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
    assert status[("ae", "0")] == status[("ae", "1")] == ("ok", "")
    for seed in ("0", "1"):
        assert status[("vae", seed)][0] == "diverged" and 1 <= int(status[("vae", seed)][1]) <= 4
    markdown = (workdir / "results/tables/summary.md").read_text()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()]
    assert ["vae", "digits", "2", "2 (2 diverged)", "diverged"] in [row[:5] for row in cells]
    html = (workdir / "results/report/index.html").read_text(encoding="utf-8")
    assert "No run of vae at latent size 2 finished: all 2 diverged." in html
    assert "Run vae, latent size 2, seed 1 diverged at epoch" in html
    assert "2 of 4 runs diverged" in html
