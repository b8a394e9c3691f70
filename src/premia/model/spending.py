"""Each consumer's spending, computed consumer by consumer (DESIGN §1.3, §1.8).

    spend_i = sum_c w_i phi_c sum_j P_ij s_j p_j,

with s_j the served share of good j's demand (rationing by capacity). It is computed
independently of the demand kernel and of the firms' accounts, with plain loops and
``np.exp``, so that the money identity (what consumers spend is what firms earn) checks
both.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.demand import Offer, consumer_weights, pack, use_threads


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


@nb.njit(inline="always")
def _spending_core(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi, v0,
                   served):
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
                spend[i] += weight[i] * phi[m] * v[j] / total * served[lo + j] * off[4][lo + j]
    return spend


@nb.njit(cache=True, parallel=True)
def _spending_parallel(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi,
                       v0, served):
    return _spending_core(alpha, gfac, weight, affinity, awareness, follows, offsets, off,
                          phi, v0, served)


@nb.njit(cache=True)
def _spending_serial(alpha, gfac, weight, affinity, awareness, follows, offsets, off, phi,
                     v0, served):
    return _spending_core(alpha, gfac, weight, affinity, awareness, follows, offsets, off,
                          phi, v0, served)


def consumer_spending(offer: Offer, consumers, eta: float, weight=None,
                      served: np.ndarray | None = None) -> np.ndarray:
    """Each consumer's expected spending after rationing (served share per good).

    Computed consumer by consumer, independently of the firms' accounts, so that the
    money identity (spending = revenue) can be checked. ``weight`` is as in
    :func:`expected_demand`; ``served`` defaults to every good fully served.
    """
    if served is None:
        served = np.ones(offer.slots.size)
    kernel = (_spending_parallel if use_threads(consumers.quality_taste.size)
              else _spending_serial)
    return kernel(
        consumers.quality_taste, consumers.price_factor, consumer_weights(consumers, weight),
        consumers.affinity, consumers.awareness, consumers.follows, offer.offsets,
        pack(offer, eta), offer.purchase_rate, offer.outside_utility, served,
    )
