"""The consumers' social network: a small-world graph as a SciPy sparse matrix.

Watts-Strogatz, built vectorized: each consumer links to its ``degree / 2`` successors on
a ring, and each link's far end is rewired to a uniformly drawn consumer with probability
``rewiring``. Self-links are dropped and duplicates merged; the matrix is symmetric and
row-normalised, so ``W @ X`` is the neighbours' mean of X (one sparse product).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import scipy.sparse as sp


def small_world(n: int, degree: int, rewiring: float,
                rng: np.random.Generator) -> sp.csr_matrix:
    """Row-normalised adjacency of a Watts-Strogatz graph.

    Args:
        n: consumers.
        degree: mean degree (rounded down to an even number, at least 2).
        rewiring: probability that a link's far end is redrawn.
        rng: the run's generator.

    Returns:
        A float64 CSR matrix W with rows summing to 1 (a row of an isolated node is 0).

    Example:
        >>> W = small_world(1000, 12, 0.1, np.random.default_rng(0))
        >>> bool(np.allclose(W.sum(axis=1), 1.0))
        True
    """
    half = max(1, min(degree // 2, (n - 1) // 2))
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    rewire = rng.random(src.size) < rewiring
    dst[rewire] = rng.integers(0, n, size=int(rewire.sum()))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    adj = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    deg = np.diff(adj.indptr)  # links per row once duplicates are merged
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    adj.data[:] = np.repeat(inv, deg)  # row-normalise in place: w_ij = 1 / deg_i
    return adj


def neighbour_mean(W: sp.csr_matrix | None, values: np.ndarray) -> np.ndarray:
    """Neighbours' mean of ``values`` (consumers x columns); fully mixed when ``W`` is None."""
    if W is None:
        mean = (column_means(values) if values.ndim == 2 and values.shape[1] > 1
                and values.flags.c_contiguous else values.mean(axis=0))
        return np.broadcast_to(mean, values.shape)
    return W @ values


@nb.njit(cache=True)
def column_means(values: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``values.mean(axis=0)`` of a C-ordered matrix with two or more columns, bit for bit:
    NumPy adds such a matrix's rows one after another in the input's precision and divides
    each column sum by the row count in float64."""
    n, m = values.shape
    total = np.zeros(m, values.dtype)
    for i in range(n):
        for j in range(m):
            total[j] += values[i, j]
    out = np.empty(m, values.dtype)
    for j in range(m):
        out[j] = np.float64(total[j]) / n
    return out
