"""Readers of a data set's original files on disk: the four IDX files of the MNIST
family, and CIFAR-10's python batches (a folder or the .tar.gz archive).

Each reader returns (train images, train labels, test images, test labels):
uint8 [N, C, H, W] and int64 labels. A missing or damaged file stops it with one
sentence that names the file and what was expected.
"""

import gzip
import pickle
import struct
import tarfile
import zlib
from pathlib import Path

import numpy as np
import torch

from aestudy import StudyError

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def read_idx_folder(folder):
    """The four IDX files of the MNIST family from `folder`, gzipped or not."""
    folder = Path(folder)
    arrays = []
    for key, stem in IDX_FILES.items():
        candidates = [folder / stem, folder / f"{stem}.gz"]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise StudyError(
                f"dataset folder {folder} has no {stem} (nor {stem}.gz); expected the four "
                "IDX files of the MNIST family."
            )
        array = read_idx(found)
        arrays.append(array.unsqueeze(1) if key.endswith("images") else array.long())
    return tuple(arrays)


def read_idx(path):
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:
        raise StudyError(f"IDX file {path} cannot be read: {error}.") from None
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise StudyError(f"IDX file {path} does not start with an unsigned-byte IDX header.")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != np.prod(shape):
        raise StudyError(
            f"IDX file {path} holds {body.size} values but its header promises {shape}."
        )
    return torch.from_numpy(body.reshape(shape).copy())


CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]


CIFAR_ROW = 3 * 32 * 32  # values per image of a batch's data


def _cifar_batch(handle, where):
    """One CIFAR-10 batch read from an open file; `where` names it in an error."""
    try:
        batch = pickle.load(handle, encoding="bytes")
    except Exception as error:  # any unpickling failure means a damaged file
        raise StudyError(
            f"CIFAR-10 batch {where} cannot be read as a pickle ({type(error).__name__}); "
            "expected a batch of the python version of CIFAR-10."
        ) from None
    if not isinstance(batch, dict) or not {b"data", b"labels"} <= set(batch):
        raise StudyError(f"CIFAR-10 batch {where} has no data and labels; expected both.")
    data = np.asarray(batch[b"data"])
    if data.ndim != 2 or data.shape[1] != CIFAR_ROW or len(data) != len(batch[b"labels"]):
        raise StudyError(
            f"CIFAR-10 batch {where} holds data of shape {data.shape} and "
            f"{len(batch[b'labels'])} labels; expected rows of {CIFAR_ROW} values, one per label."
        )
    return batch


def read_cifar10_batches(path):
    """CIFAR-10's python batches from a folder (or its cifar-10-batches-py/) or .tar.gz."""
    path = Path(path)
    if path.is_file():
        try:
            archive = tarfile.open(path)
            listed = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise StudyError(
                f"CIFAR-10 archive {path} cannot be read ({error}); expected the "
                "cifar-10-python.tar.gz archive or its unpacked folder."
            ) from None
        with archive:
            members = {Path(m.name).name: m for m in listed if m.isfile()}

            def load(name):
                if name not in members:
                    raise StudyError(f"CIFAR-10 archive {path} has no {name}.")
                return _cifar_batch(archive.extractfile(members[name]), f"{path}:{name}")

            batches = [load(n) for n in CIFAR_TRAIN], load("test_batch")
    else:
        folder = path / "cifar-10-batches-py" if (path / "cifar-10-batches-py").is_dir() else path

        def load(name):
            file = folder / name
            if not file.is_file():
                raise StudyError(
                    f"CIFAR-10 folder {folder} has no {name}; expected data_batch_1..5 "
                    "and test_batch."
                )
            with open(file, "rb") as handle:
                return _cifar_batch(handle, file)

        batches = [load(n) for n in CIFAR_TRAIN], load("test_batch")
    train, test = batches

    def stack(parts):
        images = np.concatenate([p[b"data"] for p in parts]).reshape(-1, 3, 32, 32)
        labels = np.concatenate([p[b"labels"] for p in parts])
        return torch.from_numpy(images.astype(np.uint8)), torch.from_numpy(labels).long()

    return (*stack(train), *stack([test]))
