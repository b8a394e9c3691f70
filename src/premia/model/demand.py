"""Consideration-weighted mixed-logit demand (DESIGN §1.3).

Each period consumer i shops in market c with probability phi_c. The utility of good j is

    V_ij = alpha_i omega_c q_j + beta_c a_{i,k(j)} M_j + eta a_{i,k(r(j))} - gamma_i p_j,
    V_i0 = v0_c,   gamma_i = gamma_c (ybar / y_i)^epsilon,

and a good carrying culture k enters i's choice set with probability e_ik (awareness; a
follower of a creator is aware of its cooperative's goods; other goods have e = 1):

    P_ij = e_ij exp(V_ij) / (exp(V_i0) + sum_j' e_ij' exp(V_ij')),

computed with log-sum-exp. Consumer i stands for w_i people (its weight: population /
consumers by default, unequal for importance-sampled consumers). Expected demand is
D_j = sum_i w_i phi_c P_ij; the sampled mode draws who shops (probability phi_c) and one
choice per shopper, and evaluates only the shoppers. Consumer surplus is the logit
inclusive value sum_i w_i phi_c [log(exp(V_i0) + sum_j e_ij exp(V_ij)) - V_i0] / gamma_i,
measured from the outside option so that a market with no goods adds nothing; the sampled
mode reports its unbiased estimate, the same sum over this period's shoppers without the
factor phi_c.

Layout: consumers are taken in fixed chunks of ``CHUNK`` (the unit of parallel work), and
a chunk in blocks of ``BLOCK`` whose utilities stay in the L1 cache. Within a block the
utilities are goods-major (``V[good, consumer]``), so every inner loop runs over
contiguous consumers and vectorizes. Sums over a block's consumers are vectorized in lanes
whose order the compiled code fixes, blocks are added in block order and chunks in chunk
order, so results do not depend on the number of threads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numba as nb
import numpy as np

from premia.model.fastmath import (
    FAST,
    LANES,
    LN2,
    LOG2E,
    block_sum,
    exp2_nonpositive,
    log_positive,
    wide_vectors,
)
from premia.model.lanes import fold_lanes, lane_dots
from premia.model.logit import (
    BLOCK,
    CHUNK,
    PFAC,
    WEIGHT,
    block_weights,
    buffer_rows,
    fill_consumer,
    load_chunk,
    market_ceiling,
    pad_blocks,
)
from premia.model.shoppers import NO_SHOPPERS

#: Consumers (or, in sampled demand, shoppers) from which the kernels use the thread pool.
#: Measured on 2 cores (benchmarks/threads.py): two threads make the expected-demand
#: kernel faster from about 14,000 consumers and the sampled one from about 35,000
#: shoppers (it runs on the thread pool from twice this many shoppers); below that,
#: waking the workers costs more than the split saves.
PARALLEL_MIN = 16 * CHUNK


@dataclass
class Offer:
    """The goods on offer this period, sorted by market (a CSR layout).

    ``slots[offsets[m]:offsets[m+1]]`` are the firm slots selling in market ``m``.
    """

    slots: np.ndarray
    offsets: np.ndarray
    quality_term: np.ndarray
    meaning_term: np.ndarray
    culture: np.ndarray
    origin_culture: np.ndarray
    creator: np.ndarray
    price: np.ndarray
    price_weight: np.ndarray
    purchase_rate: np.ndarray
    outside_utility: np.ndarray


@nb.njit(inline="always", fastmath=FAST, error_model="numpy")
def _demand_core(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi, v0,
                 sampled, shoppers, bought):
    n = alpha.shape[0]
    n_markets = offsets.shape[0] - 1
    n_goods = offsets[n_markets]
    n_chunks = (n + CHUNK - 1) // CHUNK
    n_cul = affinity.shape[1]
    width = 1
    for m in range(n_markets):
        width = max(width, offsets[m + 1] - offsets[m])
    dem = np.zeros((n_chunks, max(n_goods, 1)))
    surplus = np.zeros((n_chunks, n_markets))
    for ch in nb.prange(n_chunks):
        wide_vectors()
        i0 = ch * CHUNK
        b = min(n, i0 + CHUNK) - i0
        if sampled:  # only shoppers are evaluated: they are copied market by market
            b8 = (b + LANES - 1) // LANES * LANES
            X = np.empty(((b8 + BLOCK - 1) // BLOCK,
                          buffer_rows(affinity.shape[1], follows.shape[1]), BLOCK))
        else:
            X, b8 = load_chunk(i0, b, alpha, gfac, weight, affinity, awareness, follows)
        V = np.empty((width, BLOCK))
        top, total = np.empty(BLOCK), np.empty(BLOCK)
        share, scale = np.empty(BLOCK), np.empty(BLOCK)
        demand_m = np.empty(width)
        lane_sums = np.empty((width, LANES))
        got = np.zeros((max(n_cul, 1), X.shape[0], BLOCK))
        # the shoppers' buffers are separate arrays: a NamedTuple of arrays inside a
        # prange body mis-compiles under parallel=True (wrong demand, then a segfault)
        index = np.empty(X.shape[0] * BLOCK, np.int64)
        choice_u = np.empty(X.shape[0] * BLOCK)
        picked = np.empty(BLOCK, np.int64)
        for m in range(n_markets):
            lo, hi = offsets[m], offsets[m + 1]
            if hi == lo:
                continue
            if sampled:
                bs8 = _gather_shoppers(b, m, i0, shoppers, index, choice_u, X, alpha, gfac,
                                       weight, affinity, awareness, follows)
                surplus[ch, m] = _sampled_market(X, bs8, lo, hi, v0[m], n_cul, off,
                                                 choice_u, index, V, top, total, share,
                                                 picked, dem, ch, got)
                continue
            surplus[ch, m] = _expected_market(X, b8, lo, hi, phi[m], v0[m], n_cul, off, V,
                                              top, total, share, scale, demand_m, lane_sums, got)
            for j in range(lo, hi):
                dem[ch, j] = demand_m[j - lo]
        for i in range(b):
            for k in range(n_cul):
                bought[i0 + i, k] = got[k, i // BLOCK, i % BLOCK]
    demand = np.zeros(n_goods)
    cs = np.zeros(n_markets)
    for ch in range(n_chunks):
        for j in range(n_goods):
            demand[j] += dem[ch, j]
        for m in range(n_markets):
            cs[m] += surplus[ch, m]
    return demand, cs


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _expected_market(X, b8, lo, hi, phi_m, v0m, n_cul, off, V, top, total, share, scale,
                     demand, lane_sums, got):
    """Expected demand of one chunk in one market, block by block.

    Sets ``demand[:hi - lo]`` to the chunk's sum_i w_i phi P_ij, adds phi P_ij to
    ``got[k(j)]`` and returns the chunk's consumer surplus in the market.
    """
    culture = off[2]
    size = hi - lo
    lane_sums[:size] = 0.0
    surplus = 0.0
    ceiling = market_ceiling(lo, hi, off)
    for blk in range((b8 + BLOCK - 1) // BLOCK):
        n8 = min(BLOCK, b8 - blk * BLOCK)
        block_weights(X, blk, lo, hi, off, v0m, n_cul, ceiling, V, top, total)
        surplus += _inclusive_values(X, blk, n8, v0m, top, total, share)
        for i in range(BLOCK):  # whole blocks: see block_weights
            share[i] = phi_m / total[i]
        for i in range(BLOCK):
            scale[i] = X[blk, WEIGHT, i] * share[i]
        for j in range(lo, hi):
            row, k = j - lo, culture[j]
            if k >= 0:
                for i in range(BLOCK):
                    got[k, blk, i] += V[row, i] * share[i]
        lane_dots(lane_sums, V, scale, size)
    fold_lanes(demand, lane_sums, size)
    return phi_m / off[5][lo] * surplus


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _inclusive_values(X, blk, n8, v0m, top, total, scratch):
    """sum_i w_i [log(exp(V_i0) + sum_j e_ij exp(V_ij)) - V_i0] / (gamma_i / gamma_c) over
    the block (``top`` and ``total`` its base-2 maximum and scaled sum)."""
    u0 = v0m * LOG2E
    for i in range(n8):
        inclusive = (top[i] - u0) * LN2 + log_positive(total[i])
        scratch[i] = X[blk, WEIGHT, i] * inclusive / X[blk, PFAC, i]
    return block_sum(scratch, n8)


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _sampled_market(SX, bs8, lo, hi, v0m, n_cul, off, choice_u, index, V, top, total,
                    scratch, picked, dem, ch, got):
    """One drawn choice per shopper of one chunk in one market; returns the surplus.

    Shopper i takes the first good j at which u_i total_i - w_i0 - sum_{j' <= j} w_ij'
    falls below 0 (the outside option if it is below 0 already). The running differences
    are taken for every shopper and good, vectorized, counting the goods before the one
    chosen: no branch depends on a draw.
    """
    culture = off[2]
    size = hi - lo
    surplus = 0.0
    u0 = v0m * LOG2E
    ceiling = market_ceiling(lo, hi, off)
    for blk in range((bs8 + BLOCK - 1) // BLOCK):
        n8 = min(BLOCK, bs8 - blk * BLOCK)
        block_weights(SX, blk, lo, hi, off, v0m, n_cul, ceiling, V, top, total)
        surplus += _inclusive_values(SX, blk, n8, v0m, top, total, scratch)
        target = scratch
        for s in range(n8):
            target[s] = choice_u[blk * BLOCK + s] * total[s] - exp2_nonpositive(u0 - top[s])
        for s in range(n8):
            picked[s] = size if target[s] < 0.0 else 0  # size: the outside option
        for row in range(size):
            for s in range(n8):
                target[s] -= V[row, s]
                picked[s] += 1 if target[s] >= 0.0 else 0
        for s in range(n8):
            i = index[blk * BLOCK + s]
            if i < 0:
                continue  # padding
            row = picked[s]
            chose = row < size
            j = lo + min(row, size - 1)
            dem[ch, j] += SX[blk, WEIGHT, s] if chose else 0.0
            k = culture[j]
            if k >= 0:
                got[k, i // BLOCK, i % BLOCK] = 1.0 if chose else got[k, i // BLOCK, i % BLOCK]
    return surplus / off[5][lo]


@nb.njit(cache=True, inline="always", error_model="numpy")
def _gather_shoppers(b, m, i0, shoppers, index, choice_u, SX, alpha, gfac, weight, affinity,
                     awareness, follows):
    """Copy the chunk's shoppers in market m from the consumers' arrays into ``SX``.

    ``shoppers`` is :func:`~premia.model.shoppers.draw_shoppers`' (start, who, uniform);
    ``index`` maps each shopper to its consumer in the chunk (-1 for padding) and
    ``choice_u`` gets its choice uniform. Returns the shopper count rounded up to a
    multiple of ``LANES``.
    """
    start, who, uniform = shoppers
    first = start[m] + np.searchsorted(who[start[m]:start[m + 1]], i0)
    bs = 0
    while first + bs < start[m + 1] and who[first + bs] < i0 + b:
        index[bs] = who[first + bs] - i0
        choice_u[bs] = uniform[first + bs]
        fill_consumer(SX, bs // BLOCK, bs % BLOCK, who[first + bs], alpha, gfac, weight,
                      affinity, awareness, follows)
        bs += 1
    for s in range(bs, (bs + BLOCK - 1) // BLOCK * BLOCK):
        index[s] = -1
        choice_u[s] = 0.0
    return pad_blocks(SX, bs)


@nb.njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _demand_parallel(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi,
                     v0, sampled, shoppers, bought):
    return _demand_core(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi,
                        v0, sampled, shoppers, bought)


@nb.njit(cache=True, fastmath=FAST, error_model="numpy")
def _demand_serial(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi, v0,
                   sampled, shoppers, bought):
    return _demand_core(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi,
                        v0, sampled, shoppers, bought)


def use_threads(consumers: int) -> bool:
    """Whether a kernel over ``consumers`` (the ones it evaluates) should run on the
    thread pool.

    Small problems run serially: waking worker threads costs more than it saves (and a
    lot more on a loaded machine). Results are identical either way, because every
    reduction runs over the same fixed chunks in the same order.

    Before the first parallel call, OpenMP's wait policy defaults to ``passive`` (unless
    the user set ``OMP_WAIT_POLICY``): spinning idle workers otherwise take the CPU from
    the thread that has work, which costs about 20 ms per call on a busy machine.
    """
    if consumers < PARALLEL_MIN:
        return False
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # read when the pool starts
    return nb.get_num_threads() > 1


def kernel_load(consumers: int, shoppers: int, sampled: bool) -> int:
    """The work of a demand call in consumers' worth, for :func:`use_threads`: a shopper
    costs the sampled kernel about half what a consumer costs the expected one."""
    return shoppers // 2 if sampled else consumers


def pack(offer: Offer, eta: float) -> tuple:
    """The per-good arrays in the tuple layout the kernels read."""
    return (
        offer.quality_term, offer.meaning_term, offer.culture, offer.origin_culture,
        offer.price, offer.price_weight, offer.creator, float(eta),
    )


def consumer_weights(consumers, weight=None) -> np.ndarray:
    """The people each consumer stands for, as a float64 array (one entry per consumer).

    ``weight`` overrides ``consumers.weight``; a scalar is given to every consumer.
    """
    w = consumers.weight if weight is None else weight
    n = consumers.quality_taste.shape[0]
    w = np.asarray(w, dtype=np.float64)
    if w.ndim == 0:
        return np.full(n, float(w))
    if w.shape != (n,):
        raise ValueError(f"weights have shape {w.shape}, expected ({n},)")
    return np.ascontiguousarray(w)


def expected_demand(offer: Offer, consumers, eta: float, weight=None,
                    sampled: bool = False, shoppers: tuple | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Demand per good (in ``offer`` order) and consumer surplus per market.

    Also writes ``consumers.bought[i, k]``: the probability (or, sampled, the fact) that
    consumer i bought a good of culture k this period.

    Args:
        offer: the goods on offer.
        consumers: the :class:`~premia.model.state.Consumers` arrays.
        eta: the country-of-origin halo weight.
        weight: people each simulated consumer stands for (an array, one per consumer, or
            a scalar for all); ``consumers.weight`` when omitted.
        sampled: draw one choice per shopper instead of expected shares.
        shoppers: for the sampled mode, the result of
            :func:`~premia.model.shoppers.draw_shoppers` for these consumers and the
            offer's markets.

    Returns:
        ``(demand, consumer_surplus)``.
    """
    if shoppers is None:
        if sampled:
            raise ValueError("sampled demand needs the shoppers (draw_shoppers)")
        shoppers = NO_SHOPPERS
    load = kernel_load(consumers.quality_taste.size, shoppers[1].size, sampled)
    kernel = _demand_parallel if use_threads(load) else _demand_serial
    return kernel(
        consumers.quality_taste, consumers.price_factor, consumer_weights(consumers, weight),
        consumers.affinity, consumers.awareness, consumers.follows, offer.offsets,
        pack(offer, eta), offer.purchase_rate, offer.outside_utility, bool(sampled), shoppers,
        consumers.bought,
    )


def choice_probabilities(offer: Offer, consumers, eta: float, market: int) -> np.ndarray:
    """(consumers x (1 + goods)) choice probabilities in one market, outside option first.

    A slow, plain-NumPy reference used by tests and small diagnostics.
    """
    lo, hi = offer.offsets[market], offer.offsets[market + 1]
    v = np.empty((consumers.quality_taste.shape[0], hi - lo))
    e = np.ones_like(v)
    for col, j in enumerate(range(lo, hi)):
        v[:, col] = (consumers.quality_taste * offer.quality_term[j]
                     - offer.price_weight[j] * consumers.price_factor * offer.price[j])
        k = offer.culture[j]
        if k >= 0:
            v[:, col] += consumers.affinity[:, k] * offer.meaning_term[j]
            e[:, col] = consumers.awareness[:, k]
            z = offer.creator[j]
            if z >= 0:
                e[:, col] = np.where(consumers.follows[:, z] > 0, 1.0, e[:, col])
        if offer.origin_culture[j] >= 0:
            v[:, col] += eta * consumers.affinity[:, offer.origin_culture[j]]
    full = np.column_stack([np.full(v.shape[0], offer.outside_utility[market]), v])
    weights = np.column_stack([np.ones(v.shape[0]), e])
    top = np.where(weights > 0, full, -np.inf).max(axis=1, keepdims=True)
    num = weights * np.exp(full - top)
    return num / num.sum(axis=1, keepdims=True)
