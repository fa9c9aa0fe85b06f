"""The model kinds and their registry.

Each kind is one package here: its `__init__` declares, without importing
PyTorch (the config check runs while Snakemake plans), everything the pipeline
asks about the kind: its metrics and how the report shows them, which latent
sizes it can make, its figures (with the figure kinds only it draws), its family,
the words of its loss, its named layers. Its `model` module holds the network
with what the pipeline asks of a trained model: `code`, `reconstruct`,
`reconstruct_with_bce`, `loss`, `evaluation_terms`, and `prior` where the kind
samples from one. Every other part of the pipeline asks this registry and never
compares a kind's name.

Adding a kind: a package `kinds/<name>/` with `KIND` and a `model` module with
`build(spec, image_shape, latent_dim)`, its entry in the config schema, its words
in report/text (both languages), and its tests; README's "Adding a model kind".
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from aestudy.data.formats import input_size
from aestudy.figures import (
    MANIFOLD,
    MANIFOLD_MAX_LATENT_DIM,
    RUN_FIGURES,
    RUN_SOURCES,
    STUDY_FIGURES,
)

# How the report shows a metric's mean ± std: "auto" with four decimals for small
# numbers (MSE) and two for large ones (nats), "two" whatever its size (decibels,
# perplexities), "count" as whole numbers while the mean and std are whole.
# auto: four decimals below 10, two above; two: two decimals (nats, dB); count: an
# integer when whole; share: a fraction shown as a percentage; accuracy: two
# decimals from one seed, the spread's otherwise
SHOWN_AS = ("auto", "two", "count", "share", "accuracy")
# The comparison tables of section 4, in order, a table per kind of test-set metric.
COMPARISON_TABLES = ("reconstruction", "generative", "representation")
# The report's conclusions group kinds into families, a subsection each, in this
# order: plain autoencoders, VAEs, regularised autoencoders (denoising,
# contractive), VAE variants (conditional, vector-quantised).
FAMILIES = ("ae", "vae", "regularised_ae", "vae_variant")
GENERATION = ("prior", "class", "fitted", "none")


@dataclass(frozen=True)
class Metric:
    """A test-set metric and how the report shows it; its heading is the words'
    `table_headers.<name>`."""

    name: str
    shown_as: str = "auto"
    # the comparison table it joins, if any (COMPARISON_TABLES)
    compared: str | None = None
    # the baseline's metric set beside it in that table (one number per dataset and size)
    baseline: str | None = None

    def __post_init__(self):
        _one_of(f"metric '{self.name}'", "shown_as", self.shown_as, SHOWN_AS)
        if self.compared is not None:
            _one_of(f"metric '{self.name}'", "compared", self.compared, COMPARISON_TABLES)


def _one_of(what, key, value, allowed):
    if value not in allowed:
        raise ValueError(f"{what} has {key} '{value}'; expected one of {', '.join(allowed)}.")


def at_most_input_size(spec, image_shape, latent_dim):
    """The MLP kinds: any code no longer than the image."""
    if latent_dim > input_size(image_shape):
        shape = "x".join(map(str, image_shape))
        return f"at most the {input_size(image_shape)} values of one {shape} image"
    return None


@dataclass(frozen=True)
class Kind:
    name: str
    # test-set metrics beyond COMMON_METRICS (which every kind reports), in table order
    metrics: tuple = ()
    # (spec, image_shape, latent_dim) -> None, or what a valid latent size would be
    check_latent_dim: Callable = at_most_input_size
    # its per-run figures (aestudy.figures.FigureKind), in the report's order; a
    # figure kind only this kind draws is declared in its package
    figures: tuple = RUN_FIGURES
    # a decoded grid (latent size 2) or traversal (size 1) of the code space
    manifold: bool = True
    # (spec, number of classes of its dataset) -> None, or what the spec should say
    check_classes: Callable = lambda spec, classes: None
    # how it makes new images, for the report: "prior" (its samples figure draws
    # from its prior), "class" (class_samples, from its prior given a class),
    # "fitted" (a Gaussian fitted to its codes), "none" (it needs a learned prior)
    generation: str = "fitted"
    # its subsection of the report's conclusions (FAMILIES)
    family: str = "ae"
    # the reconstruction measure its loss optimises: "mse", or "bce" for a
    # likelihood model, whose test MSE against PCA is then not like for like
    trained_on: str = "mse"
    # its network: "mlp" (fully connected) or "conv" (convolutional); the report
    # sets the plain autoencoders of the two side by side on the same images
    network: str = "mlp"
    # its layers the report names by their role: {attribute of the model: key of
    # report/text's layer_roles}; an attribute the model lacks stops the job
    layers: dict = field(default_factory=dict)
    # spec -> the key of its loss under the words' `losses` (and the loss curve's
    # axis), whose text is formatted with the spec's settings
    loss_words: Callable = None
    # whether R runs of one shape train in one step (compute.train.runs_per_job):
    # its model has `written_out_backward_over_runs` (aestudy.training.together)
    runs_together: bool = False
    # whether its code is discrete (an index into a codebook per position of its
    # map): its latent size then counts values that carry far less than PCA's
    discrete_code: bool = False

    def __post_init__(self):
        what = f"model kind '{self.name}'"
        _one_of(what, "family", self.family, FAMILIES)
        _one_of(what, "generation", self.generation, GENERATION)
        _one_of(what, "trained_on", self.trained_on, ("mse", "bce"))
        _one_of(what, "network", self.network, ("mlp", "conv"))
        for metric in self.metrics:
            if not isinstance(metric, Metric):
                raise ValueError(f"{what} lists the metric {metric!r}; expected a Metric.")
        for figure in self.figures:
            if figure.source not in RUN_SOURCES:
                raise ValueError(
                    f"{what} lists the figure '{figure.name}', drawn from "
                    f"'{figure.source}'; expected a per-run figure kind."
                )

    @property
    def metric_names(self):
        return tuple(metric.name for metric in self.metrics)

    @property
    def model_module(self):
        return importlib.import_module(f"{__name__}.{self.name}.model")

    def run_figures(self, latent_dim):
        """The names of the per-run figures of a run of this kind, in the report's order."""
        small = self.manifold and latent_dim <= MANIFOLD_MAX_LATENT_DIM
        return tuple(f.name for f in (*self.figures, *((MANIFOLD,) if small else ())))

    def trains_together(self, spec):
        """Whether several runs of a model of this kind and spec train in one step
        (compute.train.runs_per_job): eager and in full precision only."""
        return self.runs_together and not spec["compile"] and not spec["mixed_precision"]

    def loss_key(self, spec):
        """The key of its loss's words for a model of this kind."""
        return self.loss_words(spec) if self.loss_words else self.name


def _discover():
    kinds = {}
    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            kind = importlib.import_module(f"{__name__}.{info.name}").KIND
            kinds[kind.name] = kind
    return kinds


KINDS = _discover()


def kind_of(spec):
    """The Kind of a model's config entry (or of a kind's name)."""
    return KINDS[spec if isinstance(spec, str) else spec["kind"]]


def build_model(spec, image_shape, latent_dim):
    """The model a resolved config entry describes (imports PyTorch)."""
    return kind_of(spec).model_module.build(spec, tuple(image_shape), latent_dim)


# What every kind reports on the test set: the reconstruction's MSE per pixel,
# BCE per image and PSNR, and the same for the fixed corrupted test set
# (evaluation.denoising) reconstructed by the model.
COMMON_METRICS = (
    Metric("test_mse", compared="reconstruction", baseline="pca_mse"),
    Metric("test_bce", compared="reconstruction"),
    Metric("test_psnr", "two", compared="reconstruction"),
    Metric("denoised_mse"),
    Metric("denoised_psnr", "two", compared="reconstruction"),
)


def _declared_once(study, field, what):
    """{name: declaration} of the study's own and of every kind's `field` (its
    metrics, its figures), refusing two different declarations of one name."""
    declared = {item.name: item for item in study}
    for kind in KINDS.values():
        for item in getattr(kind, field):
            if declared.setdefault(item.name, item) != item:
                raise ValueError(
                    f"model kind '{kind.name}' declares {what} '{item.name}' that another "
                    "kind or the study declares differently; expected one declaration, shared."
                )
    return declared


def kind_metrics():
    """Every test-set metric some kind reports, in table order, once each."""
    return list(_declared_once(COMMON_METRICS, "metrics", "a metric").values())


def metric_names():
    """Every test-set metric some kind reports, in table order."""
    return [metric.name for metric in kind_metrics()]


def figure_kinds():
    """{name: FigureKind} of every figure kind: the study's and those the kinds
    declare, once each."""
    return _declared_once(STUDY_FIGURES, "figures", "a figure kind")


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
