"""Loading a trained run back: the model with its weights and the run's record."""

import torch

from aestudy import StudyError
from aestudy.data import load_prepared, to_float
from aestudy.models import build_model


def load_run(weights_path, image_shape):
    """The trained model and its record; StudyError if the file is not a usable run."""
    try:
        run = torch.load(weights_path, map_location="cpu", weights_only=True)
        model = build_model(run["spec"], image_shape, run["latent_dim"])
        model.load_state_dict(run["state_dict"])
    except Exception as error:
        raise StudyError(
            f"weights file {weights_path} is not a trained run of this model "
            f"({type(error).__name__}); delete it to train the run again."
        ) from None
    model.eval()
    return model, run


def open_run(dataset_path, weights_path, threads=1):
    """(prepared dataset, model, record, float test images) for the figure scripts."""
    torch.set_num_threads(threads)
    data = load_prepared(dataset_path)
    model, run = load_run(weights_path, tuple(data["test_images"].shape[1:]))
    return data, model, run, to_float(data["test_images"])


def run_title(run, data_name):
    spec = run["spec"]
    return f"{spec['kind']} on {data_name}, z={run['latent_dim']}, seed {run['seed']}"


def diverged_text(run):
    return f"this run diverged at epoch {run['diverged_epoch']}: its weights are not finite"
