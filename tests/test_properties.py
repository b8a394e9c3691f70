"""Random valid scenarios (within the schema's ranges, small sizes) run cleanly."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import assert_sane, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import premia
from premia.loading import ScenarioError, validate_raw


def fl(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


SHARE = fl(0.0, 1.0)
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "scenario.population": fl(1.0, 1e10),
    "scenario.pricing": st.sampled_from(["by_kind", "adaptive", "nash"]),
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
        f"category.{cat}.pricing": st.sampled_from(["adaptive", "nash"]),
        f"category.{cat}.machine_materials": fl(0.0, 1e7),
        f"category.{cat}.hand_materials": fl(0.0, 1e7),
        f"category.{cat}.labour_hand": fl(0.0, 100.0),
        f"category.{cat}.defect_rate": fl(0.0, 0.9),
        f"category.{cat}.fixed_cost": fl(0.0, 1e6),
        f"category.{cat}.entry_rate": fl(0.0, 100.0),
        f"category.{cat}.entry_cost": fl(0.0, 1e12),
        f"category.{cat}.capacity_cost": fl(0.0, 1e9),
        f"category.{cat}.entry_spread": fl(1e-3, 100.0),
        f"category.{cat}.discount_rate": fl(1e-4, 1.0),
        f"category.{cat}.entry_horizon": st.integers(1, 2400),
        f"category.{cat}.entry_subsidy": SHARE,
        f"category.{cat}.machine_capital": fl(0.0, 1e9),
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
        f"firms.{i}.heterogeneity": SHARE,
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


EVENTS = st.one_of(
    st.builds(lambda at, share: {"at": at, "kind": "modernize", "category": "embroidery",
                                 "share": share}, st.integers(0, 6), SHARE),
    st.builds(lambda at: {"at": at, "kind": "merge_markets", "category": "embroidery",
                          "into": "goods"}, st.integers(0, 6)),
    st.builds(lambda at, b, u: {"at": at, "kind": "media", "culture": "miao", "budget": b,
                                "until": at + u}, st.integers(0, 6), fl(0.0, 1e12),
              st.integers(0, 5)),
    st.builds(lambda at: {"at": at, "kind": "creator", "creator": "weaver"}, st.integers(0, 6)),
    st.builds(lambda at, share, target: {"at": at, "kind": "subsidy", "category": "goods",
                                         "share": share, "target": target},
              st.integers(0, 6), SHARE, st.sampled_from(["entry", "machines"])),
    st.builds(lambda at, b, acc: {"at": at, "kind": "heritage", "culture": "miao",
                                  "budget": b, "account": acc},
              st.integers(0, 6), fl(0.0, 1e12), st.sampled_from(["national", "village"])),
    st.builds(lambda at, share, paid: {"at": at, "kind": "modernize", "category": "embroidery",
                                       "share": share, "paid_by": paid},
              st.integers(0, 6), SHARE, st.sampled_from(["workshops", "budget"])),
    st.builds(lambda at, f: {"at": at, "kind": "shock", "category": "embroidery",
                             "factor": f}, st.integers(0, 6), fl(1e-3, 100.0)),
)
CONTENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "scenario.pricing": st.sampled_from(["by_kind", "adaptive", "nash"]),
    "scenario.demand": st.sampled_from(["expected", "sampled"]),
    "consumers.network": st.sampled_from(["mixed", "small_world"]),
    "consumers.network_degree": st.integers(2, 200),
    "consumers.halo": fl(0.0, 20.0),
    "creator.weaver.quality": fl(0.0, 100.0),
    "creator.weaver.promotion": fl(0.0, 1e9),
    "creator.weaver.bass_p": SHARE,
    "creator.weaver.bass_q": SHARE,
    "creator.weaver.audience": SHARE,
    "creator.weaver.uplift": fl(0.0, 100.0),
    "creator.weaver.commission": SHARE,
    "creator.weaver.income_per_follower": fl(0.0, 1e4),
    "culture.miao.capital": fl(0.0, 100.0),
    "culture.miao.media_efficiency": SHARE,
    "culture.miao.awareness_elsewhere": SHARE,
    "category.embroidery.culture_weight": fl(0.0, 100.0),
    "category.embroidery.entry_rate": fl(0.0, 100.0),
    "category.embroidery.entry_spread": fl(1e-3, 100.0),
    "category.embroidery.machine_capital": fl(0.0, 1e6),
    "culture.miao.heritage_efficiency": SHARE,
    "firms.1.heterogeneity": SHARE,
    "category.embroidery.entry_home_share": SHARE,
    "category.embroidery.imitator_right": SHARE,
    "region.village.owner_share": SHARE,
}


@st.composite
def content_scenarios(draw) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    keys = draw(st.lists(st.sampled_from(sorted(CONTENT_FIELDS)), max_size=10, unique=True))
    out = {key: draw(CONTENT_FIELDS[key]) for key in keys}
    out["scenario.periods"] = draw(st.integers(1, 8))
    out["scenario.consumers"] = draw(st.integers(10, 300))
    out["scenario.max_firms"] = 150
    events = draw(st.lists(EVENTS, max_size=4))
    return out, events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=content_scenarios(), seed=st.integers(0, 2**32))
def test_random_content_scenarios_with_events_run_cleanly(case, seed):
    overrides, events = case
    sc = make_scenario("content", overrides, events=events)
    res = premia.simulate(sc, seed=seed)
    assert_sane(res)
    assert ((res.creators.followers >= 0) & (res.creators.followers <= sc.scenario.population
                                              * (1 + 1e-12))).all()


@st.composite
def structures(draw) -> dict[str, Any]:
    """Random economies built from scratch: any number of regions, cultures, categories,
    firm groups, creators and events that the schema allows (small sizes)."""
    regions = [f"r{i}" for i in range(draw(st.integers(1, 3)))]
    cultures = [{"id": f"k{i}", "home": draw(st.sampled_from(regions)),
                 "capital": draw(fl(0.0, 5.0)), "learning": draw(SHARE),
                 "decay": draw(fl(0.0, 0.2))} for i in range(draw(st.integers(0, 2)))]
    kinds = ["commodity", "technology"] + (["culture", "hybrid"] if cultures else [])
    categories = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        cat = {"id": f"c{i}", "kind": kind, "culture_weight": draw(fl(0.0, 5.0)),
               "entry_rate": draw(fl(0.0, 2.0)), "entry_spread": draw(fl(0.01, 5.0)),
               "entry_cost": draw(fl(0.0, 1e6)), "capacity_cost": draw(fl(0.0, 100.0)),
               "fixed_cost": draw(fl(0.0, 5.0)), "price_weight": draw(fl(1e-3, 0.1))}
        if kind in ("culture", "hybrid"):
            cat["culture"] = draw(st.sampled_from(cultures))["id"]
        categories.append(cat)
    groups = [{"category": draw(st.sampled_from(categories))["id"],
               "region": draw(st.sampled_from(regions)), "count": draw(st.integers(1, 4)),
               "capacity": draw(fl(1.0, 1e5)), "rd_intensity": draw(fl(0.0, 0.2)),
               "cash": draw(fl(-1e5, 1e6)),
               "owner": draw(st.one_of(st.none(), st.sampled_from(["a", "b"])))}
              for _ in range(draw(st.integers(1, 4)))]
    creators = [{"id": f"z{i}", "culture": draw(st.sampled_from(cultures))["id"],
                 "region": draw(st.sampled_from(regions)),
                 "cooperative": draw(st.lists(st.integers(0, len(groups) - 1), max_size=2,
                                              unique=True))}
                for i in range(draw(st.integers(0, 2)) if cultures else 0)]
    culture_cats = [c["id"] for c in categories if c["kind"] in ("culture", "hybrid")]
    plain_cats = [c["id"] for c in categories if c["kind"] in ("commodity", "technology")]
    events = []
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, 5))
        options = ["shock", "subsidy", "patent"]
        options += ["modernize"] + (["merge_markets"] if plain_cats else []) if culture_cats \
            else []
        options += ["media"] if cultures else []
        options += ["creator"] if creators else []
        kind = draw(st.sampled_from(options))
        e: dict[str, Any] = {"at": at, "kind": kind}
        if kind in ("shock", "subsidy", "patent"):
            e["category"] = draw(st.sampled_from(categories))["id"]
            e.update({"shock": {"factor": 2.0}, "subsidy": {"share": 0.5},
                      "patent": {"length": 0}}[kind])
        elif kind == "modernize":
            e["category"] = draw(st.sampled_from(culture_cats))
        elif kind == "merge_markets":
            e.update(category=draw(st.sampled_from(culture_cats)),
                     into=draw(st.sampled_from(plain_cats)))
        elif kind == "media":
            e.update(culture=draw(st.sampled_from(cultures))["id"], budget=1e6)
        else:
            e["creator"] = draw(st.sampled_from(creators))["id"]
        events.append(e)
    homes = [k["home"] for k in cultures]
    shared_home = len(set(homes)) < len(homes)  # the halo needs one culture per home region
    return {
        "scenario": {"name": "random", "periods": draw(st.integers(1, 6)),
                     "consumers": draw(st.integers(10, 200)), "max_firms": 60,
                     "pricing": draw(st.sampled_from(["by_kind", "adaptive", "nash"])),
                     "demand": draw(st.sampled_from(["expected", "sampled"]))},
        "consumers": {"network": draw(st.sampled_from(["mixed", "small_world"])),
                      "halo": 0.0 if shared_home else draw(fl(0.0, 3.0))},
        "region": [{"id": r} for r in regions], "culture": cultures, "category": categories,
        "firms": groups, "creator": creators, "event": events,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=structures(), seed=st.integers(0, 2**32))
def test_random_economies_built_from_scratch_run_cleanly(raw, seed):
    stocked = {g["category"] for g in raw["firms"]}
    orphans = [c["id"] for c in raw["category"] if c["id"] not in stocked
               and c["entry_rate"] > 0]
    if orphans:  # entrants with no declared firms to take practice from: a one-line error
        with pytest.raises(ScenarioError,
                           match=rf"category\.({'|'.join(orphans)}) has entry_rate > 0"):
            validate_raw(raw, "random.toml")
        return
    sc = validate_raw(raw, "random.toml")
    res = premia.simulate(sc, seed=seed)
    assert_sane(res)
    assert res.categories.period.nunique() == sc.scenario.periods
