"""Every figure of the study is drawn here (matplotlib, no screen needed). The
words on a figure come from report/text in the report's language, as `words`.

Sizes are in inches, drawn at the config's dpi. The report shows a figure at most
832 px wide (image grids, the latent-size sweep) or 488 px (two to a row), scaled
down from its own width: a figure is at most WIDTH inches wide (the sweep
WIDE_WIDTH), so that at the default dpi its text still shows about 8 px high."""

import contextlib
import io
import logging
import math
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from PIL import Image  # noqa: E402
from PIL.PngImagePlugin import PngInfo  # noqa: E402

from aestudy.atomic_files import atomic_path  # noqa: E402

WIDTH = 7.5  # 825 px at 110 dpi: 9-point text (14 px) shown 488 px wide is 8 px high
WIDE_WIDTH = 10.0  # 1100 px, shown 832 px wide
FONT_SIZE = 9  # points; titles are a point larger, legends a point smaller
LINE = 1.3 / 72  # inches a line of text takes, per point of its size
PAD = 2  # pixels of white around each image of a grid (figure_data.grid's padding)
# The PNG's text chunk that holds the height in pixels of its smallest text (its
# font size in pixels): the report's tests read how large a browser shows it.
MIN_TEXT_KEY = "min_text_px"
# Fewer shades than a PNG can hold, for smaller files: a plot's lines and text need
# few colours, and a grid of grey images in 32 greys looks as it does in 256.
PLOT_COLOURS = 64
GREY_LEVELS = 32

# Chinese words need a CJK font; Debian's fonts-noto-cjk has the first ones.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei")
CJK_PACKAGE = "fonts-noto-cjk"
# Ideographs, CJK punctuation and full-width forms: characters DejaVu Sans lacks.
CJK_CHARACTER = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
# A line of a title does not end with an opening bracket or quote, nor start with
# a closing one or a punctuation mark (ASCII or full-width).
OPENING = set("([{\uff08\u300a\u300c\u300e\u3010\u3014\u201c\u2018")
CLOSING = set(
    ")]},.:;!?\uff09\uff0c\u3002\uff1a\uff1b\uff01\uff1f\u3001\u300b\u300d\u300f\u3011\u3015\u201d\u2019"
)


def find_cjk_font():
    """The first of CJK_FONTS matplotlib can draw with, or None. matplotlib's font
    list is cached, and may be older than the font's installation: then the font
    files the system has and the list lacks are added (for this process only)."""

    def listed():
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    if listed() is None:
        known = {font.fname for font in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                with contextlib.suppress(Exception):  # a file FreeType cannot read
                    font_manager.fontManager.addfont(path)
    return listed()


CJK_FONT = find_cjk_font()
# Latin text is drawn in DejaVu Sans; matplotlib takes each glyph DejaVu Sans lacks
# (the Chinese ones) from the next family in this list.
matplotlib.rcParams.update(
    {
        "font.size": FONT_SIZE,
        "axes.titlesize": FONT_SIZE + 1,
        "figure.titlesize": FONT_SIZE + 1,
        "legend.fontsize": FONT_SIZE - 1,
        "figure.constrained_layout.use": True,
        "font.family": ["sans-serif", *([CJK_FONT] if CJK_FONT else [])],
    }
)
_warned_of_missing_font = False


def run_title(words, run, dataset, key="title", **extra):
    """A per-run figure's title from its words: the run named as words["run"] says."""
    named = words["run"].format(dataset=dataset, **run)
    return words[key].format(run=named, **extra)


def diverged_notice(path, record, words, dpi):
    """The figure of a run that diverged: it says so instead of showing NaN."""
    notice(path, words["diverged"].format(epoch=record["diverged_epoch"]), dpi)


def subplots(*grid, figsize, **options):
    """pyplot.subplots without pyplot, whose import a figure job can spare: the
    figures here are saved, never shown."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **options)


def text_width(text, size=FONT_SIZE):
    """Width in inches of one line of text drawn at `size` points, in the figures' fonts."""
    properties = font_manager.FontProperties(size=size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing glyph is reported once, in save
        width, _, _ = TextToPath().get_text_width_height_descent(text, properties, ismath=False)
    return width / 72


def fit(text, width, size=FONT_SIZE):
    """`text` broken into lines at most `width` inches wide where it can be: between
    words (not beside an equals sign: z = 2 stays whole), and between Chinese
    characters (no line starts with a comma)."""
    between_words = {i for i in range(2, len(text)) if text[i - 1] == " "}
    between_words -= {i for i in between_words if "=" in (text[i - 2], text[i])}
    breaks = [
        i
        for i in range(1, len(text))
        if text[i - 1] not in OPENING
        and text[i] not in CLOSING
        and (i in between_words or CJK_CHARACTER.match(text[i - 1]) or CJK_CHARACTER.match(text[i]))
    ]
    lines, start, last = [], 0, None
    for end in [*breaks, len(text)]:
        if last is not None and text_width(text[start:end].strip(), size) > width:
            lines.append(text[start:last].strip())
            start = last
        last = end
    return "\n".join([*lines, text[start:].strip()])


def put_title(fig, text):
    """The figure's title, centred on it, in lines that fit its width."""
    fig.suptitle(fit(text, fig.get_figwidth() - 0.2, FONT_SIZE + 1))


def save(fig, path, dpi):
    """Save a figure as a small PNG, every figure of the study being inlined in the
    report: in GREY_LEVELS greys where every pixel is grey; else in a palette of
    256 colours for pictures of colour images (about 35 dB PSNR on CIFAR-10
    patches, a third of the size of full colour), of PLOT_COLOURS for a plot."""
    warn_if_words_cannot_be_drawn(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = compact(Image.open(buffer), 256 if getattr(fig, "colour_images", False) else None)
    info = PngInfo()
    info.add_text(MIN_TEXT_KEY, f"{smallest_text_px(fig, dpi):.2f}")
    with atomic_path(path) as tmp:
        image.save(tmp, format="png", optimize=True, pnginfo=info)


def smallest_text_px(fig, dpi):
    """The font size in pixels of the smallest text drawn on a saved figure."""
    sizes = [
        text.get_fontsize() * dpi / 72
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=0.0)


def warn_if_words_cannot_be_drawn(fig):
    """Chinese words and no CJK font: the figure is drawn all the same (the words as
    boxes), and the job's log says once what to install."""
    global _warned_of_missing_font
    if CJK_FONT or not any(CJK_CHARACTER.search(t.get_text()) for t in fig.findobj(Text)):
        return
    # said once in the log, instead of once for every character matplotlib cannot draw
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    if not _warned_of_missing_font:
        logging.getLogger("aestudy").warning(
            f"warning: no CJK font found ({', '.join(CJK_FONTS)}): the Chinese words of "
            f"the figures are drawn as boxes; install Debian's {CJK_PACKAGE} "
            f"(apt-get install {CJK_PACKAGE})"
        )
        _warned_of_missing_font = True


def compact(image, colours=None):
    """The image in GREY_LEVELS evenly spaced greys if every pixel is grey, else in
    an adaptive palette of `colours` (PLOT_COLOURS if not given)."""
    rgb = image.convert("RGB")  # matplotlib's alpha channel is opaque everywhere
    pixels = np.asarray(rgb)
    if (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all():
        step = 255 / (GREY_LEVELS - 1)
        return rgb.convert("L").point([round(round(v / step) * step) for v in range(256)])
    return rgb.quantize(colours or PLOT_COLOURS, dither=Image.Dither.NONE)


def image_grid(
    picture,
    rows,
    columns,
    path,
    *,
    title,
    row_labels=None,
    column_labels=None,
    axis_labels=None,
    dpi=110,
    cell=0.9,
    wide=False,
):
    """A picture composed of `rows` x `columns` images (figure_data.grid), with a
    label beside each row and under each column where given, and the axes named
    (`axis_labels`: [columns, rows]) where the labels are values.

    Each pixel of the images is drawn as a whole number of figure pixels, for
    images about `cell` inches wide: sharp, and a small PNG. Where that would make
    the figure wider than WIDTH (WIDE_WIDTH for a figure the report shows `wide`),
    the picture is drawn smaller to fit, in as many whole pixels as fit. The
    figure is laid out by hand around the picture, in whole pixels, for that."""
    height, width = picture.shape[:2]
    spacing = (height - PAD) / rows  # an image and its padding, in picture pixels
    line = FONT_SIZE * LINE
    left = 0.1 + (max(map(text_width, row_labels)) + 0.1 if row_labels else 0.0)
    if axis_labels and len(axis_labels) > 1:
        left += line + 0.1
    right = 0.1
    zoom = max(1, round(cell * dpi / spacing))  # figure pixels per image pixel
    fits = ((WIDE_WIDTH if wide else WIDTH) - left - right) * dpi / width
    if zoom > fits:  # whole, unless not even one fits
        zoom = math.floor(fits) if fits >= 1 else fits
    upright = False  # column labels turned upright where they are wider than a cell
    bottom = 0.1
    if column_labels:
        longest = max(map(text_width, column_labels))
        upright = longest > 0.9 * spacing * zoom / dpi
        bottom += (longest if upright else line) + 0.1
    if axis_labels:
        bottom += line + 0.1
    # in pixels from here: the picture's top-left corner on a whole pixel
    inner = round(width * zoom), round(height * zoom)
    across = max(round((left + right) * dpi) + inner[0], round(3.0 * dpi))  # room for a title
    corner = round(left * dpi) + (across - round((left + right) * dpi) - inner[0]) // 2
    # the title is centred on the picture: as wide as the figure leaves room either side
    middle = corner + inner[0] / 2
    heading = fit(title, 2 * min(middle, across - middle) / dpi - 0.2, FONT_SIZE + 1)
    top = round((0.15 + (heading.count("\n") + 1) * (FONT_SIZE + 1) * LINE) * dpi)
    down = top + inner[1] + round(bottom * dpi)
    # + half a pixel: matplotlib cuts the canvas's size down to whole pixels
    fig = Figure(figsize=((across + 0.5) / dpi, (down + 0.5) / dpi), layout="none")
    box = [corner, round(bottom * dpi), *inner]
    ax = fig.add_axes([box[0] / across, box[1] / down, box[2] / across, box[3] / down])
    # pixels copied where the zoom is whole; else (smaller) smoothed, not some dropped
    smooth = "nearest" if float(zoom).is_integer() else "antialiased"
    ax.imshow(picture, cmap="gray", vmin=0, vmax=255, interpolation=smooth, aspect="auto")
    fig.colour_images = picture.ndim == 3  # saved in more colours than a plot
    ax.set_xticks([])
    if column_labels:
        ax.set_xticks([centre(i, spacing) for i in range(len(column_labels))])
        ax.set_xticklabels(column_labels, rotation=90 if upright else 0)
        ax.tick_params(axis="x", length=0)
    ax.set_yticks([])
    if row_labels:
        ax.set_yticks([centre(i, spacing) for i in range(len(row_labels))])
        ax.set_yticklabels(row_labels)
        ax.tick_params(axis="y", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if axis_labels:
        ax.set_xlabel(axis_labels[0])
        if len(axis_labels) > 1:
            ax.set_ylabel(axis_labels[1])
    ax.set_title(heading, pad=5)
    save(fig, path, dpi)


def centre(index, spacing):
    """Where the middle of the index-th image of a grid row (or column) is, in the
    picture's pixel coordinates (imshow's: pixel i spans i - 0.5 to i + 0.5)."""
    return PAD + index * spacing + (spacing - PAD - 1) / 2


def loss_curve(history, path, *, words, ylabel, title, log_scale=True, dpi=110):
    epochs = [row["epoch"] for row in history]
    fig, ax = subplots(figsize=(5, 3.4))
    ax.plot(epochs, [row["train_loss"] for row in history], marker=".", label=words["train"])
    ax.plot(epochs, [row["test_loss"] for row in history], marker=".", label=words["test"])
    finite = [
        v for row in history for v in (row["train_loss"], row["test_loss"]) if math.isfinite(v)
    ]
    if log_scale and finite and min(finite) > 0:
        ax.set_yscale("log")
    ax.set_xlabel(words["xlabel"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_ylabel(fit(ylabel, 2.4))  # no longer than the axis is high
    put_title(fig, title)
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, path, dpi)


def latent_scatter(panels, classes, path, *, title, dpi=110):
    """Scatter panels of 2-D points coloured by class, on equal axes (a distance
    reads the same both ways). Each panel is a dict with points [N, 2], labels [N],
    axis_labels and subtitle."""
    legend_width = max(map(text_width, classes)) + 0.5
    fig, axes = subplots(
        1,
        len(panels),
        figsize=(min(3.2 * len(panels) + legend_width, WIDTH), 3.6),
        squeeze=False,
    )
    panel_width = (fig.get_figwidth() - legend_width) / len(panels)
    colors = matplotlib.colormaps["tab10"]
    for ax, panel in zip(axes[0], panels, strict=True):
        points, labels = np.asarray(panel["points"]), np.asarray(panel["labels"])
        for index, name in enumerate(classes):
            mask = labels == index
            if mask.any():
                ax.scatter(*points[mask].T, s=4, alpha=0.6, color=colors(index % 10), label=name)
        ax.set_xlabel(fit(panel["axis_labels"][0], panel_width - 0.3))
        ax.set_ylabel(fit(panel["axis_labels"][1], 2.6))
        ax.set_title(fit(panel["subtitle"], panel_width - 0.2))
        ax.set_aspect("equal", adjustable="datalim")
    axes[0, -1].legend(markerscale=3, loc="center left", bbox_to_anchor=(1.0, 0.5))
    put_title(fig, title)
    save(fig, path, dpi)


def metric_vs_latent_dim(panels, path, *, words, title, dpi=110):
    """One panel per metric: mean ± std over seeds against latent_dim, and an
    optional PCA baseline line. `panels` is a list of dicts with keys ylabel,
    dims, means, stds, and optionally baseline (values per dim)."""
    fig, axes = subplots(
        1, len(panels), figsize=(min(3.2 * len(panels) + 0.4, WIDE_WIDTH), 3.4), squeeze=False
    )
    for ax, panel in zip(axes[0], panels, strict=True):
        ax.errorbar(
            panel["dims"],
            panel["means"],
            yerr=panel["stds"],
            marker="o",
            capsize=3,
            label=words["mean_std"],
        )
        if panel.get("baseline"):
            ax.plot(panel["dims"], panel["baseline"], "k--", marker="x", label=words["pca"])
        ax.set_xlabel(words["xlabel"])
        ax.set_ylabel(fit(panel["ylabel"], 2.4))
        ax.set_xticks(panel["dims"])
        ax.grid(alpha=0.3)
        ax.legend()
    put_title(fig, title)
    save(fig, path, dpi)


def notice(path, text, dpi=110):
    """A figure that says why there is nothing to draw (e.g. the run diverged)."""
    fig, ax = subplots(figsize=(5, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, fit(text, 4.6), ha="center", va="center", color="#a00")
    save(fig, path, dpi)


def score_histograms(panels, path, *, words, bins, title, dpi=110):
    """One panel per anomaly score: histograms of the normal and the anomalous test
    images' scores, and the detection threshold as a vertical line. Each panel is
    a dict: name, normal, anomalous (arrays), threshold."""
    fig, axes = subplots(
        1, len(panels), figsize=(min(3.7 * len(panels), WIDTH), 3.4), squeeze=False
    )
    panel_width = fig.get_figwidth() / len(panels)
    for ax, panel in zip(axes[0], panels, strict=True):
        values = np.concatenate([panel["normal"], panel["anomalous"]])
        edges = np.histogram_bin_edges(values[np.isfinite(values)], bins=bins)
        ax.hist(panel["normal"], bins=edges, alpha=0.6, density=True, label=words["normal"])
        ax.hist(panel["anomalous"], bins=edges, alpha=0.6, density=True, label=words["anomalous"])
        ax.axvline(panel["threshold"], color="k", linestyle="--", label=words["threshold"])
        ax.set_xlabel(fit(panel["name"], panel_width - 0.5))
        ax.set_ylabel(words["density"])
        ax.legend(fontsize=FONT_SIZE - 2)
    put_title(fig, title)
    save(fig, path, dpi)


def roc_curves(curves, path, *, words, title, dpi=110):
    """ROC curves (dicts: fpr, tpr, label) on one plot, with the chance diagonal."""
    fig, ax = subplots(figsize=(5.2, 4.8))
    for curve in curves:
        ax.plot(curve["fpr"], curve["tpr"], label=curve["label"])
    ax.plot([0, 1], [0, 1], "k:", label=words["chance"])
    ax.set_xlabel(words["fpr"])
    ax.set_ylabel(words["tpr"])
    ax.set_aspect("equal")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right")
    put_title(fig, title)
    save(fig, path, dpi)


def bars(values, path, *, title, xlabel, ylabel, threshold=None, threshold_label=None, dpi=110):
    """A bar per value (a latent dimension, a code), with an optional horizontal line."""
    fig, ax = subplots(figsize=(min(0.25 * len(values) + 2.5, WIDTH), 3.4))
    positions = np.arange(1, len(values) + 1)
    ax.bar(positions, values, color="#4c72b0")
    if threshold is not None:
        ax.axhline(threshold, color="k", linestyle="--", linewidth=1, label=threshold_label)
        ax.legend()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(fit(ylabel, 2.4))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    put_title(fig, title)
    save(fig, path, dpi)
