"""Training, top to bottom: seed, optimizer, the step, an epoch, the whole run.

The whole training set lives on the device as one tensor; batches are drawn by
index from a seeded permutation, each batch is one call of a step, and the loss
is read back once an epoch. The model's own `loss(x, outputs)` says what is
minimised and what is recorded: per pixel (MSE) for the autoencoders, per image
(BCE + beta KL) for the VAE, averaged over the epoch's images.
"""

import math
import os
import random
import time

import numpy as np
import torch
from torch import nn

from aestudy.training.checkpoint import load_checkpoint, restore, save_checkpoint
from aestudy.training.written_out_backward import WrittenOutStep


def seed_everything(seed):
    # Deterministic kernels where PyTorch has them (cuBLAS needs the workspace
    # setting before CUDA starts); warn rather than fail where it has none.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def flush_denormals(flush):
    """Whether this process's CPU arithmetic treats denormal numbers as zero (see the
    config key flush_denormals). Call it before the first parallel operation: the
    mode belongs to each thread, and the worker threads of PyTorch's CPU kernels
    copy it from this one when they start."""
    torch.set_flush_denormal(flush)


def make_optimizer(spec, parameters):
    name, lr, decay = spec["optimizer"], spec["lr"], spec["weight_decay"]
    fused = spec["fused_optimizer"] or None  # None: PyTorch's default
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=decay, fused=fused)
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=lr, weight_decay=decay, fused=fused)
    return torch.optim.SGD(parameters, lr=lr, weight_decay=decay, momentum=0.9)


ALIGNMENT = 16  # floats: 64 bytes, the alignment PyTorch gives every new CPU tensor


def flatten_parameters(model):
    """Make `model`'s parameters and gradients views of two flat tensors; return the
    flat parameter (its `.grad` is the flat gradient) for the optimizer, which then
    updates one tensor a step instead of two a layer. Adam, AdamW and SGD are
    elementwise, so this is the same arithmetic, bit for bit.

    Each view starts on a 64-byte boundary, as a tensor of its own would: BLAS
    rounds some products differently into a less aligned output. The padding
    between views stays zero and is never updated."""
    parameters = list(model.parameters())
    offsets, total = [], 0
    for p in parameters:
        offsets.append(total)
        total += -(-p.numel() // ALIGNMENT) * ALIGNMENT
    flat = nn.Parameter(parameters[0].new_zeros(total))
    flat.grad = torch.zeros_like(flat)
    for p, offset in zip(parameters, offsets, strict=True):
        size = p.numel()
        flat.data[offset : offset + size] = p.detach().reshape(-1)
        p.data = flat.data[offset : offset + size].view_as(p)
        # Autograd adds into an existing .grad in place, so gradients land in flat.grad.
        p.grad = flat.grad[offset : offset + size].view_as(p)
    return flat


def batch_loss(model, x, y=None, mixed_precision=False):
    """(loss to minimise, the batch's sum of the recorded loss). With mixed
    precision only the forward pass runs in reduced precision (float16 on CUDA,
    bfloat16 on the CPU); the loss is computed in float32. `y`: the images' class
    labels, which a conditional model reads."""
    dtype = torch.float16 if x.device.type == "cuda" else torch.bfloat16
    with torch.autocast(x.device.type, dtype=dtype, enabled=mixed_precision):
        outputs = model(x, y)
    if isinstance(outputs, tuple):
        return model.loss(x, tuple(t.float() for t in outputs))
    return model.loss(x, outputs.float())


class AutogradStep:
    """The plain step: forward, loss, backward, optimizer step. It serves every
    model and option; returns the batch's recorded loss sum."""

    def __init__(self, model, optimizer, flat, mixed_precision=False, scaler=None):
        self.model, self.optimizer, self.flat = model, optimizer, flat
        self.mixed_precision, self.scaler = mixed_precision, scaler

    def __call__(self, x, y=None):
        self.flat.grad.zero_()
        loss, item_sum = batch_loss(self.model, x, y, self.mixed_precision)
        if self.scaler is not None:  # float16 on CUDA: scale the loss against underflow
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            self.optimizer.step()
        return item_sum.detach()


def make_train_step(model, spec, optimizer, flat, scaler=None, log=print):
    """The step `train_epoch` calls per batch: the model's written-out backward where
    it has one (the same bits, faster), else the plain step, compiled if asked."""
    if spec["compile"]:
        mode = spec["compile_mode"]
        if mode == "reduce-overhead" and flat.device.type != "cuda":
            log(
                "compile_mode reduce-overhead uses CUDA graphs, which need a GPU; "
                "compiling without them"
            )
        # Compiling changes how, not what, is computed; the weights stay in `model`.
        model = torch.compile(model, mode=mode)
    elif not spec["mixed_precision"] and WrittenOutStep.supports(model):
        log("training step: backward written out (aestudy.training.written_out_backward)")
        return WrittenOutStep(model, optimizer)
    log("training step: autograd (aestudy.training.loop.AutogradStep)")
    return AutogradStep(model, optimizer, flat, spec["mixed_precision"], scaler)


def train_epoch(model, step, images, labels, batch_size, generator):
    """One pass over `images` (and their `labels`) in a seeded random order; the
    mean recorded loss."""
    model.train()
    order = torch.randperm(len(images), generator=generator).to(images.device)
    total = torch.zeros((), device=images.device)
    for start in range(0, len(images), batch_size):
        batch = order[start : start + batch_size]
        total += step(images.index_select(0, batch), labels.index_select(0, batch))
    return total.item() / len(images)  # the one host sync of the epoch


@torch.no_grad()
def evaluate_loss(model, images, labels=None, batch_size=1000):
    model.eval()
    total = torch.zeros((), device=images.device)
    for start in range(0, len(images), batch_size):
        y = None if labels is None else labels[start : start + batch_size]
        total += batch_loss(model, images[start : start + batch_size], y)[1]
    return total.item() / len(images)


def train_autoencoder(
    model,
    spec,
    train_images,
    test_images,
    seed,
    log=print,
    checkpoint_path=None,
    checkpoint_every=0,
    identity=None,
    train_labels=None,
    test_labels=None,
):
    """Train `model` as `spec` says; return the history and how the run ended.

    A loss that turns NaN or infinite stops the run with status 'diverged'.
    With a checkpoint path, the state is saved every `checkpoint_every` epochs
    and a run that finds a checkpoint of its own resumes from it. The labels are
    the images' classes, which a conditional model reads (the others ignore them).
    """
    if train_labels is None:  # an unconditional model trained on images alone
        train_labels = torch.zeros(len(train_images), dtype=torch.long, device=train_images.device)
    mixed = spec["mixed_precision"]
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
        train = train_epoch(model, step, train_images, train_labels, spec["batch_size"], generator)
        epoch_seconds = time.perf_counter() - tic
        test = evaluate_loss(model, test_images, test_labels)
        seconds += time.perf_counter() - tic
        history.append(dict(epoch=epoch, train_loss=train, test_loss=test, seconds=epoch_seconds))
        log(
            f"epoch {epoch}/{spec['epochs']}: train {train:.6g}, test {test:.6g}, "
            f"{epoch_seconds:.2f} s"
        )
        if not (math.isfinite(train) and math.isfinite(test)):
            status, diverged_epoch = "diverged", epoch
            log(f"loss is not finite at epoch {epoch}: the run diverged; stopping")
            break
        if checkpoint_path and checkpoint_every and epoch % checkpoint_every == 0:
            save_checkpoint(
                checkpoint_path,
                identity,
                epoch,
                model,
                optimizer.state_dict(),
                generator,
                history,
                seconds,
            )
    return dict(
        history=history,
        status=status,
        diverged_epoch=diverged_epoch,
        epochs_completed=len(history),
        seconds=seconds,
    )
