"""Seconds per training epoch of each default model: the course report's loop
(torchvision dataset + ToTensor + DataLoader) against the pipeline's trainer.

Both train the same model with the same optimizer, batch size and number of
steps per epoch; `--check` first verifies that, fed the same batches, the two
loops end with the same weights. Run it by hand, in one process:

    .venv/bin/python benchmarks/epoch_speed.py --threads 2 --epochs 2

Data: Debian's Fashion-MNIST (dataset-fashion-mnist) for the 28x28 models,
random CIFAR-shaped uint8 arrays (50,000 x 3 x 32 x 32) for the CNN-AE.
"""

import argparse
import gzip
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))

from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.prepared import to_float  # noqa: E402
from aestudy.data.readers import read_idx_folder  # noqa: E402
from aestudy.kinds import build_model  # noqa: E402
from aestudy.kinds.vae.model import vae_loss  # noqa: E402
from aestudy.training.loop import (  # noqa: E402
    batch_loss,
    flatten_parameters,
    flush_denormals,
    make_optimizer,
    make_train_step,
    seed_everything,
    train_epoch,
)

FASHION = Path("/usr/share/datasets/fashion-mnist")


# -- the course report's loop ----------------------------------------------------------


def torchvision_idx_dataset(workdir, source=None, name="FashionMNIST", train=True):
    """torchvision's own dataset class `name` (FashionMNIST, MNIST) over the IDX files
    (gzipped) of the folder `source` (FASHION by default, read when called), as the
    course report's loop reads them."""
    import torchvision
    from torchvision.transforms import ToTensor

    raw = Path(workdir) / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for packed_path in Path(source or FASHION).glob("*.gz"):
        if not (raw / packed_path.stem).exists():
            with gzip.open(packed_path) as packed, open(raw / packed_path.stem, "wb") as unpacked:
                shutil.copyfileobj(packed, unpacked)
    return getattr(torchvision.datasets, name)(
        workdir, train=train, download=False, transform=ToTensor()
    )


class CifarLike(Dataset):
    """What torchvision.datasets.CIFAR10 does per item: HWC uint8 -> PIL -> ToTensor."""

    def __init__(self, images):
        from torchvision.transforms import ToTensor

        self.data = np.ascontiguousarray(images.permute(0, 2, 3, 1).numpy())
        self.transform = ToTensor()

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        from PIL import Image

        return self.transform(Image.fromarray(self.data[index])), 0


def course_step(model, kind, optimizer, img):
    """The course report's step: zero_grad, forward, loss, backward, update."""
    optimizer.zero_grad()
    if kind == "vae":
        logits, mean, logvar = model(img)
        loss = vae_loss(logits, img, mean, logvar)
    else:
        loss = torch.nn.MSELoss()(model(img), img)
    loss.backward()
    optimizer.step()
    return loss


def course_epoch(model, kind, optimizer, loader):
    """The course report's training loop, one epoch."""
    model.train()
    train_loss = 0.0
    for img, _ in loader:
        loss = course_step(model, kind, optimizer, img)
        if kind == "vae":
            train_loss += loss.item()  # the course report read the loss every batch
    return train_loss


def pipeline_trainer(spec, image_shape, latent_dim):
    """The model and per-batch step exactly as aestudy.training.train_autoencoder sets them up."""
    model = build_model(spec, image_shape, latent_dim)
    flat = flatten_parameters(model)
    step = make_train_step(model, spec, make_optimizer(spec, [flat]), flat, log=lambda _: None)
    return model, step


# -- measurements ----------------------------------------------------------------------


def matmul_peak(threads, size=2048, repeats=10):
    """GFLOP/s of a large float32 matrix product on this many threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    tic = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - tic) / 1e9


def flops_per_epoch(model, kind, images, batch_size):
    x = images[:batch_size]
    with FlopCounterMode(display=False) as counter:
        loss, _ = batch_loss(model, x)
        loss.backward()
    model.zero_grad(set_to_none=True)
    steps = -(-len(images) // batch_size)
    return counter.get_total_flops() * steps


def compare_with_course_loop(spec, image_shape, latent_dim, images, steps=300, batch_size=64):
    """Feed the course loop and the pipeline's step the same batches (and the same VAE
    noise); return (weights bit-identical, losses bit-identical, largest weight
    difference)."""
    weights, losses = [], []
    for ours in (False, True):
        torch.manual_seed(0)
        if ours:
            model, step = pipeline_trainer(spec, image_shape, latent_dim)
        else:
            model = build_model(spec, image_shape, latent_dim)
            optimizer = make_optimizer({**spec, "fused_optimizer": False}, model.parameters())
        torch.manual_seed(1)  # the VAE's noise
        batch_losses = []
        for index in range(steps):
            x = images[index * batch_size : (index + 1) * batch_size]
            if ours:
                loss = step(x) / (len(x) if spec["kind"] != "vae" else 1)
            else:
                loss = course_step(model, spec["kind"], optimizer, x).detach()
            batch_losses.append(loss)
        weights.append([p.detach().clone() for p in model.parameters()])
        losses.append(torch.stack(batch_losses))
    pairs = list(zip(*weights, strict=True))
    largest = max((a - b).abs().max().item() for a, b in pairs)
    return all(torch.equal(a, b) for a, b in pairs), torch.equal(*losses), largest


def time_epochs(loops, epochs):
    """Best seconds of `epochs` epochs per loop; the loops take turns, epoch by epoch,
    so that a drift in the machine's speed hits them alike."""
    best = dict.fromkeys(loops, float("inf"))
    for _ in range(epochs):
        for name, run_epoch in loops.items():
            tic = time.perf_counter()
            run_epoch()
            best[name] = min(best[name], time.perf_counter() - tic)
    return best


def course_loop(spec, image_shape, latent_dim, course_set):
    """One epoch of the course report's loop, on a model of its own."""
    torch.manual_seed(0)
    model = build_model(spec, image_shape, latent_dim)
    optimizer = make_optimizer({**spec, "fused_optimizer": False}, model.parameters())
    loader = DataLoader(course_set, batch_size=spec["batch_size"], shuffle=True)
    return lambda: course_epoch(model, spec["kind"], optimizer, loader)


def epoch_loops(spec, latent_dim, images, course_set, options):
    """One epoch of each loop to time, by name: the course loop, the pipeline's trainer
    as configured, with fused_optimizer false, and (with `options`) compiled."""
    image_shape = tuple(images.shape[1:])

    def pipeline_epoch(variant):
        torch.manual_seed(0)
        model, step = pipeline_trainer({**spec, **variant}, image_shape, latent_dim)
        generator = torch.Generator().manual_seed(0)
        labels = torch.zeros(len(images), dtype=torch.long)  # read by conditional kinds only
        return lambda: train_epoch(model, step, images, labels, spec["batch_size"], generator)

    loops = {
        "course": course_loop(spec, image_shape, latent_dim, course_set),
        "pipeline": pipeline_epoch({}),
        "bit_identical": pipeline_epoch({"fused_optimizer": False}),
    }
    if options:
        loops["compile"] = pipeline_epoch({"compile": True})
        loops["compile"]()  # compiling happens once, before the timed epochs
    return loops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--epochs", type=int, default=3, help="timed epochs per loop (the best is kept)"
    )
    parser.add_argument("--models", nargs="*", default=["ae", "vae", "cnn_ae"])
    parser.add_argument("--check", action="store_true", help="verify both loops compute the same")
    parser.add_argument(
        "--options",
        action="store_true",
        help="also time the optional switch compile",
    )
    parser.add_argument(
        "--keep-denormals",
        action="store_true",
        help="run without flush_denormals (which is set for the whole process, so for both loops)",
    )
    args = parser.parse_args()
    flush_denormals(not args.keep_denormals)  # as a training job does: before any parallel op
    torch.set_num_threads(args.threads)
    seed_everything(0)  # the deterministic-kernel setting the pipeline trains with

    config = resolve_config(
        {"models": {"ae": {"kind": "ae"}, "cnn_ae": {"kind": "cnn_ae"}, "vae": {"kind": "vae"}}}
    )
    workdir = tempfile.mkdtemp()
    fashion = read_idx_folder(FASHION)[0]
    cifar_like = torch.randint(
        0, 256, (50_000, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    peak = matmul_peak(args.threads)
    print(
        f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{args.threads} threads, denormals {'kept' if args.keep_denormals else 'flushed'}; "
        f"matmul peak {peak:.0f} GFLOP/s"
    )
    rows, option_rows = [], []
    for name in args.models:
        spec = config["models"][name]
        latent_dim = spec["latent_dims"][0] if name != "ae" else 4
        if name == "cnn_ae":
            images, course_set = cifar_like, CifarLike(cifar_like)
        else:
            images, course_set = fashion, torchvision_idx_dataset(workdir)
        image_shape = tuple(images.shape[1:])
        float_images = to_float(images)
        if args.check:
            for fused in (False, True):
                same_weights, same_losses, largest = compare_with_course_loop(
                    {**spec, "fused_optimizer": fused}, image_shape, latent_dim, float_images
                )
                print(
                    f"# {name}, fused_optimizer {str(fused).lower()}: after 300 identical "
                    f"batches, weights bit-identical: {same_weights}, batch losses "
                    f"bit-identical: {same_losses}, largest weight difference {largest:.1e}",
                    flush=True,
                )

        loops = epoch_loops(spec, latent_dim, float_images, course_set, args.options)
        times = time_epochs(loops, args.epochs)
        flops = flops_per_epoch(
            build_model(spec, image_shape, latent_dim),
            spec["kind"],
            float_images,
            spec["batch_size"],
        )
        share = flops / times["pipeline"] / 1e9 / peak
        rows.append(
            f"| {name} | {times['course']:.2f} | {times['pipeline']:.2f} | "
            f"{times['course'] / times['pipeline']:.1f}x | {times['bit_identical']:.2f} | "
            f"{flops / 1e9:.0f} | {share:.0%} |"
        )
        print(rows[-1], flush=True)
        if args.options:
            option_rows.append(f"| {name} | {times['pipeline']:.2f} | {times['compile']:.2f} |")
    end_peak = matmul_peak(args.threads)
    print(f"\n# matmul peak {peak:.0f} GFLOP/s before, {end_peak:.0f} after\n")
    print(
        "| model | course loop s/epoch | pipeline s/epoch | speed-up | pipeline with "
        "fused_optimizer: false | GFLOP/epoch | share of peak |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )
    print("\n".join(rows))
    if option_rows:
        print("\n| model | pipeline | compile: true |\n|---|---:|---:|")
        print("\n".join(option_rows))
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
