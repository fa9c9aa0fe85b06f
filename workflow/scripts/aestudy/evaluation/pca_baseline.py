"""PCA baseline: the best linear autoencoder with the same number of latent values.

scikit-learn's PCA with the exact covariance solver: an eigendecomposition of the
D x D covariance in float64, cheap when N >> D (MNIST: 60,000 x 784) and never
the randomized solver PCA may pick for CIFAR-10's 3,072 features.
"""

import numpy as np
from sklearn.decomposition import PCA


def fit_pca(train, components):
    return PCA(n_components=components, svd_solver="covariance_eigh").fit(
        np.asarray(train, dtype=np.float64)
    )


def project(pca, images):
    """Images [N, D] through the principal axes and back: PCA's reconstruction."""
    return pca.inverse_transform(pca.transform(np.asarray(images, dtype=np.float64)))


def errors(recon, clean):
    """(MSE per pixel, PSNR in dB averaged per image) of images [N, D] in [0, 1]."""
    per_image = ((np.asarray(recon) - np.asarray(clean)) ** 2).mean(1)
    psnr = -10.0 * np.log10(np.maximum(per_image, 1e-10))
    return float(per_image.mean()), float(psnr.mean())
