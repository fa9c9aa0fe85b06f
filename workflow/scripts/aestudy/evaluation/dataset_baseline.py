"""What a model that learned nothing would score on a data set: the sanity
baselines every run is judged against before the report ranks it.

- The mean image: the mean of the training images, returned for every test
  image. Its MSE and PSNR are what a model scores that ignores its input; its
  distance from each test image is an anomaly score that needs no training.
- Each image's own mean colour: every pixel of a test image replaced by the
  image's mean value in each channel, the reconstruction of a code of one number
  per channel (one for grey images, three for colour). On images of few, even
  colours (texture patches) it beats the mean image by far.
- The yardstick: the harder of the two (the lower MSE), which a run must beat to
  have learned (report/verdicts.py).
- Chance for the probes: the share of the most frequent class among the images
  the probes are scored on.
- A linear probe and 5-NN on the raw pixels, fitted and scored as on a model's
  codes (evaluation/representation.py): what the codes must be set beside.
- The test images scored as a model's samples are (evaluation/diagnostics.py):
  the best agreement and diversity samples can reach; and the silhouette of
  their pixels' first two principal components, which a latent view is set
  beside.
"""

import numpy as np
from sklearn.metrics import roc_auc_score

from aestudy.evaluation.diagnostics import reference_images, sample_scores, view_silhouette
from aestudy.evaluation.intervals import bootstrap_interval
from aestudy.evaluation.pca_baseline import errors
from aestudy.evaluation.representation import (
    classification_accuracies,
    probe_split,
    training_subset,
)

# The baselines' own probe subset and bootstrap: fixed, the same for every study.
BASELINE_SEED = 0


def flat(images):
    """uint8 images [N, C, H, W] as float64 [N, D] in [0, 1]."""
    return np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 255.0


def chance_accuracy(labels):
    """The accuracy of always answering the most frequent class of `labels`."""
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    return float(counts.max() / counts.sum())


def mean_image_metrics(train, test):
    """{mean_mse, mean_psnr}: the mean training image [D] as every test image's
    reconstruction (images [N, D] in [0, 1])."""
    mean = train.mean(0, keepdims=True)
    mse, psnr = errors(np.broadcast_to(mean, test.shape), test)
    return dict(mean_mse=mse, mean_psnr=psnr)


def own_colour_metrics(images):
    """{colour_mse, colour_psnr}: each image [N, C, H, W] (uint8) reconstructed as
    its own mean value in each channel."""
    pixels = np.asarray(images, dtype=np.float64).reshape(len(images), images.shape[1], -1) / 255.0
    recon = np.broadcast_to(pixels.mean(2, keepdims=True), pixels.shape)
    mse, psnr = errors(recon.reshape(len(images), -1), pixels.reshape(len(images), -1))
    return dict(colour_mse=mse, colour_psnr=psnr)


def yardstick(found):
    """{yardstick, yardstick_mse}: the harder of the mean image and the images' own
    mean colour, by name ("mean_image" or "own_colour") and MSE."""
    name = "own_colour" if found["colour_mse"] < found["mean_mse"] else "mean_image"
    return dict(yardstick=name, yardstick_mse=min(found["colour_mse"], found["mean_mse"]))


def mean_image_anomaly(train, test, anomalous, seed=BASELINE_SEED):
    """{mean_anomaly_auc, _low, _high}: the ROC AUC of each test image's squared
    distance from the mean training image as its anomaly score."""
    scores = ((test - train.mean(0, keepdims=True)) ** 2).mean(1)
    low, high = bootstrap_interval(scores, roc_auc_score, seed, paired=anomalous)
    return dict(
        mean_anomaly_auc=float(roc_auc_score(anomalous, scores)),
        mean_anomaly_auc_low=low,
        mean_anomaly_auc_high=high,
    )


def test_images_as_samples(data, test, diagnostics):
    """{test_agreement, test_diversity}: `diagnostics["samples"]` test images (a
    fixed choice) scored as a model's samples are."""
    chosen = training_subset(diagnostics["samples"], len(test), BASELINE_SEED).numpy()
    scores = sample_scores(test[chosen], *reference_images(data, diagnostics["reference_images"]))
    return dict(
        test_agreement=scores["sample_agreement"],
        test_diversity=scores["sample_diversity"],
        pixel_silhouette=view_silhouette(test, data["test_labels"].numpy()),
    )


def dataset_baseline(data, probe_train_size, diagnostics=None):
    """Every baseline of one prepared data set, with its sizes, as a dict;
    `diagnostics` (evaluation.diagnostics) adds the test images scored as samples."""
    train, test = flat(data["train_images"]), flat(data["test_images"])
    found = dict(
        dataset=data["name"],
        train_images=len(train),
        validation_images=len(data["validation_images"]) if "validation_images" in data else 0,
        test_images=len(test),
        **mean_image_metrics(train, test),
        **own_colour_metrics(np.asarray(data["test_images"])),
    )
    found.update(yardstick(found))
    train_x, train_y, test_x, test_y = probe_split(data, probe_train_size, BASELINE_SEED)
    pixels = classification_accuracies(
        flat(train_x), train_y.numpy(), flat(test_x), test_y.numpy(), BASELINE_SEED
    )
    found.update({f"pixel_{key}": value for key, value in pixels.items()})
    found["chance_accuracy"] = chance_accuracy(test_y.numpy())
    found["probe_train_images"] = len(train_x)
    found["probe_test_images"] = len(test_x)
    if diagnostics:
        found.update(test_images_as_samples(data, test, diagnostics))
    if "normal_classes" in data:
        labels = data["test_labels"].numpy()
        anomalous = ~np.isin(labels, data["normal_classes"])
        if anomalous.any() and not anomalous.all():  # an AUC needs both kinds of image
            found.update(mean_image_anomaly(train, test, anomalous))
        found["normal_classes"] = [int(c) for c in data["normal_classes"]]
        found["anomalous_classes"] = sorted(int(c) for c in np.unique(labels[anomalous]))
    return found
