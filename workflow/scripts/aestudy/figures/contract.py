"""What a run's figure data holds: the .npz the figure-data job writes from the
trained model (figure_data.py, with PyTorch) and every figure job of the run
draws from (plot_*.py, with numpy and matplotlib alone). Both sides name its
keys, its grids' padding and its interpolation weights through this module, and
it imports numpy only, so that a drawing job starts no PyTorch.

The npz holds the run's own facts under DATASET, CLASSES and DIVERGED_EPOCH, and
each figure kind's arrays under key(figure, name): the fields of its record
(Grid, Reconstructions, LatentSpace). A run that diverged holds its facts only.
"""

import dataclasses
import enum

import numpy as np

PAD = 2  # pixels of white around each image of a grid

# The run's own facts.
DATASET = "dataset"  # the dataset's name
CLASSES = "classes"  # its class names, in label order
DIVERGED_EPOCH = "diverged_epoch"  # the epoch its training diverged at; 0: it did not


def key(figure, name):
    """The npz key of a figure kind's array `name`."""
    return f"{figure}.{name}"


def run_arrays(dataset, classes, diverged_epoch):
    """The run's own facts as figure-data arrays; `diverged_epoch` None if it did not."""
    return {
        DATASET: np.str_(dataset),
        CLASSES: np.array(classes),
        DIVERGED_EPOCH: np.int64(diverged_epoch or 0),
    }


def diverged_epoch(arrays):
    """The epoch a run diverged at, or None, from its figure data or from the scores
    its evaluation wrote (evaluate_run.py keeps DIVERGED_EPOCH the same way)."""
    return int(arrays[DIVERGED_EPOCH]) or None


def record_diverged_epoch(record):
    """The epoch a run diverged at, or None, from its training or metrics record."""
    return record["diverged_epoch"] if record["status"] == "diverged" else None


def interpolation_weights(steps):
    """The shares of the way from the first code to the second that an interpolation
    decodes, ends included: what its columns show, and what they are labelled."""
    return np.linspace(0.0, 1.0, steps, dtype=np.float32)


class Labels(enum.StrEnum):
    """What labels a grid's rows (Grid.row_labels) or its columns (Grid.column_labels)."""

    NONE = "none"
    WORDS = "words"  # rows: the figure's words name them ("rows"), once for each block
    VALUES = "values"  # code values: Grid.row_values down the rows, Grid.values across
    DIMENSIONS = "dimensions"  # rows: latent dimensions (Grid.dimensions), with Grid.kl
    CLASSES = "classes"  # rows: the run's classes (CLASSES), one each, in order
    SHARES = "shares"  # columns: the first image, Grid.values of the way, the second


@dataclasses.dataclass(frozen=True, kw_only=True)
class FigureArrays:
    """A figure kind's arrays, a field each, stored under key(figure, field). A field
    that defaults to None is optional: left out of the npz when None, and None when
    the npz lacks it."""

    def arrays(self, figure):
        """{npz key: array} of the fields that hold something."""
        return {
            key(figure, field.name): np.asarray(value)
            for field in dataclasses.fields(self)
            if (value := getattr(self, field.name)) is not None
        }

    @classmethod
    def read(cls, data, figure):
        """The record of `figure` from a loaded npz; a single value (a count, a name)
        as a Python value."""
        found = {}
        for field in dataclasses.fields(cls):
            if key(figure, field.name) in data or field.default is not None:
                value = data[key(figure, field.name)]
                found[field.name] = value.item() if value.ndim == 0 else value
        return cls(**found)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Grid(FigureArrays):
    """A figure that shows a grid of images: the picture composed (grids.compose),
    its shape, what labels its rows and columns, the arrays those labels are made
    from, and the figure's words that make its title."""

    picture: np.ndarray  # uint8 [H, W] (grey) or [H, W, 3]
    rows: int
    columns: int
    row_labels: str = Labels.NONE
    column_labels: str = Labels.NONE
    title: str = "title"  # the words' key of the title (the manifold's: its shape)
    source: str | None = None  # the words' key that fills the title's {source}, where it has one
    values: np.ndarray | None = None  # across the columns, left to right
    row_values: np.ndarray | None = None  # down the rows, top to bottom
    dimensions: np.ndarray | None = None  # the latent dimension of each row (from 0)
    kl: np.ndarray | None = None  # and its mean KL

    def __post_init__(self):
        for labels in (self.row_labels, self.column_labels):
            Labels(labels)  # a ValueError for labels no drawing knows


@dataclasses.dataclass(frozen=True, kw_only=True)
class Reconstructions(Grid):
    """The reconstructions figure's grid, and its images themselves, for the figure
    that sets the dataset's models side by side."""

    indices: np.ndarray  # the test images chosen (the same for every run on a dataset)
    originals: np.ndarray  # uint8 images [N, H, W] or [N, H, W, 3]
    reconstructed: np.ndarray  # their reconstructions, alike


@dataclasses.dataclass(frozen=True, kw_only=True)
class LatentSpace(FigureArrays):
    """The codes of a fixed choice of test images and their 2-D views."""

    codes: np.ndarray  # [N, latent size]
    labels: np.ndarray  # their classes
    pca: np.ndarray  # [N, 2]
    explained: np.ndarray  # each PCA axis's share of the variance
    tsne: np.ndarray | None = None  # [M, 2], of the first M codes, where asked for
