"""Entry, exit, capacity growth and the books the tables report (DESIGN §1.6, §1.8)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA, assert_sane, small

import premia
from premia.loading import read_toml, validate_raw
from premia.model.engine import Economy


def steady_entry(category: str, rate: float) -> dict[str, float]:
    """Overrides under which about ``rate`` entrants a month arrive whatever entry is worth
    (a valuation spread so wide that the logistic sits at one half)."""
    return {f"category.{category}.entry_rate": 2.0 * rate,
            f"category.{category}.entry_spread": 100.0}


def test_bankrupt_firm_exits_after_trading_its_last_period():
    eco = Economy(small(periods=4, drop_events=True), 1)
    eco.step()
    f = eco.state.firms
    fixed = 2.0 * f.capacity[20]  # embroidery: kappa = 2 per unit of capacity
    f.cash[20] = -12.0 * fixed - 1e6  # far below the floor of 12 months of fixed cost
    eco.step()
    assert not f.alive[20] and f.alive[21]
    eco.run()
    firms = eco.recorder.tables()["firms"].to_pandas()
    rows = firms[firms.firm == f.firm_id[20]]
    assert list(rows.period) == [0, 1] and list(rows.alive) == [True, False]


def test_full_solvent_firms_grow_capacity():
    over = {"category.embroidery.capacity_growth": 0.1, "firms.2.capacity": 20.0,
            "firms.2.heterogeneity": 0.0, "category.goods.entry_rate": 0.0}
    eco = Economy(small(periods=6, drop_events=True, overrides=over), 1)
    eco.run()
    firms = eco.recorder.tables()["firms"].to_pandas()
    craft = firms[firms.category == "embroidery"].groupby("period").capacity.mean()
    assert (firms[firms.category == "embroidery"].utilization == 1.0).all()
    np.testing.assert_allclose(craft.to_numpy(), 20.0 * 1.1 ** np.arange(6), rtol=1e-12)
    goods = firms[firms.category == "goods"].groupby("period").capacity.mean()
    assert goods.nunique() == 1, "under-used firms do not grow"


@pytest.mark.parametrize("home_share", [0.0, 1.0])
def test_culture_entrants_are_imitators_unless_from_home(home_share):
    over = {**steady_entry("embroidery", 3.0), "category.embroidery.entry_home_share":
            home_share, "category.embroidery.imitator_right": 0.3,
            "category.embroidery.imitator_modern_share": 0.9}
    res = premia.simulate(small(periods=6, drop_events=True, overrides=over), seed=2)
    firms = res.firms
    craft = firms[firms.category == "embroidery"]
    entrants = craft[craft.firm >= 35]
    assert entrants.firm.nunique() > 5
    if home_share == 0.0:
        assert (entrants.region == "coast").all()
        np.testing.assert_allclose(entrants.interpretation_right, 0.3)
        np.testing.assert_allclose(entrants.modern_share, 0.9)
        incumbents = craft[craft.firm < 35]
        assert (entrants.groupby("period").meaning.max().to_numpy()
                < incumbents.groupby("period").meaning.min().reindex(
                    entrants.period.unique()).to_numpy()).all()
    else:
        assert (entrants.region == "guizhou").all()
        assert (entrants.interpretation_right == 1.0).all()
        assert (entrants.modern_share == 0.0).all()


def test_entrants_bring_the_declared_mean_cash_and_pay_their_share_of_the_sunk_cost():
    over = {**steady_entry("goods", 2.0), "category.goods.entry_cost": 1.0e5,
            "category.goods.capacity_cost": 10.0, "category.goods.entry_subsidy": 0.25}
    sc = small(periods=4, drop_events=True, overrides=over)
    eco = Economy(sc, 3)
    f = eco.state.firms
    declared = f.cash[f.alive & (f.category == 0)].mean()
    eco.run()
    firms = eco.recorder.tables()["firms"].to_pandas()
    first = firms[firms.firm >= 35].groupby("firm").head(1)
    assert len(first) > 0
    sunk = 1.0e5 + 10.0 * first.capacity
    np.testing.assert_allclose(first.investment, 0.75 * sunk, rtol=1e-12)
    np.testing.assert_allclose(first.injection - first.investment, declared, rtol=1e-12)
    np.testing.assert_allclose(first.cash, first.injection - first.investment + first.profit
                               - first.dividends, rtol=1e-12)


def test_overcapacity_is_capacity_over_demand():
    res = premia.simulate(small(periods=5), seed=1)
    firms = res.firms.groupby(["period", "category"])
    ratio = firms.capacity.sum() / firms.demand.sum()
    cats = res.categories.set_index(["period", "category"]).overcapacity
    np.testing.assert_allclose(cats.loc[ratio.index], ratio, rtol=1e-12)


def test_region_mean_income_adds_up():
    """mean income = base + wage x employed share (of the household sample) + (dividends
    + creator income) / households."""
    over = {"region.city.income_sigma": 0.0, "region.village.income_sigma": 0.0}
    sc = small("content", periods=6, overrides=over)
    res = premia.simulate(sc, seed=8)
    firms, reg, cr = res.firms, res.regions, res.creators
    regions = {r.id: r for r in sc.region}
    dividends = firms.groupby(["period", "region"]).dividends.sum()
    for _, row in reg.iterrows():
        r = regions[row.region]
        employed = np.floor(min(row.jobs / r.households, 1.0) * 1000 + 0.5) / 1000
        creator = cr[cr.period == row.period].income.sum() if row.region == "village" else 0.0
        owners = dividends.get((row.period, row.region), 0.0)
        expected = r.base_income + r.wage * employed + (owners + creator) / r.households
        assert row.mean_income == pytest.approx(expected, rel=1e-9)
        assert row.dividend_income == pytest.approx(owners, rel=1e-12)
    assert (reg.query("region == 'village'").jobs > 0).all()
    assert (firms.dividends > 0).any()


def test_creator_income_is_followers_plus_commission():
    sc = small("content", periods=6)
    res = premia.simulate(sc, seed=8)
    z = sc.creator[0]
    coop = res.firms[res.firms.cooperative == 0].groupby("period").revenue.sum()
    cr = res.creators.set_index("period")
    expected = z.income_per_follower * cr.followers + z.commission * coop.reindex(cr.index)
    np.testing.assert_allclose(cr.income, expected, rtol=1e-12)
    assert (coop > 0).all()
    np.testing.assert_allclose(cr.coop_sales,
                               res.firms[res.firms.cooperative == 0].groupby("period").sales
                               .sum().reindex(cr.index), rtol=1e-12)


def test_two_cultures_with_one_home_region():
    """A region may be home to two crafts; entrants of each come from that home region."""
    raw = read_toml(DATA / "content.toml")
    raw["culture"].append({"id": "dong", "home": "village"})
    raw["category"].append({"id": "drums", "kind": "culture", "culture": "dong",
                            "entry_rate": 4.0, "entry_spread": 100.0,
                            "entry_home_share": 1.0})
    raw["firms"].append({"category": "drums", "region": "village", "count": 2})
    raw["scenario"].update(periods=4, consumers=300)
    res = premia.simulate(validate_raw(raw), seed=1)
    assert_sane(res)
    drums = res.firms[res.firms.category == "drums"]
    assert drums.firm.nunique() > 2 and (drums.region == "village").all()
    assert (drums.meaning > 0).all()


def test_a_category_that_died_out_does_not_crash_entry():
    """All goods firms go bankrupt and phone entrants reuse their slots: entry into goods
    must not crash for want of a firm to copy, and entrants keep coming from the declared
    firms' template (here with the same hopeless cash)."""
    over = {"firms.0.cash": -1.0e9, **steady_entry("goods", 1.0), **steady_entry("phones", 3.0)}
    res = premia.simulate(small(periods=10, drop_events=True, overrides=over), seed=0)
    assert_sane(res)
    goods = res.categories.query("category == 'goods'")
    assert goods.firms_alive.iloc[0] >= 10  # the ten declared firms and this month's entrants
    initial = set(res.firms.query("period == 0 and category == 'goods'").firm)
    later = res.firms.query("category == 'goods' and period > 1")
    assert len(later) and not later.firm.isin(initial).any()
    assert (later.cash < 0).all()  # the template's cash, not a copy of nothing
