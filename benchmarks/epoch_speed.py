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
from aestudy.data import read_idx_folder, to_float  # noqa: E402
from aestudy.losses import vae_loss  # noqa: E402
from aestudy.models import build_model  # noqa: E402
from aestudy.training import batch_loss, make_optimizer, train_epoch  # noqa: E402

FASHION = Path("/usr/share/datasets/fashion-mnist")


# -- the course report's loop ----------------------------------------------------------


def torchvision_fashion_mnist(workdir):
    """torchvision's own FashionMNIST dataset class over Debian's files."""
    import torchvision
    from torchvision.transforms import ToTensor

    raw = Path(workdir) / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for source in FASHION.glob("*.gz"):
        with gzip.open(source) as packed, open(raw / source.stem, "wb") as unpacked:
            shutil.copyfileobj(packed, unpacked)
    return torchvision.datasets.FashionMNIST(
        workdir, train=True, download=False, transform=ToTensor()
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


def course_epoch(model, kind, optimizer, loader):
    """The course report's training loop, one epoch."""
    model.train()
    criterion = torch.nn.MSELoss()
    train_loss = 0.0
    for img, _ in loader:
        optimizer.zero_grad()
        if kind == "vae":
            recon, mean, logvar = model(img)
            loss = vae_loss(recon, img, mean, logvar)
            loss.backward()
            train_loss += loss.item()  # the course report read the loss every batch
        else:
            loss = criterion(model(img), img)
            loss.backward()
        optimizer.step()
    return train_loss


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
        loss, _ = batch_loss(model, kind, x, 1.0)
        loss.backward()
    model.zero_grad(set_to_none=True)
    steps = -(-len(images) // batch_size)
    return counter.get_total_flops() * steps


def same_weights_check(spec, image_shape, latent_dim, images, steps=30, batch_size=64):
    """Fed the same batches, the course loop and ours reach the same weights."""
    weights = []
    for ours in (False, True):
        torch.manual_seed(0)
        model = build_model(spec, image_shape, latent_dim)
        optimizer = make_optimizer(spec, model.parameters())
        torch.manual_seed(1)  # the VAE's noise
        for step in range(steps):
            x = images[step * batch_size : (step + 1) * batch_size]
            optimizer.zero_grad()
            if ours:
                loss, _ = batch_loss(model, spec["kind"], x, 1.0)
            elif spec["kind"] == "vae":
                recon, mean, logvar = model(x)
                loss = vae_loss(recon, x, mean, logvar)
            else:
                loss = torch.nn.MSELoss()(model(x), x)
            loss.backward()
            optimizer.step()
        weights.append([p.detach().clone() for p in model.parameters()])
    return all(torch.equal(a, b) for a, b in zip(*weights, strict=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--epochs", type=int, default=2, help="timed epochs per loop (best is kept)"
    )
    parser.add_argument("--models", nargs="*", default=["ae", "vae", "cnn_ae"])
    parser.add_argument("--check", action="store_true", help="verify both loops compute the same")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    config = resolve_config(
        {"models": {"ae": {"kind": "ae"}, "cnn_ae": {"kind": "cnn_ae"}, "vae": {"kind": "vae"}}}
    )
    workdir = tempfile.mkdtemp()
    fashion = read_idx_folder(FASHION)[0]
    cifar_like = torch.randint(0, 256, (50_000, 3, 32, 32), dtype=torch.uint8,
                               generator=torch.Generator().manual_seed(0))  # fmt: skip
    peak = matmul_peak(args.threads)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} threads; matmul peak {peak:.0f} GFLOP/s")  # fmt: skip
    print(
        "| model | course loop s/epoch | pipeline s/epoch | speed-up | GFLOP/epoch | share of peak |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.models:
        spec = config["models"][name]
        latent_dim = spec["latent_dims"][0] if name != "ae" else 4
        if name == "cnn_ae":
            images, course_set = cifar_like, CifarLike(cifar_like)
        else:
            images, course_set = fashion, torchvision_fashion_mnist(workdir)
        image_shape = tuple(images.shape[1:])
        float_images = to_float(images)
        if args.check:
            same = same_weights_check(spec, image_shape, latent_dim, float_images)
            print(f"# {name}: same weights after 30 identical batches: {same}")
        times = {}
        for loop in ("course", "pipeline"):
            torch.manual_seed(0)
            model = build_model(spec, image_shape, latent_dim)
            optimizer = make_optimizer(spec, model.parameters())
            loader = DataLoader(course_set, batch_size=spec["batch_size"], shuffle=True)
            generator = torch.Generator().manual_seed(0)
            best = float("inf")
            for _ in range(args.epochs):
                tic = time.perf_counter()
                if loop == "course":
                    course_epoch(model, spec["kind"], optimizer, loader)
                else:
                    train_epoch(model, spec["kind"], optimizer, float_images, spec["batch_size"],
                                1.0, generator)  # fmt: skip
                best = min(best, time.perf_counter() - tic)
            times[loop] = best
        flops = flops_per_epoch(build_model(spec, image_shape, latent_dim), spec["kind"],
                                float_images, spec["batch_size"])  # fmt: skip
        share = flops / times["pipeline"] / 1e9 / peak
        print(f"| {name} | {times['course']:.2f} | {times['pipeline']:.2f} | "
              f"{times['course'] / times['pipeline']:.1f}x | {flops / 1e9:.0f} | {share:.0%} |",
              flush=True)  # fmt: skip
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
