"""Demand derivatives of one market for capacity-constrained pricing (DESIGN §1.4).

With P_ij the choice probabilities, the share of good j and its derivatives are

    s_j = sum_i P_ij,   ds_j / dp_j = -(Lambda_jj - Gamma_jj),   ds_j / dp_k = Gamma_jk,
    Lambda_jj = sum_i gamma_i P_ij,   Gamma_jk = sum_i gamma_i P_ij P_ik,

so the Jacobian of shares in prices is Gamma - diag(Lambda). Capacity-bound goods need the
whole of it: their prices move together, and a good's demand falls with a common price
rise only through the goods that are not bound and the outside option. This module
computes s, Lambda and the block of Gamma among chosen goods (the bound ones) in one pass
over the consumers, O(consumers x (goods + chosen^2)), with the fixed chunking of
:mod:`premia.model.demand` so that results do not depend on the number of threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.demand import CHUNK, _block_weights, _transpose_block
from premia.model.fastmath import FAST, dot_lanes


@nb.njit(inline="always", fastmath=FAST)
def _row_sum(x, j, b):
    """sum_i x[j, i] over i < b, with 8 lane sums added in a fixed order."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    full = b - b % 8
    for i in range(0, full, 8):
        s0 += x[j, i]
        s1 += x[j, i + 1]
        s2 += x[j, i + 2]
        s3 += x[j, i + 3]
        s4 += x[j, i + 4]
        s5 += x[j, i + 5]
        s6 += x[j, i + 6]
        s7 += x[j, i + 7]
    for i in range(full, b):
        s0 += x[j, i]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@nb.njit(inline="always", fastmath=FAST)
def _jacobian_core(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, rows):
    n = alpha.shape[0]
    size = hi - lo
    m = rows.shape[0]
    n_chunks = (n + CHUNK - 1) // CHUNK
    n_cul, n_cre = affinity.shape[1], follows.shape[1]
    s_part = np.zeros((n_chunks, size))
    l_part = np.zeros((n_chunks, size))
    g_part = np.zeros((n_chunks, m, m))
    gamma_c = off[5][lo]
    for ch in nb.prange(n_chunks):
        i0 = ch * CHUNK
        b = min(n, i0 + CHUNK) - i0
        V, E = np.empty((size, CHUNK)), np.empty((size, CHUNK))
        top, total, share, price = (np.empty(CHUNK), np.empty(CHUNK), np.empty(CHUNK),
                                    np.empty(CHUNK))
        row = np.empty(m)
        acc = np.zeros((m, m))
        aff = np.zeros((max(n_cul, 1), CHUNK))
        awa = np.empty((n_cul, CHUNK))
        fol = np.zeros((max(n_cre, 1), CHUNK), follows.dtype)
        taste, pfac = np.empty(CHUNK), np.empty(CHUNK)
        for i in range(b):
            taste[i] = alpha[i0 + i]
            pfac[i] = gfac[i0 + i]
        _transpose_block(affinity, i0, b, aff)
        _transpose_block(awareness, i0, b, awa)
        _transpose_block(follows, i0, b, fol)
        _block_weights(b, lo, hi, taste, pfac, aff, awa, fol, off, v0m, V, E, top, total)
        for i in range(b):
            share[i] = 1.0 / total[i]
            price[i] = gamma_c * pfac[i]
        for j in range(size):
            for i in range(b):
                V[j, i] *= share[i]
            s_part[ch, j] = _row_sum(V, j, b)
            l_part[ch, j] = dot_lanes(V, price, j, b)
        # Gamma as a sum of rank-one updates, one consumer at a time: the loop over k runs
        # over contiguous memory and vectorizes, and every element sums its consumers in
        # the same order whatever the threads
        for i in range(b):
            for j in range(m):
                row[j] = V[rows[j], i]
            for j in range(m):
                a = price[i] * row[j]
                for k in range(m):
                    acc[j, k] += a * row[k]
        for j in range(m):
            for k in range(m):
                g_part[ch, j, k] = acc[j, k]
    s = np.zeros(size)
    lam = np.zeros(size)
    gam = np.zeros((m, m))
    for ch in range(n_chunks):
        s += s_part[ch]
        lam += l_part[ch]
        gam += g_part[ch]
    return s, lam, gam


@nb.njit(cache=True, parallel=True, fastmath=FAST)
def _jacobian_parallel(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, rows):
    return _jacobian_core(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, rows)


@nb.njit(cache=True, fastmath=FAST)
def _jacobian_serial(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, rows):
    return _jacobian_core(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, rows)


def share_jacobian(consumers, lo: int, hi: int, packed: tuple, outside: float,
                   threads: bool, rows: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(s, Lambda, Gamma)`` of goods ``lo..hi`` of one market at the offer's prices.

    Args:
        consumers: consumer arrays.
        lo: first good of the market (offer order).
        hi: one past its last good.
        packed: the offer's arrays as :func:`premia.model.demand.pack` lays them out.
        outside: the market's outside utility v0.
        threads: run on the thread pool.
        rows: market-local goods whose block Gamma[rows][:, rows] is wanted (default:
            all); the cost grows with its square.
    """
    kernel = _jacobian_parallel if threads else _jacobian_serial
    c = consumers
    rows = np.arange(hi - lo, dtype=np.int64) if rows is None else rows.astype(np.int64)
    return kernel(c.quality_taste, c.price_factor, c.affinity, c.awareness, c.follows,
                  lo, hi, packed, outside, rows)
