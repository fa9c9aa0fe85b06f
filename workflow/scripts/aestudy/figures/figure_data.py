"""What a run's figures show, computed once per run from the trained model and
saved in one .npz (`figure_data`), so that each figure job draws it with numpy
and matplotlib alone: starting PyTorch costs more than drawing a small PNG.

Each figure kind drawn from the model has a function here that returns its
record of the figure-data contract (contract.py); image grids are composed here
and saved as the picture to show, with what labels its rows and columns. The
latent space's 2-D views (PCA, t-SNE) are computed here too, so that its figure
job starts no scikit-learn.
"""

import math

import torch

from aestudy.data.corruption import fixed_corruption
from aestudy.data.prepared import to_float
from aestudy.evaluation.generation import (
    class_samples,
    code_distribution,
    encode_all,
    has_prior,
    interpolate,
    sample,
)
from aestudy.figures import TRAVERSAL_LIMIT
from aestudy.figures.contract import (
    Grid,
    Labels,
    LatentSpace,
    Reconstructions,
    interpolation_weights,
    record_diverged_epoch,
    run_arrays,
)
from aestudy.figures.grids import compose
from aestudy.figures.latent_views import (
    fixed_selection,
    manifold,
    normal_quantiles,
    reconstruct,
    traversal,
    traversal_values,
    traverse_dimensions,
)
from aestudy.figures.projections import pca_2d, tsne_2d
from aestudy.kinds.vae import ACTIVE_KL

COMPUTE = {}  # figure kind -> function(model, data, test_images, settings) -> its record
# (data["test_labels"] holds the test images' classes, which conditional models read)


def computes(figure):
    def register(function):
        COMPUTE[figure] = function
        return function

    return register


def pixels(images):
    """Images [N, C, H, W] in [0, 1] as uint8 [N, H, W] (grey) or [N, H, W, 3]."""
    images = (images.detach().cpu().clamp(0, 1) * 255).round().to(torch.uint8)
    images = images.permute(0, 2, 3, 1).numpy()
    return images[..., 0] if images.shape[-1] == 1 else images


def grid(images, rows):
    """Images [N, C, H, W] in [0, 1] as one picture (grids.compose): a Grid's
    picture (uint8 [H, W] or [H, W, 3]), rows and columns."""
    return compose(pixels(images), rows)


MAX_COLUMNS = 8  # images a row of a figure holds, so that it stays readable in the page


def block_columns(count):
    """Columns of a grid of `count` images in blocks of rows: as few blocks as hold
    them in rows of at most MAX_COLUMNS, the images shared out evenly (10 -> 5 + 5,
    not 8 + 2), so that no row is more than one image short."""
    blocks = -(-count // MAX_COLUMNS)
    return -(-count // blocks)


def blocks(groups):
    """Rows of images in blocks of block_columns(N): each group ([N, C, H, W], e.g.
    the originals and their reconstructions) gets a row in every block, in turn.
    The last block's rows are filled out with white, the grid's padding colour."""
    count = len(groups[0])
    width = block_columns(count)
    rows = [group[start : start + width] for start in range(0, count, width) for group in groups]
    padded = [torch.cat([r, torch.ones(width - len(r), *r.shape[1:])]) for r in rows]
    return grid(torch.cat(padded), rows=len(rows))


def sample_grid(count):
    """(rows, columns) of a grid of about `count` samples with no blank cell, as near
    a square as can be: count's divisors where they are not much wider than high
    (16 -> 4 x 4, 10 -> 2 x 5), else ceil(sqrt(count)) columns and the rows that
    take count, the last one filled by drawing a few samples more (7 -> 3 x 3)."""
    square = math.isqrt(count - 1) + 1  # ceil(sqrt(count))
    columns = next(c for c in range(square, count + 1) if count % c == 0)
    if columns > 2 * square:
        columns = square
    return -(-count // columns), columns


@computes("reconstructions")
def reconstructions(model, data, images, settings):
    count = settings["count"] if images.shape[1] == 1 else settings["count_color"]
    chosen = fixed_selection(count, len(images), settings["selection_seed"])
    recon = reconstruct(model, images[chosen], data["test_labels"][chosen])
    return Reconstructions(
        **blocks([images[chosen], recon]),
        row_labels=Labels.WORDS,
        indices=chosen.numpy(),
        originals=pixels(images[chosen]),
        reconstructed=pixels(recon),
    )


@computes("latent_space")
def latent_space(model, data, images, settings):
    """The codes (the VAE's means) of a fixed choice of test images, their classes,
    and their 2-D views: PCA (with each axis's share of the variance) and, when
    asked, t-SNE of the first `tsne_points` of them."""
    chosen = fixed_selection(settings["points"], len(images), settings["selection_seed"])
    labels = data["test_labels"][chosen]
    codes = encode_all(model, images[chosen], labels).numpy()
    points, explained = pca_2d(codes)
    tsne = None
    if settings["tsne"]:
        count = min(settings["tsne_points"], len(codes))
        tsne = tsne_2d(codes[:count], seed=settings["selection_seed"])
    return LatentSpace(
        codes=codes, labels=labels.numpy(), pca=points, explained=explained, tsne=tsne
    )


@computes("interpolation")
def interpolation(model, data, images, settings):
    chosen = fixed_selection(2 * settings["pairs"], len(images), settings["selection_seed"])
    ends, labels = images[chosen], data["test_labels"][chosen]
    weights = interpolation_weights(settings["steps"])
    # each row: the first image, the decodes from its code to the second's, the second
    rows = [
        torch.cat(
            [
                ends[i : i + 1],
                interpolate(model, ends[i], ends[i + 1], weights, labels[i : i + 2]),
                ends[i + 1 : i + 2],
            ]
        )
        for i in range(0, len(ends) - 1, 2)
    ]
    return Grid(
        **grid(torch.cat(rows), rows=len(rows)),
        column_labels=Labels.SHARES,
        values=weights,
    )


@computes("samples")
def samples(model, data, images, settings):
    mean, covariance = code_distribution(model, to_float(data["train_images"]))
    rows, columns = sample_grid(settings["count"])
    drawn = sample(model, mean, covariance, rows * columns, settings["seed"])
    return Grid(**grid(drawn, rows=rows), source="prior" if has_prior(model) else "fitted")


@computes("manifold")
def decoded_manifold(model, data, images, settings):
    """Latent size 2: a grid of normal quantiles; latent size 1: a traversal."""
    mean, covariance = code_distribution(model, to_float(data["train_images"]))
    std = covariance.diagonal().sqrt()  # the labels: code values, not standard scores
    if len(mean) == 2:
        steps = settings["grid"]
        quantiles = normal_quantiles(steps)
        return Grid(
            **grid(manifold(model, mean, covariance, steps), rows=steps),
            title="grid",
            row_labels=Labels.VALUES,
            column_labels=Labels.VALUES,
            values=(quantiles * std[0] + mean[0]).numpy(),  # z1, left to right
            row_values=(quantiles.flip(0) * std[1] + mean[1]).numpy(),  # z2, top to bottom
        )
    steps = settings["traversal_steps"]
    values = traversal_values(steps, TRAVERSAL_LIMIT) * std[0] + mean[0]
    return Grid(
        **grid(traversal(model, mean, covariance, steps), rows=1),
        title="traversal",
        column_labels=Labels.VALUES,
        values=values.numpy(),
    )


@computes("denoising")
def denoising(model, data, images, settings):
    chosen = fixed_selection(settings["count"], len(images), settings["selection_seed"])
    noisy = fixed_corruption(images, settings["noise"])[chosen]
    return Grid(
        **blocks([noisy, reconstruct(model, noisy), images[chosen]]), row_labels=Labels.WORDS
    )


@computes("traversal")
def latent_traversal(model, data, images, settings):
    """The active latent dimensions (mean KL over fixed test images above
    ACTIVE_KL), most used first and at most settings["dimensions"] of them, each
    set from -limit to +limit around a test image's code; a row per dimension. A
    collapsed dimension decodes the same image at every value: its row would show
    nothing. With none active, the most used one is shown."""
    chosen = fixed_selection(settings["kl_images"], len(images), settings["selection_seed"])
    labels = data["test_labels"][chosen]
    kl = model.latent_kl(images[chosen], labels).mean(0)
    order = kl.argsort(descending=True)
    active = order[kl[order] > ACTIVE_KL]
    dimensions = (active if len(active) else order[:1])[: settings["dimensions"]]
    first = chosen[:1]
    decoded = traverse_dimensions(
        model,
        images[first][0],
        data["test_labels"][first],
        dimensions.tolist(),
        settings["steps"],
        settings["limit"],
    )
    return Grid(
        **grid(decoded, rows=len(dimensions)),
        row_labels=Labels.DIMENSIONS,
        column_labels=Labels.VALUES,
        dimensions=dimensions.numpy(),
        kl=kl[dimensions].numpy(),
        values=traversal_values(settings["steps"], settings["limit"]).numpy(),
    )


@computes("class_samples")
def samples_per_class(model, data, images, settings):
    """A conditional model's prior samples, one row per class."""
    classes = len(data["classes"])
    drawn = class_samples(model, classes, settings["per_class"], model.latent_dim, settings["seed"])
    return Grid(**grid(drawn, rows=classes), row_labels=Labels.CLASSES)


@torch.no_grad()
def compute_figure_data(model, data, record, figures, settings):
    """{npz key: array} of the records of every figure kind in `figures`, and the
    run's own facts (contract.run_arrays); nothing to show for a diverged run."""
    diverged = record_diverged_epoch(record)
    arrays = run_arrays(data["name"], data["classes"], diverged)
    if diverged:
        return arrays
    images = to_float(data["test_images"])
    for figure in figures:
        arrays.update(COMPUTE[figure](model, data, images, settings[figure]).arrays(figure))
    return arrays
