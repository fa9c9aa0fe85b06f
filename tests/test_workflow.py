"""The real snakemake command on copies of the repository."""

import csv
import json
import math
import shutil

import pytest
import torch
import yaml

from aestudy.kinds import KINDS
from aestudy.report.verdicts import LEARNED_BELOW
from conftest import copy_repository, count_trained, planned_jobs, snakemake

pytestmark = pytest.mark.workflow


def count(jobs, rule, **wildcards):
    return sum(
        1 for r, w in jobs if r == rule and all(w.get(k) == str(v) for k, v in wildcards.items())
    )


def test_dry_run_lists_the_whole_default_study(tmp_path):
    workdir = copy_repository(tmp_path)
    jobs = planned_jobs(snakemake(workdir, "-n", "--cores", "4").stdout)
    assert count(jobs, "download_dataset") == count(jobs, "prepare_data") == 2  # mnist, cifar10
    # ae at four sizes, cnn_ae, vae, ae_cifar10, and the runs the claims need: the VAE
    # after 10 epochs and the AE at z = 7 after 20
    assert count_trained(jobs) == 4 * 3 + 1 * 3 + 1 * 3 + 1 * 3 + 1 * 3 + 1 * 3
    assert count_trained(jobs, model="ae_cifar10", latent_dim=7) == 3
    assert count_trained(jobs, model="ae", latent_dim=7, seed=2) == 1
    assert count_trained(jobs, model="cnn_ae", latent_dim=256) == 3
    assert count_trained(jobs, model="vae_10_epochs", latent_dim=20) == 3
    assert count_trained(jobs, model="ae_20_epochs", latent_dim=7) == 3
    assert count(jobs, "evaluate_run") == 27
    assert count(jobs, "pca_baseline") == 7  # mnist z2,3,4,7,20; cifar10 z7,256
    assert count(jobs, "aggregate_metrics") == 1
    assert not (workdir / "results").exists()
    # Without its CIFAR-10 models (leave_out), nothing of theirs is planned: no
    # download of CIFAR-10, no run, no baseline on it; the report still is.
    mnist_only = planned_jobs(
        snakemake(
            workdir, "-n", "--cores", "4", "--config", "leave_out=[cnn_ae, ae_cifar10]"
        ).stdout
    )
    assert count(mnist_only, "download_dataset") == count(mnist_only, "prepare_data") == 1
    assert count_trained(mnist_only) == 21 and count(mnist_only, "pca_baseline") == 5
    assert count(mnist_only, "render_report") == 1


def test_many_seeds_train_every_seed_but_draw_run_figures_for_the_first_ones(tmp_path):
    workdir = copy_repository(tmp_path)
    study = {
        "seeds": [5, 3, 9, 1],
        "figures": {"seeds_with_figures": 2},
        "models": {"ae": {"kind": "ae", "dataset": "digits", "latent_dims": [2, 8]}},
    }
    (workdir / "many.yaml").write_text(yaml.safe_dump(study))
    jobs = planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", "many.yaml").stdout
    )
    assert count_trained(jobs) == count(jobs, "evaluate_run") == 2 * 4
    for rule in ("plot_loss_curve", "plot_reconstructions", "plot_samples"):
        drawn = sorted((w["latent_dim"], w["seed"]) for r, w in jobs if r == rule)
        assert drawn == [("2", "3"), ("2", "5"), ("8", "3"), ("8", "5")], rule
    assert count(jobs, "plot_manifold") == 2  # z = 2 only
    assert count(jobs, "plot_latent_dim_sweep") == 1


def test_a_study_with_partial_blocks_plans(tmp_path):
    """A study that writes blocks only in part (the compute of one rule, one figure
    setting, one evaluation setting) plans with the schema's defaults for the rest."""
    workdir = copy_repository(tmp_path)
    study = {
        "compute": {"train": {"threads": 2, "gpu": 0}, "figures": {"runtime": 5}},
        "evaluation": {"iw_samples": 3},
        "figures": {"interpolation": {"pairs": 1}},
        "models": {"ae": {"kind": "ae", "dataset": "digits", "latent_dims": [2]}},
    }
    (workdir / "partial.yaml").write_text(yaml.safe_dump(study))
    process = snakemake(workdir, "-n", "--cores", "2", "--configfile", "partial.yaml")
    jobs = planned_jobs(process.stdout)
    assert count_trained(jobs) == 3 and count(jobs, "plot_interpolation") == 3
    # one latent size: no figure against the latent size (it would show one point)
    assert count(jobs, "plot_latent_dim_sweep") == 0
    # the training job (the three seeds together) carries the default memory and
    # runtime the partial block left out
    training = [
        block for block in process.stdout.split("\n[") if "rule train_together_seeds0_1_2:" in block
    ]
    assert len(training) == 1
    # (the run time limit is one run's, 720 minutes, for each of its three seeds)
    assert all("runtime=2160" in block and "mem_mb=8000," in block for block in training)


def read_rows(path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


def smoke_config(workdir):
    from aestudy.config import resolve_config

    return resolve_config(yaml.safe_load((workdir / "config/smoke.yaml").read_text()))


def untrained_test_mse(workdir, model, latent_dim, seed):
    """Test MSE of the run's model as initialised, before any training step."""
    from aestudy.config import resolve_config
    from aestudy.data.prepared import load_prepared, to_float
    from aestudy.evaluation.metrics import evaluate_model
    from aestudy.kinds import build_model
    from aestudy.training.loop import seed_everything

    spec = resolve_config(yaml.safe_load((workdir / "config/smoke.yaml").read_text()))
    spec = spec["models"][model]
    data = load_prepared(workdir / f"results/data/{spec['dataset']}.pt")
    images = to_float(data["test_images"])
    seed_everything(seed)
    untrained = build_model(spec, tuple(images.shape[1:]), latent_dim)
    metrics, _ = evaluate_model(untrained, images, seed, iw_samples=1, labels=data["test_labels"])
    return metrics["test_mse"]


def test_smoke_study_runs_to_completion(smoke_study):
    workdir, process = smoke_study
    rows = read_rows(workdir / "results/tables/metrics.csv")
    study = smoke_config(workdir)
    expected = {
        (name, str(z)) for name, spec in study["models"].items() for z in spec["latent_dims"]
    }
    assert {(r["model"], r["latent_dim"]) for r in rows} == expected
    # every kind, the course's three with two sizes and two seeds, the others one each
    assert {r["kind"] for r in rows} == set(KINDS)
    assert len(rows) == sum(
        len(spec["latent_dims"]) * len(spec["seeds"]) for spec in study["models"].values()
    )
    # Training runs on CUDA where there is a GPU (the smoke study says device: auto).
    device = "cuda" if torch.cuda.is_available() else "cpu"
    for row in rows:
        assert row["status"] == "ok" and row["device"] == device
        assert row["epochs"] == row["epochs_completed"] == "2"
        # Two epochs of training at least halve the error of the untrained model
        untrained = untrained_test_mse(
            workdir, row["model"], int(row["latent_dim"]), int(row["seed"])
        )
        # (the VQ-VAE's codebook settles more slowly: a tenth off in two epochs)
        share = 0.9 if row["kind"] == "vq_vae" else 0.5
        assert 0 < float(row["test_mse"]) < share * untrained, row["model"]
        run = workdir / f"results/runs/{row['model']}/z{row['latent_dim']}/seed{row['seed']}"
        test_losses = [float(h["test_loss"]) for h in read_rows(run / "history.csv")]
        assert test_losses[1] < test_losses[0]
        assert float(row["seconds"]) > 0 and int(row["params"]) > 0
        if "elbo" in KINDS[row["kind"]].metric_names:  # the VAE family
            elbo, iw, kl = float(row["elbo"]), float(row["iw_ll"]), float(row["kl"])
            assert math.isfinite(elbo) and kl > 0 and iw >= elbo
            assert row["iw_samples"] == "20"
        else:
            assert row["elbo"] == "" and row["iw_ll"] == ""
    dataset = {r["model"]: r["dataset"] for r in rows}
    assert dataset == {name: spec["dataset"] for name, spec in study["models"].items()}
    # Every run's folder holds weights, a 2-epoch history and its metrics.
    run = workdir / "results/runs/vae/z20/seed1"
    history = read_rows(run / "history.csv")
    assert [h["epoch"] for h in history] == ["1", "2"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["seed"] == 1 and metrics["latent_dim"] == 20
    provenance = metrics["provenance"]
    assert provenance["settings"]["kind"] == "vae" and provenance["settings"]["epochs"] == 2
    assert provenance["versions"]["torch"].startswith("2.14")
    assert provenance["device"].startswith(device)
    assert provenance["started"] <= provenance["finished"] and provenance["threads"] == 1
    assert provenance["git_commit"] == process.commit and provenance["host"]
    # the VAE's two seeds train in one job (compute.train.runs_per_job): one file
    assert (workdir / "results/benchmarks/train/vae/z20/seeds0_1.tsv").exists()
    compute = read_rows(workdir / "results/tables/compute.csv")
    assert len(compute) == len(rows) and all(float(r["seconds"]) > 0 for r in compute)
    assert all(float(r["max_rss_mb"]) > 50 and r["device"] == device for r in compute)
    log = (workdir / "logs/train/vae/z20/seeds0_1.log").read_text()
    assert "training 2 runs together (seeds 0, 1)" in log
    assert log.count("seed 1 epoch") == 2
    assert (workdir / "logs/train/cnn_ae/z64/seed1.log").read_text().count("epoch") >= 2


def test_summary_has_mean_std_over_seeds_and_the_pca_baseline(smoke_study):
    workdir, _ = smoke_study
    runs = read_rows(workdir / "results/tables/metrics.csv")
    summary = read_rows(workdir / "results/tables/summary.csv")
    assert len(summary) == len({(r["model"], r["latent_dim"]) for r in runs})
    for row in summary:
        values = [
            float(r["test_mse"])
            for r in runs
            if (r["model"], r["latent_dim"]) == (row["model"], row["latent_dim"])
        ]
        assert row["runs"] == str(len(values)) and row["diverged"] == "0"
        assert float(row["test_mse_mean"]) == pytest.approx(sum(values) / len(values))
        if len(values) == 2:
            assert float(row["test_mse_std"]) == pytest.approx(
                abs(values[0] - values[1]) / math.sqrt(2)
            )
        else:
            assert row["test_mse_std"] == ""  # one seed: no spread to state
        baseline = json.loads(
            (
                workdir / f"results/baselines/pca/{row['dataset']}/z{row['latent_dim']}.json"
            ).read_text()
        )
        assert float(row["pca_mse"]) == pytest.approx(baseline["test_mse"])
    markdown = (workdir / "results/tables/summary.md").read_text()
    assert markdown.count("\n") == 2 + len(summary) and " ± " in markdown


def test_every_model_of_the_smoke_study_learns_or_is_named(smoke_study):
    """The demo study is short but not empty: every run on the digits reconstructs
    clearly better than both baselines (the mean image and each image's own mean
    colour), and its codes tell the classes apart better than chance; a run on
    another data set that does not is named as such in the summary and the report,
    and never ranked."""
    workdir, _ = smoke_study
    baselines = {
        path.stem: json.loads(path.read_text())
        for path in (workdir / "results/baselines/dataset").glob("*.json")
    }
    runs = read_rows(workdir / "results/tables/metrics.csv")
    assert runs and {r["dataset"] for r in runs} <= set(baselines)
    summary = read_rows(workdir / "results/tables/summary.csv")
    report = (workdir / "results/report/index.html").read_text()
    failed = {}
    for run in runs:
        baseline = baselines[run["dataset"]]
        name = f"{run['model']} z{run['latent_dim']} seed {run['seed']}"
        floor = min(baseline["mean_mse"], baseline["colour_mse"])
        assert baseline["yardstick_mse"] == floor, run["dataset"]
        if run["dataset"] == "digits":
            assert float(run["test_mse"]) <= LEARNED_BELOW * floor, name
        if float(run["test_mse"]) > LEARNED_BELOW * floor:
            key = (run["model"], int(run["latent_dim"]))
            failed[key] = failed.get(key, 0) + 1
            heading = f"{run['model']}, latent size {run['latent_dim']}, seed {run['seed']} — did not learn"
            assert heading in report, name
        if run["knn_accuracy"] and run["dataset"] == "digits":
            assert float(run["knn_accuracy"]) > baseline["chance_accuracy"] + 0.05, name
    for row in summary:
        assert int(row["did_not_learn"]) == failed.get((row["model"], int(row["latent_dim"])), 0)
    probed = [row for row in summary if row["probe_accuracy_mean"]]
    assert len(probed) >= len(summary) // 2
    for row in probed:
        assert float(row["probe_accuracy_mean"]) > float(row["chance_accuracy"]), row["model"]
    if not failed:
        assert "— did not learn (" not in report and "did not learn at" not in report


def test_changing_one_model_reruns_only_its_jobs(smoke_study, tmp_path):
    workdir, _ = smoke_study
    assert (
        "Nothing to be done"
        in snakemake(workdir, "-n", "--cores", "2", "--configfile", "config/smoke.yaml").stdout
    )
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    study["models"]["vae"]["beta"] = 2.0
    changed = workdir / "changed.yaml"
    changed.write_text(yaml.safe_dump(study))
    jobs = planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", str(changed)).stdout
    )
    assert count_trained(jobs) == count_trained(jobs, model="vae") == 4
    assert count(jobs, "evaluate_run") == count(jobs, "evaluate_run", model="vae") == 4
    assert count(jobs, "prepare_data") == count(jobs, "pca_baseline") == 0
    assert count(jobs, "aggregate_metrics") == 1
    # A new seed adds only the new runs: seed 3 is in a group of its own (3 // 3;
    # a seed that joins a group not yet full: test_together.py).
    study["models"]["vae"]["beta"] = 1.0
    study["models"]["ae"]["seeds"] = [0, 1, 3]
    changed.write_text(yaml.safe_dump(study))
    jobs = planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", str(changed)).stdout
    )
    assert count_trained(jobs) == count_trained(jobs, seed=3) == 2
    assert count(jobs, "evaluate_run") == count(jobs, "evaluate_run", seed=3) == 2
    # A new latent size adds only its runs (and its PCA baseline).
    study["models"]["ae"]["seeds"] = [0, 1]
    study["models"]["ae"]["latent_dims"] = [2, 4, 3]
    changed.write_text(yaml.safe_dump(study))
    jobs = planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", str(changed)).stdout
    )
    assert count_trained(jobs) == count_trained(jobs, latent_dim=3) == 2
    assert count(jobs, "evaluate_run") == count(jobs, "evaluate_run", latent_dim=3) == 2
    assert count(jobs, "pca_baseline") == count(jobs, "pca_baseline", latent_dim=3) == 1


@pytest.mark.needs_fmnist
def test_offline_study_plans_every_model_on_fashion_mnist(tmp_path):
    workdir = copy_repository(tmp_path)
    out = snakemake(workdir, "-n", "--cores", "4", "--configfile", "config/offline.yaml").stdout
    jobs = planned_jobs(out)
    assert [w for r, w in jobs if r == "prepare_data"] == [{"dataset": "fashion_mnist"}]
    assert count_trained(jobs) == 18
    assert count_trained(jobs, model="cnn_ae", latent_dim=64) == 3


def test_local_jobs_never_take_more_cpus_than_the_machine_has(tmp_path):
    workdir = copy_repository(tmp_path)
    cpus = len(__import__("os").sched_getaffinity(0))
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    study["compute"]["train"]["threads"] = cpus + 6
    (workdir / "wide.yaml").write_text(yaml.safe_dump(study))
    process = snakemake(
        workdir, "results/data/digits.pt", "--cores", str(cpus + 2), "--configfile", "wide.yaml"
    )
    assert f'Provided resources: cpus=Resource("cpus", {cpus})' in process.stderr
    plan = snakemake(workdir, "-n", "--cores", str(cpus + 2), "--configfile", "wide.yaml").stdout
    threads = {
        int(line.split(":")[1]) for line in plan.splitlines() if line.strip().startswith("threads:")
    }
    assert threads and max(threads) <= cpus


def test_the_workflow_runs_from_another_directory(smoke_study, tmp_path):
    """`snakemake -s path/to/Snakefile` from elsewhere: the study's files land in the
    working directory, the workflow's own files are found beside the Snakefile."""
    workdir, _ = smoke_study
    snakefile = str(workdir / "Snakefile")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The default study (config.yaml beside the Snakefile) plans from an empty folder.
    jobs = planned_jobs(snakemake(elsewhere, "-s", snakefile, "-n", "--cores", "2").stdout)
    assert count_trained(jobs) == 27 and count(jobs, "render_report") == 1
    # The report is rendered there from the smoke study's results.
    shutil.copytree(workdir / "results", elsewhere / "results")
    (elsewhere / "results/report/index.html").unlink()
    process = snakemake(
        elsewhere,
        "-s",
        snakefile,
        "--configfile",
        str(workdir / "config/smoke.yaml"),
        "--cores",
        "2",
    )
    finished = [line for line in process.stderr.splitlines() if "Finished jobid" in line]
    assert len(finished) == 2 and "render_report" in finished[0]  # and the target rule `all`
    html = (elsewhere / "results/report/index.html").read_text(encoding="utf-8")
    assert "<h2>5. Conclusions</h2>" in html
    assert not (elsewhere / "report").exists() and not (elsewhere / "workflow").exists()
