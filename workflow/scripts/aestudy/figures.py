"""Every figure of the study is drawn here (matplotlib, no screen needed)."""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from aestudy.atomic import atomic_path  # noqa: E402

plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "figure.constrained_layout.use": True})


def save(fig, path, dpi):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)


def _as_array(image):
    """[C, H, W] tensor in [0, 1] -> what imshow takes."""
    array = image.detach().cpu().clamp(0, 1).numpy()
    return array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)


def image_grid(images, path, *, rows, title, row_labels=None, dpi=120, cell=0.9):
    """Images [N, C, H, W] in `rows` rows, left to right, top to bottom."""
    columns = math.ceil(len(images) / rows)
    fig, axes = plt.subplots(
        rows, columns, figsize=(cell * columns + 0.8, cell * rows + 0.4), squeeze=False
    )
    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if index < len(images):
            ax.imshow(
                _as_array(images[index]), cmap="gray", vmin=0, vmax=1, interpolation="nearest"
            )
    if row_labels:
        for ax, label in zip(axes[:, 0], row_labels, strict=False):
            ax.set_ylabel(label, rotation=0, ha="right", va="center")
    fig.suptitle(title)
    save(fig, path, dpi)


def loss_curve(history, path, *, ylabel, title, log_scale=True, dpi=120):
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(epochs, [row["train_loss"] for row in history], marker=".", label="train")
    ax.plot(epochs, [row["test_loss"] for row in history], marker=".", label="test")
    finite = [
        v for row in history for v in (row["train_loss"], row["test_loss"]) if math.isfinite(v)
    ]
    if log_scale and finite and min(finite) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
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


def metric_vs_latent_dim(panels, path, *, title, dpi=120):
    """One panel per metric: mean ± std over seeds against latent_dim, and an
    optional baseline line. `panels` is a list of dicts with keys ylabel, dims,
    means, stds, and optionally baseline (values per dim) and baseline_label."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.4), squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        ax.errorbar(
            panel["dims"], panel["means"], yerr=panel["stds"], marker="o", capsize=3,
            label="mean ± std over seeds",
        )  # fmt: skip
        if panel.get("baseline"):
            ax.plot(
                panel["dims"], panel["baseline"], "k--", marker="x", label=panel["baseline_label"]
            )
        ax.set_xlabel("latent dimension")
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
