"""Checkpoints of a training run, so that a killed or requeued job resumes.

A checkpoint holds everything the next epoch depends on: weights, optimizer
state, the shuffling generator, the global RNGs (the VAE's noise), the history
so far. Resuming from it gives the same result as never stopping (on the CPU).
It is written atomically and carries the run's identity; one that belongs to
other settings is set aside, one that cannot be read is an error.
"""

from pathlib import Path

import torch

from aestudy import StudyError
from aestudy.atomic_files import torch_save
from aestudy.checksums import digest


def global_rng():
    """The states of the global generators, which a run's noise (the VAE's draws)
    comes from when it trains alone."""
    return dict(
        cpu_rng=torch.get_rng_state(),
        cuda_rng=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    )


def save_checkpoint(
    path, identity, epoch, model, optimizer_state, generator, history, seconds, rng=None
):
    """`rng`: the generator states the run's noise comes from, as `global_rng` gives
    them (the default); a run trained beside others keeps its own."""
    state = dict(
        identity=identity,
        epoch=epoch,
        # copies: a run trained beside others holds views of all the runs' weights
        model={name: t.detach().clone() for name, t in model.state_dict().items()},
        optimizer=optimizer_state,
        generator=generator.get_state(),
        **(rng or global_rng()),
        history=history,
        seconds=seconds,
    )
    state["checksum"] = digest(state)
    torch_save(path, state)


def load_checkpoint(path, identity, log=print):
    """The checkpoint's state, or None when there is none or it is for other settings."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        stored = state["identity"]
    except Exception as error:
        raise StudyError(
            f"checkpoint {path} cannot be read ({type(error).__name__}); delete it to "
            "train the run from the start."
        ) from None
    if state.get("checksum") != digest({k: v for k, v in state.items() if k != "checksum"}):
        raise StudyError(
            f"checkpoint {path} fails its checksum (edited or corrupted); delete it to train "
            "the run from the start."
        )
    if stored != identity:
        log(f"checkpoint {path} belongs to other settings; training from the start")
        path.unlink()
        return None
    return state


def restore_model(state, model):
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, ValueError, KeyError) as error:
        raise StudyError(
            f"checkpoint does not fit this model ({type(error).__name__}: {str(error)[:120]})"
        ) from None


def restore(state, model, optimizer, generator):
    restore_model(state, model)
    try:
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as error:
        raise StudyError(
            f"checkpoint does not fit this model ({type(error).__name__}: {str(error)[:120]})"
        ) from None
    generator.set_state(state["generator"])
    torch.set_rng_state(state["cpu_rng"])
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
