"""Figures: the per-run and per-model images, and rebuilding only what a setting touches.

The first tests draw every figure kind from small synthetic inputs through its
entry script, in English and in Chinese, and read back what was drawn: each
text as it was drawn into the PNG (its box on the canvas, its font), the PNG's
size, the tiles of the image grids. Those marked `workflow` run the smoke study.
"""

import json
import logging
import math
import re
import struct
import warnings
from collections import namedtuple

import numpy as np
import pytest
import torch
import yaml
from figure_pixels import grid_shape, is_a_picture, tile_means, tiles, width
from PIL import Image

from conftest import REPO, copy_repository, planned_jobs, skip_or_fail, snakemake

RUNS = 21  # the smoke study's training runs
RUN_FIGURES = ["loss_curve", "reconstructions", "latent_space", "interpolation", "samples"]
MAX_COLUMNS = 8  # images in a row of a reconstruction or denoising grid


def block_columns(count):
    """Columns of a grid of `count` images in blocks: as few blocks of at most 8 as
    hold them, shared out evenly (10: 5 + 5)."""
    return math.ceil(count / math.ceil(count / MAX_COLUMNS))


class DimmingModel(torch.nn.Module):
    """A stand-in for a trained model whose outputs the tests can predict: it
    reconstructs an image at half its brightness; its code is the mean brightness
    of the image and of its top rows; it decodes a code to a flat grey image."""

    def __init__(self, latent_dim, image_shape):
        super().__init__()
        self.latent_dim, self.image_shape = latent_dim, image_shape

    def code(self, images, labels=None):
        return torch.stack([images.mean((1, 2, 3)), images[:, :, :4].mean((1, 2, 3))], 1)[
            :, : self.latent_dim
        ]

    def decode(self, codes, labels=None):
        grey = 0.2 + 0.6 * torch.sigmoid(codes.sum(1))
        return grey.view(-1, 1, 1, 1).expand(-1, *self.image_shape).clone()

    def reconstruct(self, images, labels=None):
        return images * 0.5

    def latent_kl(self, images, labels=None):
        return torch.arange(1.0, self.latent_dim + 1).expand(len(images), -1)


CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer"]
CIFAR_CLASSES += ["dog", "frog", "horse", "ship", "truck"]


def synthetic_data(count=60, shape=(1, 16, 16), seed=0):
    """A prepared dataset's fields the figures read, with random images of mid grey
    levels (no tile is white, none black) and CIFAR-10's class names."""
    generator = torch.Generator().manual_seed(seed)

    def images():
        return torch.randint(30, 150, (count, *shape), generator=generator, dtype=torch.uint8)

    return dict(
        name="sample_patches",
        classes=CIFAR_CLASSES,
        train_images=images(),
        test_images=images(),
        test_labels=torch.arange(count) % 10,
    )


def figure_settings(figure, **changes):
    """A figure kind's settings as figure_settings in common.smk makes them: the
    schema's defaults, the settings all figures share, the changes given."""
    from aestudy.config import resolve_config

    config = resolve_config({"models": {"ae": {"kind": "ae"}}}, check_paths=False)
    figures = config["figures"]
    settings = dict(dpi=figures["dpi"], selection_seed=figures["selection_seed"])
    settings.update(figures[figure], **changes)
    if figure == "denoising":
        settings["noise"] = config["evaluation"]["denoising"]
    return settings


def figure_words(language, figure):
    """A figure kind's words as figures.smk passes them."""
    text = yaml.safe_load((REPO / f"report/text/{language}.yaml").read_text(encoding="utf-8"))
    words = text["figure_words"]
    if figure in ("latent_dim_sweep", "roc", "comparison"):
        return words[figure]
    extra = {"classes": words["classes"]} if figure in ("latent_space", "class_samples") else {}
    return dict(words[figure], run=words["run"], diverged=words["diverged"], **extra)


def computed(figure, model, data=None, **changes):
    """figure_data's arrays of one figure kind, for the model and synthetic data."""
    from aestudy.figures.figure_data import compute_figure_data

    data = data or synthetic_data()
    record = dict(status="ok", diverged_epoch=None)
    settings = {figure: figure_settings(figure, **changes)}
    return compute_figure_data(model, data, record, [figure], settings)


Drawing = namedtuple("Drawing", "path texts warnings")
Drawn = namedtuple("Drawn", "artist box canvas")  # a text as drawn, in pixels
RUN = dict(model="vae_anomaly", latent_dim=256, seed=1)  # a long name: titles must wrap


def draw(path, script, **arguments):
    """Run an entry script's main (which saves the figure at `path`); return the
    texts matplotlib drew into the PNG and the warnings it raised."""
    from matplotlib.text import Text

    texts, original = {}, Text.draw

    def recording_draw(artist, renderer):
        original(artist, renderer)
        if artist.get_visible() and artist.get_text():
            # the last time drawn: savefig draws once to lay out, once into the PNG
            canvas = artist.get_figure(root=True).bbox.frozen()
            texts[artist] = Drawn(artist, artist.get_window_extent(renderer).frozen(), canvas)

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        patch.setattr(Text, "draw", recording_draw)
        script.main(output=path, log=lambda _: None, **arguments)
    return Drawing(path, list(texts.values()), [str(w.message) for w in caught])


def draw_loss_curve(path, history, kind, language, dataset="digits"):
    """A loss curve drawn from a history.csv, for a run of `kind`, in `language`."""
    import plot_loss_curve

    return draw(
        path,
        plot_loss_curve,
        history_path=history,
        loss=kind,
        run=RUN,
        dataset=dataset,
        settings=figure_settings("loss_curve"),
        words=figure_words(language, "loss_curve"),
    )


def npz(path, arrays):
    np.savez(path, **arrays)
    return path


def json_file(path, record):
    path.write_text(json.dumps(record))
    return path


def draw_every_figure(folder, language):
    """{figure name: Drawing} of every figure kind drawn from synthetic inputs, in
    `language`; the per-run ones for a 2-D code (the manifold's grid), a 1-D code
    (its traversal) and a loss curve for every kind."""
    import plot_anomaly_scores
    import plot_code_usage
    import plot_comparison
    import plot_image_grid
    import plot_kl_per_dimension
    import plot_latent_dim_sweep
    import plot_latent_space
    import plot_roc

    folder.mkdir()
    two_d, one_d = DimmingModel(2, (1, 16, 16)), DimmingModel(1, (1, 16, 16))
    data = synthetic_data()
    arrays = dict(computed("manifold", two_d, data))
    for figure in ("reconstructions", "interpolation", "samples", "denoising", "traversal"):
        arrays.update(computed(figure, two_d, data))
    arrays.update(computed("class_samples", two_d, data, per_class=3))
    arrays.update(computed("latent_space", two_d, data, points=60, tsne_points=40))
    figure_data = npz(folder / "figure_data.npz", arrays)
    line = npz(folder / "line.npz", computed("manifold", one_d, data))
    diverged = npz(
        folder / "diverged.npz", dict(dataset="digits", classes=["0"], diverged_epoch=np.int64(3))
    )

    drawings = {}

    def grid(name, figure, source=figure_data):
        drawings[name] = draw(
            folder / f"{name}.png",
            plot_image_grid,
            data_path=source,
            figure=figure,
            run=RUN,
            settings=figure_settings(figure),
            words=figure_words(language, figure),
        )

    for figure in ("reconstructions", "interpolation", "samples", "manifold", "denoising"):
        grid(figure, figure)
    grid("traversal", "traversal")
    grid("class_samples", "class_samples")
    grid("manifold_traversal", "manifold", source=line)
    grid("diverged", "samples", source=diverged)
    drawings["comparison"] = draw(
        folder / "comparison.png",
        plot_comparison,
        data_paths=[figure_data, figure_data],
        runs=[dict(model="ae_anomaly", latent_dim=4, seed=0), dict(RUN, seed=0)],
        dataset="digits_without_1",
        settings=figure_settings("comparison"),
        words=figure_words(language, "comparison"),
    )

    history = folder / "history.csv"
    history.write_text("epoch,train_loss,test_loss\n1,0.061,0.058\n2,0.043,0.041\n")
    for kind in figure_words(language, "loss_curve")["ylabel"]:  # each kind's loss
        drawings[f"loss_curve_{kind}"] = draw_loss_curve(
            folder / f"loss_curve_{kind}.png", history, kind, language, dataset="sample_patches"
        )
    drawings["latent_space"] = draw(
        folder / "latent_space.png",
        plot_latent_space,
        data_path=figure_data,
        run=RUN,
        settings=figure_settings("latent_space"),
        words=figure_words(language, "latent_space"),
    )
    for kind, dims in (("vae", [2, 20, 64]), ("ae", [2, 4])):
        metrics = [
            json_file(
                folder / f"{kind}{z}-{seed}.json",
                dict(
                    dataset="digits",
                    model=f"{kind}_beta4",
                    kind=kind,
                    latent_dim=z,
                    seed=seed,
                    status="ok",
                    test_mse=0.05 / z + 0.001 * seed,
                    **(dict(elbo=-120.0 + z - seed, iw_ll=-115.0 + z) if kind == "vae" else {}),
                ),
            )
            for z in dims
            for seed in (0, 1)
        ]
        pca = [
            json_file(
                folder / f"pca{z}.json", dict(dataset="digits", latent_dim=z, test_mse=0.06 / z)
            )
            for z in dims
        ]
        drawings[f"latent_dim_sweep_{kind}"] = draw(
            folder / f"latent_dim_sweep_{kind}.png",
            plot_latent_dim_sweep,
            metrics_paths=metrics,
            pca_paths=pca,
            model_name=f"{kind}_beta4",
            settings=figure_settings("latent_dim_sweep"),
            words=figure_words(language, "latent_dim_sweep"),
        )

    draws = np.random.default_rng(0)
    anomalous = np.arange(300) % 10 == 1
    scores = dict(
        diverged_epoch=np.int64(0),
        test_anomalous=anomalous,
        test_recon=draws.gamma(2.0, 0.01, 300) + 0.02 * anomalous,
        test_neg_elbo=draws.normal(110.0, 8.0, 300) + 15 * anomalous,
        threshold_recon=np.float64(0.05),
        threshold_neg_elbo=np.float64(130.0),
    )
    scores_path = npz(folder / "scores.npz", scores)
    drawings["anomaly_scores"] = draw(
        folder / "anomaly_scores.png",
        plot_anomaly_scores,
        scores_path=scores_path,
        run=RUN,
        dataset="digits_without_1",
        settings=figure_settings("anomaly_scores"),
        words=figure_words(language, "anomaly_scores"),
    )
    runs = [
        dict(model=m, latent_dim=z, seed=s)
        for m, z in (("ae_anomaly", 4), ("vae_anomaly", 16))
        for s in (0, 1)
    ]
    drawings["roc"] = draw(
        folder / "roc.png",
        plot_roc,
        scores_paths=[scores_path] * len(runs),
        metrics_paths=[
            json_file(
                folder / f"auc{i}.json",
                # the VAE's runs are scored by the negative ELBO too
                dict(anomaly_auc=0.9 + 0.01 * i, anomaly_elbo_auc=0.8 if i >= 2 else None),
            )
            for i in range(4)
        ],
        runs=runs,
        dataset="digits_without_1",
        settings=figure_settings("roc"),
        words=figure_words(language, "roc"),
    )
    kl = [0.002, 0.5, 1.7, 0.004, *np.linspace(0.0, 0.3, 16)]
    drawings["kl_per_dimension"] = draw(
        folder / "kl_per_dimension.png",
        plot_kl_per_dimension,
        metrics_path=json_file(
            folder / "kl.json", dict(status="ok", kl_per_dimension=kl, active_units=15)
        ),
        run=RUN,
        dataset="digits",
        settings=figure_settings("kl_per_dimension"),
        words=figure_words(language, "kl_per_dimension"),
    )
    usage = dict(status="ok", code_usage=list(range(64)), codebook_perplexity=52.3, codes_used=0.97)
    drawings["code_usage"] = draw(
        folder / "code_usage.png",
        plot_code_usage,
        metrics_path=json_file(folder / "usage.json", usage),
        run=RUN,
        dataset="digits",
        settings=figure_settings("code_usage"),
        words=figure_words(language, "code_usage"),
    )
    return drawings


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    return draw_every_figure(tmp_path_factory.mktemp("figures") / "en", "en")


@pytest.fixture(scope="module")
def chinese(tmp_path_factory):
    return draw_every_figure(tmp_path_factory.mktemp("figures") / "zh", "zh")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_text_runs_off_the_figure(language, request):
    """Every title, label, tick label and legend entry of every figure kind lies
    inside the canvas, in both languages (long run names, wrapped titles)."""
    drawings = request.getfixturevalue({"en": "english", "zh": "chinese"}[language])
    for name, drawing in drawings.items():
        assert drawing.texts, name
        for text in drawing.texts:
            inside = text.canvas.padded(1.0)  # a pixel of rounding
            assert inside.containsx(text.box.x0) and inside.containsx(text.box.x1), (name, text)
            assert inside.containsy(text.box.y0) and inside.containsy(text.box.y1), (name, text)
        # nor is any squeezed out by the layout ("constrained_layout not applied")
        assert not [w for w in drawing.warnings if "layout" in w], name


def test_chinese_words_are_drawn_in_a_cjk_font(chinese):
    """With a CJK font installed, every Chinese character of every figure comes from
    it: matplotlib warns of no missing glyph, the figures' fonts fall back from
    DejaVu Sans (which has no Chinese) to it, and it has each character."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from aestudy.figures import typography

    if typography.CJK_FONT is None:
        skip_or_fail(f"no CJK font is installed (apt-get install {typography.CJK_PACKAGE})")
    cjk = FT2Font(font_manager.findfont(typography.CJK_FONT, fallback_to_default=False))
    dejavu = FT2Font(font_manager.findfont("DejaVu Sans", fallback_to_default=False))
    chinese_texts = 0
    for name, drawing in chinese.items():
        assert not [w for w in drawing.warnings if "missing from font" in w], name
        for text in drawing.texts:
            characters = set(typography.CJK_CHARACTER.findall(text.artist.get_text()))
            if characters:
                chinese_texts += 1
                assert text.artist.get_fontfamily() == ["sans-serif", typography.CJK_FONT], name
                for character in characters:
                    assert cjk.get_char_index(ord(character)), (name, character)
                    assert not dejavu.get_char_index(ord(character)), (name, character)
    assert chinese_texts > 3 * len(chinese)  # titles, labels, legends


def test_without_a_cjk_font_chinese_figures_are_drawn_and_the_log_says_what_to_install(
    tmp_path, monkeypatch
):

    from aestudy.figures import typography

    monkeypatch.setattr(typography, "CJK_FONT", None)
    monkeypatch.setattr(typography, "_warned_of_missing_font", False)
    monkeypatch.setitem(typography.matplotlib.rcParams, "font.family", ["sans-serif"])
    logged = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    logger = logging.getLogger("aestudy")
    logger.addHandler(handler)
    history = tmp_path / "history.csv"
    history.write_text("epoch,train_loss,test_loss\n1,0.5,0.6\n2,0.4,0.5\n")
    try:
        for name in ("first", "second"):  # two figures of one job: one warning
            drawing = draw_loss_curve(tmp_path / f"{name}.png", history, "vae", "zh")
            assert is_a_picture(drawing.path)
            # said once in the log, not once for every character
            assert not [w for w in drawing.warnings if "missing from font" in w]
    finally:
        logger.removeHandler(handler)
    assert len(logged) == 1 and "apt-get install fonts-noto-cjk" in logged[0]


# Latin words a Chinese figure may show: names (of models, datasets, metrics),
# symbols and units, as the Chinese text itself writes them.
NAMES = {"vae_anomaly", "ae_anomaly", "sample_patches", "digits", "digits_without_1"}
NAMES |= {"ae_beta4", "vae_beta4", "PCA", "t-SNE", "MSE", "BCE", "ELBO", "KL", "AUC", "IW"}
NAMES |= {"nats", "log", "epoch"}


def test_chinese_figures_show_no_english_words(chinese):
    for name, drawing in chinese.items():
        for text in drawing.texts:
            shown = re.sub(r"\$[^$]*\$", "", text.artist.get_text())  # numbers in mathtext
            tokens = re.findall(r"[A-Za-z0-9_-]+", shown)
            words = {t for t in tokens if re.search("[A-Za-z]{2}", t)}  # not z1, p(x)
            assert words <= NAMES, (name, text.artist.get_text())


# CSS px a figure is shown wide: a gallery's column at a 390 px window (a phone:
# 390 px less the body's .75rem padding each side) and at a 1280 px one (two
# columns of 30.5rem). report/style.css shows every figure at that width.
SHOWN_WIDTH = {"phone": 366, "laptop": 488}


def test_every_figure_is_drawn_at_one_width_with_text_a_phone_can_read(english, chinese):
    """Every figure is plots.WIDTH inches wide and its smallest text FONT_SIZE
    points, which the PNG records in pixels: shown a gallery column wide, its text
    is 8 CSS px high or more on a phone, 10 or more on a laptop."""
    from PIL import Image

    from aestudy.figures import plots
    from aestudy.figures.png import MIN_TEXT_KEY
    from aestudy.figures.typography import FONT_SIZE

    for drawings in (english, chinese):
        for name, drawing in drawings.items():
            figure = drawing.texts[0].artist.get_figure(root=True)
            # the PNG is the canvas the texts were drawn on (matplotlib cuts it to whole pixels)
            assert width(drawing.path) == int(drawing.texts[0].canvas.width), name
            assert figure.get_figwidth() == pytest.approx(plots.WIDTH, abs=0.02), name
            dpi = drawing.texts[0].canvas.width / figure.get_figwidth()
            drawn = min(text.artist.get_fontsize() for text in drawing.texts)
            assert drawn >= FONT_SIZE, name
            recorded = float(Image.open(drawing.path).text[MIN_TEXT_KEY])
            assert recorded == pytest.approx(drawn * dpi / 72, abs=0.2), name
            shown = {k: recorded * w / width(drawing.path) for k, w in SHOWN_WIDTH.items()}
            assert shown["phone"] >= 8 and shown["laptop"] >= 10, (name, shown)


def drawn_labels(drawing, axis):
    """The tick labels matplotlib drew on an axis ('x' or 'y') of the first axes."""
    axes = drawing.texts[0].artist.get_figure(root=True).axes[0]
    labels = set(getattr(axes, f"get_{axis}ticklabels")())
    return [t.artist.get_text() for t in drawing.texts if t.artist in labels]


def test_the_loss_curve_of_two_epochs_has_whole_epoch_ticks_on_a_linear_axis(english):
    epochs = drawn_labels(english["loss_curve_ae"], "x")
    assert epochs == ["1", "2"]
    axes = english["loss_curve_ae"].texts[0].artist.get_figure(root=True).axes[0]
    assert axes.get_yscale() == "linear"  # two points: a log axis would not help


@pytest.mark.parametrize(
    ("losses", "log"),
    [
        (np.geomspace(0.5, 0.01, 8), True),  # a long curve over more than a decade
        (np.geomspace(0.5, 0.01, 4), False),  # too few epochs
        (np.linspace(0.06, 0.03, 8), False),  # a narrow range
        (np.r_[np.geomspace(0.5, 0.01, 7), np.nan], True),  # NaN left out
        (np.r_[np.geomspace(0.5, 0.01, 7), 0.0], False),  # no log of zero
    ],
)
def test_a_loss_curve_is_drawn_on_a_log_axis_only_where_that_helps(tmp_path, losses, log):

    history = tmp_path / "history.csv"
    rows = [f"{epoch},{loss},{loss * 0.9}" for epoch, loss in enumerate(losses, start=1)]
    history.write_text("epoch,train_loss,test_loss\n" + "\n".join(rows) + "\n")
    drawing = draw_loss_curve(tmp_path / "loss.png", history, "ae", "en")
    axes = drawing.texts[0].artist.get_figure(root=True).axes[0]
    assert axes.get_yscale() == ("log" if log else "linear")


def test_every_class_has_a_colour_of_its_own(english):
    """Ten classes, ten colours (tab10), in the legend and in the saved PNG: no two
    classes' markers are drawn in one colour; more classes, still all different."""
    from aestudy.figures.plots import class_colours

    for count in (2, 10, 12, 30):
        assert len(set(class_colours(count))) == count
    drawing = english["latent_space"]
    figure = drawing.texts[0].artist.get_figure(root=True)
    (legend,) = figure.legends
    colours = [tuple(handle.get_facecolor()[0][:3]) for handle in legend.legend_handles]
    assert len(colours) == 10 and len(set(colours)) == 10
    # each class's colour is in the PNG (its opaque legend marker), all told apart
    pixels = np.asarray(Image.open(drawing.path).convert("RGB"), dtype=np.int16).reshape(-1, 3)
    found = []
    for colour in colours:
        target = np.round(np.array(colour) * 255)
        distance = np.abs(pixels - target).sum(1)
        assert distance.min() <= 30, colour  # near: saved in a palette of 256 colours
        found.append(tuple(pixels[distance.argmin()]))
    assert len(set(found)) == 10


def test_the_latent_space_is_drawn_on_equal_axes(english):
    """A unit of code is as long across as up, in both panels (PCA, t-SNE)."""
    figure = english["latent_space"].texts[0].artist.get_figure(root=True)
    panels = [axes for axes in figure.axes if axes.collections]
    assert len(panels) == 2
    for axes in panels:
        (x0, y0), (x1, y1) = axes.transData.transform([(0.0, 0.0), (1.0, 1.0)])
        assert x1 - x0 == pytest.approx(y1 - y0, rel=1e-6)


def test_the_decoded_manifold_shows_the_code_values_on_its_axes(english):
    drawing = english["manifold"]
    steps = figure_settings("manifold")["grid"]
    assert grid_shape(drawing.path) == (steps, steps)
    across = [float(v) for v in drawn_labels(drawing, "x")]
    down = [float(v) for v in drawn_labels(drawing, "y")]
    # z1 grows to the right, z2 upwards (rows are listed from the top)
    assert len(across) == len(down) == steps
    assert across == sorted(across) and len(set(across)) == steps
    assert down == sorted(down, reverse=True) and len(set(down)) == steps
    words = figure_words("en", "manifold")["axes"]["grid"]
    assert set(words) <= {t.artist.get_text() for t in drawing.texts}
    line = english["manifold_traversal"]
    steps = figure_settings("manifold")["traversal_steps"]
    assert len(drawn_labels(line, "x")) == steps and grid_shape(line.path) == (1, steps)


def test_the_latent_size_sweep_shows_the_likelihoods_of_the_kinds_that_have_them(english):
    ylabels = figure_words("en", "latent_dim_sweep")["ylabel"]

    def panels(drawing):
        figure = drawing.texts[0].artist.get_figure(root=True)
        return [axes.get_ylabel().replace("\n", " ") for axes in figure.axes]

    assert panels(english["latent_dim_sweep_vae"]) == [
        ylabels["test_mse"],
        ylabels["elbo"],
        ylabels["iw_ll"],
    ]
    assert panels(english["latent_dim_sweep_ae"]) == [ylabels["test_mse"]]


def test_figures_are_saved_in_as_few_colours_as_they_need(english):
    from PIL import Image

    modes = {name: Image.open(drawing.path).mode for name, drawing in english.items()}
    assert modes["reconstructions"] == modes["manifold"] == "L"  # grey images, black text
    assert modes["loss_curve_ae"] == modes["roc"] == "P"  # a plot: a palette
    assert set(modes.values()) <= {"L", "P"}  # never full colour, nor an alpha channel


def draw_grid(folder, figure, model, data, **changes):
    """Compute one grid figure's arrays for `model` and draw them; the PNG's path."""
    import plot_image_grid

    folder.mkdir(exist_ok=True)
    arrays = npz(folder / f"{figure}.npz", computed(figure, model, data, **changes))
    drawing = draw(
        folder / f"{figure}.png",
        plot_image_grid,
        data_path=arrays,
        figure=figure,
        run=RUN,
        settings=figure_settings(figure, **changes),
        words=figure_words("en", figure),
    )
    return drawing.path


def grey_means(images):
    """Each image's mean grey level (0-255)."""
    return [float(m) * 255 for m in images.float().div(255).mean((1, 2, 3))]


@pytest.mark.parametrize(("count", "columns"), [(5, 5), (10, 5), (16, 8), (17, 6)])
def test_reconstructions_alternate_original_and_reconstructed_rows_of_at_most_8(
    tmp_path, count, columns
):
    from aestudy.figures.latent_views import fixed_selection

    data = synthetic_data()
    path = draw_grid(tmp_path, "reconstructions", DimmingModel(2, (1, 16, 16)), data, count=count)
    blocks = math.ceil(count / columns)
    assert block_columns(count) == columns
    assert grid_shape(path) == (2 * blocks, columns)
    chosen = fixed_selection(count, len(data["test_images"]))
    originals = grey_means(data["test_images"][chosen])
    for block in range(blocks):
        shown = originals[block * columns : (block + 1) * columns]
        # the last block holds what is left, at most one short, and no blank tile
        assert len(tiles(path)[2 * block]) == len(shown) >= columns - 1
        assert tile_means(path, 2 * block) == pytest.approx(shown, abs=2)
        # the stand-in reconstructs at half the brightness
        halves = [m / 2 for m in shown]
        assert tile_means(path, 2 * block + 1) == pytest.approx(halves, abs=2)


def test_denoising_shows_corrupted_denoised_and_clean_rows_in_blocks_of_full_rows(tmp_path):
    from aestudy.data.corruption import fixed_corruption
    from aestudy.data.prepared import to_float
    from aestudy.figures.latent_views import fixed_selection

    data, count = synthetic_data(), 10
    path = draw_grid(tmp_path, "denoising", DimmingModel(2, (1, 16, 16)), data, count=count)
    columns = block_columns(count)
    assert columns == 5  # 10 images: two blocks of 5, not 8 and a row of 2
    assert grid_shape(path) == (3 * 2, columns)
    assert [len(row) for row in tiles(path)] == [columns] * 6
    chosen = fixed_selection(count, len(data["test_images"]))
    noise = figure_settings("denoising")["noise"]
    noisy = fixed_corruption(to_float(data["test_images"]), noise)[chosen]
    corrupted = [float(m) * 255 for m in noisy.mean((1, 2, 3))]
    clean = grey_means(data["test_images"][chosen])
    for block, start in enumerate(range(0, count, columns)):
        part = slice(start, start + columns)
        assert tile_means(path, 3 * block) == pytest.approx(corrupted[part], abs=2)
        assert tile_means(path, 3 * block + 1) == pytest.approx(
            [m / 2 for m in corrupted[part]], abs=2
        )
        assert tile_means(path, 3 * block + 2) == pytest.approx(clean[part], abs=2)


def test_each_interpolation_row_starts_and_ends_with_its_two_images(tmp_path):
    from aestudy.figures.latent_views import fixed_selection

    data, pairs, steps = synthetic_data(), 3, 5
    model = DimmingModel(2, (1, 16, 16))
    path = draw_grid(tmp_path, "interpolation", model, data, pairs=pairs, steps=steps)
    assert grid_shape(path) == (pairs, steps + 2)
    ends = data["test_images"][fixed_selection(2 * pairs, len(data["test_images"]))]
    means = grey_means(ends)
    for pair in range(pairs):
        shown = tile_means(path, pair)
        assert len(shown) == steps + 2
        assert shown[0] == pytest.approx(means[2 * pair], abs=2)
        assert shown[-1] == pytest.approx(means[2 * pair + 1], abs=2)
        # between them, the decodes of the line from one code to the other: the
        # stand-in's grey grows or falls steadily along it
        between = np.diff(shown[1:-1])
        assert (between >= -1).all() or (between <= 1).all()


def test_the_kl_per_dimension_draws_the_line_above_which_a_dimension_is_active(english):
    """The dashed line is the threshold the VAE counts active units by, and the
    legend names it."""
    from aestudy.kinds.vae import ACTIVE_KL

    drawing = english["kl_per_dimension"]
    axes = drawing.texts[0].artist.get_figure(root=True).axes[0]
    (line,) = axes.get_lines()
    assert list(line.get_ydata()) == [ACTIVE_KL, ACTIVE_KL]
    assert line.get_label() == f"{ACTIVE_KL:g} nats"  # the legend names the value it draws


def test_the_roc_draws_the_negative_elbo_of_the_runs_scored_by_it(english):
    """A solid curve per (model, latent size) by reconstruction error, and a dashed
    one in the same colour by the negative ELBO for the runs that have its AUC; the
    AUC as mean ± std over the two seeds."""
    figure = english["roc"].texts[0].artist.get_figure(root=True)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    words = figure_words("en", "roc")
    recon = words["curve"].format(model="vae_anomaly", latent_dim=16, auc="0.925 ± 0.007")
    elbo = words["curve_elbo"].format(model="vae_anomaly", latent_dim=16, auc="0.800 ± 0.000")
    assert elbo in lines and recon in lines
    assert lines[elbo].get_linestyle() == "--" and lines[recon].get_linestyle() == "-"
    assert lines[elbo].get_color() == lines[recon].get_color()
    assert [label for label in lines if "ELBO" in label] == [elbo]  # not the AE's
    legend = {text.get_text() for text in figure.legends[0].get_texts()}
    assert {recon, elbo, words["chance"]} <= legend


class BrightModel(DimmingModel):
    """Reconstructs an image at a quarter of its brightness."""

    def reconstruct(self, images, labels=None):
        return images * 0.25


def test_the_comparison_shows_the_same_test_images_reconstructed_by_each_model(tmp_path):
    """Rows: the test images the reconstructions figures show (the first
    `images` of them), then each model's reconstructions of them."""
    import plot_comparison

    from aestudy.figures.latent_views import fixed_selection

    data = synthetic_data()
    paths = [
        npz(tmp_path / f"{name}.npz", computed("reconstructions", model, data, count=10))
        for name, model in (
            ("dim", DimmingModel(2, (1, 16, 16))),
            ("bright", BrightModel(2, (1, 16, 16))),
        )
    ]
    runs = [dict(model="ae", latent_dim=2, seed=0), dict(model="vae", latent_dim=4, seed=0)]
    drawing = draw(
        tmp_path / "comparison.png",
        plot_comparison,
        data_paths=paths,
        runs=runs,
        dataset="digits",
        settings=figure_settings("comparison", images=6),
        words=figure_words("en", "comparison"),
    )
    assert grid_shape(drawing.path) == (3, 6)
    chosen = fixed_selection(10, len(data["test_images"]))[:6]
    originals = grey_means(data["test_images"][chosen])
    assert tile_means(drawing.path, 0) == pytest.approx(originals, abs=2)
    assert tile_means(drawing.path, 1) == pytest.approx([m / 2 for m in originals], abs=2)
    assert tile_means(drawing.path, 2) == pytest.approx([m / 4 for m in originals], abs=2)
    labels = drawn_labels(drawing, "y")
    assert labels == ["original", "ae, z = 2", "vae, z = 4"]


def test_the_comparison_refuses_runs_that_show_other_test_images(tmp_path):
    import plot_comparison

    from aestudy import StudyError

    data = synthetic_data()
    first = computed("reconstructions", DimmingModel(2, (1, 16, 16)), data)
    other = computed("reconstructions", DimmingModel(2, (1, 16, 16)), data, selection_seed=5)
    paths = [npz(tmp_path / "first.npz", first), npz(tmp_path / "other.npz", other)]
    with pytest.raises(StudyError, match="other test images"):
        plot_comparison.main(
            data_paths=paths,
            runs=[dict(model=m, latent_dim=2, seed=0) for m in ("ae", "vae")],
            output=tmp_path / "comparison.png",
            dataset="digits",
            settings=figure_settings("comparison"),
            words=figure_words("en", "comparison"),
            log=lambda _: None,
        )
    assert not (tmp_path / "comparison.png").exists()


@pytest.mark.parametrize(("count", "shape"), [(16, (4, 4)), (10, (2, 5)), (7, (3, 3))])
def test_samples_fill_their_grid_with_no_blank_cell(tmp_path, count, shape):
    data = synthetic_data()
    path = draw_grid(tmp_path, "samples", DimmingModel(2, (1, 16, 16)), data, count=count)
    found = tiles(path)
    assert [len(row) for row in found] == [shape[1]] * shape[0]
    # every cell holds a sample: a grey picture, not the white of the background
    for row in range(shape[0]):
        assert max(tile_means(path, row)) < 240


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 5, 7)])
@pytest.mark.parametrize("count, rows", [(16, 2), (7, 3), (3, 1)])
def test_a_grid_is_laid_out_as_torchvision_lays_it_out(shape, count, rows):
    """figure_data composes its grids itself (torchvision's import costs a figure
    job seconds); the picture is make_grid's, pixel for pixel."""
    from torchvision.utils import make_grid

    from aestudy.figures.figure_data import grid
    from aestudy.figures.grids import PAD

    images = torch.rand(count, *shape, generator=torch.Generator().manual_seed(count))
    ours = grid(images, rows)
    columns = -(-count // rows)
    theirs = make_grid(images, nrow=columns, padding=PAD, pad_value=1.0)
    theirs = (theirs * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    if shape[0] == 1:
        theirs = theirs[..., 0]
    assert (ours["rows"], ours["columns"]) == (rows, columns)
    assert np.array_equal(ours["picture"], theirs)


def test_drawing_a_figure_starts_no_pytorch():
    """Every drawing script, and the contract it reads the figure data by, imports
    without PyTorch: starting it costs a figure job more than drawing its PNG."""
    import subprocess
    import sys

    scripts = sorted(path.stem for path in (REPO / "workflow/scripts").glob("plot_*.py"))
    assert len(scripts) >= 9
    check = (
        "import importlib, sys\n"
        "import aestudy.figures.contract\n"
        f"for name in {scripts!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPO / "workflow/scripts",
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]"


# What labels each grid figure's rows and columns, as its figure data says.
GRID_LABELS = {
    "reconstructions": ("words", "none"),
    "denoising": ("words", "none"),
    "interpolation": ("none", "shares"),
    "samples": ("none", "none"),
    "manifold": ("values", "values"),
    "traversal": ("dimensions", "values"),
    "class_samples": ("classes", "none"),
}


@pytest.mark.parametrize("figure", sorted(GRID_LABELS))
def test_a_grid_figure_data_says_what_labels_its_rows_and_columns(figure):
    """Each grid figure's data holds what its labels are made of, one for each row
    or column it labels, and reads back as it was written."""
    from aestudy.figures import GRID
    from aestudy.figures.contract import Grid, key
    from aestudy.kinds import figure_kinds

    assert set(GRID_LABELS) == {f.name for f in figure_kinds().values() if f.script == GRID}
    arrays = computed(figure, DimmingModel(2, (1, 16, 16)), per_class=3)
    grid = Grid.read(arrays, figure)
    assert (grid.row_labels, grid.column_labels) == GRID_LABELS[figure]
    assert np.array_equal(grid.picture, arrays[key(figure, "picture")])
    labelled_rows = {
        "values": grid.row_values,
        "dimensions": grid.dimensions,
        "classes": arrays["classes"],
    }.get(grid.row_labels)
    if labelled_rows is not None:
        assert len(labelled_rows) == grid.rows
    if grid.row_labels == "dimensions":
        assert len(grid.kl) == grid.rows
    if grid.column_labels != "none":
        ends = 2 if grid.column_labels == "shares" else 0  # the two images, unlabelled by values
        assert len(grid.values) + ends == grid.columns
    # a field the figure has no use for is left out, and reads back as None
    assert (grid.dimensions is None) == (grid.row_labels != "dimensions")
    assert (grid.source is None) == (figure != "samples")


def test_a_grid_with_labels_no_drawing_knows_is_refused():
    from aestudy.figures.contract import Grid

    with pytest.raises(ValueError, match="'digits'"):
        Grid(picture=np.zeros((4, 4), np.uint8), rows=1, columns=1, row_labels="digits")


class GreyCodeModel(DimmingModel):
    """Its code is an image's mean brightness; it decodes a code to a flat image of
    that brightness: a decoded line between two codes is a line of greys."""

    def code(self, images, labels=None):
        return images.mean((1, 2, 3)).unsqueeze(1)

    def decode(self, codes, labels=None):
        return codes.view(-1, 1, 1, 1).expand(-1, *self.image_shape).clone()


def test_an_interpolation_decodes_at_the_shares_its_columns_are_labelled_with(tmp_path):
    """The weights the model decodes at (latent_views) and the shares the figure
    labels its columns with (figure data) are one: each decoded image lies that
    share of the way from the first image's grey to the second's."""
    from aestudy.figures.contract import PAD, Grid, interpolation_weights

    steps = 7  # where the weights in float32 are not those of a float64 line
    arrays = computed("interpolation", GreyCodeModel(1, (1, 16, 16)), pairs=2, steps=steps)
    grid = Grid.read(arrays, "interpolation")
    assert np.array_equal(grid.values, interpolation_weights(steps))
    cell = 16 + PAD
    for row in range(grid.rows):
        means = [
            float(grid.picture[PAD + row * cell :][:16, PAD + column * cell :][:, :16].mean())
            for column in range(grid.columns)
        ]
        first, last = means[0], means[-1]
        expected = [first + share * (last - first) for share in grid.values]
        assert means[1:-1] == pytest.approx(expected, abs=0.6)  # uint8 rounding
    path = npz(tmp_path / "interpolation.npz", arrays)
    import plot_image_grid

    drawing = draw(
        tmp_path / "interpolation.png",
        plot_image_grid,
        data_path=path,
        figure="interpolation",
        run=RUN,
        settings=figure_settings("interpolation"),
        words=figure_words("en", "interpolation"),
    )
    shares = [f"{share:.2f}" for share in interpolation_weights(steps)]
    assert drawn_labels(drawing, "x") == ["first", *shares, "second"]


def test_a_traversal_shows_only_the_active_dimensions_most_used_first():
    class Collapsing(DimmingModel):
        def code(self, images, labels=None):  # four values
            return images.flatten(1)[:, :4]

        def latent_kl(self, images, labels=None):  # z1 and z3 collapsed
            return torch.tensor([0.001, 2.0, 0.005, 0.5]).expand(len(images), -1)

    arrays = computed("traversal", Collapsing(2, (1, 16, 16)))
    assert list(arrays["traversal.dimensions"]) == [1, 3]
    assert list(arrays["traversal.kl"]) == pytest.approx([2.0, 0.5])
    arrays = computed("traversal", Collapsing(2, (1, 16, 16)), dimensions=1)
    assert list(arrays["traversal.dimensions"]) == [1]

    class AllCollapsed(DimmingModel):
        def latent_kl(self, images, labels=None):
            return torch.tensor([0.001, 0.002]).expand(len(images), -1)

    # none active: the most used one, so that the figure shows what collapse looks like
    assert list(computed("traversal", AllCollapsed(2, (1, 16, 16)))["traversal.dimensions"]) == [1]


def test_a_traversal_labels_each_row_with_its_dimension_and_kl(english):
    # the stand-in's KL grows with the dimension: the most used one first
    assert drawn_labels(english["traversal"], "y") == ["z2 (KL 2.00)", "z1 (KL 1.00)"]
    limit = figure_settings("traversal")["limit"]
    values = [float(v) for v in drawn_labels(english["traversal"], "x")]
    assert values[0] == -limit and values[-1] == limit


def test_a_grid_is_labelled_as_its_figure_data_says_whatever_the_figure_is_called(tmp_path):
    """Rows of classes are labelled with the classes' names under any figure name:
    what labels a grid travels with its data, not with the figure's name."""
    import plot_image_grid

    from aestudy.figures.contract import key

    arrays = computed("class_samples", DimmingModel(2, (1, 16, 16)), per_class=2)
    renamed = {
        name.replace(key("class_samples", ""), key("samples_per_digit", "")): value
        for name, value in arrays.items()
    }
    drawing = draw(
        tmp_path / "renamed.png",
        plot_image_grid,
        data_path=npz(tmp_path / "renamed.npz", renamed),
        figure="samples_per_digit",
        run=RUN,
        settings=figure_settings("class_samples"),
        words=figure_words("en", "class_samples"),
    )
    assert drawn_labels(drawing, "y") == CIFAR_CLASSES
    assert grid_shape(drawing.path) == (10, 2)


def diverged_sources(folder, epoch):
    """A diverged run's figure data, metrics.json and scores, as the jobs write them."""
    from aestudy.figures.contract import run_arrays

    return dict(
        data=npz(folder / "figure_data.npz", run_arrays("digits", ["0", "1"], epoch)),
        metrics=json_file(folder / "metrics.json", dict(status="diverged", diverged_epoch=epoch)),
        scores=npz(
            folder / "scores.npz",
            dict(diverged_epoch=np.int64(epoch), test_anomalous=np.zeros(4, dtype=bool)),
        ),
    )


@pytest.mark.parametrize(
    ("script", "source", "figure"),
    [
        ("plot_image_grid", "data", "samples"),
        ("plot_latent_space", "data", "latent_space"),
        ("plot_kl_per_dimension", "metrics", "kl_per_dimension"),
        ("plot_code_usage", "metrics", "code_usage"),
        ("plot_anomaly_scores", "scores", "anomaly_scores"),
    ],
)
def test_a_run_that_diverged_is_drawn_as_one_notice_from_each_source(
    tmp_path, script, source, figure
):
    """Whatever a figure is drawn from, a run that diverged gets the one notice
    that says at which epoch, in red, and nothing else."""
    import importlib

    from figure_pixels import red_share

    sources = diverged_sources(tmp_path, epoch=7)
    arguments = dict(run=RUN, settings=figure_settings(figure), words=figure_words("en", figure))
    if script == "plot_image_grid":
        arguments["figure"] = figure
    if source != "data":
        arguments["dataset"] = "digits"
    drawing = draw(
        tmp_path / f"{figure}.png",
        importlib.import_module(script),
        **{f"{source}_path": sources[source]},
        **arguments,
    )
    (text,) = drawing.texts
    said = figure_words("en", figure)["diverged"].format(epoch=7)
    assert text.artist.get_text().replace("\n", " ") == said
    assert red_share(drawing.path) > 0.3  # red text, its anti-aliased edges paler


def test_the_comparison_leaves_out_a_run_that_diverged(tmp_path):
    import plot_comparison

    data = synthetic_data()
    trained = npz(
        tmp_path / "ae.npz", computed("reconstructions", DimmingModel(2, (1, 16, 16)), data)
    )
    diverged = diverged_sources(tmp_path, epoch=3)["data"]
    drawing = draw(
        tmp_path / "comparison.png",
        plot_comparison,
        data_paths=[diverged, trained],
        runs=[dict(model="vae", latent_dim=2, seed=0), dict(model="ae", latent_dim=2, seed=0)],
        dataset="digits",
        settings=figure_settings("comparison", images=4),
        words=figure_words("en", "comparison"),
    )
    assert drawn_labels(drawing, "y") == ["original", "ae, z = 2"]
    assert grid_shape(drawing.path) == (2, 4)


@pytest.mark.parametrize(
    ("record", "epoch"),
    [
        (dict(status="diverged", diverged_epoch=5), 5),
        (dict(status="ok", diverged_epoch=None), None),
        (dict(status="ok", kl_per_dimension=[0.5]), None),  # a metrics record may omit it
    ],
)
def test_a_record_says_whether_its_run_diverged(record, epoch):
    from aestudy.figures.contract import record_diverged_epoch

    assert record_diverged_epoch(record) == epoch


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def expected_grids(settings, image_shape, latent_dim, classes):
    """The tile grid (rows, columns) each image-grid figure must show."""
    from aestudy.figures.figure_data import sample_grid

    count = settings["reconstructions"]["count" if image_shape[0] == 1 else "count_color"]
    blocks = math.ceil(count / MAX_COLUMNS)
    pairs, steps = settings["interpolation"]["pairs"], settings["interpolation"]["steps"]
    grids = {
        # originals and reconstructions in turn, in blocks of at most 8 columns
        "reconstructions": (2 * blocks, block_columns(count)),
        # each row: the first image, the steps between, the second image
        "interpolation": (pairs, steps + 2),
        "samples": sample_grid(settings["samples"]["count"]),
    }
    if latent_dim == 2:
        grids["manifold"] = (settings["manifold"]["grid"],) * 2
    if latent_dim == 1:
        grids["manifold"] = (1, settings["manifold"]["traversal_steps"])
    # corrupted, denoised, clean: for the denoising kinds, which draw it
    denoised = settings["denoising"]["count"]
    grids["denoising"] = (3 * math.ceil(denoised / MAX_COLUMNS), block_columns(denoised))
    # the VAE family: a row per active latent dimension (the most used, at most
    # `dimensions` of them), a row per class
    traversal = settings["traversal"]
    grids["traversal"] = (min(traversal["dimensions"], latent_dim), traversal["steps"])
    grids["class_samples"] = (classes, settings["class_samples"]["per_class"])
    return grids


@pytest.mark.workflow
def test_every_figure_is_drawn(smoke_study):
    from aestudy.config import resolve_config
    from aestudy.data.formats import CLASSES, IMAGE_SHAPES
    from aestudy.kinds import kind_of

    workdir, _ = smoke_study
    config = resolve_config(yaml.safe_load((workdir / "config/smoke.yaml").read_text()))
    for model, spec in config["models"].items():
        # against the latent size only where there are two sizes or more
        sweep = workdir / f"results/figures/{model}/latent_dim_sweep.png"
        assert sweep.exists() == (len(spec["latent_dims"]) > 1), model
        if sweep.exists():
            assert png_size(sweep)[0] > 300 and is_a_picture(sweep)
        data_format = config["datasets"][spec["dataset"]]["format"]
        shape = IMAGE_SHAPES[data_format]
        for z in spec["latent_dims"]:
            grids = expected_grids(config["figures"], shape, z, len(CLASSES[data_format]))
            for seed in spec["seeds"]:
                folder = workdir / f"results/figures/{model}/z{z}/seed{seed}"
                for kind in kind_of(spec).run_figures(z):  # the figures of its kind
                    width, height = png_size(folder / f"{kind}.png")
                    assert width > 200 and height > 100
                    assert is_a_picture(folder / f"{kind}.png"), (folder, kind)
                    if kind == "traversal":  # a row per active dimension, at most `dimensions`
                        rows = len(np.load(folder / "figure_data.npz")["traversal.dimensions"])
                        assert 1 <= rows <= grids[kind][0], (folder, rows)
                        assert grid_shape(folder / f"{kind}.png") == (rows, grids[kind][1])
                    elif kind in grids:
                        assert grid_shape(folder / f"{kind}.png") == grids[kind], (folder, kind)
                assert (folder / "denoising.png").exists() == ("noise" in spec)
                anomaly = "anomaly" in config["datasets"][spec["dataset"]]
                assert (folder / "anomaly_scores.png").exists() == anomaly
                if anomaly:
                    assert is_a_picture(folder / "anomaly_scores.png")
                # The decoded manifold exists for 2-D latent spaces only.
                assert (folder / "manifold.png").exists() == (z == 2)
    # A dataset of two models or more: its test images reconstructed by each of them.
    models_on = {}
    for model, spec in config["models"].items():
        models_on.setdefault(spec["dataset"], []).append(model)
    for dataset, models in models_on.items():
        comparison = workdir / f"results/figures/dataset-{dataset}/comparison.png"
        assert comparison.exists() == (len(models) > 1), dataset
        if comparison.exists():
            images = config["figures"]["comparison"]["images"]
            shown = config["figures"]["reconstructions"]["count"]  # the smoke study's: 8
            assert grid_shape(comparison) == (1 + len(models), min(images, shown)), dataset


@pytest.mark.workflow
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
    # The same latent-space figure drawn from the same data without its t-SNE view
    # (what the data holds with t-SNE off), beside it.
    import plot_latent_space

    from aestudy.figures.contract import key

    words = yaml.safe_load((workdir / "report/text/en.yaml").read_text(encoding="utf-8"))
    words = words["figure_words"]
    folder = workdir / "results/figures/ae/z1/seed0"
    with np.load(folder / "figure_data.npz") as data:
        tsne = key("latent_space", "tsne")
        arrays = {name: data[name] for name in data.files if name != tsne}
    np.savez(folder / "pca_only.npz", **arrays)
    plot_latent_space.main(
        data_path=folder / "pca_only.npz",
        output=folder / "pca_only.png",
        run=dict(model="ae", latent_dim=1, seed=0),
        log=lambda _: None,
        settings=dict(dpi=110, selection_seed=0),
        words=dict(words["latent_space"], run=words["run"], diverged=words["diverged"]),
    )
    return workdir


@pytest.mark.workflow
def test_a_one_dimensional_code_is_traversed(one_dimensional_study):
    manifold = one_dimensional_study / "results/figures/ae/z1/seed0/manifold.png"
    assert grid_shape(manifold) == (1, 15)  # figures.manifold.traversal_steps
    # The decodes change along the traversal.
    means = tile_means(manifold)
    assert max(means) - min(means) > 1.0


@pytest.mark.workflow
def test_the_tsne_panel_is_drawn_when_asked(one_dimensional_study):
    figure = one_dimensional_study / "results/figures/ae/z1/seed0/latent_space.png"
    log = (one_dimensional_study / "logs/figures/ae/z1/seed0/latent_space.log").read_text()
    assert "t-SNE of 200 codes" in log
    # Two panels, one above the other, as wide as a PCA panel alone (every figure is
    # drawn one width): taller.
    single = one_dimensional_study / "results/figures/ae/z1/seed0/pca_only.png"
    assert png_size(figure)[0] == png_size(single)[0]
    assert png_size(figure)[1] > 1.6 * png_size(single)[1]


@pytest.mark.workflow
def test_another_seeds_figure_is_drawn_when_asked_by_its_path(one_dimensional_study):
    folder = one_dimensional_study / "results/figures/ae/z1"
    assert grid_shape(folder / "seed1/reconstructions.png") == (4, 8)  # 16 images
    assert not (folder / "seed1/samples.png").exists()  # only what was asked for


def plan_with(workdir, **figures):
    """The rules a dry run of the smoke study with other figure settings plans."""
    study = yaml.safe_load((workdir / "config/smoke.yaml").read_text())
    given = study.setdefault("figures", {})
    for kind, settings in figures.items():  # the smoke study's own settings kept
        given[kind] = {**given.get(kind, {}), **settings}
    changed = workdir / "figure_changed.yaml"
    changed.write_text(yaml.safe_dump(study))
    return planned_jobs(
        snakemake(workdir, "-n", "--cores", "2", "--configfile", str(changed)).stdout
    )


@pytest.mark.workflow
def test_a_drawing_setting_redraws_only_that_figure_kind(smoke_study):
    jobs = plan_with(smoke_study[0], loss_curve={"log_scale": False})
    assert sorted({rule for rule, _ in jobs}) == ["all", "plot_loss_curve", "render_report"]
    assert sum(rule == "plot_loss_curve" for rule, _ in jobs) == RUNS  # every run


@pytest.mark.workflow
@pytest.mark.parametrize(
    "changed", [{"interpolation": {"steps": 7}}, {"latent_space": {"tsne": False}}]
)
def test_a_setting_of_what_is_computed_redraws_the_runs_figures_only(smoke_study, changed):
    """Interpolation steps, or t-SNE off, change the figure data (one PyTorch job a
    run), then its figures are redrawn; nothing is trained, evaluated or tabulated
    again."""
    jobs = plan_with(smoke_study[0], **changed)
    (figure,) = changed
    rules = {rule for rule, _ in jobs}
    assert sum(rule == "figure_data" for rule, _ in jobs) == RUNS
    assert f"plot_{figure}" in rules and "render_report" in rules
    assert not any(rule.startswith("train_") for rule in rules)  # alone or together
    assert not rules & {
        "evaluate_run",
        "aggregate_metrics",
        "plot_loss_curve",
        "plot_latent_dim_sweep",
        "plot_anomaly_scores",
    }


@pytest.mark.workflow
def test_a_figure_path_as_target_builds_just_it(smoke_study):
    workdir, _ = smoke_study
    target = "results/figures/vae/z20/seed1/samples.png"
    before = (workdir / target).read_bytes()
    (workdir / target).unlink()
    process = snakemake(workdir, target, "--cores", "1", "--configfile", "config/smoke.yaml")
    finished = [line for line in process.stderr.splitlines() if "Finished jobid" in line]
    assert len(finished) == 1 and "plot_samples" in finished[0]
    assert (workdir / target).read_bytes() == before  # same seed, same picture


@pytest.mark.workflow
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
