"""Price setting (DESIGN §1.4).

``adaptive`` (behavioural): each firm moves its price with its utilisation,

    p <- max(c_f, p exp(psi (u - u*))),   u = sales / K,

never below unit production cost. Chronic overcapacity drives prices to production cost
while defects, transport and fixed costs stay unpaid.

``nash``: Bertrand-Nash prices of the mixed-logit market given the firms' effective
marginal costs c^, by the zeta-markup fixed point of Morrow and Skerlos (2011):

    p <- c^ + zeta(p),   zeta = Lambda^-1 [(O * Gamma)^T (p - c^) + s],
    Lambda_jj = sum_i w_i gamma_i P_ij,   Gamma_jk = sum_i w_i gamma_i P_ij P_ik,

iterated until the first-order conditions hold to ``tol`` (O is the ownership matrix).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.demand import Offer, consumer_weights, use_threads
from premia.model.fastmath import FAST, LANES, fold_lanes, wide_vectors
from premia.model.logit import BLOCK, CHUNK, PFAC, WEIGHT, block_weights, consumer_buffer


def adaptive_prices(price: np.ndarray, unit_cost: np.ndarray, utilization: np.ndarray,
                    speed: np.ndarray, target: np.ndarray) -> np.ndarray:
    """One adaptive step: p exp(psi (u - u*)), floored at unit production cost."""
    return np.maximum(unit_cost, price * np.exp(speed * (utilization - target)))


@nb.njit(inline="always", fastmath=FAST, error_model="numpy")
def _markup_core(X_all, n, off, v0m, n_cul, margin, members, group_start):
    """s_j, Lambda_jj and [(O * Gamma)^T (p - c^)]_j of one market, in O(consumers x goods).

    With P_ij the choice probabilities, w_i the consumers' weights and owners o(j),

        s_j = sum_i w_i P_ij,   Lambda_jj = sum_i w_i gamma_i P_ij,
        [(O * Gamma)^T m]_j = sum_i w_i gamma_i P_ij A_{i,o(j)},
        A_ig = sum_{k: o(k)=g} P_ik m_k,

    so the J x J matrix Gamma is never formed. ``X_all`` holds the ``n`` consumers'
    block-major buffers (:func:`~premia.model.logit.consumer_buffer`); ``off`` the market's
    goods; ``members[group_start[g]:group_start[g+1]]`` are owner g's goods.
    """
    size = off[0].shape[0]
    n_chunks = X_all.shape[0]
    s_part = np.zeros((n_chunks, size))
    l_part = np.zeros((n_chunks, size))
    t_part = np.zeros((n_chunks, size))
    gamma_c = off[5][0]
    for ch in nb.prange(n_chunks):
        wide_vectors()
        X = X_all[ch]
        b = min(n, (ch + 1) * CHUNK) - ch * CHUNK
        b8 = (b + LANES - 1) // LANES * LANES
        V = np.empty((size, BLOCK))
        top, total, held = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
        scale, w_lam, w_gam = np.empty(BLOCK), np.empty(BLOCK), np.empty(BLOCK)
        acc_s, acc_l = np.zeros((size, BLOCK)), np.zeros((size, BLOCK))
        acc_t = np.zeros((size, BLOCK))
        for blk in range((b8 + BLOCK - 1) // BLOCK):
            n8 = min(BLOCK, b8 - blk * BLOCK)
            block_weights(X, blk, n8, 0, size, off, v0m, n_cul, V, top, total)
            for i in range(n8):
                scale[i] = X[blk, WEIGHT, i] / total[i]
            for i in range(n8):
                w_lam[i] = gamma_c * X[blk, PFAC, i] * scale[i]
            for i in range(n8):
                w_gam[i] = w_lam[i] / total[i]
            for j in range(size):
                for i in range(n8):
                    acc_s[j, i] += V[j, i] * scale[i]
                for i in range(n8):
                    acc_l[j, i] += V[j, i] * w_lam[i]
            for g in range(group_start.shape[0] - 1):
                _owner_terms(V, n8, members, group_start[g], group_start[g + 1], margin,
                             w_gam, held, acc_t)
        for j in range(size):
            s_part[ch, j] = fold_lanes(acc_s, j, BLOCK)
            l_part[ch, j] = fold_lanes(acc_l, j, BLOCK)
            t_part[ch, j] = fold_lanes(acc_t, j, BLOCK)
    s = np.zeros(size)
    lam = np.zeros(size)
    t = np.zeros(size)
    for ch in range(n_chunks):
        s += s_part[ch]
        lam += l_part[ch]
        t += t_part[ch]
    return s, lam, t


@nb.njit(cache=True, inline="always", fastmath=FAST, error_model="numpy")
def _owner_terms(V, n8, members, first, last, margin, w_gam, held, acc_t):
    """acc_t[k, i] += w_i gamma_i P_ik A_ig for owner g's goods k (one block)."""
    for i in range(n8):
        held[i] = 0.0
    for r in range(first, last):
        k, mk = members[r], margin[members[r]]
        for i in range(n8):
            held[i] += V[k, i] * mk
    for i in range(n8):
        held[i] *= w_gam[i]
    for r in range(first, last):
        k = members[r]
        for i in range(n8):
            acc_t[k, i] += V[k, i] * held[i]


@nb.njit(cache=True, parallel=True, fastmath=FAST, error_model="numpy")
def _markup_parallel(X_all, n, off, v0m, n_cul, margin, members, group_start):
    return _markup_core(X_all, n, off, v0m, n_cul, margin, members, group_start)


@nb.njit(cache=True, fastmath=FAST, error_model="numpy")
def _markup_serial(X_all, n, off, v0m, n_cul, margin, members, group_start):
    return _markup_core(X_all, n, off, v0m, n_cul, margin, members, group_start)


class MarketTerms:
    """The Nash markup terms of one market as a function of its margins p - c^.

    The consumers' data that the market's goods use (their cultures, the halo's cultures
    and the creators) are copied once into block-major buffers; every call then runs the
    kernel on them with the offer's current prices. Example::

        terms = MarketTerms(offer, consumers, eta, market)
        s, lam, t = terms(prices[lo:hi] - costs[lo:hi], members, group_start)
    """

    def __init__(self, offer: Offer, consumers, eta: float, market: int) -> None:
        lo, hi = int(offer.offsets[market]), int(offer.offsets[market + 1])
        culture, origin = offer.culture[lo:hi], offer.origin_culture[lo:hi]
        creator = offer.creator[lo:hi]
        used = np.unique(np.concatenate([culture[culture >= 0], origin[origin >= 0]]))
        fans = np.unique(creator[creator >= 0])
        local = np.full(max(consumers.affinity.shape[1], 1), -1, np.int64)
        local[used] = np.arange(used.size)
        local_z = np.full(max(consumers.follows.shape[1], 1), -1, np.int64)
        local_z[fans] = np.arange(fans.size)
        self.n = consumers.quality_taste.shape[0]
        self.n_cul = used.size
        threads = use_threads(self.n)
        self.X = consumer_buffer(
            consumers.quality_taste, consumers.price_factor, consumer_weights(consumers),
            consumers.affinity[:, used], consumers.awareness[:, used],
            consumers.follows[:, fans], threads)
        self.off = (offer.quality_term[lo:hi], offer.meaning_term[lo:hi],
                    np.where(culture >= 0, local[culture], -1),
                    np.where(origin >= 0, local[origin], -1), offer.price[lo:hi],
                    offer.price_weight[lo:hi], np.where(creator >= 0, local_z[creator], -1),
                    float(eta))
        self.v0 = float(offer.outside_utility[market])
        self.kernel = _markup_parallel if threads else _markup_serial

    def __call__(self, margin: np.ndarray, members: np.ndarray, group_start: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(s, Lambda, (O * Gamma)^T margin)`` at the offer's current prices."""
        return self.kernel(self.X, self.n, self.off, self.v0, self.n_cul, margin, members,
                           group_start)


def nash_prices(offer: Offer, consumers, eta: float, costs: np.ndarray,
                owner: np.ndarray, tol: float = 1e-13, max_iter: int = 10_000
                ) -> tuple[np.ndarray, int]:
    """Bertrand-Nash prices of every market in ``offer``.

    Args:
        offer: the goods on offer (its ``price`` is the starting point and is updated).
        consumers: consumer arrays.
        eta: halo weight.
        costs: effective marginal cost c^ per good, in offer order.
        owner: owner id per good; goods of one owner are priced jointly.
        tol: stop when max |p_new - p| / p < tol in every market.
        max_iter: iteration cap per market.

    Returns:
        ``(prices, iterations)``: equilibrium prices in offer order and the largest number
        of iterations any market needed.

    Raises:
        RuntimeError: if a market does not converge within ``max_iter``.
    """
    prices = offer.price.copy()
    worst = 0
    for m in range(offer.offsets.shape[0] - 1):
        lo, hi = int(offer.offsets[m]), int(offer.offsets[m + 1])
        if hi == lo:
            continue
        _, group = np.unique(owner[lo:hi], return_inverse=True)
        members = np.argsort(group, kind="stable").astype(np.int64)
        group_start = np.searchsorted(group[members], np.arange(group.max() + 2)).astype(
            np.int64)
        c = costs[lo:hi]
        terms = MarketTerms(offer, consumers, eta, m)
        for it in range(1, max_iter + 1):
            offer.price[:] = prices
            margin = prices[lo:hi] - c
            s, lam, t = terms(margin, members, group_start)
            zeta = (t + s) / np.maximum(lam, 1e-300)
            new = c + zeta
            change = np.max(np.abs(new - prices[lo:hi]) / np.abs(new))
            prices[lo:hi] = new
            if change < tol:
                worst = max(worst, it)
                break
        else:
            raise RuntimeError(f"nash prices did not converge in market {m} "
                               f"after {max_iter} iterations")
    offer.price[:] = prices
    return prices, worst
