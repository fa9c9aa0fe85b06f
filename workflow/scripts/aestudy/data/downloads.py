"""Downloads with torchvision: each is its own job and output
(results/data/downloads/{dataset}), with a SHA256SUMS file of what it fetched;
preparing reads that folder after checking it. A failed download stops with one
sentence naming its cause (no server reached, an HTTP error, a file that fails
its checksum, no space left) and what to do about it."""

import errno
import hashlib
import http.client
import re
import shutil
import urllib.error
from pathlib import Path

import numpy as np
import torch

from aestudy import StudyError
from aestudy.atomic_files import NEARLY_FULL, atomic_folder
from aestudy.data.formats import DOWNLOADABLE


class DownloadError(StudyError):
    pass


CHECKSUM_FILE = "SHA256SUMS"

_LOCAL_COPY = "point 'datasets.{name}.path' in the config at a local copy of its original files"
_WAYS_OUT = (
    f"either {_LOCAL_COPY}, or install Debian's package dataset-fashion-mnist and run the "
    "offline study with --configfile config/offline.yaml."
)
# The sentence for each cause `failure_cause` tells, from the most telling down.
SENTENCES = {
    "full": "the device holding {parent} has no space left ({detail}); free space on it and "
    "run the pipeline again (nothing half-downloaded was kept).",
    "checksum": "the file from {detail} fails torchvision's MD5 checksum: the server sent a "
    "file that differs from the one torchvision knows (a broken or changed mirror, or a proxy "
    f"rewriting it); try again later, or {_LOCAL_COPY}.",
    "http": "the server answered {detail}; " + _WAYS_OUT,
    "unreachable": "the network was unreachable or the server could not be reached "
    "({detail}); " + _WAYS_OUT,
    "other": "torchvision stopped with {detail}; " + _WAYS_OUT,
}


def download_dataset(name, fmt, folder):
    """Download `fmt` with torchvision into `folder`, all or nothing."""
    import torchvision.datasets as tvd

    cls = getattr(tvd, DOWNLOADABLE[fmt])
    with atomic_folder(folder) as tmp:
        try:
            cls(tmp, train=True, download=True)
            cls(tmp, train=False, download=True)
            files = sorted(p for p in Path(tmp).rglob("*") if p.is_file())
            sums = "".join(f"{_sha256(p)}  {p.relative_to(tmp)}\n" for p in files)
            (Path(tmp) / CHECKSUM_FILE).write_text(sums)
        except Exception as error:
            source = getattr(cls, "url", None) or " or ".join(getattr(cls, "mirrors", []))
            cause, detail = failure_cause(error, source, tmp)
            sentence = SENTENCES[cause].format(name=name, detail=detail, parent=Path(folder).parent)
            raise DownloadError(f"dataset '{name}' could not be downloaded: {sentence}") from None


# MNIST tries each mirror in turn and, when all fail, raises one RuntimeError
# (with no chain) that lists "Tried <mirror>, got:\n<error>" for each.
_MNIST_FILE = re.compile(r"^Error downloading (\S+):")
_MNIST_TRIED = re.compile(r"^Tried (\S+), got:\n(.*)$", re.MULTILINE)


def failure_cause(error, source, folder):
    """Why a torchvision download failed, as (cause, detail): cause is the first
    of "full", "checksum", "http", "unreachable" and "other" found, detail the
    URL(s) and error(s) behind it, on one line.

    Reads `error` and its __cause__/__context__ chain: ENOSPC or EDQUOT anywhere
    means a full device; urllib's HTTPError an HTTP status; its URLError, a
    timeout or a broken connection an unreachable server; torchvision's "File
    not found or corrupted." (raised after a download fails its MD5) a checksum.
    MNIST's combined RuntimeError is read from its text, one failure per mirror.
    `source` names the URL of an error that carries none (CIFAR-10's). A device
    holding `folder` with under NEARLY_FULL bytes free also counts as full: a
    mirror that failed on a full disk may have been retried and its ENOSPC lost."""
    found, seen = [], []  # (cause, detail) of each failure; the chain so far
    while error is not None and error not in seen:
        seen.append(error)
        text = str(error).strip()
        tried = _MNIST_TRIED.findall(text)
        if tried:
            file = (_MNIST_FILE.match(text) or [None, ""])[1]
            for mirror, message in tried:
                url = mirror + file
                http_error = re.match(r"HTTP Error (\d+): (.*)", message)
                unreached = re.match(r"<urlopen error (.*)>$", message)
                if "corrupted" in message:
                    found.append(("checksum", url))
                elif http_error:
                    found.append(("http", f"HTTP {http_error[1]} {http_error[2]} for {url}"))
                elif unreached:
                    found.append(("unreachable", f"{url}: {unreached[1]}"))
                else:
                    found.append(("other", f"{url}: {message}"))
        elif isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            found.append(("full", error.strerror or text))
        elif isinstance(error, urllib.error.HTTPError):
            url = error.filename or source
            found.append(("http", f"HTTP {error.code} {error.reason} for {url}"))
        elif isinstance(error, urllib.error.URLError):
            found.append(("unreachable", f"{source}: {error.reason}" if source else error.reason))
        elif isinstance(error, TimeoutError | ConnectionError | http.client.HTTPException):
            reason = text or type(error).__name__
            found.append(("unreachable", f"{source}: {reason}" if source else reason))
        elif isinstance(error, RuntimeError) and "corrupted" in text:
            found.append(("checksum", source or "the server"))
        else:
            first = text.splitlines()[0] if text else ""
            found.append(("other", f"{type(error).__name__}: {first}".removesuffix(": ")))
        error = error.__cause__ or error.__context__
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < NEARLY_FULL and "full" not in dict(found):
        found.append(("full", f"{free:,} bytes free"))
    cause = min((c for c, _ in found), key=list(SENTENCES).index)
    details = dict.fromkeys(" ".join(str(d).split())[:200] for c, d in found if c == cause)
    return cause, "; ".join(details)


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
