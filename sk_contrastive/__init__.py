"""Contrastive metric learning as a scikit-learn transformer."""

try:
    from . import _neighbors, _pair_kernel, _pair_layout, _row_hashes  # noqa: F401  (the compiled kernels)
except ImportError as error:
    raise ImportError(
        f"The compiled kernels of sk_contrastive are not built in {__path__[0]}. "
        "Python imported the package from a source tree (the repository's root is the "
        "current directory, say) whose Cython extensions were not built in place: run "
        "Python from another directory to use the installed package, or build in place "
        "with `python -m pip install -e .`."
    ) from error
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
