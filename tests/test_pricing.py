"""Pricing: Bertrand-Nash against closed forms and an independent solver; adaptive prices."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small
from scipy.optimize import root

from premia.model.demand import choice_probabilities
from premia.model.engine import Economy
from premia.model.pricing import adaptive_prices, nash_prices


def _nash_market(overrides=None, seed=2):
    """One period of the static Nash market: (economy, offer, shares, costs, gamma)."""
    eco = Economy(small("static_nash", periods=3, consumers=300, overrides=overrides), seed)
    eco.step()
    f = eco.state.firms
    offer = eco.offer()
    shares = choice_probabilities(offer, eco.state.consumers, eco.eta, 0)
    return eco, offer, shares, f.effective_cost[offer.slots]


def test_static_market_is_static():
    """No entry, no innovation, identical consumers: the closed forms apply."""
    eco, offer, shares, _ = _nash_market()
    assert offer.slots.size == 4
    np.testing.assert_array_equal(shares, np.broadcast_to(shares[0], shares.shape))
    assert np.ptp(eco.state.consumers.price_factor) == 0.0


def test_nash_single_product_closed_form():
    """p - c^ = 1 / (gamma (1 - s)) for single-product firms, to 1e-8 relative."""
    eco, offer, shares, cost = _nash_market()
    gamma = offer.price_weight[0] * eco.state.consumers.price_factor[0]
    s = shares[0, 1:]
    assert np.ptp(s) > 0.05, "firms must differ in share for the test to bite"
    margin = offer.price - cost
    np.testing.assert_allclose(margin, 1.0 / (gamma * (1.0 - s)), rtol=1e-8)
    # the effective cost includes defects and transport
    f, p = eco.state.firms, eco.params
    np.testing.assert_allclose(cost, f.unit_cost[offer.slots] / (1 - p.cat["defect_rate"][0])
                               + p.reg["transport"][0], rtol=1e-14)


def test_nash_multi_product_closed_form():
    """Firms sharing an owner: p - c^ = 1 / (gamma (1 - S_F)), S_F the owner's total share."""
    eco, offer, shares, cost = _nash_market({"firms.0.owner": "acme", "firms.2.owner": "acme"})
    gamma = offer.price_weight[0] * eco.state.consumers.price_factor[0]
    s = shares[0, 1:]
    owner = eco.state.firms.owner[offer.slots]
    joint = owner == owner[offer.slots == 0][0]
    assert joint.sum() == 2
    owner_share = np.where(joint, s[joint].sum(), s)
    margin = offer.price - cost
    np.testing.assert_allclose(margin, 1.0 / (gamma * (1.0 - owner_share)), rtol=1e-8)
    # the jointly owned goods carry the same markup, above what they would set alone
    _, single_offer, _, single_cost = _nash_market()
    assert margin[joint][0] == pytest.approx(margin[joint][1], rel=1e-10)
    assert np.all(margin[joint] > (single_offer.price - single_cost)[joint])


def _foc(prices, offer, consumers, eta, cost, owner):
    """Bertrand first-order conditions, from the NumPy reference probabilities."""
    offer.price[:] = prices
    probs = choice_probabilities(offer, consumers, eta, 0)[:, 1:]
    gamma = offer.price_weight[0] * consumers.price_factor
    shares = probs.sum(axis=0)
    # d s_k / d p_j = -sum_i gamma_i P_ik (delta_jk - P_ij)
    jac = -np.einsum("i,ik,ij->jk", gamma, probs, -probs)
    jac -= np.diag(np.sum(gamma[:, None] * probs, axis=0))
    own = owner[:, None] == owner[None, :]
    return shares + (own * jac) @ (prices - cost)


@pytest.mark.parametrize("owners", [{}, {"firms.1.owner": "x", "firms.3.owner": "x"}])
def test_nash_agrees_with_independent_solver_with_heterogeneous_consumers(owners):
    """With income and taste dispersion, nash prices solve the FOCs (scipy root, 1e-8)."""
    overrides = {"consumers.income_sigma": 0.6, "consumers.quality_taste_sigma": 0.4, **owners}
    eco, offer, _, cost = _nash_market(overrides)
    consumers, owner = eco.state.consumers, eco.state.firms.owner[offer.slots]
    assert np.ptp(consumers.price_factor) > 0.1
    ours = offer.price.copy()
    sol = root(_foc, cost * 1.5, args=(offer, consumers, eco.eta, cost, owner),
               method="hybr", tol=1e-14)
    assert sol.success
    np.testing.assert_allclose(ours, sol.x, rtol=1e-8)
    # and the engine's own solver reproduces them from another starting point
    offer.price[:] = cost * 3.0
    again, iterations = nash_prices(offer, consumers, eco.eta, cost, owner)
    np.testing.assert_allclose(again, sol.x, rtol=1e-8)
    assert iterations > 1


def test_adaptive_step_formula():
    price = np.array([100.0, 100.0, 100.0])
    cost = np.array([50.0, 99.0, 50.0])
    util = np.array([0.95, 0.10, 0.85])
    out = adaptive_prices(price, cost, util, np.full(3, 0.1), np.full(3, 0.85))
    np.testing.assert_allclose(out, [100 * np.exp(0.01), 99.0, 100.0])


def test_excess_capacity_drives_commodity_price_to_unit_cost():
    """Chronic overcapacity: price falls to unit production cost; net margin turns negative."""
    sc = small(periods=40, consumers=400, drop_events=True,
               overrides={"firms.0.capacity": 2.0e5, "firms.0.cash": 1.0e9,
                          "category.goods.entry_rate": 0.0})
    eco = Economy(sc, 4)
    start = None
    goods = None
    while eco.state.period < 40:
        eco.step()
        f = eco.state.firms
        goods = f.alive & (f.category == 0)
        if start is None:
            start = f.price[goods] / f.unit_cost[goods]
    f = eco.state.firms
    assert goods.sum() == 10, "the same ten firms are still in the market"
    assert np.all(start > 1.1)
    np.testing.assert_array_equal(f.price[goods], f.unit_cost[goods])
    assert np.all(f.utilization[goods] < 0.3)
    cats = eco.recorder.tables()["categories"].to_pandas()
    goods_rows = cats[cats.category == "goods"]
    assert (goods_rows.net_margin.iloc[-5:] < 0).all()
    assert goods_rows.overcapacity.iloc[-1] > 3.0


def test_scarce_capacity_keeps_prices_above_cost():
    """Adaptive pricing, handmade capacity well below demand: the price rises above its
    initial level at the rule's speed."""
    sc = small(periods=24, consumers=400, drop_events=True,
               overrides={"firms.2.capacity": 20.0, "category.embroidery.pricing": "adaptive"})
    eco = Economy(sc, 4)
    eco.step()
    f = eco.state.firms
    craft = f.alive & (f.category == 2)
    first = f.price[craft].copy()
    eco.run()
    assert np.all(f.utilization[craft] == 1.0)
    # full utilisation: exp(psi (1 - u*)) per period, 23 periods
    np.testing.assert_allclose(f.price[craft], first * np.exp(0.05 * 0.15 * 23), rtol=1e-9)


def test_event_at_period_zero_that_raises_costs_does_not_leave_prices_below_cost():
    """Modernizing at t = 0 when machine work costs more than handwork (found by hypothesis)."""
    sc = small(periods=2, overrides={"category.embroidery.hand_materials": 1.0, "event.0.at": 0})
    eco = Economy(sc, 0)
    eco.step()
    f = eco.state.firms
    craft = f.alive & (f.category == 2)
    assert np.all(f.unit_cost[craft] == 60.0)
    assert np.all(f.price[craft] >= f.unit_cost[craft])


def _market_foc(prices, offer, consumers, eta, cost, owner, market):
    """FOCs of one market of a multi-market offer (consideration weights included)."""
    lo, hi = offer.offsets[market], offer.offsets[market + 1]
    offer.price[lo:hi] = prices
    probs = choice_probabilities(offer, consumers, eta, market)[:, 1:]
    gamma = offer.price_weight[lo] * consumers.price_factor
    jac = np.einsum("i,ik,ij->jk", gamma, probs, probs)
    jac -= np.diag(np.sum(gamma[:, None] * probs, axis=0))
    own = owner[:, None] == owner[None, :]
    return probs.sum(axis=0) + (own * jac) @ (prices - cost)


def test_nash_with_awareness_followers_and_halo_solves_the_focs():
    """Culture goods, partial awareness, a creator's followers, the halo and a joint owner."""
    over = {"scenario.pricing": "nash", "consumers.halo": 1.0, "firms.1.owner": "coop",
            "firms.2.owner": "coop"}
    eco = Economy(small("content", periods=4, consumers=400, overrides=over), 6)
    eco.run()
    offer = eco.offer()
    consumers, f = eco.state.consumers, eco.state.firms
    assert 0 < consumers.awareness.mean() < 1 and consumers.follows.sum() > 0
    for market in range(2):
        lo, hi = offer.offsets[market], offer.offsets[market + 1]
        cost = f.effective_cost[offer.slots[lo:hi]]
        owner = f.owner[offer.slots[lo:hi]]
        ours = offer.price[lo:hi].copy()
        residual = _market_foc(ours, offer, consumers, eco.eta, cost, owner, market)
        sol = root(_market_foc, cost * 1.5,
                   args=(offer, consumers, eco.eta, cost, owner, market), tol=1e-13)
        # hybr may stop on "no further improvement": judge it by its FOC residual
        assert np.max(np.abs(sol.fun)) < 1e-9 * consumers.income.size
        np.testing.assert_allclose(ours, sol.x, rtol=1e-8)
        assert np.max(np.abs(residual)) < 1e-8 * consumers.income.size
