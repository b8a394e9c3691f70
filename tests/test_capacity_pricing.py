"""Bertrand-Nash prices with capacity (DESIGN §1.4): the Kuhn-Tucker conditions hold."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small

import premia
from premia.catalog import shipped
from premia.model.demand import choice_probabilities
from premia.model.engine import Economy
from premia.model.pricing import PricingError, nash_prices

HETEROGENEOUS = {"consumers.income_sigma": 0.6, "consumers.quality_taste_sigma": 0.4}


def _market(overrides=None, seed=5):
    """The static four-firm market after one period: (economy, offer, costs, owners)."""
    eco = Economy(small("static_nash", periods=2, consumers=400,
                        overrides={**HETEROGENEOUS, **(overrides or {})}), seed)
    eco.step()
    f = eco.state.firms
    offer = eco.offer()
    return eco, offer, f.effective_cost[offer.slots], f.owner[offer.slots]


def _demand(eco, offer, prices):
    offer.price[:] = prices
    probs = choice_probabilities(offer, eco.state.consumers, eco.eta, 0)[:, 1:]
    return offer.purchase_rate[0] * (eco.state.consumers.weight @ probs)


def _best_response(eco, offer, prices, cost, owner, j):
    """Firm j's price without a capacity limit, the others' prices held at ``prices``."""
    offer.price[:] = prices
    free = np.zeros(prices.size, np.bool_)
    free[j] = True
    out, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner, free=free)
    return out[j]


def test_capacity_bound_firms_sell_their_capacity_and_price_above_their_nash_price():
    eco, offer, cost, owner = _market()
    free_prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner)
    unconstrained = _demand(eco, offer, free_prices)
    capacity = np.array([0.6, 5.0, 0.5, 5.0]) * unconstrained  # firms 0 and 2 are short
    offer.price[:] = cost * 1.1
    prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner,
                            capacity=capacity)
    demand = _demand(eco, offer, prices)
    bound = np.array([True, False, True, False])
    np.testing.assert_allclose(demand[bound], capacity[bound], rtol=1e-8)
    assert np.all(demand[~bound] < capacity[~bound])
    assert np.all(prices[bound] > free_prices[bound] * 1.01), "scarcity lifts their prices"
    for j in range(prices.size):
        reply = _best_response(eco, offer, prices, cost, owner, j)
        if bound[j]:
            assert prices[j] > reply, f"firm {j} is bound: above its Nash price"
        else:
            assert prices[j] == pytest.approx(reply, rel=1e-8), f"firm {j} is at its Nash price"


def test_slack_capacity_gives_the_plain_nash_prices():
    eco, offer, cost, owner = _market({"firms.1.owner": "x", "firms.3.owner": "x"})
    free_prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner)
    capacity = 1.5 * _demand(eco, offer, free_prices)
    offer.price[:] = cost * 3.0
    prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner,
                            capacity=capacity)
    np.testing.assert_allclose(prices, free_prices, rtol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_the_fixed_point_is_reached_from_any_start(seed):
    """Random starting prices (below cost, far above it) all end at the same prices."""
    eco, offer, cost, owner = _market()
    free_prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner)
    capacity = np.array([0.3, 1.2, 0.7, 0.4]) * _demand(eco, offer, free_prices)
    rng = np.random.default_rng(seed)
    ends = []
    for _ in range(3):
        offer.price[:] = cost * np.exp(rng.uniform(-1.0, 3.0, cost.size))
        prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner,
                                capacity=capacity)
        ends.append(prices)
    np.testing.assert_allclose(ends[1], ends[0], rtol=1e-8)
    np.testing.assert_allclose(ends[2], ends[0], rtol=1e-8)
    assert np.all(_demand(eco, offer, ends[0]) <= capacity * (1 + 1e-8))


def test_every_good_bound_in_a_covered_market_still_converges():
    """Total capacity far below demand and an outside option nobody takes: prices climb
    until enough buyers leave, every firm selling exactly its capacity."""
    eco, offer, cost, owner = _market({"category.widgets.outside_utility": -20.0})
    free_prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner)
    capacity = 0.2 * _demand(eco, offer, free_prices)
    prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner,
                            capacity=capacity)
    np.testing.assert_allclose(_demand(eco, offer, prices), capacity, rtol=1e-8)
    assert np.all(prices > 2.0 * free_prices)


def test_a_market_that_does_not_converge_is_a_clear_error():
    eco, offer, cost, owner = _market()
    offer.price[:] = cost * 5.0
    with pytest.raises(PricingError, match=r"did not converge in market 0 after 2 iterations"):
        nash_prices(offer, eco.state.consumers, eco.eta, cost, owner, max_iter=2)


def test_the_engine_clears_scarce_craft_capacity_at_nash_prices():
    """A culture category on Nash pricing with handmade capacity far below demand: every
    workshop sells exactly its capacity, month after month."""
    sc = small(periods=6, consumers=400, drop_events=True,
               overrides={"firms.2.capacity": 5.0, "category.embroidery.entry_rate": 0.0})
    res = premia.simulate(sc, seed=2)
    craft = res.firms[res.firms.category == "embroidery"]
    np.testing.assert_allclose(craft.utilization, 1.0, rtol=1e-8)
    np.testing.assert_allclose(craft.demand, craft.capacity, rtol=1e-8)


def test_a_higher_sunk_cost_leaves_fewer_firms_in_a_technology_market():
    """Same seeds, entry cost doubled: fewer firms in the long run (second half)."""
    def firms(cost: float) -> float:
        over = {"scenario.periods": 120, "scenario.consumers": 600,
                "category.phones.entry_cost": cost}
        counts = []
        for seed in (1, 2, 3):
            sc = premia.load_scenario(shipped()["tech-cycles"], over)
            cat = premia.simulate(sc, seed=seed).categories
            counts.append(cat[cat.period >= 60].firms_alive.mean())
        return float(np.mean(counts))

    base = premia.load_scenario(shipped()["tech-cycles"]).category[0].entry_cost
    assert firms(2.0 * base) < firms(base)


def test_a_pricing_sample_of_everyone_changes_nothing_and_a_smaller_one_stays_close():
    """scenario.pricing_sample: Nash prices solved on a fixed sample of consumers. A sample
    as large as the population is the population (bit-identical tables); a sample of a
    fifth (600 consumers) moves prices by about a percent on average here and leaves
    adaptive goods alone."""
    base = {"scenario.consumers": 3000, "scenario.periods": 8}
    full = premia.simulate(small(overrides=base), seed=3)
    everyone = premia.simulate(small(overrides={**base, "scenario.pricing_sample": 3000}),
                               seed=3)
    for name in full.tables:
        assert full.tables[name].equals(everyone.tables[name]), name
    part = premia.simulate(small(overrides={**base, "scenario.pricing_sample": 600}), seed=3)
    a = full.firms.set_index(["period", "firm"])
    b = part.firms.set_index(["period", "firm"])
    common = a.index.intersection(b.index)
    rel = (b.loc[common, "price"] / a.loc[common, "price"] - 1).abs()
    nash = a.loc[common, "category"] != "goods"
    assert 0 < rel[nash].mean() < 0.015 and rel[nash].max() < 0.05
    assert (rel[~nash] == 0).all()


def test_share_jacobian_matches_numpy_and_threads_agree_bit_for_bit():
    """s, Lambda and Gamma of a market from the kernel against the NumPy reference
    probabilities, on several chunks of consumers; the threaded build equals the serial."""
    from premia.model import capacity
    from premia.model.demand import CHUNK
    from premia.model.pricing import MarketTerms

    eco = Economy(small("content", periods=2, consumers=3 * CHUNK + 17,
                        overrides={"consumers.halo": 1.0}), 1)
    eco.step()
    offer, c = eco.offer(), eco.state.consumers
    c.weight = c.weight * np.random.default_rng(2).uniform(0.2, 5.0, c.weight.size)
    lo, hi = int(offer.offsets[1]), int(offer.offsets[2])
    terms = MarketTerms(offer, c, eco.eta, 1)
    args = (terms.X, terms.n, terms.off, terms.v0, terms.n_cul,
            np.arange(hi - lo, dtype=np.int64))
    serial = capacity._jacobian_serial(*args)
    for a, b in zip(serial, capacity._jacobian_parallel(*args), strict=True):
        np.testing.assert_array_equal(a, b)
    probs = choice_probabilities(offer, c, eco.eta, 1)[:, 1:]
    gamma = offer.price_weight[lo] * c.price_factor
    w = c.weight
    s, lam, gam = serial
    np.testing.assert_allclose(s, w @ probs, rtol=1e-10)
    np.testing.assert_allclose(lam, (w * gamma) @ probs, rtol=1e-10)
    np.testing.assert_allclose(gam, np.einsum("i,ij,ik->jk", w * gamma, probs, probs),
                               rtol=1e-9)
    assert hi - lo > 3 and np.all(np.diag(gam) > 0)


def test_a_bound_good_of_a_multi_product_owner_carries_its_shadow_cost_to_its_siblings():
    """Firms 0 and 2 share an owner and firm 2 is short of capacity: the owner prices
    firm 0 with firm 2's shadow cost in its margin, so the first-order conditions hold
    with that shadow cost (checked against the NumPy reference probabilities)."""
    eco, offer, cost, owner = _market({"firms.0.owner": "acme", "firms.2.owner": "acme"})
    free_prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner)
    capacity = np.array([5.0, 5.0, 0.5, 5.0]) * _demand(eco, offer, free_prices)
    shadow = np.zeros(cost.size)
    prices, _ = nash_prices(offer, eco.state.consumers, eco.eta, cost, owner,
                            capacity=capacity, shadow=shadow)
    assert shadow[2] > 0 and np.all(shadow[[0, 1, 3]] == 0)
    np.testing.assert_allclose(_demand(eco, offer, prices)[2], capacity[2], rtol=1e-8)
    c = eco.state.consumers
    probs = choice_probabilities(offer, c, eco.eta, 0)[:, 1:]
    gamma = offer.price_weight[0] * c.price_factor
    jac = np.einsum("i,ij,ik->jk", gamma, probs, probs) - np.diag(gamma @ probs)
    same = owner[:, None] == owner[None, :]
    foc = probs.sum(axis=0) + (same * jac).T @ (prices - cost - shadow)
    np.testing.assert_allclose(foc, 0.0, atol=1e-7 * probs.sum())


def test_nearly_all_or_nothing_demand_still_clears_capacity():
    """Twenty consumers and a wage that makes the only workshop's cost enormous: demand
    falls from everyone to nobody within a few per cent of price, and an unguarded Newton
    step jumped across the clearing price forever. The bracket finds it."""
    sc = premia.load_scenario("minimal", overrides={
        "firms.2.count": 1, "category.embroidery.capacity_cost": 0.0,
        "category.embroidery.authenticity_loss": 0.0, "culture.miao.capital": 90.55,
        "region.guizhou.wage": 872092.0, "scenario.periods": 1, "scenario.consumers": 20})
    res = premia.simulate(sc, seed=1)
    craft = res.firms[res.firms.category == "embroidery"]
    assert len(craft) == 1
    np.testing.assert_allclose(craft.demand, craft.capacity, rtol=1e-6)
    assert np.all(craft.price > craft.unit_cost)
