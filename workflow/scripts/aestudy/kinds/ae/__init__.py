"""MLP autoencoder: encoder input-hidden...-z with ReLU, mirrored decoder,
sigmoid output, MSE (the course report's 784-128-64-12-z)."""

from aestudy.kinds import Kind

KIND = Kind(name="ae", runs_together=True)
