import gzip
import hashlib
import pickle
import struct
import tarfile
import urllib.error

import numpy as np
import pytest
import torch

from aestudy import StudyError
from aestudy.data.downloads import DownloadError, download_dataset
from aestudy.data.prepared import load_prepared, prepare_dataset
from aestudy.data.readers import read_cifar10_batches, read_idx_folder
from conftest import FASHION_MNIST


def test_embedded_digits_look_like_mnist(digits):
    assert digits["train_images"].shape == (1500, 1, 28, 28)
    assert digits["test_images"].shape == (297, 1, 28, 28)
    assert digits["train_images"].dtype == torch.uint8
    assert digits["train_images"].max() == 255 and digits["train_images"].min() == 0
    assert set(digits["train_labels"].tolist()) == set(range(10))
    assert digits["classes"] == [str(d) for d in range(10)]
    # The documented checksum: SHA-256 over each tensor's name, shape and bytes.
    sha = hashlib.sha256()
    for key in ("train_images", "train_labels", "test_images", "test_labels"):
        sha.update(key.encode() + str(tuple(digits[key].shape)).encode())
        sha.update(digits[key].numpy().tobytes())
    assert digits["checksum"] == sha.hexdigest()


def test_embedded_patches_look_like_cifar(patches):
    assert patches["train_images"].shape[1:] == (3, 32, 32)
    assert patches["test_images"].shape[1:] == (3, 32, 32)
    assert len(patches["train_images"]) == 2 * 21 * 39
    assert len(patches["test_images"]) == 2 * 3 * 39
    assert set(patches["test_labels"].tolist()) == {0, 1}
    assert patches["classes"] == ["china", "flower"]


def test_preparation_is_deterministic():
    assert (
        prepare_dataset("digits", "digits")["checksum"]
        == prepare_dataset("d2", "digits")["checksum"]
    )


def test_prepared_file_round_trip_and_corruption(digits, tmp_path):
    path = tmp_path / "digits.pt"
    torch.save(digits, path)
    loaded = load_prepared(path)
    assert torch.equal(loaded["test_images"], digits["test_images"])
    tampered = dict(digits, train_images=digits["train_images"].clone())
    tampered["train_images"][0, 0, 0, 0] ^= 1
    torch.save(tampered, path)
    with pytest.raises(StudyError, match=f"{path}.*checksum"):
        load_prepared(path)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(StudyError, match=f"{path} cannot be read"):
        load_prepared(path)


def write_idx(path, array, compress):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    data = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_folder_is_read_gzipped_or_not(tmp_path, compress):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (12, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 12),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (5, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 5),
    }
    for name, array in arrays.items():
        write_idx(tmp_path / name, array, compress)
    prepared = prepare_dataset("fashion_mnist", "fashion_mnist", path=str(tmp_path))
    assert prepared["train_images"].shape == (12, 1, 28, 28)
    assert np.array_equal(prepared["test_images"][:, 0].numpy(), arrays["t10k-images-idx3-ubyte"])
    assert prepared["test_labels"].tolist() == arrays["t10k-labels-idx1-ubyte"].tolist()
    assert prepared["classes"][9] == "Ankle boot"
    assert str(tmp_path) in prepared["source"]


def test_idx_folder_missing_or_truncated_file_is_named(tmp_path):
    with pytest.raises(StudyError, match="train-images-idx3-ubyte"):
        read_idx_folder(tmp_path)
    rng = np.random.default_rng(0)
    for name, shape in [
        ("train-images-idx3-ubyte", (4, 28, 28)),
        ("train-labels-idx1-ubyte", (4,)),
        ("t10k-images-idx3-ubyte", (2, 28, 28)),
        ("t10k-labels-idx1-ubyte", (2,)),
    ]:
        write_idx(tmp_path / name, rng.integers(0, 10, shape), compress=False)
    broken = tmp_path / "t10k-images-idx3-ubyte"
    broken.write_bytes(broken.read_bytes()[:-10])
    with pytest.raises(StudyError, match=f"{broken}.*header promises"):
        read_idx_folder(tmp_path)


def write_cifar_batches(folder, rng):
    folder.mkdir(parents=True)
    batches = {}
    for name, n in [*[(f"data_batch_{i}", 3) for i in range(1, 6)], ("test_batch", 2)]:
        batch = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": rng.integers(0, 10, n).tolist(),
        }
        (folder / name).write_bytes(pickle.dumps(batch))
        batches[name] = batch
    return batches


def test_cifar_batches_from_folder_and_archive(tmp_path):
    batches = write_cifar_batches(tmp_path / "cifar-10-batches-py", np.random.default_rng(1))
    from_folder = read_cifar10_batches(tmp_path)
    assert from_folder[0].shape == (15, 3, 32, 32)
    assert np.array_equal(from_folder[2][1].numpy().reshape(-1), batches["test_batch"][b"data"][1])
    assert from_folder[3].tolist() == batches["test_batch"][b"labels"]
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    from_archive = read_cifar10_batches(archive)
    for a, b in zip(from_folder, from_archive, strict=False):
        assert torch.equal(a, b)
    prepared = prepare_dataset("cifar10", "cifar10", path=str(archive))
    assert prepared["classes"][0] == "airplane"


def test_idx_labels_outside_the_classes_are_named(tmp_path):
    rng = np.random.default_rng(0)
    for name, array in {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28)),
        "train-labels-idx1-ubyte": np.array([0, 1, 2, 200, 4, 5]),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (2, 28, 28)),
        "t10k-labels-idx1-ubyte": np.array([0, 1]),
    }.items():
        write_idx(tmp_path / name, array, compress=False)
    with pytest.raises(StudyError) as caught:
        prepare_dataset("fashion_mnist", "fashion_mnist", path=str(tmp_path))
    assert str(caught.value) == (
        "dataset 'fashion_mnist': its train labels run from 0 to 200; expected class "
        "indices 0 to 9 (fashion_mnist)."
    )


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda file: file.write_bytes(b"not a pickle at all"), "cannot be read as a pickle"),
        (
            lambda file: file.write_bytes(
                pickle.dumps({b"data": np.zeros((3, 3000), np.uint8), b"labels": [0, 1, 2]})
            ),
            "holds data of shape (3, 3000) and 3 labels; expected rows of 3072 values",
        ),
        (lambda file: file.write_bytes(pickle.dumps([1, 2, 3])), "has no data and labels"),
        (
            lambda file: file.write_bytes(
                pickle.dumps({b"data": np.zeros((3, 3072), np.uint8), b"labels": [0]})
            ),
            "holds data of shape (3, 3072) and 1 labels",
        ),
    ],
)
def test_a_damaged_cifar_batch_is_named(tmp_path, damage, words):
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar_batches(folder, np.random.default_rng(1))
    damage(folder / "data_batch_3")
    with pytest.raises(StudyError) as caught:
        read_cifar10_batches(tmp_path)
    assert f"CIFAR-10 batch {folder / 'data_batch_3'} " in str(caught.value)
    assert words in str(caught.value)
    # the same batch inside an archive is named by archive and member
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    with pytest.raises(StudyError, match=f"CIFAR-10 batch {archive}:data_batch_3 "):
        read_cifar10_batches(archive)


@pytest.mark.parametrize("content", [b"", b"plain text, not an archive", b"\x1f\x8b\x08broken"])
def test_a_cifar_archive_that_is_not_one_is_named(tmp_path, content):
    archive = tmp_path / "cifar-10-python.tar.gz"
    archive.write_bytes(content)
    with pytest.raises(StudyError) as caught:
        prepare_dataset("cifar10", "cifar10", path=str(archive))
    assert str(caught.value).startswith(f"CIFAR-10 archive {archive} cannot be read (")
    assert "expected the cifar-10-python.tar.gz archive or its unpacked folder" in str(caught.value)


def test_failed_download_says_which_dataset_and_the_ways_out(monkeypatch, tmp_path):
    import torchvision.datasets

    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, "MNIST", unreachable)
    with pytest.raises(DownloadError) as caught:
        download_dataset("mnist", "mnist", tmp_path / "downloads" / "mnist")
    message = str(caught.value)
    assert "'mnist'" in message and "network was unreachable" in message
    assert "datasets.mnist.path" in message and "config/offline.yaml" in message
    assert "\n" not in message
    assert not (tmp_path / "downloads" / "mnist").exists()


@pytest.mark.needs_fmnist
def test_debian_fashion_mnist_is_prepared_in_full():
    prepared = prepare_dataset("fashion_mnist", "fashion_mnist", path=str(FASHION_MNIST))
    assert prepared["train_images"].shape == (60000, 1, 28, 28)
    assert prepared["test_images"].shape == (10000, 1, 28, 28)
    assert torch.bincount(prepared["train_labels"]).tolist() == [6000] * 10
