"""Prepare datasets once into one file each, and load them back checked.

A prepared dataset is a dict of plain tensors (loadable with weights_only=True):
uint8 images [N, C, H, W] and int64 labels for train and test, the class names,
where the data came from, and a SHA-256 of the tensors that `load_prepared` verifies.
A dataset derived for anomaly detection also has `normal_classes` and a
validation split of normal training images.
"""

import hashlib

import torch

from aestudy import StudyError
from aestudy.data.downloads import read_download
from aestudy.data.embedded import embedded_digits, embedded_sample_patches
from aestudy.data.formats import CLASSES, DOWNLOADABLE, IMAGE_SHAPES
from aestudy.data.readers import read_cifar10_batches, read_idx_folder

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
