"""Loading a trained run back: the model with its weights and the run's record."""

import torch

from aestudy import StudyError
from aestudy.checksums import digest
from aestudy.data.prepared import load_prepared, to_float
from aestudy.kinds import build_model


def load_run(weights_path, image_shape, expected=None):
    """The trained model and its record; StudyError if the file is not a usable run.

    `expected` (e.g. {"latent_dim": 4, "seed": 0}, the run's identity as the
    workflow knows it) is checked against the record, so that weights copied
    from another run are not taken for this one."""
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


def open_run(dataset_path, weights_path, run, threads=1):
    """(prepared dataset, model, record, float test images) of the run whose
    identity is `run` ({model, latent_dim, seed})."""
    torch.set_num_threads(threads)
    data = load_prepared(dataset_path)
    expected = {"latent_dim": run["latent_dim"], "seed": run["seed"]}
    model, record = load_run(weights_path, tuple(data["test_images"].shape[1:]), expected)
    return data, model, record, to_float(data["test_images"])
