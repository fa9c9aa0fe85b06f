"""Every figure of the study is drawn here (matplotlib, no screen needed). The
words on a figure come from report/text in the report's language, as `words`."""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from aestudy.atomic_files import atomic_path  # noqa: E402

# Chinese labels need a CJK font (Debian's fonts-noto-cjk); matplotlib falls back
# glyph by glyph along this list, so Latin text keeps DejaVu Sans.
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "SimHei"]
_installed = {font.name for font in font_manager.fontManager.ttflist}
plt.rcParams.update(
    {
        "font.size": 9,
        "axes.titlesize": 10,
        "figure.constrained_layout.use": True,
        "font.sans-serif": ["DejaVu Sans", *[f for f in CJK_FONTS if f in _installed]],
    }
)


def run_title(words, run, dataset, key="title", **extra):
    """A per-run figure's title from its words: the run named as words["run"] says."""
    named = words["run"].format(dataset=dataset, **run)
    return words[key].format(run=named, **extra)


def diverged_notice(path, record, words, dpi):
    """The figure of a run that diverged: it says so instead of showing NaN."""
    notice(path, words["diverged"].format(epoch=record["diverged_epoch"]), dpi)


def save(fig, path, dpi):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)


def image_grid(
    picture,
    rows,
    columns,
    path,
    *,
    title,
    row_labels=None,
    column_labels=None,
    dpi=120,
    cell=0.9,
):
    """A picture composed of `rows` x `columns` images (figure_data.grid) drawn once,
    with a label beside each row and under each column where given."""
    # room on the left for the longest row label (about 0.075 inch a character)
    margin = 0.4 + 0.075 * max(map(len, row_labels)) if row_labels else 0.3
    fig, ax = plt.subplots(
        figsize=(cell * columns + margin, cell * rows + (0.8 if column_labels else 0.5))
    )
    ax.imshow(picture, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    if column_labels:
        step = (picture.shape[1] - 2) / columns
        ax.set_xticks([2 + step * (i + 0.5) - 1 for i in range(len(column_labels))])
        ax.set_xticklabels(column_labels)
        ax.tick_params(axis="x", length=0)
    if row_labels:
        step = (picture.shape[0] - 2) / rows  # each row: an image and its padding
        ax.set_yticks([2 + step * (i + 0.5) - 1 for i in range(len(row_labels))])
        ax.set_yticklabels(row_labels)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title)
    save(fig, path, dpi)


def loss_curve(history, path, *, words, ylabel, title, log_scale=True, dpi=120):
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(epochs, [row["train_loss"] for row in history], marker=".", label=words["train"])
    ax.plot(epochs, [row["test_loss"] for row in history], marker=".", label=words["test"])
    finite = [
        v for row in history for v in (row["train_loss"], row["test_loss"]) if math.isfinite(v)
    ]
    if log_scale and finite and min(finite) > 0:
        ax.set_yscale("log")
    ax.set_xlabel(words["xlabel"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    save(fig, path, dpi)


def latent_scatter(panels, classes, path, *, title, dpi=120):
    """Scatter panels of 2-D points coloured by class. Each panel is a dict with
    points [N, 2], labels [N], axis_labels and subtitle."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels) + 1.2, 4.2), squeeze=False)
    colors = plt.get_cmap("tab10")
    for ax, panel in zip(axes[0], panels, strict=True):
        points, labels = np.asarray(panel["points"]), np.asarray(panel["labels"])
        for index, name in enumerate(classes):
            mask = labels == index
            if mask.any():
                ax.scatter(*points[mask].T, s=4, alpha=0.6, color=colors(index % 10), label=name)
        ax.set_xlabel(panel["axis_labels"][0])
        ax.set_ylabel(panel["axis_labels"][1])
        ax.set_title(panel["subtitle"])
    axes[0, -1].legend(markerscale=3, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title)
    save(fig, path, dpi)


def metric_vs_latent_dim(panels, path, *, words, title, dpi=120):
    """One panel per metric: mean ± std over seeds against latent_dim, and an
    optional PCA baseline line. `panels` is a list of dicts with keys ylabel,
    dims, means, stds, and optionally baseline (values per dim)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.4), squeeze=False)
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
        ax.set_ylabel(panel["ylabel"])
        ax.set_xticks(panel["dims"])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    save(fig, path, dpi)


def notice(path, text, dpi=120):
    """A figure that says why there is nothing to draw (e.g. the run diverged)."""
    fig, ax = plt.subplots(figsize=(5, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, color="#a00")
    save(fig, path, dpi)


def score_histograms(panels, path, *, words, bins, title, dpi=120):
    """One panel per anomaly score: histograms of the normal and the anomalous test
    images' scores, and the detection threshold as a vertical line. Each panel is
    a dict: name, normal, anomalous (arrays), threshold."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.2), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        values = np.concatenate([panel["normal"], panel["anomalous"]])
        edges = np.histogram_bin_edges(values[np.isfinite(values)], bins=bins)
        ax.hist(panel["normal"], bins=edges, alpha=0.6, density=True, label=words["normal"])
        ax.hist(panel["anomalous"], bins=edges, alpha=0.6, density=True, label=words["anomalous"])
        ax.axvline(panel["threshold"], color="k", linestyle="--", label=words["threshold"])
        ax.set_xlabel(panel["name"])
        ax.set_ylabel(words["density"])
        ax.legend(fontsize=7)
    fig.suptitle(title)
    save(fig, path, dpi)


def roc_curves(curves, path, *, words, title, dpi=120):
    """ROC curves (dicts: fpr, tpr, label) on one plot, with the chance diagonal."""
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    for curve in curves:
        ax.plot(curve["fpr"], curve["tpr"], label=curve["label"])
    ax.plot([0, 1], [0, 1], "k:", label=words["chance"])
    ax.set_xlabel(words["fpr"])
    ax.set_ylabel(words["tpr"])
    ax.set_aspect("equal")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title)
    save(fig, path, dpi)


def bars(values, path, *, title, xlabel, ylabel, threshold=None, threshold_label=None, dpi=120):
    """A bar per value (a latent dimension, a code), with an optional horizontal line."""
    fig, ax = plt.subplots(figsize=(min(0.25 * len(values) + 2.5, 9.0), 3.2))
    positions = np.arange(1, len(values) + 1)
    ax.bar(positions, values, color="#4c72b0")
    if threshold is not None:
        ax.axhline(threshold, color="k", linestyle="--", linewidth=1, label=threshold_label)
        ax.legend(fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    save(fig, path, dpi)
