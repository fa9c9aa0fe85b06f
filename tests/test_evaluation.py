import pytest
import torch

from aestudy.data.prepared import to_float
from aestudy.evaluation.metrics import evaluate_model
from aestudy.evaluation.pca_baseline import pca_reconstruction_mse
from aestudy.figures.projections import pca_2d
from aestudy.kinds import build_model
from aestudy.kinds.losses import bce_per_image, kl_per_image
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
            elbos.append(-bce_per_image(model.decode(z), x) - kl_per_image(mean, logvar))
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
