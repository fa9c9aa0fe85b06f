"""Writing files whole or not at all: write beside the target, then rename over it.

A job killed half-way leaves a hidden temporary file, never a truncated output.
"""

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

from aestudy import StudyError

# Below this many free bytes a failed write is taken for a full device: writers
# such as torch.save report it as a stream error without an errno.
NEARLY_FULL = 1 << 20

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path in the target's folder; rename it to `path` on success."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        _raise_if_not_writable(error, path)
        raise
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as error:
        _raise_if_full(error, path)
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _raise_if_not_writable(error, path):
    """One sentence instead of a traceback when the folder cannot be written to."""
    if isinstance(error, PermissionError) or getattr(error, "errno", None) == errno.EROFS:
        raise StudyError(
            f"could not write {path}: {path.parent} is not writable (read-only, or owned by "
            "another user); make it writable, or run the workflow where you may write."
        ) from None


def _raise_if_full(error, path):
    """One sentence instead of a traceback when the device has no space left."""
    full = getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    if full or (free is not None and free < NEARLY_FULL):
        left = "" if free is None else f" ({free:,} bytes free)"
        raise StudyError(
            f"could not write {path}: the device holding {path.parent} has no space left"
            f"{left}; free some space and run the workflow again (nothing half-written was kept)."
        ) from None


@contextlib.contextmanager
def atomic_folder(path):
    """Yield a temporary folder beside `path`; rename it to `path` on success."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as error:
        _raise_if_not_writable(error, path)
        raise
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_json(path, data):
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=True) + "\n")


def read_json(path):
    return json.loads(Path(path).read_text())


def write_table(path, table):
    """Write a table (a pandas DataFrame) as CSV atomically (empty cells for missing values)."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n")


def write_text(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_npz(path, **arrays):
    import numpy as np

    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def torch_save(path, obj):
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
