"""Contrastive metric learning as a scikit-learn transformer."""

from ._embedding import ContrastiveEmbedding
from ._pair_classifier import ContrastivePairClassifier

__version__ = "0.1.0"
__all__ = ["ContrastiveEmbedding", "ContrastivePairClassifier", "__version__"]
