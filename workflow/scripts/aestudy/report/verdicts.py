"""The verdict on each run before any ranking: did it learn at all?

A run "did not learn" when its test MSE is not clearly below its data set's
yardstick: the harder of the mean training image (the reconstruction of a model
that ignores its input) and each test image's own mean colour (that of a code of
one number per channel; evaluation/dataset_baseline.py). Such a
run, like a diverged one, is named as such and left out of every ranking, best,
trend and comparison with PCA.

One vocabulary for every difference the report states: two settings differ
clearly when their spreads over seeds (mean ± std) do not overlap; a setting
differs clearly from a number with no spread (PCA's MSE, chance, a baseline)
when its mean ± std leaves that number out, or, from one seed, when the run's 95 %
bootstrap interval over the test images does. One seed without such an
interval tests no difference: it is said to be untested.
"""

import math

# A run learned when its test MSE is at most this share of the mean image's: 10 %
# below it, beyond the few per cent a model that outputs a blurred mean reaches.
LEARNED_BELOW = 0.9


def _present(value):
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def run_verdict(status, test_mse, yardstick_mse):
    """ "diverged", "did_not_learn", "learned", or "unjudged" with no baseline;
    `yardstick_mse`: the data set's yardstick (dataset_baseline.yardstick)."""
    if status != "ok" or not _present(test_mse):
        return "diverged"
    if not _present(yardstick_mse):
        return "unjudged"
    return "learned" if test_mse <= LEARNED_BELOW * yardstick_mse else "did_not_learn"


def interval(row, metric):
    """(low, high) of mean ± std, or None with one finished seed (no spread)."""
    mean, std = row.get(f"{metric}_mean"), row.get(f"{metric}_std")
    if not (_present(mean) and _present(std)):
        return None
    return mean - std, mean + std


def spread_or_bootstrap(row, metric):
    """(low, high) of a summary row's metric: mean ± std over seeds where there is a
    spread, else the one seed's 95 % bootstrap interval over the test images
    (`<metric>_low_mean`, `_high_mean`), else (None, None): untested."""
    span = interval(row, metric)
    if span is not None:
        return span
    low, high = row.get(f"{metric}_low_mean"), row.get(f"{metric}_high_mean")
    return (low, high) if _present(low) and _present(high) else (None, None)


def against_value(row, metric, value):
    """A summary row against a number with no spread (PCA's MSE): -1 clearly
    below, +1 clearly above, 0 level (its spread holds the value), None with one
    seed (untested)."""
    span = interval(row, metric)
    if span is None:
        return None
    return -1 if span[1] < value else 1 if span[0] > value else 0


def learned(row):
    """A summary row (model, latent size) whose finished runs all learned: the
    only kind that enters a ranking."""
    return _present(row.get("test_mse_mean")) and not row.get("did_not_learn")


def not_learned(rows):
    """The summary rows with a finished run that did not learn."""
    return [r for r in rows if _present(r.get("test_mse_mean")) and r.get("did_not_learn")]


def against_chance(value, low, high, chance):
    """Where an accuracy or AUC stands against `chance`: "above", "below" or "at"
    (its interval holds chance). `low`, `high`: its interval (bootstrap or mean ±
    std); without one, only the value is compared: "above" or "below"."""
    if not _present(value) or not _present(chance):
        return None
    if _present(low) and _present(high):
        return "above" if low > chance else "below" if high < chance else "at"
    return "above" if value > chance else "below" if value < chance else "at"
