"""Figures: the per-run and per-model images, and rebuilding only what a setting touches."""

import struct

import pytest
import yaml

from conftest import planned_jobs, snakemake

pytestmark = pytest.mark.workflow

RUN_FIGURES = ["loss_curve", "reconstructions", "latent_space", "interpolation", "samples"]


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_every_figure_is_drawn(smoke_study):
    workdir, _ = smoke_study
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    for model, spec in study["models"].items():
        assert png_size(workdir / f"results/figures/{model}/latent_dim_sweep.png")[0] > 300
        for z in spec["latent_dims"]:
            for seed in study["seeds"]:
                folder = workdir / f"results/figures/{model}/z{z}/seed{seed}"
                for kind in RUN_FIGURES:
                    width, height = png_size(folder / f"{kind}.png")
                    assert width > 200 and height > 100
                # The decoded manifold exists for 2-D latent spaces only.
                assert (folder / "manifold.png").exists() == (z == 2)


def test_one_figure_setting_rebuilds_only_that_figure_kind(smoke_study):
    workdir, _ = smoke_study
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    study.setdefault("figures", {})["interpolation"] = {"steps": 7}
    changed = workdir / "figure_changed.yaml"
    changed.write_text(yaml.safe_dump(study))
    jobs = planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", str(changed)).stdout
    )
    rules = sorted({rule for rule, _ in jobs})
    assert rules == ["all", "plot_interpolation", "render_report"]
    assert sum(rule == "plot_interpolation" for rule, _ in jobs) == 12


def test_a_figure_path_as_target_builds_just_it(smoke_study):
    workdir, _ = smoke_study
    target = "results/figures/vae/z20/seed1/samples.png"
    before = (workdir / target).read_bytes()
    (workdir / target).unlink()
    process = snakemake(workdir, target, "--cores", "1", "--configfile", "config/smoke.yaml")
    finished = [line for line in process.stderr.splitlines() if "Finished jobid" in line]
    assert len(finished) == 1 and "plot_samples" in finished[0]
    assert (workdir / target).read_bytes() == before  # same seed, same picture


def test_snakemake_report_collects_flagged_figures(smoke_study, tmp_path):
    import zipfile

    workdir, _ = smoke_study
    archive = tmp_path / "report.zip"
    snakemake(workdir, "--configfile", "config/smoke.yaml", "--report", str(archive))
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
    pngs = [n for n in names if n.endswith(".png")]
    # 12 runs x 5 figures + 4 manifolds (z = 2) + 3 per-model sweeps
    assert len(pngs) == 12 * 5 + 4 + 3
    assert any(n.endswith("summary.csv") for n in names)
