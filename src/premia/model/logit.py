"""Logit weights of a block of consumers: the inner loop of the demand and pricing kernels.

For consumer i and good j of one market (DESIGN §1.3),

    V_ij = alpha_i omega_c q_j + beta_c a_{i,k(j)} M_j + eta a_{i,k(r(j))} - gamma_i p_j,

and the kernels need e_ij exp(V_ij - top_i) and exp(V_i0 - top_i) + sum_j of them, with
top_i the largest utility among the goods i considers (e_ij > 0) and the outside option.
Utilities are computed in base-2 units (U = V log2 e, the goods' terms scaled once), so
that exp(V - top) = 2^(U - top2) needs no Cody-Waite reduction.

Layout. Consumers are taken in chunks of ``CHUNK`` (the unit of parallel work, so that
every sum over consumers is split the same way whatever the number of threads), and a
chunk in ``BLOCK``-consumer blocks whose utilities stay in the L1 cache. A chunk's consumer
data is copied once into one block-major buffer ``X[block, row, i]`` (rows: alpha_i,
gamma_i / gamma_c, w_i, then a_ik, e_ik and f_iz per culture and creator), so every inner
loop runs over contiguous consumers of one block and vectorizes: reading from one buffer
and writing to one or two keeps LLVM's run-time alias checks few enough for it to
vectorize, and the loops index arrays directly (creating an array view costs an atomic
reference count).

Sums over a block's consumers either run in eight lanes in a fixed order
(:func:`~premia.model.lanes.lane_dots`, demand) or reassociate in one compiled function
(:func:`~premia.model.fastmath.row_dots2`, pricing), so that they vectorize; block sums are
added in block order and chunk sums in chunk order.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.fastmath import FAST, LANES, LOG2E, running_max
from premia.model.lanes import (
    aware_weight_lanes,
    either_weight_lanes,
    outside_lanes,
    weight_lanes,
)

CHUNK = 1024
BLOCK = 64  # consumers per block: a power of two, at least LANES, dividing CHUNK
BLOCKS = CHUNK // BLOCK
TASTE, PFAC, WEIGHT, CULTURE_ROWS = 0, 1, 2, 3  # rows of the block buffer


@nb.njit(cache=True, inline="always", error_model="numpy")
def buffer_rows(n_cul, n_cre):
    """Rows of the block buffer: three per consumer, two per culture, one per creator."""
    return CULTURE_ROWS + 2 * n_cul + n_cre


@nb.njit(cache=True, inline="always", error_model="numpy")
def fill_chunk(X, i0, b, alpha, gfac, weight, affinity, awareness, follows):
    """Copy consumers ``i0 .. i0 + b`` into the block-major buffer ``X``; returns ``b8``,
    ``b`` rounded up to a multiple of ``LANES``.

    Padding entries (up to the end of the last block) add nothing: weight 0, awareness 0,
    taste 0 and price factor 1 keep utilities finite. Whole blocks are filled because
    :func:`block_weights` always works on a whole block. Row ``CULTURE_ROWS + k`` is a_ik, row
    ``CULTURE_ROWS + n_cul + k`` e_ik, row ``CULTURE_ROWS + 2 n_cul + z`` f_iz.
    """
    for i in range(b):
        fill_consumer(X, i // BLOCK, i % BLOCK, i0 + i, alpha, gfac, weight, affinity,
                      awareness, follows)
    return pad_blocks(X, b)


@nb.njit(cache=True, inline="always", error_model="numpy")
def pad_blocks(X, filled):
    """Fill the buffer's columns from ``filled`` to the end of that block with padding
    consumers (all zero, price factor 1); returns ``filled`` rounded up to a multiple of
    ``LANES``."""
    for i in range(filled, (filled + BLOCK - 1) // BLOCK * BLOCK):
        blk, pos = i // BLOCK, i % BLOCK
        X[blk, :, pos] = 0.0
        X[blk, PFAC, pos] = 1.0
    return (filled + LANES - 1) // LANES * LANES


@nb.njit(cache=True, inline="always", error_model="numpy")
def fill_consumer(X, blk, pos, i, alpha, gfac, weight, affinity, awareness, follows):
    """Copy consumer ``i`` into column ``pos`` of block ``blk`` of the buffer ``X``."""
    n_cul, n_cre = affinity.shape[1], follows.shape[1]
    awa0, fol0 = CULTURE_ROWS + n_cul, CULTURE_ROWS + 2 * n_cul
    X[blk, TASTE, pos] = alpha[i]
    X[blk, PFAC, pos] = gfac[i]
    X[blk, WEIGHT, pos] = weight[i]
    for k in range(n_cul):
        X[blk, CULTURE_ROWS + k, pos] = affinity[i, k]
        X[blk, awa0 + k, pos] = awareness[i, k]
    for z in range(n_cre):
        X[blk, fol0 + z, pos] = 1.0 if follows[i, z] != 0 else 0.0


@nb.njit(cache=True, inline="always", error_model="numpy")
def load_chunk(i0, b, alpha, gfac, weight, affinity, awareness, follows):
    """A new block-major buffer holding consumers ``i0 .. i0 + b``, and ``b8``."""
    blocks = ((b + LANES - 1) // LANES * LANES + BLOCK - 1) // BLOCK
    X = np.empty((blocks, buffer_rows(affinity.shape[1], follows.shape[1]), BLOCK))
    b8 = fill_chunk(X, i0, b, alpha, gfac, weight, affinity, awareness, follows)
    return X, b8


@nb.njit(inline="always", error_model="numpy")
def _consumer_buffer(alpha, gfac, weight, affinity, awareness, follows):
    n = alpha.shape[0]
    n_chunks = (n + CHUNK - 1) // CHUNK
    blocks = min(BLOCKS, ((min(n, CHUNK) + LANES - 1) // LANES * LANES + BLOCK - 1) // BLOCK)
    rows = buffer_rows(affinity.shape[1], follows.shape[1])
    out = np.empty((n_chunks, blocks, rows, BLOCK))
    for ch in nb.prange(n_chunks):
        i0 = ch * CHUNK
        fill_chunk(out[ch], i0, min(n, i0 + CHUNK) - i0, alpha, gfac, weight, affinity,
                   awareness, follows)
    return out


@nb.njit(cache=True, parallel=True, error_model="numpy")
def _consumer_buffer_parallel(alpha, gfac, weight, affinity, awareness, follows):
    return _consumer_buffer(alpha, gfac, weight, affinity, awareness, follows)


@nb.njit(cache=True, error_model="numpy")
def _consumer_buffer_serial(alpha, gfac, weight, affinity, awareness, follows):
    return _consumer_buffer(alpha, gfac, weight, affinity, awareness, follows)


def consumer_buffer(alpha, gfac, weight, affinity, awareness, follows,
                    threads: bool = False) -> np.ndarray:
    """Every chunk's block-major buffer, ``(chunks, blocks, rows, BLOCK)``, built once.

    For kernels called repeatedly on the same consumers (the Nash fixed point): each call
    then reads contiguous blocks instead of transposing the consumers' culture data again.
    ``threads`` builds it on the thread pool (worth it for large populations only).
    """
    build = _consumer_buffer_parallel if threads else _consumer_buffer_serial
    return build(alpha, gfac, weight, affinity, awareness, follows)


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def block_weights(X, blk, lo, hi, off, v0m, n_cul, V, top, total):
    """Consideration-weighted exp(V - top) of block ``blk`` of a chunk in one market.

    On return ``V[j - lo, :]`` holds e_ij exp(V_ij - top_i), ``total`` exp(V_i0 - top_i)
    plus their sum and ``top`` the largest considered utility (or v0), in base-2 units
    (log2 e times utils). Two passes over the block: utilities and their running maximum,
    then the exponentials and their sum, eight consumers at a time by the explicit vector
    code of :mod:`premia.model.lanes` (the same bits as ``exp2_nonpositive``; LLVM would
    vectorize the table lookup as a gather, slower than the polynomial terms it saves).
    ``V`` has ``BLOCK`` columns, as every caller allocates it.

    Every loop runs over the whole block (``BLOCK`` consumers, padding included: the
    buffers are padded to whole blocks): with a trip count known when compiling, LLVM
    unrolls the loops and drops their remainder and alias checks, which makes the kernel
    about 8 % faster than looping over the block's real consumers only.
    """
    quality, meaning, culture, origin, price, pweight, creator, eta = off
    awa0, fol0 = CULTURE_ROWS + n_cul, CULTURE_ROWS + 2 * n_cul
    u0, eta2 = v0m * LOG2E, eta * LOG2E
    for i in range(BLOCK):
        top[i] = u0
    for j in range(lo, hi):
        row, k, ko, z = j - lo, culture[j], origin[j], creator[j]
        q, pp = quality[j] * LOG2E, pweight[j] * price[j] * LOG2E
        if k < 0 and ko < 0:
            for i in range(BLOCK):
                v = X[blk, TASTE, i] * q - pp * X[blk, PFAC, i]
                V[row, i] = v
                top[i] = running_max(top[i], v)
        elif k < 0:
            ro = CULTURE_ROWS + ko
            for i in range(BLOCK):
                v = X[blk, TASTE, i] * q - pp * X[blk, PFAC, i] + eta2 * X[blk, ro, i]
                V[row, i] = v
                top[i] = running_max(top[i], v)
        else:
            _culture_utilities(X, blk, row, q, pp, meaning[j] * LOG2E,
                               CULTURE_ROWS + k, awa0 + k, fol0 + z if z >= 0 else -1,
                               CULTURE_ROWS + ko if ko >= 0 else -1, eta2, V, top)
    at_x = blk * X.shape[1] * BLOCK  # flat offset of the block in X
    for i in range(0, BLOCK, LANES):
        outside_lanes(u0, top, total, i)
    for j in range(lo, hi):
        row, k, z = j - lo, culture[j], creator[j]
        if k < 0:
            for i in range(0, BLOCK, LANES):
                weight_lanes(V, row * V.shape[1] + i, top, total, i)
        elif z >= 0:
            at_a, at_f = at_x + (awa0 + k) * BLOCK, at_x + (fol0 + z) * BLOCK
            for i in range(0, BLOCK, LANES):
                either_weight_lanes(V, row * V.shape[1] + i, top, total, i, X, at_a + i, at_f + i)
        else:
            at_a = at_x + (awa0 + k) * BLOCK
            for i in range(0, BLOCK, LANES):
                aware_weight_lanes(V, row * V.shape[1] + i, top, total, i, X, at_a + i)


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _culture_utilities(X, blk, row, q, pp, meaning, ra, re, rf, ro, halo, V, top):
    """U_ij of a good carrying a culture (rows ``ra`` affinity, ``re`` awareness, ``rf``
    the creator's followers or -1, ``ro`` the halo's affinity or -1); the maximum runs
    over considered goods only, and a good i does not consider gets U = -inf."""
    rf = rf if rf >= 0 else re  # followers consider the good whatever their awareness
    if ro >= 0:
        for i in range(BLOCK):
            v = (X[blk, TASTE, i] * q - pp * X[blk, PFAC, i] + meaning * X[blk, ra, i]
                 + halo * X[blk, ro, i])
            v = v if max(X[blk, re, i], X[blk, rf, i]) > 0.0 else -np.inf
            V[row, i] = v
            top[i] = running_max(top[i], v)
    else:
        for i in range(BLOCK):
            v = X[blk, TASTE, i] * q - pp * X[blk, PFAC, i] + meaning * X[blk, ra, i]
            v = v if max(X[blk, re, i], X[blk, rf, i]) > 0.0 else -np.inf
            V[row, i] = v
            top[i] = running_max(top[i], v)
