"""Demand derivatives of one market for capacity-constrained pricing (DESIGN §1.4).

With P_ij the choice probabilities and w_i the people consumer i stands for, the share of
good j and its derivatives are

    s_j = sum_i w_i P_ij,   ds_j / dp_j = -(Lambda_jj - Gamma_jj),   ds_j / dp_k = Gamma_jk,
    Lambda_jj = sum_i w_i gamma_i P_ij,   Gamma_jk = sum_i w_i gamma_i P_ij P_ik,

so the Jacobian of shares in prices is Gamma - diag(Lambda). Capacity-bound goods need the
whole of it: their prices move together, and a good's demand falls with a common price
rise only through the goods that are not bound and the outside option. This module
computes s, Lambda and the block of Gamma among chosen goods (the bound ones) in one pass
over the consumers, O(consumers x (goods + chosen^2)), with the fixed chunks and blocks of
:mod:`premia.model.logit` so that results do not depend on the number of threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.fastmath import FAST, LANES, row_dots2, wide_vectors
from premia.model.logit import BLOCK, CHUNK, PFAC, WEIGHT, block_weights, market_ceiling


@nb.njit(inline="always", fastmath=FAST, error_model="numpy")
def _jacobian_core(X_all, n, off, v0m, n_cul, rows):
    size = off[0].shape[0]
    ceiling = market_ceiling(0, size, off)  # once per call: the same for every chunk
    m = rows.shape[0]
    n_chunks = X_all.shape[0]
    s_part = np.zeros((n_chunks, size))
    l_part = np.zeros((n_chunks, size))
    g_part = np.zeros((n_chunks, m, m))
    gamma_c = off[5][0]
    for ch in nb.prange(n_chunks):
        wide_vectors()
        X = X_all[ch]
        b8 = (min(n, (ch + 1) * CHUNK) - ch * CHUNK + LANES - 1) // LANES * LANES
        V = np.empty((size, BLOCK))
        top, total, share, price = (np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK),
                                    np.empty(BLOCK))
        s_sum, l_sum, row = np.zeros(size), np.zeros(size), np.empty(m)
        acc = np.zeros((m, m))
        for blk in range((b8 + BLOCK - 1) // BLOCK):
            n8 = min(BLOCK, b8 - blk * BLOCK)
            block_weights(X, blk, 0, size, off, v0m, n_cul, ceiling, V, top, total)
            for i in range(n8):
                share[i] = X[blk, WEIGHT, i] / total[i]
            for i in range(n8):
                price[i] = gamma_c * X[blk, PFAC, i] * share[i]
            row_dots2(s_sum, l_sum, V, share, price, size, n8)
            # Gamma as a sum of rank-one updates, one consumer at a time: the loop over k
            # runs over contiguous memory and vectorizes, and every element sums its
            # consumers in the same order whatever the threads
            for i in range(n8):
                wg = X[blk, WEIGHT, i] * gamma_c * X[blk, PFAC, i]  # w_i gamma_i
                for j in range(m):
                    row[j] = V[rows[j], i] / total[i]
                for j in range(m):
                    a = wg * row[j]
                    for k in range(m):
                        acc[j, k] += a * row[k]
        s_part[ch] = s_sum
        l_part[ch] = l_sum
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


@nb.njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _jacobian_parallel(X_all, n, off, v0m, n_cul, rows):
    return _jacobian_core(X_all, n, off, v0m, n_cul, rows)


@nb.njit(cache=True, fastmath=FAST, error_model="numpy")
def _jacobian_serial(X_all, n, off, v0m, n_cul, rows):
    return _jacobian_core(X_all, n, off, v0m, n_cul, rows)


def share_jacobian(terms, rows: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(s, Lambda, Gamma)`` of one market at the offer's current prices.

    Args:
        terms: the market's :class:`~premia.model.pricing.MarketTerms` (its consumers'
            block buffers, goods and outside utility).
        rows: market-local goods whose block Gamma[rows][:, rows] is wanted (default:
            all); the cost grows with its square.
    """
    kernel = _jacobian_parallel if terms.threads else _jacobian_serial
    size = terms.off[0].shape[0]
    rows = np.arange(size, dtype=np.int64) if rows is None else rows.astype(np.int64)
    return kernel(terms.X, terms.n, terms.off, terms.v0, terms.n_cul, rows)
