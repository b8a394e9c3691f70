"""Scenario loading: overrides, one-line errors naming the field, hashes."""

from __future__ import annotations

import pytest
from conftest import MINIMAL, assert_sane

import premia
from premia.catalog import shipped
from premia.loading import (
    ScenarioError,
    load_scenario,
    parse_value,
    read_toml,
    scenario_hash,
    validate_raw,
)


def test_minimal_loads_with_its_three_categories():
    sc = load_scenario(MINIMAL)
    assert [c.id for c in sc.category] == ["goods", "phones", "embroidery"]
    assert sc.scenario.periods == 120


def test_overrides_reach_every_kind_of_path():
    sc = load_scenario(MINIMAL, {
        "scenario.periods": "24", "consumers.halo": 0.5, "category.phones.patent_length": 6,
        "region.guizhou.wage": "1999.5", "culture.miao.capital": 2.0, "firms.2.count": 7,
        "event.0.at": 3, "scenario.pricing": "nash"})
    assert sc.scenario.periods == 24 and sc.consumers.halo == 0.5
    assert sc.category[1].patent_length == 6 and sc.region[1].wage == 1999.5
    assert sc.culture[0].capital == 2.0 and sc.firms[2].count == 7
    assert sc.event[0].at == 3 and sc.scenario.pricing == "nash"


@pytest.mark.parametrize("text,value", [
    ("0.5", 0.5), ("12", 12), ("true", True), ("[1, 2]", [1, 2]), ("nash", "nash"),
    ('"a b"', "a b")])
def test_parse_value(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize("overrides,names", [
    ({"scenario.bogus": 1}, ["scenario.bogus", "unknown key"]),
    ({"scenario.periods": 0}, ["scenario.periods", "greater than or equal to 1"]),
    ({"consumers.income_sigma": 3.5}, ["consumers.income_sigma"]),
    ({"category.goods.defect_rate": 0.95}, ["category.goods.defect_rate"]),
    ({"region.guizhou.owner_share": 1.5}, ["region.guizhou.owner_share"]),
    ({"culture.miao.threshold": -0.1}, ["culture.miao.threshold"]),
    ({"firms.0.count": 0}, ["firms.0.count"]),
    ({"firms.1.category": "tablets"}, ["firms.1.category", "tablets"]),
    ({"culture.miao.home": "atlantis"}, ["culture.miao.home", "atlantis"]),
    ({"event.0.category": "nosuch"}, ["event.0.category", "nosuch"]),
    ({"event.0.share": 2.0}, ["event.0.share"]),
    ({"category.embroidery.kind": "gadget"}, ["category.embroidery.kind"]),
    ({"category.phones.innovation_lo": 0.5}, ["category.phones", "innovation_hi"]),
    ({"scenario.pricing": "auction"}, ["scenario.pricing"]),
    ({"creator.nobody.quality": 1}, ["creator.nobody.quality", "no creator"]),
    ({"firms.9.count": 1}, ["firms.9.count", "0..2"]),
    ({"nonsense": 1}, ["nonsense"]),
])
def test_bad_scenarios_raise_one_line_naming_the_field(overrides, names):
    with pytest.raises(ScenarioError) as info:
        load_scenario(MINIMAL, overrides)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(MINIMAL))
    for name in names:
        assert name in message


def test_file_problems_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\nname = 1\n")
    for path in (bad, tmp_path / "missing.toml"):
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_unknown_key_in_file_is_named(tmp_path):
    text = MINIMAL.read_text().replace('kind = "technology"',
                                       'kind = "technology"\npatent_lenght = 3')
    path = tmp_path / "typo.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"category\.phones\.patent_lenght: unknown key"):
        load_scenario(path)


def test_scenario_hash_is_stable_and_sensitive():
    a, b = load_scenario(MINIMAL), load_scenario(MINIMAL)
    c = load_scenario(MINIMAL, {"category.goods.fixed_cost": 0.6})
    assert scenario_hash(a) == scenario_hash(b) != scenario_hash(c)
    assert len(scenario_hash(a)) == 16


def test_entrants_without_a_firm_to_copy_are_a_validation_error():
    raw = read_toml(MINIMAL)
    raw["category"].append({"id": "tablets", "kind": "technology", "entry_rate": 1.0})
    with pytest.raises(ScenarioError, match=r"category\.tablets has entry_rate > 0 but no"):
        validate_raw(raw, "x.toml")
    raw["category"][-1]["entry_rate"] = 0.0
    validate_raw(raw, "x.toml")  # a category nobody enters may stay empty


@pytest.mark.parametrize(("field", "hint"), [
    ("hand_cost", "hand_materials"), ("machine_cost", "machine_materials"),
    ("entry_push", "entry_subsidy"), ("entry_sensitivity", "entry_rate")])
def test_replaced_fields_name_their_replacement(field, hint):
    raw = read_toml(MINIMAL)
    raw["category"][0][field] = 1.0
    with pytest.raises(ScenarioError, match=rf"category\.goods: {field} is no longer a "
                       rf"field: .*{hint}"):
        validate_raw(raw, "x.toml")


def test_an_account_must_be_national_or_a_region():
    raw = read_toml(MINIMAL)
    raw["event"].append({"at": 2, "kind": "media", "culture": "miao", "budget": 1.0,
                         "account": "mars"})
    with pytest.raises(ScenarioError, match=r"event\.1\.account names unknown account "
                       r"'mars' \(known: coast, guizhou, national\)"):
        validate_raw(raw, "x.toml")
    raw["event"][-1]["account"] = "guizhou"
    validate_raw(raw, "x.toml")


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_scenario_validates_and_runs_cleanly(name):
    sc = load_scenario(shipped()[name], {"scenario.periods": 4, "scenario.consumers": 300})
    res = premia.simulate(sc, seed=1)
    assert_sane(res)
    assert set(res.categories.category) == {c.id for c in sc.category}
