"""Every reported metric checked by its value: each test fails when the computation
behind a number in metrics.json or a sentence of the report is wrong, not only when
the number leaves a plausible range."""

import json
import math

import numpy as np
import pytest
import torch
from scipy.stats import entropy

from aestudy.data.prepared import derive_normal_dataset, to_float
from aestudy.evaluation.anomaly import anomaly_metrics, anomaly_scores, detection_metrics
from aestudy.evaluation.metrics import evaluate_model
from aestudy.kinds import build_model
from aestudy.kinds.losses import kl_per_image
from aestudy.kinds.vae.model import kl_per_dimension
from aestudy.report import downstream
from aestudy.report.tables import summarize
from aestudy.training.loop import seed_everything
from conftest import REPO, model_spec, run_record

# -- the VQ-VAE's codebook perplexity and codes used --------------------------------


def test_codebook_perplexity_is_exp_entropy_of_code_counts():
    model = build_model(model_spec("vq_vae", codebook_size=4), (1, 28, 28), 196)
    # the mean counts per image, as evaluate_model passes them: float64
    counts = torch.tensor([2.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    found = model.summary_metrics({"code_usage": counts})
    # shares 1/2, 1/4, 1/4, 0: H = 1/2 ln 2 + 2 * 1/4 ln 4 = 1.5 ln 2, exp(H) = 2^1.5
    assert found["codebook_perplexity"] == pytest.approx(2**1.5, rel=1e-12)
    assert found["codes_used"] == 0.75  # 3 of 4 codes
    # perplexity ignores the scale of the counts: the mean per image is as good
    halved = model.summary_metrics({"code_usage": counts / 2})
    assert halved["codebook_perplexity"] == pytest.approx(2**1.5, rel=1e-12)
    uniform = model.summary_metrics({"code_usage": torch.ones(4, dtype=torch.float64)})
    assert uniform["codebook_perplexity"] == pytest.approx(4.0) and uniform["codes_used"] == 1.0


def test_reported_code_usage_and_perplexity_match_the_nearest_codes(digits):
    seed_everything(0)
    model = build_model(model_spec("vq_vae"), (1, 28, 28), 196)
    images = to_float(digits["test_images"][:60])
    with torch.no_grad():
        z_e = model.encoder(images)
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, z_e.shape[1])
        # a codebook drawn from the encoder's outputs, so that many codes are used,
        # unevenly (an untrained codebook maps nearly every position to one code)
        chosen = torch.randperm(len(flat), generator=torch.Generator().manual_seed(0))[:64]
        model.quantizer.codebook.copy_(flat[chosen])
        nearest = torch.cdist(flat, model.quantizer.codebook).argmin(1)
    counts = np.bincount(nearest.numpy(), minlength=64)
    metrics, _ = evaluate_model(model, images, 0, 1, batch_size=25)
    assert np.allclose(metrics["code_usage"], counts / len(images))  # codes per image
    assert 10 < (counts > 0).sum() < 64
    assert metrics["codebook_perplexity"] == pytest.approx(math.exp(entropy(counts)), rel=1e-9)
    assert metrics["codes_used"] == pytest.approx((counts > 0).mean())


# -- anomaly detection: precision, recall, F1, AUC, and the -ELBO score -------------


def test_detection_metrics_by_hand():
    validation = np.array([0.0, 1.0, 2.0])  # mean 1, std (n - 1) 1: threshold 1 + 3 = 4
    test = np.array([0.5, 4.5, 3.0, 3.5, 5.0, 6.0, 2.0])
    anomalous = np.array([False, False, True, True, True, True, False])
    found = detection_metrics(validation, test, anomalous)
    assert found["threshold"] == pytest.approx(4.0)
    # flagged above 4: 4.5 (normal), 5.0, 6.0 (anomalies); 3.0 and 3.5 are missed
    assert found["precision"] == pytest.approx(2 / 3)
    assert found["recall"] == pytest.approx(2 / 4)
    assert found["f1"] == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    # 10 of the 12 (anomaly, normal) pairs put the anomaly higher
    assert found["auc"] == pytest.approx(10 / 12)


def per_image(mse, elbo):
    return dict(test_mse=torch.tensor(mse), elbo=torch.tensor(elbo))


def test_both_anomaly_scores_rank_the_anomalies_higher():
    """Anomalies: larger reconstruction error and lower ELBO than the normal images."""
    validation = per_image([0.01, 0.02, 0.03], [-100.0, -110.0, -120.0])
    test = per_image([0.01, 0.02, 0.04, 0.2, 0.3], [-100.0, -105.0, -115.0, -300.0, -400.0])
    scores = anomaly_scores(test)
    assert np.array_equal(scores["neg_elbo"], [100.0, 105.0, 115.0, 300.0, 400.0])
    labels = [0, 1, 0, 7, 7]  # class 7 was not trained on
    found = anomaly_metrics(anomaly_scores(validation), scores, labels, [0, 1])
    for prefix in ("anomaly", "anomaly_elbo"):
        assert found[f"{prefix}_auc"] == 1.0
        assert found[f"{prefix}_precision"] == found[f"{prefix}_recall"] == 1.0
        assert found[f"{prefix}_f1"] == 1.0
    assert found["anomaly_threshold"] == pytest.approx(0.05)
    assert found["anomaly_elbo_threshold"] == pytest.approx(140.0)  # 110 + 3 * 10


# -- what evaluate_run reports for runs trained by train_autoencoder ---------------


def evaluation_settings(**changes):
    from aestudy.config import resolve_config

    raw = {"models": {"m": {"kind": "ae"}}}
    return dict(resolve_config(raw, check_paths=False)["evaluation"], **changes)


def train_and_evaluate(folder, dataset, name, spec, latent_dim, untrained=False):
    """Train a run with the pipeline's training script and evaluate it with its
    evaluation script: (metrics.json, scores.npz). `untrained`: the same run's
    weights file holding the freshly initialised weights instead."""
    import evaluate_run
    import train_autoencoder

    from aestudy.checksums import digest

    dataset_path = folder / f"{dataset['name']}.pt"
    if not dataset_path.exists():
        torch.save(dataset, dataset_path)
    run = dict(model=name, latent_dim=latent_dim, seed=0)
    weights = folder / f"{name}.pt"
    files = train_autoencoder.RunFiles(
        weights,
        folder / f"{name}.csv",
        folder / f"{name}.architecture.json",
        folder / f"{name}.ckpt",
    )
    train_autoencoder.main(dataset_path, spec, [run], [files], log=lambda _: None)
    if untrained:
        record = torch.load(weights, weights_only=True)
        seed_everything(0)  # as the training script starts
        fresh = build_model(spec, (1, 28, 28), latent_dim).state_dict()
        record.update(state_dict=fresh, weights_sha256=digest(fresh))
        torch.save(record, weights)
    evaluate_run.main(
        dataset_path,
        weights,
        folder / f"{name}.csv",
        folder / f"{name}.json",
        folder / f"{name}.npz",
        run,
        evaluation_settings(iw_samples=5),
        log=lambda _: None,
    )
    return json.loads((folder / f"{name}.json").read_text()), np.load(folder / f"{name}.npz")


@pytest.fixture(scope="module")
def runs(digits, tmp_path_factory):
    """A small AE trained on the digits and the same run untrained; a small VAE
    trained on the digits without the 0s: {name: (metrics, scores)}."""
    folder = tmp_path_factory.mktemp("metric_values")
    ae = model_spec("ae", hidden=[64], epochs=20)
    vae = model_spec("vae", hidden=[64], epochs=15)
    no_zeros = derive_normal_dataset(digits, "no_zeros", list(range(1, 10)), 0.1, 0)
    return dict(
        trained=train_and_evaluate(folder, digits, "ae", ae, 8),
        untrained=train_and_evaluate(folder, digits, "ae_untrained", ae, 8, untrained=True),
        vae=train_and_evaluate(folder, no_zeros, "vae", vae, 4),
    )


def test_training_makes_the_codes_know_the_digits_better(runs):
    """An untrained network's codes (a random projection) already tell the digits
    apart fairly well: the trained ones must do clearly better, not just beat 0.5."""
    trained, untrained = runs["trained"][0], runs["untrained"][0]
    for metric in ("probe_accuracy", "knn_accuracy"):
        assert trained[metric] > 0.85
        assert trained[metric] > untrained[metric] + 0.1  # 0.92 vs 0.65, 0.95 vs 0.75


def test_a_held_out_class_scores_higher_by_error_and_by_neg_elbo(runs):
    """The 0s, held out of the VAE's training: reconstructed worse, and less likely
    (lower ELBO, so a higher -ELBO score) than the digits it saw."""
    metrics, scores = runs["vae"]
    assert metrics["anomaly_auc"] > 0.85 and metrics["anomaly_elbo_auc"] > 0.85
    anomalous = scores["test_anomalous"]
    assert set(scores["test_labels"][anomalous]) == {0}
    for name in ("recon", "neg_elbo"):
        assert scores[f"test_{name}"][anomalous].mean() > scores[f"test_{name}"][~anomalous].mean()


def test_every_run_carries_its_diagnostics_and_training_shows_in_them(runs):
    """The evaluation script writes every diagnostic (evaluation/diagnostics.py): the
    dead units of each ReLU layer, the loss history's rises and fall, the codes'
    principal axis, the interpolation's unevenness, the samples' scores."""
    trained, untrained, vae = runs["trained"][0], runs["untrained"][0], runs["vae"][0]
    # hidden [64]: a ReLU layer of 64 units in the encoder, one in the decoder
    assert [layer["units"] for layer in trained["relu_layers"]] == [64, 64]
    assert trained["dead_units"] == " ".join(
        f"{layer['dead']}/{layer['units']}" for layer in trained["relu_layers"]
    )
    assert trained["dead_share_max"] == max(
        layer["dead"] / layer["units"] for layer in trained["relu_layers"]
    )
    assert 0 < trained["train_loss_fall"] < 1 and 0 <= trained["train_loss_rises"] < 0.5
    assert 0 < trained["code_pc1_share"] < 1 and trained["code_spread"] > 0
    assert 1 <= trained["interpolation_unevenness"] < 9
    # the AE's samples come from a Gaussian fitted to its codes, the VAE's from its prior
    for metrics in (trained, vae):
        assert 0.2 < metrics["sample_agreement"] <= 1 and 0 < metrics["sample_diversity"] <= 1
    # an untrained network's decodes are near one grey image, whatever the code:
    # its samples' neighbours gather in few classes
    assert untrained["sample_diversity"] < trained["sample_diversity"]


# -- the VAE's KL per latent dimension ----------------------------------------------


def test_kl_per_dimension_is_the_closed_form_and_sums_to_kl_per_image():
    torch.manual_seed(0)
    mean, logvar = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    per_dimension = kl_per_dimension(mean, logvar)
    assert per_dimension.shape == (5, 3)
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, (0.5 * logvar).exp()), torch.distributions.Normal(0, 1)
    )
    assert torch.allclose(per_dimension, expected)
    assert torch.allclose(per_dimension.sum(1), kl_per_image(mean, logvar))


def test_reported_kl_profile_sums_to_the_reported_kl(runs):
    metrics = runs["vae"][0]
    assert len(metrics["kl_per_dimension"]) == 4
    assert sum(metrics["kl_per_dimension"]) == pytest.approx(metrics["kl"], rel=1e-6)
    assert metrics["active_units"] == sum(kl > 0.01 for kl in metrics["kl_per_dimension"])


# -- the report's sentences on the downstream tasks ---------------------------------


def downstream_words():
    import yaml

    text = yaml.safe_load((REPO / "report/text/en.yaml").read_text(encoding="utf-8"))
    return text["downstream"]


def run_row(model, latent_dim, seed, dataset="digits", kind="ae", **metrics):
    return run_record(model, latent_dim, seed, 0.03, kind, dataset, **metrics)


def test_anomaly_sentences_judge_the_auc_against_chance_and_the_mean_image():
    """Over seeds, two standard deviations either side; with one seed, the bootstrap
    interval over the test images; an AUC below chance is said as such; and every
    AUC is set beside the distance from the mean image, which needs no training."""
    words = downstream_words()
    aucs = {
        "clear": [dict(anomaly_auc=a) for a in (0.95, 0.97)],  # 0.96 ± 2 * 0.014
        "spread": [dict(anomaly_auc=a) for a in (0.55, 0.85)],  # 0.70 - 2 * 0.21 = 0.28
        "inverted": [dict(anomaly_auc=a) for a in (0.30, 0.32)],  # 0.31 + 2 * 0.014 < 0.5
        "one_seed_below": [dict(anomaly_auc=0.38, anomaly_auc_low=0.30, anomaly_auc_high=0.45)],
        "one_seed_at": [dict(anomaly_auc=0.62, anomaly_auc_low=0.45, anomaly_auc_high=0.78)],
    }
    runs = [
        run_row(model, 8, seed, anomaly_f1=0.5, **metrics)
        for model, values in aucs.items()
        for seed, metrics in enumerate(values)
    ]
    runs.append(run_row("no_anomaly_data", 8, 0))  # a model without the task: no sentence
    baselines = {"digits": {"mean_anomaly_auc": 0.90}}
    sentences = downstream.anomaly_findings(summarize(runs, {}, baselines), words)
    found = {sentence.split(" ")[0]: sentence for sentence in sentences}
    assert set(found) == set(aucs)
    expected = dict(
        clear="above", spread="at", inverted="below", one_seed_below="below", one_seed_at="at"
    )
    for model, verdict in expected.items():
        assert words["verdicts"][verdict] in found[model], model
        others = set(words["verdicts"]) - {verdict}
        assert not any(words["verdicts"][v] in found[model] for v in others), model
    assert "an AUC of 0.96 ± 0.01" in found["clear"]
    assert "an AUC of 0.38 (0.30–0.45)" in found["one_seed_below"]
    mean_image = words["against_mean_image"]
    assert mean_image["above"].format(auc="0.90") in found["clear"]  # 0.93 > 0.90
    assert mean_image["at"].format(auc="0.90") in found["spread"]
    assert mean_image["below"].format(auc="0.90") in found["one_seed_below"]
    # the negative ELBO gets its own sentence where the kind has one
    vae = [run_row("vae_anomaly", 4, 0, kind="vae", anomaly_auc=0.9, anomaly_elbo_auc=0.4)]
    scores = downstream.anomaly_findings(summarize(vae, {}), words)
    assert [
        words["scores"]["anomaly"] in scores[0],
        words["scores"]["anomaly_elbo"] in scores[1],
    ] == [
        True,
        True,
    ]
    assert words["verdicts"]["below"] in scores[1]
    # a likelihood that ranks the held-out class as more normal is explained, once
    assert "gives the held-out images a higher likelihood" in scores[1]
    assert scores[1].endswith("[@nalisnick2019].") and "higher likelihood" not in scores[0]


def test_denoising_sentences_give_the_gain_and_the_plain_peers_of_the_same_size():
    words = downstream_words()
    runs = [
        run_row("dae", 8, 0, kind="dae", denoised_psnr=18.0),
        run_row("dae", 8, 1, kind="dae", denoised_psnr=19.0),
        run_row("dae", 16, 0, kind="dae", denoised_psnr=17.0),
        run_row("ae", 8, 0, denoised_psnr=14.0),
        run_row("ae", 4, 0, denoised_psnr=13.0),  # another size: no peer
        run_row("cifar_ae", 8, 0, dataset="cifar", denoised_psnr=21.0),  # other data
    ]
    pca = {
        (dataset, z): dict(noisy_psnr=15.0, denoised_psnr=16.0)
        for dataset in ("digits", "cifar")
        for z in (4, 8, 16)
    }
    specs = {"dae": {"noise": {}}, "ae": {}, "cifar_ae": {}}
    sentences = downstream.denoising_findings(summarize(runs, pca), specs, words)
    assert len(sentences) == 2  # the denoising model's sizes only
    eight, sixteen = sentences
    assert eight.startswith("dae (latent size 8)")
    assert "at 18.50 ± 0.71 dB, +3.50 dB from the corrupted images themselves (15.00 dB)" in eight
    assert "PCA of the same size reaches 16.00 dB" in eight
    assert eight.endswith("; ae 14.00 dB.")
    assert "+2.00 dB" in sixteen and words["no_peer"] in sixteen
