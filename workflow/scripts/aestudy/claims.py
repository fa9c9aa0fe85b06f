"""Claims a study states about its own results (config `claims`), and their check
at planning. The report tests each over the seeds (report/claim_outcomes.py).

A claim is about one run set, a model at one latent size (`about`), or a model
at all its latent sizes for the relations along the latent size; it names a
relation, and a quantity where the relation compares one:

- learned / did_not_learn: every run's test MSE against its data set's mean
  image (report/verdicts.py), no quantity;
- below / above: the quantity's mean ± std over the seeds against another run
  set's (`than`) or a number (`value`);
- falls_with_latent_size / rises_with_latent_size: the quantity from each of
  the model's latent sizes to the next;
- above_chance: an accuracy or AUC against chance.

This module stays free of PyTorch and pandas: the config check imports it.
"""

from aestudy import StudyError
from aestudy.evaluation import DIAGNOSTIC_METRICS
from aestudy.kinds import COMMON_METRICS, kind_of, metric_names

RELATIONS = (
    "learned",
    "did_not_learn",
    "below",
    "above",
    "falls_with_latent_size",
    "rises_with_latent_size",
    "above_chance",
)
# Relations judged on the runs' verdicts, with no quantity.
VERDICT_RELATIONS = ("learned", "did_not_learn")
# Relations over a model's latent sizes: `about` names no latent size.
ALONG_SIZES = ("falls_with_latent_size", "rises_with_latent_size")
# The quantities a claim may compare: the test metrics, the codes' use for
# telling classes apart, and the diagnostics (evaluation/diagnostics.py).
QUANTITIES = (
    *["test_mse", "test_psnr", "test_bce", "denoised_psnr"],
    *["elbo", "iw_ll", "kl", "active_units"],
    *["probe_accuracy", "knn_accuracy", "anomaly_auc"],
    *DIAGNOSTIC_METRICS,
)
# The quantities `above_chance` reads, and where their chance level comes from.
CHANCE_QUANTITIES = ("probe_accuracy", "knn_accuracy", "anomaly_auc")
SAMPLE_QUANTITIES = ("sample_agreement", "sample_diversity")


def text_in(value, language):
    """A claim's text (`source`, `says`) in the report's language: the text itself,
    or its entry for the language in a mapping of languages (English where the
    language has none)."""
    if value is None or isinstance(value, str):
        return value
    return value.get(language, value.get("en", next(iter(value.values()), None)))


def check_claims(claims, models, datasets):
    """Raise StudyError, naming the key, for the first claim that names a model,
    latent size, quantity or relation the study cannot test. `models`: every model
    the study declares (those left out of this run too), resolved."""
    for name, claim in claims.items():
        where = f"config key 'claims.{name}"
        _check_runs(claim["about"], f"{where}.about", models, claim["relation"] in ALONG_SIZES)
        relation, quantity = claim["relation"], claim.get("quantity")
        if relation in VERDICT_RELATIONS:
            if quantity is not None:
                raise StudyError(
                    f"{where}.quantity' is '{quantity}'; expected none, since '{relation}' "
                    "is judged on the test MSE against the mean image."
                )
        elif quantity is None:
            raise StudyError(
                f"{where}' lacks key 'quantity'; expected one of: {', '.join(QUANTITIES)}, "
                f"since '{relation}' compares one."
            )
        else:
            _check_quantity(
                quantity, f"{where}.quantity'", models[claim["about"]["model"]], datasets
            )
        compared = [key for key in ("than", "value") if key in claim]
        if relation in ("below", "above"):
            if len(compared) != 1:
                raise StudyError(
                    f"{where}' has {' and '.join(compared) or 'neither than nor value'}; expected "
                    f"one of 'than' (another model and latent size) or 'value' (a number), "
                    f"what '{relation}' compares with."
                )
            if "than" in claim:
                _check_runs(claim["than"], f"{where}.than", models, False)
                _check_quantity(
                    quantity, f"{where}.quantity'", models[claim["than"]["model"]], datasets
                )
        elif compared:
            raise StudyError(
                f"{where}.{compared[0]}' is given; expected it only with 'below' or 'above', "
                f"not with '{relation}'."
            )
        if relation == "above_chance" and quantity not in CHANCE_QUANTITIES:
            raise StudyError(
                f"{where}.quantity' is '{quantity}'; expected one of: "
                f"{', '.join(CHANCE_QUANTITIES)}, the quantities with a chance level."
            )


def _check_runs(runs, where, models, along_sizes):
    model = runs["model"]
    if model not in models:
        raise StudyError(
            f"{where}.model' is '{model}', which the study does not declare; expected one of: "
            f"{', '.join(models)}."
        )
    sizes = models[model]["latent_dims"]
    if along_sizes:
        if "latent_dim" in runs:
            raise StudyError(
                f"{where}.latent_dim' is {runs['latent_dim']}; expected none, since the claim "
                "is about every latent size of the model."
            )
        if len(sizes) < 2:
            raise StudyError(
                f"{where}.model' is '{model}', which has one latent size ({sizes[0]}); "
                "expected a model of two or more for a claim along the latent size."
            )
    elif "latent_dim" not in runs:
        raise StudyError(
            f"{where}' lacks key 'latent_dim'; expected one of the latent sizes of "
            f"'{model}': {', '.join(map(str, sizes))}."
        )
    elif runs["latent_dim"] not in sizes:
        raise StudyError(
            f"{where}.latent_dim' is {runs['latent_dim']}; expected one of the latent sizes "
            f"of '{model}': {', '.join(map(str, sizes))}."
        )


def _check_quantity(quantity, where, spec, datasets):
    """A quantity the model reports: its kind's metrics, samples where it makes
    them, an anomaly AUC on a data set made for anomaly detection."""
    kind = kind_of(spec)
    own = {m.name for m in COMMON_METRICS} | set(kind.metric_names)
    missing = None
    if quantity in metric_names() and quantity not in own:
        missing = f"kind '{kind.name}' reports no {quantity}"
    elif quantity in SAMPLE_QUANTITIES and kind.generation == "none":
        missing = f"kind '{kind.name}' makes no new images"
    elif quantity == "anomaly_auc" and "anomaly" not in datasets[spec["dataset"]]:
        missing = f"its data set '{spec['dataset']}' is not made for anomaly detection"
    if missing:
        raise StudyError(
            f"{where} is '{quantity}', which a model of the claim cannot have: {missing}; "
            "expected a quantity every model of the claim reports."
        )
