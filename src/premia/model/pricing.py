"""Price setting (DESIGN §1.4).

``adaptive`` (behavioural): each firm moves its price with its utilisation,

    p <- max(c_f, p exp(psi (u - u*))),   u = sales / K,

never below unit production cost. Chronic overcapacity drives prices to production cost
while defects, transport and fixed costs stay unpaid.

``nash``: Bertrand-Nash prices of the mixed-logit market given the firms' effective
marginal costs c^, by the zeta-markup fixed point of Morrow and Skerlos (2011):

    p <- c^ + zeta(p),   zeta = Lambda^-1 [(O * Gamma)^T (p - c^) + s],
    Lambda_jj = sum_i w gamma_i P_ij,   Gamma_jk = sum_i w gamma_i P_ij P_ik,

iterated until the first-order conditions hold to ``tol`` (O is the ownership matrix).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.demand import CHUNK, Offer, _utilities, pack


def adaptive_prices(price: np.ndarray, unit_cost: np.ndarray, utilization: np.ndarray,
                    speed: np.ndarray, target: np.ndarray) -> np.ndarray:
    """One adaptive step: p exp(psi (u - u*)), floored at unit production cost."""
    return np.maximum(unit_cost, price * np.exp(speed * (utilization - target)))


@nb.njit(cache=True, parallel=True)
def _logit_derivatives(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m):
    n = alpha.shape[0]
    size = hi - lo
    n_chunks = (n + CHUNK - 1) // CHUNK
    s_part = np.zeros((n_chunks, size))
    l_part = np.zeros((n_chunks, size))
    g_part = np.zeros((n_chunks, size, size))
    for ch in nb.prange(n_chunks):
        v = np.empty(size)
        e = np.empty(size)
        for i in range(ch * CHUNK, min(n, (ch + 1) * CHUNK)):
            vmax = _utilities(i, lo, hi, alpha, gfac, affinity, awareness, follows, off, v, e)
            top = max(vmax, v0m)
            total = np.exp(v0m - top)
            for j in range(size):
                v[j] = e[j] * np.exp(v[j] - top) if e[j] > 0.0 else 0.0
                total += v[j]
            gamma_i = off[5][lo] * gfac[i]
            for j in range(size):
                pj = v[j] / total
                s_part[ch, j] += pj
                l_part[ch, j] += gamma_i * pj
                for k in range(size):
                    g_part[ch, j, k] += gamma_i * pj * v[k] / total
    s = np.zeros(size)
    lam = np.zeros(size)
    gam = np.zeros((size, size))
    for ch in range(n_chunks):
        s += s_part[ch]
        lam += l_part[ch]
        gam += g_part[ch]
    return s, lam, gam


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
        own = (owner[lo:hi, None] == owner[None, lo:hi]).astype(float)
        c = costs[lo:hi]
        for it in range(1, max_iter + 1):
            offer.price[:] = prices
            s, lam, gam = _logit_derivatives(
                consumers.quality_taste, consumers.price_factor, consumers.affinity,
                consumers.awareness, consumers.follows, lo, hi, pack(offer, eta),
                float(offer.outside_utility[m]),
            )
            margin = prices[lo:hi] - c
            zeta = ((own * gam).T @ margin + s) / np.maximum(lam, 1e-300)
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
