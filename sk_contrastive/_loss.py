"""The contrastive loss over a fixed set of pairs, as a function of the embedding.

For a pair ``p = (i, j, s)`` with embedded difference ``z_p = Z[i] - Z[j]`` and
distance ``d_p = ||z_p||``::

    loss_p = s * max(d_p - pos_margin, 0)**2 + (1 - s) * max(margin - d_p, 0)**2
    loss   = mean_p(loss_p)      or, with pair weights w_p,   sum_p(w_p loss_p) / sum_p(w_p)

With ``pos_margin=0`` this is the source formula
``mean(s * d**2 + (1 - s) * max(margin - d, 0)**2)`` exactly. The gradient with
respect to the embedding is ``c_p * z_p`` scattered back to rows ``i`` (with
sign +) and ``j`` (with sign -), so one evaluation touches only the pairs'
``n_components``-dimensional differences, never an ``n_pairs x n_features``
array.
"""

import numpy as np
import scipy.sparse as sp

_CHUNK = 16384


class ContrastiveLoss:
    """Mean contrastive loss and its gradient with respect to the embedding.

    The pair structure (a sparse ``n_samples x n_pairs`` incidence matrix) and
    the work buffers (one ``n_pairs x n_components`` array for the pairs'
    gradients, the rest chunk-sized) are built once and reused by every
    evaluation, which is what the optimiser calls hundreds of times.

    Parameters
    ----------
    pairs : Pairs
        The pairs to sum over.
    n_samples : int
        Number of rows of the embeddings this loss will be evaluated on.
    margin : float, default=1.0
        Dissimilar pairs closer than ``margin`` are pushed apart.
    pos_margin : float, default=0.0
        Similar pairs farther apart than ``pos_margin`` are pulled together.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_contrastive._pairs import Pairs
    >>> from sk_contrastive._loss import ContrastiveLoss
    >>> pairs = Pairs(np.array([0, 0]), np.array([1, 2]), np.array([True, False]))
    >>> Z = np.array([[0.0, 0.0], [0.3, 0.4], [0.6, 0.0]])
    >>> loss, grad = ContrastiveLoss(pairs, n_samples=3, margin=1.0)(Z)
    >>> round(loss, 4)  # (0.5**2 + (1 - 0.6)**2) / 2
    0.205
    """

    def __init__(self, pairs, n_samples, margin=1.0, pos_margin=0.0):
        self.pairs = pairs
        self.n_samples = n_samples
        self.margin = margin
        self.pos_margin = pos_margin
        self._workspace_key = None

    def __call__(self, Z):
        """Return ``(loss, gradient)`` for the embedding ``Z``.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_components)
            Embedded samples.

        Returns
        -------
        loss : float
            The mean loss over the pairs, weighted by ``pairs.weight`` if
            given (0 when there are none).
        gradient : ndarray of shape (n_samples, n_components)
            The derivative of ``loss`` with respect to ``Z``, of ``Z``'s dtype.
        """
        n_pairs = self.pairs.n_pairs
        if n_pairs == 0:
            return 0.0, np.zeros_like(Z)
        pairs = self.pairs
        scatter, pair_gradient, partner_buffer = self._workspace(Z.shape[1], Z.dtype)
        normaliser = n_pairs if pairs.weight is None else float(np.sum(pairs.weight))
        total = 0.0
        # Chunks keep each step's temporaries in cache; only the pair
        # gradient, which the sparse scatter needs whole, spans all pairs.
        for start in range(0, n_pairs, _CHUNK):
            chunk = slice(start, min(start + _CHUNK, n_pairs))
            difference = pair_gradient[chunk]
            partner = partner_buffer[: difference.shape[0]]
            np.take(Z, pairs.first[chunk], axis=0, out=difference)
            np.take(Z, pairs.second[chunk], axis=0, out=partner)
            difference -= partner
            distance = np.sqrt(np.einsum("ij,ij->i", difference, difference))

            # Signed hinge: positive pulls a similar pair in, negative pushes
            # a dissimilar pair out; zero once a pair is inside its margin.
            hinge = np.where(
                pairs.similar[chunk],
                np.maximum(distance - self.pos_margin, 0),
                -np.maximum(self.margin - distance, 0),
            )
            hinge64 = hinge.astype(np.float64)
            if pairs.weight is None:
                # einsum, not BLAS: the sum must not depend on BLAS's thread count
                total += float(np.einsum("i,i->", hinge64, hinge64))
            else:
                weight = pairs.weight[chunk]
                total += float(np.einsum("i,i,i->", weight, hinge64, hinge64))
                hinge = hinge * weight.astype(hinge.dtype)

            # d(hinge**2)/dz = 2 * hinge * z / d. At d = 0 the difference z is
            # zero too, so any finite coefficient gives the (sub)gradient 0.
            coefficient = np.divide(
                2.0 * hinge, distance, out=np.zeros_like(distance), where=distance > 0
            )
            coefficient /= normaliser
            difference *= coefficient[:, None]
        return total / normaliser, scatter @ pair_gradient

    @staticmethod
    def bytes_per_pair(n_components, itemsize):
        """Memory the pairs and this loss's work arrays take per pair at their peak.

        Anchor and partner indices (intp), the similarity flag, the incidence
        matrix's two entries (value and int32 column index each), the COO
        row/column arrays (intp) it is built from, and the pair-gradient buffer.
        """
        index = np.dtype(np.intp).itemsize
        return 2 * index + 1 + 2 * (itemsize + 4) + 4 * index + n_components * itemsize

    def dissimilar_distances(self, Z):
        """Distances in ``Z`` of the dissimilar pairs, shape (n_dissimilar,)."""
        dissimilar = ~self.pairs.similar
        difference = Z[self.pairs.first[dissimilar]] - Z[self.pairs.second[dissimilar]]
        return np.linalg.norm(difference, axis=1)

    def scale_to_margin(self, Z):
        """Factor that brings the median dissimilar-pair distance of ``Z`` to ``margin``.

        Starting the optimiser at this scale makes the fit equivariant in the
        margin: ``c * margin`` then gives exactly ``c`` times the embedding.
        With pair weights the median is weighted (integer weights give the
        median of the pairs repeated that many times). Returns 1 when there is
        no dissimilar pair at a positive distance.
        """
        distance = self.dissimilar_distances(Z)
        positive = distance > 0
        if not np.any(positive):
            return 1.0
        weight = None
        if self.pairs.weight is not None:
            weight = self.pairs.weight[~self.pairs.similar][positive]
        median = _median(distance[positive], weight)
        return self.margin / median if median > 0 else 1.0

    def _workspace(self, n_components, dtype):
        """The incidence matrix and pair buffers in ``dtype``, built once."""
        key = (n_components, np.dtype(dtype))
        if key != self._workspace_key:
            n_pairs = self.pairs.n_pairs
            rows = np.concatenate([self.pairs.first, self.pairs.second])
            columns = np.tile(np.arange(n_pairs), 2)
            signs = np.repeat(np.array([1, -1], dtype=dtype), n_pairs)
            scatter = sp.csr_array(
                (signs, (rows, columns)), shape=(self.n_samples, n_pairs)
            )
            self._workspace_arrays = (
                scatter,
                np.empty((n_pairs, n_components), dtype),
                np.empty((min(n_pairs, _CHUNK), n_components), dtype),
            )
            self._workspace_key = key
        return self._workspace_arrays


def _median(values, weight=None):
    """The median of ``values``, each counted ``weight`` times.

    The weights are first divided by the smallest: integer weights whose
    smallest is 1 give ``np.median`` of the values repeated that many times,
    and multiplying every weight by a constant changes nothing.
    """
    if weight is None:
        return np.median(values)
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weight[order] / np.min(weight))
    middle = (cumulative[-1] - 1) / 2
    low = order[min(np.searchsorted(cumulative, np.floor(middle), side="right"), len(order) - 1)]
    high = order[min(np.searchsorted(cumulative, np.ceil(middle), side="right"), len(order) - 1)]
    return (values[low] + values[high]) / 2
