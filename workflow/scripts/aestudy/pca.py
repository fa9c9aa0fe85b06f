"""PCA baseline: the best linear autoencoder with the same number of latent values.

Fitted on the training images through the eigendecomposition of their covariance
(float64), which is far cheaper than an SVD of the data when N >> D.
"""

import torch


def fit_pca(train, components):
    """(mean [D], principal axes [components, D], explained variance ratio) of train [N, D]."""
    train = train.double()
    mean = train.mean(0)
    centered = train - mean
    covariance = centered.T @ centered / (len(train) - 1)
    eigenvalues, eigenvectors = torch.linalg.eigh(covariance)  # ascending order
    order = eigenvalues.argsort(descending=True)[:components]
    explained = (eigenvalues[order].sum() / eigenvalues.sum()).item()
    return mean, eigenvectors[:, order].T, explained


def pca_reconstruction_mse(train, test, components):
    """Test MSE per pixel of projecting test [N, D] onto train's first principal axes."""
    mean, axes, explained = fit_pca(train, components)
    centered = test.double() - mean
    recon = centered @ axes.T @ axes + mean
    return (recon - test.double()).pow(2).mean().item(), explained
