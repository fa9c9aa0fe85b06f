"""Seeds trained together in one job (compute.train.runs_per_job): each run of the
group is the run trained alone (bit for bit with one thread, as the tests run),
a diverged run stops alone, a killed group resumes every run, and a job whose
group gains a seed trains only that seed."""

import pytest
import torch

from aestudy.data.prepared import to_float
from aestudy.kinds import build_model
from aestudy.training.loop import seed_everything, train_autoencoder
from aestudy.training.together import Member, noise_generator, train_together
from conftest import model_spec

SPECS = {
    "ae": model_spec("ae", hidden=[32], epochs=3, batch_size=16),
    "vae": model_spec("vae", hidden=[32], epochs=3, batch_size=16),
}
SEEDS = [0, 1, 4]
LATENT = 3


def quiet(_):
    pass


@pytest.fixture(scope="module")
def images(digits):
    return to_float(digits["train_images"][:320]), to_float(digits["test_images"][:64])


def alone(spec, seed, images, **kwargs):
    """(model, result) of the run trained by itself, as a training job trains it."""
    seed_everything(seed)
    model = build_model(spec, (1, 28, 28), LATENT)
    result = train_autoencoder(model, spec, images[0], images[1], seed, quiet, **kwargs)
    return model, result


def members(spec, seeds=SEEDS, folder=None):
    built = []
    for seed in seeds:
        seed_everything(seed)
        model = build_model(spec, (1, 28, 28), LATENT)
        checkpoint = folder / f"seed{seed}.pt" if folder else None
        built.append(Member(model, seed, noise_generator(seed, "cpu"), {"seed": seed}, checkpoint))
    return built


def losses(result):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in result["history"]]


def assert_same_run(model, result, other_model, other_result):
    for name, value in model.state_dict().items():
        assert torch.equal(value, other_model.state_dict()[name]), name
    assert losses(result) == losses(other_result)
    assert result["status"] == other_result["status"]


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_each_run_of_a_group_is_the_run_trained_alone(images, kind):
    spec = SPECS[kind]
    group = members(spec)
    log = []
    results = train_together(group, spec, images[0], images[1], log.append)
    assert any("training 3 runs together" in line for line in log)
    for member, result, seed in zip(group, results, SEEDS, strict=True):
        assert result["epochs_completed"] == 3 and result["status"] == "ok"
        assert_same_run(member.model, result, *alone(spec, seed, images))
    # the runs differ from each other: each has its own seed
    first, second = (m.model.state_dict()["encoder.0.weight"] for m in group[:2])
    assert not torch.equal(first, second)


def test_tiny_products_agree_to_rounding(digits):
    """The smoke study's AE at batch 4: PyTorch multiplies batched products of under
    400 multiply-adds with a loop of its own, so the runs agree to rounding: within
    the drift benchmarks/README.md reports for the fused update after 300 steps."""
    spec = model_spec("ae", epochs=1, batch_size=4, lr=0.002)
    images = to_float(digits["train_images"][:1200]), to_float(digits["test_images"][:64])
    group = []
    for seed in (0, 1):
        seed_everything(seed)
        group.append(Member(build_model(spec, (1, 28, 28), 2), seed, noise_generator(seed, "cpu")))
    results = train_together(group, spec, *images, quiet)
    for member, result, seed in zip(group, results, (0, 1), strict=True):
        seed_everything(seed)
        model = build_model(spec, (1, 28, 28), 2)
        alone_result = train_autoencoder(model, spec, *images, seed, quiet)
        difference = max(
            (a - b).abs().max().item()
            for a, b in zip(model.parameters(), member.model.parameters(), strict=True)
        )
        assert difference < 4.8e-3  # 300 steps
        train = (result["history"][0]["train_loss"], alone_result["history"][0]["train_loss"])
        assert train[0] == pytest.approx(train[1], rel=1e-4)


def test_a_diverged_run_stops_alone_and_the_others_go_on(images):
    spec = SPECS["vae"]
    group = members(spec)
    with torch.no_grad():
        group[1].model.fc_logvar.bias.fill_(float("nan"))
    log = []
    results = train_together(group, spec, images[0], images[1], log.append)
    assert results[1]["status"] == "diverged" and results[1]["diverged_epoch"] == 1
    assert results[1]["epochs_completed"] == 1
    assert any("seed 1: loss is not finite at epoch 1" in line for line in log)
    for index in (0, 2):
        assert_same_run(group[index].model, results[index], *alone(spec, SEEDS[index], images))


class Killed(Exception):
    pass


def kill_in_epoch_3(spec, images, folder, seeds=SEEDS):
    """Train `seeds` together with a checkpoint every 2 epochs, "killed" in epoch 3."""

    def log(line):
        if "epoch 3/3" in line:
            raise Killed

    with pytest.raises(Killed):
        train_together(members(spec, seeds, folder), spec, *images, log, checkpoint_every=2)


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_a_killed_group_resumes_every_run(images, tmp_path, kind):
    spec = SPECS[kind]
    kill_in_epoch_3(spec, images, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"seed{s}.pt" for s in SEEDS]
    resumed = members(spec, folder=tmp_path)
    log = []
    results = train_together(resumed, spec, *images, log.append, checkpoint_every=2)
    assert sum("resuming from the checkpoint after epoch 2" in line for line in log) == 3
    assert sum("epoch 3/3" in line for line in log) == 3 and not any("epoch 2/3" in x for x in log)
    for member, result, seed in zip(resumed, results, SEEDS, strict=True):
        assert_same_run(member.model, result, *alone(spec, seed, images))


def test_a_group_checkpoint_is_a_run_checkpoint(images, tmp_path):
    """A run killed in a group resumes alone (say runs_per_job changed meanwhile)."""
    spec = SPECS["vae"]
    kill_in_epoch_3(spec, images, tmp_path)
    seed = SEEDS[2]
    log = []
    seed_everything(seed)
    model = build_model(spec, (1, 28, 28), LATENT)
    result = train_autoencoder(
        model,
        spec,
        *images,
        seed,
        log.append,
        checkpoint_path=tmp_path / f"seed{seed}.pt",
        checkpoint_every=2,
        identity={"seed": seed},
    )
    assert "resuming from the checkpoint after epoch 2" in log
    assert_same_run(model, result, *alone(spec, seed, images))


def test_runs_resuming_from_different_epochs_all_finish(images, tmp_path):
    spec = SPECS["ae"]
    kill_in_epoch_3(spec, images, tmp_path, seeds=[0])
    group = members(spec, [0, 1], tmp_path)  # seed 0 at epoch 2, seed 1 new
    results = train_together(group, spec, *images, quiet, checkpoint_every=2)
    for member, result, seed in zip(group, results, [0, 1], strict=True):
        assert result["epochs_completed"] == 3
        assert_same_run(member.model, result, *alone(spec, seed, images))


def test_a_job_keeps_the_runs_trained_with_its_settings(digits, tmp_path):
    """A group that gains a seed: its job keeps the runs already there and trains
    the new one; a run from other settings trains again."""
    import train_autoencoder

    from aestudy.atomic_files import torch_save

    dataset = tmp_path / "digits.pt"
    torch_save(dataset, digits)
    spec = model_spec("ae", hidden=[32], epochs=1, batch_size=32)

    def files(seed):
        return train_autoencoder.RunFiles(
            *(str(tmp_path / f"seed{seed}.{ext}") for ext in ("pt", "csv", "json", "ckpt"))
        )

    runs = [dict(model="ae", latent_dim=LATENT, seed=seed) for seed in (0, 1)]
    train_autoencoder.main(dataset, spec, runs[:1], [files(0)], log=quiet)
    first = (tmp_path / "seed0.pt").read_bytes()
    log = []
    train_autoencoder.main(dataset, spec, runs, [files(0), files(1)], log=log.append)
    assert "seed 0: trained with these settings already; kept as it is" in log
    assert (tmp_path / "seed0.pt").read_bytes() == first
    assert torch.load(tmp_path / "seed1.pt", weights_only=True)["seed"] == 1
    assert not any("training 2 runs together" in line for line in log)  # one run to train
    changed = dict(spec, lr=0.01)
    train_autoencoder.main(dataset, changed, runs, [files(0), files(1)], log=log.append)
    assert torch.load(tmp_path / "seed0.pt", weights_only=True)["spec"]["lr"] == 0.01
    assert any("training 2 runs together" in line for line in log)


@pytest.mark.workflow
def test_a_seed_joining_a_group_trains_only_that_seed(tmp_path):
    """Snakemake reruns the group's job, which keeps the seeds already trained (their
    files are update() outputs, left in place) and trains the new one."""
    import yaml

    from conftest import copy_repository, planned_jobs, snakemake

    workdir = copy_repository(tmp_path)
    model = {"kind": "ae", "dataset": "digits", "latent_dims": [2], "epochs": 2, "hidden": [32]}
    study = {"seeds": [0, 1], "compute": {"train": {"threads": 1}}, "models": {"ae": model}}
    (workdir / "study.yaml").write_text(yaml.safe_dump(study))
    weights = [workdir / f"results/runs/ae/z2/seed{seed}/model.pt" for seed in range(3)]

    def train(*extra):
        targets = [str(path.relative_to(workdir)) for path in weights[: len(study["seeds"])]]
        return snakemake(workdir, *targets, "--cores", "1", "--configfile", "study.yaml", *extra)

    train()
    log = (workdir / "logs/train/ae/z2/seeds0_1.log").read_text()
    assert "training 2 runs together (seeds 0, 1)" in log
    before = [path.read_bytes() for path in weights[:2]]
    study["seeds"] = [0, 1, 2]
    (workdir / "study.yaml").write_text(yaml.safe_dump(study))
    jobs = planned_jobs(train("-n").stdout)
    assert [rule for rule, _ in jobs if rule.startswith("train_")] == ["train_together_seeds0_1_2"]
    train()
    log = (workdir / "logs/train/ae/z2/seeds0_1_2.log").read_text()
    for seed in (0, 1):
        assert f"seed {seed}: trained with these settings already; kept as it is" in log
    assert "seed 2 epoch 2/2" not in log and "epoch 2/2" in log  # trained alone: one run
    # the same files (Snakemake touches them: their job ran)
    assert [path.read_bytes() for path in weights[:2]] == before
    assert torch.load(weights[2], weights_only=True)["seed"] == 2
