"""Seconds of every epoch of a training job with and without flush_denormals.

The training job's own entry (train_autoencoder.main) runs in a fresh process
for each setting, twice, taking turns; each prints its history's seconds per
epoch and its last losses. Denormal numbers appear as training goes on (Adam's
second moments of units that stopped learning decay towards zero), so the
epochs of a longer run show what a short one hides. Run it by hand:

    .venv/bin/python benchmarks/denormals.py --model ae --epochs 12
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
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


def python(code, *args):
    env = dict(os.environ, PYTHONPATH=str(SCRIPTS))
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        python(PREPARE, f"{folder}/data.pt", args.dataset, FASHION)
        print(f"# {args.model} on {args.dataset}, {args.epochs} epochs, {args.threads} threads")
        print("# flush_denormals: seconds of each epoch | the last epoch's losses")
        for flush in ("false", "true", "false", "true"):
            seconds = python(TRAIN, folder, args.model, args.epochs, args.threads, flush)
            print(f"{flush:5}: {seconds}", flush=True)


if __name__ == "__main__":
    main()
