"""One statistics vocabulary from the abstract to the discussion: on synthetic
metrics built to provoke a contradiction (a lowest mean within the spread of
another size, one seed a side, PCA ahead), the abstract says what the body says;
the figures are read in numbers; the discussion answers the course's questions
only as far as the seeds test them."""

import pandas as pd
import yaml

from aestudy.report import findings, headline
from aestudy.report.discussion import discussion
from aestudy.report.figure_reading import figure_sentences
from aestudy.report.tables import records, summarize
from conftest import REPO, run_record

TEXT = {
    language: yaml.safe_load((REPO / f"report/text/{language}.yaml").read_text(encoding="utf-8"))
    for language in ("en", "zh")
}
EN = TEXT["en"]
MEAN_MSE = 0.0466
BASELINES = {
    "mnist": dict(
        mean_mse=MEAN_MSE,
        colour_mse=0.1043,
        yardstick="mean_image",
        yardstick_mse=MEAN_MSE,
        chance_accuracy=0.11,
        test_agreement=0.95,
        test_diversity=0.99,
        pixel_silhouette=0.01,
    )
}
SPECS = {
    "ae": {"kind": "ae", "dataset": "mnist", "epochs": 100},
    "vae": {"kind": "vae", "dataset": "mnist", "epochs": 100},
}


def run(model, z, seed, mse, kind="ae", **extra):
    return run_record(model, z, seed, mse, kind, dataset="mnist", **extra)


def study(runs, pca=0.03):
    summary = records(
        summarize(runs, {("mnist", r["latent_dim"]): {"test_mse": pca} for r in runs}, BASELINES)
    )
    return summary, runs


def ae_sizes(spread, seeds=(0, 1, 2)):
    """AE at z = 2 and 4; z = 2's mean is lower by 0.0002, its seeds `spread` apart."""
    return [run("ae", 2, s, 0.0200 + spread * (s - 1), code_silhouette=0.3) for s in seeds] + [
        run("ae", 4, s, 0.0202 + spread * (s - 1), code_silhouette=0.5 + 0.01 * s) for s in seeds
    ]


def test_the_abstract_names_no_best_size_the_body_calls_level():
    summary, runs = study(ae_sizes(spread=0.001), pca=0.03)
    abstract = " ".join(headline.abstract(summary, runs, SPECS, EN["headline"], EN["findings"]))
    body = findings.model_findings(summary, EN["findings"])
    assert any("latent sizes 2 and 4 reconstruct equally well" in s for s in body)
    assert "(latent size 2), 43 % of that of the mean training image" in abstract
    assert "(level with latent size 4 within the spread over seeds)" in abstract
    # clear of each other: the abstract names the best size with no caveat
    summary, runs = study(ae_sizes(spread=0.00001), pca=0.03)
    abstract = " ".join(headline.abstract(summary, runs, SPECS, EN["headline"], EN["findings"]))
    assert "(latent size 2), 43 %" in abstract and "level with" not in abstract
    # one seed a side: said as untested, in both languages
    summary, runs = study(ae_sizes(spread=0.001, seeds=(0,)), pca=0.03)
    for language, phrase in (("en", "no difference tested"), ("zh", "差异未经检验")):
        words = TEXT[language]
        abstract = headline.abstract(summary, runs, SPECS, words["headline"], words["findings"])
        assert phrase in " ".join(abstract), language


def test_the_abstract_says_when_pca_wins():
    summary, runs = study(ae_sizes(spread=0.001), pca=0.01)
    abstract = headline.abstract(summary, runs, SPECS, EN["headline"], EN["findings"])
    assert abstract[-1].startswith("PCA with as many components reconstructs clearly better than 2")
    assert "ae at z = 2 and ae at z = 4" in abstract[-1]
    summary, runs = study(ae_sizes(spread=0.001), pca=0.05)
    abstract = headline.abstract(summary, runs, SPECS, EN["headline"], EN["findings"])
    assert not any("PCA" in sentence for sentence in abstract)


def test_figures_are_read_against_the_pixels_and_untested_from_one_seed():
    summary, _ = study(ae_sizes(spread=0.001))
    (sentence,) = figure_sentences(summary, EN["figure_reading"], EN["findings"])
    assert sentence.startswith("In the latent views of ae, the classes' silhouette is")
    assert "0.30 ± 0.00 at z = 2, above the pixels'" in sentence  # 3 seeds, all 0.3
    assert "0.51 ± 0.01 at z = 4, above the pixels'" in sentence
    assert sentence.endswith("give 0.01.")
    summary, _ = study(ae_sizes(spread=0.001, seeds=(0,)))
    (sentence,) = figure_sentences(summary, EN["figure_reading"], EN["findings"])
    assert "0.30 at z = 2 (one seed, untested)" in sentence
    # samples: how they were drawn, beside the test images scored the same way
    runs = [
        run("ae", 4, s, 0.02, sample_agreement=0.8 + 0.01 * s, sample_diversity=0.9)
        for s in range(2)
    ]
    summary, _ = study(runs)
    (sentence,) = figure_sentences(summary, EN["figure_reading"], EN["findings"])
    assert "from a Gaussian fitted to its training codes" in sentence
    assert "0.81 ± 0.01 at z = 4, below the test images'" in sentence  # 0.95
    zh = figure_sentences(summary, TEXT["zh"]["figure_reading"], TEXT["zh"]["findings"])
    assert "从拟合训练编码的高斯分布中采样" in zh[0]


def named(dataset):
    return {"mnist": "MNIST", "cifar10": "CIFAR-10"}.get(dataset, dataset)


def test_the_discussion_answers_only_what_the_seeds_test():
    vae = [
        run("vae", 20, s, 0.0150 + 0.0001 * s, kind="vae", interpolation_unevenness=1.5)
        for s in range(3)
    ]
    ae = [r | {"interpolation_unevenness": 2.5 + 0.1 * r["seed"]} for r in ae_sizes(0.001)]
    summary, _ = study(ae + vae)
    found = discussion(summary, SPECS, EN["discussion"], EN["findings"], named)
    questions = dict(found["questions"])
    size = questions["How the latent size matters."]
    assert size.startswith("All sizes of ae (2 and 4) reconstruct equally well within the spread")
    assert "furthest apart in the latent view at size 4 (silhouette 0.51 ± 0.01)" in size
    versus = questions["The autoencoder against the VAE."]
    assert "vae reconstructs with a test MSE of 0.0151 ± 0.0001 at z = 20" in versus
    assert (
        "against 0.0200 ± 0.0010 for ae at z = 2: the VAE's is lower, clear of the spreads"
        in versus
    )
    assert "interpolations is 1.50 ± 0.00 times the even step" in versus
    questions_mlp = questions["A fully connected network against a convolutional one."]
    assert questions_mlp.startswith("This study has no fully connected and convolutional")
    assert found["cannot_tell"] == [] and found["run_next"] == []
    # one seed, and the course's models on other data for fewer epochs
    specs = {m: dict(spec, dataset="digits", epochs=2) for m, spec in SPECS.items()}
    summary, _ = study([r for r in ae + vae if r["seed"] == 0])
    found = discussion(summary, specs, EN["discussion"], EN["findings"], named)
    versus = dict(found["questions"])["The autoencoder against the VAE."]
    assert "one seed on a side, untested" in versus and "clear of the spreads" not in versus
    assert found["cannot_tell"][0] == (
        "3 of the 3 settings that finished ran one seed: no difference of theirs is tested."
    )
    assert (
        "ae ran on digits for 2 epochs, where the course report ran MNIST for 100"
        in found["cannot_tell"][1]
    )
    assert [s.split(" ")[1] for s in found["run_next"]] == ["two", "the"]
    zh = discussion(summary, specs, TEXT["zh"]["discussion"], TEXT["zh"]["findings"], named)
    assert "差异均未经检验" in zh["cannot_tell"][0]


def test_a_setting_that_did_not_learn_is_named_in_the_discussion():
    runs = [run("ae", 2, s, 0.046) for s in range(2)] + [run("ae", 4, s, 0.02) for s in range(2)]
    summary, _ = study(runs)
    found = discussion(summary, {"ae": SPECS["ae"]}, EN["discussion"], EN["findings"], named)
    assert found["cannot_tell"] == [
        "These settings did not learn and answer no question: ae (z = 2)."
    ]
    assert found["run_next"][-1].startswith("Train the settings that did not learn for longer")
    assert pd.notna(summary[0]["did_not_learn"])
