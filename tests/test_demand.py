"""Demand: choice probabilities, expected versus sampled demand, weights, the money identity."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import small
from hypothesis import given, settings
from hypothesis import strategies as st

from premia.model import accounts
from premia.model import demand as dm
from premia.model import pricing as pr
from premia.model import spending as sp
from premia.model.demand import choice_probabilities, expected_demand
from premia.model.shoppers import draw_shoppers
from premia.model.spending import consumer_spending


def _market_state(watch, name="minimal", periods=3, seed=3, **kw):
    """Run a few periods and return the economy and its last period's market."""
    eco = watch(small(name, periods=periods, **kw), seed)
    eco.run()
    return eco, eco.periods[-1]


def _unequal_weights(consumers, seed=0):
    """The same consumers standing for unequal numbers of people (importance weights)."""
    out = copy.deepcopy(consumers)
    out.weight = consumers.weight * np.random.default_rng(seed).uniform(0.2, 5.0,
                                                                        consumers.weight.size)
    return out


# minimal: full awareness of commodity goods; content: partial awareness, a creator's
# followers, and the country-of-origin halo on
MARKETS = pytest.mark.parametrize("name,overrides", [
    ("minimal", {}),
    ("content", {"consumers.halo": 1.5}),
])
WEIGHTS = pytest.mark.parametrize("unequal", [False, True], ids=["equal", "unequal"])


@MARKETS
def test_choice_probabilities_sum_to_one(watch, name, overrides):
    eco, per = _market_state(watch, name, overrides=overrides)
    offer, consumers = per.offer, per.consumers
    for m in range(offer.offsets.size - 1):
        if offer.offsets[m + 1] == offer.offsets[m]:
            continue
        probs = choice_probabilities(offer, consumers, eco.eta, m)
        assert probs.shape == (consumers.income.size, 1 + offer.offsets[m + 1] - offer.offsets[m])
        assert np.all(probs >= 0.0)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert np.all(probs[:, 0] > 0.0), "the outside option always has positive probability"


@MARKETS
@WEIGHTS
def test_kernel_demand_equals_reference_probabilities(watch, name, overrides, unequal):
    """The numba kernel's expected demand is sum_i w_i phi P_ij of the NumPy reference."""
    eco, per = _market_state(watch, name, overrides=overrides)
    if name == "content":
        c = per.consumers
        assert 0 < c.awareness.mean() < 1 and c.follows.sum() > 0
    offer, consumers = per.offer, per.consumers
    if unequal:
        consumers = _unequal_weights(consumers)
    demand, _ = expected_demand(offer, consumers, eco.eta)
    for m in range(offer.offsets.size - 1):
        lo, hi = offer.offsets[m], offer.offsets[m + 1]
        if hi == lo:
            continue
        probs = choice_probabilities(offer, consumers, eco.eta, m)
        ref = offer.purchase_rate[m] * (consumers.weight @ probs[:, 1:])
        np.testing.assert_allclose(demand[lo:hi], ref, rtol=1e-10)
    if not unequal:
        np.testing.assert_allclose(demand, per.demand, rtol=1e-12)


@MARKETS
@WEIGHTS
def test_consumer_surplus_is_the_inclusive_value(watch, name, overrides, unequal):
    eco, per = _market_state(watch, name, overrides=overrides)
    offer, consumers = per.offer, per.consumers
    if unequal:
        consumers = _unequal_weights(consumers)
    _, surplus = expected_demand(offer, consumers, eco.eta)
    for m in range(offer.offsets.size - 1):
        lo = offer.offsets[m]
        if offer.offsets[m + 1] == lo:
            continue
        probs = choice_probabilities(offer, consumers, eco.eta, m)
        # P_i0 = exp(v0) / sum  =>  log(sum) - v0 = -log P_i0
        gamma = offer.price_weight[lo] * consumers.price_factor
        ref = np.sum(consumers.weight * offer.purchase_rate[m] * -np.log(probs[:, 0]) / gamma)
        assert surplus[m] == pytest.approx(ref, rel=1e-10)


def test_weights_change_demand_as_the_people_they_stand_for(watch):
    """Unequal weights move demand toward the heavier consumers' choices (not a rescaling)."""
    eco, per = _market_state(watch, "content", overrides={"consumers.halo": 1.5})
    offer, consumers = per.offer, per.consumers
    equal, _ = expected_demand(offer, consumers, eco.eta)
    heavy = _unequal_weights(consumers, seed=3)
    heavy.weight *= consumers.weight.sum() / heavy.weight.sum()  # same population
    moved, _ = expected_demand(offer, heavy, eco.eta)
    assert np.max(np.abs(moved / equal - 1.0)) > 1e-3
    # doubling every weight doubles demand exactly (a power of two: no rounding)
    heavy.weight *= 2.0
    doubled, _ = expected_demand(offer, heavy, eco.eta)
    np.testing.assert_array_equal(doubled, 2.0 * moved)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 300), split=st.integers(0, 299), seed=st.integers(0, 2**16))
def test_a_consumer_split_in_two_halves_buys_the_same(n, split, seed):
    """Two copies of a consumer with half its weight each give the same demand and surplus.

    Covers every block and padding layout from 1 to 300 consumers.
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from common import synthetic_market

    offer, people = synthetic_market(n, 9, 3, cultures=2, seed=seed)
    people.weight = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    i = split % n
    twin = copy.deepcopy(people)
    for name in ("region", "income", "quality_taste", "price_factor", "weight"):
        setattr(twin, name, np.insert(getattr(people, name), i, getattr(people, name)[i]))
    for name in ("affinity", "awareness", "bought", "follows"):
        setattr(twin, name, np.insert(getattr(people, name), i, getattr(people, name)[i], axis=0))
    twin.weight[i:i + 2] = people.weight[i] / 2.0
    one, cs_one = expected_demand(offer, people, 0.0)
    two, cs_two = expected_demand(offer, twin, 0.0)
    np.testing.assert_allclose(two, one, rtol=1e-12)
    np.testing.assert_allclose(cs_two, cs_one, rtol=1e-12)
    np.testing.assert_allclose(twin.bought[i], twin.bought[i + 1], rtol=0)
    np.testing.assert_allclose(np.delete(twin.bought, i, axis=0), people.bought, rtol=1e-12)


@MARKETS
def test_sampled_demand_averages_to_expected_demand(watch, name, overrides):
    """Mean sampled demand over many draws matches expected demand (z-score bound).

    With unequal weights: a drawn buyer adds its own weight to demand.
    """
    eco, per = _market_state(watch, name, consumers=400, overrides=overrides)
    offer = per.offer
    consumers = _unequal_weights(per.consumers) if name == "content" else per.consumers
    n, n_markets = consumers.income.size, offer.offsets.size - 1
    expected, surplus = expected_demand(offer, consumers, eco.eta)
    # per-consumer unconditional purchase probabilities phi P_ij give the variance
    variance = np.zeros_like(expected)
    market_variance = np.zeros(n_markets)  # of a market's total: one purchase at most each
    for m in range(n_markets):
        lo, hi = offer.offsets[m], offer.offsets[m + 1]
        if hi > lo:
            pij = offer.purchase_rate[m] * choice_probabilities(offer, consumers, eco.eta, m)
            variance[lo:hi] = consumers.weight**2 @ (pij[:, 1:] * (1 - pij[:, 1:]))
            buys = pij[:, 1:].sum(axis=1)
            market_variance[m] = consumers.weight**2 @ (buys * (1 - buys))
    rng = np.random.default_rng(12345)
    draws = 400
    total = np.zeros_like(expected)
    surpluses = []
    for _ in range(draws):
        d, cs = expected_demand(offer, consumers, eco.eta, None, True,
                                draw_shoppers(rng, n, offer.purchase_rate))
        total += d
        surpluses.append(cs)
    mean = total / draws
    # sampled surplus (the shoppers' inclusive values) is unbiased for expected surplus
    cs = np.array(surpluses)
    z_cs = (cs.mean(axis=0) - surplus) / (cs.std(axis=0, ddof=1) / np.sqrt(draws))
    assert np.max(np.abs(z_cs)) < 5.0, f"surplus max |z| = {np.max(np.abs(z_cs)):.2f}"
    z = (mean - expected) / np.sqrt(variance / draws)
    assert np.max(np.abs(z)) < 5.0, f"max |z| = {np.max(np.abs(z)):.2f}"
    # the outside option is really chosen: sampled buyers are fewer than shoppers
    for m in range(n_markets):
        lo, hi = offer.offsets[m], offer.offsets[m + 1]
        shoppers = consumers.weight.sum() * offer.purchase_rate[m]
        z_market = ((mean[lo:hi].sum() - expected[lo:hi].sum())
                    / np.sqrt(market_variance[m] / draws))
        assert abs(z_market) < 5.0, f"market {m}: |z| = {abs(z_market):.2f}"
        assert mean[lo:hi].sum() < shoppers


@pytest.mark.parametrize("overrides", [
    {},
    # scarce capacity everywhere: every market is rationed
    {"firms.0.capacity": 2000.0, "firms.1.capacity": 500.0, "firms.2.capacity": 50.0},
])
def test_money_identity_spending_equals_revenue(watch, overrides):
    """Consumers' spending equals firms' revenue every period, to 1e-9 relative."""
    eco = watch(small(periods=8, consumers=600, overrides=overrides), 5)
    eco.run()
    rationed_periods = 0
    for per in eco.periods:
        served = accounts.served_share(per.demand, per.capacity)
        rationed_periods += bool(np.any(served < 1.0))
        spending = consumer_spending(per.offer, per.consumers, eco.eta, served=served)
        assert spending.sum() == pytest.approx(per.revenue.sum(), rel=1e-9)
        # and good by good: p_j min(D_j, K_j)
        np.testing.assert_allclose(per.revenue, per.price * np.minimum(per.demand, per.capacity),
                                   rtol=1e-12)
    assert len(eco.periods) == 8
    if overrides:
        assert rationed_periods == 8, "the scarce-capacity case must ration every period"


def test_kernel_shares_sum_to_one_when_nobody_stays_out(watch):
    """With v0 = -50 the outside option is never taken: total demand is phi sum_i w_i."""
    over = {f"category.{c}.outside_utility": -50.0 for c in ("goods", "phones", "embroidery")}
    eco, per = _market_state(watch, overrides={**over, "culture.miao.awareness_elsewhere": 1.0,
                                               "culture.miao.awareness_home": 1.0})
    offer, consumers = per.offer, per.consumers
    demand, _ = expected_demand(offer, consumers, eco.eta)
    for m in range(offer.offsets.size - 1):
        lo, hi = offer.offsets[m], offer.offsets[m + 1]
        total = consumers.weight.sum() * offer.purchase_rate[m]
        assert demand[lo:hi].sum() == pytest.approx(total, rel=1e-12)


def test_threaded_and_serial_kernels_agree_bit_for_bit(watch):
    """The parallel=True builds of the kernels give the serial builds' numbers exactly.

    Checked in-process on every kernel (demand expected and sampled, spending, Nash markup
    terms), on a market large enough for several chunks: a mis-compiled parallel build
    shows even on one thread (thread-count independence itself is tested in
    test_engine.py with 1 and 2 threads).
    """
    eco, per = _market_state(watch, "content", consumers=3 * dm.CHUNK + 17,
                             overrides={"consumers.halo": 1.0})
    offer, c = per.offer, _unequal_weights(per.consumers)
    shoppers = draw_shoppers(np.random.default_rng(1), c.income.size,
                                np.maximum(offer.purchase_rate, 0.3))
    for sampled in (False, True):
        args = (c.quality_taste, c.price_factor, c.weight, c.affinity, c.awareness, c.follows,
                offer.offsets, dm.pack(offer, eco.eta), offer.purchase_rate,
                offer.outside_utility, sampled, shoppers)
        bought_s, bought_p = c.bought.copy(), c.bought.copy()
        serial = dm._demand_serial(*args, bought_s)
        threaded = dm._demand_parallel(*args, bought_p)
        for a, b in zip(serial, threaded, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(bought_s, bought_p)
        assert serial[0].sum() > 0
    served = np.full(offer.slots.size, 0.7)
    args = (c.quality_taste, c.price_factor, c.weight, c.affinity, c.awareness, c.follows,
            offer.offsets, dm.pack(offer, eco.eta), offer.purchase_rate, offer.outside_utility,
            served)
    np.testing.assert_array_equal(sp._spending_serial(*args), sp._spending_parallel(*args))
    members = np.arange(offer.offsets[2] - offer.offsets[1], dtype=np.int64)
    starts = np.arange(members.size + 1, dtype=np.int64)
    margin = np.linspace(10.0, 50.0, members.size)
    terms = pr.MarketTerms(offer, c, eco.eta, 1)
    args = (terms.X, terms.n, terms.off, terms.v0, terms.n_cul, margin, members, starts)
    for a, b in zip(pr._markup_serial(*args), pr._markup_parallel(*args), strict=True):
        np.testing.assert_array_equal(a, b)


def test_float32_storage_keeps_demand_and_prices_to_single_precision():
    """``consumers.precision = "float32"`` stores tastes, affinity, awareness and purchases
    in half the bytes; the kernels compute in float64, so a short run's prices and sales
    stay within single-precision rounding of the float64 run (and are not identical)."""
    import premia
    from premia.model.engine import Economy

    runs = {}
    for precision in ("float64", "float32"):
        sc = small("content", periods=6, consumers=1500,
                   overrides={"consumers.precision": precision, "consumers.halo": 1.0})
        eco = Economy(sc, 7)
        c = eco.state.consumers
        assert c.affinity.dtype == c.awareness.dtype == c.quality_taste.dtype == precision
        runs[precision] = (premia.simulate(sc, seed=7),
                           c.affinity.nbytes + c.awareness.nbytes + c.quality_taste.nbytes)
    (double, bytes64), (single, bytes32) = runs["float64"], runs["float32"]
    assert bytes32 * 2 == bytes64
    a, b = double.categories, single.categories
    for col in ("price_index", "sales", "consumer_surplus"):
        np.testing.assert_allclose(b[col], a[col], rtol=1e-5)
    assert not np.array_equal(a.sales, b.sales), "float32 storage must round something"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 3000), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
       st.integers(0, 2**32))
def test_drawn_shoppers_are_distinct_sorted_consumers(n, rates, seed):
    start, who, uniform = draw_shoppers(np.random.default_rng(seed), n, np.array(rates))
    assert start[0] == 0 and start[-1] == who.size == uniform.size
    for m, phi in enumerate(rates):
        chosen = who[start[m]:start[m + 1]]
        assert np.all(np.diff(chosen) > 0) and np.all((chosen >= 0) & (chosen < n))
        if phi == 0.0:
            assert chosen.size == 0
        if phi == 1.0:
            assert chosen.size == n
    assert np.all((uniform >= 0.0) & (uniform < 1.0))


def test_each_consumer_shops_with_its_market_rate_independently():
    """Over many draws every consumer shops with probability phi, and neighbours in the
    consumer order shop independently (pairs with probability phi^2)."""
    n, draws, rates = 50, 4000, np.array([0.3, 0.03, 0.9])
    rng = np.random.default_rng(7)
    hits = np.zeros((3, n))
    pairs = np.zeros(3)
    for _ in range(draws):
        start, who, _ = draw_shoppers(rng, n, rates)
        for m in range(3):
            shop = np.zeros(n, bool)
            shop[who[start[m]:start[m + 1]]] = True
            hits[m] += shop
            pairs[m] += np.sum(shop[1:] & shop[:-1])
    for m, phi in enumerate(rates):
        z = (hits[m] / draws - phi) / np.sqrt(phi * (1 - phi) / draws)
        assert np.max(np.abs(z)) < 4.5, (m, np.max(np.abs(z)))
        expected_pairs = (n - 1) * draws * phi**2
        assert pairs[m] == pytest.approx(expected_pairs, rel=5 / np.sqrt(expected_pairs))


def test_markets_whose_gap_batch_runs_out_draw_on(monkeypatch):
    """With batches far too small every sparse market continues batch after batch; its
    shoppers stay distinct, sorted, and shop at the market's rate."""
    from premia.model import shoppers

    monkeypatch.setattr(shoppers, "BATCH_SIGMAS", -3.0)
    monkeypatch.setattr(shoppers, "BATCH_EXTRA", 1.0)
    rng = np.random.default_rng(3)
    n, rates, draws = 400, np.array([0.2, 0.05]), 500
    counts = np.zeros(2)
    for _ in range(draws):
        start, who, uniform = shoppers.draw_shoppers(rng, n, rates)
        for m in range(2):
            chosen = who[start[m]:start[m + 1]]
            assert np.all(np.diff(chosen) > 0) and np.all((chosen >= 0) & (chosen < n))
            counts[m] += chosen.size
        assert uniform.size == who.size
    z = (counts / draws - n * rates) / np.sqrt(n * rates * (1 - rates) / draws)
    assert np.max(np.abs(z)) < 4.5, z
