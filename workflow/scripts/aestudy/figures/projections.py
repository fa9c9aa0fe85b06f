"""2-D views of latent codes for the latent-space figure: PCA and t-SNE from
scikit-learn, on the codes a run's figure data holds (no PyTorch)."""

import numpy as np


def pca_2d(codes):
    """(points [N, 2], explained variance ratios) of codes [N, D] projected onto their
    first two principal axes; a 1-D code is its centred value beside a zero axis."""
    from sklearn.decomposition import PCA

    codes = np.asarray(codes, dtype=np.float64)
    if codes.shape[1] == 1:
        centered = codes - codes.mean(0)
        return np.hstack([centered, np.zeros_like(centered)]), [1.0, 0.0]
    pca = PCA(n_components=2, svd_solver="full")
    return pca.fit_transform(codes), pca.explained_variance_ratio_.tolist()


def tsne_2d(codes, seed=0, perplexity=30.0):
    from sklearn.manifold import TSNE

    perplexity = min(perplexity, (len(codes) - 1) / 3)
    # A PCA start needs two axes to take; a 1-D code starts at random (seeded).
    init = "pca" if codes.shape[1] >= 2 else "random"
    embedding = TSNE(2, perplexity=perplexity, init=init, random_state=seed)
    return embedding.fit_transform(np.asarray(codes, dtype=np.float64))
