"""How much of the images' class their codes hold: the test accuracy of a linear
probe (logistic regression on standardised codes) and of a 5-nearest-neighbour
classifier, both fitted on the codes of a seeded subset of the training images.

A code is the model's deterministic `code` (the VAE's posterior mean, the
VQ-VAE's quantised map), the one the latent-space figure shows; a conditional
model encodes each image with its own label, so its probe measures the class
left in the code beside the label it was given.
"""

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aestudy.data.prepared import to_float
from aestudy.evaluation import REPRESENTATION_METRICS
from aestudy.evaluation.intervals import bootstrap_interval

KNN_NEIGHBOURS = 5
PROBE_MAX_ITER = 1000


def training_subset(size, total, seed):
    """Indices of the first `size` images (all, if fewer) of a permutation of
    `total` drawn from `seed`: the same images for every run with that seed."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randperm(total, generator=generator)[: min(size, total)]


@torch.no_grad()
def encode_images(model, images, labels, batch_size, device):
    """The codes [N, latent values] of uint8 images, on `device` batch by batch
    (only one batch of float images at a time), returned as float64 on the host."""
    model.eval()
    codes = []
    for start in range(0, len(images), batch_size):
        x = to_float(images[start : start + batch_size], device)
        y = labels[start : start + batch_size].to(device)
        codes.append(model.code(x, y).flatten(1).double().cpu())
    return torch.cat(codes).numpy()


def classification_accuracies(train_codes, train_labels, test_codes, test_labels, seed):
    """{probe_accuracy, knn_accuracy} on the test codes, and the probe accuracy's 95 %
    bootstrap interval over the test images (probe_accuracy_low, _high): the
    uncertainty one seed's accuracy has from the test set alone. NaN for all when a
    code is not finite (a diverged run) or the training codes hold a single class
    (nothing to tell apart)."""
    missing = dict.fromkeys(REPRESENTATION_METRICS, float("nan"))
    finite = np.isfinite(train_codes).all() and np.isfinite(test_codes).all()
    if not finite or len(np.unique(train_labels)) < 2:
        return missing
    probe = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=PROBE_MAX_ITER, random_state=seed)
    )
    probe.fit(train_codes, train_labels)
    # (a training split smaller than k: every training code is a neighbour)
    neighbours = KNeighborsClassifier(n_neighbors=min(KNN_NEIGHBOURS, len(train_codes)))
    neighbours.fit(train_codes, train_labels)
    correct = probe.predict(test_codes) == np.asarray(test_labels)
    low, high = bootstrap_interval(correct, np.mean, seed)
    return dict(
        probe_accuracy=float(correct.mean()),
        probe_accuracy_low=low,
        probe_accuracy_high=high,
        knn_accuracy=float(neighbours.score(test_codes, test_labels)),
    )


def probe_split(data, train_size, seed):
    """(train images, train labels, test images, test labels) the classifiers are
    fitted and scored on: `train_size` training images chosen by `seed`, and the
    test images. A dataset made for anomaly detection trains on its normal classes
    only, so the classifiers know no other class: they are scored on the test
    images of the normal classes alone."""
    chosen = training_subset(train_size, len(data["train_images"]), seed)
    test_images, test_labels = data["test_images"], data["test_labels"]
    if "normal_classes" in data:
        normal = torch.isin(test_labels, torch.tensor(data["normal_classes"]))
        test_images, test_labels = test_images[normal], test_labels[normal]
    return data["train_images"][chosen], data["train_labels"][chosen], test_images, test_labels


def representation_metrics(model, data, seed, train_size, batch_size, device):
    """{probe_accuracy, knn_accuracy, ...} of a trained model on a prepared dataset,
    fitted on the codes of `train_size` training images chosen by `seed`."""
    train_images, train_labels, test_images, test_labels = probe_split(data, train_size, seed)
    train_codes = encode_images(model, train_images, train_labels, batch_size, device)
    test_codes = encode_images(model, test_images, test_labels, batch_size, device)
    return classification_accuracies(
        train_codes, train_labels.numpy(), test_codes, test_labels.numpy(), seed
    )
