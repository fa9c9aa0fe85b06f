"""Training: the whole training set lives on the device as one tensor, batches are
drawn by index from a seeded permutation, and the loss is read back once an epoch.

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
from aestudy.losses import mse_loss, vae_loss


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


def batch_loss(model, kind, x, beta, mixed_precision=False):
    """(loss to minimise, the batch's sum of the recorded per-item loss).

    With mixed precision only the forward pass runs in reduced precision; the
    losses are computed in float32."""
    device_type = x.device.type
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type, dtype=dtype, enabled=mixed_precision):
        out = model(x)
    if kind == "vae":
        recon, mean, logvar = (t.float() for t in out)
        loss = vae_loss(recon, x, mean, logvar, beta)
        return loss, loss
    loss = mse_loss(out.float(), x)
    return loss, loss * len(x)


def train_epoch(model, kind, optimizer, images, batch_size, beta, generator, scaler=None,
                mixed_precision=False):  # fmt: skip
    model.train()
    order = torch.randperm(len(images), generator=generator).to(images.device)
    total = torch.zeros((), device=images.device)
    for start in range(0, len(images), batch_size):
        x = images[order[start : start + batch_size]]
        optimizer.zero_grad(set_to_none=True)
        loss, item_sum = batch_loss(model, kind, x, beta, mixed_precision)
        if scaler is not None:  # float16 on CUDA: scale the loss against underflow
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        total += item_sum.detach()  # no host sync inside the epoch
    return total.item() / len(images)


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
    optimizer = make_optimizer(spec, model.parameters())
    scaler = torch.amp.GradScaler("cuda") if mixed and train_images.is_cuda else None
    generator = torch.Generator().manual_seed(seed)
    # Compiling changes how, not what, is computed; the weights stay in `model`.
    step_model = torch.compile(model) if spec.get("compile", False) else model
    history, status, diverged_epoch, seconds, first = [], "ok", None, 0.0, 1
    state = load_checkpoint(checkpoint_path, identity, log) if checkpoint_path else None
    if state is not None:
        restore(state, model, optimizer, generator)
        history, seconds, first = state["history"], state["seconds"], state["epoch"] + 1
        log(f"resuming from the checkpoint after epoch {state['epoch']}")
    for epoch in range(first, spec["epochs"] + 1):
        tic = time.perf_counter()
        train = train_epoch(
            step_model, kind, optimizer, train_images, spec["batch_size"], beta, generator,
            scaler, mixed,
        )  # fmt: skip
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
