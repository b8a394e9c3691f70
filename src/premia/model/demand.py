"""Consideration-weighted mixed-logit demand (DESIGN §1.3).

Each period consumer i shops in market c with probability phi_c. The utility of good j is

    V_ij = alpha_i omega_c q_j + beta_c a_{i,k(j)} M_j + eta a_{i,k(r(j))} - gamma_i p_j,
    V_i0 = v0_c,   gamma_i = gamma_c (ybar / y_i)^epsilon,

and a good carrying culture k enters i's choice set with probability e_ik (awareness; a
follower of a creator is aware of its cooperative's goods; other goods have e = 1):

    P_ij = e_ij exp(V_ij) / (exp(V_i0) + sum_j' e_ij' exp(V_ij')),

computed with log-sum-exp. Expected demand is D_j = sum_i w phi_c P_ij; the sampled mode
draws who shops (probability phi_c) and one choice per shopper, and evaluates only the
shoppers. Consumer surplus is the logit inclusive value
sum_i w phi_c [log(exp(V_i0) + sum_j e_ij exp(V_ij)) - V_i0] / gamma_i, measured from the
outside option so that a market with no goods adds nothing; the sampled mode reports its
unbiased estimate, the same sum over this period's shoppers without the factor phi_c.

Reductions over consumers use a fixed chunking (``CHUNK`` consumers per partial sum,
summed in chunk order), so results do not depend on the number of threads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numba as nb
import numpy as np

from premia.model.fastmath import FAST, dot_lanes, exp_nonpositive, log_positive

CHUNK = 1024
PARALLEL_MIN = 8 * CHUNK  # consumers from which the kernels use the thread pool


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


@nb.njit(cache=True, inline="always")
def _utilities(i, lo, hi, alpha, gfac, affinity, awareness, follows, off, v_out, e_out):
    """Fill utilities and consideration weights of consumer i for goods lo..hi."""
    vmax = -np.inf
    for j in range(lo, hi):
        v = alpha[i] * off[0][j] - off[5][j] * gfac[i] * off[4][j]
        k = off[2][j]
        e = 1.0
        if k >= 0:
            v += affinity[i, k] * off[1][j]
            e = awareness[i, k]
            z = off[6][j]
            if z >= 0 and follows[i, z]:
                e = 1.0
        ko = off[3][j]
        if ko >= 0:
            v += off[7] * affinity[i, ko]
        v_out[j - lo] = v
        e_out[j - lo] = e
        if e > 0.0 and v > vmax:
            vmax = v
    return vmax


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _block_weights(b, lo, hi, taste, pfac, aff, awa, fol, off, v0m, V, E, top, total):
    """Consideration-weighted exp(V - top) of one block of consumers in one market.

    Goods-major layout: ``V[j - lo, :b]`` ends up holding e_ij exp(V_ij - top_i) and
    ``total[:b]`` exp(V_i0 - top_i) + sum_j of them, ``top`` the largest considered
    utility (or v0). ``taste``/``pfac`` are the block's alpha_i and gamma_i / gamma_c;
    ``aff``/``awa``/``fol`` its transposed affinity, awareness and following (cultures or
    creators x consumers), so every inner loop runs over contiguous consumers.
    """
    top[:b] = v0m
    for j in range(lo, hi):
        row, k, z = j - lo, off[2][j], off[6][j]
        ko = off[3][j]
        _utility_row(V[row], taste, pfac, aff[max(ko, 0)], off[7] if ko >= 0 else 0.0,
                     off[0][j], off[5][j] * off[4][j], k < 0, top, b)
        if k >= 0:
            _culture_row(V[row], E[row], aff[k], awa[k], fol[max(z, 0)], z >= 0, off[1][j],
                         top, b)
    for i in range(b):
        total[i] = exp_nonpositive(v0m - top[i])
    for j in range(lo, hi):
        row = j - lo
        if off[2][j] >= 0:
            _exp_row(V[row], E[row], top, total, b)
        else:
            _exp_row_plain(V[row], top, total, b)


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _utility_row(v, taste, pfac, aff_o, halo, q, pw_price, plain, top, b):
    """v_i = alpha_i omega q_j - gamma_i p_j + eta a_{i,k(r(j))} (culture term added later).

    For a good without culture (``plain``) the running maximum ``top`` is updated too.
    """
    if plain:
        for i in range(b):
            v[i] = taste[i] * q - pw_price * pfac[i] + halo * aff_o[i]
            top[i] = max(top[i], v[i])
    else:
        for i in range(b):
            v[i] = taste[i] * q - pw_price * pfac[i] + halo * aff_o[i]


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _culture_row(v, e, aff_k, awa_k, fol_z, has_creator, meaning, top, b):
    """Add beta a_ik M_j, set e_ij (1 for the creator's followers) and update the max."""
    for i in range(b):
        e[i] = awa_k[i]
    if has_creator:
        for i in range(b):
            e[i] = 1.0 if fol_z[i] != 0 else e[i]
    for i in range(b):
        v[i] += aff_k[i] * meaning
        top[i] = max(top[i], v[i] if e[i] > 0.0 else -np.inf)


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _exp_row(v, e, top, total, b):
    for i in range(b):
        v[i] = e[i] * exp_nonpositive(v[i] - top[i])
        total[i] += v[i]


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _exp_row_plain(v, top, total, b):
    for i in range(b):
        v[i] = exp_nonpositive(v[i] - top[i])
        total[i] += v[i]


@nb.njit(cache=True, inline="always")
def _transpose_block(src, i0, b, dst):
    for i in range(b):
        for k in range(src.shape[1]):
            dst[k, i] = src[i0 + i, k]


@nb.njit(inline="always", fastmath=FAST)
def _demand_core(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                 weight, sampled, uniforms, bought):
    n = alpha.shape[0]
    n_markets = offsets.shape[0] - 1
    n_goods = offsets[n_markets]
    n_chunks = (n + CHUNK - 1) // CHUNK
    n_cul, n_cre = affinity.shape[1], follows.shape[1]
    width = 1
    for m in range(n_markets):
        width = max(width, offsets[m + 1] - offsets[m])
    dem = np.zeros((n_chunks, max(n_goods, 1)))
    surplus = np.zeros((n_chunks, n_markets))
    for ch in nb.prange(n_chunks):
        i0 = ch * CHUNK
        b = min(n, i0 + CHUNK) - i0
        V = np.empty((width, CHUNK))
        top, total, scale = np.empty(CHUNK), np.empty(CHUNK), np.empty(CHUNK)
        aff = np.zeros((max(n_cul, 1), CHUNK))  # one zero row when there is no culture
        awa = np.empty((n_cul, CHUNK))
        fol = np.zeros((max(n_cre, 1), CHUNK), follows.dtype)
        E = np.empty((width, CHUNK))
        taste, pfac, ones = np.empty(CHUNK), np.empty(CHUNK), np.ones(CHUNK)
        for i in range(b):
            taste[i] = alpha[i0 + i]
            pfac[i] = gfac[i0 + i]
        got = np.zeros((n_cul, CHUNK))
        _transpose_block(affinity, i0, b, aff)
        _transpose_block(awareness, i0, b, awa)
        _transpose_block(follows, i0, b, fol)
        # the shoppers' buffers are separate arrays: a NamedTuple of arrays inside a
        # prange body mis-compiles under parallel=True (wrong demand, then a segfault)
        s_index, s_taste, s_pfac = np.empty(CHUNK, np.int64), np.empty(CHUNK), np.empty(CHUNK)
        s_aff, s_awa = np.zeros((max(n_cul, 1), CHUNK)), np.empty((n_cul, CHUNK))
        s_fol = np.zeros((max(n_cre, 1), CHUNK), follows.dtype)
        for m in range(n_markets):
            lo, hi = offsets[m], offsets[m + 1]
            if hi == lo:
                continue
            if sampled:
                bs = _gather_shoppers(i0, b, m, phi[m], uniforms, taste, pfac, aff, awa, fol,
                                      s_index, s_taste, s_pfac, s_aff, s_awa, s_fol)
                _block_weights(bs, lo, hi, s_taste, s_pfac, s_aff, s_awa, s_fol, off, v0[m],
                               V, E, top, total)
                for s in range(bs):
                    scale[s] = (top[s] + log_positive(total[s]) - v0[m]) / s_pfac[s]
                surplus[ch, m] = weight / off[5][lo] * dot_lanes(scale[None, :], ones, 0, bs)
                _sample_block(i0, bs, lo, hi, m, v0[m], V, top, total, uniforms, off,
                              weight, dem, ch, got, s_index)
                continue
            _block_weights(b, lo, hi, taste, pfac, aff, awa, fol, off, v0[m], V, E, top,
                           total)
            for i in range(b):
                scale[i] = (top[i] + log_positive(total[i]) - v0[m]) / pfac[i]
            surplus[ch, m] = weight * phi[m] / off[5][lo] * dot_lanes(scale[None, :], ones, 0, b)
            for i in range(b):
                scale[i] = phi[m] / total[i]
            for j in range(lo, hi):
                dem[ch, j] = weight * dot_lanes(V, scale, j - lo, b)
                k = off[2][j]
                if k >= 0:
                    for i in range(b):
                        got[k, i] += V[j - lo, i] * scale[i]
        for i in range(b):
            for k in range(n_cul):
                bought[i0 + i, k] = got[k, i]
    demand = np.zeros(n_goods)
    cs = np.zeros(n_markets)
    for ch in range(n_chunks):
        for j in range(n_goods):
            demand[j] += dem[ch, j]
        for m in range(n_markets):
            cs[m] += surplus[ch, m]
    return demand, cs


@nb.njit(cache=True, parallel=True, fastmath=FAST)
def _demand_parallel(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                     weight, sampled, uniforms, bought):
    return _demand_core(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                        weight, sampled, uniforms, bought)


@nb.njit(cache=True, fastmath=FAST)
def _demand_serial(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                   weight, sampled, uniforms, bought):
    return _demand_core(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                        weight, sampled, uniforms, bought)


def use_threads(consumers: int) -> bool:
    """Whether a kernel over ``consumers`` should run on the thread pool.

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


@nb.njit(inline="always")
def _gather_shoppers(i0, b, m, phi_m, uniforms, taste, pfac, aff, awa, fol,
                     index, s_taste, s_pfac, s_aff, s_awa, s_fol):
    """Copy the block's shoppers in market m (uniform < phi) into the ``s_*`` buffers.

    ``index`` maps each shopper to its consumer in the block; returns the shopper count.
    """
    bs = 0
    for i in range(b):
        if uniforms[i0 + i, m, 0] < phi_m:
            index[bs] = i
            bs += 1
    for s in range(bs):
        i = index[s]
        s_taste[s] = taste[i]
        s_pfac[s] = pfac[i]
        for k in range(awa.shape[0]):
            s_aff[k, s] = aff[k, i]
            s_awa[k, s] = awa[k, i]
        for z in range(fol.shape[0]):
            s_fol[z, s] = fol[z, i]
    return bs


@nb.njit(inline="always")
def _sample_block(i0, bs, lo, hi, m, v0m, V, top, total, uniforms, off, weight, dem, ch,
                  got, index):
    """One drawn choice per shopper (sampled demand); ``index`` maps shopper to consumer."""
    for s in range(bs):
        i = index[s]
        target = uniforms[i0 + i, m, 1] * total[s] - exp_nonpositive(v0m - top[s])
        if target < 0.0:
            continue  # the outside option was chosen
        for j in range(hi - lo):
            target -= V[j, s]
            if target < 0.0:
                dem[ch, lo + j] += weight
                k = off[2][lo + j]
                if k >= 0:
                    got[k, i] = 1.0
                break


def pack(offer: Offer, eta: float) -> tuple:
    """The per-good arrays in the tuple layout the kernels read."""
    return (
        offer.quality_term, offer.meaning_term, offer.culture, offer.origin_culture,
        offer.price, offer.price_weight, offer.creator, float(eta),
    )


def expected_demand(offer: Offer, consumers, eta: float, weight: float,
                    sampled: bool = False, uniforms: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Demand per good (in ``offer`` order) and consumer surplus per market.

    Also writes ``consumers.bought[i, k]``: the probability (or, sampled, the fact) that
    consumer i bought a good of culture k this period.

    Args:
        offer: the goods on offer.
        consumers: the :class:`~premia.model.state.Consumers` arrays.
        eta: the country-of-origin halo weight.
        weight: people each simulated consumer stands for.
        sampled: draw one choice per shopper instead of expected shares.
        uniforms: (consumers x markets x 2) uniforms for the sampled mode.

    Returns:
        ``(demand, consumer_surplus)``.
    """
    n_markets = offer.offsets.shape[0] - 1
    if uniforms is None:
        uniforms = np.zeros((1, n_markets, 2))
    kernel = _demand_parallel if use_threads(consumers.quality_taste.size) else _demand_serial
    return kernel(
        consumers.quality_taste, consumers.price_factor, consumers.affinity,
        consumers.awareness, consumers.follows, offer.offsets, pack(offer, eta),
        offer.purchase_rate, offer.outside_utility, float(weight), bool(sampled), uniforms,
        consumers.bought,
    )


@nb.njit(inline="always")
def _spending_core(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                   weight, served):
    n = alpha.shape[0]
    n_markets = offsets.shape[0] - 1
    width = 1
    for m in range(n_markets):
        width = max(width, offsets[m + 1] - offsets[m])
    spend = np.zeros(n)
    for i in nb.prange(n):
        v = np.empty(width)
        e = np.empty(width)
        for m in range(n_markets):
            lo = offsets[m]
            hi = offsets[m + 1]
            vmax = _utilities(i, lo, hi, alpha, gfac, affinity, awareness, follows, off, v, e)
            top = max(vmax, v0[m])
            total = np.exp(v0[m] - top)
            for j in range(hi - lo):
                v[j] = e[j] * np.exp(v[j] - top) if e[j] > 0.0 else 0.0
                total += v[j]
            for j in range(hi - lo):
                spend[i] += weight * phi[m] * v[j] / total * served[lo + j] * off[4][lo + j]
    return spend


@nb.njit(cache=True, parallel=True)
def _spending_parallel(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                       weight, served):
    return _spending_core(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                          weight, served)


@nb.njit(cache=True)
def _spending_serial(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                     weight, served):
    return _spending_core(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                          weight, served)


def consumer_spending(offer: Offer, consumers, eta: float, weight: float,
                      served: np.ndarray) -> np.ndarray:
    """Each consumer's expected spending after rationing (served share per good).

    Computed consumer by consumer, independently of the firms' accounts, so that the
    money identity (spending = revenue) can be checked.
    """
    kernel = (_spending_parallel if use_threads(consumers.quality_taste.size)
              else _spending_serial)
    return kernel(
        consumers.quality_taste, consumers.price_factor, consumers.affinity,
        consumers.awareness, consumers.follows, offer.offsets, pack(offer, eta),
        offer.purchase_rate, offer.outside_utility, float(weight), served,
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
