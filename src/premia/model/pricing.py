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

from premia.model.capacity import share_jacobian
from premia.model.demand import (
    CHUNK,
    Offer,
    _block_weights,
    _transpose_block,
    pack,
    use_threads,
)
from premia.model.fastmath import FAST, dot_lanes


def adaptive_prices(price: np.ndarray, unit_cost: np.ndarray, utilization: np.ndarray,
                    speed: np.ndarray, target: np.ndarray) -> np.ndarray:
    """One adaptive step: p exp(psi (u - u*)), floored at unit production cost."""
    return np.maximum(unit_cost, price * np.exp(speed * (utilization - target)))


@nb.njit(inline="always", fastmath=FAST)
def _markup_core(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, margin,
                 members, group_start):
    """s_j, Lambda_jj and [(O * Gamma)^T (p - c^)]_j of one market, in O(consumers x goods).

    With P_ij the choice probabilities and owners o(j),

        s_j = sum_i P_ij,   Lambda_jj = sum_i gamma_i P_ij,
        [(O * Gamma)^T m]_j = sum_i gamma_i P_ij A_{i,o(j)},  A_ig = sum_{k: o(k)=g} P_ik m_k,

    so the J x J matrix Gamma is never formed. ``members[group_start[g]:group_start[g+1]]``
    are the market-local indices of owner g's goods.
    """
    n = alpha.shape[0]
    size = hi - lo
    n_chunks = (n + CHUNK - 1) // CHUNK
    n_cul, n_cre = affinity.shape[1], follows.shape[1]
    s_part = np.zeros((n_chunks, size))
    l_part = np.zeros((n_chunks, size))
    t_part = np.zeros((n_chunks, size))
    gamma_c = off[5][lo]
    for ch in nb.prange(n_chunks):
        i0 = ch * CHUNK
        b = min(n, i0 + CHUNK) - i0
        V, E = np.empty((size, CHUNK)), np.empty((size, CHUNK))
        top, total = np.empty(CHUNK), np.empty(CHUNK)
        scale, w_lam, w_gam, held = (np.empty(CHUNK), np.empty(CHUNK), np.empty(CHUNK),
                                     np.empty(CHUNK))
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
            scale[i] = 1.0 / total[i]
            w_lam[i] = gamma_c * pfac[i] * scale[i]
            w_gam[i] = w_lam[i] * scale[i]
        for j in range(size):
            s_part[ch, j] = dot_lanes(V, scale, j, b)
            l_part[ch, j] = dot_lanes(V, w_lam, j, b)
        for g in range(group_start.shape[0] - 1):
            held[:b] = 0.0
            for r in range(group_start[g], group_start[g + 1]):
                k = members[r]
                for i in range(b):
                    held[i] += V[k, i] * margin[k]
            for i in range(b):
                held[i] *= w_gam[i]
            for r in range(group_start[g], group_start[g + 1]):
                k = members[r]
                t_part[ch, k] = dot_lanes(V, held, k, b)
    s = np.zeros(size)
    lam = np.zeros(size)
    t = np.zeros(size)
    for ch in range(n_chunks):
        s += s_part[ch]
        lam += l_part[ch]
        t += t_part[ch]
    return s, lam, t


@nb.njit(cache=True, parallel=True, fastmath=FAST)
def _markup_parallel(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, margin,
                     members, group_start):
    return _markup_core(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, margin,
                        members, group_start)


@nb.njit(cache=True, fastmath=FAST)
def _markup_serial(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, margin,
                   members, group_start):
    return _markup_core(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, margin,
                        members, group_start)


class PricingError(RuntimeError):
    """A market's Nash prices did not converge."""


def _groups(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Market-local goods sorted by owner (``members``) and each owner's start in it."""
    _, group = np.unique(owner, return_inverse=True)
    members = np.argsort(group, kind="stable").astype(np.int64)
    group_start = np.searchsorted(group[members], np.arange(group.max() + 2)).astype(np.int64)
    return members, group_start


def nash_prices(offer: Offer, consumers, eta: float, costs: np.ndarray,
                owner: np.ndarray, capacity: np.ndarray | None = None,
                free: np.ndarray | None = None, shadow: np.ndarray | None = None,
                tol: float = 1e-13, max_iter: int = 5_000) -> tuple[np.ndarray, int]:
    """Bertrand-Nash prices of every market in ``offer``, with capacity.

    A firm whose demand at its Nash price would exceed its capacity K_j charges the higher
    price at which demand equals capacity: p_j = max(p_j^Nash(p_-j), p_j^clear(p_-j)).
    These are the Kuhn-Tucker conditions of maximising (p_j - c^_j) D_j subject to
    D_j <= K_j: each good has a shadow cost of capacity mu_j >= 0 with

        s + (O * J)^T (p - c^ - mu) = 0,   mu_j (D_j - K_j) = 0,   D_j <= K_j,

    J = Gamma - diag(Lambda) the Jacobian of shares in prices (:mod:`premia.model.capacity`)
    and D_j = w phi_c s_j expected demand. Each iteration updates the goods that are not
    capacity-bound by the zeta-markup step (Morrow and Skerlos 2011) with the others'
    shadow costs in their margins, and the bound goods B (those with D_j > K_j or
    mu_j > 0) by a Newton step to demand = capacity holding the rest fixed,

        J_BB (p_B' - p_B) = K_B / (w phi_c) - s_B,

    then reads their shadow costs off their first-order conditions; a good whose shadow
    cost turns negative is released. At the fixed point a capacity-bound good sells
    exactly its capacity at a price above its Nash price; the others are at their Nash
    prices. Without binding capacity this is pyblp's fixed point. Goods not in ``free``
    keep their price (set by another rule) and are taken as given.

    Args:
        offer: the goods on offer (its ``price`` is the starting point and is updated).
        consumers: consumer arrays.
        eta: halo weight.
        costs: effective marginal cost c^ per good, in offer order.
        owner: owner id per good; goods of one owner are priced jointly.
        capacity: capacity K per good (None: capacity never binds).
        free: which goods are priced here (None: all).
        shadow: shadow costs of capacity to start from (a warm start, e.g. last month's:
            the goods with a positive one start as bound); updated in place.
        tol: stop when max |p_new - p| / p < tol over the market's free goods.
        max_iter: iteration cap per market (after a tenth of it, steps are damped).

    Returns:
        ``(prices, iterations)``: prices in offer order and the largest number of
        iterations any market needed.

    Raises:
        PricingError: if a market does not converge within ``max_iter``.
    """
    prices = offer.price.copy()
    free = np.ones(prices.size, np.bool_) if free is None else free
    worst = 0
    for m in range(offer.offsets.shape[0] - 1):
        lo, hi = int(offer.offsets[m]), int(offer.offsets[m + 1])
        if hi == lo or not free[lo:hi].any():
            continue
        scale = consumers.weight * float(offer.purchase_rate[m])
        limit = None if capacity is None else np.maximum(capacity[lo:hi], 1e-12)
        solve = _MarketSolve(offer, consumers, eta, m, costs[lo:hi], owner[lo:hi], limit,
                             scale, free[lo:hi])
        if shadow is not None and limit is not None:
            solve.shadow[:] = np.where(free[lo:hi], shadow[lo:hi], 0.0)
            solve.bound[:] = solve.shadow > 0
        prices[lo:hi], used = solve.run(prices[lo:hi], tol, max_iter, m)
        if shadow is not None:
            shadow[lo:hi] = solve.shadow
        worst = max(worst, used)
    offer.price[:] = prices
    return prices, worst


class _MarketSolve:
    """The fixed point of one market (see :func:`nash_prices`)."""

    def __init__(self, offer, consumers, eta, market, cost, owner, capacity, scale, free):
        lo, hi = int(offer.offsets[market]), int(offer.offsets[market + 1])
        self.offer, self.consumers, self.lo, self.hi = offer, consumers, lo, hi
        self.outside = float(offer.outside_utility[market])
        self.cost, self.capacity, self.scale, self.free = cost, capacity, scale, free
        self.members, self.group_start = _groups(owner)
        self.same_owner = owner[:, None] == owner[None, :]
        self.packed = pack(offer, eta)
        self.threads = use_threads(consumers.quality_taste.size)
        self.kernel = _markup_parallel if self.threads else _markup_serial
        self.shadow = np.zeros(hi - lo)
        self.bound = np.zeros(hi - lo, np.bool_)

    def _call(self, margin):
        c = self.consumers
        return self.kernel(c.quality_taste, c.price_factor, c.affinity, c.awareness, c.follows,
                           self.lo, self.hi, self.packed, self.outside, margin, self.members,
                           self.group_start)

    def update(self, p: np.ndarray) -> np.ndarray:
        """One step of the joint fixed point from prices ``p`` (market-local); updates the
        set of capacity-bound goods and their shadow costs."""
        self.offer.price[self.lo:self.hi] = p
        s, lam, t = self._call(p - self.cost - self.shadow)
        lam = np.maximum(lam, 1e-300)
        if self.capacity is None:
            return np.where(self.free, self.cost + self.shadow + (t + s) / lam, p)
        candidates = np.flatnonzero(self.free & (self.bound | (self.scale * s > self.capacity)))
        if not candidates.size:
            return np.where(self.free, self.cost + (t + s) / lam, p)
        return self._bound_step(p, s, lam, t, candidates)

    def _bound_step(self, p: np.ndarray, s: np.ndarray, lam: np.ndarray, t: np.ndarray,
                    candidates: np.ndarray) -> np.ndarray:
        """Newton step of the candidate goods to their capacity; each candidate is bound
        where that clearing price lies above its Nash best response, which the others
        take (zeta step with the bound goods' shadow costs in their margins)."""
        _, _, gam = share_jacobian(self.consumers, self.lo, self.hi, self.packed,
                                   self.outside, self.threads, candidates)
        block = gam - np.diag(lam[candidates])  # d s_B / d p_B
        # a candidate's best reply ignores the candidates' shadow costs: their margins
        # differ from the kernel's by mu_B, so t moves by (O * Gamma)_BB^T mu_B
        t_free = t.copy()
        t_free[candidates] += (gam * self.same_owner[np.ix_(candidates, candidates)]).T @ (
            self.shadow[candidates])
        nash = self.cost + self.shadow + (t + s) / lam
        nash[candidates] = (self.cost + (t_free + s) / lam)[candidates]
        target = self.capacity[candidates] / self.scale - s[candidates]
        step = np.linalg.lstsq(block, target, rcond=None)[0]
        # a near-singular block (every good bound, few buyers who leave) can ask for a
        # huge step: move at most a factor 2 per iteration, never below cost
        clear = np.clip(p[candidates] + step,
                        np.maximum(0.5 * p[candidates], self.cost[candidates]),
                        2.0 * p[candidates])
        bound = clear > nash[candidates]
        self.bound[:] = False
        self.bound[candidates[bound]] = True
        self.shadow[:] = 0.0
        self.shadow[candidates[bound]] = self._shadow_costs(p, s, lam, t_free, block,
                                                            candidates)[bound]
        new = nash
        new[candidates[bound]] = clear[bound]
        return np.where(self.free, new, p)

    def _shadow_costs(self, p: np.ndarray, s: np.ndarray, lam: np.ndarray, t_free: np.ndarray,
                      block: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Shadow costs mu_B read off the candidates' first-order conditions at ``p``:
        (O * J)_BB^T mu_B = s_B + [(O * J)^T (p - c^)]_B, floored at zero."""
        residual = (s + t_free - lam * (p - self.cost))[candidates]
        owned = block * self.same_owner[np.ix_(candidates, candidates)]
        mu = np.linalg.lstsq(owned.T, residual, rcond=None)[0]
        return np.maximum(mu, 0.0)

    def run(self, p: np.ndarray, tol: float, max_iter: int,
            market: int) -> tuple[np.ndarray, int]:
        """Iterate to the fixed point. A step that reverses the last one (an oscillation
        between bound and free goods) halves the step length; steps in a steady direction
        restore it."""
        p = p.copy()
        weight, last = 1.0, np.zeros_like(p)
        for it in range(1, max_iter + 1):
            new = self.update(p)
            if not np.all(np.isfinite(new)):
                break
            change = np.max(np.abs(new - p)[self.free] / np.abs(new)[self.free])
            if change < tol:
                return new, it
            direction = (new - p) / np.abs(new)
            reverses = float(np.dot(direction, last)) < 0.0
            weight = max(0.5 * weight, 1.0 / 64) if reverses else min(1.0, 2.0 * weight)
            last = direction
            p = p + weight * (new - p)
        raise PricingError(f"Nash prices did not converge in market {market} after "
                           f"{max_iter} iterations (max relative change above {tol:g})")
