"""Section 5's discussion: what the results say about the course report's three
questions (how the latent size matters, the fully connected network against the
convolutional one, the autoencoder against the VAE), then what this study cannot
tell and what to run next. Every sentence is computed from the summary, with
the comparisons of report/verdicts.py: a difference is stated only where the
spreads over seeds test it."""

from aestudy.report.findings import (
    compare,
    finished_rows,
    listing,
    mlp_against_conv,
    rank_sizes,
    rows_by_model,
)
from aestudy.report.headline import key_rows
from aestudy.report.tables import mean_std

# The course report's data and epochs for its three models (its sections 3.1-3.3).
COURSE_RUNS = {"mlp_ae": ("mnist", 100), "conv_ae": ("cifar10", 30), "vae": ("mnist", 100)}
VERDICT = {-1: "lower", 1: "higher", 0: "level", None: "untested"}


def latent_size(by_model, roles, words, lists):
    model = roles.get("mlp_ae")
    finished = finished_rows(by_model.get(model, [])) if model else []
    if len(finished) < 2:
        return [words["size_one"].format(model=model)] if model and finished else []
    verdict, best, tied = rank_sizes(finished)
    filled = dict(
        model=model,
        best=best["latent_dim"],
        mse=mean_std(best, "test_mse"),
        sizes=listing([r["latent_dim"] for r in tied], lists),
        all=listing([r["latent_dim"] for r in finished], lists),
    )
    key = "size_all_tied" if verdict == "tied" and len(tied) == len(finished) else f"size_{verdict}"
    out = [words[key].format(**filled)]
    views = [r for r in finished if r.get("code_silhouette_mean") is not None]
    if len(views) > 1:
        top = max(views, key=lambda r: r["code_silhouette_mean"])
        if all(compare(top, r, "code_silhouette") == 1 for r in views if r is not top):
            out.append(
                words["size_view"].format(
                    z=top["latent_dim"], value=mean_std(top, "code_silhouette")
                )
            )
    return out


def mlp_against_cnn(summary, specs, words, findings_words, datasets_named):
    named = {m: dict(s, dataset=datasets_named(s["dataset"])) for m, s in specs.items()}
    found = mlp_against_conv(summary, named, findings_words)
    return [sentence for sentence, *_ in found] or [words["mlp_conv_missing"]]


def ae_against_vae(best, words):
    ae, vae = best.get("mlp_ae"), best.get("vae")
    if ae is None or vae is None:
        return [words["ae_vae_missing"]]
    out = []
    for metric in ("test_mse", "interpolation_unevenness", "sample_agreement"):
        if ae.get(f"{metric}_mean") is None or vae.get(f"{metric}_mean") is None:
            continue
        out.append(
            words[f"ae_vae_{metric}"].format(
                ae=ae["model"],
                vae=vae["model"],
                ae_z=ae["latent_dim"],
                vae_z=vae["latent_dim"],
                ae_value=mean_std(ae, metric),
                vae_value=mean_std(vae, metric),
                verdict=words["vae_is"][VERDICT[compare(vae, ae, metric)]],
            )
        )
    return out


def gaps(summary, specs, roles):
    """What keeps this study from answering: (the settings that finished, those of
    one seed, the course's models run off the course's data or epochs, the
    settings that did not learn)."""
    finished = [r for r in summary if r.get("test_mse_mean") is not None]
    one_seed = [r for r in finished if r["runs"] - r["diverged"] == 1]
    off_course = [
        (role, model)
        for role, model in roles.items()
        if specs[model]["dataset"] != COURSE_RUNS[role][0]
        or specs[model]["epochs"] < COURSE_RUNS[role][1]
    ]
    return finished, one_seed, off_course, [r for r in finished if r["did_not_learn"]]


def cannot_tell(found, specs, datasets_named, words, lists):
    finished, one_seed, off_course, not_learned = found
    out = []
    if one_seed:
        out.append(words["one_seed"].format(n=len(one_seed), total=len(finished)))
    for role, model in off_course:
        dataset, epochs = COURSE_RUNS[role]
        out.append(
            words["not_course"].format(
                model=model,
                dataset=datasets_named(specs[model]["dataset"]),
                epochs=specs[model]["epochs"],
                course_dataset=datasets_named(dataset),
                course_epochs=epochs,
            )
        )
    if not_learned:
        settings = [
            lists["setting"].format(model=r["model"], z=r["latent_dim"]) for r in not_learned
        ]
        out.append(words["not_learned"].format(settings=listing(settings, lists)))
    return out


def run_next(found, words):
    _, one_seed, off_course, not_learned = found
    needed = (("next_seeds", one_seed), ("next_course", off_course), ("next_longer", not_learned))
    return [words[key] for key, cases in needed if cases]


def discussion(summary, specs, words, findings_words, datasets_named):
    """{questions: [(question, answer)], cannot_tell: [sentence], run_next: [sentence]}.
    `words`: report/text's `discussion`; `findings_words`: its `findings`;
    `datasets_named`: a data set's name as prose gives it."""
    by_model = rows_by_model(summary)
    best = {role: row for role, _, row in key_rows(summary, specs) if row is not None}
    roles = {role: model for role, model, _ in key_rows(summary, specs)}
    gap = findings_words["sentence_gap"]
    answers = [
        ("q_size", latent_size(by_model, roles, words, findings_words)),
        ("q_mlp_cnn", mlp_against_cnn(summary, specs, words, findings_words, datasets_named)),
        ("q_ae_vae", ae_against_vae(best, words)),
    ]
    questions = [(words[key], gap.join(answer)) for key, answer in answers if answer]
    found = gaps(summary, specs, roles)
    return dict(
        questions=questions,
        cannot_tell=cannot_tell(found, specs, datasets_named, words, findings_words),
        run_next=run_next(found, words),
    )
