"""Synthetic data sets whose classes are not linearly separable.

They are what the MLP embedding is for: with a small embedding (1-D or 2-D),
no linear map can keep the classes apart, and uninformative noise features
hide the structure from plain kNN.
"""

import numpy as np
from sklearn.datasets import make_moons
from sklearn.utils import check_random_state

__all__ = ["make_nonlinear"]

NONLINEAR_DATASETS = ("moons", "spheres", "radial")


def make_nonlinear(name, n_samples=2000, n_noise_features=10, random_state=None):
    """Generate a nonlinear classification problem with noise features.

    The informative features come first, then the noise features; no linear
    map of the informative ones separates the classes, and the noise hides
    them from plain kNN (see the module's description).

    Parameters
    ----------
    name : {"moons", "spheres", "radial"}
        ``"moons"``: scikit-learn's two interleaving half circles (2 features,
        noise 0.15). ``"spheres"``: three concentric spherical shells in 3-D
        (radii 1, 2, 3, radial noise 0.15), one class each. ``"radial"``: a
        standard Gaussian in 6-D, labelled by whether the norm exceeds its
        median, a radial class boundary.
    n_samples : int, default=2000
        The number of samples, shared evenly among the classes.
    n_noise_features : int, default=10
        Standard normal features appended after the informative ones.
    random_state : int, RandomState instance or None, default=None
        Seed of the samples and of the noise, for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_informative + n_noise_features)
        The samples: ``n_informative`` (2, 3 or 6) features, then the noise.
    y : ndarray of shape (n_samples,), dtype int
        The class of each sample, from 0.

    See Also
    --------
    sklearn.datasets.make_moons : The two interleaving half circles.
    sklearn.datasets.make_circles : Two concentric circles in 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive.datasets import make_nonlinear
    >>> X, y = make_nonlinear("spheres", n_samples=300, n_noise_features=5,
    ...                       random_state=0)
    >>> X.shape, np.bincount(y)
    ((300, 8), array([100, 100, 100]))
    """
    rng = check_random_state(random_state)
    if name == "moons":
        X, y = make_moons(n_samples=n_samples, noise=0.15, random_state=rng)
    elif name == "spheres":
        y = np.arange(n_samples) % 3
        direction = rng.standard_normal((n_samples, 3))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        radius = 1.0 + y + 0.15 * rng.standard_normal(n_samples)
        X = direction * radius[:, None]
    elif name == "radial":
        X = rng.standard_normal((n_samples, 6))
        norm = np.linalg.norm(X, axis=1)
        y = (norm > np.median(norm)).astype(int)
    else:
        raise ValueError(f"name must be one of {NONLINEAR_DATASETS}; got {name!r}.")
    noise = rng.standard_normal((n_samples, n_noise_features))
    return np.hstack([X, noise]), y
