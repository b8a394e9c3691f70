"""Events on the timeline do what they say (DESIGN §1.9)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small

import premia
from premia.model.demand import choice_probabilities
from premia.model.engine import Economy


def _firms(res, category):
    f = res.firms
    return f[f.category == category]


def test_modernize_sets_modern_share_from_its_period():
    """Unit cost = labour per unit x the region's wage + materials: 0.08 x 2500 + 100 by
    hand, 0.004 x 2500 + 40 by machine (identical firms: no heterogeneity)."""
    over = {"event.0.at": 3, "firms.2.heterogeneity": 0.0}
    res = premia.simulate(small(periods=6, overrides=over), seed=1)
    craft = _firms(res, "embroidery")
    before, after = craft[craft.period < 3], craft[craft.period >= 3]
    assert (before.modern_share == 0.0).all() and (after.modern_share == 1.0).all()
    np.testing.assert_allclose(after.authenticity, 0.2)
    assert (before.authenticity == 1.0).all()
    np.testing.assert_allclose(after.unit_cost, 50.0, rtol=1e-12)
    np.testing.assert_allclose(before.unit_cost, 300.0, rtol=1e-12)
    assert after.capacity.min() == pytest.approx(10 * before.capacity.max())


def test_modernize_limited_to_a_region_leaves_others_alone():
    sc = small(periods=5, drop_events=True, events=[
        {"at": 1, "kind": "modernize", "category": "embroidery", "region": "coast"}])
    craft = _firms(premia.simulate(sc, seed=1), "embroidery")
    assert (craft.modern_share == 0.0).all()


def test_merge_markets_puts_goods_in_one_choice_set_without_culture_term(watch):
    sc = small(periods=4, consumers=300, drop_events=True,
               overrides={"category.goods.entry_rate": 0.0}, events=[
                   {"at": 2, "kind": "merge_markets", "category": "embroidery", "into": "goods"}])
    eco = watch(sc, 1)
    eco.run()
    before, merged = eco.periods[1].offer, eco.periods[2].offer
    f = eco.state.firms
    craft_before = f.category[before.slots] == 2
    craft = f.category[merged.slots] == 2
    assert np.all(before.meaning_term[craft_before] > 0)
    assert np.all(merged.meaning_term[craft] == 0.0) and np.all(merged.culture[craft] == -1)
    lo, hi = merged.offsets[0], merged.offsets[1]
    assert craft[lo:hi].sum() == 20 and (~craft[lo:hi]).sum() == 10
    assert merged.offsets[3] - merged.offsets[2] == 0, "the craft market is empty"
    # one logit over both: probabilities over 30 goods and the outside option sum to 1
    consumers = eco.periods[2].consumers
    probs = choice_probabilities(merged, consumers, eco.eta, 0)
    assert probs.shape[1] == 31
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    expected = consumers.weight * merged.purchase_rate[0] * probs[:, 1:].sum(axis=0)
    np.testing.assert_allclose(eco.periods[2].demand[lo:hi], expected, rtol=1e-9)
    # priced with the host market's price weight
    assert np.all(merged.price_weight[lo:hi] == eco.params.cat["price_weight"][0])
    cats = eco.recorder.tables()["categories"].to_pandas()
    emb = cats[cats.category == "embroidery"].set_index("period")
    assert list(emb.market) == ["embroidery", "embroidery", "goods", "goods"]
    assert emb.consumer_surplus.loc[2] == 0.0 and emb.consumer_surplus.loc[1] > 0


def test_entry_subsidy_brings_entrants_after_its_period_and_the_public_pays():
    """A sunk cost no entrant would pay keeps the market closed; a subsidy paying all of
    it from period 3 opens it, and the public table records what it paid."""
    base = {"category.goods.entry_rate": 4.0, "category.goods.entry_cost": 1.0e12,
            "category.goods.entry_spread": 0.01, "category.goods.capacity_cost": 0.0}
    quiet = premia.simulate(small(periods=8, overrides=base, drop_events=True), seed=2)
    pushed = premia.simulate(small(periods=8, overrides=base, drop_events=True, events=[
        {"at": 3, "kind": "subsidy", "category": "goods", "share": 1.0,
         "account": "coast"}]), seed=2)
    q = quiet.categories.query("category == 'goods'").firms_alive.to_numpy()
    p = pushed.categories.query("category == 'goods'").firms_alive.to_numpy()
    assert (q == 10).all()
    assert (p[:3] == 10).all() and p[-1] > 15
    entrants = pushed.categories.query("category == 'goods'").entrants.to_numpy()
    public = pushed.public
    assert set(public.instrument) == {"entry_subsidy"} and set(public.account) == {"coast"}
    paid = public.groupby("period").spending.sum()
    np.testing.assert_allclose(paid.to_numpy(),
                               1.0e12 * entrants[entrants > 0], rtol=1e-12)
    assert quiet.public.empty and list(quiet.public.columns) == [
        "period", "account", "instrument", "target", "spending"]


def test_patent_event_shortens_protection():
    sc = small("tech_duopoly", periods=12, drop_events=True, events=[
        {"at": 3, "kind": "patent", "category": "phones", "length": 2}])
    eco = Economy(sc, 1)
    f, mk = eco.state.firms, eco.state.markets
    eco.step()
    f.tech[0] = 1.0
    mk.discoveries[0].append((1.0, 1))
    eco.step()
    eco.step()
    assert f.tech[1] == 0.0 and mk.patent_length[0] == 6
    eco.step()  # period 3: L = 2, the period-1 discovery is free and copied
    assert mk.patent_length[0] == 2
    assert f.tech[1] == 1.0


def test_shock_multiplies_demand_in_its_period():
    """Prices set from last month's utilisation (adaptive) do not react within the month,
    so demand doubles with the purchase rate."""
    over = {"category.phones.pricing": "adaptive", "category.goods.entry_rate": 0.0,
            "category.phones.entry_rate": 0.0}

    def demand(events):
        res = premia.simulate(small(periods=4, drop_events=True, overrides=over,
                                    events=events), seed=3)
        return res.categories.set_index(["period", "category"]).demand

    plain = demand([])
    shocked = demand([{"at": 2, "kind": "shock", "category": "phones", "factor": 2.0}])
    assert shocked.loc[(1, "phones")] == plain.loc[(1, "phones")]
    assert shocked.loc[(2, "phones")] == pytest.approx(2.0 * plain.loc[(2, "phones")],
                                                       rel=1e-12)
    assert shocked.loc[(2, "goods")] == plain.loc[(2, "goods")]


def test_media_reaches_only_while_funded_and_raises_affinity():
    budget = [{"at": 2, "kind": "media", "culture": "miao", "budget": 5.0e5, "until": 5}]
    over = {"culture.miao.media_efficiency": 1.0e-6}
    plain = premia.simulate(small("content", periods=8, overrides=over), seed=4).cultures
    media = premia.simulate(small("content", periods=8, overrides=over, events=budget),
                            seed=4).cultures
    reach = media.media_reach.to_numpy()
    np.testing.assert_allclose(reach[2:6], 1.0 - np.exp(-0.5))
    assert (reach[:2] == 0).all() and (reach[6:] == 0).all()
    assert (media.mean_affinity.to_numpy()[:2] == plain.mean_affinity.to_numpy()[:2]).all()
    assert (media.mean_affinity.to_numpy()[2:] > plain.mean_affinity.to_numpy()[2:]).all()
    assert (media.aware_share.to_numpy()[2:] > plain.aware_share.to_numpy()[2:]).all()


def test_creator_event_starts_the_creator():
    sc = small("content", periods=8, events=[{"at": 4, "kind": "creator", "creator": "weaver"}])
    cr = premia.simulate(sc, seed=4).creators
    assert list(cr.active) == [False] * 4 + [True] * 4
    assert (cr.followers.to_numpy()[:4] == 0).all() and cr.followers.iloc[-1] > 0


def test_disabled_events_are_not_applied():
    res = premia.simulate(small(periods=4, overrides={"event.0.at": 1,
                                                      "event.0.enabled": False}), seed=1)
    assert (_firms(res, "embroidery").modern_share == 0.0).all()
    sc = small("content", periods=4, events=[
        {"at": 1, "kind": "creator", "creator": "weaver", "enabled": False}])
    cr = premia.simulate(sc, seed=1).creators
    assert not cr.active.any() and (cr.followers == 0).all()
