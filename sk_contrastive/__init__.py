"""Contrastive metric learning as a scikit-learn transformer."""

from ._embedding import ContrastiveEmbedding

__version__ = "0.1.0"
__all__ = ["ContrastiveEmbedding", "__version__"]
