"""Metrics of embeddings: retrieval, as metric learning measures it.

Retrieval (:func:`retrieval_report` and one function per metric) ranks
references by their distance to each query; the definitions are those of
Musgrave, Belongie and Lim, "A Metric Learning Reality Check" (ECCV 2020).
:func:`make_retrieval_scorer` turns any of them into a scorer for
scikit-learn's model selection.
"""

from ._retrieval import (
    make_retrieval_scorer,
    mean_average_precision_at_r,
    mean_reciprocal_rank,
    precision_at_k,
    r_precision,
    recall_at_k,
    retrieval_report,
)

__all__ = [
    "make_retrieval_scorer",
    "mean_average_precision_at_r",
    "mean_reciprocal_rank",
    "precision_at_k",
    "r_precision",
    "recall_at_k",
    "retrieval_report",
]
