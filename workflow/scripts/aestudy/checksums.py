"""SHA-256 digests of what the pipeline saves, checked whenever it is loaded back:
a file that was edited after it was written (values changed, still loadable) is
named, never used."""

import hashlib

import torch


def digest(value):
    """The SHA-256 of a nested structure of mappings, sequences, tensors and plain
    values: names, shapes, dtypes and the bytes of every tensor, in order."""
    sha = hashlib.sha256()
    _update(sha, value)
    return sha.hexdigest()


def _update(sha, value):
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        sha.update(f"tensor{tuple(tensor.shape)}{tensor.dtype}".encode())
        sha.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        sha.update(b"{")
        for key in value:  # insertion order: the order the structure was built in
            sha.update(repr(key).encode())
            _update(sha, value[key])
        sha.update(b"}")
    elif isinstance(value, list | tuple):
        sha.update(b"[")
        for item in value:
            _update(sha, item)
        sha.update(b"]")
    else:
        sha.update(repr(value).encode())
