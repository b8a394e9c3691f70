"""Random valid scenarios (within the schema's ranges, small sizes) run cleanly."""

from __future__ import annotations

from typing import Any

from conftest import assert_sane, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import premia


def fl(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


SHARE = fl(0.0, 1.0)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "scenario.population": fl(1.0, 1e10),
    "scenario.pricing": st.sampled_from(["adaptive", "nash"]),
    "scenario.demand": st.sampled_from(["expected", "sampled"]),
    "consumers.income_mean": fl(1.0, 1e7),
    "consumers.income_sigma": fl(0.0, 3.0),
    "consumers.quality_taste_mean": fl(0.0, 100.0),
    "consumers.quality_taste_sigma": fl(0.0, 3.0),
    "consumers.income_elasticity": fl(0.0, 3.0),
    "consumers.network": st.sampled_from(["mixed", "small_world"]),
    "consumers.network_degree": st.integers(2, 200),
    "consumers.rewiring": SHARE,
    "consumers.halo": fl(0.0, 20.0),
    "region.guizhou.households": fl(1.0, 1e9),
    "region.guizhou.base_income": fl(0.0, 1e7),
    "region.guizhou.income_sigma": fl(0.0, 3.0),
    "region.guizhou.wage": fl(0.0, 1e6),
    "region.guizhou.transport": fl(0.0, 1e5),
    "region.coast.owner_share": SHARE,
    "culture.miao.capital": fl(0.0, 100.0),
    "culture.miao.learning": SHARE,
    "culture.miao.social": SHARE,
    "culture.miao.habit": SHARE,
    "culture.miao.decay": SHARE,
    "culture.miao.threshold": SHARE,
    "culture.miao.bass_q": SHARE,
    "culture.miao.media_efficiency": SHARE,
    "event.0.at": st.integers(0, 10),
    "event.0.share": SHARE,
}
for cat in ("goods", "phones", "embroidery"):
    FIELDS.update({
        f"category.{cat}.purchase_rate": fl(1e-6, 1.0),
        f"category.{cat}.outside_utility": fl(-50.0, 50.0),
        f"category.{cat}.quality_weight": fl(0.0, 100.0),
        f"category.{cat}.price_weight": fl(1e-6, 100.0),
        f"category.{cat}.machine_cost": fl(1e-3, 1e7),
        f"category.{cat}.hand_cost": fl(1e-3, 1e7),
        f"category.{cat}.defect_rate": fl(0.0, 0.9),
        f"category.{cat}.fixed_cost": fl(0.0, 1e6),
        f"category.{cat}.entry_push": fl(0.0, 100.0),
        f"category.{cat}.entry_sensitivity": fl(0.0, 1000.0),
        f"category.{cat}.price_speed": fl(0.0, 5.0),
        f"category.{cat}.initial_markup": fl(0.0, 100.0),
        f"category.{cat}.capacity_growth": SHARE,
        f"category.{cat}.tech_cost_elasticity": fl(0.0, 10.0),
    })
FIELDS.update({
    "category.embroidery.culture_weight": fl(0.0, 100.0),
    "category.embroidery.authenticity_loss": SHARE,
    "category.embroidery.machine_productivity": fl(1.0, 1000.0),
    "category.phones.innovation_productivity": fl(0.0, 100.0),
    "category.phones.imitation_productivity": fl(0.0, 100.0),
    "category.phones.rd_scale": fl(1e-3, 1e12),
    "category.phones.patent_length": st.integers(0, 2400),
})
for i in range(3):
    FIELDS.update({
        f"firms.{i}.count": st.integers(1, 12),
        f"firms.{i}.capacity": fl(1e-3, 1e9),
        # T within +-5: with lambda up to 10 the schema's full range (+-100) lets
        # exp(-lambda T) underflow to a zero cost or overflow (an open schema issue)
        f"firms.{i}.tech": fl(-5.0, 5.0),
        f"firms.{i}.cash": fl(-1e12, 1e12),
        f"firms.{i}.markup": fl(0.0, 100.0),
        f"firms.{i}.rd_intensity": SHARE,
    })


@st.composite
def valid_overrides(draw) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=12,
                         unique=True))
    out = {key: draw(FIELDS[key]) for key in keys}
    out["scenario.periods"] = draw(st.integers(1, 8))
    out["scenario.consumers"] = draw(st.integers(10, 300))
    out["scenario.max_firms"] = 120
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=valid_overrides(), seed=st.integers(0, 2**32))
def test_random_valid_scenarios_run_without_nan_or_inf(overrides, seed):
    sc = make_scenario("minimal", overrides)
    res = premia.simulate(sc, seed=seed)
    assert_sane(res)
    assert res.categories.period.nunique() == sc.scenario.periods
