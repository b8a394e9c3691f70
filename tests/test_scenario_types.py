"""Booleans are not numbers, media windows are ordered, extreme technology stays finite,
and tables keep their columns when they have no rows."""

from __future__ import annotations

import numpy as np
import pytest

import premia
from premia import ScenarioError, load_scenario

MINIMAL = "scenarios/minimal.toml"


@pytest.mark.parametrize("path", ["scenario.periods", "firms.0.count",
                                  "category.goods.price_weight", "event.0.share"])
def test_a_boolean_where_a_number_belongs_is_an_error(path):
    with pytest.raises(ScenarioError, match="must be a number, not true"):
        load_scenario(MINIMAL, {path: True})


def test_booleans_are_still_booleans():
    sc = load_scenario(MINIMAL, {"event.0.enabled": False})
    assert sc.event[0].enabled is False


def test_media_until_before_at_is_an_error():
    from premia.loading import read_toml, validate_raw

    raw = read_toml(MINIMAL)
    raw["event"].append({"at": 10, "kind": "media", "culture": "miao", "budget": 1.0,
                         "until": 3})
    with pytest.raises(ScenarioError, match="until=3 is before at=10"):
        validate_raw(raw, MINIMAL)
    raw["event"][-1]["until"] = 10
    assert validate_raw(raw, MINIMAL).event[-1].until == 10


def test_extreme_technology_gives_finite_costs_and_markups():
    sc = load_scenario(MINIMAL, {"firms.1.tech": 100.0, "category.phones.tech_cost_elasticity":
                                 10.0, "scenario.periods": 3, "scenario.consumers": 200})
    res = premia.simulate(sc, seed=1)
    phones = res.firms[res.firms.category == "phones"]
    assert np.isfinite(phones.markup).all() and (phones.unit_cost > 0).all()


def test_tables_without_rows_keep_their_columns():
    sc = load_scenario("scenarios/overcapacity.toml", {"scenario.periods": 2,
                                                       "scenario.consumers": 100})
    res = premia.simulate(sc, seed=1)
    assert len(res.cultures) == 0 and "accepting_share" in res.cultures.columns
    assert len(res.creators) == 0 and "followers" in res.creators.columns


def test_halo_with_two_cultures_at_one_home_is_an_error():
    from premia.loading import read_toml, validate_raw

    raw = read_toml(MINIMAL)
    raw["culture"].append({"id": "dong", "home": "guizhou"})
    assert validate_raw(raw, MINIMAL).culture[1].id == "dong"  # fine without a halo
    raw.setdefault("consumers", {})["halo"] = 0.5
    with pytest.raises(ScenarioError, match="home to miao, dong"):
        validate_raw(raw, MINIMAL)
