"""Every figure of the study is drawn here (matplotlib, no screen needed). The
words on a figure come from report/text in the report's language, as `words`.

Sizes are in inches, drawn at the config's dpi. Every figure is WIDTH inches wide
and every text FONT_SIZE points or more, and the report shows every figure at one
width (a column of a gallery): one scale, one text size. A phone's column (390 px
window) is 366 CSS px, so 9-point text on a 5-inch figure shows 9 x 366 / (72 x 5)
= 9.2 px high; at a 1280 px window (two 488 px columns), 12.2 px."""

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from aestudy.figures.contract import PAD  # noqa: E402
from aestudy.figures.png import save  # noqa: E402
from aestudy.figures.typography import FONT_SIZE, LINE, fit, text_width  # noqa: E402

WIDTH = 5.0  # inches, every figure
MAX_PICTURE_HEIGHT = 6.5  # inches, the picture of an image grid
MAX_DPI_DROP = 1.25  # an image grid's dpi may be this many times lower than the config's


def run_title(words, run, dataset, key="title", **extra):
    """A per-run figure's title from its words: the run named as words["run"] says."""
    named = words["run"].format(dataset=dataset, **run)
    return words[key].format(run=named, **extra)


def class_names(classes, words):
    """The classes' names in the report's language where the words have them."""
    names = words.get("classes", {})
    return [names.get(str(name), str(name)) for name in classes]


def draw_diverged(path, epoch, words, dpi):
    """The figure of a run that diverged at `epoch` (contract.diverged_epoch): it says
    so, in words["diverged"], where the figure would show what the run has not."""
    notice(path, words["diverged"].format(epoch=epoch), dpi)


def subplots(*grid, figsize, **options):
    """pyplot.subplots without pyplot, whose import a figure job can spare: the
    figures here are saved, never shown."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*grid, **options)


def put_title(fig, text):
    """The figure's title, centred on it, in lines that fit its width."""
    fig.suptitle(fit(text, fig.get_figwidth() - 0.2, FONT_SIZE + 1))


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
):
    """A picture composed of `rows` x `columns` images (figure_data.grid), with a
    label beside each row and under each column where given, and the axes named
    (`axis_labels`: [columns, rows]) where the labels are values.

    The picture fills the figure's width (WIDTH) beside its labels, at most
    MAX_PICTURE_HEIGHT high. Each of its pixels is drawn as a whole number of
    figure pixels (sharp, and a small PNG): the figure is drawn at the dpi near
    `dpi` at which they fill it; a picture too large for that at twice `dpi` is
    drawn smaller, smoothed. The figure is laid out by hand around the picture, in
    whole pixels, for that."""
    height, width = picture.shape[:2]
    spacing = (height - PAD) / rows  # an image and its padding, in picture pixels
    line = FONT_SIZE * LINE
    left = 0.1 + (max(map(text_width, row_labels)) + 0.1 if row_labels else 0.0)
    if axis_labels and len(axis_labels) > 1:
        left += line + 0.1
    right = 0.1
    # figure pixels per picture pixel that fill the room, at `dpi`
    fits = min((WIDTH - left - right) / width, MAX_PICTURE_HEIGHT / height) * dpi
    if fits >= 0.5:
        # whole, at the dpi that fills the room: a little lower than `dpi` (at most
        # MAX_DPI_DROP) rather than much higher, for a small PNG
        zoom = math.floor(fits) if fits >= 1 and fits / math.floor(fits) <= MAX_DPI_DROP else None
        zoom = zoom or math.ceil(fits)
        dpi = dpi * zoom / fits
    else:
        zoom = fits
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
    across = round(WIDTH * dpi)
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
    fig.colours = 256 if picture.ndim == 3 else None  # colour images: more than a plot
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
    """Train and test loss per epoch; on a log axis where `log_scale` asks and it
    helps (wants_log_axis)."""
    epochs = [row["epoch"] for row in history]
    fig, ax = subplots(figsize=(WIDTH, 3.4))
    ax.plot(epochs, [row["train_loss"] for row in history], marker=".", label=words["train"])
    ax.plot(epochs, [row["test_loss"] for row in history], marker=".", label=words["test"])
    losses = [v for row in history for v in (row["train_loss"], row["test_loss"])]
    if log_scale and wants_log_axis(losses, len(epochs)):
        ax.set_yscale("log")
    ax.set_xlabel(words["xlabel"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_ylabel(fit(ylabel, 2.4))  # no longer than the axis is high
    put_title(fig, title)
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, path, dpi)


LOG_MIN_EPOCHS = 5
LOG_MIN_RATIO = 10


def wants_log_axis(values, epochs):
    """A log axis helps a loss curve of LOG_MIN_EPOCHS epochs or more whose finite
    losses, all positive, span a factor of LOG_MIN_RATIO or more; a few points or a
    narrow range read better on a linear one."""
    finite = [v for v in values if math.isfinite(v)]
    return (
        epochs >= LOG_MIN_EPOCHS
        and bool(finite)
        and min(finite) > 0
        and max(finite) >= LOG_MIN_RATIO * min(finite)
    )


def class_colours(count):
    """A colour for each of `count` classes, all different: tab10's for up to 10
    classes, tab20's for up to 20, else evenly spaced hues."""
    if count <= 10:
        return [matplotlib.colormaps["tab10"](i) for i in range(count)]
    if count <= 20:
        return [matplotlib.colormaps["tab20"](i) for i in range(count)]
    return [matplotlib.colormaps["hsv"](i / count) for i in range(count)]


def latent_scatter(panels, classes, path, *, title, dpi=110):
    """Scatter panels of 2-D points coloured by class (class_colours), one above the
    other, on equal axes (a distance reads the same both ways), the classes named
    once on the right. Each panel is a dict with points [N, 2], labels [N],
    axis_labels and subtitle."""
    legend_width = max(map(text_width, classes)) + 0.7
    panel_width = WIDTH - legend_width
    fig, axes = subplots(len(panels), 1, figsize=(WIDTH, 0.6 + 3.2 * len(panels)), squeeze=False)
    colours = class_colours(len(classes))
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        points, labels = np.asarray(panel["points"]), np.asarray(panel["labels"])
        for index, name in enumerate(classes):
            mask = labels == index
            # every class in every panel's legend entries, even one it has no point of
            ax.scatter(
                *points[mask].T, s=4, alpha=0.6, linewidths=0, color=colours[index], label=name
            )
        ax.set_xlabel(fit(panel["axis_labels"][0], panel_width - 0.3))
        ax.set_ylabel(fit(panel["axis_labels"][1], 2.4))
        ax.set_title(fit(panel["subtitle"], panel_width - 0.2))
    legend = fig.legend(
        *axes[0, 0].get_legend_handles_labels(), loc="outside right center", markerscale=3
    )
    for handle in legend.legend_handles:
        handle.set_alpha(1.0)  # the class's own colour, not faded as its points are
    fig.colours = 256
    put_title(fig, title)
    equal_axes(fig, axes[:, 0], [np.asarray(panel["points"]) for panel in panels])
    save(fig, path, dpi)


def equal_axes(fig, axes, clouds):
    """Each axes shows its cloud of points on equal axes (a unit as long across as
    up) in all the box the layout gave it: the figure is laid out once, each
    axes' limits set to its box's shape around its points, and the layout kept
    (matplotlib's own "datalim" stops within 0.5 % of equal)."""
    fig.draw_without_rendering()
    for ax, points in zip(axes, clouds, strict=True):
        box = ax.get_position()
        shape = (box.height * fig.get_figheight()) / (box.width * fig.get_figwidth())
        low, high = np.nanmin(points, 0), np.nanmax(points, 0)
        across = 1.05 * max(float(high[0] - low[0]), float(high[1] - low[1]) / shape, 1e-12)
        centre = (low + high) / 2
        ax.set_xlim(centre[0] - across / 2, centre[0] + across / 2)
        ax.set_ylim(centre[1] - across * shape / 2, centre[1] + across * shape / 2)
    fig.set_layout_engine("none")


def metric_vs_latent_dim(panels, path, *, words, title, dpi=110):
    """One panel per metric, one above the other: mean ± std over seeds against
    latent_dim, and an optional PCA baseline line. `panels` is a list of dicts with
    keys ylabel, dims, means, stds, and optionally baseline (values per dim)."""
    fig, axes = subplots(
        len(panels), 1, figsize=(WIDTH, 0.7 + 2.4 * len(panels)), squeeze=False, sharex=True
    )
    for ax, panel in zip(axes[:, 0], panels, strict=True):
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
        ax.set_ylabel(fit(panel["ylabel"], 1.8))
        ax.set_xticks(panel["dims"])
        ax.grid(alpha=0.3)
        ax.legend()
    axes[-1, 0].set_xlabel(words["xlabel"])
    put_title(fig, title)
    save(fig, path, dpi)


def notice(path, text, dpi=110):
    """A figure that says why there is nothing to draw (e.g. the run diverged)."""
    fig, ax = subplots(figsize=(WIDTH, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, fit(text, WIDTH - 0.4), ha="center", va="center", color="#a00")
    save(fig, path, dpi)


def score_histograms(panels, path, *, words, bins, title, dpi=110):
    """One panel per anomaly score, one above the other: histograms of the normal
    and the anomalous test images' scores, and the detection threshold as a
    vertical line; one legend under them. Each panel is a dict: name, normal,
    anomalous (arrays), threshold."""
    fig, axes = subplots(len(panels), 1, figsize=(WIDTH, 1.1 + 2.3 * len(panels)), squeeze=False)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        values = np.concatenate([panel["normal"], panel["anomalous"]])
        edges = np.histogram_bin_edges(values[np.isfinite(values)], bins=bins)
        ax.hist(panel["normal"], bins=edges, alpha=0.6, density=True, label=words["normal"])
        ax.hist(panel["anomalous"], bins=edges, alpha=0.6, density=True, label=words["anomalous"])
        ax.axvline(panel["threshold"], color="k", linestyle="--", label=words["threshold"])
        ax.set_xlabel(fit(panel["name"], WIDTH - 1.0))
        ax.set_ylabel(words["density"])
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
    put_title(fig, title)
    save(fig, path, dpi)


def roc_curves(curves, path, *, words, title, dpi=110):
    """ROC curves (dicts: fpr, tpr, label, and optionally color and linestyle) on one
    plot, with the chance diagonal; the legend under it."""
    fig, ax = subplots(figsize=(WIDTH, 4.2 + 0.2 * len(curves)))
    for curve in curves:
        style = {key: curve[key] for key in ("color", "linestyle") if key in curve}
        ax.plot(curve["fpr"], curve["tpr"], label=curve["label"], **style)
    ax.plot([0, 1], [0, 1], "k:", label=words["chance"])
    ax.set_xlabel(words["fpr"])
    ax.set_ylabel(words["tpr"])
    ax.set_aspect("equal")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.legend(loc="outside lower center")
    put_title(fig, title)
    save(fig, path, dpi)


def bars(values, path, *, title, xlabel, ylabel, threshold=None, threshold_label=None, dpi=110):
    """A bar per value (a latent dimension, a code), with an optional horizontal line."""
    fig, ax = subplots(figsize=(WIDTH, 3.4))
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
