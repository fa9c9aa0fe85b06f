"""The first screen of the report: an abstract of three sentences and a key table
of the course's three models, both computed from the results.

The course's models are the first fully connected plain autoencoder, the first
convolutional one and the first VAE of the study (in the config's order), each at
its latent size of lowest test MSE among those that learned (highest ELBO for the
VAE).
"""

import pandas as pd

from aestudy.kinds import kind_of
from aestudy.report.findings import (
    accuracy,
    against_pca_settings,
    finished_rows,
    listing,
    probe_against_chance,
    rank_sizes,
    rows_by_model,
    yardstick,
)
from aestudy.report.tables import mean_std, number
from aestudy.report.verdicts import not_learned

# The roles of the course report's three models: (family, network, trained on).
COURSE_MODELS = {
    "mlp_ae": ("ae", "mlp", "mse"),
    "conv_ae": ("ae", "conv", "mse"),
    "vae": ("vae", "mlp", "bce"),
}


def course_models(specs):
    """{role: model name} of the first model of the study in each role."""
    found = {}
    for name, spec in specs.items():
        kind = kind_of(spec)
        for role, traits in COURSE_MODELS.items():
            if role not in found and (kind.family, kind.network, kind.trained_on) == traits:
                found[role] = name
    return {role: found[role] for role in COURSE_MODELS if role in found}


def _chosen_by_elbo(finished, role):
    """Whether the role's best size is the one of highest ELBO (the VAE's, when
    every size has one), not of lowest test MSE."""
    return role == "vae" and all(r.get("elbo_mean") is not None for r in finished)


def _best(rows, role):
    finished = finished_rows(rows)
    if not finished:
        return None
    if _chosen_by_elbo(finished, role):
        return max(finished, key=lambda r: r["elbo_mean"])
    return min(finished, key=lambda r: r["test_mse_mean"])


def key_rows(summary, specs):
    """[(role, model, its best summary row or None if none learned)]."""
    by_model = rows_by_model(summary)
    return [
        (role, model, _best(by_model.get(model, []), role))
        for role, model in course_models(specs).items()
    ]


def _rank_caveat(summary, row, role, words, lists):
    """What the body says of the chosen size against the model's other sizes,
    when it is not clearly the best: level within the spread, or one seed each
    (no difference tested). The VAE is chosen by its ELBO, the others by MSE."""
    finished = finished_rows([r for r in summary if r["model"] == row["model"]])
    if len(finished) < 2 or _chosen_by_elbo(finished, role):
        return ""
    verdict, _, tied = rank_sizes(finished)
    if verdict == "tied":
        others = [str(r["latent_dim"]) for r in tied if r["latent_dim"] != row["latent_dim"]]
        return words["rank_tied"].format(sizes=listing(others, lists))
    return words["rank_one_seed"] if verdict == "one_seed" else ""


def key_table(summary, specs, words):
    """The key table as HTML, or '' when the study has none of the course's models."""
    rows = key_rows(summary, specs)
    if not rows:
        return ""
    headers = words["key_headers"]
    cells = []
    for role, model, row in rows:
        if row is None:
            cells.append([words["roles"][role], model, "–", "–", words["not_learned"], "–", "–"])
            continue
        chance = probe_against_chance(row)
        cells.append(
            [
                words["roles"][role],
                model,
                row["dataset"],
                row["latent_dim"],
                words["mse_cell"].format(
                    mse=mean_std(row, "test_mse"), mean=number(row.get("yardstick_mse"))
                ),
                mean_std(row, "elbo") if row.get("elbo_mean") is not None else "–",
                words["probe_cell"].format(
                    acc=accuracy(row),
                    chance=f"{row['chance_accuracy']:.2f}" if row.get("chance_accuracy") else "–",
                    verdict=words["chance"][chance or "at"],
                )
                if row.get("probe_accuracy_mean") is not None
                else "–",
            ]
        )
    table = pd.DataFrame(cells, columns=[headers[k] for k in headers])
    return table.to_html(index=False, classes="key", border=0, na_rep="–")


def abstract(summary, runs, specs, words, lists, key_table=""):
    """Three sentences: what ran, what the course's models reach, and whether the
    runs learned (and their codes beat chance). `lists`: the words that join a list;
    `key_table`: the reference to the key table."""
    names = sorted({row["dataset"] for row in summary})
    epochs = sorted({spec["epochs"] for spec in specs.values()})
    ran = words["ran"].format(
        runs=len(runs),
        models=len(specs),
        datasets=listing(names, lists),
        epochs=listing([str(e) for e in epochs], lists),
    )
    parts = []
    for role, model, row in key_rows(summary, specs):
        if row is None:
            parts.append(
                words["part_not_learned"].format(role=words["roles_in_text"][role], model=model)
            )
        elif role == "vae" and row.get("elbo_mean") is not None:
            parts.append(
                words["part_vae"].format(
                    model=model, elbo=mean_std(row, "elbo"), z=row["latent_dim"]
                )
            )
        else:
            parts.append(
                words["part_ae"].format(
                    role=words["roles_in_text"][role],
                    model=model,
                    dataset=row["dataset"],
                    mse=mean_std(row, "test_mse"),
                    z=row["latent_dim"],
                    share=words["share"].format(100 * row["test_mse_mean"] / row["yardstick_mse"])
                    if row.get("yardstick_mse")
                    else "–",
                    yardstick=yardstick(row, lists)[1],
                )
            )
        if row is not None:
            parts[-1] += _rank_caveat(summary, row, role, words, lists)
    # the parts hold commas of their own: they are joined by semicolons
    reached = (
        words["reached"].format(parts=lists["list_parts"].join(parts), table=key_table)
        if parts
        else ""
    )
    finished = [r for r in runs if r["status"] == "ok"]
    failed_runs = sum(r["did_not_learn"] for r in not_learned(summary))
    probed = [r for r in summary if r.get("probe_accuracy_mean") is not None]
    above = sum(probe_against_chance(r) == "above" for r in probed)
    learned = len(finished) - failed_runs
    verdict = words["verdict_all" if learned == len(runs) else "verdict"].format(
        learned=learned,
        total=len(runs),
        above=above,
        probed=len(probed),
    )
    return [
        sentence
        for sentence in (ran, reached, verdict, _pca_wins(summary, specs, words, lists))
        if sentence
    ]


def _pca_wins(summary, specs, words, lists):
    """A sentence naming the settings that PCA of the same size clearly beats, or
    '' when there are none."""
    settings = against_pca_settings(rows_by_model(summary), specs)
    worse = settings[1]
    if not worse:
        return ""
    return words["pca_wins"].format(
        n=len(worse),
        total=sum(len(rows) for rows in settings.values()),
        settings=listing(
            [words["pca_setting"].format(model=r["model"], z=r["latent_dim"]) for r in worse], lists
        ),
        better=len(settings[-1]),
    )
