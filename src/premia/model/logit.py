"""Logit weights of a block of consumers: the inner loop of the demand and pricing kernels.

For consumer i and good j of one market (DESIGN §1.3),

    V_ij = alpha_i omega_c q_j + beta_c a_{i,k(j)} M_j + eta a_{i,k(r(j))} - gamma_i p_j,

and the kernels need e_ij exp(V_ij - top_i) and exp(V_i0 - top_i) + sum_j of them, with
top_i a ceiling on i's utilities (at least V_i0 and every V_ij; any ceiling gives the same
shares, and a close one keeps the exponentials far from underflow).
Utilities are computed in base-2 units (U = V log2 e, the goods' terms scaled once), so
that exp(V - top) = 2^(U - top2) needs no Cody-Waite reduction.

Layout. Consumers are taken in chunks of ``CHUNK`` (the unit of parallel work, so that
every sum over consumers is split the same way whatever the number of threads), and a
chunk in ``BLOCK``-consumer blocks whose utilities stay in the L1 cache. A chunk's consumer
data is copied once into one block-major buffer ``X[block, row, i]`` (rows: alpha_i,
gamma_i / gamma_c, w_i, max_k |a_ik|, then a_ik, e_ik and f_iz per culture and creator),
so every inner loop runs over contiguous consumers of one block and vectorizes: reading
from one buffer and writing to one or two keeps LLVM's run-time alias checks few enough
for it to vectorize, and the loops index arrays directly (creating an array view costs an
atomic reference count).

Sums over a block's consumers either run in eight lanes in a fixed order
(:func:`~premia.model.lanes.lane_dots`, demand) or reassociate in one compiled function
(:func:`~premia.model.fastmath.row_dots2`, pricing), so that they vectorize; block sums are
added in block order and chunk sums in chunk order.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.fastmath import FAST, LANES, LOG2E
from premia.model.lanes import outside_lanes, utility_weight_lanes

CHUNK = 1024
BLOCK = 64  # consumers per block: a power of two, at least LANES, dividing CHUNK
BLOCKS = CHUNK // BLOCK
TASTE, PFAC, WEIGHT, REACH, CULTURE_ROWS = 0, 1, 2, 3, 4  # rows of the block buffer
#: A total below this (2^-256) means the block's utility ceiling lies too far above some
#: consumer's utilities; the block is then weighed from its largest utilities instead.
SMALLEST_TOTAL = 2.0**-256


@nb.njit(cache=True, inline="always", error_model="numpy")
def buffer_rows(n_cul, n_cre):
    """Rows of the block buffer: four per consumer, two per culture, one per creator."""
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
    reach = 0.0  # max_k |a_ik|, for the utility ceiling
    for k in range(n_cul):
        X[blk, CULTURE_ROWS + k, pos] = affinity[i, k]
        X[blk, awa0 + k, pos] = awareness[i, k]
        reach = max(reach, abs(affinity[i, k]))
    X[blk, REACH, pos] = reach
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
def block_weights(X, blk, lo, hi, off, v0m, n_cul, ceiling, V, top, total):
    """Consideration-weighted exp(V - top) of block ``blk`` of a chunk in one market.

    On return ``V[j - lo, :]`` holds e_ij exp(V_ij - top_i) and ``total``
    exp(V_i0 - top_i) plus their sum, with ``top`` (in base-2 units, log2 e times utils)
    a ceiling on i's utilities, at least v0 and every V_ij, from the market's
    ``ceiling`` (:func:`market_ceiling`). Any ceiling gives the same shares; one computed
    from bounds saves the pass over the goods that their largest utility needs, and the
    utilities are computed in the pass that takes their exponentials
    (:func:`~premia.model.lanes.utility_weight_lanes`). Should the ceiling lie so far above
    some consumer's utilities that its total falls below ``SMALLEST_TOTAL``, the block is
    weighed again from its exact largest utilities. ``V`` has ``BLOCK`` columns, as every
    caller allocates it.

    Every loop runs over the whole block (``BLOCK`` consumers, padding included: the
    buffers are padded to whole blocks): with a trip count known when compiling, LLVM
    unrolls the loops and drops their remainder and alias checks.
    """
    utility_ceiling(X, blk, v0m, ceiling, top)
    _weigh_goods(X, blk, lo, hi, off, v0m, n_cul, V, top, total)
    underflows = 0  # counted, not a min: an integer sum vectorizes, a float min would not
    for i in range(BLOCK):
        underflows += 1 if total[i] < SMALLEST_TOTAL else 0
    if underflows > 0:
        utility_max(X, blk, lo, hi, off, v0m, n_cul, top)
        _weigh_goods(X, blk, lo, hi, off, v0m, n_cul, V, top, total)


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def market_ceiling(lo, hi, off):
    """(Q+, Q-, P+, P-, R) of goods ``lo .. hi``, in base-2 units: the largest and smallest
    quality term q_j and price term p_j (price weight times price), and the reach of
    culture, R = max |M_j| over cultural goods plus |eta| if a good carries an origin."""
    quality, meaning, culture, origin, price, pweight, _, eta = off
    q_hi = q_lo = quality[lo]
    p_hi = p_lo = pweight[lo] * price[lo]
    reach, halo = 0.0, 0.0
    for j in range(lo, hi):
        pp = pweight[j] * price[j]
        q_hi, q_lo = max(q_hi, quality[j]), min(q_lo, quality[j])
        p_hi, p_lo = max(p_hi, pp), min(p_lo, pp)
        reach = max(reach, abs(meaning[j])) if culture[j] >= 0 else reach
        halo = abs(eta) if origin[j] >= 0 else halo
    return q_hi * LOG2E, q_lo * LOG2E, p_hi * LOG2E, p_lo * LOG2E, (reach + halo) * LOG2E


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def utility_ceiling(X, blk, v0m, ceiling, top):
    """top_i = max(U_i0, max(alpha_i Q+, alpha_i Q-) + max(-g_i P-, -g_i P+)
    + R max_k |a_ik|) in base 2, with ``ceiling`` = (Q+, Q-, P+, P-, R) from
    :func:`market_ceiling`, g_i the price factor and max_k |a_ik| the buffer's ``REACH``
    row: no utility of the block's consumers in the market exceeds it."""
    q_hi, q_lo, p_hi, p_lo, reach = ceiling
    for i in range(BLOCK):
        a, g = X[blk, TASTE, i], X[blk, PFAC, i]
        top[i] = max(a * q_hi, a * q_lo) + max(-g * p_lo, -g * p_hi)
    if reach > 0.0:
        for i in range(BLOCK):
            top[i] += reach * X[blk, REACH, i]
    u0 = v0m * LOG2E
    for i in range(BLOCK):
        top[i] = max(top[i], u0)


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _weigh_goods(X, blk, lo, hi, off, v0m, n_cul, V, top, total):
    """The weights of every good and the outside option against ``top``, eight consumers
    at a time; a cultural good weighs e_ij (awareness, or 1 for the followers of its
    creator)."""
    quality, meaning, culture, origin, price, pweight, creator, eta = off
    awa0, fol0 = CULTURE_ROWS + n_cul, CULTURE_ROWS + 2 * n_cul
    halo = eta * LOG2E
    at_x = blk * X.shape[1] * BLOCK  # flat offset of the block in X
    at_t, at_p = at_x + TASTE * BLOCK, at_x + PFAC * BLOCK
    for i in range(0, BLOCK, LANES):
        outside_lanes(v0m * LOG2E, top, total, i)
    for j in range(lo, hi):
        at_v, k, ko, z = (j - lo) * BLOCK, culture[j], origin[j], creator[j]
        q, pp = quality[j] * LOG2E, -(pweight[j] * price[j] * LOG2E)
        at_o = at_x + (CULTURE_ROWS + ko) * BLOCK
        if k < 0 and ko < 0:
            for i in range(0, BLOCK, LANES):
                utility_weight_lanes(V, at_v + i, top, total, i, X,
                                     ((q, at_t + i), (pp, at_p + i)), ())
        elif k < 0:
            for i in range(0, BLOCK, LANES):
                utility_weight_lanes(V, at_v + i, top, total, i, X,
                                     ((q, at_t + i), (pp, at_p + i), (halo, at_o + i)), ())
        else:
            _weigh_cultural(X, at_x, at_v, at_o, q, pp, meaning[j] * LOG2E, halo,
                            CULTURE_ROWS + k, awa0 + k, fol0 + z if z >= 0 else -1,
                            ko >= 0, V, top, total)


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _weigh_cultural(X, at_x, at_v, at_o, q, pp, meaning, halo, ra, re, rf, has_origin, V,
                    top, total):
    """The weights of a good carrying a culture (rows ``ra`` affinity, ``re`` awareness,
    ``rf`` the creator's followers or -1; ``at_o`` the halo's affinity row)."""
    at_t, at_p = at_x + TASTE * BLOCK, at_x + PFAC * BLOCK
    at_a, at_e, at_f = at_x + ra * BLOCK, at_x + re * BLOCK, at_x + rf * BLOCK
    for i in range(0, BLOCK, LANES):
        if has_origin and rf >= 0:
            utility_weight_lanes(V, at_v + i, top, total, i, X,
                                 ((q, at_t + i), (pp, at_p + i), (meaning, at_a + i),
                                  (halo, at_o + i)), (at_e + i, at_f + i))
        elif has_origin:
            utility_weight_lanes(V, at_v + i, top, total, i, X,
                                 ((q, at_t + i), (pp, at_p + i), (meaning, at_a + i),
                                  (halo, at_o + i)), (at_e + i,))
        elif rf >= 0:
            utility_weight_lanes(V, at_v + i, top, total, i, X,
                                 ((q, at_t + i), (pp, at_p + i), (meaning, at_a + i)),
                                 (at_e + i, at_f + i))
        else:
            utility_weight_lanes(V, at_v + i, top, total, i, X,
                                 ((q, at_t + i), (pp, at_p + i), (meaning, at_a + i)),
                                 (at_e + i,))


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def utility_max(X, blk, lo, hi, off, v0m, n_cul, top):
    """top_i = max(U_i0, max over the goods i considers of U_ij) (base 2): the exact
    largest utility, for the rare block whose ceiling is too loose."""
    quality, meaning, culture, origin, price, pweight, creator, eta = off
    awa0, fol0 = CULTURE_ROWS + n_cul, CULTURE_ROWS + 2 * n_cul
    for i in range(BLOCK):
        top[i] = v0m * LOG2E
    for j in range(lo, hi):
        k, ko, z = culture[j], origin[j], creator[j]
        q, pp = quality[j] * LOG2E, -(pweight[j] * price[j] * LOG2E)
        for i in range(BLOCK):
            u = X[blk, TASTE, i] * q + X[blk, PFAC, i] * pp
            considered = True
            if k >= 0:
                u += X[blk, CULTURE_ROWS + k, i] * meaning[j] * LOG2E
                rf = fol0 + z if z >= 0 else awa0 + k
                considered = max(X[blk, awa0 + k, i], X[blk, rf, i]) > 0.0
            if ko >= 0:
                u += X[blk, CULTURE_ROWS + ko, i] * eta * LOG2E
            top[i] = max(top[i], u) if considered else top[i]
