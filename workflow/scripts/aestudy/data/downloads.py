"""Downloads with torchvision: each is its own job and output
(results/data/downloads/{dataset}), with a SHA256SUMS file of what it fetched;
preparing reads that folder after checking it."""

import hashlib
from pathlib import Path

import numpy as np
import torch

from aestudy import StudyError
from aestudy.atomic_files import atomic_folder
from aestudy.data.formats import DOWNLOADABLE


class DownloadError(StudyError):
    pass


CHECKSUM_FILE = "SHA256SUMS"


def download_dataset(name, fmt, folder):
    """Download `fmt` with torchvision into `folder`, all or nothing."""
    import torchvision.datasets as tvd

    cls = getattr(tvd, DOWNLOADABLE[fmt])
    with atomic_folder(folder) as tmp:
        try:
            cls(tmp, train=True, download=True)
            cls(tmp, train=False, download=True)
        except Exception as error:
            raise DownloadError(
                f"dataset '{name}' could not be downloaded: the network was unreachable "
                f"({type(error).__name__}: {str(error).strip().splitlines()[0][:160]}); either "
                f"point 'datasets.{name}.path' in the config at a local copy of its original "
                "files, or run the offline study with --configfile config/offline.yaml."
            ) from None
        files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
        sums = "".join(f"{_sha256(p)}  {p.relative_to(tmp)}\n" for p in files)
        (Path(tmp) / CHECKSUM_FILE).write_text(sums)


def read_download(name, fmt, folder):
    """The tensors of a finished download, after checking its files' SHA-256."""
    import torchvision.datasets as tvd

    folder = Path(folder)
    listing = folder / CHECKSUM_FILE
    if not listing.is_file():
        raise StudyError(
            f"download folder {folder} has no {CHECKSUM_FILE}; delete the folder and run "
            "the pipeline again to download the dataset anew."
        )
    for line in listing.read_text().splitlines():
        digest, relative = line.split("  ", 1)
        if not (folder / relative).is_file() or _sha256(folder / relative) != digest:
            raise StudyError(
                f"downloaded file {folder / relative} is missing or fails its checksum; delete "
                f"{folder} and run the pipeline again."
            )
    cls = getattr(tvd, DOWNLOADABLE[fmt])
    train, test = cls(folder, train=True, download=False), cls(folder, train=False, download=False)

    def tensors(ds):
        images = torch.as_tensor(np.asarray(ds.data))
        images = images.permute(0, 3, 1, 2) if images.ndim == 4 else images.unsqueeze(1)
        return images.contiguous().to(torch.uint8), torch.as_tensor(ds.targets).long()

    return (*tensors(train), *tensors(test))


def _sha256(path):
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()
