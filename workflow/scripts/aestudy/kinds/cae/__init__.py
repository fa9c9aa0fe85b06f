"""Contractive autoencoder (Rifai et al. 2011): the MLP autoencoder with a
penalty on the encoder's sensitivity, weight * ||J_f(x)||_F^2, the squared
Frobenius norm of the encoder's Jacobian at each image, computed exactly."""

from aestudy.kinds import Kind, Metric

KIND = Kind(
    name="cae",
    # per test image: ||J_f(x)||_F^2, beside the MSE
    metrics=(Metric("contractive_penalty", compared="reconstruction"),),
    family="regularised_ae",
)
