"""Loading a trained run back: the model with its weights and the run's record."""

from pathlib import Path

import torch

from aestudy import StudyError
from aestudy.data import load_prepared, to_float
from aestudy.digests import digest
from aestudy.models import build_model


def load_run(weights_path, image_shape, expected=None):
    """The trained model and its record; StudyError if the file is not a usable run.

    `expected` (e.g. {"latent_dim": 4, "seed": 0}) is checked against the record,
    so that weights copied from another run are not taken for this one."""
    try:
        run = torch.load(weights_path, map_location="cpu", weights_only=True)
        model = build_model(run["spec"], image_shape, run["latent_dim"])
        model.load_state_dict(run["state_dict"])
    except Exception as error:
        raise StudyError(
            f"weights file {weights_path} cannot be used ({type(error).__name__}: it is "
            "truncated, corrupted or not a trained run of this model); delete it to train "
            "the run again."
        ) from None
    if run.get("weights_sha256") != digest(run["state_dict"]):
        raise StudyError(
            f"weights file {weights_path} fails its checksum (edited or corrupted after "
            "training); delete it to train the run again."
        )
    for key, value in (expected or {}).items():
        if run.get(key) != value:
            raise StudyError(
                f"weights file {weights_path} holds a run with {key} = {run.get(key)!r}, "
                f"not {value!r}; delete it to train the run again."
            )
    if (
        not all(torch.isfinite(t).all() for t in run["state_dict"].values())
        and run["status"] == "ok"
    ):
        raise StudyError(
            f"weights file {weights_path} has non-finite weights but claims a finished run."
        )
    model.eval()
    return model, run


def expected_run(weights_path):
    """latent_dim and seed as the run's folder (.../z{latent_dim}/seed{seed}/) names them."""
    folder = Path(weights_path).parent
    try:
        return {"latent_dim": int(folder.parent.name[1:]), "seed": int(folder.name[4:])}
    except ValueError:
        return {}


def open_run(dataset_path, weights_path, threads=1):
    """(prepared dataset, model, record, float test images) for the figure scripts."""
    torch.set_num_threads(threads)
    data = load_prepared(dataset_path)
    model, run = load_run(
        weights_path, tuple(data["test_images"].shape[1:]), expected_run(weights_path)
    )
    return data, model, run, to_float(data["test_images"])


def run_title(run, data_name):
    spec = run["spec"]
    return f"{spec['kind']} on {data_name}, z={run['latent_dim']}, seed {run['seed']}"


def diverged_text(run):
    return f"this run diverged at epoch {run['diverged_epoch']}: its weights are not finite"
