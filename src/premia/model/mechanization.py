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

from premia.model.demand import CHUNK, Offer, _block_weights, _transpose_block, pack
from premia.model.fastmath import FAST, exp_nonpositive

REPLY_STEPS = 6  # Newton steps of each best reply (the reply's own first-order condition)


@nb.njit(cache=True, fastmath=FAST)
def _counterfactual(alpha, gfac, affinity, awareness, follows, lo, hi, off, v0m, cand,
                    d_quality, d_meaning, d_price):
    """Share, Lambda and Gamma_jj of each candidate good with its own attributes changed."""
    n = alpha.shape[0]
    size = hi - lo
    n_cand = cand.shape[0]
    n_cul, n_cre = affinity.shape[1], follows.shape[1]
    s, lam, gam = np.zeros(n_cand), np.zeros(n_cand), np.zeros(n_cand)
    V, E = np.empty((size, CHUNK)), np.empty((size, CHUNK))
    top, total = np.empty(CHUNK), np.empty(CHUNK)
    aff = np.zeros((max(n_cul, 1), CHUNK))
    awa = np.empty((n_cul, CHUNK))
    fol = np.zeros((max(n_cre, 1), CHUNK), follows.dtype)
    taste, pfac = np.empty(CHUNK), np.empty(CHUNK)
    gamma_c = off[5][lo]
    for i0 in range(0, n, CHUNK):
        b = min(n, i0 + CHUNK) - i0
        for i in range(b):
            taste[i] = alpha[i0 + i]
            pfac[i] = gfac[i0 + i]
        _transpose_block(affinity, i0, b, aff)
        _transpose_block(awareness, i0, b, awa)
        _transpose_block(follows, i0, b, fol)
        _block_weights(b, lo, hi, taste, pfac, aff, awa, fol, off, v0m, V, E, top, total)
        for r in range(n_cand):
            j = cand[r]
            k = off[2][lo + j]
            for i in range(b):
                old = V[j, i]
                if old <= 0.0:
                    continue
                dv = taste[i] * d_quality[r] - gamma_c * pfac[i] * d_price[r]
                if k >= 0:
                    dv += aff[k, i] * d_meaning[r]
                new = old * np.exp(dv) if dv > 0.0 else old * exp_nonpositive(dv)
                p = new / (total[i] - old + new)
                s[r] += p
                lam[r] += gamma_c * pfac[i] * p
                gam[r] += gamma_c * pfac[i] * p * p
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
        scale: people per consumer x purchase rate (demand = scale x share).
    """
    lo, hi = int(offer.offsets[market]), int(offer.offsets[market + 1])
    c = consumers
    packed = pack(offer, eta)
    now = offer.price[lo + cand]
    price = np.maximum(now, cost * 1.01)
    for _ in range(REPLY_STEPS):
        s, lam, gam = _counterfactual(c.quality_taste, c.price_factor, c.affinity, c.awareness,
                                      c.follows, lo, hi, packed,
                                      float(offer.outside_utility[market]), cand, d_quality,
                                      d_meaning, price - now)
        slope = np.maximum(lam - gam, 1e-300)
        nash = cost + s / slope
        excess = scale * s - capacity
        clear = price + np.where(excess > 0, excess / (scale * slope), 0.0)
        price = np.clip(np.maximum(nash, clear), 0.5 * price, 2.0 * price)
    s, _, _ = _counterfactual(c.quality_taste, c.price_factor, c.affinity, c.awareness,
                              c.follows, lo, hi, packed, float(offer.outside_utility[market]),
                              cand, d_quality, d_meaning, price - now)
    return (price - cost) * np.minimum(scale * s, capacity) - fixed


def _mechanized(firms, p, slots: np.ndarray, uplift: np.ndarray, capital: np.ndarray
                ) -> dict[str, np.ndarray]:
    """Unit cost, effective cost, quality, meaning and capacity of ``slots`` at m = 1."""
    from premia.model import costs

    saved = firms.modern_share[slots].copy()
    firms.modern_share[slots] = 1.0
    try:
        unit = costs.unit_cost(firms, p)[slots]
        out = {
            "effective_cost": (unit / (1.0 - p.cat["defect_rate"][firms.category[slots]])
                               + p.reg["transport"][firms.region[slots]]),
            "quality": costs.quality(firms, p)[slots],
            "capacity": costs.capacity(firms, p)[slots],
        }
        authenticity = firms.authenticity[slots].copy()
        firms.authenticity[slots] = costs.authenticity(firms, p)[slots]
        out["meaning"] = costs.meaning(firms, p, uplift, capital)[slots]
        firms.authenticity[slots] = authenticity
    finally:
        firms.modern_share[slots] = saved
    return out


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
        scale = consumers.weight * float(offer.purchase_rate[market])
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
