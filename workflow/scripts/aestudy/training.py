"""Training: the whole training set lives on the device as one tensor, batches are
drawn by index from a seeded permutation, each batch is one call of a step from
`aestudy.steps`, and the loss is read back once an epoch.

The recorded loss is per pixel (MSE) for the AEs and per image (BCE + beta KL)
for the VAE, averaged over the epoch's images.
"""

import math
import os
import random
import time

import numpy as np
import torch

from aestudy.checkpoint import load_checkpoint, restore, save_checkpoint
from aestudy.steps import AutogradStep, MLPStep, batch_loss, flatten_parameters


def seed_everything(seed):
    # Deterministic kernels where PyTorch has them (cuBLAS needs the workspace
    # setting before CUDA starts); warn rather than fail where it has none.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def make_optimizer(spec, parameters):
    name, lr, decay = spec["optimizer"], spec["lr"], spec["weight_decay"]
    fused = spec.get("fused_optimizer", False) or None  # None: PyTorch's default
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=decay, fused=fused)
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, weight_decay=decay, fused=fused)
    return torch.optim.SGD(parameters, lr=lr, weight_decay=decay, momentum=0.9)


def make_train_step(model, spec, optimizer, flat, scaler=None, log=print):
    """The step `train_epoch` calls per batch: the written-out MLP step where it
    applies, else the plain autograd step (compiled if the config asks)."""
    kind, beta, mixed = spec["kind"], spec.get("beta", 1.0), spec.get("mixed_precision", False)
    if spec.get("compile", False):
        mode = spec.get("compile_mode", "default")
        if mode == "reduce-overhead" and flat.device.type != "cuda":
            log("compile_mode reduce-overhead uses CUDA graphs, which need a GPU; "
                "compiling without them")  # fmt: skip
        # Compiling changes how, not what, is computed; the weights stay in `model`.
        model = torch.compile(model, mode=mode)
    elif not mixed and MLPStep.supports(model, kind):
        log("training step: MLP backward written out (aestudy.steps.MLPStep)")
        return MLPStep(model, kind, optimizer, beta)
    log("training step: autograd (aestudy.steps.AutogradStep)")
    return AutogradStep(model, kind, optimizer, flat, beta, mixed, scaler)


def train_epoch(model, step, images, batch_size, generator):
    """One pass over `images` in a seeded random order; the mean recorded loss."""
    model.train()
    order = torch.randperm(len(images), generator=generator).to(images.device)
    total = torch.zeros((), device=images.device)
    for start in range(0, len(images), batch_size):
        total += step(images.index_select(0, order[start : start + batch_size]))
    return total.item() / len(images)  # the one host sync of the epoch


@torch.no_grad()
def evaluate_loss(model, kind, images, beta, batch_size=1000):
    model.eval()
    total = torch.zeros((), device=images.device)
    for start in range(0, len(images), batch_size):
        total += batch_loss(model, kind, images[start : start + batch_size], beta)[1]
    return total.item() / len(images)


def train_autoencoder(model, spec, train_images, test_images, seed, log=print,
                      checkpoint_path=None, checkpoint_every=0, identity=None):  # fmt: skip
    """Train `model` as `spec` says; return the history and how the run ended.

    A loss that turns NaN or infinite stops the run with status 'diverged'.
    With a checkpoint path, the state is saved every `checkpoint_every` epochs
    and a run that finds a checkpoint of its own resumes from it.
    """
    kind, beta = spec["kind"], spec.get("beta", 1.0)
    mixed = spec.get("mixed_precision", False)
    flat = flatten_parameters(model)
    optimizer = make_optimizer(spec, [flat])
    scaler = torch.amp.GradScaler("cuda") if mixed and train_images.is_cuda else None
    step = make_train_step(model, spec, optimizer, flat, scaler, log)
    generator = torch.Generator().manual_seed(seed)
    history, status, diverged_epoch, seconds, first = [], "ok", None, 0.0, 1
    state = load_checkpoint(checkpoint_path, identity, log) if checkpoint_path else None
    if state is not None:
        restore(state, model, optimizer, generator)
        history, seconds, first = state["history"], state["seconds"], state["epoch"] + 1
        log(f"resuming from the checkpoint after epoch {state['epoch']}")
    for epoch in range(first, spec["epochs"] + 1):
        tic = time.perf_counter()
        train = train_epoch(model, step, train_images, spec["batch_size"], generator)
        epoch_seconds = time.perf_counter() - tic
        test = evaluate_loss(model, kind, test_images, beta)
        seconds += time.perf_counter() - tic
        history.append(dict(epoch=epoch, train_loss=train, test_loss=test, seconds=epoch_seconds))
        log(
            f"epoch {epoch}/{spec['epochs']}: train {train:.6g}, test {test:.6g}, {epoch_seconds:.2f} s"
        )
        if not (math.isfinite(train) and math.isfinite(test)):
            status, diverged_epoch = "diverged", epoch
            log(f"loss is not finite at epoch {epoch}: the run diverged; stopping")
            break
        if checkpoint_path and checkpoint_every and epoch % checkpoint_every == 0:
            save_checkpoint(checkpoint_path, identity, epoch, model, optimizer, generator,
                            history, seconds)  # fmt: skip
    return dict(
        history=history,
        status=status,
        diverged_epoch=diverged_epoch,
        epochs_completed=len(history),
        seconds=seconds,
    )
