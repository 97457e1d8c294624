"""Smoke test of an installed wheel (cibuildwheel's test-command): the compiled
kernels load, and each estimator fits and predicts on small data."""

import numpy as np
from sklearn.datasets import load_iris

import sk_contrastive
from sk_contrastive import (
    ContrastiveEmbedding,
    ContrastivePairClassifier,
    ContrastivePairRegressor,
    _neighbors,
    _pair_kernel,
    _pair_layout,
    _row_hashes,
)

X, y = load_iris(return_X_y=True)
embedding = ContrastiveEmbedding(n_components=2, architecture="linear", random_state=0)
score = embedding.fit(X, y).score(X, y)
assert embedding.transform(X).shape == (150, 2) and score > 0.8, score

rng = np.random.default_rng(0)
pairs = rng.integers(0, 150, (300, 2))
similar = (y[pairs[:, 0]] == y[pairs[:, 1]]).astype(int)
classifier = ContrastivePairClassifier(preprocessor=X, random_state=0).fit(pairs, similar)
accuracy = classifier.score(pairs, similar)
assert accuracy > 0.8, accuracy
regressor = ContrastivePairRegressor(preprocessor=X, random_state=0).fit(pairs, similar * 0.8)
assert regressor.predict(pairs).shape == (300,)

print(f"sk_contrastive {sk_contrastive.__version__}: kernels {_pair_kernel.__name__}, "
      f"{_pair_layout.__name__}, {_neighbors.__name__}, {_row_hashes.__name__}; iris score {score:.3f}, pair accuracy {accuracy:.3f}")
