"""Workshops that choose machines under a mechanization programme (DESIGN §1.9).

A ``subsidy`` event with ``target = "machines"`` offers the workshops of a culture or
hybrid category machines at ``1 - s`` of their price (s paid by the programme's public
account). No share is forced: each month every workshop with a modern share below one
compares, in the market as it stands (the other firms' prices held fixed), its best
monthly profit as it is with its best monthly profit fully mechanized,

    pi(x) = (p - c^) min(D(p), K) - kappa K,   p = the firm's best reply (with capacity),

and buys the machines when the gain is worth more than its share of their price:

    (pi(mechanized) - pi(now)) A(r, H) > (1 - s) machine_capital K_hand g,

A(r, H) the annuity of the entry rule. Mechanized, its cost, quality, authenticity and
meaning follow DESIGN §1.2 (m = 1): the workshop sees what buyers would pay for its pieces
once the technique is gone, because it evaluates demand with the meaning they would carry.

The counterfactual demand of good j, the others unchanged, needs no new market: with
x_ij = e_ij exp(V_ij - top_i) and T_i the consumer's total,

    P'_ij = x'_ij / (T_i - x_ij + x'_ij),   x'_ij = x_ij exp(dV_ij),
    dV_ij = alpha_i d(omega q_j) + a_ik d(beta M_j) - gamma_i (p'_j - p_j),

so one pass over the consumers gives every candidate's share s'_j, Lambda'_j and
Gamma'_jj; a best reply is a few such passes.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from premia.model.demand import Offer
from premia.model.fastmath import FAST, LANES
from premia.model.logit import (
    BLOCK,
    CHUNK,
    CULTURE_ROWS,
    PFAC,
    TASTE,
    WEIGHT,
    block_weights,
    market_ceiling,
)

REPLY_STEPS = 6  # Newton steps of each best reply (the reply's own first-order condition)


@nb.njit(cache=True, fastmath=FAST, error_model="numpy")
def _counterfactual(X_all, n, off, v0m, n_cul, cand, d_quality, d_meaning, d_price):
    """Share, Lambda and Gamma_jj of each candidate good with its own attributes changed
    (consumers in the block buffers of :class:`~premia.model.pricing.MarketTerms`)."""
    size = off[0].shape[0]
    ceiling = market_ceiling(0, size, off)  # once per call: the same for every chunk
    n_cand = cand.shape[0]
    s, lam, gam = np.zeros(n_cand), np.zeros(n_cand), np.zeros(n_cand)
    V = np.empty((size, BLOCK))
    top, total = np.empty(BLOCK), np.empty(BLOCK)
    gamma_c = off[5][0]
    for ch in range(X_all.shape[0]):
        X = X_all[ch]
        b8 = (min(n, (ch + 1) * CHUNK) - ch * CHUNK + LANES - 1) // LANES * LANES
        for blk in range((b8 + BLOCK - 1) // BLOCK):
            n8 = min(BLOCK, b8 - blk * BLOCK)
            block_weights(X, blk, 0, size, off, v0m, n_cul, ceiling, V, top, total)
            for r in range(n_cand):
                j = cand[r]
                k = off[2][j]
                for i in range(n8):
                    old = V[j, i]
                    if old <= 0.0:
                        continue
                    g = gamma_c * X[blk, PFAC, i]
                    dv = X[blk, TASTE, i] * d_quality[r] - g * d_price[r]
                    if k >= 0:
                        dv += X[blk, CULTURE_ROWS + k, i] * d_meaning[r]
                    new = old * np.exp(dv)
                    p = new / (total[i] - old + new)
                    w = X[blk, WEIGHT, i]
                    s[r] += w * p
                    lam[r] += w * g * p
                    gam[r] += w * g * p * p
    return s, lam, gam


def best_reply_profit(offer: Offer, consumers, eta: float, market: int, cand: np.ndarray,
                      d_quality: np.ndarray, d_meaning: np.ndarray, cost: np.ndarray,
                      capacity: np.ndarray, fixed: np.ndarray, scale: float) -> np.ndarray:
    """Monthly profit of each candidate at its best reply (with capacity), its quality and
    meaning terms shifted by ``d_quality`` and ``d_meaning``, the others unchanged.

    Args:
        offer: the goods on offer, with the prices everybody charges now.
        consumers: consumer arrays.
        eta: halo weight.
        market: the market of the candidates.
        cand: market-local indices of the candidate goods.
        d_quality: change of each candidate's omega q term.
        d_meaning: change of each candidate's beta M term.
        cost: each candidate's effective marginal cost c^ in that state.
        capacity: its capacity in that state.
        fixed: its fixed cost per month in that state.
        scale: the market's purchase rate (demand = scale x share, shares in people).
    """
    from premia.model.pricing import MarketTerms

    lo = int(offer.offsets[market])
    terms = MarketTerms(offer, consumers, eta, market)
    now = offer.price[lo + cand]
    price = np.maximum(now, cost * 1.01)

    def shares(price: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _counterfactual(terms.X, terms.n, terms.off, terms.v0, terms.n_cul, cand,
                               d_quality, d_meaning, price - now)

    for _ in range(REPLY_STEPS):
        s, lam, gam = shares(price)
        slope = np.maximum(lam - gam, 1e-300)
        nash = cost + s / slope
        excess = scale * s - capacity
        clear = price + np.where(excess > 0, excess / (scale * slope), 0.0)
        price = np.clip(np.maximum(nash, clear), 0.5 * price, 2.0 * price)
    s, _, _ = shares(price)
    return (price - cost) * np.minimum(scale * s, capacity) - fixed


def _mechanized(firms, p, slots: np.ndarray, uplift: np.ndarray, capital: np.ndarray
                ) -> dict[str, np.ndarray]:
    """Unit cost, effective cost, quality, meaning and capacity of ``slots`` at m = 1."""
    from premia.model import costs

    block = firms.floats.copy()
    block[costs.MODERN_SHARE, slots] = 1.0
    costs.derive(block, firms, p, uplift, capital)
    return {name: block[row, slots] for name, row in (
        ("effective_cost", costs.EFFECTIVE_COST), ("quality", costs.QUALITY),
        ("capacity", costs.CAPACITY), ("meaning", costs.MEANING))}


def adopt_machines(state, p, offer: Offer, consumers, eta: float, budget, uplift: np.ndarray,
                   category_ids: list[str]) -> bool:
    """Workshops in categories with a machine programme buy machines where it pays (see
    the module docstring); returns whether any did."""
    from premia.model.entry import annuity

    f, m = state.firms, state.markets
    adopted = False
    for c in np.flatnonzero(m.machine_programme):
        market = int(m.market[c])
        lo, hi = int(offer.offsets[market]), int(offer.offsets[market + 1])
        slots = offer.slots[lo:hi]
        pick = (f.category[slots] == c) & (f.modern_share[slots] < 1.0)
        if not pick.any():
            continue
        cand = np.flatnonzero(pick).astype(np.int64)
        chosen = slots[cand]
        after = _mechanized(f, p, chosen, uplift, state.capital)
        scale = float(offer.purchase_rate[market])  # shares count people
        kappa = p.cat["fixed_cost"][c]
        now = best_reply_profit(offer, consumers, eta, market, cand, np.zeros(cand.size),
                                np.zeros(cand.size), f.effective_cost[chosen],
                                f.capacity[chosen], kappa * f.capacity[chosen], scale)
        omega = p.cat["quality_weight"][m.market[c]]
        mech = best_reply_profit(offer, consumers, eta, market, cand,
                                 omega * (after["quality"] - f.quality[chosen]),
                                 m.culture_weight[c] * (after["meaning"] - f.meaning[chosen]),
                                 after["effective_cost"], after["capacity"],
                                 kappa * after["capacity"], scale)
        bill = (p.cat["machine_capital"][c] * f.hand_capacity[chosen]
                * (1.0 - f.modern_share[chosen]) * p.cat["machine_productivity"][c])
        share = m.machine_subsidy[c]
        worth = (mech - now) * annuity(p.cat["discount_rate"][c], p.cat["entry_horizon"][c])
        buys = worth > (1.0 - share) * bill
        for slot, cost in zip(chosen[buys], bill[buys], strict=True):
            f.modern_share[slot] = 1.0
            f.cash[slot] -= (1.0 - share) * cost
            f.investment[slot] += (1.0 - share) * cost
            budget.spend(state.period, int(m.machine_account[c]), "machine_subsidy",
                         category_ids[c], share * cost)
        adopted |= bool(buys.any())
    return adopted
