"""The model kinds and their registry.

Each kind is one package here: its `__init__` declares, without importing
PyTorch (the config check runs while Snakemake plans), what the pipeline asks
about the kind (its metrics, which latent sizes it can make, which per-run
figures apply); its `model` module holds the network with what the pipeline
asks of a trained model: `code`, `reconstruct`, `reconstruct_with_bce`, `loss`,
`evaluation_terms`, and `prior` where the kind samples from one. Every other part of the pipeline
asks this registry and never compares a kind's name.

Adding a kind: a package `kinds/<name>/` with `KIND` and a `model` module with
`build(spec, image_shape, latent_dim)`, its entry in the config schema, its
words in report/text, and its tests.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from aestudy.data.formats import input_size
from aestudy.figures import MANIFOLD_MAX_LATENT_DIM, RUN_FIGURES


def at_most_input_size(spec, image_shape, latent_dim):
    """The MLP kinds: any code no longer than the image."""
    if latent_dim > input_size(image_shape):
        shape = "x".join(map(str, image_shape))
        return f"at most the {input_size(image_shape)} values of one {shape} image"
    return None


@dataclass(frozen=True)
class Kind:
    name: str
    # test-set metrics beyond MSE and BCE (which every kind reports), in table order
    metrics: tuple = ()
    # (spec, image_shape, latent_dim) -> None, or what a valid latent size would be
    check_latent_dim: Callable = at_most_input_size
    # its per-run figures (aestudy.figures), in the report's order
    figures: tuple = RUN_FIGURES
    # a decoded grid (latent size 2) or traversal (size 1) of the code space
    manifold: bool = True
    # (spec, number of classes of its dataset) -> None, or what the spec should say
    check_classes: Callable = lambda spec, classes: None
    # how it makes new images, for the report: "prior" (its samples figure draws
    # from its prior), "class" (class_samples, from its prior given a class),
    # "fitted" (a Gaussian fitted to its codes), "none" (it needs a learned prior)
    generation: str = "fitted"
    # the report's conclusions group kinds: "ae" (plain autoencoders), "vae",
    # "regularised_ae" (denoising, contractive), "vae_variant" (conditional, VQ)
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

    @property
    def model_module(self):
        return importlib.import_module(f"{__name__}.{self.name}.model")

    def run_figures(self, latent_dim):
        """The per-run figures of a run of this kind, in the report's order."""
        small = self.manifold and latent_dim <= MANIFOLD_MAX_LATENT_DIM
        return (*self.figures, *(("manifold",) if small else ()))


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
COMMON_METRICS = ["test_mse", "test_bce", "test_psnr", "denoised_mse", "denoised_psnr"]


def metric_names():
    """Every test-set metric some kind reports, in table order."""
    names = list(COMMON_METRICS)
    for kind in KINDS.values():
        names += [m for m in kind.metrics if m not in names]
    return names


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
