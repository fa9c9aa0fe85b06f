"""Several runs of one model shape trained in one step: the seeds of one (model,
latent size) that a training job trains together (compute.train.runs_per_job).

The runs' parameters are views of one flat tensor, each parameter's [R, ...]
block contiguous ("parameter-major", so that `bmm` reads and writes whole
blocks), and one optimizer update serves them all: Adam, AdamW and SGD are
elementwise, so each run's arithmetic stays its own. The model's
`written_out_backward_over_runs` fills every run's gradients in one pass.

Each run keeps what it has alone: its seed's initial weights, its batch order (a
generator of its own, drawn as `train_epoch` draws it), its noise (a generator
in the state the global one would be in), its history and its checkpoint, in the
format of a run trained alone. With one thread and products of the course's
sizes each run is the run trained alone, bit for bit. Otherwise they agree to
rounding: with more threads the batched products split the work differently,
and PyTorch computes a batched product of under 400 multiply-adds with a loop of
its own, not BLAS (benchmarks/runs_together.py measures the drift). A
run whose loss turns NaN or infinite stops where it is, as alone, and the others
go on without it.
"""

import math
import time
from itertools import groupby

import torch
from torch import nn

from aestudy.kinds import kind_of
from aestudy.training.checkpoint import (
    global_rng,
    load_checkpoint,
    restore_model,
    save_checkpoint,
)
from aestudy.training.loop import ALIGNMENT, evaluate_loss, make_optimizer
from aestudy.training.written_out_backward import RunsLayer

LAYOUTS = ("parameters", "runs")


def aligned(numel):
    return -(-numel // ALIGNMENT) * ALIGNMENT


def trains_together(model, spec):
    """Whether runs of this model and spec can share a step: its kind says so
    (Kind.trains_together) and this model's layers make a written-out stack."""
    return kind_of(spec).trains_together(spec) and model.has_written_out_backward()


class FlatStack:
    """The parameters of R models of one shape as views of one flat tensor, and
    their gradients likewise; one optimizer updates the flat tensor at once. Each
    model's own parameters become its run's views, so it always holds its run's
    current weights.

    layout "parameters": each parameter's [R, ...] block contiguous, one after
    another. Layout "runs": an [R, P] tensor, a row per run laid out as
    `flatten_parameters` lays out one run (a weight's view then steps from run to
    run by P); benchmarks/runs_together.py times both."""

    def __init__(self, models, spec, layout="parameters"):
        if layout not in LAYOUTS:
            raise ValueError(f"layout '{layout}': expected one of {', '.join(LAYOUTS)}")
        self.runs, self.layout = len(models), layout
        self.shapes = {name: p.shape for name, p in models[0].named_parameters()}
        self.offsets, self.run_offsets, total, run_total = {}, {}, 0, 0
        for name, shape in self.shapes.items():
            self.offsets[name], self.run_offsets[name] = total, run_total
            run_total += aligned(shape.numel())
            total += aligned(shape.numel()) * (1 if layout == "runs" else self.runs)
        self.run_size = run_total  # one run's flat tensor, as flatten_parameters makes it
        first = next(models[0].parameters())
        shape = (self.runs, run_total) if layout == "runs" else (total,)
        self.flat = nn.Parameter(first.new_zeros(shape))
        self.flat.grad = torch.zeros_like(self.flat)
        self.params, self.grads = self.views(self.flat.data), self.views(self.flat.grad)
        for name, view in self.params.items():
            for run, model in enumerate(models):
                parameter = model.get_parameter(name)
                view[run] = parameter.detach()
                parameter.data = view[run]
        self.optimizer = make_optimizer(spec, [self.flat])

    def views(self, tensor):
        """{parameter name: its [R, ...] view} of a tensor shaped like the flat one."""
        if self.layout == "runs":
            return {
                name: tensor[:, offset : offset + shape.numel()].view(self.runs, *shape)
                for (name, shape), offset in zip(
                    self.shapes.items(), self.run_offsets.values(), strict=True
                )
            }
        return {
            name: tensor[offset : offset + self.runs * shape.numel()].view(self.runs, *shape)
            for (name, shape), offset in zip(
                self.shapes.items(), self.offsets.values(), strict=True
            )
        }

    def run_flat(self, tensor, run):
        """Run `run`'s part of a tensor shaped like the flat one, laid out as its own
        flat tensor would be when it trains alone."""
        out = tensor.new_zeros(self.run_size)
        for name, view in self.views(tensor).items():
            offset = self.run_offsets[name]
            out[offset : offset + view[run].numel()] = view[run].reshape(-1)
        return out

    def set_run_flat(self, tensor, run, run_tensor):
        for name, view in self.views(tensor).items():
            offset = self.run_offsets[name]
            view[run] = run_tensor[offset : offset + view[run].numel()].view_as(view[run])

    def optimizer_state(self, run):
        """The state dict of run `run`'s optimizer, as it would be alone."""
        stacked = self.optimizer.state_dict()
        state = {
            key: self.run_flat(value, run)
            if torch.is_tensor(value) and value.shape == self.flat.shape
            else (value.clone() if torch.is_tensor(value) else value)
            for key, value in stacked["state"].get(0, {}).items()
        }
        return dict(state={0: state} if state else {}, param_groups=stacked["param_groups"])

    def load_optimizer_states(self, states):
        """Each run's optimizer state (as `optimizer_state` gives it); the runs have
        taken the same number of steps, so their scalars (Adam's step) agree."""
        per_run = [s["state"].get(0, {}) for s in states]
        if not per_run[0]:
            return  # no step taken yet
        stacked = {}
        for key, value in per_run[0].items():
            if torch.is_tensor(value) and value.numel() == self.run_size:
                stacked[key] = torch.zeros_like(self.flat.data)
                for run, state in enumerate(per_run):
                    self.set_run_flat(stacked[key], run, state[key].to(self.flat.device))
            else:
                stacked[key] = value
        groups = self.optimizer.state_dict()["param_groups"]
        self.optimizer.load_state_dict(dict(state={0: stacked}, param_groups=groups))

    def layers(self, model, modules, functional=False):
        """`modules` of `model` (a Linear/ReLU/Sigmoid stack) over the runs."""
        names = {m: n for n, m in model.named_modules()}
        layers = []
        for module in modules:
            if not isinstance(module, nn.Linear):
                layers.append(RunsLayer(module))
                continue
            name = names[module]
            weight, bias = (self.params[f"{name}.{p}"] for p in ("weight", "bias"))
            grads = (None, None)
            if not functional:
                grads = tuple(self.grads[f"{name}.{p}"] for p in ("weight", "bias"))
            layers.append(RunsLayer(module, name, weight, bias, *grads))
        return layers


class RunsTogether:
    """A step of R runs of one model at once; returns each run's recorded loss sum.

    `noise`: each run's generator of its normal draws (the VAE's). `functional`:
    the gradients come back by name instead of into the flat gradient (what a
    compiled gradient function needs); then `gradients` may be compiled."""

    def __init__(self, models, spec, noise, functional=False, layout="parameters"):
        self.models, self.noise, self.functional = models, noise, functional
        self.template = models[0]
        self.stack = FlatStack(models, spec, layout)
        self.noise_size = self.template.noise_size()
        self._layers = {}
        self.gradients = self.template.written_out_backward_over_runs
        self.grad_names = list(self.stack.grads)
        self.grad_views = [self.stack.grads[name] for name in self.grad_names]

    def layers(self, modules):
        """The template's `modules` over the runs, made once."""
        key = tuple(map(id, modules))
        if key not in self._layers:
            self._layers[key] = self.stack.layers(self.template, modules, self.functional)
        return self._layers[key]

    def draw_noise(self, x):
        """[R, B, noise size] standard normal draws, each run's from its generator,
        as `randn_like` draws them alone; None for a model without noise."""
        if not self.noise_size:
            return None
        runs, size = x.shape[:2]
        noise = x.new_empty(runs, size, self.noise_size)
        for row, generator in zip(noise, self.noise, strict=True):
            torch.randn(row.shape, generator=generator, out=row)
        return noise

    @torch.no_grad()
    def __call__(self, x):
        losses, found = self.gradients(self, x, self.draw_noise(x))
        if self.functional:
            torch._foreach_copy_(self.grad_views, [found[n] for n in self.grad_names])
        self.stack.optimizer.step()
        return losses


def noise_generator(seed, device):
    """The generator a run's noise comes from, in the state the global one is in
    once `seed_everything(seed)` and the model's build on the CPU have drawn."""
    device = torch.device(device)
    if device.type == "cpu":
        generator = torch.Generator()
        generator.set_state(torch.get_rng_state())
        return generator
    return torch.Generator(device).manual_seed(seed)  # the build drew from the CPU's only


class Member:
    """One run of a group: its model and generators, its identity and checkpoint,
    and what it has done so far."""

    def __init__(self, model, seed, noise, identity=None, checkpoint_path=None):
        self.model, self.seed, self.noise = model, seed, noise
        self.identity, self.checkpoint_path = identity, checkpoint_path
        self.generator = torch.Generator().manual_seed(seed)  # its batch order
        self.history, self.seconds, self.first = [], 0.0, 1
        self.status, self.diverged_epoch, self.optimizer_state = "ok", None, None

    def resume(self, log):
        """Take up the run's checkpoint, if it has one of its own."""
        if not self.checkpoint_path:
            return
        state = load_checkpoint(self.checkpoint_path, self.identity, log)
        if state is None:
            return
        restore_model(state, self.model)
        self.optimizer_state = state["optimizer"]
        self.generator.set_state(state["generator"])
        noise_state = self._noise_state(state)
        if noise_state is not None:  # None: saved where this device had no generator
            self.noise.set_state(noise_state)
        self.history, self.seconds, self.first = (
            state["history"],
            state["seconds"],
            state["epoch"] + 1,
        )
        log(f"seed {self.seed}: resuming from the checkpoint after epoch {state['epoch']}")

    def _noise_state(self, rng):
        if self.noise.device.type == "cpu":
            return rng["cpu_rng"]
        index = self.noise.device.index or 0
        return rng["cuda_rng"][index] if index < len(rng["cuda_rng"]) else None

    def rng(self):
        """The generator states a checkpoint keeps, this run's noise in the place
        where a run alone keeps the global generator's."""
        rng = global_rng()
        if self.noise.device.type == "cpu":
            rng["cpu_rng"] = self.noise.get_state()
        else:
            rng["cuda_rng"][self.noise.device.index or 0] = self.noise.get_state()
        return rng

    def with_own_noise(self, compute):
        """`compute()` drawing from this run's noise (the evaluation's VAE draws come
        from the global generator, as alone)."""
        device = self.noise.device
        get, put = torch.get_rng_state, torch.set_rng_state
        if device.type != "cpu":
            get = lambda: torch.cuda.get_rng_state(device)  # noqa: E731
            put = lambda state: torch.cuda.set_rng_state(state, device)  # noqa: E731
        saved = get()
        put(self.noise.get_state())
        try:
            return compute()
        finally:
            self.noise.set_state(get())
            put(saved)

    def result(self):
        return dict(
            history=self.history,
            status=self.status,
            diverged_epoch=self.diverged_epoch,
            epochs_completed=len(self.history),
            seconds=self.seconds,
        )


def train_epoch_together(step, members, images, batch_size):
    """One pass over `images` for every run, each in its own seeded order; each
    run's mean recorded loss."""
    for member in members:
        member.model.train()
    order = torch.stack(
        [torch.randperm(len(images), generator=m.generator).to(images.device) for m in members]
    )
    total = torch.zeros(len(members), device=images.device)
    for start in range(0, len(images), batch_size):
        index = order[:, start : start + batch_size]
        x = images.index_select(0, index.reshape(-1)).view(*index.shape, *images.shape[1:])
        total += step(x)
    return [t / len(images) for t in total.tolist()]  # the one host sync of the epoch


def _restack(step, spec, keep):
    """A step over the runs of `keep` (members of `step`), each with its optimizer
    state."""
    states = [step.stack.optimizer_state(step.models.index(m.model)) for m in keep]
    new = RunsTogether([m.model for m in keep], spec, [m.noise for m in keep])
    new.stack.load_optimizer_states(states)
    return new


def train_together(
    members, spec, train_images, test_images, log=print, checkpoint_every=0, test_labels=None
):
    """Train the runs of `members` (of one model shape) together; return each run's
    result, as `train_autoencoder` returns it, in their order. Runs that resume
    from different epochs train in turns, those at one epoch together."""
    for member in members:
        member.resume(log)
    cohorts = groupby(sorted(members, key=lambda m: m.first), key=lambda m: m.first)
    for first, cohort in cohorts:
        _train_cohort(
            list(cohort), first, spec, train_images, test_images, log, checkpoint_every, test_labels
        )
    return [member.result() for member in members]


def _train_cohort(live, first, spec, train_images, test_images, log, checkpoint_every, test_labels):
    if first > spec["epochs"]:
        return
    step = RunsTogether([m.model for m in live], spec, [m.noise for m in live])
    step.stack.load_optimizer_states(
        [m.optimizer_state or dict(state={}, param_groups=[]) for m in live]
    )
    log(
        f"training {len(live)} runs together (seeds {', '.join(str(m.seed) for m in live)}): "
        "backward written out over the runs (aestudy.training.together)"
    )
    for epoch in range(first, spec["epochs"] + 1):
        tic = time.perf_counter()
        train = train_epoch_together(step, live, train_images, spec["batch_size"])
        epoch_seconds = (time.perf_counter() - tic) / len(live)  # each run's share
        test = [
            m.with_own_noise(lambda m=m: evaluate_loss(m.model, test_images, test_labels))
            for m in live
        ]
        share = (time.perf_counter() - tic) / len(live)
        for member, train_loss, test_loss in zip(live, train, test, strict=True):
            member.history.append(
                dict(epoch=epoch, train_loss=train_loss, test_loss=test_loss, seconds=epoch_seconds)
            )
            member.seconds += share
            log(
                f"seed {member.seed} epoch {epoch}/{spec['epochs']}: train {train_loss:.6g}, "
                f"test {test_loss:.6g}, {epoch_seconds:.2f} s"
            )
            if not (math.isfinite(train_loss) and math.isfinite(test_loss)):
                member.status, member.diverged_epoch = "diverged", epoch
                log(
                    f"seed {member.seed}: loss is not finite at epoch {epoch}: the run "
                    "diverged; it stops, the others go on"
                )
        going_on = [m for m in live if m.status == "ok"]
        if not going_on:
            return
        if len(going_on) < len(live):
            step, live = _restack(step, spec, going_on), going_on
        if checkpoint_every and epoch % checkpoint_every == 0:
            for run, member in enumerate(live):
                if not member.checkpoint_path:
                    continue
                save_checkpoint(
                    member.checkpoint_path,
                    member.identity,
                    epoch,
                    member.model,
                    step.stack.optimizer_state(run),
                    member.generator,
                    member.history,
                    member.seconds,
                    rng=member.rng(),
                )
