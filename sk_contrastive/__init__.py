"""Contrastive metric learning as a scikit-learn transformer."""

from ._embedding import ContrastiveEmbedding
from ._pair_classifier import ContrastivePairClassifier
from ._pair_regressor import ContrastivePairRegressor

__version__ = "0.1.0"
__all__ = [
    "ContrastiveEmbedding",
    "ContrastivePairClassifier",
    "ContrastivePairRegressor",
    "__version__",
]
