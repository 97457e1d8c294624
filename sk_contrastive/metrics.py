"""Metrics of embeddings and verifiers, as metric learning measures them.

Retrieval (:func:`retrieval_report` and one function per metric) ranks
references by their distance to each query; the definitions are those of
Musgrave, Belongie and Lim, "A Metric Learning Reality Check" (ECCV 2020).
:func:`make_retrieval_scorer` turns any of them into a scorer for
scikit-learn's model selection. Verification (:func:`verification_report`)
reports a pair verifier's accuracy, F1, average precision, ROC-AUC, equal
error rate and true accept rates at given false accept rates.
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
from ._verification import verification_report

__all__ = [
    "make_retrieval_scorer",
    "mean_average_precision_at_r",
    "mean_reciprocal_rank",
    "precision_at_k",
    "r_precision",
    "recall_at_k",
    "retrieval_report",
    "verification_report",
]
