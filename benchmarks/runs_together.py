"""Does training several runs of one shape in one step pay? Times R runs of the
MLP AE or VAE stacked into one step against the same R runs trained one after
another with the pipeline's own step, in one process, and checks that each run
of the stack is the run it would be alone.

    .venv/bin/python benchmarks/runs_together.py --runs 1 3 10 30

The stacked step is the pipeline's (aestudy.training.together): the written-out
backward over a leading run dimension, each weight a [R, out, in] view,
`baddbmm`/`bmm` where one run has `addmm`/`mm`, all parameters views of one flat
tensor and one fused Adam update of it. The flat tensor is timed in two layouts,
[R, parameters] and parameter-major (FlatStack), which the pipeline uses.
Each run keeps what it has alone: its seed's initial weights (`build_model`
after `torch.manual_seed(seed)`), its batch order (a permutation per epoch from
a generator seeded with its seed, as `train_epoch` draws it) and its VAE noise
(a generator of its own, in the state the global one is in when that run starts
training alone).

Timing data: random MNIST-shaped uint8 images (60,000; the values do not change
the time). Check data: scikit-learn's digits at 28x28, as the smoke study uses.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))

from aestudy.config import resolve_config  # noqa: E402
from aestudy.data.embedded import embedded_digits  # noqa: E402
from aestudy.data.prepared import to_float  # noqa: E402
from aestudy.kinds import build_model  # noqa: E402
from aestudy.training.loop import (  # noqa: E402
    batch_loss,
    flatten_parameters,
    flush_denormals,
    make_optimizer,
    make_train_step,
    seed_everything,
)
from aestudy.training.together import LAYOUTS, RunsTogether, noise_generator  # noqa: E402

DEFAULT_LATENT = {"ae": 4, "vae": 20}
# The largest weight difference after 300 steps between the fused and the unfused
# Adam update, fed the same batches (benchmarks/README.md, "Seconds per training
# epoch"): the rounding drift a change of the last bits leads to.
README_DRIFT = {"ae": 4.8e-3, "vae": 9.7e-2}


# -- what each run draws from its seed -------------------------------------------------


class Batches:
    """One run's batch indices, as `train_epoch` draws them: a new permutation from
    the run's generator at the start of every epoch, then slices of it."""

    def __init__(self, seed, count, size, device):
        self.generator = torch.Generator().manual_seed(seed)
        self.count, self.size, self.device = count, size, device
        self.start = count

    def next(self):
        if self.start >= self.count:
            self.order = torch.randperm(self.count, generator=self.generator).to(self.device)
            self.start = 0
        batch = self.order[self.start : self.start + self.size]
        self.start += self.size
        return batch


def seeded_model(spec, image_shape, latent_dim, seed, device):
    """(the model a training job starts from, the generator its VAE noise comes
    from): as train_autoencoder.py seeds and builds it."""
    torch.manual_seed(seed)
    model = build_model(spec, image_shape, latent_dim).to(device)
    return model, noise_generator(seed, device)


# -- the pipeline's step, one run ------------------------------------------------------


class Alone:
    """One run trained with the pipeline's own step (make_train_step), its batches
    drawn from its seed as train_epoch draws them, its VAE noise from the global
    generator as in a training job."""

    def __init__(self, spec, images, latent_dim, seed, device):
        self.model, self.noise = seeded_model(
            spec, tuple(images.shape[1:]), latent_dim, seed, device
        )
        self.flat = flatten_parameters(self.model)
        optimizer = make_optimizer(spec, [self.flat])
        self.step = make_train_step(self.model, spec, optimizer, self.flat, log=lambda _: None)
        self.batches = Batches(seed, len(images), spec["batch_size"], device)
        self.images = images
        self.model.train()

    def train(self, steps, record=None):
        """`steps` steps; the sum of their recorded losses (on the device)."""
        total = torch.zeros((), device=self.images.device)
        for _ in range(steps):
            batch = self.batches.next()
            loss = self.step(self.images.index_select(0, batch))
            total += loss
            if record is not None:
                record["batches"].append(batch.cpu())
                record["losses"].append(loss.detach().clone())
        return total


# -- the stacked step: the pipeline's (aestudy.training.together) ----------------------


class Stacked:
    """R runs of one model trained in one step by the pipeline's RunsTogether, each
    drawing its batches from its seed. With a compile mode the gradient function is
    compiled and returns its gradients by name (a CUDA graph's outputs live in
    memory of its own), which one multi-tensor copy puts into the flat gradient."""

    def __init__(self, spec, images, latent_dim, seeds, device, compile_mode=None, layout="runs"):
        image_shape = tuple(images.shape[1:])
        pairs = [seeded_model(spec, image_shape, latent_dim, seed, device) for seed in seeds]
        self.models = [model for model, _ in pairs]
        self.noise = [generator for _, generator in pairs]
        self.step_of = RunsTogether(
            self.models, spec, self.noise, functional=compile_mode is not None, layout=layout
        )
        if compile_mode is not None:
            self.step_of.gradients = torch.compile(self.step_of.gradients, mode=compile_mode)
        self.stack = self.step_of.stack
        self.batches = [Batches(seed, len(images), spec["batch_size"], device) for seed in seeds]
        self.images = images
        for model in self.models:
            model.train()

    def step(self):
        """One step of every run; each run's recorded loss sum, [R], and the batches."""
        index = torch.stack([b.next() for b in self.batches])
        x = self.images.index_select(0, index.view(-1)).view(*index.shape, *self.images.shape[1:])
        return self.step_of(x), index

    def train(self, steps, record=None):
        total = torch.zeros(len(self.batches), device=self.images.device)
        for _ in range(steps):
            losses, index = self.step()
            total += losses
            if record is not None:
                record["batches"].append(index.cpu())
                record["losses"].append(losses.clone())
        return total

    def run_weights(self, run):
        return {name: p[run] for name, p in self.stack.params.items()}


STACKED = ("ae", "vae")


# -- the check: each run of the stack is the run it would be alone ---------------------


def largest_difference(ours, theirs):
    return max((a - b).abs().max().item() for a, b in zip(ours, theirs, strict=True))


def generator_state(device, generator=None):
    if generator is not None:
        return generator.get_state()
    return torch.get_rng_state() if device.type == "cpu" else torch.cuda.get_rng_state(device)


def check_runs(spec, images, latent_dim, seeds, steps, device):
    """Train `seeds` stacked (in each layout) for `steps` steps, then each alone; one
    row of what was compared per layout and run."""
    device = torch.device(device)
    stacks = {}
    for layout in LAYOUTS:
        stacked = Stacked(spec, images, latent_dim, seeds, device, layout=layout)
        initial = [
            {n: t.clone() for n, t in stacked.run_weights(r).items()} for r in range(len(seeds))
        ]
        record = {"batches": [], "losses": []}
        stacked.train(steps, record)
        # [R, steps x B]: an epoch's last batch is smaller
        batches = torch.cat(record["batches"], 1)
        stacks[layout] = stacked, initial, batches, torch.stack(record["losses"]).cpu()
    rows = []
    for run, seed in enumerate(seeds):
        fresh, _ = seeded_model(spec, tuple(images.shape[1:]), latent_dim, seed, device)
        alone = Alone(spec, images, latent_dim, seed, device)  # seeds the global generators
        mine = {"batches": [], "losses": []}
        alone.train(steps, mine)
        noise_state = generator_state(device)
        losses = torch.stack(mine["losses"]).cpu()
        # The drift the README reports, measured here: the same run with the unfused update.
        plain = Alone({**spec, "fused_optimizer": False}, images, latent_dim, seed, device)
        plain.train(steps)
        drift = largest_difference(alone.model.parameters(), plain.model.parameters())
        names = [n for n, _ in alone.model.named_parameters()]
        for layout, (stacked, initial, batches, stacked_losses) in stacks.items():
            loss_diff = (losses - stacked_losses[:, run]).abs()
            weights = stacked.run_weights(run)
            rows.append(
                dict(
                    layout=layout,
                    seed=seed,
                    same_start=all(
                        torch.equal(p, initial[run][n]) for n, p in fresh.named_parameters()
                    ),
                    same_batches=torch.equal(torch.cat(mine["batches"]), batches[run]),
                    same_noise=torch.equal(
                        noise_state, generator_state(device, stacked.noise[run])
                    ),
                    loss_diff=loss_diff.max().item(),
                    loss_rel=(loss_diff / losses.abs()).max().item(),
                    weight_diff=largest_difference(
                        [p for _, p in alone.model.named_parameters()],
                        [weights[n] for n in names],
                    ),
                    drift=drift,
                )
            )
    return rows


# -- timing ----------------------------------------------------------------------------


def matmul_peak(device, size=2048, repeats=10):
    """GFLOP/s of a large float32 matrix product."""
    a, b = (torch.randn(size, size, device=device) for _ in range(2))
    for _ in range(2):
        a @ b
    synchronize(device)
    tic = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - tic) / 1e9


def synchronize(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def flops_per_step(spec, images, latent_dim):
    """Matrix-product FLOPs of one run's step (forward and backward, no input
    gradient), counted on autograd's step."""
    model = build_model(spec, tuple(images.shape[1:]), latent_dim).to(images.device)
    with FlopCounterMode(display=False) as counter:
        loss, _ = batch_loss(model, images[: spec["batch_size"]])
        loss.backward()
    return counter.get_total_flops()


def time_blocks(loops, steps, repeats, device):
    """Seconds of `steps` steps of each loop, `repeats` times, the loops taking turns
    (ABBA...), so that a drift of the machine hits both alike."""
    seconds = {name: [] for name in loops}
    names = list(loops)
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            synchronize(device)
            tic = time.perf_counter()
            loops[name](steps)
            synchronize(device)
            seconds[name].append(time.perf_counter() - tic)
    return seconds


def measure(spec, images, latent_dim, runs, args, peak, flops):
    """One row of the table: R runs alone (one after another) against R stacked, in
    each layout."""
    seeds = list(range(runs))
    alone = [Alone(spec, images, latent_dim, seed, args.device) for seed in seeds]

    def train_alone(steps):
        totals = [run.train(steps) for run in alone]
        return torch.stack(totals).sum().item()  # read back once, as an epoch is

    loops = {"alone": train_alone}
    for layout in LAYOUTS:
        stacked = Stacked(spec, images, latent_dim, seeds, args.device, args.compile_mode, layout)
        loops[layout] = lambda steps, stacked=stacked: stacked.train(steps).sum().item()
    for loop in loops.values():
        loop(args.warmup)  # compiling, recording CUDA graphs, first allocations
    seconds = time_blocks(loops, args.steps, args.repeats, args.device)
    row = dict(ms={}, ratio={}, low={}, high={}, share={})
    for name, times in seconds.items():
        row["ms"][name] = ms = statistics.median(times) / args.steps * 1e3
        row["share"][name] = runs * flops / (ms / 1e3) / 1e9 / peak
        # paired by repeat: each stacked block against the alone block beside it
        ratios = [a / t for a, t in zip(seconds["alone"], times, strict=True)]
        row["ratio"][name] = statistics.median(ratios)
        row["low"][name], row["high"][name] = min(ratios), max(ratios)
    return row


# -- the machine -----------------------------------------------------------------------


def machine_state(device, threads):
    load = os.getloadavg()
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(
                ["lscpu"], capture_output=True, text=True, check=False
            ).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    where = cpu
    if torch.device(device).type == "cuda":
        where = f"{torch.cuda.get_device_name(device)}; host {cpu}"
    return (
        f"# {time.strftime('%Y-%m-%d %H:%M')}, {where}, nproc {os.cpu_count()}, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; torch {torch.__version__}, "
        f"{threads} threads, device {device}"
    ), load[0]


def parse_model(text):
    name, _, latent = text.partition(":")
    if name not in STACKED:
        raise SystemExit(f"--models: '{name}' is not one of {', '.join(STACKED)}")
    return name, int(latent) if latent else DEFAULT_LATENT[name]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["ae", "vae"], help="ae, vae, or name:latent size"
    )
    parser.add_argument("--runs", nargs="+", type=int, default=[1, 3, 10, 30])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per block")
    parser.add_argument("--repeats", type=int, default=7, help="timed blocks per loop")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per loop first")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--compile-mode",
        default=None,
        help="compile both steps (the pipeline's with compile: true and this "
        "compile_mode; the stacked one's gradients with torch.compile)",
    )
    parser.add_argument("--check-runs", type=int, default=3, help="runs stacked in the check")
    parser.add_argument("--check-steps", type=int, default=300)
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args(argv)

    flush_denormals(True)  # as a training job does: before any parallel operation
    torch.set_num_threads(args.threads)
    seed_everything(0)  # the deterministic-kernel setting the pipeline trains with
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: PyTorch finds no CUDA device")
    state, load = machine_state(device, args.threads)
    print(state, flush=True)
    if load > 1.5:
        print("# WARNING: load above 1.5, the timings share the machine: rerun when it is quiet")
    models = [parse_model(text) for text in args.models]
    config = resolve_config({"models": {name: {"kind": name} for name, _ in models}})
    variant = {}
    if args.compile_mode:
        variant = {"compile": True, "compile_mode": args.compile_mode}
    generator = torch.Generator().manual_seed(0)
    timing_images = to_float(
        torch.randint(0, 256, (60_000, 1, 28, 28), dtype=torch.uint8, generator=generator),
        device,
    )
    size = 8192 if device.type == "cuda" else 2048  # a GPU needs a larger product to fill
    peak = matmul_peak(device, size)
    print(f"# matrix-product peak {peak:.0f} GFLOP/s (float32, {size}x{size})", flush=True)

    header = (
        "| model | R | ms/step alone (R runs) | ms/step stacked [R, P] | "
        "stacked, parameter-major | runs per hour stacked / alone, [R, P] | "
        "parameter-major | share of peak alone | [R, P] | parameter-major |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = []
    print(header, flush=True)
    for name, latent_dim in models:
        spec = {**config["models"][name], **variant}
        flops = flops_per_step(spec, timing_images, latent_dim)
        for runs in args.runs:
            row = measure(spec, timing_images, latent_dim, runs, args, peak, flops)
            ms, share = row["ms"], row["share"]
            ratios = [
                f"{row['ratio'][layout]:.2f}x ({row['low'][layout]:.2f}-{row['high'][layout]:.2f})"
                for layout in LAYOUTS
            ]
            rows.append(
                f"| {name} (z={latent_dim}) | {runs} | {ms['alone']:.2f} | {ms['runs']:.2f} | "
                f"{ms['parameters']:.2f} | {' | '.join(ratios)} | {share['alone']:.0%} | "
                f"{share['runs']:.0%} | {share['parameters']:.0%} |"
            )
            print(rows[-1], flush=True)
    end_peak = matmul_peak(device, size)
    end_load = os.getloadavg()
    print(
        f"\n# peak {peak:.0f} GFLOP/s before, {end_peak:.0f} after; load at the end "
        f"{end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f}"
    )
    print(header)
    print("\n".join(rows), flush=True)

    if args.no_check:
        return 0
    check_images = to_float(embedded_digits()[0], device)
    seeds = list(range(args.check_runs))
    failed = False
    print(
        f"\n# check: {args.check_runs} runs stacked against each trained alone, "
        f"{args.check_steps} steps on the digits; weights within the README's drift of "
        f"the fused update (AE {README_DRIFT['ae']:.1e}, VAE {README_DRIFT['vae']:.1e})\n"
        "| model | layout | seed | initial weights identical | batch order identical | "
        "noise generator at the same state | largest loss difference (relative) | "
        "largest weight difference | fused vs unfused drift here | result |\n"
        "|---|---|---:|---|---|---|---:|---:|---:|---|"
    )
    for name, latent_dim in models:
        spec = config["models"][name]  # the check compares eager steps
        for row in check_runs(spec, check_images, latent_dim, seeds, args.check_steps, device):
            ok = (
                row["same_start"]
                and row["same_batches"]
                and row["same_noise"]
                and row["weight_diff"] <= README_DRIFT[name]
            )
            failed |= not ok
            print(
                f"| {name} (z={latent_dim}) | {row['layout']} | {row['seed']} | {row['same_start']} | "
                f"{row['same_batches']} | {row['same_noise']} | {row['loss_diff']:.1e} "
                f"({row['loss_rel']:.1e}) | {row['weight_diff']:.1e} | {row['drift']:.1e} | "
                f"{'PASS' if ok else 'FAIL'} |",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
