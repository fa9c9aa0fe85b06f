"""Figures: the per-run and per-model images, and rebuilding only what a setting touches."""

import struct

import pytest
import yaml
from figure_pixels import grid_shape, is_a_picture, tile_means

from conftest import copy_repository, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

RUNS = 20  # the smoke study's training runs
RUN_FIGURES = ["loss_curve", "reconstructions", "latent_space", "interpolation", "samples"]


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def expected_grids(settings, image_shape, latent_dim):
    """The tile grid (rows, columns) each image-grid figure must show."""
    count = settings["reconstructions"]["count" if image_shape[0] == 1 else "count_color"]
    samples = settings["samples"]["count"]
    grids = {
        "reconstructions": (2, count),
        "interpolation": (settings["interpolation"]["pairs"], settings["interpolation"]["steps"]),
        # as near a square as the count allows, with no blank cell
        "samples": next(
            (r, samples // r) for r in range(int(samples**0.5), 0, -1) if samples % r == 0
        ),
    }
    if latent_dim == 2:
        grids["manifold"] = (settings["manifold"]["grid"],) * 2
    if latent_dim == 1:
        grids["manifold"] = (1, settings["manifold"]["traversal_steps"])
    # corrupted, denoised, clean: for the denoising kinds, which draw it
    grids["denoising"] = (3, settings["denoising"]["count"])
    return grids


def test_every_figure_is_drawn(smoke_study):
    from aestudy.config import resolve_config
    from aestudy.data.formats import IMAGE_SHAPES

    workdir, _ = smoke_study
    config = resolve_config(yaml.safe_load((workdir / "config/smoke.yaml").read_text()))
    for model, spec in config["models"].items():
        sweep = workdir / f"results/figures/{model}/latent_dim_sweep.png"
        assert png_size(sweep)[0] > 300 and is_a_picture(sweep)
        shape = IMAGE_SHAPES[config["datasets"][spec["dataset"]]["format"]]
        for z in spec["latent_dims"]:
            grids = expected_grids(config["figures"], shape, z)
            for seed in spec["seeds"]:
                folder = workdir / f"results/figures/{model}/z{z}/seed{seed}"
                for kind in RUN_FIGURES:
                    width, height = png_size(folder / f"{kind}.png")
                    assert width > 200 and height > 100
                    assert is_a_picture(folder / f"{kind}.png"), (folder, kind)
                for kind, grid in grids.items():
                    if (folder / f"{kind}.png").exists() or kind != "denoising":
                        assert grid_shape(folder / f"{kind}.png") == grid, (folder, kind)
                assert (folder / "denoising.png").exists() == ("noise" in spec)
                anomaly = "anomaly" in config["datasets"][spec["dataset"]]
                assert (folder / "anomaly_scores.png").exists() == anomaly
                if anomaly:
                    assert is_a_picture(folder / "anomaly_scores.png")
                # The decoded manifold exists for 2-D latent spaces only.
                assert (folder / "manifold.png").exists() == (z == 2)


def test_every_run_on_a_dataset_shows_the_same_test_images(smoke_study):
    """figures.selection_seed: the top row of every reconstruction figure on digits
    holds the same images, whatever the model, latent size or seed."""
    workdir, _ = smoke_study
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    on_digits = [  # one test set: digits', also for the dataset made from it
        name for name, spec in study["models"].items() if spec["dataset"] != "sample_patches"
    ]
    figures = sorted(
        path
        for model in on_digits
        for path in (workdir / "results/figures" / model).glob("z*/seed*/reconstructions.png")
    )
    assert len(figures) == 15  # ae and vae: two sizes, two seeds; the others one each
    first = tile_means(figures[0], row=0)
    for path in figures[1:]:
        assert tile_means(path, row=0) == pytest.approx(first, abs=1.0), path
    # ... and the reconstructions below them differ between runs.
    assert tile_means(figures[0], row=1) != pytest.approx(tile_means(figures[-1], row=1), abs=1.0)


EXTRA_STUDY = {
    "seeds": [0, 1],
    "models": {"ae": {"kind": "ae", "dataset": "digits", "latent_dims": [1], "epochs": 1}},
    "figures": {"seeds_with_figures": 1, "latent_space": {"tsne": True, "tsne_points": 200}},
}


@pytest.fixture(scope="module")
def one_dimensional_study(tmp_path_factory):
    """A 1-D AE with t-SNE on, figures for the first seed only; three figures asked
    for by path, one of them of the second seed."""
    workdir = copy_repository(tmp_path_factory.mktemp("one-d"))
    (workdir / "one_d.yaml").write_text(yaml.safe_dump(EXTRA_STUDY))
    targets = [
        "results/figures/ae/z1/seed0/manifold.png",
        "results/figures/ae/z1/seed0/latent_space.png",
        "results/figures/ae/z1/seed1/reconstructions.png",
    ]
    snakemake(workdir, *targets, "--cores", "2", "--configfile", "one_d.yaml")
    # The same latent-space figure drawn with t-SNE off, beside it.
    import plot_latent_space

    words = yaml.safe_load((workdir / "report/text/en.yaml").read_text(encoding="utf-8"))
    words = words["figure_words"]
    folder = workdir / "results/figures/ae/z1/seed0"
    plot_latent_space.main(
        data_path=folder / "figure_data.npz",
        output=folder / "pca_only.png",
        run=dict(model="ae", latent_dim=1, seed=0),
        log=lambda _: None,
        settings=dict(dpi=110, selection_seed=0, points=5000, tsne=False, tsne_points=200),
        words=dict(words["latent_space"], run=words["run"], diverged=words["diverged"]),
    )
    return workdir


def test_a_one_dimensional_code_is_traversed(one_dimensional_study):
    manifold = one_dimensional_study / "results/figures/ae/z1/seed0/manifold.png"
    assert grid_shape(manifold) == (1, 15)  # figures.manifold.traversal_steps
    # The decodes change along the traversal.
    means = tile_means(manifold)
    assert max(means) - min(means) > 1.0


def test_the_tsne_panel_is_drawn_when_asked(one_dimensional_study, smoke_study):
    figure = one_dimensional_study / "results/figures/ae/z1/seed0/latent_space.png"
    log = (one_dimensional_study / "logs/figures/ae/z1/seed0/latent_space.log").read_text()
    assert "t-SNE of 200 codes" in log
    # Two panels side by side (t-SNE is on by default): wider than a PCA panel alone.
    single = one_dimensional_study / "results/figures/ae/z1/seed0/pca_only.png"
    assert png_size(figure)[0] > 1.6 * png_size(single)[0]


def test_another_seeds_figure_is_drawn_when_asked_by_its_path(one_dimensional_study):
    folder = one_dimensional_study / "results/figures/ae/z1"
    assert grid_shape(folder / "seed1/reconstructions.png") == (2, 16)
    assert not (folder / "seed1/samples.png").exists()  # only what was asked for


def plan_with(workdir, **figures):
    """The rules a dry run of the smoke study with other figure settings plans."""
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    study["figures"] = figures
    changed = workdir / "figure_changed.yaml"
    changed.write_text(yaml.safe_dump(study))
    return planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", str(changed)).stdout
    )


def test_a_drawing_setting_redraws_only_that_figure_kind(smoke_study):
    jobs = plan_with(smoke_study[0], latent_space={"tsne": False})
    assert sorted({rule for rule, _ in jobs}) == ["all", "plot_latent_space", "render_report"]
    assert sum(rule == "plot_latent_space" for rule, _ in jobs) == RUNS  # every run


def test_a_setting_of_what_is_decoded_redraws_the_runs_figures_only(smoke_study):
    """Interpolation steps change the figure data (one PyTorch job a run), then its
    figures are redrawn; nothing is trained, evaluated or tabulated again."""
    jobs = plan_with(smoke_study[0], interpolation={"steps": 7})
    rules = {rule for rule, _ in jobs}
    assert sum(rule == "figure_data" for rule, _ in jobs) == RUNS
    assert "plot_interpolation" in rules and "render_report" in rules
    assert not rules & {
        "train_autoencoder",
        "evaluate_run",
        "aggregate_metrics",
        "plot_loss_curve",
        "plot_latent_dim_sweep",
        "plot_anomaly_scores",
    }


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
    # every figure of the study: those of every run and model, and the ROC
    assert len(pngs) == len(list((workdir / "results/figures").rglob("*.png"))) > RUNS * 5
    assert any(n.endswith("summary.csv") for n in names)
