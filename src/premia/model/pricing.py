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

from premia.model.capacity import share_jacobian
from premia.model.demand import Offer, consumer_weights, use_threads
from premia.model.fastmath import FAST, LANES, REASSOC, row_dots2, wide_vectors
from premia.model.logit import (
    BLOCK,
    CHUNK,
    PFAC,
    WEIGHT,
    block_weights,
    consumer_buffer,
    market_ceiling,
)


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
    ceiling = market_ceiling(0, size, off)  # once per call: the same for every chunk
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
        s_sum, l_sum, t_sum = np.zeros(size), np.zeros(size), np.zeros(size)
        for blk in range((b8 + BLOCK - 1) // BLOCK):
            n8 = min(BLOCK, b8 - blk * BLOCK)
            block_weights(X, blk, 0, size, off, v0m, n_cul, ceiling, V, top, total)
            for i in range(n8):
                scale[i] = X[blk, WEIGHT, i] / total[i]
            for i in range(n8):
                w_lam[i] = gamma_c * X[blk, PFAC, i] * scale[i]
            for i in range(n8):
                w_gam[i] = w_lam[i] / total[i]
            row_dots2(s_sum, l_sum, V, scale, w_lam, size, n8)
            _owner_sums(t_sum, V, w_gam, held, members, group_start, margin, n8)
        s_part[ch] = s_sum
        l_part[ch] = l_sum
        t_part[ch] = t_sum
    s = np.zeros(size)
    lam = np.zeros(size)
    t = np.zeros(size)
    for ch in range(n_chunks):
        s += s_part[ch]
        lam += l_part[ch]
        t += t_part[ch]
    return s, lam, t


@nb.njit(cache=True, fastmath=REASSOC, error_model="numpy", inline="never")
def _owner_sums(t_sum, V, w_gam, held, members, group_start, margin, n8):
    """t_sum[k] += sum_i w_i gamma_i P_ik A_{i,o(k)} over one block, owner by owner.

    A single-product owner's A_ig is P_ik m_k: its term is m_k sum_i w_i gamma_i P_ik^2.
    The sums over consumers reassociate (see :func:`~premia.model.fastmath.row_dots2`).
    """
    wide_vectors()
    for g in range(group_start.shape[0] - 1):
        first, last = group_start[g], group_start[g + 1]
        if last - first == 1:
            k = members[first]
            acc = 0.0
            for i in range(n8):
                acc += V[k, i] * V[k, i] * w_gam[i]
            t_sum[k] += margin[k] * acc
            continue
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
            acc = 0.0
            for i in range(n8):
                acc += V[k, i] * held[i]
            t_sum[k] += acc


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
        self.threads = threads
        self.kernel = _markup_parallel if threads else _markup_serial

    def __call__(self, margin: np.ndarray, members: np.ndarray, group_start: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(s, Lambda, (O * Gamma)^T margin)`` at the offer's current prices."""
        return self.kernel(self.X, self.n, self.off, self.v0, self.n_cul, margin, members,
                           group_start)


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
    and D_j = phi_c s_j expected demand (s_j = sum_i w_i P_ij counts people). Each
    iteration updates the goods that are not capacity-bound by the zeta-markup step
    (Morrow and Skerlos 2011) with the others' shadow costs in their margins, and the
    bound goods B (those with D_j > K_j or mu_j > 0) by a Newton step to demand =
    capacity holding the rest fixed,

        J_BB (p_B' - p_B) = K_B / phi_c - s_B,

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
        scale = float(offer.purchase_rate[m])  # shares are sums of consumers' weights
        limit = None if capacity is None else np.maximum(capacity[lo:hi], 1e-12)
        solve = _MarketSolve(offer, consumers, eta, m, costs[lo:hi], owner[lo:hi], limit,
                             scale, free[lo:hi])
        if shadow is not None and limit is not None:
            solve.shadow[:] = np.where(free[lo:hi], shadow[lo:hi], 0.0)
            solve.bound[:] = solve.shadow > 0
        prices[lo:hi], used = solve.solve(prices[lo:hi], tol, max_iter, m)
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
        self.terms = MarketTerms(offer, consumers, eta, market)
        self.shadow = np.zeros(hi - lo)
        self.bound = np.zeros(hi - lo, np.bool_)
        self.safeguard = False  # the bracketed second attempt (see run)
        self.bracket_lo = np.zeros(hi - lo)  # prices known to leave excess demand
        self.bracket_hi = np.full(hi - lo, np.inf)  # prices known to leave spare capacity

    def _call(self, margin):
        return self.terms(margin, self.members, self.group_start)

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
        _, _, gam = share_jacobian(self.terms, candidates)
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
        newton = p[candidates] + step
        clear = np.clip(newton, np.maximum(0.5 * p[candidates], self.cost[candidates]),
                        2.0 * p[candidates])
        if self.safeguard:
            clear = self._bracketed(p, s, candidates, clear, clear != newton)
        bound = clear > nash[candidates]
        self.bound[:] = False
        self.bound[candidates[bound]] = True
        self.shadow[:] = 0.0
        self.shadow[candidates[bound]] = self._shadow_costs(p, s, lam, t_free, block,
                                                            candidates)[bound]
        new = nash
        new[candidates[bound]] = clear[bound]
        return np.where(self.free, new, p)

    def _bracketed(self, p: np.ndarray, s: np.ndarray, candidates: np.ndarray,
                   clear: np.ndarray, clamped: np.ndarray) -> np.ndarray:
        """Safeguard a clamped Newton step with a bracket of the clearing price.

        Where demand exceeds capacity the price is a lower bound, where it falls short an
        upper bound (an observation that contradicts the bracket, because other prices
        moved, replaces it). A step that had to be clamped and leaves the bracket is
        replaced by the bracket's midpoint (or, with no upper bound yet, by twice the
        lower bound): demand that is nearly all or nothing (few buyers, a very steep
        logit) makes Newton jump across the clearing price back and forth, and
        bisection does not. Unclamped steps are Newton's own, so the bracket (stale
        when other prices move) never decides the fixed point."""
        at = p[candidates]
        excess = self.scale * s[candidates] > self.capacity[candidates]
        lo, hi = self.bracket_lo[candidates], self.bracket_hi[candidates]
        lo = np.where(excess, at, np.where(lo >= at, 0.0, lo))
        hi = np.where(excess, np.where(hi <= at, np.inf, hi), at)
        self.bracket_lo[candidates], self.bracket_hi[candidates] = lo, hi
        inside = ~clamped | ((clear > lo) & (clear < hi))
        fallback = np.where(np.isfinite(hi), 0.5 * (lo + hi), 2.0 * lo)
        return np.where(inside, clear, fallback)

    def _shadow_costs(self, p: np.ndarray, s: np.ndarray, lam: np.ndarray, t_free: np.ndarray,
                      block: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Shadow costs mu_B read off the candidates' first-order conditions at ``p``:
        (O * J)_BB^T mu_B = s_B + [(O * J)^T (p - c^)]_B, floored at zero."""
        residual = (s + t_free - lam * (p - self.cost))[candidates]
        owned = block * self.same_owner[np.ix_(candidates, candidates)]
        mu = np.linalg.lstsq(owned.T, residual, rcond=None)[0]
        return np.maximum(mu, 0.0)

    def solve(self, p: np.ndarray, tol: float, max_iter: int,
              market: int) -> tuple[np.ndarray, int]:
        """The fixed point from ``p``; if plain iteration fails, a second attempt with
        bracketed capacity steps, whose result must clear capacity to be accepted."""
        try:
            return self.run(p, tol, max_iter, market)
        except PricingError:
            if self.capacity is None:
                raise
        self.safeguard = True
        self.shadow[:], self.bound[:] = 0.0, False
        out, used = self.run(p, tol, max_iter, market)
        self.offer.price[self.lo:self.hi] = out
        sold = self.scale * self._call(out - self.cost - self.shadow)[0]
        gap = np.where(self.bound, np.abs(sold / self.capacity - 1.0),
                       np.maximum(sold / self.capacity - 1.0, 0.0))
        if np.any(gap[self.free] > 1e-6):
            raise PricingError(f"Nash prices did not converge in market {market}: the "
                               "bracketed attempt ended off the capacity limits")
        return out, max_iter + used

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
            if it > max_iter // 10:  # a cycle that never reverses twice in a row
                weight = min(weight, 0.5)
            last = direction
            p = p + weight * (new - p)
        raise PricingError(f"Nash prices did not converge in market {market} after "
                           f"{max_iter} iterations (max relative change above {tol:g})")
