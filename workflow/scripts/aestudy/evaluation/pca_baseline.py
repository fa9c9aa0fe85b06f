"""PCA baseline: the best linear autoencoder with the same number of latent values.

scikit-learn's PCA with the exact covariance solver: an eigendecomposition of the
D x D covariance in float64, cheap when N >> D (MNIST: 60,000 x 784) and never
the randomized solver PCA may pick for CIFAR-10's 3,072 features.
"""

import numpy as np
from sklearn.decomposition import PCA


def pca_reconstruction_mse(train, test, components):
    """(test MSE per pixel, explained variance ratio) of projecting test [N, D] onto
    the first `components` principal axes of train [M, D]."""
    train, test = np.asarray(train, dtype=np.float64), np.asarray(test, dtype=np.float64)
    pca = PCA(n_components=components, svd_solver="covariance_eigh").fit(train)
    recon = pca.inverse_transform(pca.transform(test))
    return float(np.mean((recon - test) ** 2)), float(pca.explained_variance_ratio_.sum())
