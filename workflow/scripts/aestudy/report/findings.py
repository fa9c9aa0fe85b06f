"""The report's statements of results, computed from the metrics.

Nothing here is written in advance: every sentence is chosen and filled from the
summary rows (mean ± std over the seeds that finished) and the run rows. The
sentences themselves are in report/text/{language}.yaml under `findings`,
passed in as `text`.
"""

from aestudy.report.tables import mean_std, number


def model_findings(rows, text):
    """Sentences about one model from its summary rows (one per latent size)."""
    rows = sorted(rows, key=lambda r: r["latent_dim"])
    head = rows[0]
    names = dict(model=head["model"], kind=head["kind"], dataset=head["dataset"])
    sentences = [
        text["no_ok"].format(model=r["model"], z=r["latent_dim"], n=r["runs"])
        for r in rows
        if r["test_mse_mean"] is None
    ]
    finished = [r for r in rows if r["test_mse_mean"] is not None]
    if not finished:
        return sentences
    best = min(finished, key=lambda r: r["test_mse_mean"])
    worst = max(finished, key=lambda r: r["test_mse_mean"])
    filled = dict(
        names,
        best=best["latent_dim"],
        best_mse=mean_std(best, "test_mse"),
        n=best["runs"] - best["diverged"],
        worst=worst["latent_dim"],
        worst_mse=mean_std(worst, "test_mse"),
    )
    sentences.append(text["single" if len(finished) == 1 else "best"].format(**filled))
    if len(finished) >= 3:
        rise = next(
            (
                (a, b)
                for a, b in zip(finished, finished[1:], strict=False)
                if b["test_mse_mean"] > a["test_mse_mean"]
            ),
            None,
        )
        if rise is None:
            sentences.append(
                text["falls"].format(low=finished[0]["latent_dim"], high=finished[-1]["latent_dim"])
            )
        else:
            a, b = rise
            sentences.append(
                text["rises"].format(
                    a=a["latent_dim"],
                    a_mse=number(a["test_mse_mean"]),
                    b=b["latent_dim"],
                    b_mse=number(b["test_mse_mean"]),
                )
            )
    sentences += _against_pca(finished, text)
    sentences += _elbo(finished, text)  # for the kinds that report an ELBO
    return sentences


def _against_pca(rows, text):
    better, worse = [], []
    for row in rows:
        pca = row["pca_mse"]
        if pca is None or pca <= 0:
            continue
        change = (row["test_mse_mean"] - pca) / pca * 100
        case = text["pca_case"].format(
            z=row["latent_dim"],
            sign="+" if change > 0 else "−",
            pct=abs(change),
            mse=number(row["test_mse_mean"]),
            pca=number(pca),
        )
        (worse if change > 0 else better).append(case)
    model = rows[0]["model"]
    joined = text["list_and"].join
    if better and worse:
        return [text["pca_mixed"].format(model=model, better=joined(better), worse=joined(worse))]
    if better:
        return [text["pca_all_better"].format(model=model, cases=joined(better))]
    if worse:
        return [text["pca_all_worse"].format(model=model, cases=joined(worse))]
    return []


def _elbo(rows, text):
    out = []
    for row in rows:
        if row["elbo_mean"] is None:
            continue
        out.append(
            text["elbo"].format(
                model=row["model"],
                z=row["latent_dim"],
                elbo=mean_std(row, "elbo"),
                rec=number(row["elbo_reconstruction_mean"]),
                kl=number(row["kl_mean"]),
                k=row["iw_samples"],
                iw=mean_std(row, "iw_ll"),
                gap=number(row["iw_ll_mean"] - row["elbo_mean"], like=row["elbo_mean"]),
            )
        )
    return out


def divergence_findings(runs, text):
    diverged = [r for r in runs if r["status"] == "diverged"]
    if not diverged:
        return [text["none_diverged"].format(n=len(runs))]
    return [
        text["diverged"].format(
            model=r["model"], z=r["latent_dim"], seed=r["seed"], epoch=r["diverged_epoch"]
        )
        for r in diverged
    ]


def conclusions(summary, runs, text):
    out = []
    models = {}
    for row in summary:
        models.setdefault(row["model"], []).append(row)
    wins = total = 0
    for model, rows in models.items():
        finished = [r for r in rows if r["test_mse_mean"] is not None]
        if not finished:
            continue
        best = min(finished, key=lambda r: r["test_mse_mean"])
        out.append(
            text["conclude_best"].format(
                model=model, best=best["latent_dim"], best_mse=mean_std(best, "test_mse")
            )
        )
        with_elbo = [r for r in finished if r["elbo_mean"] is not None]
        if with_elbo:  # a kind with a likelihood: its best ELBO
            top = max(with_elbo, key=lambda r: r["elbo_mean"])
            out.append(
                text["conclude_vae"].format(
                    model=model, elbo=mean_std(top, "elbo"), z=top["latent_dim"]
                )
            )
        else:
            compared = [r for r in finished if r["pca_mse"] is not None]
            total += len(compared)
            wins += sum(r["test_mse_mean"] < r["pca_mse"] for r in compared)
    if total:
        out.append(text["conclude_pca"].format(wins=wins, total=total))
    diverged = sum(r["status"] == "diverged" for r in runs)
    if diverged:
        out.append(text["conclude_diverged"].format(n=diverged, total=len(runs)))
    return out
