"""The consumers' social network: a small-world graph as a SciPy sparse matrix.

Watts-Strogatz, built vectorized: each consumer links to its ``degree / 2`` successors on
a ring, and each link's far end is rewired to a uniformly drawn consumer with probability
``rewiring``. Self-links are dropped and duplicates merged; the matrix is symmetric and
row-normalised, so ``W @ X`` is the neighbours' mean of X (one sparse product).
"""

from __future__ import annotations

import os

import numba as nb
import numpy as np
import scipy.sparse as sp

PARALLEL_MIN = 1 << 16  # consumers from which the product uses the thread pool


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
    adj.data[:] = 1.0  # merge duplicate links
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    return sp.csr_matrix(sp.diags(inv) @ adj)


def neighbour_mean(W: sp.csr_matrix | None, values: np.ndarray) -> np.ndarray:
    """Neighbours' mean of ``values`` (consumers x columns); fully mixed when ``W`` is None.

    The sparse product ``W @ values`` is computed row by row by a Numba kernel on W's CSR
    arrays (threads split the rows; each row sums its links in stored order, so the
    result does not depend on the number of threads and equals SciPy's product).
    """
    if W is None:
        return np.broadcast_to(values.mean(axis=0), values.shape)
    x = np.ascontiguousarray(values, dtype=np.float64)
    flat = x.ndim == 1
    x2 = x.reshape(-1, 1) if flat else x
    out = np.empty((W.shape[0], x2.shape[1]))
    if W.shape[0] >= PARALLEL_MIN:
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # see demand.use_threads
        _csr_product_parallel(W.indptr, W.indices, W.data, x2, out)
    else:
        _csr_product_serial(W.indptr, W.indices, W.data, x2, out)
    return out.ravel() if flat else out


@nb.njit(inline="always")
def _csr_product_core(indptr, indices, data, x, out):
    """out = W x for W in CSR form, one row at a time (y_i = sum_p w_p x_{col(p)})."""
    cols = x.shape[1]
    for i in nb.prange(out.shape[0]):
        for c in range(cols):
            out[i, c] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            j, w = indices[p], data[p]
            for c in range(cols):
                out[i, c] += w * x[j, c]


@nb.njit(cache=True, parallel=True)
def _csr_product_parallel(indptr, indices, data, x, out):
    _csr_product_core(indptr, indices, data, x, out)


@nb.njit(cache=True)
def _csr_product_serial(indptr, indices, data, x, out):
    _csr_product_core(indptr, indices, data, x, out)
