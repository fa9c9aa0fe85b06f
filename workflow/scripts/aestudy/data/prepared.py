"""Prepare datasets once into one file each, and load them back checked.

A prepared dataset is a dict of plain tensors (loadable with weights_only=True):
uint8 images [N, C, H, W] and int64 labels for train and test, the class names,
where the data came from, and a SHA-256 of the tensors that `load_prepared` verifies.
A dataset derived for anomaly detection also has `normal_classes` and a
validation split of normal training images.
"""

import gzip
import hashlib
import pickle
import struct
import tarfile
import zlib
from pathlib import Path

import numpy as np
import torch

from aestudy import StudyError
from aestudy.data.downloads import read_download
from aestudy.data.formats import CLASSES, DOWNLOADABLE, IMAGE_SHAPES

TENSOR_KEYS = ("train_images", "train_labels", "test_images", "test_labels")
VALIDATION_KEYS = ("validation_images", "validation_labels")


def prepare_dataset(name, fmt, path=None, download_dir=None):
    """Build the prepared-dataset dict for `name` (of format `fmt`)."""
    if fmt == "digits":
        parts, source = embedded_digits(), "scikit-learn load_digits, resized to 28x28"
    elif fmt == "sample_patches":
        parts = embedded_sample_patches()
        source = "scikit-learn load_sample_images, 32x32 patches"
    elif path is not None:
        parts = read_cifar10_batches(path) if fmt == "cifar10" else read_idx_folder(path)
        source = f"local files in {path}"
    elif fmt in DOWNLOADABLE:
        parts = read_download(name, fmt, download_dir)
        source = f"torchvision.datasets.{DOWNLOADABLE[fmt]} download"
    else:  # the config check already refuses this; kept for direct callers
        raise StudyError(f"dataset '{name}' of format '{fmt}' needs a local 'path'.")
    prepared = dict(zip(TENSOR_KEYS, parts, strict=False))
    _check_shapes(name, fmt, prepared)
    prepared.update(name=name, format=fmt, classes=CLASSES[fmt], source=source)
    prepared["checksum"] = checksum(prepared)
    return prepared


def derive_normal_dataset(base, name, normal_classes, validation_fraction, seed):
    """For anomaly detection: train on the normal classes of `base`'s training set,
    less a seeded validation share of them (for the detection threshold); test on
    all of `base`'s test set."""
    normal = torch.isin(base["train_labels"], torch.tensor(normal_classes)).nonzero().flatten()
    order = normal[torch.randperm(len(normal), generator=torch.Generator().manual_seed(seed))]
    held_out = round(validation_fraction * len(normal))
    validation, train = order[:held_out].sort().values, order[held_out:].sort().values
    names = ", ".join(base["classes"][c] for c in normal_classes)
    prepared = dict(
        train_images=base["train_images"][train],
        train_labels=base["train_labels"][train],
        validation_images=base["train_images"][validation],
        validation_labels=base["train_labels"][validation],
        test_images=base["test_images"],
        test_labels=base["test_labels"],
        normal_classes=list(normal_classes),
        name=name,
        format=base["format"],
        classes=base["classes"],
        source=f"{base['name']}, normal classes {names}; {validation_fraction:.0%} of their "
        f"training images held out for validation (seed {seed})",
    )
    prepared["checksum"] = checksum(prepared)
    return prepared


def checksum(prepared):
    """SHA-256 of the dataset's image and label tensors (keys, shapes and bytes)."""
    sha = hashlib.sha256()
    for key in (*TENSOR_KEYS, *(k for k in VALIDATION_KEYS if k in prepared)):
        tensor = prepared[key].contiguous()
        sha.update(key.encode())
        sha.update(str(tuple(tensor.shape)).encode())
        sha.update(tensor.numpy().tobytes())
    return sha.hexdigest()


def load_prepared(path):
    """Load a prepared dataset and verify it; raise StudyError naming the file if not."""
    try:
        prepared = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise StudyError(
            f"prepared dataset {path} cannot be read ({type(error).__name__}); delete it "
            "and run the pipeline again to prepare it anew."
        ) from None
    if not isinstance(prepared, dict) or any(k not in prepared for k in (*TENSOR_KEYS, "checksum")):
        raise StudyError(f"prepared dataset {path} is not a dataset prepared by this pipeline.")
    if checksum(prepared) != prepared["checksum"]:
        raise StudyError(
            f"prepared dataset {path} fails its checksum (corrupted or edited); delete it "
            "and run the pipeline again."
        )
    return prepared


def to_float(images, device=None):
    """uint8 [N, C, H, W] -> float32 in [0, 1], the course report's ToTensor scaling."""
    return images.to(device).float().div_(255.0)


def _check_shapes(name, fmt, prepared):
    expected = IMAGE_SHAPES[fmt]
    for split in ("train", "test"):
        images, labels = prepared[f"{split}_images"], prepared[f"{split}_labels"]
        if images.dtype != torch.uint8 or tuple(images.shape[1:]) != expected:
            raise StudyError(
                f"dataset '{name}': {split} images have shape {tuple(images.shape[1:])} "
                f"and type {images.dtype}; expected uint8 images of shape {expected}."
            )
        if len(labels) != len(images) or len(images) == 0:
            raise StudyError(
                f"dataset '{name}': {len(images)} {split} images but {len(labels)} labels."
            )
        classes = len(CLASSES[fmt])
        if int(labels.min()) < 0 or int(labels.max()) >= classes:
            raise StudyError(
                f"dataset '{name}': its {split} labels run from {int(labels.min())} to "
                f"{int(labels.max())}; expected class indices 0 to {classes - 1} ({fmt})."
            )


# -- embedded sets (scikit-learn, no network) ------------------------------------------


def embedded_digits(test_size=297):
    """load_digits' 1797 8x8 images (values 0..16), resized to MNIST's 28x28."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    images = torch.nn.functional.interpolate(
        images, size=(28, 28), mode="bilinear", align_corners=False
    )
    images = (images.clamp(0, 1) * 255).round().to(torch.uint8)
    labels = torch.tensor(digits.target, dtype=torch.int64)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    train, test = order[test_size:], order[:test_size]
    return images[train], labels[train], images[test], labels[test]


def embedded_sample_patches(size=32, stride=16, test_rows=3):
    """32x32 RGB patches of scikit-learn's two sample photos, labelled by photo.

    The bottom `test_rows` rows of patches of each photo are the test set; train
    patches lie wholly above them, so no pixel is in both splits.
    """
    from sklearn.datasets import load_sample_images

    splits = {"train": ([], []), "test": ([], [])}
    for label, photo in enumerate(load_sample_images().images):
        height, width, _ = photo.shape
        tops = list(range(0, height - size + 1, stride))
        cut = tops[-test_rows]
        for top in tops:
            split = "test" if top >= cut else "train"
            if split == "train" and top + size > cut:
                continue
            for left in range(0, width - size + 1, stride):
                splits[split][0].append(photo[top : top + size, left : left + size])
                splits[split][1].append(label)
    out = []
    for images, labels in splits.values():
        array = np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2))
        out += [torch.from_numpy(array), torch.tensor(labels, dtype=torch.int64)]
    return tuple(out)


# -- original files on disk ----------------------------------------------------------

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
