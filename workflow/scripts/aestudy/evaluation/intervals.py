"""Bootstrap intervals over the test images: how far one run's accuracy or AUC
could move with another draw of test images of the same kind. Seeds give the
spread across training; this gives the test set's share of the uncertainty,
which is all a run of one seed has."""

import numpy as np

RESAMPLES = 1000
LEVEL = 0.95


def bootstrap_interval(values, statistic, seed, *, paired=None):
    """(low, high) of the 95 % percentile interval of `statistic` over RESAMPLES
    draws with replacement of the test images. `values`: one entry per image;
    `paired`: the images' labels for a statistic of (labels, values) such as an
    AUC; then each class is drawn apart, so every draw holds both classes as the
    test set does."""
    values = np.asarray(values)
    rng = np.random.default_rng(seed)
    if paired is None:
        draws = rng.integers(0, len(values), (RESAMPLES, len(values)))
        found = [statistic(values[chosen]) for chosen in draws]
    else:
        paired = np.asarray(paired)
        groups = [np.flatnonzero(paired == label) for label in np.unique(paired)]
        found = []
        for _ in range(RESAMPLES):
            chosen = np.concatenate([rng.choice(group, len(group)) for group in groups])
            found.append(statistic(paired[chosen], values[chosen]))
    found = np.asarray(found, dtype=np.float64)
    found = found[np.isfinite(found)]
    if not len(found):
        return None, None
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(found, [tail, 100 - tail])
    return float(low), float(high)
