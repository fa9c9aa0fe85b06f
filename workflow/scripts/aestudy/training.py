"""Training: the whole training set lives on the device as one tensor, batches are
drawn by index from a seeded permutation, and the loss is read back once an epoch.

The recorded loss is per pixel (MSE) for the AEs and per image (BCE + beta KL)
for the VAE, averaged over the epoch's images.
"""

import math
import random
import time

import numpy as np
import torch

from aestudy.losses import mse_loss, vae_loss


def select_device(preference="auto"):
    if preference == "cuda" or (preference == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def make_optimizer(spec, parameters):
    name, lr, decay = spec["optimizer"], spec["lr"], spec["weight_decay"]
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=decay)
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, weight_decay=decay)
    return torch.optim.SGD(parameters, lr=lr, weight_decay=decay, momentum=0.9)


def batch_loss(model, kind, x, beta):
    """(loss to minimise, the batch's sum of the recorded per-item loss)."""
    if kind == "vae":
        recon, mean, logvar = model(x)
        loss = vae_loss(recon, x, mean, logvar, beta)
        return loss, loss
    loss = mse_loss(model(x), x)
    return loss, loss * len(x)


def train_epoch(model, kind, optimizer, images, batch_size, beta, generator):
    model.train()
    order = torch.randperm(len(images), generator=generator).to(images.device)
    total = torch.zeros((), device=images.device)
    for start in range(0, len(images), batch_size):
        x = images[order[start : start + batch_size]]
        optimizer.zero_grad(set_to_none=True)
        loss, item_sum = batch_loss(model, kind, x, beta)
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


def train_autoencoder(model, spec, train_images, test_images, seed, log=print):
    """Train `model` as `spec` says; return the history and how the run ended.

    A loss that turns NaN or infinite stops the run with status 'diverged'.
    """
    kind, beta = spec["kind"], spec.get("beta", 1.0)
    optimizer = make_optimizer(spec, model.parameters())
    generator = torch.Generator().manual_seed(seed)
    history, status, diverged_epoch = [], "ok", None
    started = time.perf_counter()
    for epoch in range(1, spec["epochs"] + 1):
        tic = time.perf_counter()
        train = train_epoch(
            model, kind, optimizer, train_images, spec["batch_size"], beta, generator
        )
        seconds = time.perf_counter() - tic
        test = evaluate_loss(model, kind, test_images, beta)
        history.append(dict(epoch=epoch, train_loss=train, test_loss=test, seconds=seconds))
        log(f"epoch {epoch}/{spec['epochs']}: train {train:.6g}, test {test:.6g}, {seconds:.2f} s")
        if not (math.isfinite(train) and math.isfinite(test)):
            status, diverged_epoch = "diverged", epoch
            log(f"loss is not finite at epoch {epoch}: the run diverged; stopping")
            break
    return dict(
        history=history,
        status=status,
        diverged_epoch=diverged_epoch,
        epochs_completed=len(history),
        seconds=time.perf_counter() - started,
    )
