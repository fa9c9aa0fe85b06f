"""The seeds' other methods, checked as a reader would: a denoising autoencoder
denoises better than the corrupted input and than a plain autoencoder fed the
same corrupted images; the contractive penalty falls as its weight rises; and
anomaly detection by reconstruction error finds a clearly different class."""

import pytest
import torch

from aestudy.data.corruption import corrupt, fixed_corruption
from aestudy.data.prepared import derive_normal_dataset, to_float
from aestudy.evaluation.anomaly import anomaly_metrics, anomaly_scores
from aestudy.evaluation.metrics import evaluate_model, psnr_per_image
from aestudy.kinds import build_model
from aestudy.kinds.cae.model import jacobian_penalty
from aestudy.training.loop import seed_everything, train_autoencoder
from conftest import model_spec

NOISE = dict(type="gaussian", factor=0.5, drop_fraction=0.5, seed=0)


def trained(kind, images, epochs=15, latent_dim=8, **settings):
    spec = model_spec(kind, epochs=epochs, **settings)
    seed_everything(0)
    model = build_model(spec, tuple(images.shape[1:]), latent_dim)
    train_autoencoder(model, spec, images, images[:64], 0, log=lambda _: None)
    return model


def test_corruption_is_clipped_and_the_test_draw_is_fixed():
    images = torch.rand(20, 1, 28, 28)
    noisy = fixed_corruption(images, NOISE)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not torch.equal(noisy, images)
    assert torch.equal(noisy, fixed_corruption(images, NOISE))  # the same for every run
    masked = corrupt(
        images, dict(NOISE, type="masking", drop_fraction=0.25), torch.Generator().manual_seed(1)
    )
    dropped = (masked == 0).float().mean().item()
    assert 0.2 < dropped < 0.3 and torch.equal(masked[masked > 0], images[masked > 0])


def test_the_denoising_autoencoder_denoises_best(digits):
    train, test = to_float(digits["train_images"]), to_float(digits["test_images"])
    noisy_psnr = psnr_per_image(fixed_corruption(test, NOISE), test).mean().item()
    plain, _ = evaluate_model(trained("ae", train), test, 0, 1, denoising=NOISE)
    denoising, _ = evaluate_model(trained("dae", train), test, 0, 1, denoising=NOISE)
    assert denoising["denoised_psnr"] > noisy_psnr + 3.0  # dB
    assert denoising["denoised_psnr"] > plain["denoised_psnr"]


def test_the_contractive_penalty_is_the_exact_jacobian_norm():
    torch.manual_seed(0)
    model = build_model(model_spec("cae"), (1, 28, 28), 5)
    x = torch.rand(6, 784)
    penalty, code = jacobian_penalty(model.encoder, x)
    jacobian = torch.func.vmap(torch.func.jacrev(model.encoder))(x)
    assert torch.allclose(penalty, jacobian.pow(2).sum((1, 2)), rtol=1e-5)
    assert torch.allclose(code, model.encoder(x))


def test_the_contractive_penalty_falls_as_its_weight_rises(digits):
    train, test = to_float(digits["train_images"]), to_float(digits["test_images"])
    penalties = [
        evaluate_model(trained("cae", train, epochs=8, contraction_weight=w), test, 0, 1)[0][
            "contractive_penalty"
        ]
        for w in (0.0, 0.01, 1.0)
    ]
    assert penalties[0] > penalties[1] > penalties[2]
    assert penalties[0] > 10 * penalties[1]  # a weight of 0.01 already contracts much


def test_a_clearly_different_held_out_class_is_found(digits):
    """Digits without the 1s: a 1 is reconstructed worse than the digits seen."""
    dataset = derive_normal_dataset(digits, "no_ones", [0, 2, 3, 4, 5, 6, 7, 8, 9], 0.1, 0)
    assert 1 not in dataset["train_labels"] and 1 not in dataset["validation_labels"]
    assert (dataset["test_labels"] == 1).any()
    model = trained("ae", to_float(dataset["train_images"]), epochs=10)
    _, test = evaluate_model(model, to_float(dataset["test_images"]), 0, 1)
    _, validation = evaluate_model(model, to_float(dataset["validation_images"]), 0, 1)
    found = anomaly_metrics(
        anomaly_scores(validation),
        anomaly_scores(test),
        dataset["test_labels"],
        dataset["normal_classes"],
    )
    assert found["anomaly_auc"] > 0.75
    assert 0 <= found["anomaly_f1"] <= 1 and found["anomaly_threshold"] > 0


def test_the_validation_split_is_seeded_and_disjoint(digits):
    first = derive_normal_dataset(digits, "a", [0, 2, 3], 0.2, seed=0)
    again = derive_normal_dataset(digits, "a", [0, 2, 3], 0.2, seed=0)
    other = derive_normal_dataset(digits, "a", [0, 2, 3], 0.2, seed=1)
    assert first["checksum"] == again["checksum"] != other["checksum"]
    normal = torch.isin(digits["train_labels"], torch.tensor([0, 2, 3])).sum().item()
    assert len(first["validation_images"]) == round(0.2 * normal)
    assert len(first["train_images"]) + len(first["validation_images"]) == normal
    assert set(first["train_labels"].tolist()) == {0, 2, 3}


@pytest.mark.parametrize("kind", ["dae", "cnn_dae"])
def test_a_denoising_model_corrupts_in_training_only(kind):
    spec = model_spec(kind)
    shape = (1, 28, 28) if kind == "dae" else (3, 32, 32)
    model = build_model(spec, shape, 64 if kind == "cnn_dae" else 4)
    x = torch.rand(3, *shape)
    model.eval()
    assert torch.equal(model(x), model(x))  # evaluation: the plain autoencoder
    model.train()
    torch.manual_seed(0)
    first = model(x)
    assert not torch.equal(first, model(x))  # training: a new corruption each time


def trained_with_labels(kind, data, latent_dim, epochs=10, **settings):
    images, labels = to_float(data["train_images"]), data["train_labels"]
    spec = model_spec(kind, epochs=epochs, **settings)
    seed_everything(0)
    model = build_model(spec, tuple(images.shape[1:]), latent_dim)
    train_autoencoder(
        model,
        spec,
        images,
        images[:64],
        0,
        log=lambda _: None,
        train_labels=labels,
        test_labels=labels[:64],
    )
    return model


def test_active_units_fall_as_beta_rises(digits):
    """The β-VAE: a heavier KL term switches latent dimensions off."""
    test, labels = to_float(digits["test_images"]), digits["test_labels"]
    active = []
    for beta in (1.0, 4.0, 16.0):
        model = trained_with_labels("vae", digits, 10, beta=beta, hidden=[256])
        metrics, _ = evaluate_model(model, test, 0, 5, labels=labels)
        kl = torch.tensor(metrics["kl_per_dimension"])
        assert metrics["active_units"] == (kl > 0.01).sum().item() and len(kl) == 10
        active.append(metrics["active_units"])
    assert active[0] >= active[1] >= active[2] and active[0] > active[2]


def test_conditional_samples_are_of_the_class_asked_for(digits):
    """A logistic regression trained on the same digits reads the class the
    conditional VAE was given in its samples far more often than chance (1 in 10)."""
    from sklearn.linear_model import LogisticRegression

    from aestudy.evaluation.generation import class_samples

    images = to_float(digits["train_images"]).flatten(1).numpy()
    classifier = LogisticRegression(max_iter=500).fit(images, digits["train_labels"].numpy())
    model = trained_with_labels("cvae", digits, 8, epochs=15, hidden=[256])
    samples = class_samples(model, classes=10, per_class=20, latent_dim=8, seed=0)
    predicted = torch.tensor(classifier.predict(samples.flatten(1).numpy()))
    asked = torch.arange(10).repeat_interleave(20)
    assert (predicted == asked).float().mean().item() > 0.4


@pytest.mark.parametrize("update", ["loss", "ema"])
def test_the_vq_vae_uses_its_codebook(digits, update):
    """Perplexity exp(entropy of code frequencies) lies in (1, K]; the share of codes
    used in (0, 1]; the reconstruction comes through the codes."""
    model = trained_with_labels("vq_vae", digits, 196, epochs=5, codebook_update=update)
    test = to_float(digits["test_images"])
    metrics, _ = evaluate_model(model, test, 0, 1)
    assert 1 < metrics["codebook_perplexity"] <= 64
    assert 0 < metrics["codes_used"] <= 1
    usage = torch.tensor(metrics["code_usage"])
    assert usage.sum().item() == pytest.approx(7 * 7)  # codes per image, averaged
    with torch.no_grad():
        code = model.code(test[:4]).view(4, 4, 7, 7)
        vectors = model.quantizer.codebook
        assert all(
            any(torch.equal(code[i, :, r, c], v) for v in vectors)
            for i in range(4)
            for r in range(7)
            for c in range(7)
        )  # every position holds one of the codebook's vectors
