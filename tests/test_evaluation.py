import math

import numpy as np
import pandas as pd
import pytest
import torch

from aestudy.data.prepared import to_float
from aestudy.evaluation.metrics import evaluate_model
from aestudy.evaluation.pca_baseline import errors, fit_pca, project
from aestudy.evaluation.representation import classification_accuracies, training_subset
from aestudy.figures.projections import pca_2d
from aestudy.kinds import build_model
from aestudy.kinds.losses import bce_with_logits_per_image, kl_per_image
from aestudy.kinds.vae.model import iw_log_likelihood
from aestudy.training.loop import seed_everything, train_autoencoder
from conftest import model_spec

VAE = model_spec("vae", hidden=[64], epochs=2)


@pytest.fixture(scope="module")
def trained_vae(digits):
    seed_everything(0)
    model = build_model(VAE, (1, 28, 28), 4)
    train_autoencoder(
        model,
        VAE,
        to_float(digits["train_images"]),
        to_float(digits["test_images"]),
        0,
        log=lambda _: None,
    )
    return model, to_float(digits["test_images"])


def test_iw_estimate_is_at_least_the_elbo_on_average(trained_vae):
    model, images = trained_vae
    x = images[:100]
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        mean, logvar = model.encode(x)
        elbos = []
        for _ in range(20):  # the ELBO's expectation, estimated with many draws
            z = mean + torch.randn(mean.shape, generator=generator) * torch.exp(0.5 * logvar)
            elbos.append(
                -bce_with_logits_per_image(model.decode_logits(z), x) - kl_per_image(mean, logvar)
            )
        elbo = torch.stack(elbos).mean().item()
        iw_1 = iw_log_likelihood(model, x, mean, logvar, 1, generator).mean().item()
        iw_50 = iw_log_likelihood(model, x, mean, logvar, 50, generator).mean().item()
    assert iw_1 == pytest.approx(elbo, abs=2.0)  # K = 1 is the ELBO itself
    assert iw_50 > elbo + 0.5  # and more samples tighten the bound


def test_vae_metrics_are_consistent_and_reproducible(trained_vae):
    model, images = trained_vae
    first, _ = evaluate_model(model, images, seed=3, iw_samples=10, batch_size=100)
    assert evaluate_model(model, images, seed=3, iw_samples=10, batch_size=100)[0] == first
    # Other batches draw other samples: the Monte Carlo estimates move, a little.
    other, _ = evaluate_model(model, images, seed=3, iw_samples=10, batch_size=64)
    assert other["test_mse"] == pytest.approx(first["test_mse"], rel=1e-5)
    assert other["elbo"] == pytest.approx(first["elbo"], rel=5e-3)
    assert first["kl"] > 0
    assert first["iw_ll"] > first["elbo"]
    with torch.no_grad():
        recon = model.decode(model.encode(images)[0])
    assert first["test_mse"] == pytest.approx((recon - images).pow(2).mean().item(), rel=1e-5)


def test_vae_elbo_agrees_with_an_independent_estimate(trained_vae):
    """The ELBO recomputed with torch.distributions: KL in closed form, and the
    expected Bernoulli log-likelihood from 64 posterior draws per image."""
    from torch.distributions import Bernoulli, Normal, kl_divergence

    model, images = trained_vae
    metrics, _ = evaluate_model(model, images, seed=5, iw_samples=5, batch_size=100)
    generator = torch.Generator().manual_seed(11)
    with torch.no_grad():
        mean, logvar = model.encode(images)
        posterior = Normal(mean, torch.exp(0.5 * logvar))
        kl = kl_divergence(posterior, Normal(0.0, 1.0)).sum(1).mean().item()
        draws = mean + torch.exp(0.5 * logvar) * torch.randn(64, *mean.shape, generator=generator)
        recon = model.decode(draws.flatten(0, 1)).clamp(1e-7, 1 - 1e-7)
        likelihood = Bernoulli(probs=recon, validate_args=False).log_prob(
            images.repeat(64, 1, 1, 1)
        )
        expected = likelihood.flatten(1).sum(1).mean().item()
    assert metrics["kl"] == pytest.approx(kl, rel=1e-5)
    # The pipeline draws one sample per image: its mean over 297 images is within
    # a nat of the 64-draw estimate.
    assert metrics["elbo_reconstruction"] == pytest.approx(expected, abs=1.0)
    assert metrics["elbo"] == pytest.approx(expected - kl, abs=1.0)


def test_ae_metrics_match_direct_computation(digits):
    model = build_model(model_spec("ae", hidden=[32]), (1, 28, 28), 3)
    images = to_float(digits["test_images"])
    metrics, per_image = evaluate_model(model, images, seed=0)
    with torch.no_grad():
        recon = model(images)
    assert metrics["test_mse"] == pytest.approx((recon - images).pow(2).mean().item(), rel=1e-5)
    reference = torch.nn.functional.binary_cross_entropy(recon, images, reduction="sum")
    assert metrics["test_bce"] == pytest.approx(reference.item() / len(images), rel=1e-5)
    assert metrics["elbo"] is None and metrics["iw_ll"] is None
    # PSNR per image, in dB, from the same reconstruction: 10 log10(1 / MSE).
    mse = (recon - images).pow(2).flatten(1).mean(1)
    assert per_image["test_psnr"] == pytest.approx((-10 * torch.log10(mse)).numpy(), rel=1e-5)
    assert metrics["test_psnr"] == pytest.approx(per_image["test_psnr"].mean().item(), rel=1e-5)


def pca_reconstruction_mse(train, test, components):
    """(test MSE per pixel, explained variance) as the PCA baseline job computes them."""
    pca = fit_pca(train, components)
    mse, _ = errors(project(pca, test), np.asarray(test, dtype=np.float64))
    return mse, float(pca.explained_variance_ratio_.sum())


def test_pca_baseline_matches_direct_svd():
    generator = torch.Generator().manual_seed(0)
    basis = torch.randn(6, 40, generator=generator, dtype=torch.float64)
    train = torch.randn(500, 6, generator=generator, dtype=torch.float64) @ basis
    train += 0.1 * torch.randn(500, 40, generator=generator, dtype=torch.float64) + 3.0
    test = torch.randn(100, 6, generator=generator, dtype=torch.float64) @ basis + 3.0
    for k in (1, 3, 6):
        mse, explained = pca_reconstruction_mse(train, test, k)
        mean = train.mean(0)
        _, singular, vh = torch.linalg.svd(train - mean, full_matrices=False)
        axes = vh[:k]
        direct = ((test - mean) @ axes.T @ axes + mean - test).pow(2).mean().item()
        assert mse == pytest.approx(direct, rel=1e-8)
        ratio = (singular[:k] ** 2).sum() / (singular**2).sum()
        assert explained == pytest.approx(ratio.item(), rel=1e-8)
    # More components never reconstruct worse.
    errors = [pca_reconstruction_mse(train, test, k)[0] for k in (1, 2, 4, 6)]
    assert errors == sorted(errors, reverse=True)


def test_pca_baseline_on_digits_equals_the_exact_solution(digits):
    """The exact solution the pipeline used before scikit-learn: the eigenvectors of
    the training images' covariance in float64."""
    train = to_float(digits["train_images"]).flatten(1).double()
    test = to_float(digits["test_images"]).flatten(1).double()
    mean = train.mean(0)
    covariance = (train - mean).T @ (train - mean) / (len(train) - 1)
    eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
    for k in (2, 20):
        axes = eigenvectors[:, eigenvalues.argsort(descending=True)[:k]].T
        exact = ((test - mean) @ axes.T @ axes + mean - test).pow(2).mean().item()
        mse, _ = pca_reconstruction_mse(train.numpy(), test.numpy(), k)
        assert mse == pytest.approx(exact, abs=1e-6, rel=1e-6)


def test_latent_pca_projects_onto_the_top_two_axes():
    generator = torch.Generator().manual_seed(1)
    codes = torch.randn(300, 5, generator=generator) * torch.tensor([5.0, 3.0, 1.0, 0.5, 0.1])
    points, explained = pca_2d(codes)
    centered = codes.double() - codes.double().mean(0)
    _, singular, vh = torch.linalg.svd(centered, full_matrices=False)
    direct = (centered @ vh[:2].T).numpy()
    # Axes are defined up to sign.
    for axis in range(2):
        sign = 1.0 if (points[:, axis] * direct[:, axis]).sum() > 0 else -1.0
        assert points[:, axis] == pytest.approx(sign * direct[:, axis], abs=1e-9)
    variance = singular**2
    assert explained == pytest.approx((variance[:2] / variance.sum()).tolist())
    one_d, shares = pca_2d(codes[:, :1])
    assert shares == [1.0, 0.0] and (one_d[:, 1] == 0).all()
    assert one_d[:, 0] == pytest.approx((codes[:, 0] - codes[:, 0].mean()).double().numpy())


# -- representation quality: linear probe and k-NN on the codes ---------------------


def clustered_codes(classes=10, per_class=100, dims=20, spread=0.3, seed=0):
    """Codes around one random centre per class (centres ~ N(0, 1) per dimension,
    a spread far below their distances) and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dims))
    labels = np.repeat(np.arange(classes), per_class)
    return centres[labels] + spread * rng.normal(size=(len(labels), dims)), labels


def test_separable_classes_are_told_apart_by_probe_and_knn():
    train_codes, train_labels = clustered_codes(seed=0)
    test_codes, test_labels = clustered_codes(seed=0, per_class=30)
    # the same centres (seed 0), other points around them
    test_codes = test_codes + 0.1 * np.random.default_rng(1).normal(size=test_codes.shape)
    found = classification_accuracies(train_codes, train_labels, test_codes, test_labels, 0)
    assert found["probe_accuracy"] >= 0.95 and found["knn_accuracy"] >= 0.95


def test_codes_unrelated_to_the_labels_give_chance_accuracy():
    rng = np.random.default_rng(2)
    train_codes, test_codes = rng.normal(size=(1000, 20)), rng.normal(size=(500, 20))
    train_labels, test_labels = rng.integers(0, 10, 1000), rng.integers(0, 10, 500)
    found = classification_accuracies(train_codes, train_labels, test_codes, test_labels, 0)
    assert found["probe_accuracy"] <= 0.3 and found["knn_accuracy"] <= 0.3


def test_non_finite_codes_give_no_accuracy():
    codes, labels = clustered_codes()
    broken = codes.copy()
    broken[3, 0] = np.nan
    for train, test in ((broken, codes), (codes, broken)):
        found = classification_accuracies(train, labels, test, labels, 0)
        assert set(found) == {
            "probe_accuracy",
            "probe_accuracy_low",
            "probe_accuracy_high",
            "knn_accuracy",
        }
        assert all(math.isnan(value) for value in found.values())


def test_the_probes_training_subset_is_fixed_by_the_seed():
    first = training_subset(50, 1000, seed=3)
    assert torch.equal(first, training_subset(50, 1000, seed=3))
    assert not torch.equal(first, training_subset(50, 1000, seed=4))
    assert len(first.unique()) == 50 and 0 <= first.min() and first.max() < 1000
    # a training split smaller than the subset: all of it, once each
    assert sorted(training_subset(5000, 40, seed=3).tolist()) == list(range(40))


def write_trained_run(path, model, spec, latent_dim, seed, status="ok"):
    """A weights file as train_autoencoder writes it; a diverged run's weights NaN."""
    from aestudy.checksums import digest
    from aestudy.kinds import count_parameters

    state_dict = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if status == "diverged":
        state_dict = {k: torch.full_like(v, float("nan")) for k, v in state_dict.items()}
    torch.save(
        dict(
            state_dict=state_dict,
            weights_sha256=digest(state_dict),
            spec=spec,
            latent_dim=latent_dim,
            seed=seed,
            image_shape=[1, 28, 28],
            params=count_parameters(model),
            device="cpu",
            provenance=None,
            status=status,
            diverged_epoch=2 if status == "diverged" else None,
            epochs_completed=2,
            seconds=1.0,
        ),
        path,
    )


@pytest.fixture(scope="module")
def evaluated_ae(digits, tmp_path_factory):
    """evaluate_run on a small AE trained on digits for a few epochs, and on the same
    run diverged: {status: its metrics.json}."""
    import json

    import evaluate_run

    from aestudy.config import resolve_config

    folder = tmp_path_factory.mktemp("evaluated")
    spec = model_spec("ae", hidden=[64], epochs=5)
    seed_everything(0)
    model = build_model(spec, (1, 28, 28), 8)
    images = to_float(digits["train_images"])
    result = train_autoencoder(model, spec, images, images[:64], 0, log=lambda _: None)
    history = folder / "history.csv"
    pd.DataFrame(result["history"]).to_csv(history, index=False)
    torch.save(digits, folder / "digits.pt")
    evaluation = resolve_config({"models": {"m": {"kind": "ae"}}}, check_paths=False)["evaluation"]
    found = {}
    for status in ("ok", "diverged"):
        write_trained_run(folder / f"{status}.pt", model, spec, 8, 0, status)
        evaluate_run.main(
            folder / "digits.pt",
            folder / f"{status}.pt",
            history,
            folder / f"{status}.json",
            folder / f"{status}.npz",
            dict(model="ae", latent_dim=8, seed=0),
            evaluation,
            log=lambda _: None,
        )
        found[status] = json.loads((folder / f"{status}.json").read_text())
    return found


def test_a_trained_autoencoders_codes_know_the_digits(evaluated_ae):
    metrics = evaluated_ae["ok"]
    # ten classes: chance is 0.1; a trained AE's 8 values per image hold far more
    assert 0.5 < metrics["probe_accuracy"] <= 1.0
    assert 0.5 < metrics["knn_accuracy"] <= 1.0


def test_a_diverged_run_has_no_probe_accuracy(evaluated_ae):
    metrics = evaluated_ae["diverged"]
    assert metrics["status"] == "diverged" and metrics["test_mse"] is None
    assert metrics["probe_accuracy"] is None and metrics["knn_accuracy"] is None


class CodeIsTheLabel(torch.nn.Module):
    """A stand-in model whose code is its images' one-hot class, read from the
    labels a conditional model is given: a perfect code of the classes it is told."""

    def code(self, x, y=None):
        return torch.nn.functional.one_hot(y, 10).float()


def test_anomaly_datasets_are_probed_on_their_normal_classes_only(digits):
    from aestudy.data.prepared import derive_normal_dataset
    from aestudy.evaluation.representation import representation_metrics

    normal = derive_normal_dataset(digits, "no_ones", [0, 2, 3, 4, 5, 6, 7, 8, 9], 0.1, 0)
    found = representation_metrics(CodeIsTheLabel(), normal, 0, 5000, 100, "cpu")
    # the test set's 1s, a class never trained on, would each be missed
    assert found == dict(
        probe_accuracy=1.0, probe_accuracy_low=1.0, probe_accuracy_high=1.0, knn_accuracy=1.0
    )
