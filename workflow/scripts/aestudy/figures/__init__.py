"""Figures: what is drawn per run, per model and per study.

Every figure kind is declared once, as a `FigureKind`: what it is drawn from, the
script that draws it, its settings (the schema's `figures.<name>` block is built
from them) and which of them change only the drawing. The rules, the figure-data
job, the drawing scripts, the captions and the config check all read these
declarations. The study's own figures are declared here; a model kind declares
the figures only its runs have in its own package (aestudy.kinds).

This module stays free of PyTorch and matplotlib: the rules read it while
Snakemake plans. `figure_data` computes what a figure shows from a trained model;
`plots` draws it.
"""

from dataclasses import dataclass, field

# What a figure is drawn from. Per run: its figure data (computed once per run from
# the trained model, with PyTorch: figure_data.py), its history, its metrics.json or
# the per-image scores its evaluation wrote; drawing needs no PyTorch. Per model:
# every run's metrics; per dataset: several models' runs.
RUN_SOURCES = ("data", "history", "metrics", "scores")
SOURCES = (*RUN_SOURCES, "model", "dataset")


def bounded(minimum, maximum, default, description=None):
    """The schema of a whole-number setting."""
    return dict(
        type="integer",
        minimum=minimum,
        maximum=maximum,
        default=default,
        **({"description": description} if description else {}),
    )


SEED = bounded(0, 4294967295, 0)


@dataclass(frozen=True)
class FigureKind:
    name: str
    source: str
    # the entry script (workflow/scripts/<script>.py) that draws it
    script: str = ""
    # its settings: JSON schema of each key of figures.<name>, with its default
    settings: dict = field(default_factory=dict)
    # what the schema says of the figure, for readers of the config
    description: str = ""
    # those of its settings that change only how it is drawn, not what its data holds:
    # changing one redraws the figure and leaves the run's figure data alone
    drawing: tuple = ()
    # its words list the classes of the run's dataset (legends, rows)
    names_classes: bool = False
    # fixed values its caption names ({name} in the words), beside its settings
    facts: dict = field(default_factory=dict)
    # it shows the evaluation's corrupted test images: evaluation.denoising reaches
    # its settings as `noise`
    shows_corruption: bool = False

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(
                f"figure kind '{self.name}' is drawn from '{self.source}'; expected one "
                f"of {', '.join(SOURCES)}."
            )
        if not self.script:
            object.__setattr__(self, "script", f"plot_{self.name}")
        unknown = set(self.drawing) - set(self.settings)
        if unknown:
            raise ValueError(
                f"figure kind '{self.name}' names {sorted(unknown)} as drawing settings; "
                "expected some of its own settings."
            )

    def caption_values(self, settings):
        """What its caption may name: its facts and its settings."""
        return {**self.facts, **settings}

    def schema(self):
        """Its block of the config schema (figures.<name>)."""
        block = dict(
            type="object", additionalProperties=False, default={}, properties=self.settings
        )
        return {"description": self.description, **block} if self.description else block


# Settings every figure shares (figures.<key>); dpi only changes the drawing.
SHARED_DRAWING = ("dpi",)

# Image grids are drawn by one script from the run's figure data.
GRID = "plot_image_grid"

LOSS_CURVE = FigureKind(
    "loss_curve",
    "history",
    settings=dict(
        log_scale=dict(
            description=(
                "a log axis where it helps: 5 epochs or more, losses spanning a factor of 10"
            ),
            type="boolean",
            default=True,
        )
    ),
    drawing=("log_scale",),
)
RECONSTRUCTIONS = FigureKind(
    "reconstructions",
    "data",
    GRID,
    settings=dict(
        count=bounded(1, 64, 16, "test images shown for grayscale sets"),
        count_color=bounded(1, 64, 10, "test images shown for RGB sets"),
    ),
)
LATENT_SPACE = FigureKind(
    "latent_space",
    "data",
    # t-SNE is computed with the figure data: `tsne` and `tsne_points` change what
    # the data holds
    settings=dict(
        points=bounded(10, 1000000, 5000, "test codes plotted"),
        tsne=dict(
            description="a t-SNE panel beside the PCA one (tsne_points codes; under a minute)",
            type="boolean",
            default=True,
        ),
        tsne_points=bounded(10, 100000, 2000),
    ),
    names_classes=True,
)
INTERPOLATION = FigureKind(
    "interpolation",
    "data",
    GRID,
    settings=dict(
        steps=bounded(2, 40, 10, "images along each line, ends included"),
        pairs=bounded(1, 16, 4, "pairs of test images, a row each"),
    ),
)
SAMPLES = FigureKind("samples", "data", GRID, settings=dict(count=bounded(1, 100, 16), seed=SEED))
# A 1-D code is traversed from -TRAVERSAL_LIMIT to +TRAVERSAL_LIMIT standard deviations.
TRAVERSAL_LIMIT = 3.0
MANIFOLD = FigureKind(
    "manifold",
    "data",
    GRID,
    description="Drawn for latent size 2 (a grid) and 1 (a traversal) only.",
    settings=dict(
        grid=bounded(2, 40, 15, "rows and columns of the 2-D grid"),
        traversal_steps=bounded(2, 40, 15),
    ),
    facts=dict(limit=TRAVERSAL_LIMIT),
)
ANOMALY_SCORES = FigureKind(
    "anomaly_scores",
    "scores",
    description="Runs on a dataset made for anomaly detection.",
    settings=dict(bins=bounded(5, 200, 40)),
    drawing=("bins",),
)
LATENT_DIM_SWEEP = FigureKind("latent_dim_sweep", "model")
ROC = FigureKind(
    "roc",
    "dataset",
    description="Every model on a dataset made for anomaly detection, one ROC plot.",
)
COMPARISON = FigureKind(
    "comparison",
    "dataset",
    description=(
        "Per dataset two or more models train on: the same test images (those of the "
        "reconstructions figure) reconstructed by each model's first run."
    ),
    settings=dict(images=bounded(1, 16, 8, "test images shown, a column each")),
)

# The figures drawn for every run of most kinds, in the order the report shows them.
RUN_FIGURES = (LOSS_CURVE, RECONSTRUCTIONS, LATENT_SPACE, INTERPOLATION, SAMPLES)
# Drawn for latent sizes 1 and 2 only, where the kind can: the decoded grid or traversal.
MANIFOLD_MAX_LATENT_DIM = 2
# Drawn for the runs on a dataset made for anomaly detection.
ANOMALY_FIGURES = (ANOMALY_SCORES,)
# Per model: test metrics against the latent size.
MODEL_FIGURES = (LATENT_DIM_SWEEP,)
# Per dataset.
DATASET_FIGURES = (ROC, COMPARISON)
# The study's own figure kinds; the kinds add theirs (aestudy.kinds.figure_kinds).
STUDY_FIGURES = (*RUN_FIGURES, MANIFOLD, *ANOMALY_FIGURES, *MODEL_FIGURES, *DATASET_FIGURES)


def without(figures, *names):
    """A tuple of figure kinds less those named (a kind that draws no samples)."""
    return tuple(figure for figure in figures if figure.name not in names)
