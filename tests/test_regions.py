"""Regions and households: poverty, Gini, artisan jobs (DESIGN §1.8)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import premia
from premia.model.regions import (
    gini,
    household_incomes,
    poverty_headcount,
    sorted_income_figures,
)


@pytest.mark.parametrize("incomes,expected", [
    ([1.0, 2.0, 3.0, 4.0], 0.25),      # sum |xi - xj| = 20 over 16 pairs, mean 2.5
    ([4.0, 1.0, 3.0, 2.0], 0.25),      # order does not matter
    ([10.0, 20.0, 30.0, 40.0], 0.25),  # scale does not matter
    ([0.0, 0.0, 0.0, 1.0], 0.75),
    ([1.0, 3.0], 0.25),
    ([5.0, 5.0, 5.0], 0.0),
    ([0.0, 0.0], 0.0),
    ([], 0.0),
])
def test_gini_on_hand_checkable_vectors(incomes, expected):
    assert gini(np.array(incomes)) == pytest.approx(expected, abs=1e-12)


def test_gini_matches_mean_absolute_difference():
    x = np.random.default_rng(1).lognormal(0.0, 0.8, 301)
    mad = np.abs(x[:, None] - x[None, :]).mean()
    assert gini(x) == pytest.approx(mad / (2 * x.mean()), rel=1e-12)


@pytest.mark.parametrize("incomes,line,expected", [
    ([500.0, 999.99, 1000.0, 2000.0], 1000.0, 0.5),  # exactly at the line is not poor
    ([500.0, 600.0], 1000.0, 1.0),
    ([500.0, 600.0], 0.0, 0.0),
    ([], 1000.0, 0.0),
])
def test_poverty_headcount_on_hand_checkable_vectors(incomes, line, expected):
    assert poverty_headcount(np.array(incomes), line) == expected


def _run(events, periods=8):
    sc = small(periods=periods, drop_events=True, events=events)
    return premia.simulate(sc, seed=6)


def test_modernizing_a_regions_workshops_lowers_its_artisan_jobs():
    plain = _run([]).regions.query("region == 'guizhou'").set_index("period")
    modern = _run([{"at": 3, "kind": "modernize", "category": "embroidery",
                    "region": "guizhou", "share": 0.8}]).regions
    modern = modern.query("region == 'guizhou'").set_index("period")
    np.testing.assert_array_equal(modern.artisan_jobs.loc[:2], plain.artisan_jobs.loc[:2])
    assert (plain.artisan_jobs.loc[3:] > 0).all()
    assert (modern.artisan_jobs.loc[3:] < 0.8 * plain.artisan_jobs.loc[3:]).all()
    assert (modern.workshops_active.loc[3:] == 0).all()
    assert (plain.workshops_active.loc[3:] == 20).all()


def test_artisan_jobs_recomputed_from_the_firms_table():
    """artisan jobs_r = sum over living firms of r of (1 - m) labour_hand sales / (1 - delta)."""
    res = _run([{"at": 3, "kind": "modernize", "category": "embroidery", "share": 0.5}])
    sc = small()
    params = {c.id: c for c in sc.category}
    f = res.firms
    f = f[f.alive]
    hand = np.array([params[c].labour_hand for c in f.category])
    delta = np.array([params[c].defect_rate for c in f.category])
    lam = np.array([params[c].tech_cost_elasticity for c in f.category])
    efficiency = np.exp(-lam * f.tech) * f.cost_factor  # technology and the firm's own draw
    f = f.assign(artisan=(1 - f.modern_share) * hand * efficiency * f.sales / (1 - delta))
    ours = f.groupby(["period", "region"]).artisan.sum()
    reg = res.regions.set_index(["period", "region"]).artisan_jobs
    np.testing.assert_allclose(reg.loc[ours.index], ours, rtol=1e-12)


def test_region_figures_stay_in_range_and_respond_to_wages_and_the_poverty_line():
    """Higher wages raise the region's mean income (they also raise the craft's unit cost,
    so poverty may go either way: dividends shrink); a higher poverty line counts more
    households as poor."""
    few = {"region.guizhou.households": 10000.0}  # enough jobs per household to matter
    low = premia.simulate(small(periods=4, drop_events=True,
                                overrides={**few, "region.guizhou.wage": 0.0}), seed=6).regions
    high = premia.simulate(small(periods=4, drop_events=True,
                                 overrides={**few, "region.guizhou.wage": 5000.0}),
                           seed=6).regions
    strict = premia.simulate(small(periods=4, drop_events=True, overrides={
        **few, "region.guizhou.wage": 5000.0, "region.guizhou.poverty_line": 3000.0}),
        seed=6).regions
    g_low, g_high, g_strict = (r.query("region == 'guizhou'") for r in (low, high, strict))
    assert (g_high.mean_income.to_numpy() > g_low.mean_income.to_numpy()).all()
    for g in (g_low, g_high, g_strict):
        assert g.poverty_headcount.between(0, 1).all() and g.gini.between(0, 1).all()
    assert (g_strict.poverty_headcount.to_numpy() > g_high.poverty_headcount.to_numpy()).all()


def test_value_added_per_worker_from_the_firms_table():
    """(revenue - materials - transport) / workers, materials = c produced - wages."""
    sc = small(periods=5, overrides={"event.0.at": 2})
    res = premia.simulate(sc, seed=4)
    cat = {c.id: c for c in sc.category}
    reg = {r.id: r for r in sc.region}
    f = res.firms
    delta = np.array([cat[c].defect_rate for c in f.category])
    produced = f.sales / (1 - delta)
    labour = np.array([(1 - m) * cat[c].labour_hand + m * cat[c].labour_machine
                       for c, m in zip(f.category, f.modern_share, strict=True)])
    lam = np.array([cat[c].tech_cost_elasticity for c in f.category])
    labour = labour * np.exp(-lam * f.tech) * f.cost_factor
    tau = np.array([reg[r].transport for r in f.region])
    f = f.assign(added=f.revenue - (f.unit_cost * produced - f.wages) - tau * f.sales,
                 jobs=labour * produced)
    g = f.groupby(["period", "region"])
    ours = g.added.sum() / g.jobs.sum()
    table = res.regions.set_index(["period", "region"])
    np.testing.assert_allclose(table.jobs.loc[ours.index], g.jobs.sum(), rtol=1e-12)
    np.testing.assert_allclose(table.value_added_per_worker.loc[ours.index], ours, rtol=1e-9)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 30)),
              elements=st.floats(0.0, 1e6)), st.floats(0.0, 1e6))
def test_sorted_income_figures_match_their_definitions(y, line):
    """Per region: the Gini is the mean absolute difference over twice the mean (0 with
    no income), the poverty headcount the share strictly below the line, the mean the
    mean."""
    lines = np.full(y.shape[0], line)
    mean, poor, gini_r = sorted_income_figures(np.sort(y, axis=1), lines)
    for r, row in enumerate(y):
        mad = np.abs(row[:, None] - row[None, :]).mean()
        expected = mad / (2 * row.mean()) if row.sum() > 0 else 0.0
        assert gini_r[r] == pytest.approx(expected, abs=1e-9)
        assert poor[r] == np.mean(row < line)
    assert mean == pytest.approx(y.mean(axis=1), rel=1e-12, abs=1e-9)


def test_household_incomes_pay_the_wage_to_the_first_employed():
    base = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = household_incomes(base, np.array([0.5, 0.0]), np.array([10.0, 20.0]),
                          np.array([2, 0]))
    assert y.tolist() == [[11.5, 12.5, 3.5], [4.0, 5.0, 6.0]]
