"""Seconds of every epoch of a training job with and without flush_denormals.

The training job's own entry (train_autoencoder.main) runs in a fresh process
for each setting, twice, taking turns; each prints its history's seconds per
epoch and its last losses. Denormal numbers appear as training goes on (Adam's
second moments of units that stopped learning decay towards zero), so the
epochs of a longer run show what a short one hides. With --course it also
times the course report's loop (as in epoch_speed.py) over as many epochs, in a
process that keeps denormals, as that loop's code does. Run it by hand:

    .venv/bin/python benchmarks/denormals.py --model ae --epochs 12 --course
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
SCRIPTS = BENCHMARKS.parent / "workflow" / "scripts"
FASHION = "/usr/share/datasets/fashion-mnist"

PREPARE = """
import sys
from aestudy.atomic_files import torch_save
from aestudy.data.prepared import prepare_dataset
name, fmt = sys.argv[2], sys.argv[2]
torch_save(sys.argv[1], prepare_dataset(name, fmt, None if fmt == "digits" else sys.argv[3]))
"""

TRAIN = """
import sys
import pandas
import train_autoencoder
from aestudy.config import resolve_config
folder, kind, epochs, threads, flush = sys.argv[1:6]
raw = {"kind": kind, "epochs": int(epochs), "flush_denormals": flush == "true"}
spec = resolve_config({"models": {kind: raw}}, check_paths=False)["models"][kind]
z = {"ae": 4, "vae": 20}.get(kind, spec["latent_dims"][0])
train_autoencoder.main(
    f"{folder}/data.pt", spec, dict(model=kind, latent_dim=z, seed=0), f"{folder}/model.pt",
    f"{folder}/history.csv", f"{folder}/checkpoint.pt", threads=int(threads), log=lambda _: None,
)
history = pandas.read_csv(f"{folder}/history.csv")
seconds = " ".join(f"{s:.2f}" for s in history.seconds)
last = history.iloc[-1]
print(f"{seconds} | last train loss {last.train_loss:.6g}, test loss {last.test_loss:.6g}")
"""


# The course report's loop (benchmarks/epoch_speed.py) as its code runs: no flush.
COURSE = """
import sys, time
import torch
from torch.utils.data import DataLoader
import epoch_speed
from aestudy.config import resolve_config
from aestudy.kinds import build_model
from aestudy.training.loop import make_optimizer, seed_everything
folder, kind, epochs, threads = sys.argv[1:5]
torch.set_num_threads(int(threads))
seed_everything(0)
spec = resolve_config({"models": {kind: {"kind": kind}}}, check_paths=False)["models"][kind]
model = build_model(spec, (1, 28, 28), {"ae": 4, "vae": 20}[kind])
optimizer = make_optimizer({**spec, "fused_optimizer": False}, model.parameters())
loader = DataLoader(epoch_speed.torchvision_fashion_mnist(folder), batch_size=64, shuffle=True)
seconds = []
for _ in range(int(epochs)):
    tic = time.perf_counter()
    epoch_speed.course_epoch(model, kind, optimizer, loader)
    seconds.append(time.perf_counter() - tic)
print(" ".join(f"{s:.2f}" for s in seconds))
"""


def python(code, *args):
    env = dict(os.environ, PYTHONPATH=f"{SCRIPTS}:{BENCHMARKS}")
    process = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env
    )
    if process.returncode != 0:
        sys.exit(process.stderr[-3000:])
    return process.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ae", help="a kind trained on 28x28 images (ae, vae)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dataset", default="fashion_mnist", choices=["fashion_mnist", "digits"])
    parser.add_argument(
        "--course", action="store_true", help="also time the course report's loop, unflushed"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        python(PREPARE, f"{folder}/data.pt", args.dataset, FASHION)
        print(f"# {args.model} on {args.dataset}, {args.epochs} epochs, {args.threads} threads")
        print("# flush_denormals: seconds of each epoch | the last epoch's losses")
        for flush in ("false", "true", "false", "true"):
            seconds = python(TRAIN, folder, args.model, args.epochs, args.threads, flush)
            print(f"{flush:5}: {seconds}", flush=True)
        if args.course:
            seconds = python(COURSE, folder, args.model, args.epochs, args.threads)
            print(f"course loop, unflushed: {seconds}")


if __name__ == "__main__":
    main()
