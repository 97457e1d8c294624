"""Data sets shared by the benchmarks."""

import numpy as np


def hard_data(n_samples, seed=0, n_classes=10, clusters=3, informative=8, noise=56):
    """Several clusters per class in a few mixed dimensions, among noise
    features: ``X`` float32 of shape (n_samples, informative + noise), ``y``
    the classes. Harder than make_classification for a linear map: each class
    is ``clusters`` blobs in ``informative`` rotated dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(n_classes * clusters, informative))
    cluster = rng.integers(0, n_classes * clusters, size=n_samples)
    rotation = np.linalg.qr(rng.normal(size=(informative, informative)))[0]
    signal = (centres[cluster] + rng.normal(size=(n_samples, informative))) @ rotation
    X = np.hstack([signal, rng.normal(size=(n_samples, noise))]).astype(np.float32)
    return X, cluster % n_classes
