"""Downloads through torchvision from a real web server on 127.0.0.1, serving
small files in the layouts torchvision fetches (MNIST's four gzipped IDX files,
CIFAR-10's archive of pickled batches), with torchvision's URLs and checksums
pointed at it: the pipeline's download job, its SHA256SUMS, preparing, and the
one sentence of each way a download fails. No test reaches past 127.0.0.1."""

import errno
import gzip
import hashlib
import http.server
import os
import pickle
import socket
import struct
import subprocess
import tarfile
import threading
import urllib.error
from functools import partial

import download_dataset as download_job
import numpy as np
import prepare_data
import pytest
import torch
import torchvision.datasets as tvd
import torchvision.datasets.utils as tv_utils

from aestudy.data.downloads import CHECKSUM_FILE, DownloadError, failure_cause
from aestudy.data.prepared import load_prepared
from aestudy.data.readers import read_cifar10_batches
from conftest import skip_or_fail

WAYS_OUT = (
    "either point 'datasets.{}.path' in the config at a local copy of its original files, or "
    "install Debian's package dataset-fashion-mnist and run the offline study with "
    "--configfile config/offline.yaml."
)
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer"]
CIFAR_CLASSES += ["dog", "frog", "horse", "ship", "truck"]


@pytest.fixture(autouse=True)
def _no_network_beyond_localhost(monkeypatch):
    """No proxy, and no name but 127.0.0.1 resolves: a URL left unpatched fails
    here instead of reaching the internet."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    resolve = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", b"127.0.0.1"):
            raise socket.gaierror(socket.EAI_NONAME, f"this test resolves 127.0.0.1 only: {host}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A web server on 127.0.0.1 in a thread: (the folder it serves, its base URL)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def closed_port():
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def md5(data):
    return hashlib.md5(data).hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def idx(array):
    return struct.pack(f">4B{array.ndim}I", 0, 0, 8, array.ndim, *array.shape) + array.tobytes()


def serve_mnist(root, train=20, test=10):
    """The four gzipped IDX files in `root`: (their arrays, torchvision's
    `resources` for them, the SHA-256 of each file a download keeps)."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(test) * 3 % 10).astype(np.uint8),
    }
    resources, sums = [], {}
    for stem, array in arrays.items():
        raw = idx(array)
        packed = gzip.compress(raw, mtime=0)
        (root / f"{stem}.gz").write_bytes(packed)
        resources.append((f"{stem}.gz", md5(packed)))
        sums |= {f"MNIST/raw/{stem}.gz": sha256(packed), f"MNIST/raw/{stem}": sha256(raw)}
    return arrays, resources, sums


def py2_pickle(batch):
    """`batch` pickled as CIFAR-10's batches were, by Python 2: its keys are Python 2
    strings, which torchvision (encoding="latin1") reads as str and the pipeline's
    own reader (encoding="bytes") as bytes."""
    parts = [pickle.PROTO, b"\x02", pickle.EMPTY_DICT, pickle.MARK]
    for key, value in batch.items():  # each value a protocol-2 pickle less PROTO and STOP
        parts += [pickle.SHORT_BINSTRING, bytes([len(key)]), key, pickle.dumps(value, 2)[2:-1]]
    return b"".join([*parts, pickle.SETITEMS, pickle.STOP])


def serve_cifar(root, build, per_batch=4, test=10):
    """cifar-10-python.tar.gz in `root`: (the rows and labels of train and test,
    torchvision's class attributes for it, the SHA-256 of each file a download keeps)."""
    rng = np.random.default_rng(1)
    folder = build / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    sizes = {f"data_batch_{i}": per_batch for i in range(1, 6)} | {"test_batch": test}
    rows, labels, md5s, sums = {}, {}, {}, {}
    for number, (name, size) in enumerate(sizes.items()):
        rows[name] = rng.integers(0, 256, (size, 3072), dtype=np.uint8)
        labels[name] = [(i + number) % 10 for i in range(size)]
        batch = {b"batch_label": f"{name} of 6", b"labels": labels[name], b"data": rows[name]}
        (folder / name).write_bytes(py2_pickle(batch))
    meta = {b"num_cases_per_batch": per_batch, b"label_names": CIFAR_CLASSES, b"num_vis": 3072}
    (folder / "batches.meta").write_bytes(py2_pickle(meta))
    for file in folder.iterdir():
        md5s[file.name] = md5(file.read_bytes())
        sums[f"cifar-10-batches-py/{file.name}"] = sha256(file.read_bytes())
    archive = root / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    sums["cifar-10-python.tar.gz"] = sha256(archive.read_bytes())
    attributes = {
        "tgz_md5": md5(archive.read_bytes()),
        "train_list": [[f"data_batch_{i}", md5s[f"data_batch_{i}"]] for i in range(1, 6)],
        "test_list": [["test_batch", md5s["test_batch"]]],
        "meta": {"filename": "batches.meta", "key": "label_names", "md5": md5s["batches.meta"]},
    }
    train = [f"data_batch_{i}" for i in range(1, 6)]
    data = (
        np.concatenate([rows[n] for n in train]),
        sum((labels[n] for n in train), []),
        rows["test_batch"],
        labels["test_batch"],
    )
    return data, attributes, sums


def point_mnist_at(monkeypatch, mirrors, resources):
    monkeypatch.setattr(tvd.MNIST, "mirrors", mirrors)
    monkeypatch.setattr(tvd.MNIST, "resources", resources)


def point_cifar_at(monkeypatch, url, **attributes):
    monkeypatch.setattr(tvd.CIFAR10, "url", url)
    for key, value in attributes.items():
        monkeypatch.setattr(tvd.CIFAR10, key, value)


def download(tmp_path, name):
    """Run the download job for `name` (its format too); return its folder."""
    folder = tmp_path / "results/data/downloads" / name
    download_job.main(str(folder), name, name, log=lambda line: None)
    return folder


def failed_download(tmp_path, name):
    """The sentence of a download that fails; checks it is one line and left nothing."""
    with pytest.raises(DownloadError) as caught:
        download(tmp_path, name)
    sentence = str(caught.value)
    assert sentence.startswith(f"dataset '{name}' could not be downloaded: ")
    assert "\n" not in sentence
    downloads = tmp_path / "results/data/downloads"
    assert not downloads.exists() or not any(downloads.iterdir())  # nor a temporary folder
    return sentence


def check_sums(folder, expected):
    """SHA256SUMS lists every file of the download, each with its SHA-256."""
    listed = dict(
        reversed(line.split("  ", 1)) for line in (folder / CHECKSUM_FILE).read_text().splitlines()
    )
    on_disk = {
        str(p.relative_to(folder)): sha256(p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file() and p.name != CHECKSUM_FILE
    }
    assert listed == on_disk == expected


def prepare(tmp_path, name, folder):
    output = tmp_path / f"results/data/{name}.pt"
    prepare_data.main(str(output), name, {"format": name}, str(folder), log=lambda line: None)
    return load_prepared(output)  # verifies its checksum


def test_mnist_is_downloaded_from_a_web_server_and_prepared(server, monkeypatch, tmp_path):
    root, base = server
    arrays, resources, sums = serve_mnist(root)
    point_mnist_at(monkeypatch, [base], resources)
    folder = download(tmp_path, "mnist")
    assert sorted(p.name for p in folder.parent.iterdir()) == ["mnist"]
    check_sums(folder, sums)
    prepared = prepare(tmp_path, "mnist", folder)
    assert prepared["source"] == "torchvision.datasets.MNIST download"
    for split, prefix, count in (("train", "train", 20), ("test", "t10k", 10)):
        images, labels = prepared[f"{split}_images"], prepared[f"{split}_labels"]
        assert images.dtype == torch.uint8 and images.shape == (count, 1, 28, 28)
        assert torch.equal(images[:, 0], torch.from_numpy(arrays[f"{prefix}-images-idx3-ubyte"]))
        assert labels.tolist() == arrays[f"{prefix}-labels-idx1-ubyte"].tolist()
    assert prepared["train_labels"].tolist() == [i % 10 for i in range(20)]


def test_cifar10_is_downloaded_from_a_web_server_and_prepared(server, monkeypatch, tmp_path):
    root, base = server
    data, attributes, sums = serve_cifar(root, tmp_path / "build")
    point_cifar_at(monkeypatch, f"{base}cifar-10-python.tar.gz", **attributes)
    folder = download(tmp_path, "cifar10")
    check_sums(folder, sums)
    prepared = prepare(tmp_path, "cifar10", folder)
    train_rows, train_labels, test_rows, test_labels = data
    assert prepared["train_images"].shape == (20, 3, 32, 32)
    assert prepared["test_images"].shape == (10, 3, 32, 32)
    assert prepared["train_images"].dtype == torch.uint8
    assert prepared["train_labels"].tolist() == train_labels
    assert prepared["test_labels"].tolist() == test_labels
    # A row is 1024 red values, then 1024 green, then 1024 blue, each row-major.
    first = prepared["train_images"][0]
    assert torch.equal(first[0].flatten(), torch.from_numpy(train_rows[0, :1024]))
    assert torch.equal(first[2].flatten(), torch.from_numpy(train_rows[0, 2048:]))
    assert first[0, 0, 1] == train_rows[0, 1] and first[1, 1, 0] == train_rows[0, 1024 + 32]
    images = prepared["test_images"].reshape(10, 3072)
    assert torch.equal(images, torch.from_numpy(test_rows))
    # The pipeline's reader of local CIFAR-10 files reads the downloaded batches alike.
    local = read_cifar10_batches(folder / "cifar-10-batches-py")
    assert torch.equal(local[0], prepared["train_images"])
    assert torch.equal(local[3], prepared["test_labels"])


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_an_unreachable_server_is_named_with_the_ways_out(monkeypatch, tmp_path, name):
    port = closed_port()
    if name == "mnist":  # two mirrors, both tried
        mirrors = [f"http://127.0.0.1:{port}/first/", f"http://127.0.0.1:{port}/second/"]
        point_mnist_at(monkeypatch, mirrors, [("train-images-idx3-ubyte.gz", "0" * 32)])
        urls = [f"{mirror}train-images-idx3-ubyte.gz" for mirror in mirrors]
    else:
        urls = [f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"]
        point_cifar_at(monkeypatch, urls[0])
    sentence = failed_download(tmp_path, name)
    assert sentence.startswith(
        f"dataset '{name}' could not be downloaded: the network was unreachable or the "
        f"server could not be reached ({urls[0]}: [Errno {errno.ECONNREFUSED}] "
    )
    assert all(
        f"{url}: [Errno {errno.ECONNREFUSED}] Connection refused" in sentence for url in urls
    )
    assert sentence.endswith(WAYS_OUT.format(name))


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_an_http_error_is_named_with_its_status(server, monkeypatch, tmp_path, name):
    root, base = server
    if name == "mnist":
        _, resources, _ = serve_mnist(root)
        point_mnist_at(monkeypatch, [f"{base}moved/"], resources)
        url = f"{base}moved/train-images-idx3-ubyte.gz"
    else:
        url = f"{base}moved/cifar-10-python.tar.gz"
        point_cifar_at(monkeypatch, url)
    sentence = failed_download(tmp_path, name)
    assert sentence == (
        f"dataset '{name}' could not be downloaded: the server answered HTTP 404 File not "
        f"found for {url}; {WAYS_OUT.format(name)}"
    )


@pytest.mark.parametrize("name", ["mnist", "cifar10"])
def test_a_file_that_fails_its_checksum_is_named(server, monkeypatch, tmp_path, name):
    root, base = server
    if name == "mnist":  # the first mirror is down, the second sends a changed file
        _, resources, _ = serve_mnist(root)
        resources[0] = (resources[0][0], md5(b"the file torchvision knows"))
        point_mnist_at(monkeypatch, [f"http://127.0.0.1:{closed_port()}/", base], resources)
        url = f"{base}train-images-idx3-ubyte.gz"
    else:
        _, attributes, _ = serve_cifar(root, tmp_path / "build")
        url = f"{base}cifar-10-python.tar.gz"
        point_cifar_at(monkeypatch, url, **attributes | {"tgz_md5": md5(b"another archive")})
    sentence = failed_download(tmp_path, name)
    assert sentence == (
        f"dataset '{name}' could not be downloaded: the file from {url} fails torchvision's MD5 "
        "checksum: the server sent a file that differs from the one torchvision knows (a broken "
        "or changed mirror, or a proxy rewriting it); try again later, or point "
        f"'datasets.{name}.path' in the config at a local copy of its original files."
    )


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_device_is_named_with_its_folder(server, monkeypatch, tmp_path, code):
    """A write that fails with ENOSPC (or EDQUOT, over quota) half-way through a file."""
    root, base = server
    _, resources, _ = serve_mnist(root)
    point_mnist_at(monkeypatch, [base], resources)

    def fills_the_device(url, filename, *args, **kwargs):
        with open(filename, "wb") as handle:
            handle.write(b"the first half")
        raise OSError(code, os.strerror(code), str(filename))

    monkeypatch.setattr(tv_utils, "_urlretrieve", fills_the_device)
    sentence = failed_download(tmp_path, "mnist")
    assert sentence == (
        "dataset 'mnist' could not be downloaded: the device holding "
        f"{tmp_path / 'results/data/downloads'} has no space left ({os.strerror(code)}); free "
        "space on it and run the pipeline again (nothing half-downloaded was kept)."
    )


def test_a_real_full_file_system_stops_a_download(server, monkeypatch, tmp_path):
    """A 64 KiB tmpfs (where this machine lets the tests mount one) and a 157 KB
    download into it."""
    root, base = server
    _, resources, _ = serve_mnist(root, train=200)
    assert (root / "train-images-idx3-ubyte.gz").stat().st_size > 128 * 1024
    point_mnist_at(monkeypatch, [base], resources)
    small = tmp_path / "small"
    small.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], capture_output=True
    )
    if mount.returncode != 0:
        skip_or_fail("mounting a small tmpfs needs root (mount -t tmpfs)")
    try:
        sentence = failed_download(small, "mnist")
        assert sentence.startswith(
            "dataset 'mnist' could not be downloaded: the device holding "
            f"{small / 'results/data/downloads'} has no space left (No space left on device); "
        )
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_a_full_device_in_the_chain_wins_over_a_later_error(tmp_path):
    """torchvision retries an https URL over http after an OSError: an ENOSPC
    met first is still the cause."""
    try:
        try:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError:
            raise urllib.error.URLError(ConnectionRefusedError("refused"))  # noqa: B904
    except urllib.error.URLError as error:
        assert failure_cause(error, "http://127.0.0.1:1/x", tmp_path) == (
            "full",
            os.strerror(errno.ENOSPC),
        )
