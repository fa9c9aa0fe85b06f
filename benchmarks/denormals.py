"""Seconds of every epoch of a training job with and without flush_denormals.

The training job's own entry (train_autoencoder.main) runs in a fresh process
for each setting, twice, taking turns; each prints its history's seconds per
epoch and its last losses. Denormal numbers appear as training goes on (Adam's
second moments of units that stopped learning decay towards zero), so the
epochs of a longer run show what a short one hides. With --course it also
times the course report's loop (epoch_speed.py's) over as many epochs, in a
process that keeps denormals, as that loop's code does. Run it by hand:

    .venv/bin/python benchmarks/denormals.py --model ae --epochs 12 --course
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
SCRIPTS = BENCHMARKS.parent / "workflow" / "scripts"
sys.path.insert(0, str(SCRIPTS))

import prepare_data  # noqa: E402

from aestudy.config import resolve_config  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"

# Each runs in a fresh process: the mode must be set before PyTorch's worker
# threads start, as the training job sets it.
TRAIN = """
import json, sys
import pandas
import train_autoencoder
folder, spec, latent_dim, threads = sys.argv[1], json.loads(sys.argv[2]), *map(int, sys.argv[3:5])
files = train_autoencoder.RunFiles(
    f"{folder}/model.pt", f"{folder}/history.csv", f"{folder}/architecture.json",
    f"{folder}/checkpoint.pt",
)
train_autoencoder.main(
    f"{folder}/data.pt", spec, [dict(model=spec["kind"], latent_dim=latent_dim, seed=0)],
    [files], threads=threads, log=lambda _: None,
)
history = pandas.read_csv(f"{folder}/history.csv")
seconds = " ".join(f"{s:.2f}" for s in history.seconds)
last = history.iloc[-1]
print(f"{seconds} | last train loss {last.train_loss:.6g}, test loss {last.test_loss:.6g}")
"""

COURSE = """
import json, sys, time
import torch
import epoch_speed
from aestudy.training.loop import seed_everything
folder, spec, latent_dim, threads = sys.argv[1], json.loads(sys.argv[2]), *map(int, sys.argv[3:5])
torch.set_num_threads(threads)
seed_everything(0)
course_set = epoch_speed.torchvision_idx_dataset(folder)
run_epoch = epoch_speed.course_loop(spec, (1, 28, 28), latent_dim, course_set)
seconds = []
for _ in range(spec["epochs"]):
    tic = time.perf_counter()
    run_epoch()
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
    if args.course and args.dataset != "fashion_mnist":
        parser.error("--course trains the course loop on Fashion-MNIST only")
    raw = {"kind": args.model, "epochs": args.epochs}
    spec = resolve_config({"models": {"m": raw}}, check_paths=False)["models"]["m"]
    latent_dim = 4 if args.model == "ae" else spec["latent_dims"][0]  # as epoch_speed.py
    with tempfile.TemporaryDirectory() as folder:
        dataset = {"format": args.dataset, "path": FASHION if args.dataset != "digits" else None}
        prepare_data.main(f"{folder}/data.pt", args.dataset, dataset, log=lambda _: None)
        print(f"# {args.model} on {args.dataset}, {args.epochs} epochs, {args.threads} threads")
        print("# flush_denormals: seconds of each epoch | the last epoch's losses")
        for flush in (False, True, False, True):
            spec_json = json.dumps({**spec, "flush_denormals": flush})
            seconds = python(TRAIN, folder, spec_json, latent_dim, args.threads)
            print(f"{str(flush).lower():5}: {seconds}", flush=True)
        if args.course:
            seconds = python(COURSE, folder, json.dumps(spec), latent_dim, args.threads)
            print(f"course loop, unflushed: {seconds}")


if __name__ == "__main__":
    main()
