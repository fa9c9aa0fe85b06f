"""The report's statements of results, computed from the metrics.

Nothing here is written in advance: every sentence is chosen and filled from the
summary rows (mean ± std over the seeds that finished), the run rows and the
runs' loss histories. Every row is first judged against its data set's mean
image (report/verdicts.py): one that did not learn is named as such and left out
of every ranking, best, trend and comparison with PCA, as a diverged one is. Two
settings are told apart only when their mean ± std intervals do not overlap;
with one seed there is no spread, and the sentence says so instead of naming a
winner. The sentences themselves are in report/text/{language}.yaml under
`findings`, passed in as `text`.
"""

import math
from statistics import median

from aestudy.kinds import FAMILIES, kind_of
from aestudy.kinds.vae import ACTIVE_KL
from aestudy.report.crossref import cite
from aestudy.report.tables import mean_std, number
from aestudy.report.verdicts import (
    LEARNED_BELOW,
    against_chance,
    against_value,
    interval,
    learned,
    not_learned,
    spread_or_bootstrap,
)

# A run whose final test loss is this much above its lowest has begun to overfit
# (a smaller rise is within the epoch-to-epoch noise of the smoke runs).
OVERFITTING_RISE = 0.01
# A baseline below this share of the mean image's MSE is near zero (PCA of as many
# components as the images have dimensions): a difference from it is given in
# absolute terms, since a percentage of nearly nothing means nothing.
NEAR_ZERO = 0.02
# Codes of more values than this are feature maps rather than compact codes: their
# probes are set beside the probe on raw pixels, not ranked with small codes.
COMPACT_CODE = 32


def _value(row, key):
    value = row.get(key)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def compare(a, b, metric):
    """-1 if a is clearly below b, +1 if clearly above, 0 if their intervals
    overlap, None if either has one seed only."""
    ia, ib = interval(a, metric), interval(b, metric)
    if ia is None or ib is None:
        return None
    if ia[1] < ib[0]:
        return -1
    if ia[0] > ib[1]:
        return 1
    return 0


def rows_by_model(summary):
    """{model: its summary rows}, in the summary's order."""
    found = {}
    for row in summary:
        found.setdefault(row["model"], []).append(row)
    return found


def finished_rows(rows):
    """The rows that may be ranked: finished, and every finished run learned."""
    return sorted((r for r in rows if learned(r)), key=lambda r: r["latent_dim"])


def seeds_phrase(n, text):
    return text["one_seed"] if n == 1 else text["n_seeds"].format(n=n)


def _share(value, of):
    return f"{value / of:.0%}".replace("%", " %") if of else "–"


def yardstick(row, text):
    """(MSE, name in words) of the baseline a row's runs must beat to have
    learned (methods.baselines), or (None, "") when its data set has none."""
    return _value(row, "yardstick_mse"), text["yardsticks"].get(row.get("yardstick"), "")


def learning_verdict(rows, text):
    """Whether each latent size of a model beat its data set's baseline, in one
    sentence."""
    finished = [r for r in rows if _value(r, "test_mse_mean") is not None]
    if not finished:
        return []
    mean, named = yardstick(finished[0], text)
    if mean is None:
        return []
    failed = not_learned(finished)
    if not failed:
        shares = sorted(r["test_mse_mean"] / mean for r in finished)
        share = _share(shares[0] * mean, mean)
        if len(shares) > 1 and f"{shares[-1]:.0%}" != f"{shares[0]:.0%}":
            share = text["range"].format(low=share, high=_share(shares[-1] * mean, mean))
        return [
            text["learned"].format(
                model=rows[0]["model"], share=share, mean=number(mean), yardstick=named
            )
        ]
    cases = [
        text["not_learned_case"].format(
            z=r["latent_dim"], mse=mean_std(r, "test_mse"), k=r["did_not_learn"], n=r["runs"]
        )
        for r in failed
    ]
    return [
        text["not_learned"].format(
            model=rows[0]["model"], cases=listing(cases, text), mean=number(mean), yardstick=named
        )
    ]


def listing(items, text):
    """'a', 'a and b', 'a, b and c' in the words of the report's language."""
    items = [str(item) for item in items]
    if len(items) <= 2:
        return text["list_and"].join(items)
    return text["list_and"].join([text["list_comma"].join(items[:-1]), items[-1]])


def _sizes(rows, text):
    return listing((r["latent_dim"] for r in rows), text)


def model_findings(rows, text, histories=None, short_epochs=0):
    """Sentences about one model from its summary rows (one per latent size) and
    its runs' loss histories ({(latent size, seed): [(epoch, train, test)]});
    below `short_epochs` epochs overfitting is not judged."""
    rows = sorted(rows, key=lambda r: r["latent_dim"])
    head = rows[0]
    names = dict(model=head["model"], kind=head["kind"], dataset=head["dataset"])
    sentences = [
        text["no_ok"].format(model=r["model"], z=r["latent_dim"], n=r["runs"])
        for r in rows
        if _value(r, "test_mse_mean") is None
    ]
    sentences += learning_verdict(rows, text)
    finished = finished_rows(rows)
    if not finished:
        return sentences
    sentences.append(_best_size(finished, names, text))
    if len(finished) >= 3:
        sentences.append(_trend(finished, text))
    sentences += _against_pca(finished, text)
    sentences += _elbo(finished, text)
    sentences += _active_units(finished, text)
    sentences += _representation(finished, text)
    if histories:
        sentences.append(overfitting(head["model"], histories, text, short_epochs))
    return sentences


def rank_sizes(finished):
    """How the latent sizes of one model compare on the test MSE: (verdict, best,
    the sizes tied with it). The verdict is "single" (one size), "one_seed" (no
    spread to judge by), "tied" or "best"."""
    best = min(finished, key=lambda r: r["test_mse_mean"])
    tied = [r for r in finished if r is best or compare(best, r, "test_mse") == 0]
    if len(finished) == 1:
        return "single", best, tied
    if any(compare(best, r, "test_mse") is None for r in finished if r is not best):
        return "one_seed", best, tied
    return ("tied" if len(tied) > 1 else "best"), best, tied


def _best_size(finished, names, text):
    verdict, best, tied = rank_sizes(finished)
    worst = max(finished, key=lambda r: r["test_mse_mean"])
    filled = dict(
        names,
        best=best["latent_dim"],
        best_mse=mean_std(best, "test_mse"),
        seeds=seeds_phrase(best["runs"] - best["diverged"], text),
        worst=worst["latent_dim"],
        worst_mse=mean_std(worst, "test_mse"),
        sizes=_sizes(tied, text),
    )
    key = {"single": "single", "one_seed": "best_one_seed", "tied": "best_tied", "best": "best"}
    sentence = text[key[verdict]].format(**filled)
    if verdict == "tied" and worst not in tied:
        sentence += text["sentence_gap"] + text["worse_than_tied"].format(**filled)
    return sentence


def _trend(finished, text):
    """Falls, rises somewhere clearly, or no clear trend."""
    means = [r["test_mse_mean"] for r in finished]
    low, high = finished[0]["latent_dim"], finished[-1]["latent_dim"]
    for a, b in zip(finished, finished[1:], strict=False):
        if compare(b, a, "test_mse") == 1:
            return text["rises"].format(
                a=a["latent_dim"],
                a_mse=mean_std(a, "test_mse"),
                b=b["latent_dim"],
                b_mse=mean_std(b, "test_mse"),
            )
    if all(b < a for a, b in zip(means, means[1:], strict=False)):
        return text["falls"].format(low=low, high=high)
    return text["no_trend"].format(low=low, high=high)


def _against_pca(rows, text):
    """Against PCA of the same size: better, worse or indistinguishable per size;
    for a kind trained on another loss, said with that caveat first."""
    groups = {"better": [], "worse": [], "tied": [], "one_seed": []}
    for row in rows:
        pca = _value(row, "pca_mse")
        if pca is None:
            continue
        mean_image = _value(row, "mean_mse")
        filled = dict(z=row["latent_dim"], mse=mean_std(row, "test_mse"), pca=number(pca))
        if pca <= 0 or (mean_image and pca < NEAR_ZERO * mean_image):
            difference = row["test_mse_mean"] - pca
            case = text["pca_case_exact"].format(
                sign="+" if difference > 0 else "−", diff=number(abs(difference)), **filled
            )
        else:
            change = (row["test_mse_mean"] - pca) / pca * 100
            # below 10 % a whole percent would hide the difference ("+0 %")
            pct = f"{abs(change):.0f}" if abs(change) >= 10 else f"{abs(change):.1f}"
            case = text["pca_case"].format(sign="+" if change > 0 else "−", pct=pct, **filled)
        verdict = against_value(row, "test_mse", pca)
        key = {-1: "better", 1: "worse", 0: "tied", None: "one_seed"}[verdict]
        groups[key].append(case)
    if not any(groups.values()):
        return []
    model = rows[0]["model"]
    parts = [
        text[f"pca_{key}"].format(cases=listing(cases, text))
        for key, cases in groups.items()
        if cases
    ]
    sentence = text["pca"].format(model=model, parts=text["list_parts"].join(parts))
    kind = kind_of(rows[0]["kind"])
    if kind.trained_on != "mse":
        return [text["pca_other_loss"].format(model=model), sentence]
    if kind.discrete_code:
        return [text["pca_discrete_code"].format(model=model), sentence]
    return [sentence]


def _elbo(rows, text):
    out = []
    for row in rows:
        if _value(row, "elbo_mean") is None:
            continue
        out.append(
            text["elbo"].format(
                model=row["model"],
                z=row["latent_dim"],
                elbo=mean_std(row, "elbo"),
                rec=number(row["elbo_reconstruction_mean"], like=row["elbo_mean"]),
                kl=number(row["kl_mean"], like=row["elbo_mean"]),
                k=row["iw_samples"],
                iw=mean_std(row, "iw_ll"),
                gap=number(row["iw_ll_mean"] - row["elbo_mean"], like=row["elbo_mean"]),
            )
        )
    return out


def _active_units(rows, text):
    """Posterior collapse: the latent dimensions whose posterior stays at the prior."""
    out = []
    for row in rows:
        active = _value(row, "active_units_mean")
        if active is None:
            continue
        z = row["latent_dim"]
        active_shown = f"{active:.1f}".rstrip("0").rstrip(".")
        filled = dict(model=row["model"], z=z, active=active_shown, threshold=ACTIVE_KL)
        if active < 0.5:
            out.append(text["collapse_full"].format(**filled))
        elif active < z:
            out.append(text["collapse_partial"].format(collapsed=f"{z - active:.1f}", **filled))
        else:
            out.append(text["collapse_none"].format(**filled))
    return out


def accuracy(row, metric="probe_accuracy"):
    """An accuracy as shown: mean ± std over seeds, or one seed's value with its 95 %
    bootstrap interval over the test images."""
    mean = _value(row, f"{metric}_mean")
    if _value(row, f"{metric}_std") is not None or mean is None:
        return mean_std(row, metric)
    if _value(row, f"{metric}_low_mean") is None:
        # one seed and no interval: a test set of a few hundred images carries two
        # decimals (its standard error is about 0.02)
        return f"{mean:.2f}"
    return (
        f"{row[f'{metric}_mean']:.2f} ({row[f'{metric}_low_mean']:.2f}–"
        f"{row[f'{metric}_high_mean']:.2f})"
    )


def probe_interval(row):
    """(low, high) of a probe accuracy: mean ± std over seeds where there is a spread,
    else the one seed's bootstrap interval over the test images (None, None without
    either)."""
    return spread_or_bootstrap(row, "probe_accuracy")


def probe_against_chance(row):
    """ "above", "below" or "at" chance, by `probe_interval`."""
    low, high = probe_interval(row)
    return against_chance(
        _value(row, "probe_accuracy_mean"), low, high, _value(row, "chance_accuracy")
    )


def _probes_overlap(top, other):
    """Whether two probe accuracies cannot be told apart: their intervals overlap, or
    one of them has none."""
    (top_low, _), (_, other_high) = probe_interval(top), probe_interval(other)
    return top_low is None or other_high is None or other_high >= top_low


def _representation(rows, text):
    """Linear-probe and k-NN accuracy of the codes per latent size, beside chance,
    the probe on PCA codes of the same size and the probe on raw pixels."""
    shown = [r for r in rows if _value(r, "probe_accuracy_mean") is not None]
    if not shown:
        return []
    head = shown[0]
    cases = []
    for r in shown:
        versus = (
            [text["versus_pca"].format(acc=number_2(r["pca_probe_accuracy"]))]
            if (_value(r, "pca_probe_accuracy") is not None)
            else []
        )
        cases.append(
            text["probe_case"].format(
                z=r["latent_dim"],
                acc=accuracy(r),
                knn=accuracy(r, "knn_accuracy"),
                versus=listing(versus, text) if versus else "",
                chance=text[f"chance_{probe_against_chance(r) or 'unknown'}"],
            )
        )
    out = [
        text["representation"].format(
            model=head["model"],
            cases=text["list_parts"].join(cases),
            chance=number_2(head.get("chance_accuracy")),
            pixels=number_2(head.get("pixel_probe_accuracy")),
        )
    ]
    if kind_of(head["kind"]).generation == "class":  # given the label
        out.append(text["probe_conditional"].format(model=head["model"]))
    large = [r["latent_dim"] for r in shown if r["latent_dim"] > COMPACT_CODE]
    if large:
        out.append(
            text["probe_feature_map"].format(model=head["model"], sizes=listing(large, text))
        )
    return out


def number_2(value):
    """An accuracy or AUC with two decimals, or '–'."""
    return "–" if value is None or _value({"v": value}, "v") is None else f"{value:.2f}"


# A final test loss this many percent below the train loss is explained in the text;
# a smaller gap is within what two measurements of one model differ by.
NOTABLE_GAP = 5


def overfitting(model, histories, text, short_epochs=0):
    """How many runs ended with their test loss above its lowest, and the median
    gap between the final test and train losses; with fewer than `short_epochs`
    epochs only the gap, and why a test loss below the train loss is no surprise."""
    rose, gaps = 0, []
    for history in histories.values():
        tests = [test for _, _, test in history]
        if not tests or not all(math.isfinite(t) for t in tests):
            continue
        final_train, final_test = history[-1][1], history[-1][2]
        if final_test > min(tests) * (1 + OVERFITTING_RISE):
            rose += 1
        if final_train:
            gaps.append((final_test - final_train) / abs(final_train) * 100)
    if not gaps:
        return text["no_history"].format(model=model)
    gap = median(gaps)
    epochs = max(len(history) for history in histories.values())
    filled = dict(
        model=model,
        rose=rose,
        n=len(gaps),
        epochs=epochs,
        rise=f"{OVERFITTING_RISE:.0%}",
        gap=f"{'+' if gap >= 0 else '−'}{abs(gap):.1f} %",
    )
    if epochs < short_epochs:
        sentence = text["too_short_to_judge"].format(**filled)
    else:
        sentence = text["overfit" if rose else "no_overfit"].format(**filled)
    if gap < -NOTABLE_GAP:
        sentence += text["sentence_gap"] + text["test_below_train"]
    return sentence


def plain_autoencoders(specs, network):
    """The study's plain MSE autoencoders (family "ae") with a `network` ("mlp" or
    "conv"), in the config's order."""
    return [
        model
        for model, spec in specs.items()
        if (kind := kind_of(spec)).family == "ae"
        and kind.trained_on == "mse"
        and kind.network == network
    ]


def mlp_against_conv(summary, specs, text):
    """The fully connected autoencoder against the convolutional one on the same
    images (the course report's 4.1.3): for every plain MSE autoencoder with a
    fully connected network, the first convolutional one on its data set, each at
    its latent size of lowest test MSE. Returns [(sentence, (mlp model, latent
    size), (conv model, latent size))]; pairs where either has no finished run
    are left out."""
    by_model = rows_by_model(summary)
    out = []
    for mlp in plain_autoencoders(specs, "mlp"):
        dataset = specs[mlp]["dataset"]
        conv = next(
            (m for m in plain_autoencoders(specs, "conv") if specs[m]["dataset"] == dataset), None
        )
        if conv is None:
            continue
        a, b = [
            min(finished_rows(by_model.get(m, [])), key=lambda r: r["test_mse_mean"], default=None)
            for m in (mlp, conv)
        ]
        failed = not_learned(by_model.get(mlp, []))
        if b is None or (a is None and not failed):
            continue
        filled = dict(mlp=mlp, conv=conv, dataset=dataset, conv_z=b["latent_dim"])
        if a is None:  # the course's case: the fully connected network learned nothing here
            a = min(failed, key=lambda r: r["test_mse_mean"])
            mean, named = yardstick(a, text)
            key, filled = (
                "mlp_not_learned_against_conv",
                dict(filled, yardstick=named, mean=number(mean)),
            )
        else:
            verdicts = {
                -1: "mlp_better",
                1: "conv_better",
                0: "mlp_conv_tied",
                None: "mlp_conv_one_seed",
            }
            key, filled = (
                "mlp_against_conv",
                dict(
                    filled,
                    ratio=f"{a['test_mse_mean'] / b['test_mse_mean']:.1f}"
                    if b["test_mse_mean"]
                    else "–",
                    verdict=text[verdicts[compare(a, b, "test_mse")]],
                ),
            )
        sentence = text[key].format(
            mlp_z=a["latent_dim"],
            mlp_mse=mean_std(a, "test_mse"),
            conv_mse=mean_std(b, "test_mse"),
            **filled,
        )
        out.append((sentence, (mlp, a["latent_dim"]), (conv, b["latent_dim"])))
    return out


def divergence_findings(runs, text, summary=None):
    """A sentence per diverged run (or that none diverged); with the summary rows,
    then how many runs learned."""
    diverged = [r for r in runs if r["status"] == "diverged"]
    if summary is not None:
        learning = learned_count(rows_by_model(summary), runs, text)
        return [*_diverged_runs(diverged, text), *learning]
    if not diverged:
        return [text["none_diverged"].format(n=len(runs))]
    return _diverged_runs(diverged, text)


def _diverged_runs(diverged, text):
    return [
        text["diverged"].format(
            model=r["model"], z=r["latent_dim"], seed=r["seed"], epoch=r["diverged_epoch"]
        )
        for r in diverged
    ]


def corruption(noise, words):
    """A corruption block (a kind's `noise`, evaluation.denoising) in words."""
    return words[noise["type"]].format(factor=noise["factor"], share=noise["drop_fraction"])


# The settings by which a variant differs from the plain model of its family.
VARIANT_SETTINGS = [
    *["noise", "contraction_weight", "codebook_size", "commitment", "beta"],
    *["epochs", "batch_size", "optimizer", "lr", "weight_decay"],
]


def _plain_models(model, specs):
    """The plain models a variant is set beside: a denoising or contractive AE
    beside the plain AE of its network, a β-VAE, conditional or VQ-VAE beside the
    VAE with β = 1; all on the same data set."""
    spec = specs[model]
    kind = kind_of(spec)
    if kind.family == "regularised_ae":
        plain = plain_autoencoders(specs, kind.network)
    elif kind.family == "vae_variant" or (kind.family == "vae" and spec.get("beta", 1) != 1):
        plain = [
            m for m, s in specs.items() if kind_of(s).family == "vae" and s.get("beta", 1) == 1
        ]
    else:
        return []
    return [m for m in plain if m != model and specs[m]["dataset"] == spec["dataset"]]


def _differences(spec, plain, text, names):
    """What sets a variant apart from its plain model: its kind, then every setting
    of VARIANT_SETTINGS that differs, in words."""
    parts = []

    def shown(key, value):
        return corruption(value, names["corruption"]) if key == "noise" else value

    for key in VARIANT_SETTINGS:
        mine, theirs = spec.get(key), plain.get(key)
        if mine is None or mine == theirs:
            continue
        name = names["settings"][key]
        name = name[0].lower() + name[1:]
        if theirs is None:
            parts.append(text["variant_setting_own"].format(name=name, value=shown(key, mine)))
        else:
            parts.append(
                text["variant_setting"].format(
                    name=name, value=shown(key, mine), plain_value=shown(key, theirs)
                )
            )
    return parts


def _against_plain(models, by_model, specs, text, names):
    """Per variant that learned, at each latent size its plain model also learned:
    what differs between the two and what that changed (test MSE and, for a
    denoising model, the corrupted test images' PSNR)."""
    # one seed on either side tests no difference (report/verdicts.py)
    verdicts = {-1: "lower", 1: "higher", 0: "tied", None: "untested"}

    def verdict(row, base, metric, plain):
        return text["variant_verdicts"][verdicts[compare(row, base, metric)]]

    out = []
    for model in models:
        for plain in _plain_models(model, specs):
            if plain not in by_model:
                continue
            sizes = {r["latent_dim"]: r for r in finished_rows(by_model[plain])}
            for row in finished_rows(by_model[model]):
                base = sizes.get(row["latent_dim"])
                if base is None:
                    continue
                what = _differences(specs[model], specs[plain], text, names)
                denoised = ""
                if "noise" in specs[model] and None not in (
                    _value(row, "denoised_psnr_mean"),
                    _value(base, "denoised_psnr_mean"),
                ):
                    denoised = text["variant_denoised"].format(
                        psnr=mean_std(row, "denoised_psnr"),
                        plain_psnr=mean_std(base, "denoised_psnr"),
                        verdict=verdict(row, base, "denoised_psnr", plain),
                    )
                out.append(
                    text["variant_against_plain"].format(
                        model=model,
                        plain=plain,
                        what=listing(what, text) if what else text["variant_kind_only"],
                        z=row["latent_dim"],
                        mse=mean_std(row, "test_mse"),
                        plain_mse=mean_std(base, "test_mse"),
                        verdict=verdict(row, base, "test_mse", plain),
                        denoised=denoised,
                    )
                )
            break  # one plain model to set it beside
    return out


def conclusions(summary, runs, specs, text, short_epochs, names=None):
    """Section 5: a subsection per family of kinds in the study (findings and
    limitations), then the overall one. Returns [(family, findings, limitations)].
    `names`: {settings, corruption} words, to say what sets a variant apart
    from its plain model (left out without them)."""
    by_model = rows_by_model(summary)
    sections = []
    for family in FAMILIES:
        models = [m for m in by_model if kind_of(specs[m]).family == family]
        if not models:
            continue
        found, limits = [], []
        for model in models:
            found += _joined_per_model(model, _model_conclusion(model, by_model[model], text), text)
        if names:
            found += _against_plain(models, by_model, specs, text, names)
        limits += _limitations(models, by_model, specs, text, short_epochs)
        sections.append((family, found, limits))
    sections.append(("overall", *_overall(by_model, specs, runs, text)))
    return sections


def _joined_per_model(model, sentences, text):
    """A model's sentences that each open with its name ("ae: ...") as one sentence
    of clauses, the name said once."""
    prefix, stop = text["model_prefix"].format(model=model), text["full_stop"]
    out = []
    for sentence in sentences:
        if (
            out
            and sentence.startswith(prefix)
            and out[-1].startswith(prefix)
            and out[-1].endswith(stop)
        ):
            out[-1] = out[-1][: -len(stop)] + text["clause_gap"] + sentence[len(prefix) :]
        else:
            out.append(sentence)
    return out


def _model_conclusion(model, rows, text):
    """What one model's runs show, in a few sentences: whether it learned, which
    latent size reconstructs best, its ELBO and how its codes compare."""
    if all(_value(r, "test_mse_mean") is None for r in rows):
        return [text["conclude_none"].format(model=model)]
    failed = not_learned(rows)
    out = []
    if failed:
        mean, named = yardstick(failed[0], text)
        out.append(
            text["conclude_not_learned"].format(
                model=model, sizes=_sizes(failed, text), mean=number(mean), yardstick=named
            )
        )
    finished = finished_rows(rows)
    if not finished:
        return out
    verdict, best, tied = rank_sizes(finished)
    filled = dict(
        model=model,
        best=best["latent_dim"],
        best_mse=mean_std(best, "test_mse"),
        sizes=_sizes(tied, text),
        share=_share(best["test_mse_mean"], yardstick(best, text)[0]),
        yardstick=yardstick(best, text)[1],
    )
    out.append(text[f"conclude_{verdict}"].format(**filled))
    with_elbo = [r for r in finished if _value(r, "elbo_mean") is not None]
    if with_elbo:
        top = max(with_elbo, key=lambda r: r["elbo_mean"])
        key = "conclude_vae" if len(with_elbo) > 1 else "conclude_vae_single"
        out.append(text[key].format(model=model, elbo=mean_std(top, "elbo"), z=top["latent_dim"]))
        out += _active_units([top], text)
    probed = [r for r in finished if _value(r, "probe_accuracy_mean") is not None]
    if probed:
        top = max(probed, key=lambda r: r["probe_accuracy_mean"])
        out.append(
            text["conclude_probe"].format(
                model=model,
                z=top["latent_dim"],
                acc=accuracy(top),
                chance=text[f"chance_{probe_against_chance(top) or 'unknown'}"],
                pca=number_2(top.get("pca_probe_accuracy")),
                pixels=number_2(top.get("pixel_probe_accuracy")),
            )
        )
    return out


def _limitations(models, by_model, specs, text, short_epochs):
    """The caveats a reader should weigh, from the study's own settings."""
    out = []

    def joined(items):
        return listing(items, text)

    one_seed = [m for m in models if max(r["runs"] - r["diverged"] for r in by_model[m]) < 2]
    if one_seed:
        out.append(text["limit_one_seed"].format(models=joined(one_seed)))
    short = [m for m in models if specs[m]["epochs"] < short_epochs]
    if short:
        epochs = joined(sorted({str(specs[m]["epochs"]) for m in short}))
        out.append(text["limit_short"].format(models=joined(short), epochs=epochs))
    data = {}
    for m in models:
        data.setdefault(specs[m]["dataset"], []).append(m)
    if len(data) > 1:
        cases = joined(
            text["limit_data_case"].format(models=joined(ms), dataset=d) for d, ms in data.items()
        )
        out.append(text["limit_data"].format(cases=cases))
    other_loss = [m for m in models if kind_of(specs[m]).trained_on != "mse"]
    if other_loss:
        out.append(text["limit_loss"].format(models=joined(other_loss)))
    diverged = sum(r["diverged"] for m in models for r in by_model[m])
    if diverged:
        total = sum(r["runs"] for m in models for r in by_model[m])
        out.append(text["limit_diverged"].format(n=diverged, total=total))
    return out


def against_pca_settings(by_model, specs):
    """{-1 (clearly better), 0 (level), 1 (clearly worse), None (one seed): [the
    summary rows]} of the MSE-trained settings that learned, against PCA of their
    size."""
    found = {-1: [], 0: [], 1: [], None: []}
    for model, rows in by_model.items():
        kind = kind_of(specs[model])
        if kind.trained_on != "mse" or kind.discrete_code:
            continue
        for row in finished_rows(rows):
            pca = _value(row, "pca_mse")
            if pca:
                found[against_value(row, "test_mse", pca)].append(row)
    return found


def _against_pca_counts(by_model, specs, text):
    """One sentence on how the MSE-trained settings that learned fare against PCA
    of the same size, naming only the outcomes that occur."""
    settings = against_pca_settings(by_model, specs)
    counts = {verdict: len(rows) for verdict, rows in settings.items()}
    # of the one-seed settings: those whose MSE is below PCA's
    one_seed_lower = sum(r["test_mse_mean"] < r["pca_mse"] for r in settings[None])
    total = sum(counts.values())
    if not total:
        return []
    keys = {-1: "pca_count_better", 0: "pca_count_tied", 1: "pca_count_worse"}
    parts = [text[key].format(n=counts[v], total=total) for v, key in keys.items() if counts[v]]
    if counts[None]:
        parts.append(
            text["pca_count_one_seed"].format(n=counts[None], total=total, lower=one_seed_lower)
        )
    return [text["conclude_pca"].format(parts=listing(parts, text))]


def _best_probes(by_model, text):
    """Per data set: the best compact code by its linear probe (ties and one-seed
    rows said as such), set beside PCA codes of the same size, the raw pixels and
    chance; feature maps larger than COMPACT_CODE values are named apart."""
    by_dataset = {}
    for rows in by_model.values():
        for row in finished_rows(rows):
            if _value(row, "probe_accuracy_mean") is not None:
                by_dataset.setdefault(row["dataset"], []).append(row)
    out = []
    for dataset, rows in by_dataset.items():
        compact = [r for r in rows if r["latent_dim"] <= COMPACT_CODE]
        large = [r for r in rows if r["latent_dim"] > COMPACT_CODE]
        head = rows[0]
        baselines = text["probe_baselines"].format(
            pixels=number_2(head.get("pixel_probe_accuracy")),
            chance=number_2(head.get("chance_accuracy")),
        )
        if compact:
            top = max(compact, key=lambda r: r["probe_accuracy_mean"])
            others = [r for r in compact if r is not top]
            tied = [r for r in others if _probes_overlap(top, r)]
            filled = dict(
                dataset=dataset,
                model=top["model"],
                z=top["latent_dim"],
                acc=accuracy(top),
                pca=number_2(top.get("pca_probe_accuracy")),
                most=COMPACT_CODE,
                cite=cite("alain2016"),
                baselines=baselines,
            )
            if not others:
                key = "conclude_probe_only"
            elif not tied:
                key = "conclude_probe_best"
            else:
                key = "conclude_probe_tied"
                filled["others"] = listing(
                    (
                        text["probe_other"].format(
                            model=r["model"], z=r["latent_dim"], acc=accuracy(r)
                        )
                        for r in tied
                    ),
                    text,
                )
            out.append(text[key].format(**filled))
        for r in large:
            out.append(
                text["conclude_probe_large"].format(
                    dataset=dataset,
                    model=r["model"],
                    z=r["latent_dim"],
                    acc=accuracy(r),
                    pca=number_2(r.get("pca_probe_accuracy")),
                    baselines=baselines,
                )
            )
    return out


def _overall(by_model, specs, runs, text):
    """Across families: whether the runs learned, PCA, representation quality,
    divergence."""
    found = learned_count(by_model, runs, text)
    found += _against_pca_counts(by_model, specs, text)
    found += _best_probes(by_model, text)
    limits = []
    left_out = [m for m in by_model if kind_of(specs[m]).trained_on != "mse"]
    if left_out:
        limits.append(text["limit_pca_left_out"].format(models=listing(left_out, text)))
    discrete = [m for m in by_model if kind_of(specs[m]).discrete_code]
    if discrete:
        limits.append(text["limit_pca_discrete"].format(models=listing(discrete, text)))
    return found, limits


def learned_count(by_model, runs, text):
    """How many runs finished, diverged and did not learn, in one sentence."""
    diverged = sum(r["status"] == "diverged" for r in runs)
    failed = [
        text["setting"].format(model=r["model"], z=r["latent_dim"])
        for rows in by_model.values()
        for r in not_learned(rows)
    ]
    total = len(runs)
    judged = all(_value(r, "mean_mse") is not None for rows in by_model.values() for r in rows)
    if not diverged and not failed and not judged:
        return [text["none_diverged"].format(n=total)]
    if not diverged and not failed:
        return [text["conclude_all_learned"].format(total=total, threshold=100 * LEARNED_BELOW)]
    parts = []
    if diverged:
        parts.append(text["conclude_diverged"].format(n=diverged, total=total))
    if failed:
        parts.append(text["conclude_not_learned_overall"].format(settings=listing(failed, text)))
    return [text["sentence_gap"].join(parts)]
