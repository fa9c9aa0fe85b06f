"""Does training several seeds in one process with torch.func (stacked modules + vmap)
pay on this machine? Times one step of S seeds vectorised against the pipeline's
step for one seed, per seed, for the AE and the VAE.

    .venv/bin/python benchmarks/seed_vmap.py --seeds 3

Data: Debian's Fashion-MNIST (dataset-fashion-mnist). Every seed gets its own batch.
"""

import argparse
import copy
import sys
import time
from pathlib import Path

import torch
from torch.func import functional_call, grad_and_value, stack_module_state, vmap

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))

from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.prepared import to_float  # noqa: E402
from aestudy.data.readers import read_idx_folder  # noqa: E402
from aestudy.kinds import build_model  # noqa: E402
from aestudy.kinds.losses import mse_loss  # noqa: E402
from aestudy.kinds.vae.model import vae_loss  # noqa: E402
from aestudy.training.loop import (  # noqa: E402
    flatten_parameters,
    make_optimizer,
    make_train_step,
    seed_everything,
)

FASHION = Path("/usr/share/datasets/fashion-mnist")


def vectorised_step(spec, image_shape, latent_dim, seeds):
    """A step that trains `seeds` models at once: vmap over stacked parameters."""
    models = []
    for seed in range(seeds):
        torch.manual_seed(seed)
        models.append(build_model(spec, image_shape, latent_dim))
    parameters, buffers = stack_module_state(models)
    skeleton = copy.deepcopy(models[0]).to("meta")

    def loss_of(params, bufs, x):
        out = functional_call(skeleton, (params, bufs), (x,))
        if spec["kind"] == "vae":
            return vae_loss(out[0], x, out[1], out[2], spec["beta"])
        return mse_loss(out, x)

    gradient_and_loss = vmap(grad_and_value(loss_of), randomness="different")
    tensors = list(parameters.values())
    optimizer = make_optimizer(spec, tensors)

    def step(xs):
        grads, loss = gradient_and_loss(parameters, buffers, xs)
        for tensor, name in zip(tensors, parameters, strict=True):
            tensor.grad = grads[name]
        optimizer.step()
        return loss

    return step


def seconds_per_step(step, batches, warmup=20):
    for batch in batches[:warmup]:
        step(batch)
    tic = time.perf_counter()
    for batch in batches:
        step(batch)
    return (time.perf_counter() - tic) / len(batches)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seed_everything(0)
    config = resolve_config({"models": {"ae": {"kind": "ae"}, "vae": {"kind": "vae"}}})
    images = to_float(read_idx_folder(FASHION)[0])
    image_shape, size = tuple(images.shape[1:]), 64
    steps_per_epoch = -(-len(images) // size)
    print(
        f"| model | vmap, {args.seeds} seeds: ms/step | per seed | pipeline, one seed: "
        "ms/step | per-seed epoch, vmap | per-seed epoch, pipeline |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, latent_dim in (("ae", 4), ("vae", 20)):
        spec = config["models"][name]
        stacked = [
            images[i * args.seeds * size : (i + 1) * args.seeds * size].view(
                args.seeds, size, *image_shape
            )
            for i in range(args.steps)
        ]
        vectorised = seconds_per_step(
            vectorised_step(spec, image_shape, latent_dim, args.seeds), stacked
        )
        torch.manual_seed(0)
        model = build_model(spec, image_shape, latent_dim)
        flat = flatten_parameters(model)
        step = make_train_step(model, spec, make_optimizer(spec, [flat]), flat)
        single = seconds_per_step(
            step, [images[i * size : (i + 1) * size] for i in range(args.steps)]
        )
        per_seed = vectorised / args.seeds
        print(
            f"| {name} | {vectorised * 1e3:.2f} | {per_seed * 1e3:.2f} | {single * 1e3:.2f} | "
            f"{per_seed * steps_per_epoch:.2f} s | {single * steps_per_epoch:.2f} s |",
            flush=True,
        )


if __name__ == "__main__":
    main()
