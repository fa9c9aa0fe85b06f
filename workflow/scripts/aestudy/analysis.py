"""The report's statements of results, computed from the metrics.

Nothing here is written in advance: every sentence is chosen and filled from the
summary rows (mean ± std over the seeds that finished) and the run rows.
"""

from aestudy.tables import mean_std, number

TEXT = {
    "en": {
        "best": "For {model} ({kind} on {dataset}), latent size {best} reconstructs best, with a "
        "test MSE of {best_mse} per pixel over {n} seeds; size {worst} is worst ({worst_mse}).",
        "single": "For {model} ({kind} on {dataset}), the test MSE at latent size {best} is "
        "{best_mse} per pixel over {n} seeds.",
        "falls": "The test MSE falls steadily as the latent size grows from {low} to {high}.",
        "rises": "The test MSE does not fall steadily with the latent size: it rises from "
        "size {a} ({a_mse}) to size {b} ({b_mse}).",
        "pca_all_better": "Against PCA with as many components, {model} reconstructs better at "
        "every latent size: {cases}.",
        "pca_all_worse": "Against PCA with as many components, {model} reconstructs worse at "
        "every latent size: {cases}.",
        "pca_mixed": "Against PCA with as many components, {model} is better at {better} and "
        "worse at {worse}.",
        "pca_case": "size {z}, {sign}{pct:.0f} % ({mse} against {pca})",
        "elbo": "The VAE {model} reaches a test ELBO of {elbo} nats per image at latent size {z} "
        "(expected reconstruction log-likelihood {rec}, KL {kl}); the importance-weighted "
        "estimate with K = {k} puts log p(x) at {iw} nats, {gap} nats above the ELBO.",
        "no_ok": "No run of {model} at latent size {z} finished: all {n} diverged.",
        "diverged": "Run {model}, latent size {z}, seed {seed} diverged at epoch {epoch} "
        "(its loss became NaN or infinite); it is left out of the means.",
        "none_diverged": "All {n} runs finished without diverging.",
        "conclude_best": "{model}: latent size {best} gave the lowest test MSE ({best_mse}).",
        "conclude_pca": "The autoencoders beat PCA of the same size in {wins} of {total} "
        "(model, latent size) settings.",
        "conclude_vae": "{model}: the best test ELBO, {elbo} nats per image, was reached at "
        "latent size {z}.",
        "conclude_diverged": "{n} of {total} runs diverged; the tables count them separately.",
        "list_and": " and ",
    },
    "zh": {
        "best": "对于 {model}({kind},数据集 {dataset}),隐空间维度为 {best} 时重构效果最好,"
        "{n} 个随机种子上的测试集 MSE 为每像素 {best_mse};维度为 {worst} 时最差({worst_mse})。",
        "single": "对于 {model}({kind},数据集 {dataset}),隐空间维度为 {best} 时,"
        "{n} 个随机种子上的测试集 MSE 为每像素 {best_mse}。",
        "falls": "随着隐空间维度从 {low} 增加到 {high},测试集 MSE 持续下降。",
        "rises": "测试集 MSE 并未随隐空间维度增加而持续下降:从维度 {a}({a_mse})"
        "到维度 {b}({b_mse})反而上升。",
        "pca_all_better": "与相同成分数的 PCA 相比,{model} 在所有隐空间维度上重构都更好:{cases}。",
        "pca_all_worse": "与相同成分数的 PCA 相比,{model} 在所有隐空间维度上重构都更差:{cases}。",
        "pca_mixed": "与相同成分数的 PCA 相比,{model} 在 {better} 更好,在 {worse} 更差。",
        "pca_case": "维度 {z}:{sign}{pct:.0f} %({mse} 对 {pca})",
        "elbo": "VAE 模型 {model} 在隐空间维度 {z} 上的测试集 ELBO 为每张图像 {elbo} nats"
        "(重构对数似然期望 {rec},KL 散度 {kl});K = {k} 的重要性加权估计给出 log p(x) = {iw} nats,"
        "比 ELBO 高 {gap} nats。",
        "no_ok": "{model} 在隐空间维度 {z} 上没有一次训练完成:{n} 次全部发散。",
        "diverged": "{model} 隐空间维度 {z}、随机种子 {seed} 的训练在第 {epoch} 个 epoch 发散"
        "(损失变为 NaN 或无穷大),未计入均值。",
        "none_diverged": "全部 {n} 次训练均未发散。",
        "conclude_best": "{model}:隐空间维度为 {best} 时测试集 MSE 最低({best_mse})。",
        "conclude_pca": "在 {total} 个(模型,隐空间维度)组合中,自编码器有 {wins} 个优于相同维度的 PCA。",
        "conclude_vae": "{model}:最好的测试集 ELBO 为每张图像 {elbo} nats,出现在隐空间维度 {z}。",
        "conclude_diverged": "{total} 次训练中有 {n} 次发散;表格中单独计数。",
        "list_and": "、",
    },
}


def model_findings(rows, language="en"):
    """Sentences about one model from its summary rows (one per latent size)."""
    text = TEXT[language]
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
        names, best=best["latent_dim"], best_mse=mean_std(best, "test_mse"),
        n=best["runs"] - best["diverged"], worst=worst["latent_dim"],
        worst_mse=mean_std(worst, "test_mse"),
    )  # fmt: skip
    sentences.append(text["single" if len(finished) == 1 else "best"].format(**filled))
    if len(finished) >= 3:
        rise = next(
            ((a, b) for a, b in zip(finished, finished[1:], strict=False) if b["test_mse_mean"] > a["test_mse_mean"]),
            None,
        )  # fmt: skip
        if rise is None:
            sentences.append(
                text["falls"].format(low=finished[0]["latent_dim"], high=finished[-1]["latent_dim"])
            )
        else:
            a, b = rise
            sentences.append(text["rises"].format(
                a=a["latent_dim"], a_mse=number(a["test_mse_mean"]),
                b=b["latent_dim"], b_mse=number(b["test_mse_mean"]),
            ))  # fmt: skip
    sentences += _against_pca(finished, text)
    if head["kind"] == "vae":
        sentences += _elbo(finished, text)
    return sentences


def _against_pca(rows, text):
    better, worse = [], []
    for row in rows:
        pca = row["pca_mse"]
        if pca is None or pca <= 0:
            continue
        change = (row["test_mse_mean"] - pca) / pca * 100
        case = text["pca_case"].format(
            z=row["latent_dim"], sign="+" if change > 0 else "−", pct=abs(change),
            mse=number(row["test_mse_mean"]), pca=number(pca),
        )  # fmt: skip
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
        out.append(text["elbo"].format(
            model=row["model"], z=row["latent_dim"], elbo=mean_std(row, "elbo"),
            rec=number(row["elbo_reconstruction_mean"]), kl=number(row["kl_mean"]),
            k=row["iw_samples"], iw=mean_std(row, "iw_ll"),
            gap=number(row["iw_ll_mean"] - row["elbo_mean"], like=row["elbo_mean"]),
        ))  # fmt: skip
    return out


def divergence_findings(runs, language="en"):
    text = TEXT[language]
    diverged = [r for r in runs if r["status"] == "diverged"]
    if not diverged:
        return [text["none_diverged"].format(n=len(runs))]
    return [
        text["diverged"].format(
            model=r["model"], z=r["latent_dim"], seed=r["seed"], epoch=r["diverged_epoch"]
        )
        for r in diverged
    ]


def conclusions(summary, runs, language="en"):
    text = TEXT[language]
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
        out.append(text["conclude_best"].format(
            model=model, best=best["latent_dim"], best_mse=mean_std(best, "test_mse")
        ))  # fmt: skip
        if rows[0]["kind"] == "vae":
            with_elbo = [r for r in finished if r["elbo_mean"] is not None]
            if with_elbo:
                top = max(with_elbo, key=lambda r: r["elbo_mean"])
                out.append(text["conclude_vae"].format(
                    model=model, elbo=mean_std(top, "elbo"), z=top["latent_dim"]
                ))  # fmt: skip
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
