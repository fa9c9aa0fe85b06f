"""Datasets: their formats, downloads, and the prepared files every job reads."""
