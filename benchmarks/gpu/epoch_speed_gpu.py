"""benchmarks/epoch_speed.py on a GPU: seconds per training epoch of each default
model, the course report's loop against the pipeline's trainer, and the trainer
with `compile: true, compile_mode: reduce-overhead` (each step replayed as a CUDA
graph), all on CUDA.

    python3 benchmarks/gpu/epoch_speed_gpu.py --epochs 2

epoch_speed.py's own loops, with the data and model on the GPU. The data are
random images of Fashion-MNIST's and CIFAR-10's shapes (a GPU machine has no
Debian datasets; the values do not change the time), the course loop reading
the MNIST-shaped ones through torchvision's FashionMNIST class as there.
"""

import argparse
import gzip
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1] / "workflow" / "scripts"))

import epoch_speed  # noqa: E402

from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.formats import IMAGE_SHAPES  # noqa: E402
from aestudy.data.prepared import to_float  # noqa: E402
from aestudy.kinds import build_model  # noqa: E402
from aestudy.training.loop import (  # noqa: E402
    flatten_parameters,
    flush_denormals,
    make_optimizer,
    make_train_step,
    seed_everything,
    train_epoch,
)

# The course report's AE is timed at latent size 4; the others at their first size.
COURSE_LATENT_DIM = {"ae": 4}

VARIANTS = {
    "pipeline": {},
    "reduce-overhead": {"compile": True, "compile_mode": "reduce-overhead"},
}


def write_idx(folder, images):
    """Fashion-MNIST's four files, gzipped IDX, holding `images` (uint8 [N, 28, 28])
    as the training set, for torchvision's FashionMNIST class."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = torch.zeros(len(images), dtype=torch.uint8)
    for prefix in ("train", "t10k"):
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb", compresslevel=1) as f:
            f.write(struct.pack(">IIII", 2051, len(images), 28, 28))
            f.write(images.numpy().tobytes())
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb", compresslevel=1) as f:
            f.write(struct.pack(">II", 2049, len(labels)))
            f.write(labels.numpy().tobytes())


class OnDevice:
    """The course loop's DataLoader, each batch moved to the GPU as its code did."""

    def __init__(self, loader, device):
        self.loader, self.device = loader, device

    def __iter__(self):
        for img, label in self.loader:
            yield img.to(self.device, non_blocking=True), label


def course_loop(spec, image_shape, latent_dim, course_set, device):
    torch.manual_seed(0)
    model = build_model(spec, image_shape, latent_dim).to(device)
    optimizer = make_optimizer({**spec, "fused_optimizer": False}, model.parameters())
    loader = DataLoader(course_set, batch_size=spec["batch_size"], shuffle=True)

    def run():
        epoch_speed.course_epoch(model, spec["kind"], optimizer, OnDevice(loader, device))
        torch.cuda.synchronize(device)

    return run


def pipeline_loop(spec, latent_dim, images, device):
    torch.manual_seed(0)
    model = build_model(spec, tuple(images.shape[1:]), latent_dim).to(device)
    flat = flatten_parameters(model)
    step = make_train_step(model, spec, make_optimizer(spec, [flat]), flat, log=lambda _: None)
    generator = torch.Generator().manual_seed(0)
    labels = torch.zeros(len(images), dtype=torch.long, device=device)
    return lambda: train_epoch(model, step, images, labels, spec["batch_size"], generator)


def matmul_peak(device, size=8192, repeats=10):
    a, b = (torch.randn(size, size, device=device) for _ in range(2))
    a @ b
    torch.cuda.synchronize(device)
    tic = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - tic) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per loop (best kept)")
    parser.add_argument("--models", nargs="*", default=["ae", "vae", "cnn_ae"])
    parser.add_argument("--no-course", action="store_true", help="leave the course loop out")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("No GPU is present: PyTorch finds no CUDA device.")
    device = torch.device("cuda", 0)
    flush_denormals(True)
    seed_everything(0)
    config = resolve_config(
        {"models": {"ae": {"kind": "ae"}, "cnn_ae": {"kind": "cnn_ae"}, "vae": {"kind": "vae"}}}
    )
    generator = torch.Generator().manual_seed(0)
    mnist_like = torch.randint(0, 256, (60_000, 1, 28, 28), dtype=torch.uint8, generator=generator)
    cifar_like = torch.randint(0, 256, (50_000, 3, 32, 32), dtype=torch.uint8, generator=generator)
    workdir = Path(tempfile.mkdtemp())
    epoch_speed.FASHION = workdir / "idx"  # where torchvision_idx_dataset reads from
    write_idx(epoch_speed.FASHION, mnist_like[:, 0])
    peak = matmul_peak(device)
    print(
        f"# {torch.cuda.get_device_name(device)}, torch {torch.__version__}; "
        f"float32 matmul peak {peak / 1e3:.1f} TFLOP/s",
        flush=True,
    )
    names = (["course"] if not args.no_course else []) + list(VARIANTS)
    header = (
        "| model | "
        + " | ".join(f"{n} s/epoch" for n in names)
        + " | GFLOP/epoch | share of peak, pipeline | reduce-overhead |\n"
        + "|---|"
        + "---:|" * (len(names) + 3)
    )
    rows = []
    for name in args.models:
        spec = config["models"][name]
        latent_dim = COURSE_LATENT_DIM.get(name, spec["latent_dims"][0])
        colour = IMAGE_SHAPES[spec["dataset"]][0] == 3
        raw = cifar_like if colour else mnist_like
        images = to_float(raw, device)
        loops = {}
        if not args.no_course:
            course_set = (
                epoch_speed.CifarLike(raw)
                if colour
                else epoch_speed.torchvision_idx_dataset(workdir / "torchvision")
            )
            loops["course"] = course_loop(
                spec, tuple(raw.shape[1:]), latent_dim, course_set, device
            )
        for variant, settings in VARIANTS.items():
            loops[variant] = pipeline_loop({**spec, **settings}, latent_dim, images, device)
        tic = time.perf_counter()
        loops["reduce-overhead"]()  # compiling and recording happen once, before the timing
        compile_seconds = time.perf_counter() - tic
        times = epoch_speed.time_epochs(loops, args.epochs)
        model = build_model(spec, tuple(images.shape[1:]), latent_dim).to(device)
        flops = epoch_speed.flops_per_epoch(model, spec["kind"], images, spec["batch_size"])
        shares = [f"{flops / times[v] / 1e9 / peak:.1%}" for v in VARIANTS]
        rows.append(
            f"| {name} | "
            + " | ".join(f"{times[n]:.2f}" for n in names)
            + f" | {flops / 1e9:.0f} | {' | '.join(shares)} |"
        )
        print(f"{rows[-1]}  (first reduce-overhead epoch, compiling: {compile_seconds:.0f} s)")
        sys.stdout.flush()
    print("\n" + header + "\n" + "\n".join(rows))
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
