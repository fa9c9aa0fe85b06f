"""Evaluation: test-set metrics, how well the codes tell the classes apart,
anomaly detection by reconstruction error, the PCA baseline, and loading a
trained run back.

This module stays free of PyTorch: the tables read its list of metrics."""

from aestudy.kinds import Metric, kind_metrics, metric_names

# Every run: the test accuracy of a linear probe and of a 5-nearest-neighbour
# classifier fitted on the codes of a seeded subset of the training images
# (evaluation.probe_train_size of them), and the probe accuracy's 95 % bootstrap
# interval over the test images; see evaluation/representation.py.
REPRESENTATION_METRICS = [
    "probe_accuracy",
    "probe_accuracy_low",
    "probe_accuracy_high",
    "knn_accuracy",
]

# Runs on a dataset with normal classes (datasets.<name>.normal_classes): ROC AUC,
# and precision, recall and F1 at the threshold mean + 3 std of the normal
# validation images' scores, and the AUC's 95 % bootstrap interval over the test
# images; the score is the reconstruction error per image, and (…_elbo) the
# negative ELBO where the kind has one.
ANOMALY_SCORES = {"recon": "anomaly", "neg_elbo": "anomaly_elbo"}
ANOMALY_STATISTICS = ("auc", "auc_low", "auc_high", "precision", "recall", "f1", "threshold")
ANOMALY_METRICS = [
    f"{prefix}_{s}" for prefix in ANOMALY_SCORES.values() for s in ANOMALY_STATISTICS
]

# Every run: the diagnostics a study's claims are tested on (evaluation/
# diagnostics.py). The samples' two are None for a kind that makes no new images.
DIAGNOSTIC_METRICS = [
    "train_loss_rises",
    "train_loss_fall",
    "dead_share_max",
    "code_pc1_share",
    "code_spread",
    "code_silhouette",
    "interpolation_unevenness",
    "sample_agreement",
    "sample_diversity",
]


# How the report shows the metrics that are not a kind's: the representation's and
# anomaly detection's, and those of the baselines (PCA, the corrupted test set itself).
SHOWN_METRICS = (
    Metric("probe_accuracy", "accuracy", compared="representation"),
    Metric("knn_accuracy", "accuracy", compared="representation"),
    Metric("anomaly_auc", "accuracy", compared="representation"),
    Metric("pca_psnr", "two"),
    Metric("pca_denoised_psnr", "two"),
    Metric("noisy_psnr", "two"),
    Metric("anomaly_f1", "accuracy"),
    Metric("anomaly_elbo_f1", "accuracy"),
    # the figures' measures, read in the text (report/figure_reading.py)
    Metric("code_silhouette", "two"),
    Metric("interpolation_unevenness", "two"),
    Metric("sample_agreement", "two"),
    Metric("sample_diversity", "two"),
)


def shown_metrics():
    """{name: Metric} of every metric the report shows, in table order."""
    return {metric.name: metric for metric in (*kind_metrics(), *SHOWN_METRICS)}


def comparison_tables():
    """{table: [metric names]} of section 4's comparison tables, each metric
    followed by its baseline's where it has one."""
    tables = {}
    for metric in shown_metrics().values():
        if metric.compared:
            names = tables.setdefault(metric.compared, [])
            names += [metric.name, *([metric.baseline] if metric.baseline else [])]
    return tables


def all_metrics():
    """Every metric a run's metrics.json may hold, in table order."""
    return [*metric_names(), *REPRESENTATION_METRICS, *ANOMALY_METRICS, *DIAGNOSTIC_METRICS]
