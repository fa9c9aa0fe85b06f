"""Diagnostics of a trained run beyond its test error: the measures a study's
claims are tested on (config `claims`, report/claims.py), each a number per run.

- Dead units: for each ReLU layer, the units (a convolution's channels) that
  never fire on the test set. A layer that loses most of its units caps the
  code, whatever its size: the course's encoder narrows to 12 units before it.
- The loss history: the share of epochs whose training loss rose above the
  epoch before (an oscillating curve), and the share by which the training loss
  fell from its first epoch to its last.
- The codes' geometry: the share of their variance on their first principal
  component (near 1: the codes lie on a line), and their standard deviation
  along it (their scale).
- The latent view's classes: the silhouette (scikit-learn's, by class) of the
  2-D view the latent-space figure shows: the codes themselves at two values or
  fewer, their first two principal components otherwise; from -1 to 1, near 0
  where the classes overlap. The same of the pixels' first two principal
  components is the data set's own value (dataset_baseline).
- Interpolation: along the straight line between the codes of two test images,
  the largest step between neighbouring decodes as a multiple of the even step
  (the distance between the two end decodes over the number of steps): 1 when
  the decodes move evenly from one end to the other, up to the number of steps
  when they change all at once.
- Samples: new images as the kind makes them, set beside the training images by
  their 5 nearest neighbours in pixel space: the share of a sample's neighbours
  that agree on its class (how clearly it looks like one class), and the entropy
  of the samples' classes as a share of its largest value (how evenly they cover
  the classes). The test images scored the same way are the data set's own
  values (dataset_baseline).
"""

import math

import numpy as np
import torch
from sklearn.metrics import silhouette_score
from sklearn.neighbors import KNeighborsClassifier
from torch import nn

from aestudy.data.prepared import to_float
from aestudy.evaluation.generation import draw_samples, encode_all, interpolate
from aestudy.evaluation.representation import training_subset
from aestudy.figures.projections import pca_2d

NEIGHBOURS = 5
# The test images whose 2-D view the silhouette is computed on: its cost grows
# with their square.
SILHOUETTE_IMAGES = 2000
# The training images samples are set beside, and the pairs of test images
# interpolated: the same for every run on a data set.
REFERENCE_SEED = 0


@torch.no_grad()
def dead_units(model, images, labels=None, batch_size=1000):
    """[{layer, units, dead}] for each ReLU module of `model` in its order: how many
    of its units (channels) stay at zero for every image of `images` reconstructed
    (the VAE's from its posterior mean)."""
    relus = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.ReLU)]
    fired = {}

    def recorder(name):
        def record(module, inputs, output):
            per_unit = output.detach().movedim(1, 0).reshape(output.shape[1], -1).gt(0).any(1)
            fired[name] = per_unit if name not in fired else fired[name] | per_unit

        return record

    handles = [module.register_forward_hook(recorder(name)) for name, module in relus]
    model.eval()
    try:
        for start in range(0, len(images), batch_size):
            y = None if labels is None else labels[start : start + batch_size]
            model.reconstruct(images[start : start + batch_size], y)
    finally:
        for handle in handles:
            handle.remove()
    return [
        dict(layer=name, units=len(fired[name]), dead=int((~fired[name]).sum()))
        for name, _ in relus
        if name in fired
    ]


def dead_unit_summary(layers):
    """{dead_share_max}: the largest share of dead units in any ReLU layer (None for
    a model without one), and `dead_units`, the layers' counts as text
    ("0/128 0/64 3/12 ..."), for the run table."""
    return dict(
        dead_share_max=max((layer["dead"] / layer["units"] for layer in layers), default=None),
        dead_units=" ".join(f"{layer['dead']}/{layer['units']}" for layer in layers),
    )


def loss_history_diagnostics(train_losses):
    """{train_loss_rises, train_loss_fall} of a run's per-epoch training losses;
    None where there are fewer than two finite epochs."""
    losses = np.asarray(train_losses, dtype=np.float64)
    if len(losses) < 2 or not np.isfinite(losses).all() or losses[0] <= 0:
        return dict(train_loss_rises=None, train_loss_fall=None)
    return dict(
        train_loss_rises=float(np.mean(losses[1:] > losses[:-1])),
        train_loss_fall=float((losses[0] - losses[-1]) / losses[0]),
    )


def code_geometry(codes):
    """{code_pc1_share, code_spread} of codes [N, D]; None for codes that are not
    finite or do not vary."""
    codes = np.asarray(codes, dtype=np.float64).reshape(len(codes), -1)
    if len(codes) < 2 or not np.isfinite(codes).all():
        return dict(code_pc1_share=None, code_spread=None)
    variances = np.linalg.svd(codes - codes.mean(0), compute_uv=False) ** 2 / (len(codes) - 1)
    if variances.sum() <= 0:
        return dict(code_pc1_share=None, code_spread=0.0)
    return dict(
        code_pc1_share=float(variances[0] / variances.sum()),
        code_spread=float(math.sqrt(variances[0])),
    )


def view_silhouette(points, labels):
    """The silhouette by class of points [N, D] seen in 2-D as the latent-space
    figure shows them (the first two principal components above two values), on
    SILHOUETTE_IMAGES of them chosen by REFERENCE_SEED; None for points that are
    not finite or do not vary, or labels of a single class."""
    points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
    labels = np.asarray(labels)
    chosen = training_subset(min(SILHOUETTE_IMAGES, len(points)), len(points), REFERENCE_SEED)
    points, labels = points[chosen.numpy()], labels[chosen.numpy()]
    if not np.isfinite(points).all() or len(np.unique(labels)) < 2 or np.ptp(points, 0).max() <= 0:
        return None
    # the figure's own view (a rotation of codes of two values, which keeps the
    # distances and so the silhouette)
    return float(silhouette_score(pca_2d(points)[0], labels))


def interpolation_unevenness(model, images, labels, pairs, steps):
    """The mean over `pairs` fixed pairs of test images of the largest step between
    neighbouring decodes along the line between their codes, as a multiple of the
    even step; None if every pair decodes to one image at both ends."""
    chosen = training_subset(2 * pairs, len(images), REFERENCE_SEED)
    weights = torch.linspace(0.0, 1.0, steps)
    found = []
    for first, second in zip(chosen[0::2], chosen[1::2], strict=False):
        ends = torch.stack([first, second])
        pair_labels = None if labels is None else labels[ends]
        decodes = interpolate(model, images[first], images[second], weights, pair_labels)
        decodes = decodes.flatten(1).double()
        span = (decodes[-1] - decodes[0]).norm()
        if span > 0:
            largest = (decodes[1:] - decodes[:-1]).norm(dim=1).max()
            found.append(float(largest * (steps - 1) / span))
    finite = [value for value in found if math.isfinite(value)]
    return float(np.mean(finite)) if finite else None


def reference_images(data, size):
    """(pixels [N, D] in [0, 1], labels) of the training images samples are set
    beside: `size` of them, the same for every run on the data set."""
    chosen = training_subset(size, len(data["train_images"]), REFERENCE_SEED)
    images = data["train_images"][chosen]
    return images.flatten(1).double().div(255.0).numpy(), data["train_labels"][chosen].numpy()


def sample_scores(samples, reference, reference_labels):
    """{sample_agreement, sample_diversity} of images [N, D] in [0, 1] against the
    labelled reference images; None for samples that are not finite."""
    samples = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    if not len(samples) or not np.isfinite(samples).all():
        return dict(sample_agreement=None, sample_diversity=None)
    neighbours = KNeighborsClassifier(n_neighbors=min(NEIGHBOURS, len(reference)))
    neighbours.fit(reference, reference_labels)
    votes = neighbours.predict_proba(samples)
    counts = np.bincount(votes.argmax(1), minlength=votes.shape[1])
    shares = counts[counts > 0] / counts.sum()
    classes = votes.shape[1]
    entropy = float(-(shares * np.log(shares)).sum())
    return dict(
        sample_agreement=float(votes.max(1).mean()),
        sample_diversity=entropy / math.log(classes) if classes > 1 else None,
    )


def run_diagnostics(model, generation, data, test_images, test_labels, train_losses, settings):
    """Every diagnostic of a trained run: ({metric: value} with `dead_units` as text,
    the ReLU layers' dead units). `generation`: how its kind makes new images
    (Kind.generation); `test_images`: float, on the model's device; `train_losses`:
    its history's per-epoch training losses; `settings`: evaluation.diagnostics."""
    layers = dead_units(model, test_images, test_labels)
    codes = encode_all(model, test_images, test_labels).cpu().numpy()
    found = dict(
        loss_history_diagnostics(train_losses),
        **dead_unit_summary(layers),
        **code_geometry(codes),
        code_silhouette=None
        if test_labels is None
        else view_silhouette(codes, test_labels.cpu().numpy()),
        interpolation_unevenness=interpolation_unevenness(
            model,
            test_images,
            test_labels,
            settings["interpolation_pairs"],
            settings["interpolation_steps"],
        ),
    )
    fitted_to = (
        to_float(data["train_images"], test_images.device) if generation == "fitted" else None
    )
    samples = draw_samples(model, generation, fitted_to, len(data["classes"]), settings["samples"])
    if samples is not None:
        found.update(
            sample_scores(
                samples.flatten(1).cpu().numpy(),
                *reference_images(data, settings["reference_images"]),
            )
        )
    return found, layers
