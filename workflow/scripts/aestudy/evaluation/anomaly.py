"""Anomaly detection by reconstruction error.

A model trained on the normal classes only scores every test image; images of
the other classes should score higher. The threshold is mean + 3 standard
deviations of the scores of normal validation images (held out of training);
ROC AUC needs no threshold.
"""

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from aestudy.evaluation import ANOMALY_SCORES, ANOMALY_STATISTICS
from aestudy.evaluation.intervals import bootstrap_interval


def anomaly_scores(per_image):
    """{score name: per-image scores (higher: more anomalous)} from a run's per-image
    metrics: the reconstruction error, and the negative ELBO where there is one."""
    scores = {"recon": per_image["test_mse"].numpy()}
    if "elbo" in per_image:
        scores["neg_elbo"] = -per_image["elbo"].numpy()
    return scores


def detection_metrics(validation, test, anomalous, seed=0):
    """{statistic: value} of one score, the statistics of ANOMALY_STATISTICS:
    `validation` holds the normal validation images' scores, `test` the test
    images', `anomalous` which test images are of a class the model did not train
    on; the AUC's interval is a bootstrap over the test images drawn from `seed`."""
    if not (np.isfinite(validation).all() and np.isfinite(test).all()):
        return dict.fromkeys(ANOMALY_STATISTICS)
    threshold = float(validation.mean() + 3 * validation.std(ddof=1))
    flagged = test > threshold
    precision, recall, f1, _ = precision_recall_fscore_support(
        anomalous, flagged, average="binary", zero_division=0
    )
    auc_low, auc_high = bootstrap_interval(test, roc_auc_score, seed, paired=anomalous)
    auc = float(roc_auc_score(anomalous, test))
    values = (auc, auc_low, auc_high, float(precision), float(recall), float(f1), threshold)
    return dict(zip(ANOMALY_STATISTICS, values, strict=True))


def anomaly_metrics(validation_scores, test_scores, test_labels, normal_classes, seed=0):
    """The metrics.json entries (anomaly_auc, ..., anomaly_elbo_f1) of every score;
    `seed` draws the AUC's bootstrap."""
    anomalous = ~np.isin(np.asarray(test_labels), normal_classes)
    metrics = {}
    for score, prefix in ANOMALY_SCORES.items():
        if score in test_scores:
            found = detection_metrics(validation_scores[score], test_scores[score], anomalous, seed)
            metrics.update({f"{prefix}_{key}": value for key, value in found.items()})
    return metrics
