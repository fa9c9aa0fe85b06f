"""Evaluation: test-set metrics, the PCA baseline, and loading a trained run back."""
