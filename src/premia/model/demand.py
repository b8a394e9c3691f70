"""Consideration-weighted mixed-logit demand (DESIGN §1.3).

Each period consumer i shops in market c with probability phi_c. The utility of good j is

    V_ij = alpha_i omega_c q_j + beta_c a_{i,k(j)} M_j + eta a_{i,k(r(j))} - gamma_i p_j,
    V_i0 = v0_c,   gamma_i = gamma_c (ybar / y_i)^epsilon,

and a good carrying culture k enters i's choice set with probability e_ik (awareness; a
follower of a creator is aware of its cooperative's goods; other goods have e = 1):

    P_ij = e_ij exp(V_ij) / (exp(V_i0) + sum_j' e_ij' exp(V_ij')),

computed with log-sum-exp. Expected demand is D_j = sum_i w phi_c P_ij; the sampled mode
draws one choice per shopper. Consumer surplus is the logit inclusive value
sum_i w phi_c [log(exp(V_i0) + sum_j e_ij exp(V_ij)) - V_i0] / gamma_i, measured from the
outside option so that a market with no goods adds nothing.

Reductions over consumers use a fixed chunking (``CHUNK`` consumers per partial sum,
summed in chunk order), so results do not depend on the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

CHUNK = 1024


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


@nb.njit(cache=True, parallel=True)
def _demand_kernel(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
                   weight, sampled, uniforms, bought):
    n = alpha.shape[0]
    n_markets = offsets.shape[0] - 1
    n_goods = offsets[n_markets]
    n_chunks = (n + CHUNK - 1) // CHUNK
    width = 1
    for m in range(n_markets):
        width = max(width, offsets[m + 1] - offsets[m])
    dem = np.zeros((n_chunks, max(n_goods, 1)))
    surplus = np.zeros((n_chunks, n_markets))
    bought[:, :] = 0.0
    for ch in nb.prange(n_chunks):
        v = np.empty(width)
        e = np.empty(width)
        for i in range(ch * CHUNK, min(n, (ch + 1) * CHUNK)):
            for m in range(n_markets):
                lo = offsets[m]
                hi = offsets[m + 1]
                if hi == lo:
                    continue
                vmax = _utilities(i, lo, hi, alpha, gfac, affinity, awareness, follows, off,
                                  v, e)
                top = max(vmax, v0[m])
                total = np.exp(v0[m] - top)
                for j in range(hi - lo):
                    v[j] = e[j] * np.exp(v[j] - top) if e[j] > 0.0 else 0.0
                    total += v[j]
                gamma_i = off[5][lo] * gfac[i]
                surplus[ch, m] += weight * phi[m] * (top + np.log(total) - v0[m]) / gamma_i
                if sampled:
                    if uniforms[i, m, 0] >= phi[m]:
                        continue
                    target = uniforms[i, m, 1] * total - np.exp(v0[m] - top)
                    if target < 0.0:
                        continue  # the outside option was chosen
                    for j in range(hi - lo):
                        target -= v[j]
                        if target < 0.0:
                            dem[ch, lo + j] += weight
                            k = off[2][lo + j]
                            if k >= 0:
                                bought[i, k] = 1.0
                            break
                else:
                    scale = phi[m] / total
                    for j in range(hi - lo):
                        pij = v[j] * scale
                        dem[ch, lo + j] += weight * pij
                        k = off[2][lo + j]
                        if k >= 0:
                            bought[i, k] += pij
    demand = np.zeros(n_goods)
    cs = np.zeros(n_markets)
    for ch in range(n_chunks):
        for j in range(n_goods):
            demand[j] += dem[ch, j]
        for m in range(n_markets):
            cs[m] += surplus[ch, m]
    return demand, cs


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
    return _demand_kernel(
        consumers.quality_taste, consumers.price_factor, consumers.affinity,
        consumers.awareness, consumers.follows, offer.offsets, pack(offer, eta),
        offer.purchase_rate, offer.outside_utility, float(weight), bool(sampled), uniforms,
        consumers.bought,
    )


@nb.njit(cache=True, parallel=True)
def _spending_kernel(alpha, gfac, affinity, awareness, follows, offsets, off, phi, v0,
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


def consumer_spending(offer: Offer, consumers, eta: float, weight: float,
                      served: np.ndarray) -> np.ndarray:
    """Each consumer's expected spending after rationing (served share per good).

    Computed consumer by consumer, independently of the firms' accounts, so that the
    money identity (spending = revenue) can be checked.
    """
    return _spending_kernel(
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
