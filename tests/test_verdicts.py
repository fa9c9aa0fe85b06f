"""No ranking without a baseline: each run is judged against the mean image, each
probe against chance, raw pixels and PCA, before any sentence ranks it."""

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from sklearn.metrics import roc_auc_score

from aestudy.evaluation.dataset_baseline import chance_accuracy, dataset_baseline
from aestudy.evaluation.intervals import bootstrap_interval
from aestudy.report import findings, headline
from aestudy.report.tables import records, summarize, summary_display
from aestudy.report.verdicts import against_chance, run_verdict
from conftest import REPO, run_record

TEXT = yaml.safe_load((REPO / "report/text/en.yaml").read_text(encoding="utf-8"))
WORDS = TEXT["findings"]
MEAN_MSE = 0.0466  # the smoke study's digits: the mean training image's test MSE
BASELINES = {
    "digits": dict(
        mean_mse=MEAN_MSE,
        colour_mse=0.0957,  # the digits' own mean grey: far weaker than the mean image
        yardstick="mean_image",
        yardstick_mse=MEAN_MSE,
        chance_accuracy=0.15,
        pixel_probe_accuracy=0.96,
        mean_anomaly_auc=0.9,
    )
}


run = run_record  # a finished run on the digits


def summary_of(runs, pca=None):
    return records(summarize(runs, pca or {}, BASELINES))


def test_a_run_is_judged_against_the_mean_image():
    assert run_verdict("ok", 0.0474, MEAN_MSE) == "did_not_learn"  # the smoke AE after 2 epochs
    assert run_verdict("ok", 0.0430, MEAN_MSE) == "did_not_learn"  # 8 % below: not clearly
    assert run_verdict("ok", 0.0300, MEAN_MSE) == "learned"
    assert run_verdict("diverged", None, MEAN_MSE) == "diverged"
    assert run_verdict("ok", 0.03, None) == "unjudged"
    summary = summary_of([run("ae", 2, s, 0.047) for s in range(2)] + [run("ae", 4, 0, 0.02)])
    assert [(r["latent_dim"], r["did_not_learn"]) for r in summary] == [(2, 2), (4, 0)]
    assert summary[0]["mean_mse"] == MEAN_MSE and summary[0]["chance_accuracy"] == 0.15
    # the summary table marks them beside the number of runs
    shown = summary_display(pd.DataFrame(summary), TEXT["table_headers"], TEXT["run_outcomes"])
    assert list(shown[TEXT["table_headers"]["runs"]]) == ["2 (2 did not learn)", "1"]


def test_a_size_that_did_not_learn_is_named_and_never_ranked():
    # size 2 is at the mean image, sizes 4 and 7 learned; PCA beside every size
    runs = [run("ae", 2, s, 0.0470 + s * 1e-4, probe_accuracy=0.9) for s in range(2)]
    runs += [run("ae", 4, s, 0.020 + s * 1e-4, probe_accuracy=0.5) for s in range(2)]
    runs += [run("ae", 7, s, 0.030 + s * 1e-4, probe_accuracy=0.6) for s in range(2)]
    pca = {("digits", z): {"test_mse": 0.025} for z in (2, 4, 7)}
    summary = summary_of(runs, pca)
    sentences = findings.model_findings(summary, WORDS)
    assert sentences[0].startswith("ae did not learn at latent size 2 (0.0471 ± 0.0001; 2 of 2")
    assert "left out of every ranking" in sentences[0]
    ranked = " ".join(sentences[1:])
    assert "latent size 4 reconstructs best" in ranked and "size 7 is worst" in ranked
    assert "size 2" not in ranked.split("linear probe")[0]  # not in ranking nor in the PCA part
    # its probe, though highest, is not the model's best
    specs = {"ae": {"kind": "ae", "dataset": "digits", "epochs": 100}}
    sections = dict(
        (family, (found, limits))
        for family, found, limits in findings.conclusions(summary, runs, specs, WORDS, 10)
    )
    found = sections["ae"][0]
    assert found[0] == (
        "ae did not learn at latent size 2: its test MSE is not clearly below that of the "
        "mean training image (0.0466)."
    )
    assert any("at latent size 7 reaches 0.60" in s for s in found)
    overall = " ".join(sections["overall"][0])
    assert "did not learn" in overall and "ae (z = 2)" in overall
    assert "from ae at latent size 2" not in overall
    assert "every one beat the mean image" not in overall


def test_a_study_where_nothing_learned_ranks_nothing():
    runs = [
        run(m, z, s, 0.0475, probe_accuracy=0.16)
        for m in ("ae", "dae")
        for z in (2, 4)
        for s in range(2)
    ]
    summary = summary_of(runs, {("digits", z): {"test_mse": 0.02} for z in (2, 4)})
    for model in ("ae", "dae"):
        sentences = findings.model_findings([r for r in summary if r["model"] == model], WORDS)
        assert len(sentences) == 1 and sentences[0].startswith(f"{model} did not learn")
    specs = {m: {"kind": "ae", "dataset": "digits", "epochs": 100} for m in ("ae", "dae")}
    sections = findings.conclusions(summary, runs, specs, WORDS, 10)
    text = " ".join(s for _, found, _ in sections for s in found)
    for ranking in (
        "reconstructs best",
        "equally well",
        "against PCA",
        "Against PCA",
        "linear probe",
    ):
        assert ranking not in text, ranking
    abstract = headline.abstract(summary, runs, specs, TEXT["headline"], WORDS)
    assert "0 of 8 runs beat their data set's baseline clearly" in abstract[-1]
    assert "did not learn at any latent size" in abstract[1]


def test_probes_are_set_beside_chance_pixels_and_pca():
    assert against_chance(0.16, 0.12, 0.20, 0.15) == "at"
    assert against_chance(0.38, 0.30, 0.45, 0.5) == "below"
    assert against_chance(0.72, 0.67, 0.77, 0.15) == "above"
    runs = [
        run(
            "ae", 4, 0, 0.03, probe_accuracy=0.16, probe_accuracy_low=0.12, probe_accuracy_high=0.2
        ),
        run(
            "ae",
            196,
            0,
            0.03,
            probe_accuracy=0.92,
            probe_accuracy_low=0.89,
            probe_accuracy_high=0.95,
        ),
    ]
    pca = {
        ("digits", 4): {"test_mse": 0.02, "probe_accuracy": 0.84},
        ("digits", 196): {"test_mse": 0.02},
    }
    sentences = findings.model_findings(summary_of(runs, pca), WORDS)
    probe = next(s for s in sentences if s.startswith("A linear probe"))
    assert "(chance 0.15, a probe on the raw pixels 0.96)" in probe
    assert (
        "size 4: 0.16 (0.12–0.20), not clearly above chance; PCA codes of this size 0.84" in probe
    )
    assert "size 196: 0.92 (0.89–0.95), above chance" in probe
    assert any("At latent size 196, the code of ae is a feature map" in s for s in sentences)
    # the 196-value map is not ranked with the 4-value code in the conclusions
    specs = {"ae": {"kind": "ae", "dataset": "digits", "epochs": 100}}
    _, found, _ = findings.conclusions(summary_of(runs, pca), runs, specs, WORDS, 10)[-1]
    compact = next(s for s in found if "the one compact code probed" in s)
    assert "that of ae at latent size 4" in compact and "raw pixels 0.96, chance 0.15" in compact
    assert any("the 196-value feature map of ae" in s for s in found)
    # a conditional model's probe is read as what the code holds beside the label
    cvae = [run("cvae", 4, 0, 0.03, kind="cvae", probe_accuracy=0.3)]
    assert any(
        "is given each image's class" in s for s in findings.model_findings(summary_of(cvae), WORDS)
    )


def test_the_best_probe_is_clear_of_one_seed_rows_by_their_bootstrap_intervals():
    """Two seeds at 0.944 ± 0.007 are clearly above one seed at 0.64 (0.59–0.69), but
    not above one seed whose interval reaches them."""
    specs = {m: {"kind": "ae", "dataset": "digits", "epochs": 100} for m in ("vae", "cae")}

    def probes(other_high):
        runs = [run("vae", 20, s, 0.013, probe_accuracy=0.944 + 0.01 * s) for s in range(2)]
        runs.append(
            run(
                "cae",
                4,
                0,
                0.03,
                probe_accuracy=0.64,
                probe_accuracy_low=0.59,
                probe_accuracy_high=other_high,
            )
        )
        pca = {("digits", 20): {"test_mse": 0.003}, ("digits", 4): {"test_mse": 0.02}}
        _, found, _ = findings.conclusions(summary_of(runs, pca), runs, specs, WORDS, 10)[-1]
        return next(s for s in found if s.startswith("On digits, among codes"))

    assert "best from vae at latent size 20" in probes(0.69)
    assert "clear of the others" in probes(0.69)
    assert "not clearly above cae at size 4 (0.64 (0.59–0.95))" in probes(0.95)


def test_a_baseline_near_zero_is_compared_in_absolute_terms():
    pca = {("digits", 196): {"test_mse": 3e-9}}
    # a run that did not learn (the smoke VQ-VAE's 0.1143) is not compared at all
    did_not_learn = findings.model_findings(summary_of([run("vq", 196, 0, 0.1143)], pca), WORDS)
    assert not any("PCA" in s for s in did_not_learn)
    runs = [run("vq", 196, 0, 0.0100)]
    (sentence,) = [s for s in findings.model_findings(summary_of(runs, pca), WORDS) if "PCA" in s]
    assert "size 196, +0.0100 (0.0100 against 3.0e-09, a PCA of this size reconstructs" in sentence
    assert "%" not in sentence


def test_overfitting_is_judged_only_after_enough_epochs():
    two = [(1, 0.060, 0.045), (2, 0.050, 0.040)]  # test below train, 2 epochs
    sentence = findings.overfitting("ae", {(4, 0): two}, WORDS, short_epochs=10)
    assert sentence.startswith("2 epochs are too few to judge overfitting of ae")
    assert "no sign of overfitting" not in sentence
    assert "A test loss below the train loss is expected here" in sentence
    long = [(e, 0.05 - e * 1e-3, 0.04 - e * 1e-3) for e in range(1, 21)]
    assert "no sign of overfitting" in findings.overfitting("ae", {(4, 0): long}, WORDS, 10)


def test_one_seed_gets_a_bootstrap_interval_from_the_test_set():
    rng = np.random.default_rng(0)
    correct = rng.random(300) < 0.7
    low, high = bootstrap_interval(correct, np.mean, seed=3)
    assert low < correct.mean() < high and 0.08 < high - low < 0.13  # about ± 1.96 √(.21/300)
    assert (low, high) == bootstrap_interval(correct, np.mean, seed=3)
    labels = np.r_[np.zeros(270), np.ones(30)].astype(bool)  # the 1s of the digits: 10 %
    scores = rng.normal(size=300) + labels
    low, high = bootstrap_interval(scores, roc_auc_score, 0, paired=labels)
    assert low < roc_auc_score(labels, scores) < high


def test_the_dataset_baseline_by_hand():
    images = torch.tensor([[0, 0], [255, 255], [255, 0], [0, 255]], dtype=torch.uint8)
    images = images.reshape(4, 1, 1, 2)
    data = dict(
        name="tiny",
        train_images=images.repeat(5, 1, 1, 1),
        train_labels=torch.tensor([0, 1, 1, 0] * 5),
        test_images=images,
        test_labels=torch.tensor([0, 1, 1, 1]),
        normal_classes=[0, 1],
    )
    found = dataset_baseline(data, probe_train_size=20)
    # the mean image is 0.5 everywhere: every pixel is 0.5 away
    assert found["mean_mse"] == pytest.approx(0.25)
    # an image's own mean grey: exact for the even images, 0.5 away for the others
    assert found["colour_mse"] == pytest.approx(0.125)
    assert (found["yardstick"], found["yardstick_mse"]) == ("own_colour", found["colour_mse"])
    assert found["chance_accuracy"] == 0.75 == chance_accuracy([0, 1, 1, 1])
    assert (found["train_images"], found["test_images"]) == (20, 4)
    assert 0 <= found["pixel_probe_accuracy"] <= 1
    assert found["anomalous_classes"] == [] and "mean_anomaly_auc" not in found  # all normal
    data["normal_classes"] = [1]  # now the 0 is the anomaly, and it sits at the mean
    found = dataset_baseline(data, probe_train_size=20)
    assert found["anomalous_classes"] == [0]
    # each image is 0.25 from the mean: no distance tells the anomaly apart
    assert found["mean_anomaly_auc"] == pytest.approx(0.5)


def test_a_variant_is_set_beside_its_plain_model_by_what_differs():
    names = dict(settings=TEXT["setting_names"], corruption=TEXT["methods"]["corruption"])
    noise = {"type": "gaussian", "factor": 0.3, "drop_fraction": 0.25}
    specs = {
        "ae": {"kind": "ae", "dataset": "digits", "epochs": 100, "lr": 0.002},
        "dae": {"kind": "dae", "dataset": "digits", "epochs": 100, "lr": 0.003, "noise": noise},
    }
    ae = [run("ae", 4, s, 0.0312 + 0.002 * s, denoised_psnr=14.0 + s) for s in range(2)]

    def variant(mse, psnr):
        runs = [*ae, run("dae", 4, 0, mse, kind="dae", denoised_psnr=psnr)]
        sections = findings.conclusions(summary_of(runs), runs, specs, WORDS, 10, names)
        found = dict((family, f) for family, f, _ in sections)["regularised_ae"]
        return [s for s in found if s.startswith("dae differs from ae")]

    [sentence] = variant(0.0400, 14.4)
    assert "in training corruption (Gaussian noise of standard deviation 0.3" in sentence
    assert "and learning rate (0.003 against 0.002)" in sentence
    # one seed of the variant tests no difference, whichever side of the spread it lies
    assert "its test MSE is 0.0400 against 0.0322 ± 0.0014, from one seed, so the" in sentence
    assert "14.40 dB against 14.50 ± 0.71 dB, from one seed, so the difference" in sentence
    assert variant(0.0300, 16.0)[0].count("from one seed, so the difference is not tested") == 2
    assert variant(0.0460, 16.0) == []  # it did not learn: it is not compared
    runs = [*ae, run("dae", 4, 0, 0.03, kind="dae")]
    without_names = findings.conclusions(summary_of(runs), runs, specs, WORDS, 10)
    assert not any("differs from" in s for _, found, _ in without_names for s in found)


def test_a_discrete_code_is_not_counted_against_pca():
    """A VQ-VAE's latent size counts the values of its quantised map: PCA of as many
    components is a far larger code. The comparison carries that caveat first and
    the count against PCA leaves it out, saying so."""
    pca = {("digits", 196): {"test_mse": 0.02}}
    runs = [run("vq_vae", 196, s, 0.0100 + 0.0001 * s, kind="vq_vae") for s in range(2)]
    summary = summary_of(runs, pca)
    sentences = [s for s in findings.model_findings(summary, WORDS) if "PCA" in s]
    assert sentences[0].startswith("vq_vae's code is one index into its codebook")
    assert "clearly better at size 196" in sentences[1]
    specs = {"vq_vae": {"kind": "vq_vae", "dataset": "digits", "epochs": 100}}
    found, limits = dict(
        (f, (a, b)) for f, a, b in findings.conclusions(summary, runs, specs, WORDS, 10)
    )["overall"]
    assert not any("Against PCA with as many components" in s for s in found)
    assert "vq_vae: left out of the count against PCA, since their code is discrete." in limits


def test_one_interval_rule_for_every_number_with_no_spread():
    """Chance, like PCA's MSE, is a number with no spread: a setting differs from it
    when mean ± std over seeds leaves it out, or one seed's bootstrap interval
    does; the probes and the anomaly AUCs follow the same rule."""
    from aestudy.report.verdicts import spread_or_bootstrap

    two_seeds = dict(probe_accuracy_mean=0.69, probe_accuracy_std=0.17)
    assert spread_or_bootstrap(two_seeds, "probe_accuracy") == pytest.approx((0.52, 0.86))
    one_seed = dict(
        probe_accuracy_mean=0.7,
        probe_accuracy_std=None,
        probe_accuracy_low_mean=0.6,
        probe_accuracy_high_mean=0.8,
    )
    assert spread_or_bootstrap(one_seed, "probe_accuracy") == (0.6, 0.8)
    bare = dict(probe_accuracy_mean=0.7, probe_accuracy_std=None)
    assert spread_or_bootstrap(bare, "probe_accuracy") == (None, None)
    assert findings.probe_against_chance(dict(two_seeds, chance_accuracy=0.5)) == "above"
    assert findings.probe_against_chance(dict(two_seeds, chance_accuracy=0.6)) == "at"
